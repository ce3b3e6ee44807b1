"""Patients, their intakes, the medications they list, and what screening noticed.

Everything in an intake is health data: it never goes to logs, URLs, emails or error reports.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

# Highest first: the order in which a pharmacist needs to see them.
SEVERITY_RANK = {"contraindication": 3, "caution": 2, "review": 1, "clear": 0}


def worst_severity(severities) -> str:
    """The highest severity among these, or "clear" when there are none."""
    return max(severities, key=SEVERITY_RANK.__getitem__, default="clear")


class Patient(models.Model):
    class ContactMethod(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone call")
        TEXT = "text", _("Text message")

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField(db_index=True)
    phone = models.CharField(max_length=32, help_text="E.164, e.g. +16085550123")
    preferred_contact = models.CharField(
        max_length=10, choices=ContactMethod.choices, default=ContactMethod.EMAIL
    )
    # The language the patient used the site in (the switch on every page): their emails are
    # written in it, and staff see it to know which language to speak at the consultation.
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        # The same person is found by email or by name and birth date in any case (an intake's
        # earlier intakes, a returning patient): indexed as the lookups compare them, in upper case.
        indexes = [
            models.Index(Upper("email"), name="patient_email_any_case"),
            models.Index(Upper("last_name"), Upper("first_name"), F("date_of_birth"), name="patient_name_any_case"),
        ]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Intake(models.Model):
    class PregnancyStatus(models.TextChoices):
        NOT_PREGNANT = "not_pregnant", _("Not pregnant")
        PREGNANT = "pregnant", _("Pregnant")
        BREASTFEEDING = "breastfeeding", _("Breastfeeding")
        TRYING_TO_CONCEIVE = "trying_to_conceive", _("Trying to conceive")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")
        NOT_SURE = "not_sure", _("Not sure")
        PREFER_NOT_TO_SAY = "prefer_not_to_say", _("Prefer not to say")

    class OpioidUse(models.TextChoices):
        NOW = "now", _("Yes, I take one now")
        STOPPED = "stopped", _("I stopped")
        NO = "no", _("No")
        NOT_SURE = "not_sure", _("I'm not sure")
        # Intakes stored before the question was asked: no answer is invented for them.
        NOT_ASKED = "not_asked", "Not asked (intake before this question existed)"

    class Condition(models.TextChoices):
        AUTOIMMUNE = "autoimmune", _("Autoimmune conditions")
        CHRONIC_PAIN = "chronic_pain", _("Chronic pain")
        ANXIETY_MOOD = "anxiety_mood", _("Anxiety or mood")
        HORMONAL = "hormonal", _("Hormonal symptoms")
        CANCER_RELATED = "cancer_related", _("Cancer-related")
        OTHER = "other", _("Something else")

    class Outcome(models.TextChoices):
        CLEAR = "clear", "Nothing noticed"
        REVIEW = "review", "Pharmacist review"
        CAUTION = "caution", "Caution"
        CONTRAINDICATION = "contraindication", "Contraindication"

    class ReviewStatus(models.TextChoices):
        NEW = "new", "New"
        IN_REVIEW = "in_review", "In review"
        CLEARED = "cleared", "Cleared to discuss LDN"
        NOT_CANDIDATE = "not_candidate", "Not a candidate"
        NEEDS_INFORMATION = "needs_information", "Needs information"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="intakes")
    # The public handle kept in the patient's session; never the sequential id.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitted_at = models.DateTimeField(db_index=True)

    pregnancy_status = models.CharField(max_length=24, choices=PregnancyStatus.choices)
    opioid_use = models.CharField(
        "opioid taken recently", max_length=12, choices=OpioidUse.choices, default=OpioidUse.NOT_ASKED
    )
    opioid_stopped_what = models.CharField("opioid stopped", max_length=200, blank=True)
    opioid_last_dose = models.DateField("last dose of that opioid", null=True, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    condition_other = models.CharField(max_length=300, blank=True)
    takes_no_medications = models.BooleanField(default=False)
    allergies = models.TextField(blank=True)

    has_ldn_prescription = models.BooleanField(default=False)
    prescriber_name = models.CharField(max_length=200, blank=True)
    prescriber_clinic = models.CharField(max_length=200, blank=True)
    prescriber_phone = models.CharField(max_length=32, blank=True)

    consent_privacy_at = models.DateTimeField(null=True, blank=True)
    consent_not_diagnosis_at = models.DateTimeField(null=True, blank=True)
    consent_contact_at = models.DateTimeField(null=True, blank=True)

    screening_outcome = models.CharField(
        max_length=20, choices=Outcome.choices, default=Outcome.CLEAR, db_index=True
    )
    screening_rules_version = models.CharField(max_length=20, blank=True)

    review_status = models.CharField(
        max_length=20, choices=ReviewStatus.choices, default=ReviewStatus.NEW, db_index=True
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_notes = models.TextField(blank=True)
    override_reason = models.TextField(blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    override_at = models.DateTimeField(null=True, blank=True)
    # The one-time part of the "continue where you left off" link (patients/continuation.py):
    # emailed links carry it signed; opening one clears it, so every link sent before dies with it.
    continue_link_nonce = models.CharField(max_length=32, blank=True, editable=False, db_index=True)

    class Meta:
        ordering = ["-submitted_at"]
        permissions = [
            ("view_clinical_details", "Can see medications, conditions, pregnancy status and flags"),
            ("review_intake", "Can record a review decision on an intake"),
        ]

    def __str__(self):
        return f"Intake {self.submitted_at:%Y-%m-%d} – {self.patient}"

    @property
    def has_contraindication(self):
        return self.screening_outcome == self.Outcome.CONTRAINDICATION


class MedicationEntry(models.Model):
    class Kind(models.TextChoices):
        PRESCRIPTION = "prescription", _("Prescription")
        OVER_THE_COUNTER = "otc", _("Over the counter or supplement")

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="medications")
    position = models.PositiveSmallIntegerField()
    text = models.CharField("medication or supplement", max_length=200)
    dose = models.CharField(max_length=100, blank=True)
    frequency = models.CharField("how often", max_length=100, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.PRESCRIPTION)

    class Meta:
        ordering = ["intake", "position"]
        verbose_name_plural = "medication entries"

    def __str__(self):
        return self.text


class ScreeningFlag(models.Model):
    class Severity(models.TextChoices):
        CONTRAINDICATION = "contraindication", "Contraindication"
        CAUTION = "caution", "Caution"
        REVIEW = "review", "Pharmacist review"

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="flags")
    medication = models.ForeignKey(
        MedicationEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=20, choices=Severity.choices)
    matched = models.CharField(max_length=200, blank=True)
    ingredient = models.CharField(max_length=100, blank=True)
    explanation = models.TextField()
    rules_version = models.CharField(max_length=20)
    # Where the words were read: "medications", "opioid_question", "allergies", "condition_other",
    # "pregnancy", ...
    field = models.CharField(max_length=40, blank=True)
    last_dose = models.DateField(null=True, blank=True)
    earliest_start = models.DateField("earliest LDN start", null=True, blank=True)
    washout_rule = models.CharField(max_length=300, blank=True)
    reading = models.TextField("what screening read", blank=True)
    # Staff-only flags (what an earlier intake said) are never shown to the patient.
    staff_only = models.BooleanField(default=False)
    earlier_intake = models.ForeignKey(
        "Intake", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="For an earlier-intake flag: the intake that raised it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intake", "id"]

    def __str__(self):
        return f"{self.get_severity_display()}: {self.code}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events are never changed.")

    def delete(self):
        raise AuditTrailIsAppendOnly("Audit events are never deleted.")


class AuditTrailIsAppendOnly(Exception):
    pass


class AuditEvent(models.Model):
    """Who looked at or changed which record, and when. Never the record's values.

    Append-only: saving an existing event or deleting one raises; the admin offers no change or
    delete, and on PostgreSQL a trigger refuses UPDATE and DELETE as well.
    """

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        ADD = "add", "Added"
        DELETE = "delete", "Deleted"
        EXPORT = "export", "Exported"
        REVIEW = "review", "Recorded a review decision"
        OVERRIDE = "override", "Overrode a contraindication"

    at = models.DateTimeField(db_index=True)
    # PROTECT: a staff login that has left a trail is deactivated, never deleted.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices)
    object_type = models.CharField(max_length=100, help_text="app_label.model")
    object_id = models.CharField(max_length=64)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{self.username or 'system'} {self.action} {self.object_type} #{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditTrailIsAppendOnly("Audit events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events are never deleted.")
