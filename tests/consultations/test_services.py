"""The booking services: the rules a patient and staff meet when booking, moving and cancelling."""

from datetime import timedelta

import pytest
from django.db import connection

from consultations import availability, services
from consultations.models import Appointment, AvailabilityException, Notification
from tests.consultations.conftest import MONDAY_MORNING, chicago, works_every_day
from tests.factories import ConsultationTypeFactory, IntakeFactory, PharmacistFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = MONDAY_MORNING
TUESDAY_10 = chicago(2026, 6, 2, 10)


def book(intake, kind, start, pharmacist=None, mode=Appointment.Mode.PHONE):
    return services.appointment_book(
        intake=intake, consultation_type=kind, mode=mode, start=start, pharmacist=pharmacist, now=NOW
    )


def test_booking_a_free_time_creates_the_appointment_and_its_confirmation(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)

    appointment.refresh_from_db()
    assert appointment.start == TUESDAY_10
    assert appointment.end == TUESDAY_10 + timedelta(minutes=30)
    assert (appointment.patient, appointment.intake, appointment.pharmacist) == (intake.patient, intake, rx)
    assert appointment.location == rx.location
    assert appointment.status == Appointment.Status.BOOKED and appointment.version == 1
    assert Notification.objects.filter(appointment=appointment, kind=Notification.Kind.CONFIRMATION).exists()


def test_second_booking_of_a_slot_is_refused(intake, other_patient, ldn, rx):
    book(intake, ldn, TUESDAY_10, pharmacist=rx)

    with pytest.raises(services.SlotUnavailable, match="just taken"):
        book(IntakeFactory(patient=other_patient), ldn, TUESDAY_10, pharmacist=rx)

    assert Appointment.objects.count() == 1


def test_an_overlapping_time_and_the_buffer_are_refused(intake, other_patient, rx):
    kind = ConsultationTypeFactory(slug="with-buffer", buffer_minutes=10, min_notice_minutes=0)
    book(intake, kind, TUESDAY_10, pharmacist=rx)

    # 10:30 would start inside the 10-minute buffer after 10:00-10:30.
    for start in (TUESDAY_10 + timedelta(minutes=15), TUESDAY_10 + timedelta(minutes=30)):
        with pytest.raises(services.SlotUnavailable):
            book(IntakeFactory(patient=other_patient), kind, start, pharmacist=rx)


def test_back_to_back_slots_are_both_bookable(intake, other_patient, ldn, rx):
    first = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    second = book(IntakeFactory(patient=other_patient), ldn, first.end, pharmacist=rx)

    assert second.start == first.end
    assert Appointment.objects.filter(status=Appointment.Status.BOOKED).count() == 2


def test_a_cancelled_appointment_frees_its_time(intake, other_patient, ldn, rx):
    first = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    services.appointment_cancel(appointment=first, now=NOW)

    again = book(IntakeFactory(patient=other_patient), ldn, TUESDAY_10, pharmacist=rx)

    assert again.start == TUESDAY_10


def test_first_available_gives_the_time_to_a_pharmacist_who_is_free(intake, other_patient, ldn, rx):
    second_rx = works_every_day(PharmacistFactory(user=UserFactory(username="dora", is_staff=True)))
    taken = book(intake, ldn, TUESDAY_10)  # first available: the smaller id
    assert taken.pharmacist == min(rx, second_rx, key=lambda p: p.pk)

    other = book(IntakeFactory(patient=other_patient), ldn, TUESDAY_10)

    assert other.pharmacist == max(rx, second_rx, key=lambda p: p.pk)


def test_a_time_inside_the_minimum_notice_cannot_be_booked(intake, ldn, rx):
    # NOW is 08:00; two hours of notice make 10:00 today the earliest.
    with pytest.raises(services.SlotUnavailable):
        book(intake, ldn, chicago(2026, 6, 1, 9, 45), pharmacist=rx)

    assert book(intake, ldn, chicago(2026, 6, 1, 10), pharmacist=rx).pk


def test_a_time_beyond_how_far_ahead_one_may_book_is_refused(intake, ldn, rx):
    with pytest.raises(services.SlotUnavailable):
        book(intake, ldn, chicago(2026, 8, 3, 10), pharmacist=rx)


@pytest.mark.parametrize(
    "start",
    [chicago(2026, 6, 2, 10, 7), chicago(2026, 6, 2, 7), chicago(2026, 6, 2, 16, 45)],
    ids=["off-the-grid", "before-opening", "ending-after-closing"],
)
def test_a_time_outside_the_offered_times_is_refused(intake, ldn, rx, start):
    with pytest.raises(services.SlotUnavailable):
        book(intake, ldn, start, pharmacist=rx)


def test_time_off_is_respected(intake, ldn, rx):
    AvailabilityException.objects.create(
        pharmacist=rx, day=TUESDAY_10.astimezone(availability.pharmacy_zone()).date(), kind="time_off"
    )
    with pytest.raises(services.SlotUnavailable):
        book(intake, ldn, TUESDAY_10, pharmacist=rx)


def test_a_mode_the_type_does_not_offer_is_refused(intake, rx):
    follow_up = ConsultationTypeFactory(slug="follow-up", name="Follow-up", allows_video=False)
    with pytest.raises(services.NotAllowed, match="not offered"):
        book(intake, follow_up, TUESDAY_10, pharmacist=rx, mode=Appointment.Mode.VIDEO)


def test_an_intake_with_a_consultation_coming_up_cannot_book_a_second(intake, ldn, rx):
    first = book(intake, ldn, TUESDAY_10, pharmacist=rx)

    with pytest.raises(services.AlreadyBooked) as refusal:
        book(intake, ldn, TUESDAY_10 + timedelta(hours=2), pharmacist=rx)

    assert refusal.value.appointment == first


