"""Reading consultations: each rule the pages, admin, services and emails share, defined once.

- *Upcoming*: booked and not yet over. A consultation in progress is still upcoming: it belongs in
  the intake queue's column and blocks a second booking for the same intake.
- *The pharmacy*: the first Location. Its name, address and phone go on every page and email.
- *May the patient still change it*: booked, and not yet inside the type's minimum notice.
  Staff may change a booked consultation until it is over, and mark it once it has started.
- *The manage link*: the absolute URL of the patient's change-or-cancel page.
- *Video*: which link a video consultation uses (its own, else its pharmacist's), when the manage
  page shows it (15 minutes before the start until the end), and how the consultation is worded
  for the patient: a link is promised only where there is one.
- *What can be booked*: the free days and times the booking and reschedule pages offer, read
  through ``availability`` (the slot engine's feeder) so no view computes availability itself.

Plain functions over the ORM; no request, no transaction of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    CharField,
    DateTimeField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    SlugField,
    Subquery,
    UUIDField,
)
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from patients.models import Intake
from patients.selectors import any_case, intake_reference, intakes_with_reference
from welltopia.phones import phone_for_people
from welltopia.prepared import Param, Prepared

from . import availability
from .availability import FreeTime
from .models import Appointment, ConsultationType, FollowUp, Location, Pharmacist

# How far ahead staff may move a consultation from the schedule.
STAFF_RESCHEDULE_DAYS = 21


# A moment given as a datetime, or as the Param of a prepared query that takes it on each run.
Moment = datetime | Param


# --- Upcoming ------------------------------------------------------------------------------------
def not_over(now: Moment) -> Q:
    """Appointments that have not ended by ``now`` (whatever their status)."""
    return Q(end__gt=now)


def appointments_upcoming(*, now: Moment) -> QuerySet[Appointment]:
    return Appointment.objects.filter(not_over(now), status=Appointment.Status.BOOKED)


def appointment_upcoming_for_intake(*, intake, now: datetime) -> Appointment | None:
    """The intake's next consultation (one intake holds at most one), with what the pages show.

    An intake read with ``intake_booking_state`` already says whether it has one: no query then
    when it has none."""
    if hasattr(intake, "upcoming_appointment_id") and intake.upcoming_appointment_id is None:
        return None
    return _UPCOMING_FOR_INTAKE.first(intake=intake.pk, now=now)


# Asked on the booking's confirmation under the intake's lock, and on the booking pages: compiled once.
_UPCOMING_FOR_INTAKE = Prepared(
    lambda: appointments_upcoming(now=Param("now", DateTimeField()))
    .filter(intake_id=Param("intake", BigIntegerField()))
    .select_related("consultation_type", "location", "pharmacist")
    .order_by("start")[:1]
)


def upcoming_for_intake_subquery(field: str, *, now: Moment) -> Subquery:
    """One column of the intake's upcoming consultation, for annotating a queryset of intakes."""
    return Subquery(
        appointments_upcoming(now=now).filter(intake=OuterRef("pk")).order_by("start").values(field)[:1]
    )


@dataclass(frozen=True)
class UpcomingForIntake:
    id: int
    start: datetime
    pharmacist_name: str


def upcoming_for_intake_lookup(*, now: Moment) -> Subquery:
    """The intake's upcoming consultation as one JSON object (id, start, pharmacist's name), for
    annotating a queryset of intakes; read it with ``upcoming_for_intake_read``.

    One lookup per row where a subquery per column took one each, and all three of one
    consultation: separate subqueries ordered by start alone may each pick another of two at the
    same time."""
    return Subquery(
        appointments_upcoming(now=now)
        .filter(intake=OuterRef("pk"))
        .order_by("start", "pk")
        .values(upcoming=JSONObject(id="pk", start="start", pharmacist_name="pharmacist__display_name"))[:1],
        output_field=JSONField(),
    )


def upcoming_for_intake_read(value: dict | None) -> UpcomingForIntake | None:
    if not value:
        return None
    start = datetime.fromisoformat(value["start"])
    if timezone.is_naive(start):  # SQLite's JSON holds the stored UTC text, without an offset
        start = start.replace(tzinfo=UTC)
    return UpcomingForIntake(id=value["id"], start=start, pharmacist_name=value["pharmacist_name"])


# An intake this recent, with no consultation yet, goes with a booking staff make for its patient.
CALLER_INTAKE_DAYS = 90


