"""Operations that change patients and intakes. Views, the admin and tasks call these.

Everything passed in here is health data: nothing is logged, and `sensitive_variables` keeps the
values out of error reports should anything go wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, DateField, Field
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_variables

from welltopia.prepared import Param, Prepared

from .models import SEVERITY_RANK, Intake, MedicationEntry, Patient, ScreeningFlag, worst_severity
from .screening import RULES_VERSION, screen_intake
from .selectors import EARLIER_INTAKE, any_case, flags_carried_from_earlier_intakes

CONSENTS = {
    "consent_privacy": "consent_privacy_at",
    "consent_not_diagnosis": "consent_not_diagnosis_at",
    "consent_contact": "consent_contact_at",
}
PATIENT_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "phone", "preferred_contact", "language")
INTAKE_FIELDS = (
    "pregnancy_status",
    "opioid_use",
    "opioid_stopped_what",
    "opioid_last_dose",
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
# Free text the patient typed besides the medication rows, screened like them. The prescriber's
# name, clinic and phone are not: they are names and numbers, and "Dr Oxley" is not oxycodone.
SCREENED_TEXT_FIELDS = ("allergies", "condition_other")


def screening_outcome(severities: Sequence[str]) -> str:
    """The highest severity among the flags, or "clear" when there are none."""
    return worst_severity(severities)


def medication_screening_text(entry: Mapping[str, str]) -> str:
    """What the engine reads for one entry: the name with dose and frequency.

    The engine ignores doses but reads words such as "stopped in 2019" or "allergic", which
    patients sometimes put in the "how often" box.
    """
    parts = (entry.get("text", ""), entry.get("dose", ""), entry.get("frequency", ""))
    return " ".join(part.strip() for part in parts if part and part.strip())


# A returning patient: the same email in any case and the same date of birth. Locked until the
# submission commits. Every submission asks: compiled once (welltopia.prepared).
_RETURNING_PATIENT = Prepared(
    lambda: Patient.objects.select_for_update()
    .filter(any_case("email", Param("email", CharField())), date_of_birth=Param("date_of_birth", DateField()))
    .order_by("id")[:1]
)


@sensitive_variables()
def patient_find_or_create(*, patient_data: Mapping) -> Patient:
    """The patient with this email (any case) and date of birth, updated; or a new one."""
    data = {name: patient_data[name] for name in PATIENT_FIELDS if name in patient_data}
    data["email"] = data.get("email", "").strip()
    patient = None
    if data.get("date_of_birth") is not None:  # without one, full_clean below says it is needed
        patient = _RETURNING_PATIENT.first(email=data["email"], date_of_birth=data["date_of_birth"])
    if patient is None:
        patient = Patient(**data)
    else:
        # Name, phone, contact preference and language follow the latest intake; email and birth
        # date matched.
        for name in ("first_name", "last_name", "phone", "preferred_contact", "language"):
            if name in data:
                setattr(patient, name, data[name])
    patient.full_clean()
    patient.save()
    return patient


def patient_language_set(*, patient: Patient, language: str) -> None:
    """Remember the language the patient chose at the switch: their emails are written in it.

    A language the site does not offer is ignored (the switch refuses it too)."""
    if language not in dict(settings.LANGUAGES) or patient.language == language:
        return
    Patient.objects.filter(pk=patient.pk).update(language=language)
    patient.language = language


@sensitive_variables()
@transaction.atomic
def intake_submit(
    *,
    patient_data: Mapping,
    intake_data: Mapping,
    medications: Sequence[Mapping],
    now: datetime | None = None,
    language: str = "",
) -> Intake:
    """Store a submitted intake with its medications, screen it, and store what screening found.

    Screened: every medication row (name, dose, how often), the direct opioid question, the
    pregnancy answer and the other free text typed (SCREENED_TEXT_FIELDS). Flags the same person's
    earlier intakes raised (90 days) that this one no longer shows are added as staff-only
    "earlier_intake" flags: they count in `screening_outcome`, the patient is not shown them.

    `intake_data` carries the Intake fields plus the three consents as booleans
    (consent_privacy, consent_not_diagnosis, consent_contact); each is stamped with `now`.
    `language` is the one the patient filled the form in (stored with the patient for their emails).
    Raises ValidationError when a consent is missing or the medication list is ambiguous.
    """
    now = now or timezone.now()
    if language:
        patient_data = {**patient_data, "language": language}
    missing = [name for name in CONSENTS if not intake_data.get(name)]
    if missing:
        raise ValidationError(dict.fromkeys(missing, gettext("This consent is needed to go on.")))
    medications = [m for m in medications if (m.get("text") or "").strip()]
    takes_none = bool(intake_data.get("takes_no_medications"))
    if takes_none == bool(medications):
        raise ValidationError(
            {"takes_no_medications": gettext("List at least one medication, or say that you take none — not both.")}
        )

    patient = patient_find_or_create(patient_data=patient_data)
    intake = Intake(
        patient=patient,
        submitted_at=now,
        **{name: intake_data[name] for name in INTAKE_FIELDS if name in intake_data},
        **dict.fromkeys(CONSENTS.values(), now),
    )
    # The patient was saved just above, in this transaction. The reference's uniqueness is the
    # database's to guard: it is a fresh random UUID, and asking cost a query a submission.
    intake.full_clean(exclude=["patient"], validate_unique=False)
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
        today=timezone.localdate(now),
        **_opioid_answer(intake),
        other_texts={name: getattr(intake, name) for name in SCREENED_TEXT_FIELDS if getattr(intake, name).strip()},
    )
    flags = [_stored_flag(intake=intake, flag=flag, entries=entries) for flag in found]
    flags += _earlier_intake_flags(intake=intake, shown=flags)
    for flag in flags:
        flag.full_clean(exclude=["intake", "medication", "earlier_intake"])
    ScreeningFlag.objects.bulk_create(flags)

    intake.screening_outcome = screening_outcome([flag.severity for flag in flags])
    intake.screening_rules_version = RULES_VERSION
    # Checked in full above; only the two new values need it now, not the patient's row and the
    # reference's uniqueness again (two queries in the patient's request).
    intake.full_clean(exclude=["patient"], validate_unique=False, validate_constraints=False)
    intake.save(update_fields=["screening_outcome", "screening_rules_version"])
    return intake



def _opioid_answer(intake: Intake) -> dict:
    """The direct question's answer for the engine; nothing for an intake that was not asked it."""
    if intake.opioid_use == Intake.OpioidUse.NOT_ASKED:
        return {}
    return {
        "opioid_use": intake.opioid_use,
        "opioid_stopped_what": intake.opioid_stopped_what,
        "opioid_last_dose": intake.opioid_last_dose,
    }


