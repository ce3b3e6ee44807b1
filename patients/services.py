"""Operations that change patients and intakes. Views, the admin and tasks call these.

Everything passed in here is health data: nothing is logged, and `sensitive_variables` keeps the
values out of error reports should anything go wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from .models import SEVERITY_RANK, Intake, MedicationEntry, Patient, ScreeningFlag
from .screening import RULES_VERSION, screen_intake

CONSENTS = {
    "consent_privacy": "consent_privacy_at",
    "consent_not_diagnosis": "consent_not_diagnosis_at",
    "consent_contact": "consent_contact_at",
}
PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone", "preferred_contact")
INTAKE_FIELDS = (
    "pregnancy_status",
    "conditions",
    "condition_other",
    "takes_no_medications",
    "allergies",
    "has_ldn_prescription",
    "prescriber_name",
    "prescriber_clinic",
    "prescriber_phone",
)
MEDICATION_FIELDS = ("text", "dose", "frequency", "kind")


def screening_outcome(severities: Sequence[str]) -> str:
    """The highest severity among the flags, or "clear" when there are none."""
    return max(severities, key=SEVERITY_RANK.__getitem__, default=Intake.Outcome.CLEAR.value)


def medication_screening_text(entry: Mapping[str, str]) -> str:
    """What the engine reads for one entry: the name with dose and frequency.

    The engine ignores doses but reads words such as "stopped in 2019" or "allergic", which
    patients sometimes put in the "how often" box.
    """
    parts = (entry.get("text", ""), entry.get("dose", ""), entry.get("frequency", ""))
    return " ".join(part.strip() for part in parts if part and part.strip())


@sensitive_variables()
def patient_find_or_create(*, patient_data: Mapping) -> Patient:
    """The patient with this email (any case) and date of birth, updated; or a new one."""
    data = {name: patient_data[name] for name in PATIENT_FIELDS if name in patient_data}
    data["email"] = data.get("email", "").strip()
    patient = (
        Patient.objects.select_for_update()
        .filter(email__iexact=data["email"], date_of_birth=data.get("date_of_birth"))
        .order_by("id")
        .first()
    )
    if patient is None:
        patient = Patient(**data)
    else:
        # Name, phone and contact preference follow the latest intake; email and birth date matched.
        for name in ("first_name", "last_name", "phone", "preferred_contact"):
            if name in data:
                setattr(patient, name, data[name])
    patient.full_clean()
    patient.save()
    return patient


@sensitive_variables()
@transaction.atomic
def intake_submit(
    *,
    patient_data: Mapping,
    intake_data: Mapping,
    medications: Sequence[Mapping],
    now: datetime | None = None,
) -> Intake:
    """Store a submitted intake with its medications, screen it, and store what screening found.

    `intake_data` carries the Intake fields plus the three consents as booleans
    (consent_privacy, consent_not_diagnosis, consent_contact); each is stamped with `now`.
    Raises ValidationError when a consent is missing or the medication list is ambiguous.
    """
    now = now or timezone.now()
    missing = [name for name in CONSENTS if not intake_data.get(name)]
    if missing:
        raise ValidationError(dict.fromkeys(missing, "This consent is needed to go on."))
    medications = [m for m in medications if (m.get("text") or "").strip()]
    takes_none = bool(intake_data.get("takes_no_medications"))
    if takes_none == bool(medications):
        raise ValidationError(
            {"takes_no_medications": "List at least one medication, or say that you take none — not both."}
        )

    patient = patient_find_or_create(patient_data=patient_data)
    intake = Intake(
        patient=patient,
        submitted_at=now,
        **{name: intake_data[name] for name in INTAKE_FIELDS if name in intake_data},
        **dict.fromkeys(CONSENTS.values(), now),
    )
    intake.full_clean()
    intake.save()

    entries = []
    for position, medication in enumerate(medications):
        entry = MedicationEntry(
            intake=intake,
            position=position,
            **{name: (medication.get(name) or "").strip() for name in MEDICATION_FIELDS if name != "kind"},
            kind=medication.get("kind") or MedicationEntry.Kind.PRESCRIPTION,
        )
        entry.full_clean(exclude=["intake"])
        entry.save()
        entries.append(entry)

    found = screen_intake(
        medications=[medication_screening_text(m) for m in medications],
        pregnancy_status=intake.pregnancy_status,
    )
    flags = []
    for flag in found:
        stored = ScreeningFlag(
            intake=intake,
            medication=entries[flag.entry_index] if flag.entry_index is not None else None,
            code=flag.code,
            severity=str(flag.severity),
            matched=flag.matched[: ScreeningFlag._meta.get_field("matched").max_length],
            ingredient=flag.ingredient[: ScreeningFlag._meta.get_field("ingredient").max_length],
            explanation=flag.explanation,
            rules_version=flag.rules_version,
        )
        stored.full_clean(exclude=["intake", "medication"])
        flags.append(stored)
    ScreeningFlag.objects.bulk_create(flags)

    intake.screening_outcome = screening_outcome([flag.severity for flag in flags])
    intake.screening_rules_version = RULES_VERSION
    intake.full_clean()
    intake.save(update_fields=["screening_outcome", "screening_rules_version"])
    return intake

