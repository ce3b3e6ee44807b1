"""The schedule in the admin: the day's appointments, staff changes through the booking
services (so the emails follow), pharmacists' hours, and failed email sends."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from consultations import availability
from consultations.models import Appointment, AvailabilityException, Notification, WorkingHours
from patients.models import AuditEvent
from tests.factories import AppointmentFactory, PatientFactory, PharmacistFactory, WorkingHoursFactory
from tests.staff import assert_nothing_clinical, flagged_intake

SCHEDULE = reverse("admin:consultations_appointment_changelist")
# Tuesday 17 March 2026, 15:00 in Chicago (CDT, UTC-5).
NOW = datetime(2026, 3, 17, 20, 0, tzinfo=UTC)


def chicago(day, hour, minute=0):
    """A Chicago wall-clock time in March 2026 (CDT) as UTC."""
    return datetime(2026, 3, day, tzinfo=UTC) + timedelta(hours=hour + 5, minutes=minute)


def change_url(appointment):
    return reverse("admin:consultations_appointment_change", args=[appointment.pk])


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def desk(now, staff_client, front_desk):
    return staff_client(front_desk)


@pytest.fixture
def working_pharmacist(pharmacist):
    for weekday in range(7):
        WorkingHoursFactory(pharmacist=pharmacist, weekday=weekday, start=time(9), end=time(17))
    return pharmacist


def booked(pharmacist, start, last_name=None):
    patient = PatientFactory(last_name=last_name) if last_name else PatientFactory()
    return AppointmentFactory(pharmacist=pharmacist, intake=flagged_intake(patient=patient), start=start)


@pytest.mark.parametrize("term", ["Anders", "608-555-0199", "(608) 555 0199"])
def test_front_desk_finds_an_appointment_by_name_or_phone_as_people_type_it(desk, working_pharmacist, term):
    alice = PatientFactory(first_name="Alice", last_name="Anders", phone="+16085550199")
    AppointmentFactory(pharmacist=working_pharmacist, intake=flagged_intake(patient=alice), start=chicago(17, 9))
    booked(working_pharmacist, chicago(17, 10), last_name="Someoneelse")

    html = desk.get(SCHEDULE, {"when": "all", "q": term}).content.decode()

    assert "Anders" in html
    assert "Someoneelse" not in html


def test_front_desk_runs_the_days_schedule(desk, working_pharmacist):
    other = PharmacistFactory(display_name="Marcus Lindqvist, RPh")
    late = booked(working_pharmacist, chicago(17, 16))
    early = booked(working_pharmacist, chicago(17, 9))
    middle = booked(other, chicago(17, 11, 30))
    booked(working_pharmacist, chicago(18, 10), last_name="Tomorrowson")
    booked(working_pharmacist, chicago(16, 10), last_name="Yesterdayson")

    today = desk.get(SCHEDULE, {"when": "today"}).content.decode()
    charlie_only = desk.get(
        SCHEDULE, {"when": "today", "pharmacist__id__exact": working_pharmacist.pk}
    ).content.decode()

    names = [a.patient.last_name for a in (early, middle, late)]
    assert [today.index(n) for n in names] == sorted(today.index(n) for n in names)
    for shown in ("Tue Mar 17, 9:00 AM", "Tue Mar 17, 11:30 AM", "Tue Mar 17, 4:00 PM"):
        assert shown in today
    assert "Tomorrowson" not in today and "Yesterdayson" not in today
    assert "Tomorrowson" in desk.get(SCHEDULE, {"when": "tomorrow"}).content.decode()
    assert middle.patient.last_name not in charlie_only and early.patient.last_name in charlie_only
    assert_nothing_clinical(today)

    desk.post(SCHEDULE + "?when=today", {"action": "mark_completed", "_selected_action": [early.pk]})
    desk.post(SCHEDULE + "?when=today", {"action": "mark_no_show", "_selected_action": [middle.pk]})
    refused = desk.post(
        SCHEDULE + "?when=today", {"action": "mark_completed", "_selected_action": [late.pk]}, follow=True
    )

    statuses = {a.pk: a.status for a in Appointment.objects.all()}
    assert statuses[early.pk] == Appointment.Status.COMPLETED
    assert statuses[middle.pk] == Appointment.Status.NO_SHOW
    assert statuses[late.pk] == Appointment.Status.BOOKED
    assert "only booked consultations that have started can be" in refused.content.decode()


def test_this_week_runs_monday_to_sunday_in_chicago(desk, working_pharmacist):
    booked(working_pharmacist, chicago(16, 0, 15), last_name="Mondaymorning")
    booked(working_pharmacist, chicago(22, 22, 30), last_name="Sundaynight")  # 03:30 UTC Monday
    booked(working_pharmacist, chicago(23, 9), last_name="Nextmonday")
    booked(working_pharmacist, chicago(15, 23, 30), last_name="Lastsunday")

    week = desk.get(SCHEDULE, {"when": "week"}).content.decode()

    assert "Mondaymorning" in week and "Sundaynight" in week
    assert "Nextmonday" not in week and "Lastsunday" not in week


@pytest.mark.parametrize(
    "start",
    [datetime(2026, 3, 8, 15, 0, tzinfo=UTC), datetime(2026, 11, 1, 16, 0, tzinfo=UTC)],
    ids=["spring forward", "fall back"],
)
def test_times_on_dst_days_are_shown_in_chicago(desk, working_pharmacist, start):
    appointment = booked(working_pharmacist, start)

    html = desk.get(change_url(appointment)).content.decode()

    assert "10:00 AM" in html


def test_staff_reschedule_goes_through_booking_so_the_email_follows(desk, working_pharmacist, front_desk):
    appointment = booked(working_pharmacist, chicago(18, 10))
    new_start = chicago(18, 14)
    url = reverse("admin:consultations_appointment_reschedule", args=[appointment.pk])

    page = desk.get(url).content.decode()
    response = desk.post(url, {"start": new_start.isoformat()})

    assert "Wednesday March 18" in page and "2:00 PM" in page
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.start == new_start
    assert appointment.version == 2
    assert Notification.objects.filter(
        appointment=appointment, kind=Notification.Kind.RESCHEDULED, appointment_version=2
    ).exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CHANGE, object_id=str(appointment.pk), user=front_desk
    ).exists()


def test_rescheduling_to_a_taken_time_is_refused_beside_the_field(desk, working_pharmacist):
    appointment = booked(working_pharmacist, chicago(18, 10))
    booked(working_pharmacist, chicago(18, 14))

    response = desk.post(
        reverse("admin:consultations_appointment_reschedule", args=[appointment.pk]),
        {"start": chicago(18, 14).isoformat()},
    )

    assert response.status_code == 200
    assert "That time is no longer free" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.start == chicago(18, 10)


def test_staff_cancel_frees_the_time_and_emails_the_patient(desk, working_pharmacist):
    appointment = booked(working_pharmacist, chicago(18, 10))

    page = desk.get(change_url(appointment)).content.decode()
    response = desk.post(reverse("admin:consultations_appointment_cancel", args=[appointment.pk]))

    assert reverse("admin:consultations_appointment_cancel", args=[appointment.pk]) in page
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    assert Notification.objects.filter(appointment=appointment, kind=Notification.Kind.CANCELLED).exists()


def test_the_intake_is_one_click_from_the_pharmacists_schedule(now, staff_client, pharmacist_user, working_pharmacist):
    appointment = booked(working_pharmacist, chicago(18, 10))
    client = staff_client(pharmacist_user)

    schedule = client.get(SCHEDULE).content.decode()
    intake_link = reverse("admin:patients_intake_change", args=[appointment.intake_id])

    assert f'href="{intake_link}"' in schedule
    assert client.get(intake_link).status_code == 200


# --- Hours ---------------------------------------------------------------------------------------
def pharmacist_post(pharmacist, *, hours=(), exceptions=()):
    data = {
        "display_name": pharmacist.display_name,
        "location": str(pharmacist.location_id),
        "is_active": "on",
        "working_hours-TOTAL_FORMS": str(len(hours)),
        "working_hours-INITIAL_FORMS": "0",
        "exceptions-TOTAL_FORMS": str(len(exceptions)),
        "exceptions-INITIAL_FORMS": "0",
    }
    for i, (weekday, start, end) in enumerate(hours):
        data.update({f"working_hours-{i}-weekday": str(weekday), f"working_hours-{i}-start": start,
                     f"working_hours-{i}-end": end})
    for i, (day, kind, start, end) in enumerate(exceptions):
        data.update({f"exceptions-{i}-day": day, f"exceptions-{i}-kind": kind,
                     f"exceptions-{i}-start": start, f"exceptions-{i}-end": end})
    return data


def save_pharmacist(client, pharmacist, **rows):
    return client.post(
        reverse("admin:consultations_pharmacist_change", args=[pharmacist.pk]), pharmacist_post(pharmacist, **rows)
    )


def test_overlapping_weekly_hours_are_refused_with_a_clear_message(desk, pharmacist):
    response = save_pharmacist(desk, pharmacist, hours=[(1, "09:00", "12:00"), (1, "11:00", "13:00"), (2, "11:00", "13:00")])

    assert response.status_code == 200
    assert "Tuesday: 09:00–12:00 overlaps 11:00–13:00" in response.content.decode()
    assert not WorkingHours.objects.filter(pharmacist=pharmacist).exists()


def test_hours_that_end_before_they_start_are_refused(desk, pharmacist):
    response = save_pharmacist(desk, pharmacist, hours=[(1, "13:00", "09:00")])

    assert "The end time must be after the start time." in response.content.decode()
    assert not WorkingHours.objects.exists()


@pytest.mark.parametrize(
    "rows, message",
    [
        ([("2026-03-21", "extra_hours", "", "")], "Extra hours need a start and an end time."),
        ([("2026-03-21", "time_off", "10:00", "")], "Give both a start and an end time, or neither."),
        ([("2026-03-21", "time_off", "", ""), ("2026-03-21", "extra_hours", "10:00", "12:00")],
         "Sat Mar 21 2026: 00:00–23:59 overlaps 10:00–12:00"),
    ],
    ids=["extra hours without times", "half a range", "overlap on a day"],
)
def test_invalid_exceptions_are_refused_with_a_clear_message(desk, pharmacist, rows, message):
    response = save_pharmacist(desk, pharmacist, exceptions=rows)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AvailabilityException.objects.exists()


def test_hours_saved_in_the_admin_are_bookable_at_once(desk, pharmacist):
    saturday = date(2026, 3, 21)

    def saturday_times():
        days = availability.free_times_by_day(
            consultation_type=AppointmentFactory.build().consultation_type, now=NOW, pharmacist=pharmacist,
            first_day=saturday, last_day=saturday,
        )
        return [t.start for t in days.get(saturday, [])]

    before = saturday_times()
    response = save_pharmacist(
        desk, pharmacist, hours=[(1, "09:00", "17:00")], exceptions=[("2026-03-21", "extra_hours", "10:00", "12:00")]
    )

    assert response.status_code == 302
    assert before == []
    assert chicago(21, 10) in saturday_times()


# --- Failed email sends --------------------------------------------------------------------------
def test_failed_email_sends_are_listed_with_their_error_and_can_be_retried(desk, working_pharmacist):
    appointment = booked(working_pharmacist, chicago(18, 10))
    failed = Notification.objects.create(
        appointment=appointment, kind=Notification.Kind.CONFIRMATION, appointment_version=1, due_at=NOW,
        status=Notification.Status.FAILED, attempts=5, last_error="SMTPRecipientsRefused",
    )
    sent = Notification.objects.create(
        appointment=appointment, kind=Notification.Kind.REMINDER, appointment_version=1, due_at=NOW,
        status=Notification.Status.SENT, reminder_offset=timedelta(hours=24),
    )
    url = reverse("admin:consultations_notification_changelist")

    listed = desk.get(url).content.decode()
    desk.post(url, {"action": "retry", "_selected_action": [failed.pk]})

    assert "SMTPRecipientsRefused" in listed
    assert reverse("admin:consultations_notification_change", args=[sent.pk]) not in listed
    failed.refresh_from_db()
    assert failed.status == Notification.Status.PENDING
    assert failed.attempts == 0
