"""Booking, rescheduling and cancelling consultations: the rules, in one place.

Views, the admin and tasks call these functions; each one owns its transaction. A time is only
given out after the free times are recomputed inside that transaction (working hours, minimum
notice, how far ahead, overlaps). Two safety nets stop a double booking when two requests race:
on SQLite every transaction takes the write lock when it begins (settings.DATABASES), so the
re-check and the insert of one booking cannot interleave with another's; on PostgreSQL the
exclusion constraint of migration 0002 refuses the second row, and that refusal becomes
``SlotUnavailable`` here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, CharField
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.debug import sensitive_variables

from patients.models import Intake, Patient
from patients.selectors import any_case
from patients.services import intake_submit
from patients.staff_entry import intake_enter_for_patient
from welltopia.prepared import Param, Prepared

from . import availability, selectors
from .models import Appointment, ConsultationType, Pharmacist
from .notifications import outbox

OVERLAP_CONSTRAINT = "appointment_no_overlap"
EXCLUSION_VIOLATION = "23P01"  # PostgreSQL's SQLSTATE for an exclusion constraint


class BookingError(Exception):
    """A change the rules refuse; ``message`` is written for the patient."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class SlotUnavailable(BookingError):
    """The time is no longer free (taken meanwhile, outside hours, or outside the booking window)."""

    def __init__(self, message: str = ""):
        super().__init__(message or gettext("That time was just taken — here are the times still free."))


class TooLateToChange(BookingError):
    """A patient tried to change an appointment inside its minimum-notice window."""


class NotAllowed(BookingError):
    """The change makes no sense for this appointment (wrong status, mode not offered...)."""


class AlreadyBooked(NotAllowed):
    """The intake already has a consultation coming up; it can be rescheduled instead."""

    def __init__(self, appointment: Appointment):
        super().__init__(gettext("You already have a consultation booked. You can change its time instead."))
        self.appointment = appointment


class TooManyAppointments(NotAllowed):
    """This email address already has as many consultations coming up as one person may hold."""

    def __init__(self, *, limit: int, phone: str):
        held = ngettext(
            "You already have one consultation booked with this email address, which is as many as we "
            "can hold for one person.",
            "You already have %(count)d consultations booked with this email address, which is as many as "
            "we can hold for one person.",
            limit,
        ) % {"count": limit}
        how = (
            gettext(
                "To book another, change or cancel one with the link in its confirmation email, or call the "
                "pharmacy on %(phone)s."
            ) % {"phone": phone}
            if phone
            else gettext(
                "To book another, change or cancel one with the link in its confirmation email, or call the pharmacy."
            )
        )
        super().__init__(f"{held} {how}")


# The booking's locks, asked on every confirmation: compiled once (welltopia.prepared).
_PATIENTS_WITH_EMAIL_LOCKED = Prepared(
    lambda: Patient.objects.select_for_update()
    .filter(any_case("email", Param("email", CharField())))
    .order_by("id")
    .values_list("id", flat=True)
)
_PHARMACIST_LOCKED = Prepared(
    lambda: Pharmacist.objects.select_for_update(of=("self",), no_key=True)
    .select_related("location")
    .filter(pk=Param("pharmacist", BigIntegerField()))[:1]
)


def _check_active_appointments_cap(*, email: str, now: datetime) -> None:
    """Refuse when the patient's email already holds MAX_ACTIVE_APPOINTMENTS_PER_EMAIL to come.

    The patient rows with this email are locked first, so two bookings for one email on
    PostgreSQL take turns here instead of both passing the count.
    """
    limit = settings.MAX_ACTIVE_APPOINTMENTS_PER_EMAIL
    _PATIENTS_WITH_EMAIL_LOCKED.run(email=email)
    if selectors.upcoming_count_for_email(email=email, now=now) >= limit:
        raise TooManyAppointments(limit=limit, phone=selectors.pharmacy_phone())


