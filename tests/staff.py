"""Shared pieces for the admin tests: an intake with tell-tale clinical text, and form posts."""

from django.urls import reverse

from patients.models import Intake, ScreeningFlag
from tests.factories import IntakeFactory, MedicationEntryFactory, ScreeningFlagFactory

# Words that must never reach the front desk: a medication, a flag explanation, its label, a
# pregnancy status, a condition. Unusual enough not to appear on an admin page by chance.
SENTINEL_MEDICATION = "Oxycodone-sentinel-7341"
SENTINEL_EXPLANATION = "Sentinel-explanation: LDN blocks opioid receptors"
SENTINEL_CONDITION_OTHER = "Sentinel-condition-fibro-8812"
CLINICAL_WORDS = [
    SENTINEL_MEDICATION,
    SENTINEL_EXPLANATION,
    SENTINEL_CONDITION_OTHER,
    "Contraindication",
    "Breastfeeding",
    "Pharmacist review",
    "Chronic pain",
]


def flagged_intake(*, severity=ScreeningFlag.Severity.CONTRAINDICATION, patient=None, **intake_fields):
    """An intake listing the sentinel medication, flagged, with a breastfeeding answer."""
    fields = {
        "takes_no_medications": False,
        "pregnancy_status": Intake.PregnancyStatus.BREASTFEEDING,
        "condition_other": SENTINEL_CONDITION_OTHER,
        "screening_outcome": severity,
        **intake_fields,
    }
    if patient is not None:
        fields["patient"] = patient
    intake = IntakeFactory(**fields)
    medication = MedicationEntryFactory(intake=intake, position=0, text=SENTINEL_MEDICATION)
    ScreeningFlagFactory(medication=medication, severity=severity, explanation=SENTINEL_EXPLANATION)
    return intake


def review_post(intake, **fields):
    """The POST body of the intake review form (the medications inline is read-only)."""
    medications = list(intake.medications.all())
    data = {
        "review_status": intake.review_status,
        "review_notes": intake.review_notes,
        "override_reason": intake.override_reason,
        "medications-TOTAL_FORMS": str(len(medications)),
        "medications-INITIAL_FORMS": str(len(medications)),
        "medications-MIN_NUM_FORMS": "0",
        "medications-MAX_NUM_FORMS": "0",
    }
    for index, medication in enumerate(medications):
        data[f"medications-{index}-id"] = str(medication.pk)
        data[f"medications-{index}-intake"] = str(intake.pk)
    data.update(fields)
    return data


def intake_url(intake):
    return reverse("admin:patients_intake_change", args=[intake.pk])


def assert_nothing_clinical(html):
    for word in CLINICAL_WORDS:
        assert word not in html, f"clinical text {word!r} shown"
