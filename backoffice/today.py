"""The pharmacy's day, as the Today and week pages show it: which consultations, in what order,
and what staff are told about each one.

The rules come from the selectors (which appointments fall on a local day, who may mark what,
which video link a consultation uses); this module only puts them together for one viewer. What
is clinical (the screening badges, an earliest LDN start, which intakes stand out) is filled in
only for a viewer with the clinical permission and is never computed for anyone else.

Everything here reads what ``consultation_rows`` loaded: two queries however many rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from consultations import selectors
from consultations.models import Appointment, Pharmacist
from patients.models import Intake, ScreeningFlag
from patients.selectors import AWAITING_DECISION
from welltopia.phones import phone_for_people, phone_uri

from . import formatting as fmt
from .badges import screening_badges

INTAKE_NOT_DONE = "Intake not done"
# For viewers without the clinical permission: whether a pharmacist has looked, never what they
# decided ("Not a candidate" says something about the patient's health).
INTAKE_AWAITING_REVIEW = "Intake done, awaiting review"
INTAKE_REVIEWED = "Intake reviewed"
NEEDS_ATTENTION = "Flagged, not reviewed yet"
NO_VIDEO_LINK = "No video link set — add one to the pharmacist or the appointment"
# The days a page may ask for: anything further off is a typo or a crafted address.
FIRST_YEAR, LAST_YEAR = 2000, 2100


# --- Which day, whose day ----------------------------------------------------------------------------
def day_from(value: str | None, *, today: date) -> date:
    """The day a page was asked for (YYYY-MM-DD), or today for anything else."""
    try:
        asked = date.fromisoformat(value or "")
    except ValueError:
        return today
    return asked if FIRST_YEAR <= asked.year <= LAST_YEAR else today


def week_of(day: date) -> list[date]:
    """Monday to Sunday of the week holding ``day``."""
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]


ALL = "all"


@dataclass(frozen=True)
class PharmacistChoice:
    """Whose consultations a page shows: ``pharmacist`` None is everyone's."""

    pharmacist: Pharmacist | None
    value: str  # the query string's ``pharmacist=``: an id or "all"
    choices: list[Pharmacist]


def pharmacist_choice(*, value: str | None, user: AbstractBaseUser) -> PharmacistChoice:
    """A pharmacist opens on their own day, everyone else on everyone's; ``?pharmacist=all`` or
    an id overrides. An id that is not an active pharmacist's shows everyone's."""
    choices = list(Pharmacist.objects.filter(is_active=True).order_by("display_name"))
    if not value:
        mine = next((p for p in choices if p.user_id == user.pk), None)
        if mine is not None:
            return PharmacistChoice(mine, str(mine.pk), choices)
        return PharmacistChoice(None, ALL, choices)
    chosen = next((p for p in choices if str(p.pk) == value), None)
    return PharmacistChoice(chosen, str(chosen.pk) if chosen else ALL, choices)


# --- Intakes -------------------------------------------------------------------------------------------
def intake_is_flagged(intake: Intake) -> bool:
    """Screening noticed something (a flag, or an outcome carried from an earlier intake)."""
    return intake.screening_outcome != Intake.Outcome.CLEAR or bool(intake.flags.all())


def intake_needs_attention(intake: Intake | None) -> bool:
    """Flagged and still waiting for a pharmacist's decision: the consultations that stand out."""
    return intake is not None and intake.review_status in AWAITING_DECISION and intake_is_flagged(intake)


def earliest_ldn_start(intake: Intake) -> date | None:
    """When every washout the flags name is over: the latest of their earliest starts."""
    starts = [flag.earliest_start for flag in intake.flags.all() if flag.earliest_start]
    return max(starts, default=None)


def intake_state(intake: Intake | None, *, clinical: bool) -> str:
    if intake is None:
        return INTAKE_NOT_DONE
    if clinical:
        return f"Review: {intake.get_review_status_display()}"
    return INTAKE_AWAITING_REVIEW if intake.review_status in AWAITING_DECISION else INTAKE_REVIEWED


# --- One consultation, as a row ------------------------------------------------------------------------
@dataclass(frozen=True)
class Clinical:
    """What only a pharmacist sees of a consultation's intake."""

    badges: SafeString
    needs_attention: bool
    earliest_start: str  # "" when no washout applies
    follow_up: str = ""  # "Follow-up, 6 weeks" when booked after a follow-up's check-in


@dataclass(frozen=True)
class ConsultationRow:
    appointment: Appointment
    starts: str
    ends: str
    mode: str
    patient_name: str
    phone: str
    phone_uri: str
    prefers: str
    pharmacist: str
    status: str
    is_booked: bool
    arrived: str  # "8:52 AM", or "" before the patient has arrived
    intake_state: str
    intake_missing: bool
    open_url: str  # the intake for a pharmacist, else the appointment
    appointment_url: str
    is_video: bool
    video_link: str
    may_mark_arrived: bool
    may_mark_attended: bool
    clinical: Clinical | None  # None for a viewer without the clinical permission