def _fit(field_name: str, text: str) -> str:
    field = ScreeningFlag._meta.get_field(field_name)
    assert isinstance(field, Field)  # a column of the flag, never a relation
    return (text or "")[: field.max_length]


def _stored_flag(*, intake: Intake, flag, entries: Sequence[MedicationEntry]) -> ScreeningFlag:
    """One engine flag as a row; tied to its medication row when it was read in one."""
    index = flag.entry_index
    on_medication = flag.field in ("medications", "") and index is not None and 0 <= index < len(entries)
    return ScreeningFlag(
        intake=intake,
        medication=entries[index] if on_medication else None,
        code=flag.code,
        severity=str(flag.severity),
        matched=_fit("matched", flag.matched),
        ingredient=_fit("ingredient", flag.ingredient),
        explanation=flag.explanation,
        rules_version=flag.rules_version,
        field=_fit("field", flag.field),
        last_dose=flag.last_dose,
        earliest_start=flag.earliest_start,
        washout_rule=_fit("washout_rule", flag.washout_rule),
        reading=flag.reading or "",
    )


def _earlier_intake_flags(*, intake: Intake, shown: Sequence[ScreeningFlag]) -> list[ScreeningFlag]:
    """What the same person's earlier intakes (90 days) raised and this one no longer shows.

    A patient who lists oxycodone, sees the notice, goes Back and types ibuprofen instead still
    reaches the pharmacist with the oxycodone in view. One staff-only flag per (code, ingredient),
    from the earlier intake where it was most serious (the newest on a tie); the patient is told
    nothing new.
    """
    on_this = {(flag.code, flag.ingredient) for flag in shown}
    carried: dict[tuple[str, str], tuple[Intake, ScreeningFlag]] = {}
    for flag in flags_carried_from_earlier_intakes(intake=intake):
        key = (flag.code, flag.ingredient)
        if key in on_this:
            continue
        kept = carried.get(key)
        if kept is None or SEVERITY_RANK[flag.severity] > SEVERITY_RANK[kept[1].severity]:
            carried[key] = (flag.intake, flag)
    return [
        ScreeningFlag(
            intake=intake,
            code=EARLIER_INTAKE,
            severity=flag.severity,
            matched=flag.matched,
            ingredient=flag.ingredient,
            explanation=_earlier_explanation(earlier=earlier, flag=flag),
            rules_version=RULES_VERSION,
            field=flag.field,
            last_dose=flag.last_dose,
            earliest_start=flag.earliest_start,
            washout_rule=flag.washout_rule,
            reading=flag.reading,
            staff_only=True,
            earlier_intake=earlier,
        )
        for earlier, flag in carried.values()
    ]


def _earlier_explanation(*, earlier: Intake, flag: ScreeningFlag) -> str:
    """For staff: "An earlier intake on Nov 20, 2026 mentioned oxycodone (Contraindication)."

    Always English, whatever language the patient filled the form in: staff read it."""
    with translation.override("en"):
        return _earlier_explanation_words(earlier=earlier, flag=flag)


def _earlier_explanation_words(*, earlier: Intake, flag: ScreeningFlag) -> str:
    day = timezone.localtime(earlier.submitted_at).strftime("%b %-d, %Y")
    if flag.code == "opioid_answer":
        said = f"answered \u201c{earlier.get_opioid_use_display()}\u201d to the opioid question"
        if earlier.opioid_use == Intake.OpioidUse.STOPPED and earlier.opioid_stopped_what:
            said += f" ({earlier.opioid_stopped_what}"
            if earlier.opioid_last_dose:
                said += f", last dose {earlier.opioid_last_dose:%b %-d, %Y}"
            said += ")"
    elif flag.code.startswith("pregnancy"):
        said = f"gave the pregnancy answer \u201c{earlier.get_pregnancy_status_display()}\u201d"
    elif flag.ingredient:
        said = f"mentioned {flag.ingredient}"
    elif flag.matched:
        said = f"mentioned \u201c{flag.matched}\u201d"
    else:
        said = f"raised \u201c{flag.code}\u201d"
    return f"An earlier intake on {day} {said} ({flag.get_severity_display()})."