def intake_for_caller_booking(*, patient, now: datetime):
    """The patient's newest intake of the last CALLER_INTAKE_DAYS that no consultation (other than a
    cancelled one) has used yet, for a booking staff make; None when there is none."""
    used = Appointment.objects.exclude(status=Appointment.Status.CANCELLED).values("intake_id")
    return (
        patient.intakes.filter(submitted_at__gte=now - timedelta(days=CALLER_INTAKE_DAYS))
        .exclude(pk__in=Subquery(used.filter(intake_id__isnull=False)))
        .order_by("-submitted_at", "-pk")
        .first()
    )


def upcoming_count_for_email(*, email: str, now: datetime) -> int:
    return len(_UPCOMING_FOR_EMAIL.run(email=email, now=now))


# The ids, not COUNT(*): a prepared query returns rows, and an address holds a handful at most
# (MAX_ACTIVE_APPOINTMENTS_PER_EMAIL online; staff bookings for a caller are not capped).
_UPCOMING_FOR_EMAIL = Prepared(
    lambda: appointments_upcoming(now=Param("now", DateTimeField()))
    .filter(any_case("patient__email", Param("email", CharField())))
    .order_by()
    .values_list("pk", flat=True)
)


# --- The pharmacy -----------------------------------------------------------------------------------
def _the_pharmacy() -> QuerySet[Location]:
    return Location.objects.order_by("id")[:1]


# Every page shows the pharmacy (and offers its phone): compiled once (welltopia.prepared).
_PHARMACY = Prepared(_the_pharmacy)
_PHARMACY_PHONE = Prepared(lambda: _the_pharmacy().values_list("phone", flat=True))


def pharmacy() -> Location:
    """The pharmacy (the first location); an empty, unsaved one before any is set up."""
    return _PHARMACY.first() or Location()


def pharmacy_phone() -> str:
    """The pharmacy's phone as people read it ("(608) 555-0142"), for messages."""
    return phone_for_people(_PHARMACY_PHONE.first() or "")


# --- Who may change an appointment ------------------------------------------------------------------
def patient_may_change(appointment: Appointment, *, now: datetime) -> bool:
    """Booked, and not yet inside the consultation type's minimum-notice window."""
    return appointment.is_active and now <= appointment.change_deadline


def staff_may_change(appointment: Appointment, *, now: datetime) -> bool:
    """Booked and not over yet: staff may move or cancel a consultation up to its end."""
    return appointment.is_active and now < appointment.end


def staff_may_mark(appointment: Appointment, *, now: datetime) -> bool:
    """Completed or no-show can be recorded for a booked consultation that has started."""
    return appointment.is_active and appointment.start <= now


def staff_may_mark_arrived(appointment: Appointment, *, now: datetime) -> bool:
    """The patient is at the pharmacy: a booked in-person consultation, on its own (local) day,
    not yet over. Phone and video patients do not arrive anywhere; they attend or not."""
    return (
        appointment.is_active
        and appointment.mode == Appointment.Mode.IN_PERSON
        and timezone.localdate(now) == timezone.localdate(appointment.start)
        and now < appointment.end
    )


# --- A day's consultations --------------------------------------------------------------------------
def local_midnight(day: date) -> datetime:
    """Where a calendar day begins in the pharmacy's zone. A day is 23 or 25 hours long when the
    clocks change, so a day's end is the next day's midnight, never midnight plus 24 hours."""
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def appointments_on_days(
    *, first_day: date, last_day: date, pharmacist: Pharmacist | None = None
) -> QuerySet[Appointment]:
    """Consultations starting on these local days (both included), whatever their status, in
    time order; one pharmacist's or everyone's."""
    appointments = Appointment.objects.filter(
        start__gte=local_midnight(first_day), start__lt=local_midnight(last_day + timedelta(days=1))
    )
    if pharmacist is not None:
        appointments = appointments.filter(pharmacist=pharmacist)
    return appointments.order_by("start", "pharmacist__display_name", "pk")


def too_late_message(appointment: Appointment) -> str:
    """What a patient reads when the consultation is too close to change online."""
    return gettext(
        "Your consultation starts in less than %(notice)s, so it can no longer be changed online. "
        "Please call the pharmacy on %(phone)s and we will help you."
    ) % {"notice": appointment.consultation_type.notice_display, "phone": phone_for_people(appointment.location.phone)}


