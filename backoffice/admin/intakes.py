"""The pharmacist's intake review queue.

Only users with ``patients.view_clinical_details`` (the Pharmacist group, superusers) open intakes
at all; the front desk has no intake permission, so Django answers 403 to every intake page (list,
detail, history, autocomplete). Every look is audited, list rows included. Decisions go through
``patients.review``; the ranking is ``patients.selectors.intakes_for_review``.
"""

import functools

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from consultations.models import Pharmacist
from consultations.selectors import (
    upcoming_for_intake_lookup,
    upcoming_for_intake_read,
    upcoming_for_intake_subquery,
)
from patients.models import Intake, MedicationEntry, ScreeningFlag
from patients.review import intake_review, intake_review_check
from patients.selectors import (
    AWAITING_DECISION,
    flagged_with,
    intakes_earlier_of,
    intakes_for_review,
    opioid_not_current_exists,
)

from ..badges import OPIOID_NOT_CURRENT_LABEL, badge, screening_badges
from ..formatting import day, person_name, when
from ..roles import REVIEW
from .base import (
    ADMIN_CSS,
    AdminInputGuard,
    AuditedViewsMixin,
    BoundedInlineFormSet,
    NoAddOrDelete,
    PatientColumns,
    is_row_id,
    sees_clinical,
)

Severity = ScreeningFlag.Severity


def intake_url(intake_id: int) -> str:
    return reverse("admin:patients_intake_change", args=[intake_id])


def flag_html(flag):
    """A flag for the pharmacist: badge and why, then what was read, the washout rule, the earliest
    LDN start and, for a flag carried from an earlier intake, a link to that intake."""
    details = []
    if flag.staff_only:
        details.append(format_html('<span class="wt-flag-staff">{}</span>', "Staff only: not shown to the patient"))
    if flag.earlier_intake_id:
        details.append(format_html('<a href="{}">{}</a>', intake_url(flag.earlier_intake_id), "Open the earlier intake"))
    if flag.reading:
        details.append(format_html("Reading: {}", flag.reading))
    if flag.last_dose:
        details.append(format_html("Last dose: {}", day(flag.last_dose)))
    if flag.washout_rule:
        details.append(format_html("Washout: {}", flag.washout_rule))
    if flag.earliest_start:
        details.append(format_html("Earliest LDN start: <strong>{}</strong>", day(flag.earliest_start)))
    return format_html(
        '<div class="wt-flag">{} <span class="wt-flag-why">{}</span>{}</div>',
        badge(flag.severity),
        flag.explanation,
        format_html_join("", '<span class="wt-flag-detail">{}</span>', ((d,) for d in details)),
    )


@functools.cache
def review_queue():
    """The queue without its upcoming appointments, built once per process: the ranking's Case and
    Exists expressions took about 5 ms to build on every intake page. Only its clones are used
    (``.all()``), as Django's generic views use a class-level queryset, so it is never evaluated."""
    return intakes_for_review().select_related("patient", "reviewed_by", "override_by").prefetch_related("flags")


# --- Filters ------------------------------------------------------------------------------------
class QueueFilter(admin.SimpleListFilter):
    title = "queue"
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [
            ("flagged_today", "Flagged today"),
            ("awaiting", "Awaiting a decision"),
            ("flagged_awaiting", "Flagged, awaiting a decision"),
        ]

    def queryset(self, request, queryset):
        flagged = Q(severity_rank__gt=0)
        awaiting = Q(review_status__in=AWAITING_DECISION)
        if self.value() == "flagged_today":
            return queryset.filter(flagged, submitted_at__date=timezone.localdate())
        if self.value() == "awaiting":
            return queryset.filter(awaiting)
        if self.value() == "flagged_awaiting":
            return queryset.filter(flagged & awaiting)
        return queryset


