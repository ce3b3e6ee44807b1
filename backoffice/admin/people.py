"""People and places: pharmacists with their weekly hours and days off, patients' contact details,
the pharmacy and the kinds of consultation.

Patients' contact details are for everyone on staff; the links to their intakes only for those who
may see clinical details.
"""

from datetime import time

from django import forms
from django.conf import settings
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from consultations.hours import hhmm, overlapping_ranges
from consultations.models import AvailabilityException, ConsultationType, Location, Pharmacist, WorkingHours
from patients.models import Patient

from .. import formatting as fmt
from .base import ADMIN_CSS, AdminInputGuard, BoundedInlineFormSet, NoAddOrDelete, sees_clinical


# --- Pharmacists and their hours ------------------------------------------------------------------
class WorkingHoursForm(forms.ModelForm):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", "The end time must be after the start time.")
        return cleaned


class WorkingHoursFormSet(BoundedInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        ranges = [
            (form.cleaned_data["weekday"], form.cleaned_data["start"], form.cleaned_data["end"])
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        clashes = overlapping_ranges(ranges)
        if clashes:
            raise ValidationError(
                [
                    f"{WorkingHours.Weekday(day).label}: {hhmm(a[0])}–{hhmm(a[1])} overlaps "
                    f"{hhmm(b[0])}–{hhmm(b[1])}. Join them into one range or change one of them."
                    for day, a, b in clashes
                ]
            )


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    form = WorkingHoursForm
    formset = WorkingHoursFormSet
    extra = 1
    verbose_name = "weekly hours (Chicago time)"
    verbose_name_plural = "Weekly hours (Chicago time)"


class AvailabilityExceptionForm(forms.ModelForm):
    class Meta:
        model = AvailabilityException
        fields = ["day", "kind", "start", "end", "note"]
        help_texts = {"start": "Leave start and end empty for a whole day off."}

    def clean(self):
        cleaned = super().clean()
        kind, start, end = cleaned.get("kind"), cleaned.get("start"), cleaned.get("end")
        if "start" in self.errors or "end" in self.errors:
            return cleaned
        if (start is None) != (end is None):
            self.add_error("end" if end is None else "start", "Give both a start and an end time, or neither.")
        elif start is None and kind == AvailabilityException.Kind.EXTRA_HOURS:
            self.add_error("start", "Extra hours need a start and an end time.")
        elif start is not None and end <= start:
            self.add_error("end", "The end time must be after the start time.")
        return cleaned


class AvailabilityExceptionFormSet(BoundedInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        ranges = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE"):
                continue
            start = data.get("start") or time.min
            end = data.get("end") or time.max
            ranges.append((data["day"], start, end))
        clashes = overlapping_ranges(ranges)
        if clashes:
            raise ValidationError(
                [
                    f"{day:%a %b %-d %Y}: {hhmm(a[0])}–{hhmm(a[1])} overlaps {hhmm(b[0])}–{hhmm(b[1])}. "
                    "Time off and extra hours on the same day must not overlap."
                    for day, a, b in clashes
                ]
            )


class AvailabilityExceptionInline(admin.TabularInline):
    model = AvailabilityException
    form = AvailabilityExceptionForm
    formset = AvailabilityExceptionFormSet
    extra = 1
    verbose_name = "time off or extra hours (Chicago time)"
    verbose_name_plural = "Time off and extra hours (Chicago time)"


class PharmacistForm(forms.ModelForm):
    # A link typed without a scheme is taken as https; the model's validator still decides.
    meeting_link = forms.URLField(
        assume_scheme="https",
        required=False,
        max_length=500,
        label="Video link",
        widget=forms.URLInput(attrs={"size": 60, "placeholder": "https://"}),
    )

    class Meta:
        model = Pharmacist
        fields = ["user", "display_name", "location", "is_active", "meeting_link"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "meeting_link" in self.fields:
            self.fields["meeting_link"].help_text = (
                "The video room this pharmacist's video patients join: an https link on "
                f"{', '.join(settings.VIDEO_LINK_HOSTS)}. One appointment may have its own (on the appointment). "
                "Without a link, patients are told the pharmacist will contact them with how to join."
            )


@admin.register(Pharmacist)
class PharmacistAdmin(AdminInputGuard, admin.ModelAdmin):
    form = PharmacistForm
    list_display = ["display_name", "location", "is_active", "has_video_link"]
    list_filter = ["is_active", "location"]
    search_fields = ["display_name"]
    # The video room is logistics, like the hours: the pharmacist or the front desk keeps it.
    fields = ["user", "display_name", "location", "is_active", "meeting_link"]
    inlines = [WorkingHoursInline, AvailabilityExceptionInline]

    class Media:
        css = ADMIN_CSS

    def get_readonly_fields(self, request, obj=None):
        # Which login a pharmacist is, is an account matter for a superuser.
        if obj is not None and not request.user.is_superuser:
            return ["user"]
        return []

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: appointments keep pointing at the pharmacist

    @admin.display(description="video link", boolean=True)
    def has_video_link(self, pharmacist):
        return bool(pharmacist.meeting_link)


@admin.register(Location)
class LocationAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["name", "city", "phone_display"]

    @admin.display(description="phone")
    def phone_display(self, location):
        return fmt.phone(location.phone)


@admin.register(ConsultationType)
class ConsultationTypeAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "buffer_minutes", "is_active"]
    prepopulated_fields = {"slug": ["name"]}


# --- Patients: contact details for everyone on staff -------------------------------------------
@admin.register(Patient)
class PatientAdmin(NoAddOrDelete, AdminInputGuard, admin.ModelAdmin):
    list_display = ["full_name", "email", "phone_display", "preferred_contact", "language", "created_local"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    search_help_text = "Search by name, email or phone."
    fields = ["first_name", "last_name", "date_of_birth", "email", "phone", "preferred_contact", "language"]
    readonly_fields = []

    class Media:
        css = ADMIN_CSS


    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if sees_clinical(request) and "intakes_links" not in fields:
            fields.append("intakes_links")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return ["intakes_links"] if sees_clinical(request) else []

    @admin.display(description="name", ordering="last_name")
    def full_name(self, patient):
        return patient.full_name

    @admin.display(description="phone", ordering="phone")
    def phone_display(self, patient):
        return fmt.phone(patient.phone)

    @admin.display(description="created (Chicago)", ordering="created_at")
    def created_local(self, patient):
        return fmt.when(patient.created_at)

    @admin.display(description="intakes")
    def intakes_links(self, patient):
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">Submitted {}</a>',  # noqa: S308 (a constant)
            (
                (reverse("admin:patients_intake_change", args=[i.pk]), fmt.when(i.submitted_at))
                for i in patient.intakes.all()
            ),
        ) or "—"