def consultation_rows(appointments: QuerySet[Appointment], *, clinical: bool, now: datetime) -> list[ConsultationRow]:
    """Rows for these appointments, loading what they show in two queries (three with flags)."""
    appointments = appointments.select_related("patient", "pharmacist", "consultation_type", "intake")
    if clinical:
        appointments = appointments.prefetch_related(
            Prefetch("intake__flags", queryset=ScreeningFlag.objects.order_by("id"))
        )
    loaded = list(appointments)
    # A follow-up says something about the last consultation's outcome: pharmacists only.
    follow_ups = selectors.follow_up_weeks_by_intake([a.intake_id for a in loaded if a.intake_id]) if clinical else {}
    return [_row(appointment, clinical=clinical, now=now, follow_ups=follow_ups) for appointment in loaded]


def _row(appointment: Appointment, *, clinical: bool, now: datetime, follow_ups: dict[int, int]) -> ConsultationRow:
    intake = appointment.intake
    patient = appointment.patient
    appointment_url = reverse("admin:consultations_appointment_change", args=[appointment.pk])
    if clinical and intake is not None:
        open_url = reverse("admin:patients_intake_change", args=[intake.pk])
    else:
        open_url = appointment_url
    return ConsultationRow(
        appointment=appointment,
        starts=fmt.clock(appointment.start),
        ends=fmt.clock(appointment.end),
        mode=appointment.get_mode_display(),
        patient_name=patient.full_name,
        phone=phone_for_people(patient.phone),
        phone_uri=phone_uri(patient.phone),
        prefers=patient.get_preferred_contact_display(),
        pharmacist=appointment.pharmacist.display_name,
        status=appointment.get_status_display(),
        is_booked=appointment.is_active,
        arrived=fmt.clock(appointment.arrived_at) if appointment.arrived_at else "",
        intake_state=intake_state(intake, clinical=clinical),
        intake_missing=intake is None,
        open_url=open_url,
        appointment_url=appointment_url,
        is_video=appointment.mode == Appointment.Mode.VIDEO,
        video_link=selectors.meeting_link_for(appointment),
        may_mark_arrived=appointment.arrived_at is None and selectors.staff_may_mark_arrived(appointment, now=now),
        may_mark_attended=selectors.staff_may_mark(appointment, now=now),
        clinical=_clinical(intake, follow_ups) if clinical else None,
    )


def _clinical(intake: Intake | None, follow_ups: dict[int, int]) -> Clinical | None:
    if intake is None:
        return None
    start = earliest_ldn_start(intake)
    weeks = follow_ups.get(intake.pk)
    return Clinical(
        badges=screening_badges(intake),
        needs_attention=intake_needs_attention(intake),
        earliest_start=fmt.day(start) if start else "",
        follow_up=f"Follow-up, {weeks} weeks" if weeks else "",
    )


# --- A day and a week ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Day:
    day: date
    heading: str  # "Fri Nov 27, 2026"
    is_today: bool
    rows: list[ConsultationRow]

    @property
    def needing_attention(self) -> int:
        return sum(1 for row in self.rows if row.clinical and row.clinical.needs_attention)


def day_view(*, day: date, pharmacist: Pharmacist | None, clinical: bool, now: datetime) -> Day:
    rows = consultation_rows(
        selectors.appointments_on_days(first_day=day, last_day=day, pharmacist=pharmacist), clinical=clinical, now=now
    )
    return Day(day, fmt.day(day), day == timezone.localdate(now), rows)


def week_view(*, day: date, pharmacist: Pharmacist | None, clinical: bool, now: datetime) -> list[Day]:
    """Monday to Sunday around ``day``, each with its consultations (days without any included)."""
    days = week_of(day)
    rows = consultation_rows(
        selectors.appointments_on_days(first_day=days[0], last_day=days[-1], pharmacist=pharmacist),
        clinical=clinical,
        now=now,
    )
    by_day: dict[date, list[ConsultationRow]] = {d: [] for d in days}
    for row in rows:
        by_day[timezone.localdate(row.appointment.start)].append(row)
    today = timezone.localdate(now)
    return [Day(d, fmt.day(d), d == today, by_day[d]) for d in days]


def intakes_shown(days: list[Day]) -> list[Intake]:
    """The intakes whose screening a page showed: each is recorded as viewed."""
    return [
        row.appointment.intake
        for d in days
        for row in d.rows
        if row.clinical is not None and row.appointment.intake is not None
    ]
