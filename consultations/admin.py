"""The schedule (appointments), pharmacists with their hours, and the reference tables.

Every change to an appointment goes through consultations.services, so the patient's emails
follow; this module only shows, asks and records who looked (patients.audit). Front desk and
pharmacists share these pages; only users with `patients.view_clinical_details` see the link
to the intake.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms.models import BaseInlineFormSet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from patients.admin import AdminInputGuard, PatientColumns
from patients.audit import audit_record, audit_record_many
from patients.models import AuditEvent

from . import availability, services
from .forms import StaffRescheduleForm
from .hours import hhmm, overlapping_ranges
from .models import (
    Appointment,
    AvailabilityException,
    ConsultationType,
    Location,
    Notification,
    Pharmacist,
    WorkingHours,
)
from .notifications import outbox

CLINICAL = "patients.view_clinical_details"
ADMIN_CSS = {"all": ["css/admin.css"]}
RESCHEDULE_DAYS = 21


def local(dt, fmt="%a %b %-d, %-I:%M %p"):
    if dt is None:
        return "—"
    return timezone.localtime(dt).strftime(fmt)


def local_midnight(day):
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class DefaultChoiceFilter(admin.SimpleListFilter):
    """A list filter that opens on `default` instead of "All" (which stays one of its choices)."""

    default = None

    def value(self):
        return super().value() or self.default

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


# --- The schedule ---------------------------------------------------------------------------------
class DayFilter(DefaultChoiceFilter):
    """Days in the pharmacy's zone; shows what is coming up unless asked otherwise."""

    title = "when"
    parameter_name = "when"
    default = "upcoming"

    def lookups(self, request, model_admin):
        return [
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            ("week", "This week"),
            ("upcoming", "Upcoming"),
            ("past", "Past"),
            ("all", "All"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        now = timezone.now()
        value = self.value()
        if value == "today":
            return queryset.filter(start__gte=local_midnight(today), start__lt=local_midnight(today + timedelta(1)))
        if value == "tomorrow":
            day = today + timedelta(1)
            return queryset.filter(start__gte=local_midnight(day), start__lt=local_midnight(day + timedelta(1)))
        if value == "week":
            monday = today - timedelta(days=today.weekday())
            return queryset.filter(
                start__gte=local_midnight(monday), start__lt=local_midnight(monday + timedelta(7))
            )
        if value == "upcoming":
            return queryset.filter(end__gte=now)
        if value == "past":
            return queryset.filter(end__lt=now)
        return queryset


@admin.register(Appointment)
class AppointmentAdmin(AdminInputGuard, PatientColumns, admin.ModelAdmin):
    list_display = [
        "when", "patient_name", "patient_phone", "pharmacist", "consultation_type", "mode", "status",
    ]
    list_display_links = ["when", "patient_name"]
    list_filter = [DayFilter, "pharmacist", "status", "mode"]
    list_select_related = ["patient", "pharmacist", "consultation_type", "location"]
    search_fields = ["patient__first_name", "patient__last_name", "patient__email", "patient__phone"]
    search_help_text = "Search by the patient's name, email or phone."
    ordering = ["start"]
    actions = ["mark_completed", "mark_no_show"]
    fields = [
        "when", "ends", "patient_name", "patient_phone", "patient_email", "patient_contact",
        "pharmacist", "consultation_type", "mode", "location", "status", "cancelled_local", "version",
    ]
    readonly_fields = fields

    class Media:
        css = ADMIN_CSS

    def has_add_permission(self, request):
        return False  # patients book; staff reschedule or cancel

    def has_delete_permission(self, request, obj=None):
        return False

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if request.user.has_perm(CLINICAL):
            columns.append("intake_link")
        return columns

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if request.user.has_perm(CLINICAL):
            fields.append("intake_link")
        return fields

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    # --- Columns ---------------------------------------------------------------------------------
    @admin.display(description="when (Chicago)", ordering="start")
    def when(self, appointment):
        return local(appointment.start)

    @admin.display(description="ends")
    def ends(self, appointment):
        return local(appointment.end, "%-I:%M %p")

    @admin.display(description="cancelled at")
    def cancelled_local(self, appointment):
        return local(appointment.cancelled_at)

    @admin.display(description="intake")
    def intake_link(self, appointment):
        url = reverse("admin:patients_intake_change", args=[appointment.intake_id])
        return format_html('<a href="{}">Open intake</a>', url)

    # --- Staff changes, through the booking services --------------------------------------------
    def _mark(self, request, queryset, status):
        marked, refused = [], 0
        for appointment in queryset:
            try:
                marked.append(services.appointment_mark(appointment=appointment, status=status))
            except services.BookingError:
                refused += 1
        audit_record_many(user=request.user, action=AuditEvent.Action.CHANGE, objects=marked, request=request)
        label = Appointment.Status(status).label.lower()
        if marked:
            self.message_user(request, f"{len(marked)} appointment(s) marked {label}.", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} appointment(s) not marked: only booked consultations that have started can be.",
                messages.WARNING,
            )

    @admin.action(description="Mark selected as completed", permissions=["change"])
    def mark_completed(self, request, queryset):
        self._mark(request, queryset, Appointment.Status.COMPLETED)

    @admin.action(description="Mark selected as no-show", permissions=["change"])
    def mark_no_show(self, request, queryset):
        self._mark(request, queryset, Appointment.Status.NO_SHOW)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/reschedule/", wrap(self.reschedule_view), name="consultations_appointment_reschedule"),
            path("<int:pk>/cancel/", wrap(self.cancel_view), name="consultations_appointment_cancel"),
        ] + super().get_urls()

    def _changeable(self, request, pk):
        appointment = get_object_or_404(self.get_queryset(request), pk=pk)
        if not self.has_change_permission(request, appointment):
            raise PermissionDenied
        return appointment

    def _context(self, request, appointment, title):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": appointment,
            "title": title,
            "when": local(appointment.start),
            "has_view_permission": True,
        }

    def reschedule_view(self, request, pk):
        appointment = self._changeable(request, pk)
        now = timezone.now()
        today = timezone.localdate()
        free_days = availability.free_times_by_day(
            consultation_type=appointment.consultation_type,
            now=now,
            pharmacist=appointment.pharmacist,
            first_day=today,
            last_day=today + timedelta(days=RESCHEDULE_DAYS),
            ignore_appointment=appointment,
            min_notice=timedelta(0),
        )
        form = StaffRescheduleForm(
            request.POST or None, free_days=free_days, first_day=today, last_day=today + timedelta(days=RESCHEDULE_DAYS)
        )
        if request.method == "POST" and form.is_valid():
            try:
                moved = services.appointment_reschedule(
                    appointment=appointment, start=form.cleaned_data["start"], now=now, by_staff=True
                )
            except services.SlotUnavailable:
                form.add_error("start", "That time is no longer free. Choose another time.")
            except services.BookingError as error:
                form.add_error(None, error.message)
            else:
                audit_record(user=request.user, action=AuditEvent.Action.CHANGE, obj=moved, request=request)
                self.message_user(
                    request, f"Moved to {local(moved.start)}. The patient is emailed the new time.", messages.SUCCESS
                )
                return redirect("admin:consultations_appointment_change", moved.pk)
        context = {**self._context(request, appointment, "Reschedule appointment"), "form": form}
        return TemplateResponse(request, "admin/consultations/appointment_reschedule.html", context)

    def cancel_view(self, request, pk):
        appointment = self._changeable(request, pk)
        error = None
        if request.method == "POST":
            try:
                cancelled = services.appointment_cancel(appointment=appointment, by_staff=True)
            except services.BookingError as refused:
                error = refused.message
            else:
                audit_record(user=request.user, action=AuditEvent.Action.CHANGE, obj=cancelled, request=request)
                self.message_user(request, "Cancelled. The patient is emailed.", messages.SUCCESS)
                return redirect("admin:consultations_appointment_change", cancelled.pk)
        context = {**self._context(request, appointment, "Cancel appointment"), "error": error}
        return TemplateResponse(request, "admin/consultations/appointment_cancel.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Schedule", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    # --- The audit trail -------------------------------------------------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if response.status_code == 200 and obj is not None:
            audit_record(user=request.user, action=AuditEvent.Action.VIEW, obj=obj, request=request)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and obj is not None:
            audit_record(user=request.user, action=AuditEvent.Action.VIEW, obj=obj, request=request)
        return response


# --- Emails that could not be sent -----------------------------------------------------------------
class NotificationStatusFilter(DefaultChoiceFilter):
    """Opens on the failed sends: the ones staff have to act on. "Retrying" are those an outage
    holds back; they go by themselves once the mail server answers again."""

    title = "status"
    parameter_name = "status"
    default = Notification.Status.FAILED

    def lookups(self, request, model_admin):
        return [("retrying", "Retrying"), *Notification.Status.choices, ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() == "retrying":
            return queryset.filter(status=Notification.Status.PENDING, attempts__gt=0)
        if self.value() in Notification.Status.values:
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Notification)
class NotificationAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = [
        "kind", "appointment_when", "patient_name", "status", "attempts", "reason", "due", "next_try", "sent",
    ]
    list_filter = [NotificationStatusFilter, "kind"]
    list_select_related = ["appointment__patient"]
    search_fields = ["appointment__patient__last_name", "appointment__patient__email"]
    ordering = ["-due_at"]
    actions = ["retry"]
    fields = [
        "kind", "appointment_link", "patient_name", "status", "attempts", "reason", "due", "next_try", "sent",
        "appointment_version",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="appointment (Chicago)", ordering="appointment__start")
    def appointment_when(self, notification):
        return local(notification.appointment.start)

    @admin.display(description="appointment")
    def appointment_link(self, notification):
        url = reverse("admin:consultations_appointment_change", args=[notification.appointment_id])
        return format_html('<a href="{}">{}</a>', url, local(notification.appointment.start))

    @admin.display(description="patient")
    def patient_name(self, notification):
        return notification.appointment.patient.full_name

    @admin.display(description="due", ordering="due_at")
    def due(self, notification):
        return local(notification.due_at)

    @admin.display(description="next try", ordering="next_attempt_at")
    def next_try(self, notification):
        if notification.status != Notification.Status.PENDING or not notification.attempts:
            return "—"
        return local(notification.next_attempt_at)

    @admin.display(description="why / last error", ordering="last_error")
    def reason(self, notification):
        if notification.status == Notification.Status.DROPPED:
            return outbox.DROP_REASONS.get(notification.last_error, notification.last_error)
        return notification.last_error

    @admin.display(description="sent", ordering="sent_at")
    def sent(self, notification):
        return local(notification.sent_at)

    @admin.action(description="Send the selected failed emails again", permissions=["change"])
    def retry(self, request, queryset):
        selected = list(queryset)
        queued = sum(outbox.notification_retry(notification=n) for n in selected)
        skipped = len(selected) - queued
        if queued:
            self.message_user(request, f"{queued} email(s) queued to be sent again.", messages.SUCCESS)
        if skipped:
            self.message_user(request, f"{skipped} email(s) skipped: only failed emails can be retried.", messages.WARNING)


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


class WorkingHoursFormSet(BaseInlineFormSet):
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


class AvailabilityExceptionFormSet(BaseInlineFormSet):
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


@admin.register(Pharmacist)
class PharmacistAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["display_name", "location", "is_active"]
    list_filter = ["is_active", "location"]
    search_fields = ["display_name"]
    fields = ["user", "display_name", "location", "is_active"]
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


@admin.register(Location)
class LocationAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["name", "city", "phone"]


@admin.register(ConsultationType)
class ConsultationTypeAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "buffer_minutes", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
