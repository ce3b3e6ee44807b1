"""Removing a patient's personal and clinical data once the retention period has passed.

Plain pieces over patients' own tables; deciding *who* is past retention needs the appointments,
so that lives in consultations/retention.py (``patients`` never imports ``consultations``).
Updates go through querysets on purpose: the anonymised rows no longer pass the model's own
validation (an empty email), and no save() side effects should run.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.db.models import QuerySet

from .models import Intake, MedicationEntry, Patient, ScreeningFlag

REMOVED_NAME = "Removed"
# Date of birth is required by the schema; a fixed sentinel says "removed" without a migration.
REMOVED_BIRTH_DATE = date(1900, 1, 1)

# Every answer an intake holds; what stays is when it was submitted and whom it belonged to.
INTAKE_BLANKS = {
    "pregnancy_status": "",
    "opioid_use": "",
    "opioid_stopped_what": "",
    "opioid_last_dose": None,
    "conditions": [],
    "condition_other": "",
    "takes_no_medications": False,
    "allergies": "",
    "has_ldn_prescription": False,
    "prescriber_name": "",
    "prescriber_clinic": "",
    "prescriber_phone": "",
    "screening_outcome": Intake.Outcome.CLEAR,
    "screening_rules_version": "",
    "review_notes": "",
    "override_reason": "",
}


def intakes_strip(*, intakes: QuerySet[Intake]) -> int:
    """Delete the medications and flags of these intakes and blank every answer; returns how many."""
    ids = list(intakes.values_list("id", flat=True))
    ScreeningFlag.objects.filter(intake_id__in=ids).delete()
    MedicationEntry.objects.filter(intake_id__in=ids).delete()
    return Intake.objects.filter(id__in=ids).update(**INTAKE_BLANKS)


def patients_anonymise(*, patient_ids: Iterable[int]) -> int:
    return Patient.objects.filter(id__in=list(patient_ids)).update(
        first_name=REMOVED_NAME,
        last_name="",
        email="",
        phone="",
        date_of_birth=REMOVED_BIRTH_DATE,
        preferred_contact=Patient.ContactMethod.EMAIL,
    )


def is_anonymised(patient: Patient) -> bool:
    return patient.first_name == REMOVED_NAME and patient.email == ""