# The confirmed page and every manage page read it: compiled once (welltopia.prepared).
_APPOINTMENT_BY_TOKEN = Prepared(
    lambda: Appointment.objects.select_related("consultation_type", "location", "pharmacist", "patient")
    .filter(manage_token=Param("token", CharField()))
    .order_by()[:1]
)


def appointment_by_token(token: str) -> Appointment | None:
    """The appointment of a manage link or a confirmed booking, with what its pages show: the
    patient too (their phone, their language), in the same query."""
    return _APPOINTMENT_BY_TOKEN.first(token=token or "")


def appointment_manage_url(appointment: Appointment) -> str:
    return settings.SITE_URL + reverse("consultations:manage", args=[appointment.manage_token])


def appointment_needs_intake(appointment: Appointment) -> bool:
    """Booked (by staff, for a caller) without an intake yet: the patient is asked to fill it in."""
    return appointment.intake_id is None and appointment.is_active


def appointment_intake_url(appointment: Appointment) -> str:
    """The absolute link to fill in the intake for this consultation; "" when it needs none."""
    if not appointment_needs_intake(appointment):
        return ""
    return settings.SITE_URL + reverse("consultations:appointment_intake", args=[appointment.manage_token])


# --- What can be booked -------------------------------------------------------------------------------
def consultation_types_bookable() -> QuerySet[ConsultationType]:
    """The consultation types patients may book: the active ones."""
    return ConsultationType.objects.filter(is_active=True)


# Every booking step reads the type chosen: compiled once (welltopia.prepared).
_BOOKABLE_TYPE = Prepared(
    lambda: consultation_types_bookable().filter(slug=Param("slug", SlugField())).order_by()[:1]
)


def consultation_type_bookable(*, slug: str) -> ConsultationType | None:
    """The bookable consultation type with this slug, or None."""
    return _BOOKABLE_TYPE.first(slug=slug)


# Staff booking for a caller may take any free time from now on (inside the notice with a reason).
STAFF_NOTICE = timedelta(0)


def booking_days(
    *,
    consultation_type: ConsultationType,
    pharmacist: Pharmacist | None,
    now: datetime,
    min_notice: timedelta | None = None,
) -> dict[date, list[FreeTime]]:
    """Every local day of the booking window with its free times (first free pharmacist each).
    ``min_notice`` None is the type's own; staff booking for a caller pass ``STAFF_NOTICE``."""
    return availability.free_times_by_day(
        consultation_type=consultation_type, pharmacist=pharmacist, now=now, min_notice=min_notice
    )


def booking_free_days(
    *,
    consultation_type: ConsultationType,
    pharmacist: Pharmacist | None,
    now: datetime,
    min_notice: timedelta | None = None,
) -> availability.FreeDays:
    """``booking_days`` for the day picker, which shows how many times each day has and the first
    free time: counted per day, merged only for the day asked for."""
    return availability.free_days(
        consultation_type=consultation_type, pharmacist=pharmacist, now=now, min_notice=min_notice
    )


def booking_times_on(
    *,
    consultation_type: ConsultationType,
    pharmacist: Pharmacist | None,
    day: date,
    now: datetime,
    min_notice: timedelta | None = None,
) -> tuple[list[FreeTime], bool]:
    """The free times of one day, and whether that day lies in the booking window at all."""
    days = availability.free_times_by_day(
        consultation_type=consultation_type,
        pharmacist=pharmacist,
        now=now,
        first_day=day,
        last_day=day,
        min_notice=min_notice,
    )
    return days.get(day, []), day in days


def booking_pharmacist_at(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    pharmacist: Pharmacist | None,
    now: datetime,
    min_notice: timedelta | None = None,
) -> Pharmacist | None:
    """Who would take a booking at ``start`` (the one asked for, or the first free), or None."""
    free = availability.free_pharmacist_ids_at(
        consultation_type=consultation_type, start=start, now=now, pharmacist=pharmacist, min_notice=min_notice
    )
    if not free:
        return None
    return availability.pharmacist_by_id(free[0])


def inside_notice(*, consultation_type: ConsultationType, start: datetime, now: datetime) -> bool:
    """Is ``start`` closer than the type's minimum notice? Patients cannot book it; staff may,
    with a written reason."""
    return start - now < timedelta(minutes=consultation_type.min_notice_minutes)


