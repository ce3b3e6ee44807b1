"""The pharmacist's intake review queue, patients' contact details, and the audit trail.

Roles: only users with `patients.view_clinical_details` (the Pharmacist group, superusers) can
open intakes at all; the front desk has no intake permission, so Django answers 403 to every
intake page (list, detail, history, autocomplete). Patients' pages show contact details to
everyone and links to intakes only to pharmacists. Logic lives in patients/review.py and
patients/audit.py; this module only wires them in.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import EmptyResultSet, FullResultSet, ValidationError
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .audit import audit_record, audit_record_many
from .models import AuditEvent, Intake, MedicationEntry, Patient, ScreeningFlag
from .review import intake_review, intake_review_check
from .selectors import flag_is_opioid_not_current, intakes_earlier_of, opioid_not_current_flags

CLINICAL = "patients.view_clinical_details"
REVIEW = "patients.review_intake"
Severity = ScreeningFlag.Severity
ADMIN_CSS = {"all": ["css/admin.css"]}

# Appointment is reached through the reverse relation: patients never imports consultations.
Appointment = Intake._meta.get_field("appointments").related_model


def sees_clinical(request) -> bool:
    return request.user.has_perm(CLINICAL)


def local(dt, fmt=None):
    """A time in the pharmacy's zone; the year only when it is not this year."""
    if dt is None:
        return "—"
    dt = timezone.localtime(dt)
    if fmt is None:
        fmt = "%a %b %-d, %-I:%M %p" if dt.year == timezone.localdate().year else "%a %b %-d %Y, %-I:%M %p"
    return dt.strftime(fmt)


def badge(severity: str, count: int | None = None):
    label = Severity(severity).label
    text = f"{label} ×{count}" if count and count > 1 else label
    return format_html('<span class="wt-badge wt-badge--{}">{}</span>', severity, text)


def flag_exists(severity):
    return Exists(ScreeningFlag.objects.filter(intake=OuterRef("pk"), severity=severity))


def opioid_not_current_exists():
    return Exists(ScreeningFlag.objects.filter(opioid_not_current_flags(), intake=OuterRef("pk")))


OPIOID_NOT_CURRENT_LABEL = "Opioid mentioned, not current"
# The queue's bands, most urgent first (IntakeAdmin.get_queryset's severity_rank).
RANK_CONTRAINDICATION, RANK_OPIOID_NOT_CURRENT, RANK_CAUTION, RANK_REVIEW = 4, 3, 2, 1


def day(value):
    """A calendar date (a last dose, an earliest start) as the pharmacy reads it."""
    if value is None:
        return "—"
    return value.strftime("%a %b %-d, %Y")


def flag_html(flag):
    """A flag for the pharmacist: badge and why, then what was read, the washout rule, the earliest
    LDN start and, for a flag carried from an earlier intake, a link to that intake."""
    details = []
    if flag.staff_only:
        details.append(format_html('<span class="wt-flag-staff">{}</span>', "Staff only: not shown to the patient"))
    if flag.earlier_intake_id:
        url = reverse("admin:patients_intake_change", args=[flag.earlier_intake_id])
        details.append(format_html('<a href="{}">{}</a>', url, "Open the earlier intake"))
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


def upcoming(field):
    return Subquery(
        Appointment.objects.filter(
            intake=OuterRef("pk"), status="booked", start__gte=timezone.now()
        ).order_by("start").values(field)[:1]
    )


# --- Crafted input: ignored or refused, never a 500 ----------------------------------------------
# PostgreSQL refuses NUL in any string it is sent, and only when the query runs, long after
# Django's changelist has decided the filter was fine.
NUL = "\x00"
# The largest id a bigint column holds; beyond it SQLite raises OverflowError as the query runs.
MAX_ID = 2**63 - 1


def is_row_id(value: str) -> bool:
    return value.isascii() and value.isdigit() and int(value) <= MAX_ID


class GuardedChangeList(ChangeList):
    """A changelist that ignores a filter value the database cannot take, as Django ignores a
    malformed field lookup: the page redirects to ``?e=1`` and shows the unfiltered list.

    Django catches errors only while it builds its own field lookups; a SimpleListFilter's
    ``queryset()`` and the values that reach the database adapter (an aware datetime that falls
    off the calendar in UTC, a NUL byte) fail later, as a 500.
    """

    def get_queryset(self, request, exclude_parameters=None):
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in value for value in values):
                raise IncorrectLookupParameters("NUL in the query string")
        try:
            queryset = super().get_queryset(request, exclude_parameters)
            # Compiling sends every value through the database adapter without running anything.
            queryset.query.get_compiler(queryset.db).as_sql()
        except (EmptyResultSet, FullResultSet):
            pass
        except (ValueError, OverflowError, ValidationError) as error:
            raise IncorrectLookupParameters(error) from error
        return queryset


