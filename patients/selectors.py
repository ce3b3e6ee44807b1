"""Read-only queries over patients and intakes.

Each rule that more than one place needs (which intakes are "the same person's, earlier", which
flags the patient may see, which flags mean "opioid mentioned, not current") is written here once;
the services, views and admin call it.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.module_loading import import_string

from .explanations import explanation_for_patient
from .models import SEVERITY_RANK, Intake, ScreeningFlag, worst_severity

EARLIER_INTAKE_DAYS = 90
EARLIER_INTAKE = "earlier_intake"
# Flags an earlier intake raised that are not carried to a later one: what the engine could not
# name says nothing about opioids, and an earlier-intake flag points at an intake that is itself
# in view.
NOT_CARRIED_FORWARD = frozenset({"unrecognised", EARLIER_INTAKE})


def pharmacy_phone() -> str:
    """The pharmacy's phone, for pages and emails that offer a call: from the function the project
    names in ``settings.PHARMACY_PHONE_FUNCTION`` (``patients`` knows nothing of where it is kept)."""
    return import_string(settings.PHARMACY_PHONE_FUNCTION)()


def intake_get_by_reference(
    *, reference: str | uuid.UUID | None, with_answers: bool = True, annotations: Mapping | None = None
) -> Intake | None:
    """The intake with this public reference, or None for anything that is not one (never raises).

    ``with_answers`` also loads the medications and flags (the summary page shows them);
    ``annotations`` are read with it, in the same query (what a caller would otherwise ask next).
    """
    if not reference:
        return None
    try:
        reference = uuid.UUID(str(reference))
    except (TypeError, ValueError, AttributeError):
        return None
    intakes = Intake.objects.select_related("patient")
    if with_answers:
        intakes = intakes.prefetch_related("medications", "flags__medication")
    if annotations:
        intakes = intakes.annotate(**annotations)
    return intakes.filter(reference=reference).first()


def _earlier_of(intake: Intake, *, days: int, through: str = "") -> Q:
    """The rule behind ``intakes_earlier_of``, as a filter on Intake, or on a model that reaches
    Intake by the relation ``through`` (e.g. "intake__" for ScreeningFlag)."""
    patient = intake.patient
    same_person = Q(**{f"{through}patient__email__iexact": patient.email}) if patient.email else Q(pk__in=[])
    if patient.first_name and patient.last_name:
        same_person |= Q(
            **{
                f"{through}patient__first_name__iexact": patient.first_name,
                f"{through}patient__last_name__iexact": patient.last_name,
                f"{through}patient__date_of_birth": patient.date_of_birth,
            }
        )
    submitted = intake.submitted_at
    before = Q(**{f"{through}submitted_at__lt": submitted}) | Q(
        **{f"{through}submitted_at": submitted, f"{through}pk__lt": intake.pk}
    )
    return (
        same_person
        & before
        & Q(**{f"{through}submitted_at__gte": submitted - timedelta(days=days)})
        & ~Q(**{f"{through}pk": intake.pk})
    )


def intakes_earlier_of(*, intake: Intake, days: int = EARLIER_INTAKE_DAYS) -> QuerySet[Intake]:
    """Intakes the same person submitted in the `days` before this one, newest first.

    The same person: the same email in any case, or the same first and last name (any case) and
    date of birth — someone who comes back with another email address is still recognised.
    """
    return (
        Intake.objects.filter(_earlier_of(intake, days=days))
        .select_related("patient")
        .prefetch_related("flags")
        .order_by("-submitted_at", "-pk")
    )


# What carrying a flag forward reads of it and of the intake that raised it (services.py).
_CARRIED_FLAG_FIELDS = (
    "code", "severity", "matched", "ingredient", "field", "last_dose", "earliest_start", "washout_rule", "reading",
    "intake__submitted_at", "intake__pregnancy_status", "intake__opioid_use", "intake__opioid_stopped_what",
    "intake__opioid_last_dose",
)


def flags_carried_from_earlier_intakes(*, intake: Intake, days: int = EARLIER_INTAKE_DAYS) -> QuerySet[ScreeningFlag]:
    """The flags of ``intakes_earlier_of`` that may be carried to this intake (not those in
    NOT_CARRIED_FORWARD), each with its intake: newest intake first, each intake's in the order
    they were raised.

    One query, reading only what a carried flag copies: submitting an intake pays for this on the
    patient's request, and a returning patient's earlier intakes are never loaded whole.
    """
    return (
        ScreeningFlag.objects.filter(_earlier_of(intake, days=days, through="intake__"))
        .exclude(code__in=NOT_CARRIED_FORWARD)
        .select_related("intake")
        .only(*_CARRIED_FLAG_FIELDS)
        .order_by("-intake__submitted_at", "-intake_id", "id")
    )


def flags_for_patient(*, intake: Intake) -> list[ScreeningFlag]:
    """The flags the patient is shown, most serious first: never the staff-only ones."""
    flags = [flag for flag in intake.flags.all() if not flag.staff_only]
    return sorted(flags, key=lambda flag: -SEVERITY_RANK[flag.severity])


@dataclass(frozen=True)
class FlagForPatient:
    severity: str
    explanation: str


def _noticed_and_why(text: str) -> tuple[str, str]:
    """"We noticed X, which is an opioid." and the reason after it ("" when the text is one sentence)."""
    noticed, dot, why = text.partition(". ")
    return (noticed + "." if dot else text), why.strip()


def explanations_once(texts: list[str]) -> list[str]:
    """Each reason given in full once per page: when a later flag's reason (everything after its
    first sentence) repeats one already shown, only its first sentence, what was noticed, is kept."""
    shown, result = set(), []
    for text in texts:
        noticed, why = _noticed_and_why(text)
        result.append(noticed if why and why in shown else text)
        if why:
            shown.add(why)
    return result


def flags_shown_to_patient(*, intake: Intake) -> list[FlagForPatient]:
    """flags_for_patient as the summary page words them: each explanation given once per page, in
    the page's language (explanations.py)."""
    flags = flags_for_patient(intake=intake)
    texts = explanations_once([flag.explanation for flag in flags])
    return [
        FlagForPatient(severity=flag.severity, explanation=explanation_for_patient(text))
        for flag, text in zip(flags, texts, strict=True)
    ]