def reschedule_days(*, appointment: Appointment, now: datetime) -> dict[date, list[FreeTime]]:
    """The days a patient may move this consultation to, with the same pharmacist."""
    return availability.free_times_by_day(
        consultation_type=appointment.consultation_type,
        pharmacist=appointment.pharmacist,
        now=now,
        ignore_appointment=appointment,
    )


def reschedule_times_on(*, appointment: Appointment, day: date, now: datetime) -> tuple[list[FreeTime], bool]:
    """Free times of one day for moving this consultation (its own time left out), and whether
    the day is in the booking window."""
    days = availability.free_times_by_day(
        consultation_type=appointment.consultation_type,
        pharmacist=appointment.pharmacist,
        now=now,
        first_day=day,
        last_day=day,
        ignore_appointment=appointment,
    )
    return [t for t in days.get(day, []) if t.start != appointment.start], day in days


def reschedule_is_free(*, appointment: Appointment, start: datetime, now: datetime) -> bool:
    """Could the patient move this consultation to ``start`` (a different, free time)?"""
    if start == appointment.start:
        return False
    free = availability.free_pharmacist_ids_at(
        consultation_type=appointment.consultation_type,
        start=start,
        now=now,
        pharmacist=appointment.pharmacist,
        ignore_appointment=appointment,
    )
    return appointment.pharmacist_id in free


def staff_reschedule_days(*, appointment: Appointment, now: datetime, today: date) -> dict[date, list[FreeTime]]:
    """Free times staff may move a consultation to: no minimum notice, the next three weeks."""
    return availability.free_times_by_day(
        consultation_type=appointment.consultation_type,
        now=now,
        pharmacist=appointment.pharmacist,
        first_day=today,
        last_day=today + timedelta(days=STAFF_RESCHEDULE_DAYS),
        ignore_appointment=appointment,
        min_notice=timedelta(0),
    )


# --- Video ------------------------------------------------------------------------------------------
# The manage page shows the video link from this long before the start.
VIDEO_LINK_SHOWN_BEFORE = timedelta(minutes=15)


def meeting_link_for(appointment: Appointment) -> str:
    """The video room of a video consultation: its own link, else its pharmacist's; "" for other
    modes or when none is set (then no page or email may promise one)."""
    if appointment.mode != Appointment.Mode.VIDEO:
        return ""
    return appointment.meeting_link or appointment.pharmacist.meeting_link


def video_link_shown_from(appointment: Appointment) -> datetime:
    return appointment.start - VIDEO_LINK_SHOWN_BEFORE


def video_link_visible(appointment: Appointment, *, now: datetime) -> bool:
    """The manage page offers the join button: a booked video consultation with a link, from
    ``VIDEO_LINK_SHOWN_BEFORE`` before the start until the end."""
    return (
        appointment.is_active
        and bool(meeting_link_for(appointment))
        and video_link_shown_from(appointment) <= now < appointment.end
    )


@dataclass(frozen=True)
class VideoJoin:
    """What the patient's pages say about joining: the link once it is visible, else when."""

    link: str  # "" until visible
    shown_from: datetime

    @property
    def open(self) -> bool:
        return bool(self.link)


def video_join(appointment: Appointment, *, now: datetime) -> VideoJoin | None:
    """None when there is nothing to join (not video, no link, not booked, or over)."""
    if not meeting_link_for(appointment) or not appointment.is_active or now >= appointment.end:
        return None
    visible = video_link_visible(appointment, now=now)
    return VideoJoin(link=meeting_link_for(appointment) if visible else "", shown_from=video_link_shown_from(appointment))


# How a video consultation happens, in words that promise only what is there: with a link, the
# emails carry it and the manage page shows it (both below these words); without one, nothing does.
VIDEO_WITH_LINK = gettext_lazy("By video – join with the link below")
VIDEO_WITHOUT_LINK = gettext_lazy("By video – your pharmacist will contact you with how to join")


def mode_for_patient(appointment: Appointment) -> str:
    """How this consultation happens, for pages and emails: "In person at the pharmacy", "By
    phone – your pharmacist will call you", or one of the two video wordings; in the active language."""
    if appointment.mode != Appointment.Mode.VIDEO:
        return str(Appointment.Mode(appointment.mode).for_patient)
    return str(VIDEO_WITH_LINK if meeting_link_for(appointment) else VIDEO_WITHOUT_LINK)