def test_rescheduling_keeps_the_intake_and_raises_the_version(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    new_start = TUESDAY_10 + timedelta(days=1, hours=3)

    moved = services.appointment_reschedule(appointment=appointment, start=new_start, now=NOW)

    moved.refresh_from_db()
    assert (moved.pk, moved.intake, moved.start, moved.version) == (appointment.pk, intake, new_start, 2)
    assert moved.end == new_start + timedelta(minutes=30)
    notice = Notification.objects.get(appointment=moved, kind=Notification.Kind.RESCHEDULED)
    assert notice.moved_from == TUESDAY_10  # so the email can say "was ... now ..."


def test_rescheduling_may_overlap_its_own_old_time(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)

    moved = services.appointment_reschedule(appointment=appointment, start=TUESDAY_10 + timedelta(minutes=15), now=NOW)

    assert moved.start == TUESDAY_10 + timedelta(minutes=15)


def test_rescheduling_into_a_conflict_leaves_the_original_intact(intake, other_patient, ldn, rx):
    mine = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    theirs = book(IntakeFactory(patient=other_patient), ldn, TUESDAY_10 + timedelta(hours=2), pharmacist=rx)
    notifications_before = Notification.objects.count()

    with pytest.raises(services.SlotUnavailable):
        services.appointment_reschedule(appointment=mine, start=theirs.start, now=NOW)

    mine.refresh_from_db()
    assert (mine.start, mine.version, mine.status) == (TUESDAY_10, 1, Appointment.Status.BOOKED)
    assert Notification.objects.count() == notifications_before


def test_a_patient_cannot_change_inside_the_notice_window_and_is_told_the_phone(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    an_hour_before = TUESDAY_10 - timedelta(hours=1)

    with pytest.raises(services.TooLateToChange, match=r"\(608\) 555-0142"):
        services.appointment_cancel(appointment=appointment, now=an_hour_before)
    with pytest.raises(services.TooLateToChange, match="2 hours"):
        services.appointment_reschedule(appointment=appointment, start=TUESDAY_10 + timedelta(days=1), now=an_hour_before)

    appointment.refresh_from_db()
    assert (appointment.status, appointment.start, appointment.version) == ("booked", TUESDAY_10, 1)


def test_staff_may_change_inside_the_notice_window(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    an_hour_before = TUESDAY_10 - timedelta(hours=1)

    moved = services.appointment_reschedule(
        appointment=appointment, start=TUESDAY_10 - timedelta(minutes=30), now=an_hour_before, by_staff=True
    )
    cancelled = services.appointment_cancel(appointment=moved, now=an_hour_before, by_staff=True)

    assert moved.start == TUESDAY_10 - timedelta(minutes=30)
    assert (cancelled.status, cancelled.version) == (Appointment.Status.CANCELLED, 3)


def test_cancelling_twice_changes_nothing_the_second_time(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    services.appointment_cancel(appointment=appointment, now=NOW)

    again = services.appointment_cancel(appointment=appointment, now=NOW)

    assert (again.status, again.version) == (Appointment.Status.CANCELLED, 2)
    assert Notification.objects.filter(appointment=appointment, kind=Notification.Kind.CANCELLED).count() == 1


def test_a_cancelled_appointment_cannot_be_rescheduled(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)
    services.appointment_cancel(appointment=appointment, now=NOW)

    with pytest.raises(services.NotAllowed):
        services.appointment_reschedule(appointment=appointment, start=TUESDAY_10 + timedelta(days=1), now=NOW)


def test_staff_mark_a_started_consultation_completed_or_no_show(intake, ldn, rx):
    appointment = book(intake, ldn, TUESDAY_10, pharmacist=rx)

    with pytest.raises(services.NotAllowed):
        services.appointment_mark(appointment=appointment, status="completed", now=NOW)
    done = services.appointment_mark(appointment=appointment, status="completed", now=TUESDAY_10 + timedelta(minutes=40))

    assert (done.status, done.version) == (Appointment.Status.COMPLETED, 2)
    with pytest.raises(services.NotAllowed):
        services.appointment_mark(appointment=done, status="booked", now=TUESDAY_10)


def test_a_race_lost_at_the_database_becomes_slot_unavailable(on_postgres, intake, other_patient, ldn, rx, monkeypatch):
    """The exclusion constraint's refusal (the last line of defence) is a clean SlotUnavailable."""
    book(intake, ldn, TUESDAY_10, pharmacist=rx)
    # Pretend the re-check ran before the other booking committed: only the database can refuse.
    monkeypatch.setattr(availability, "free_pharmacist_ids_at", lambda **kwargs: [rx.pk])

    with pytest.raises(services.SlotUnavailable):
        book(IntakeFactory(patient=other_patient), ldn, TUESDAY_10, pharmacist=rx)

    assert connection.vendor == "postgresql"
    assert Appointment.objects.count() == 1


def test_a_race_lost_at_the_database_goes_on_to_the_next_free_pharmacist(
    on_postgres, intake, other_patient, ldn, rx, monkeypatch
):
    """The first pharmacist's insert is refused inside a savepoint of its own, so the booking's
    transaction lives on to place the patient with the second."""
    book(intake, ldn, TUESDAY_10, pharmacist=rx)
    colleague = works_every_day(PharmacistFactory())
    monkeypatch.setattr(availability, "free_pharmacist_ids_at", lambda **kwargs: [rx.pk, colleague.pk])

    appointment = book(IntakeFactory(patient=other_patient), ldn, TUESDAY_10)

    assert (appointment.pharmacist, appointment.start) == (colleague, TUESDAY_10)
    assert Appointment.objects.filter(start=TUESDAY_10).count() == 2
