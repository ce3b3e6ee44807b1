"""The availability selectors: free times from the database, in a fixed number of queries."""

from datetime import date, time, timedelta

import factory
import pytest
import time_machine
from django.utils import timezone

from consultations import availability
from consultations.models import Appointment, AvailabilityException, WorkingHours
from tests.consultations.conftest import CHICAGO, MONDAY_MORNING, chicago
from tests.factories import AppointmentFactory, ConsultationTypeFactory, PharmacistFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = MONDAY_MORNING
SPRING_FORWARD = date(2026, 3, 8)  # 02:00 CST jumps to 03:00 CDT
FALL_BACK = date(2026, 11, 1)  # 02:00 CDT falls back to 01:00 CST


def walls(times):
    return [t.start.astimezone(CHICAGO).strftime("%H:%M %Z") for t in times]


def fill_with_appointments(pharmacist, kind, count):
    """``count`` appointments, one every 30 minutes from 9:00, day after day."""
    per_day = 16
    AppointmentFactory.create_batch(
        count,
        pharmacist=pharmacist,
        consultation_type=kind,
        start=factory.Iterator(
            [chicago(2026, 6, 2, 9) + timedelta(days=i // per_day, minutes=30 * (i % per_day)) for i in range(count)]
        ),
    )


@pytest.mark.parametrize("days_ahead", [1, 60])
def test_the_query_count_does_not_grow_with_the_number_of_days(ldn, rx, django_assert_num_queries, days_ahead):
    ldn.max_advance_days = days_ahead
    with django_assert_num_queries(1):  # the hours, the exceptions and the appointments together
        days = availability.free_times_by_day(consultation_type=ldn, now=NOW)
    assert len(days) == days_ahead + 1


@pytest.mark.parametrize("appointments", [0, 300])
def test_the_query_count_does_not_grow_with_the_number_of_appointments(
    ldn, rx, django_assert_num_queries, appointments
):
    fill_with_appointments(rx, ldn, appointments)
    with django_assert_num_queries(1):  # the hours, the exceptions and the appointments together
        days = availability.free_times_by_day(consultation_type=ldn, now=NOW)
    # 300 half-hour appointments fill 9:00-17:00 from Tuesday June 2 for 18 whole days.
    assert (days[date(2026, 6, 2)] == []) == (appointments == 300)


def test_booked_completed_and_no_show_appointments_hold_their_time_but_cancelled_ones_do_not(ldn, rx):
    for hour, status in ((10, "booked"), (11, "completed"), (12, "no_show"), (13, "cancelled")):
        AppointmentFactory(pharmacist=rx, consultation_type=ldn, start=chicago(2026, 6, 2, hour), status=status)

    tuesday = availability.free_times_by_day(consultation_type=ldn, now=NOW)[date(2026, 6, 2)]

    offered = walls(tuesday)
    assert "10:00 CDT" not in offered and "11:00 CDT" not in offered and "12:00 CDT" not in offered
    assert "13:00 CDT" in offered


def test_a_day_with_no_free_time_is_listed_empty(ldn, rx):
    AvailabilityException.objects.create(pharmacist=rx, day=date(2026, 6, 3), kind="time_off")

    days = availability.free_times_by_day(consultation_type=ldn, now=NOW)

    assert days[date(2026, 6, 3)] == []
    assert days[date(2026, 6, 4)]


def test_extra_hours_and_an_afternoon_off_come_from_the_database_with_their_times(ldn, rx):
    AvailabilityException.objects.create(
        pharmacist=rx, day=date(2026, 6, 3), kind="extra_hours", start=time(17), end=time(18)
    )
    AvailabilityException.objects.create(
        pharmacist=rx, day=date(2026, 6, 4), kind="time_off", start=time(12), end=time(17)
    )

    days = availability.free_times_by_day(consultation_type=ldn, now=NOW)

    assert walls(days[date(2026, 6, 3)])[-1] == "17:30 CDT"
    assert walls(days[date(2026, 6, 4)])[-1] == "11:30 CDT"
    assert walls(days[date(2026, 6, 5)])[-1] == "16:30 CDT"


def test_first_available_offers_each_time_once_from_the_pharmacist_free_then(ldn, rx):
    other = PharmacistFactory(user=UserFactory(username="dora", is_staff=True))
    WorkingHours.objects.create(pharmacist=other, weekday=1, start=time(8), end=time(10))
    AppointmentFactory(pharmacist=rx, consultation_type=ldn, start=chicago(2026, 6, 2, 9))

    tuesday = availability.free_times_by_day(consultation_type=ldn, now=NOW)[date(2026, 6, 2)]

    starts = [t.start for t in tuesday]
    assert len(starts) == len(set(starts))
    by_wall = {t.start.astimezone(CHICAGO).strftime("%H:%M"): t.pharmacist_id for t in tuesday}
    assert by_wall["08:00"] == other.pk  # only Dora works then
    assert by_wall["09:00"] == other.pk  # Charlie is booked at 9
    assert by_wall["10:00"] == rx.pk  # Dora has gone home


def test_an_inactive_pharmacist_is_not_offered(ldn, rx):
    rx.is_active = False
    rx.save()

    days = availability.free_times_by_day(consultation_type=ldn, now=NOW)

    assert not any(days.values())


def test_an_appointment_being_moved_does_not_block_itself(ldn, rx):
    mine = AppointmentFactory(pharmacist=rx, consultation_type=ldn, start=chicago(2026, 6, 2, 10))

    ids = availability.free_pharmacist_ids_at(
        consultation_type=ldn, start=chicago(2026, 6, 2, 10, 15), now=NOW, pharmacist=rx, ignore_appointment=mine
    )

    assert ids == [rx.pk]


def test_on_the_spring_forward_day_no_time_that_does_not_exist_is_offered(rx):
    kind = ConsultationTypeFactory(slug="night", min_notice_minutes=0)
    WorkingHours.objects.all().delete()
    WorkingHours.objects.create(pharmacist=rx, weekday=6, start=time(1), end=time(5))

    with time_machine.travel(chicago(2026, 3, 1, 12), tick=False):
        days = availability.free_times_by_day(consultation_type=kind, now=timezone.now())

    assert walls(days[SPRING_FORWARD]) == [
        "01:00 CST", "01:15 CST", "01:30 CST", "01:45 CST",
        "03:00 CDT", "03:15 CDT", "03:30 CDT", "03:45 CDT", "04:00 CDT", "04:15 CDT", "04:30 CDT",
    ]


def test_on_the_fall_back_day_the_repeated_hour_is_offered_twice_and_none_is_missing(rx):
    kind = ConsultationTypeFactory(slug="night", min_notice_minutes=0)
    WorkingHours.objects.all().delete()
    WorkingHours.objects.create(pharmacist=rx, weekday=6, start=time(0), end=time(3))

    with time_machine.travel(chicago(2026, 10, 25, 12), tick=False):
        days = availability.free_times_by_day(consultation_type=kind, now=timezone.now())

    offered = days[FALL_BACK]
    assert walls(offered) == [
        "00:00 CDT", "00:15 CDT", "00:30 CDT", "00:45 CDT",
        "01:00 CDT", "01:15 CDT", "01:30 CDT", "01:45 CDT",
        "01:00 CST", "01:15 CST", "01:30 CST", "01:45 CST",
        "02:00 CST", "02:15 CST", "02:30 CST",
    ]
    gaps = {b.start - a.start for a, b in zip(offered, offered[1:], strict=False)}
    assert gaps == {timedelta(minutes=15)}


def test_an_appointment_in_the_repeated_hour_blocks_only_its_own_occurrence(rx):
    kind = ConsultationTypeFactory(slug="night", min_notice_minutes=0)
    WorkingHours.objects.all().delete()
    WorkingHours.objects.create(pharmacist=rx, weekday=6, start=time(0), end=time(3))
    second_one_am = chicago(2026, 11, 1, 1, fold=1)
    AppointmentFactory(pharmacist=rx, consultation_type=kind, start=second_one_am)

    with time_machine.travel(chicago(2026, 10, 25, 12), tick=False):
        offered = walls(availability.free_times_by_day(consultation_type=kind, now=timezone.now())[FALL_BACK])

    assert "01:00 CDT" in offered
    assert "01:00 CST" not in offered and "01:15 CST" not in offered
    assert Appointment.objects.get().start == second_one_am


def test_the_window_runs_from_today_to_the_last_bookable_day(ldn, rx):
    days = availability.free_times_by_day(consultation_type=ldn, now=NOW)

    assert min(days) == date(2026, 6, 1) and max(days) == date(2026, 7, 31)
    assert walls(days[date(2026, 6, 1)])[0] == "10:00 CDT"  # two hours' notice from 08:00
    # Sixty days ahead is 08:00 on July 31, before opening: that day is shown, with nothing free.
    assert days[date(2026, 7, 31)] == [] and days[date(2026, 7, 30)]