# --- Where emails and calendar files say they come from -----------------------------------------------
def site_domain() -> str:
    """The host name of ``SITE_URL``: the right-hand side of Message-IDs and calendar UIDs."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


# --- Follow-ups -------------------------------------------------------------------------------------
def follow_up_weeks_by_intake(intake_ids: list[int]) -> dict[int, int]:
    """{check-in intake id: weeks after the first consultation}: which consultations are follow-ups
    (booked with the intake a follow-up's check-in made)."""
    return dict(
        FollowUp.objects.filter(checkin_intake_id__in=intake_ids).values_list("checkin_intake_id", "weeks_after")
    )


def follow_up_state(follow_up: FollowUp) -> str:
    """How a follow-up stands, in words for staff: its status, or "Booked" once the consultation
    booked with its check-in's intake exists (the booking pages need not know about follow-ups)."""
    if follow_up.checkin_intake_id and Appointment.objects.filter(
        intake_id=follow_up.checkin_intake_id, status__in=[Appointment.Status.BOOKED, Appointment.Status.COMPLETED]
    ).exists():
        return FollowUp.Status.BOOKED.label
    return follow_up.get_status_display()


def _follow_up_of_intake() -> dict[str, Subquery]:
    """The follow-up whose check-in is the outer query's intake: its due date and window."""
    of_follow_up = FollowUp.objects.filter(checkin_intake=OuterRef("pk"))
    return {
        "follow_up_due": Subquery(of_follow_up.values("due_on")[:1]),
        "follow_up_days": Subquery(of_follow_up.values("window_days")[:1]),
    }


def _window(due_on: date | None, window_days: int | None) -> tuple[date, date] | None:
    if due_on is None or window_days is None:
        return None
    return FollowUp(due_on=due_on, window_days=window_days).window


def intake_booking_state(*, now: Moment) -> dict:
    """Annotations that read, with the patient's intake, what each booking page asks of it first:
    whether it holds an upcoming consultation (``appointment_upcoming_for_intake``) and, for a
    follow-up's check-in, the days it may be booked on (``follow_up_window``). Two queries fewer on
    every step of the booking."""
    return {"upcoming_appointment_id": upcoming_for_intake_subquery("pk", now=now), **_follow_up_of_intake()}


# Read on every step of the booking: compiled once (welltopia.prepared).
_INTAKE_WITH_BOOKING_STATE = Prepared(
    lambda: intakes_with_reference(Param("reference", UUIDField())).annotate(
        **intake_booking_state(now=Param("now", DateTimeField()))
    )[:1]
)


def intake_with_booking_state(*, reference: str | None, now: datetime) -> Intake | None:
    """The intake with this public reference (None for anything that is not one), read with its
    ``intake_booking_state`` in one query."""
    checked = intake_reference(reference)
    if checked is None:
        return None
    return _INTAKE_WITH_BOOKING_STATE.first(reference=checked, now=now)


def follow_up_window(intake) -> tuple[date, date] | None:
    """The days a follow-up may be booked on, when this intake is a follow-up's check-in; else None.

    Read with the intake when it was loaded with ``intake_booking_state``."""
    if hasattr(intake, "follow_up_due"):
        return _window(intake.follow_up_due, intake.follow_up_days)
    follow_up = FollowUp.objects.filter(checkin_intake=intake).only("due_on", "window_days").first()
    return follow_up.window if follow_up is not None else None


def follow_up_window_locking_intake(intake) -> tuple[date, date] | None:
    """``follow_up_window``, read by the query that locks the intake's row (FOR UPDATE) for a
    booking: an ordinary booking pays no query for the follow-up rule."""
    row = _INTAKE_LOCKED_WITH_FOLLOW_UP.first(intake=intake.pk)
    if row is None:
        raise Intake.DoesNotExist("The intake to book for no longer exists.")
    due_on, window_days = row
    return _window(due_on, window_days)


_INTAKE_LOCKED_WITH_FOLLOW_UP = Prepared(
    lambda: Intake.objects.select_for_update(of=("self",))
    .filter(pk=Param("intake", BigIntegerField()))
    .annotate(**_follow_up_of_intake())
    .values_list("follow_up_due", "follow_up_days")[:1]  # type: ignore[misc]  # annotated just above; the plugin reads model fields only
)


def in_follow_up_window(day: date, window: tuple[date, date] | None) -> bool:
    return window is None or window[0] <= day <= window[1]