class AdminInputGuard:
    """For every ModelAdmin of ours: crafted filters, searches and action selections are ignored
    or refused with a message instead of failing in the database."""

    def get_changelist(self, request, **kwargs):
        return GuardedChangeList

    def get_search_results(self, request, queryset, search_term):
        # The autocomplete view calls this directly with its ``term``; nothing stored holds a NUL.
        if NUL in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def response_action(self, request, queryset):
        if not all(is_row_id(value) for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)):
            self.message_user(
                request, "Nothing was changed: tick the rows to act on in the list.", messages.WARNING
            )
            return None  # the changelist redirects back to itself, showing the message
        return super().response_action(request, queryset)


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
        awaiting = Q(review_status__in=[Intake.ReviewStatus.NEW, Intake.ReviewStatus.IN_REVIEW])
        if self.value() == "flagged_today":
            today = timezone.localdate()
            return queryset.filter(flagged, submitted_at__date=today)
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
            return queryset.filter(flag_exists(value))
        if value == "any":
            return queryset.filter(severity_rank__gt=0)
        if value == "none":
            return queryset.filter(severity_rank=0)
        return queryset


class UpcomingPharmacistFilter(admin.SimpleListFilter):
    title = "pharmacist (upcoming appointment)"
    parameter_name = "pharmacist"

    def lookups(self, request, model_admin):
        Pharmacist = Appointment._meta.get_field("pharmacist").related_model
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


class PatientColumns:
    """Contact columns and phone search for an admin whose objects have a ``patient``.

    Shared by the intake queue and the schedule, so both show and find patients the same way.
    """

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        digits = "".join(ch for ch in search_term if ch.isdigit())
        if len(digits) >= 7:
            # People type phone numbers with spaces and dashes; we store E.164.
            results |= queryset.filter(patient__phone__contains=digits[-10:])
        return results, may_have_duplicates

    @admin.display(description="patient", ordering="patient__last_name")
    def patient_name(self, obj):
        return obj.patient.full_name

    @admin.display(description="email")
    def patient_email(self, obj):
        return obj.patient.email

    @admin.display(description="phone")
    def patient_phone(self, obj):
        return obj.patient.phone

    @admin.display(description="prefers")
    def patient_contact(self, obj):
        return obj.patient.get_preferred_contact_display()


