"""Read-only queries over patients and intakes.

Each rule that more than one place needs (which intakes are "the same person's, earlier", which
flags the patient may see, which flags mean "opioid mentioned, not current") is written here once;
the services, views and admin call it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    DateField,
    DateTimeField,
    Exists,
    Field,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.db.models.functions import Upper
from django.db.models.lookups import Exact
from django.utils.module_loading import import_string

from welltopia.prepared import Param, Prepared

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


def intake_reference(value: str | uuid.UUID | None) -> uuid.UUID | None:
    """A public reference as read from a session or a link: the UUID, or None for anything that
    is not one (never raises)."""
    if not value:
        return None
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def intakes_with_reference(reference: uuid.UUID | Param) -> QuerySet[Intake]:
    """The intake with this public reference (at most one), with its patient: what every page that
    reads the patient's intake starts from."""
    return Intake.objects.select_related("patient").filter(reference=reference)


# Read on every page of the intake's summary and the booking: compiled once (welltopia.prepared).
_INTAKE_BY_REFERENCE = Prepared(lambda: intakes_with_reference(Param("reference", UUIDField()))[:1])
_INTAKE_BY_REFERENCE_WITH_ANSWERS = Prepared(
    lambda: intakes_with_reference(Param("reference", UUIDField())).prefetch_related("medications", "flags__medication")[:1]
)


def intake_get_by_reference(*, reference: str | uuid.UUID | None, with_answers: bool = True) -> Intake | None:
    """The intake with this public reference, or None for anything that is not one (never raises).

    ``with_answers`` also loads the medications and flags (the summary page shows them).
    """
    reference = intake_reference(reference)
    if reference is None:
        return None
    prepared = _INTAKE_BY_REFERENCE_WITH_ANSWERS if with_answers else _INTAKE_BY_REFERENCE
    return prepared.first(reference=reference)


def any_case(path: str, value: str | Param) -> Exact:
    """The text at ``path`` equals ``value`` in any case (what ``__iexact`` says), written so that a
    prepared query can take the value: ``__iexact`` rewrites its value for LIKE on some databases."""
    return Exact(Upper(path), Upper(value if isinstance(value, Param) else Value(value)))


def _earlier_of(
    *,
    email: str | Param | None,
    first_name: str | Param | None,
    last_name: str | Param | None,
    date_of_birth: date | Param | None,
    submitted_at: datetime | Param,
    pk: int | Param,
    since: datetime | Param,
    through: str = "",
) -> Q:
    """The rule behind ``intakes_earlier_of``, as a filter on Intake, or on a model that reaches
    Intake by the relation ``through`` (e.g. "intake__" for ScreeningFlag): the intake ``pk``,
    submitted at ``submitted_at`` by a patient with these details; ``since`` the earliest to count.
    An empty email, or an empty first or last name, recognises no one."""
    same_person = Q(any_case(f"{through}patient__email", email)) if email else Q(pk__in=[])
    if first_name and last_name:
        same_person |= Q(
            any_case(f"{through}patient__first_name", first_name),
            any_case(f"{through}patient__last_name", last_name),
            **{f"{through}patient__date_of_birth": date_of_birth},
        )
    before = Q(**{f"{through}submitted_at__lt": submitted_at}) | Q(
        **{f"{through}submitted_at": submitted_at, f"{through}pk__lt": pk}
    )
    return same_person & before & Q(**{f"{through}submitted_at__gte": since}) & ~Q(**{f"{through}pk": pk})


def _earlier_values(intake: Intake, *, days: int) -> dict:
    patient = intake.patient
    has_names = bool(patient.first_name and patient.last_name)
    return {
        "email": patient.email or None,
        "first_name": patient.first_name if has_names else None,
        "last_name": patient.last_name if has_names else None,
        "date_of_birth": patient.date_of_birth if has_names else None,
        "submitted_at": intake.submitted_at,
        "pk": intake.pk,
        "since": intake.submitted_at - timedelta(days=days),
    }


def intakes_earlier_of(*, intake: Intake, days: int = EARLIER_INTAKE_DAYS) -> QuerySet[Intake]:
    """Intakes the same person submitted in the `days` before this one, newest first.

    The same person: the same email in any case, or the same first and last name (any case) and
    date of birth — someone who comes back with another email address is still recognised.
    """
    return (
        Intake.objects.filter(_earlier_of(**_earlier_values(intake, days=days)))
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


def _flags_carried_query(*, by_email: bool, by_name: bool) -> QuerySet[ScreeningFlag]:
    def given(name: str, field: Field, used: bool) -> Param | None:
        return Param(name, field) if used else None

    earlier = _earlier_of(
        email=given("email", CharField(), by_email),
        first_name=given("first_name", CharField(), by_name),
        last_name=given("last_name", CharField(), by_name),
        date_of_birth=given("date_of_birth", DateField(), by_name),
        submitted_at=Param("submitted_at", DateTimeField()),
        pk=Param("pk", BigIntegerField()),
        since=Param("since", DateTimeField()),
        through="intake__",
    )
    return (
        ScreeningFlag.objects.filter(earlier)
        .exclude(code__in=sorted(NOT_CARRIED_FORWARD))
        .select_related("intake")
        .only(*_CARRIED_FLAG_FIELDS)
        .order_by("-intake__submitted_at", "-intake_id", "id")
    )


# Every submission asks it: compiled once for each way a patient can be recognised (welltopia.prepared).
_FLAGS_CARRIED = {
    (by_email, by_name): Prepared(partial(_flags_carried_query, by_email=by_email, by_name=by_name))
    for by_email in (False, True)
    for by_name in (False, True)
}


def flags_carried_from_earlier_intakes(*, intake: Intake, days: int = EARLIER_INTAKE_DAYS) -> list[ScreeningFlag]:
    """The flags of ``intakes_earlier_of`` that may be carried to this intake (not those in
    NOT_CARRIED_FORWARD), each with its intake: newest intake first, each intake's in the order
    they were raised.

    One query, reading only what a carried flag copies: submitting an intake pays for this on the
    patient's request, and a returning patient's earlier intakes are never loaded whole.
    """
    values = {name: value for name, value in _earlier_values(intake, days=days).items() if value is not None}
    by_email, by_name = "email" in values, "first_name" in values
    if not (by_email or by_name):
        return []  # recognises no one: no query, as the QuerySet made none
    return _FLAGS_CARRIED[by_email, by_name].run(**values)


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