class SeverityFilter(admin.SimpleListFilter):
    title = "severity"
    parameter_name = "severity"

    def lookups(self, request, model_admin):
        contraindication, *others = Severity.choices
        return [
            contraindication, ("opioid_not_current", OPIOID_NOT_CURRENT_LABEL), *others,
            ("any", "Any flag"), ("none", "No flags"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "opioid_not_current":
            return queryset.filter(opioid_not_current_exists())
        if value in Severity.values:
            return queryset.filter(flagged_with(value))
        if value == "any":
            return queryset.filter(severity_rank__gt=0)
        if value == "none":
            return queryset.filter(severity_rank=0)
        return queryset


class UpcomingPharmacistFilter(admin.SimpleListFilter):
    title = "pharmacist (upcoming appointment)"
    parameter_name = "pharmacist"

    def lookups(self, request, model_admin):
        return [(str(p.pk), p.display_name) for p in Pharmacist.objects.filter(is_active=True)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not is_row_id(value):
            raise IncorrectLookupParameters(f"pharmacist={value!r} is not an id")
        return queryset.filter(upcoming_pharmacist_id=int(value))


# --- Intake review ------------------------------------------------------------------------------
class MedicationEntryInline(admin.TabularInline):
    model = MedicationEntry
    formset = BoundedInlineFormSet
    fields = ["text", "dose", "frequency", "kind", "flags_display"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = "medication or supplement"
    verbose_name_plural = "Medications and supplements, with what screening noticed"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("flags")

    @admin.display(description="flags and why")
    def flags_display(self, entry):
        flags = list(entry.flags.all())
        if not flags:
            return "—"
        return format_html_join("", "{}", ((flag_html(f),) for f in flags))


class IntakeReviewForm(forms.ModelForm):
    class Meta:
        model = Intake
        fields = ["review_status", "review_notes", "override_reason"]
        labels = {"override_reason": "Reason for clearing despite a contraindication"}
        help_texts = {
            "override_reason": "Required to clear an intake that carries a contraindication. "
            "Kept with your name and the time.",
            "review_notes": "Your notes; the patient does not see them.",
        }

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("review_status")
        if status and self.has_changed():
            try:
                intake_review_check(
                    intake=self.instance, status=status, override_reason=cleaned.get("override_reason", "")
                )
            except ValidationError as error:
                self._update_errors(error)
        return cleaned


@admin.register(Intake)
class IntakeAdmin(NoAddOrDelete, AuditedViewsMixin, AdminInputGuard, PatientColumns, admin.ModelAdmin):
    form = IntakeReviewForm
    inlines = [MedicationEntryInline]
    audit_list_views = True
    # Screening next to the name, so it stays in view on a phone where the table scrolls.
    list_display = [
        "patient_name", "severity_badges", "submitted", "review_status", "upcoming_appointment", "patient_language",
    ]
    list_display_links = ["patient_name"]
    list_filter = [
        QueueFilter,
        SeverityFilter,
        "review_status",
        ("submitted_at", admin.DateFieldListFilter),
        UpcomingPharmacistFilter,
    ]
    search_fields = ["patient__first_name", "patient__last_name", "patient__email", "patient__phone"]
    search_help_text = "Search by the patient's name, email or phone."
    list_per_page = 50
    actions = ["mark_in_review"]
    readonly_fields = [
        "patient_name", "patient_date_of_birth", "patient_email", "patient_phone", "patient_contact",
        "patient_language", "submitted", "pregnancy_status", "opioid_answer", "conditions_display", "condition_other", "allergies",
        "takes_no_medications", "prescription_display", "consents_display",
        "severity_badges", "other_flags", "screening_rules_version", "earlier_intakes", "upcoming_appointment",
        "reviewed_by_name", "reviewed_at_local", "override_by_name", "override_at_local",
    ]
    fieldsets = [
        ("Patient", {"fields": [
            "patient_name", "patient_date_of_birth", "patient_email", "patient_phone", "patient_contact",
            "patient_language", "upcoming_appointment",
        ]}),
        ("Answers", {"fields": [
            "submitted", "pregnancy_status", "opioid_answer", "conditions_display", "condition_other", "allergies",
            "takes_no_medications", "prescription_display", "consents_display",
        ]}),
        ("Screening", {"fields": ["severity_badges", "other_flags", "screening_rules_version"]}),
        ("Earlier intakes", {"fields": ["earlier_intakes"]}),
        ("Review", {"fields": [
            "review_status", "review_notes", "override_reason",
            "reviewed_by_name", "reviewed_at_local", "override_by_name", "override_at_local",
        ]}),
    ]

    class Media:
        css = ADMIN_CSS


    def has_view_permission(self, request, obj=None):
        return sees_clinical(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return sees_clinical(request) and super().has_change_permission(request, obj)

    def has_module_permission(self, request):
        return sees_clinical(request)

    def has_review_permission(self, request):
        return request.user.has_perm(REVIEW)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(REVIEW):
            fields += ["review_status", "review_notes", "override_reason"]
        return fields

    def get_queryset(self, request):
        now = timezone.now()
        return (
            review_queue()
            .all()
            .annotate(upcoming_consultation=upcoming_for_intake_lookup(now=now))
            # Only for sorting by the column and filtering by pharmacist: an alias is in the SQL
            # only when the page uses it.
            .alias(
                upcoming_start=upcoming_for_intake_subquery("start", now=now),
                upcoming_pharmacist_id=upcoming_for_intake_subquery("pharmacist_id", now=now),
            )
        )

    def get_ordering(self, request):
        return ["decided", "-severity_rank", "-submitted_at"]  # intakes_for_review's order

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Intake review queue", **(extra_context or {})})

    # --- Columns and read-only fields ----------------------------------------------------------
    @admin.display(description="date of birth")
    def patient_date_of_birth(self, intake):
        return intake.patient.date_of_birth.strftime("%b %-d, %Y")

    @admin.display(description="submitted (Chicago)", ordering="submitted_at")
    def submitted(self, intake):
        return when(intake.submitted_at)

    @admin.display(description="screening", ordering="severity_rank")
    def severity_badges(self, intake):
        return screening_badges(intake)

    @admin.display(description="other flags (not tied to a medication)")
    def other_flags(self, intake):
        flags = [f for f in intake.flags.all() if f.medication_id is None]
        if not flags:
            return "—"
        return format_html_join("", "{}", ((flag_html(f),) for f in flags))

    @admin.display(description="opioid taken recently (the direct question)")
    def opioid_answer(self, intake):
        answer = intake.get_opioid_use_display()
        if intake.opioid_use != Intake.OpioidUse.STOPPED:
            return answer
        return format_html(
            "{} — which one: {}; last dose: {}", answer, intake.opioid_stopped_what or "not given",
            day(intake.opioid_last_dose),
        )

    @admin.display(description="the same person in the 90 days before")
    def earlier_intakes(self, intake):
        earlier = list(intakes_earlier_of(intake=intake))
        if not earlier:
            return "None"
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">Submitted {}</a> · {} · {}',  # noqa: S308 (a constant)
            (
                (intake_url(e.pk), when(e.submitted_at), e.get_screening_outcome_display(),
                 e.get_review_status_display())
                for e in earlier
            ),
        )

    @admin.display(description="hopes LDN may help with")
    def conditions_display(self, intake):
        labels = dict(Intake.Condition.choices)
        return ", ".join(str(labels.get(c, c)) for c in intake.conditions) or "—"  # labels are lazy (i18n)

    @admin.display(description="LDN prescription")
    def prescription_display(self, intake):
        if not intake.has_ldn_prescription:
            return "No prescription yet"
        parts = [intake.prescriber_name, intake.prescriber_clinic, intake.prescriber_phone]
        return "Has a prescription: " + (", ".join(p for p in parts if p) or "prescriber not given")

    @admin.display(description="consents")
    def consents_display(self, intake):
        return format_html(
            "Privacy: {}<br>Not a diagnosis: {}<br>Contact: {}",
            when(intake.consent_privacy_at), when(intake.consent_not_diagnosis_at), when(intake.consent_contact_at),
        )

    @admin.display(description="upcoming appointment", ordering="upcoming_start")
    def upcoming_appointment(self, intake):
        upcoming = upcoming_for_intake_read(getattr(intake, "upcoming_consultation", None))
        if upcoming is None:
            return "—"
        url = reverse("admin:consultations_appointment_change", args=[upcoming.id])
        return format_html('<a href="{}">{}</a> · {}', url, when(upcoming.start), upcoming.pharmacist_name)

    @admin.display(description="reviewed by")
    def reviewed_by_name(self, intake):
        return person_name(intake.reviewed_by)

    @admin.display(description="overridden by")
    def override_by_name(self, intake):
        return person_name(intake.override_by)

    @admin.display(description="decided at")
    def reviewed_at_local(self, intake):
        return when(intake.reviewed_at)

    @admin.display(description="overridden at")
    def override_at_local(self, intake):
        return when(intake.override_at)

    # --- Saving through the review service ------------------------------------------------------
    def save_model(self, request, obj, form, change):
        if not form.has_changed():
            return
        intake_review(
            intake=obj,
            by=request.user,
            status=form.cleaned_data["review_status"],
            notes=form.cleaned_data.get("review_notes", ""),
            override_reason=form.cleaned_data.get("override_reason", ""),
            request=request,
        )

    @admin.action(description="Mark selected intakes as in review", permissions=["review"])
    def mark_in_review(self, request, queryset):
        moved = 0
        for intake in queryset.filter(review_status=Intake.ReviewStatus.NEW):
            intake_review(
                intake=intake, by=request.user, status=Intake.ReviewStatus.IN_REVIEW,
                notes=intake.review_notes, request=request,
            )
            moved += 1
        self.message_user(request, f"{moved} intake(s) marked as in review.", messages.SUCCESS)