@admin.register(Intake)
class IntakeAdmin(AdminInputGuard, PatientColumns, admin.ModelAdmin):
    form = IntakeReviewForm
    inlines = [MedicationEntryInline]
    # Screening next to the name, so it stays in view on a phone where the table scrolls.
    list_display = [
        "patient_name",
        "severity_badges",
        "submitted",
        "review_status",
        "upcoming_appointment",
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
        "submitted", "pregnancy_status", "opioid_answer", "conditions_display", "condition_other", "allergies",
        "takes_no_medications", "prescription_display", "consents_display",
        "severity_badges", "other_flags", "screening_rules_version", "earlier_intakes", "upcoming_appointment",
        "reviewed_by", "reviewed_at_local", "override_by", "override_at_local",
    ]
    fieldsets = [
        ("Patient", {"fields": [
            "patient_name", "patient_date_of_birth", "patient_email", "patient_phone", "patient_contact",
            "upcoming_appointment",
        ]}),
        ("Answers", {"fields": [
            "submitted", "pregnancy_status", "opioid_answer", "conditions_display", "condition_other", "allergies",
            "takes_no_medications", "prescription_display", "consents_display",
        ]}),
        ("Screening", {"fields": ["severity_badges", "other_flags", "screening_rules_version"]}),
        ("Earlier intakes", {"fields": ["earlier_intakes"]}),
        ("Review", {"fields": [
            "review_status", "review_notes", "override_reason",
            "reviewed_by", "reviewed_at_local", "override_by", "override_at_local",
        ]}),
    ]

    class Media:
        css = ADMIN_CSS

    # Permissions: intakes are created by patients and never deleted from the admin.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return sees_clinical(request) and super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return sees_clinical(request) and super().has_change_permission(request, obj)

    def has_module_permission(self, request):
        return sees_clinical(request)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm(REVIEW):
            fields += ["review_status", "review_notes", "override_reason"]
        return fields

    def get_queryset(self, request):
        contraindicated = Q(screening_outcome=Intake.Outcome.CONTRAINDICATION) | flag_exists(
            Severity.CONTRAINDICATION
        )
        # Annotate before ordering: the queue's ordering uses the annotations.
        queryset = (
            self.model._default_manager.get_queryset()
            .select_related("patient", "reviewed_by", "override_by")
            .prefetch_related("flags")
            .annotate(
                severity_rank=Case(
                    When(contraindicated, then=Value(RANK_CONTRAINDICATION)),
                    When(opioid_not_current_exists(), then=Value(RANK_OPIOID_NOT_CURRENT)),
                    When(
                        Q(screening_outcome=Intake.Outcome.CAUTION) | flag_exists(Severity.CAUTION),
                        then=Value(RANK_CAUTION),
                    ),
                    When(
                        Q(screening_outcome=Intake.Outcome.REVIEW) | flag_exists(Severity.REVIEW),
                        then=Value(RANK_REVIEW),
                    ),
                    default=Value(0),
                    output_field=IntegerField(),
                ),
                decided=Case(
                    When(review_status__in=[Intake.ReviewStatus.NEW, Intake.ReviewStatus.IN_REVIEW], then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                ),
                upcoming_start=upcoming("start"),
                upcoming_pharmacist_id=upcoming("pharmacist_id"),
                upcoming_pharmacist_name=upcoming("pharmacist__display_name"),
                upcoming_id=upcoming("pk"),
            )
        )
        return queryset.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        # The queue: undecided first, the most serious flags first (an opioid mentioned but not
        # current comes straight after contraindications), then the newest.
        return ["decided", "-severity_rank", "-submitted_at"]

    # --- Columns and read-only fields ----------------------------------------------------------
    @admin.display(description="date of birth")
    def patient_date_of_birth(self, intake):
        return intake.patient.date_of_birth.strftime("%b %-d, %Y")

    @admin.display(description="submitted (Chicago)", ordering="submitted_at")
    def submitted(self, intake):
        return local(intake.submitted_at)

    @admin.display(description="screening", ordering="severity_rank")
    def severity_badges(self, intake):
        counts = {}
        for flag in intake.flags.all():
            counts[flag.severity] = counts.get(flag.severity, 0) + 1
        if intake.screening_outcome in Severity.values and intake.screening_outcome not in counts:
            counts[intake.screening_outcome] = 1
        if not counts:
            return format_html('<span class="wt-badge wt-badge--clear">{}</span>', "Nothing noticed")
        ordered = [s for s in Severity.values if s in counts]
        badges = format_html_join(" ", "{}", ((badge(s, counts[s]),) for s in ordered))
        if "contraindication" not in counts and any(flag_is_opioid_not_current(f) for f in intake.flags.all()):
            badges = format_html(
                '<span class="wt-badge wt-badge--opioid-past">{}</span> {}', OPIOID_NOT_CURRENT_LABEL, badges
            )
        return badges

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
                (
                    reverse("admin:patients_intake_change", args=[e.pk]), local(e.submitted_at),
                    e.get_screening_outcome_display(), e.get_review_status_display(),
                )
                for e in earlier
            ),
        )

    @admin.display(description="hopes LDN may help with")
    def conditions_display(self, intake):
        labels = dict(Intake.Condition.choices)
        return ", ".join(labels.get(c, c) for c in intake.conditions) or "—"

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
            local(intake.consent_privacy_at), local(intake.consent_not_diagnosis_at),
            local(intake.consent_contact_at),
        )

    @admin.display(description="upcoming appointment", ordering="upcoming_start")
    def upcoming_appointment(self, intake):
        start = getattr(intake, "upcoming_start", None)
        if start is None:
            return "—"
        url = reverse("admin:consultations_appointment_change", args=[intake.upcoming_id])
        return format_html('<a href="{}">{}</a> · {}', url, local(start), intake.upcoming_pharmacist_name)

    @admin.display(description="decided at")
    def reviewed_at_local(self, intake):
        return local(intake.reviewed_at)

    @admin.display(description="overridden at")
    def override_at_local(self, intake):
        return local(intake.override_at)

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

    def has_review_permission(self, request):
        return request.user.has_perm(REVIEW)

    # --- The audit trail: every look at an intake is recorded -----------------------------------
    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200:
            obj = (getattr(response, "context_data", None) or {}).get("original")
            if obj is not None:
                audit_record(user=request.user, action=AuditEvent.Action.VIEW, obj=obj, request=request)
        return response

    def changelist_view(self, request, extra_context=None):
        extra_context = {"title": "Intake review queue", **(extra_context or {})}
        response = super().changelist_view(request, extra_context)
        cl = (getattr(response, "context_data", None) or {}).get("cl")
        if cl is not None:
            audit_record_many(
                user=request.user, action=AuditEvent.Action.VIEW, objects=cl.result_list, request=request
            )
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and obj is not None:
            audit_record(user=request.user, action=AuditEvent.Action.VIEW, obj=obj, request=request)
        return response


# --- Patients: contact details for everyone on staff -------------------------------------------
@admin.register(Patient)
class PatientAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["full_name", "email", "phone", "preferred_contact", "created_local"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    search_help_text = "Search by name, email or phone."
    fields = ["first_name", "last_name", "date_of_birth", "email", "phone", "preferred_contact"]
    readonly_fields = []

    class Media:
        css = ADMIN_CSS

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

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

    @admin.display(description="created (Chicago)", ordering="created_at")
    def created_local(self, patient):
        return local(patient.created_at)

    @admin.display(description="intakes")
    def intakes_links(self, patient):
        return format_html_join(
            mark_safe("<br>"), '<a href="{}">Submitted {}</a>',  # noqa: S308 (a constant)
            (
                (reverse("admin:patients_intake_change", args=[i.pk]), local(i.submitted_at))
                for i in patient.intakes.all()
            ),
        ) or "—"


# --- The audit trail: readable by superusers, never changed -------------------------------------
@admin.register(AuditEvent)
class AuditEventAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["at_local", "username", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["username", "object_id"]
    fields = list_display
    readonly_fields = list_display
    actions = None

    @admin.display(description="when (Chicago)", ordering="at")
    def at_local(self, event):
        return local(event.at, "%Y-%m-%d %H:%M:%S %Z")

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