# Opioids taken as treatment for opioid use disorder, not for pain: the notice says so, and asks the
# patient to keep taking them.
OPIOID_TREATMENTS = ("methadone", "buprenorphine")


def opioid_treatment_noticed(*, intake: Intake) -> bool:
    """A contraindication the patient sees names methadone or buprenorphine."""
    return any(
        flag.severity == ScreeningFlag.Severity.CONTRAINDICATION
        and any(word in f"{flag.ingredient} {flag.matched}".lower() for word in OPIOID_TREATMENTS)
        for flag in flags_for_patient(intake=intake)
    )


def outcome_for_patient(*, intake: Intake) -> str:
    """The headline the patient sees, from the flags they are shown (Intake.screening_outcome,
    which staff rank by, also counts what earlier intakes said)."""
    return worst_severity(flag.severity for flag in flags_for_patient(intake=intake))


# "An opioid was mentioned, but not as current use": an allergy, a denial, use that ended outside
# the washout interval, or the direct question answered "I stopped" long enough ago. Ranked just
# after contraindications in the pharmacist's queue.
OPIOID_NOT_CURRENT = (("opioid_not_current", None), ("opioid_answer", ScreeningFlag.Severity.REVIEW))


def opioid_not_current_flags() -> Q:
    """OPIOID_NOT_CURRENT as a filter on ScreeningFlag."""
    query = Q(pk__in=[])
    for code, severity in OPIOID_NOT_CURRENT:
        query |= Q(code=code) if severity is None else Q(code=code, severity=severity)
    return query


def flag_is_opioid_not_current(flag: ScreeningFlag) -> bool:
    """OPIOID_NOT_CURRENT for one flag already loaded."""
    return any(flag.code == code and severity in (None, flag.severity) for code, severity in OPIOID_NOT_CURRENT)


def flagged_with(severity: str) -> Exists:
    """For a queryset of intakes: has a flag of this severity."""
    return Exists(ScreeningFlag.objects.filter(intake=OuterRef("pk"), severity=severity))


def opioid_not_current_exists() -> Exists:
    """For a queryset of intakes: has a flag in OPIOID_NOT_CURRENT."""
    return Exists(ScreeningFlag.objects.filter(opioid_not_current_flags(), intake=OuterRef("pk")))


# The review queue's bands, most urgent first: an opioid mentioned but not current comes straight
# after contraindications. Severities keep their SEVERITY_RANK order around it.
OPIOID_NOT_CURRENT_BAND = "opioid_not_current"
QUEUE_BANDS = ("contraindication", OPIOID_NOT_CURRENT_BAND, "caution", "review")
QUEUE_RANK = {band: len(QUEUE_BANDS) - position for position, band in enumerate(QUEUE_BANDS)}
AWAITING_DECISION = (Intake.ReviewStatus.NEW, Intake.ReviewStatus.IN_REVIEW)


def _band(band: str) -> Q | Exists:
    if band == OPIOID_NOT_CURRENT_BAND:
        return opioid_not_current_exists()
    return Q(screening_outcome=band) | Q(flagged_with(band))


def intakes_for_review() -> QuerySet[Intake]:
    """Intakes with ``severity_rank`` (QUEUE_RANK, 0 for nothing noticed) and ``decided`` (0 while
    a decision is awaited), ordered as the pharmacist's queue: undecided first, the most serious
    first, then the newest."""
    return Intake.objects.annotate(
        severity_rank=Case(
            *(When(_band(band), then=Value(QUEUE_RANK[band])) for band in QUEUE_BANDS),
            default=Value(0),
            output_field=IntegerField(),
        ),
        decided=Case(When(review_status__in=AWAITING_DECISION, then=Value(0)), default=Value(1), output_field=IntegerField()),
    ).order_by("decided", "-severity_rank", "-submitted_at")