def appointment_book(
    *,
    intake: Intake,
    consultation_type: ConsultationType,
    mode: str,
    start: datetime,
    pharmacist: Pharmacist | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Book ``start`` for this intake, with ``pharmacist`` or (None) the first one free then."""
    now = now or timezone.now()
    _check_bookable(consultation_type=consultation_type, mode=mode, start=start)

    with transaction.atomic():
        # One intake, one upcoming consultation. The intake row is locked first so two confirms of
        # one intake (double click, two tabs) take turns: the second sees the first's booking.
        # Not a unique constraint on (intake, status=booked): a past consultation staff never
        # marked is still "booked", and "upcoming" depends on the clock, which no index can read.
        # The same query reads the window of the follow-up this intake checked in for, if any.
        window = selectors.follow_up_window_locking_intake(intake)
        if not selectors.in_follow_up_window(timezone.localdate(start), window):
            raise SlotUnavailable(
                gettext("A follow-up is booked between the days in your invitation: choose a time then.")
            )
        upcoming = selectors.appointment_upcoming_for_intake(intake=intake, now=now)
        if upcoming is not None:
            if _is_same_choice(
                upcoming, consultation_type=consultation_type, mode=mode, start=start, pharmacist=pharmacist
            ):
                # A retry of a confirmation that went through (double click, or the connection
                # dropped after the commit and the patient saw an error): the same booking, once.
                return upcoming
            raise AlreadyBooked(upcoming)
        _check_active_appointments_cap(email=intake.patient.email, now=now)
        return _book_first_free(
            Appointment(patient_id=intake.patient_id, intake=intake, consultation_type=consultation_type, mode=mode),
            start=start,
            pharmacist=pharmacist,
            now=now,
        )


class ReasonRequired(NotAllowed):
    """Staff booked inside the type's minimum notice without saying why."""

    def __init__(self, consultation_type: ConsultationType):
        super().__init__(
            f"This time is less than {consultation_type.notice_display} away: write why it is booked at "
            "such short notice."
        )


def appointment_book_for_caller(
    *,
    patient: Patient,
    consultation_type: ConsultationType,
    mode: str,
    start: datetime,
    by,
    reason: str = "",
    intake: Intake | None = None,
    pharmacist: Pharmacist | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Staff book ``start`` for a patient on the phone or at the counter, with or without an intake.

    The same free times and the same guard against double booking as ``appointment_book``; staff
    may also take a time inside the minimum notice, with a written ``reason`` (kept as the
    booking note). The per-email cap is the online limit, which is why such patients call: it
    does not apply. The confirmation email goes as for any booking, asking for the intake when
    there is none yet.
    """
    now = now or timezone.now()
    reason = " ".join((reason or "").split())
    _check_bookable(consultation_type=consultation_type, mode=mode, start=start)
    if intake is not None and intake.patient_id != patient.pk:
        raise NotAllowed("That intake belongs to another patient.")
    if selectors.inside_notice(consultation_type=consultation_type, start=start, now=now) and not reason:
        raise ReasonRequired(consultation_type)

    with transaction.atomic():
        # The patient row is locked so a double-clicked "Book" takes turns and finds the first.
        list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
        if intake is not None:
            list(Intake.objects.select_for_update().filter(pk=intake.pk).values_list("pk"))
            upcoming = selectors.appointment_upcoming_for_intake(intake=intake, now=now)
            if upcoming is not None:
                raise AlreadyBooked(upcoming)
        for upcoming in selectors.appointments_upcoming(now=now).filter(patient=patient, booked_by=by):
            if _is_same_choice(
                upcoming, consultation_type=consultation_type, mode=mode, start=start, pharmacist=pharmacist
            ):
                return upcoming
        return _book_first_free(
            Appointment(
                patient=patient,
                intake=intake,
                consultation_type=consultation_type,
                mode=mode,
                booked_by=by,
                booking_note=reason,
            ),
            start=start,
            pharmacist=pharmacist,
            now=now,
            min_notice=selectors.STAFF_NOTICE,
        )


def appointment_attach_intake(*, appointment: Appointment, intake: Intake) -> Appointment:
    """The intake the patient (or a pharmacist with them) filled in for a consultation booked
    without one. The email version does not change: nothing the patient was sent is out of date,
    and the 24-hour reminder simply stops asking for it."""
    with transaction.atomic():
        current = _locked(appointment)
        if current.intake_id == intake.pk:
            return current
        _check_needs_intake(current)
        if not _same_person(current.patient, intake.patient):
            raise NotAllowed("That intake belongs to another patient.")
        current.intake = intake
        current.full_clean()
        current.save(update_fields=["intake", "updated_at"])
        return current


def appointment_reschedule(
    *,
    appointment: Appointment,
    start: datetime,
    now: datetime | None = None,
    by_staff: bool = False,
) -> Appointment:
    """Move the appointment to ``start`` with the same pharmacist and intake; the version goes up.

    On any refusal the stored appointment is left exactly as it was.
    """
    now = now or timezone.now()
    _require_aware(start)
    with transaction.atomic():
        current = _locked(appointment)
        _check_changeable(current, now=now, by_staff=by_staff)
        if current.start == start:
            return current
        free = availability.free_pharmacist_ids_at(
            consultation_type=current.consultation_type,
            start=start,
            now=now,
            pharmacist=current.pharmacist,
            ignore_appointment=current,
            min_notice=timedelta(0) if by_staff else None,
        )
        if current.pharmacist_id not in free:
            raise SlotUnavailable()
        _pharmacist_locked(current.pharmacist_id)
        moved_from = current.start
        _place(current, start)
        current.version += 1
        _validated(current)
        if not _saved_without_overlap(current, another_to_try=False):
            raise SlotUnavailable()
        outbox.appointment_changed(appointment=current, change="rescheduled", moved_from=moved_from)
        return current


def appointment_cancel(
    *,
    appointment: Appointment,
    now: datetime | None = None,
    by_staff: bool = False,
) -> Appointment:
    """Cancel; the time becomes free again. Cancelling twice changes nothing the second time."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(appointment)
        if current.status == Appointment.Status.CANCELLED:
            return current
        _check_changeable(current, now=now, by_staff=by_staff)
        current.status = Appointment.Status.CANCELLED
        current.cancelled_at = now
        current.version += 1
        current.full_clean()
        current.save()
        outbox.appointment_changed(appointment=current, change="cancelled")
        return current


def appointment_mark(
    *,
    appointment: Appointment,
    status: str,
    now: datetime | None = None,
) -> Appointment:
    """Staff record how a consultation went: completed or no-show, once it has started."""
    now = now or timezone.now()
    if status not in (Appointment.Status.COMPLETED, Appointment.Status.NO_SHOW):
        raise NotAllowed("An appointment can only be marked as completed or as a no-show.")
    with transaction.atomic():
        current = _locked(appointment)
        if current.status == status:
            return current
        if not selectors.staff_may_mark(current, now=now):
            raise NotAllowed("Only a booked consultation that has already started can be marked.")
        current.status = status
        current.version += 1
        current.full_clean()
        current.save()
        return current


def appointment_mark_arrived(
    *,
    appointment: Appointment,
    now: datetime | None = None,
) -> Appointment:
    """Staff record that the patient has arrived at the pharmacy. Recording it twice keeps the
    first time. The version stays: nothing the patient was told has changed."""
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(appointment)
        if current.arrived_at is not None:
            return current
        if not selectors.staff_may_mark_arrived(current, now=now):
            raise NotAllowed(
                "Arrival can only be recorded for a booked consultation at the pharmacy, on its day and "
                "before it ends."
            )
        current.arrived_at = now
        current.full_clean()
        current.save(update_fields=["arrived_at", "updated_at"])
        return current


def appointment_set_meeting_link(*, appointment: Appointment, link: str) -> Appointment:
    """Staff give one video consultation its own room; an empty link goes back to the
    pharmacist's. Checked like every link (https, an allowed host: models.validate_meeting_link).
    The version stays: emails still to go (reminders) carry the new link when they are sent."""
    with transaction.atomic():
        current = _locked(appointment)
        if not current.is_active:
            raise NotAllowed(
                f"This consultation is {current.get_status_display().lower()} and can no longer be changed."
            )
        if current.mode != Appointment.Mode.VIDEO:
            raise NotAllowed("Only a video consultation has a video link.")
        current.meeting_link = link.strip()
        current.full_clean()
        current.save(update_fields=["meeting_link", "updated_at"])
        return current


@sensitive_variables()
def appointment_intake_submit(
    *,
    appointment: Appointment,
    patient_data: Mapping,
    intake_data: Mapping,
    medications: Sequence[Mapping],
    entered_by=None,
    request=None,
) -> Appointment:
    """The intake of a consultation booked without one, from the patient's link or entered by a
    pharmacist (``entered_by``) with the patient on the phone: stored and screened exactly as an
    intake sent from the intake page, then attached. Nothing is stored when the consultation can
    no longer take one."""
    with transaction.atomic():
        current = _locked(appointment)
        _check_needs_intake(current)
        answers: dict[str, Any] = {
            "patient_data": patient_data, "intake_data": intake_data, "medications": medications
        }
        if entered_by is None:
            intake = intake_submit(**answers)
        else:
            intake = intake_enter_for_patient(**answers, by=entered_by, request=request)
        return appointment_attach_intake(appointment=current, intake=intake)


# --- helpers --------------------------------------------------------------------------------------


def _check_needs_intake(appointment: Appointment) -> None:
    if appointment.intake_id is not None:
        raise NotAllowed("The intake for this consultation has already been filled in.")
    if not appointment.is_active:
        raise NotAllowed(gettext("This consultation is no longer booked, so no intake is needed for it."))


def _same_person(booked_for: Patient, filled_in_by: Patient) -> bool:
    """The patient the consultation is for; or the record the intake found by the same email (any
    case) and date of birth, the way ``patient_find_or_create`` recognises a returning patient."""
    return booked_for.pk == filled_in_by.pk or (
        booked_for.email.lower() == filled_in_by.email.lower()
        and booked_for.date_of_birth == filled_in_by.date_of_birth
    )


def _check_bookable(*, consultation_type: ConsultationType, mode: str, start: datetime) -> None:
    if not consultation_type.is_active:
        raise NotAllowed(gettext("This kind of consultation can no longer be booked."))
    if mode not in consultation_type.modes:
        raise NotAllowed(
            gettext("%(name)s is not offered that way. Please choose another option.") % {"name": consultation_type.name_for_patient}
        )
    _require_aware(start)


def _book_first_free(
    appointment: Appointment,
    *,
    start: datetime,
    pharmacist: Pharmacist | None,
    now: datetime,
    min_notice: timedelta | None = None,
) -> Appointment:
    """Save the unsaved ``appointment`` at ``start`` with the pharmacist asked for, or the first one
    free then; the outbox gets its confirmation. Inside the caller's transaction.

    The free times are recomputed here, and on PostgreSQL the exclusion constraint has the last
    word: a row it refuses tries the next free pharmacist, and none left is ``SlotUnavailable``.
    """
    candidates = availability.free_pharmacist_ids_at(
        consultation_type=appointment.consultation_type,
        start=start,
        now=now,
        pharmacist=pharmacist,
        min_notice=min_notice,
    )
    for position, pharmacist_id in enumerate(candidates, start=1):
        chosen = _pharmacist_locked(pharmacist_id)
        appointment.pharmacist = chosen
        appointment.location = chosen.location
        _place(appointment, start)
        _validated(appointment)
        if _saved_without_overlap(appointment, another_to_try=position < len(candidates)):
            outbox.appointment_changed(appointment=appointment, change="booked")
            return appointment
        appointment.pk = None
    raise SlotUnavailable()


def _is_same_choice(
    appointment: Appointment,
    *,
    consultation_type: ConsultationType,
    mode: str,
    start: datetime,
    pharmacist: Pharmacist | None,
) -> bool:
    return (
        appointment.consultation_type_id == consultation_type.pk
        and appointment.mode == mode
        and appointment.start == start
        and (pharmacist is None or appointment.pharmacist_id == pharmacist.pk)
    )


def _require_aware(start: datetime) -> None:
    if timezone.is_naive(start):
        raise ValueError("start must be timezone-aware")


def _place(appointment: Appointment, start: datetime) -> None:
    kind = appointment.consultation_type
    appointment.start = start
    appointment.end = start + kind.duration
    appointment.blocked_until = appointment.end + kind.buffer


# What the database checks on every write of an appointment by itself: its foreign keys, the unique
# manage token and the CHECK constraints. full_clean() would ask it again, eleven queries (each
# check constraint in a savepoint of its own), all while the pharmacist's row is locked and other
# bookings wait on it. The related rows were read in this transaction, the token is 256 random bits
# and the spans come from _place, whose two rules are checked here in Python instead.
_GUARDED_BY_THE_DATABASE = ("patient", "intake", "pharmacist", "consultation_type", "location", "booked_by")


def _validated(appointment: Appointment) -> None:
    """full_clean() for an appointment about to be placed, without the database round trips."""
    appointment.full_clean(exclude=_GUARDED_BY_THE_DATABASE, validate_unique=False, validate_constraints=False)
    if not appointment.start < appointment.end <= appointment.blocked_until:
        raise ValidationError("An appointment must end after it starts, and stay blocked until it ends.")


def _locked(appointment: Appointment) -> Appointment:
    # SQLite ignores FOR UPDATE; its IMMEDIATE transaction already holds the write lock.
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("consultation_type", "location", "pharmacist")
        .get(pk=appointment.pk)
    )


# Whole sentences per status: in other languages the status word agrees with "consultation".
NOT_CHANGEABLE: dict[str, Any] = {
    Appointment.Status.CANCELLED: gettext_lazy("This consultation is cancelled and can no longer be changed."),
    Appointment.Status.COMPLETED: gettext_lazy("This consultation is completed and can no longer be changed."),
    Appointment.Status.NO_SHOW: gettext_lazy("This consultation was missed and can no longer be changed."),
}


def _check_changeable(appointment: Appointment, *, now: datetime, by_staff: bool) -> None:
    if not appointment.is_active:
        raise NotAllowed(str(NOT_CHANGEABLE[appointment.status]))
    if by_staff:
        if not selectors.staff_may_change(appointment, now=now):
            raise NotAllowed("This consultation is already over.")
        return
    if not selectors.patient_may_change(appointment, now=now):
        raise TooLateToChange(selectors.too_late_message(appointment))


def _pharmacist_locked(pharmacist_id: int) -> Pharmacist:
    """The pharmacist's row, locked until the transaction ends: every write that places an
    appointment in someone's diary takes this lock first, so two of them for one pharmacist take
    turns, and the second meets the first's committed row in the exclusion constraint.

    Without it, two overlapping inserts can each wait on the other's uncommitted row inside the
    constraint check, and PostgreSQL kills one as a deadlock (seen in CI: a 500 where the patient
    should have been told the time was just taken). Candidates are tried in ascending id, so
    locks are always taken in the same order. NO KEY UPDATE leaves foreign-key checks on the
    row (KEY SHARE) unblocked. SQLite ignores FOR UPDATE; its write lock already serialises.
    """
    pharmacist = _PHARMACIST_LOCKED.first(pharmacist=pharmacist_id)
    if pharmacist is None:
        raise Pharmacist.DoesNotExist(f"No pharmacist {pharmacist_id}.")
    return pharmacist


def _saved_without_overlap(appointment: Appointment, *, another_to_try: bool) -> bool:
    """Save; False when PostgreSQL's exclusion constraint refuses the row.

    In a savepoint only when ``another_to_try``: the transaction must then outlive a refusal to
    try the next pharmacist. For the last candidate a refusal ends the booking (SlotUnavailable),
    which rolls back the caller's whole atomic block anyway: SAVEPOINT and RELEASE would be two
    round trips for nothing, made while the pharmacist's row is locked.
    """
    try:
        with transaction.atomic() if another_to_try else nullcontext():
            appointment.save()
    except IntegrityError as error:
        if _is_overlap(error):
            return False
        raise
    return True


def _is_overlap(error: IntegrityError) -> bool:
    cause = error.__cause__
    diag = getattr(cause, "diag", None)
    return (
        getattr(diag, "constraint_name", None) == OVERLAP_CONSTRAINT
        or getattr(cause, "sqlstate", None) == EXCLUSION_VIOLATION
    )
