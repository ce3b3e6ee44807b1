from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from consultations.calendar import appointment_ics
from consultations.models import Appointment
from tests.factories import AppointmentFactory

START = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 9:00 AM CST


def event_of(ics: bytes):
    calendar = Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


@pytest.fixture
def appointment(db):
    return AppointmentFactory(start=START, mode=Appointment.Mode.IN_PERSON)


def test_a_booking_is_a_request_for_the_consultation_time_in_utc(appointment, settings):
    calendar, event = event_of(appointment_ics(appointment=appointment, method="REQUEST"))

    assert str(calendar["METHOD"]) == "REQUEST"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert str(event["SUMMARY"]) == "Pharmacist consultation – Welltopia"
    assert str(event["ORGANIZER"]) == "mailto:consult@welltopia.example"
    assert "2400 University Avenue" in str(event["LOCATION"])
    description = str(event["DESCRIPTION"])
    assert f"{settings.SITE_URL}/appointments/{appointment.manage_token}/" in description
    assert "+1 608-555-0142" in description


def test_a_moved_appointment_keeps_its_uid_with_a_higher_sequence(appointment):
    _, first = event_of(appointment_ics(appointment=appointment, method="REQUEST"))
    appointment.start += timedelta(days=1)
    appointment.end += timedelta(days=1)
    appointment.version = 2
    _, moved = event_of(appointment_ics(appointment=appointment, method="REQUEST"))

    assert str(moved["UID"]) == str(first["UID"]) == f"appointment-{appointment.pk}@consult.welltopia"
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert moved.decoded("DTSTART") == START + timedelta(days=1)


def test_a_cancellation_cancels_the_same_event(appointment):
    appointment.version = 3
    calendar, event = event_of(appointment_ics(appointment=appointment, method="CANCEL"))

    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2
    assert str(event["UID"]) == f"appointment-{appointment.pk}@consult.welltopia"


@pytest.mark.parametrize(
    ("mode", "words"),
    [("phone", "By phone – your pharmacist will call you"), ("video", "By video – we will email you a link to join")],
)
def test_remote_consultations_say_how_they_happen_instead_of_an_address(db, mode, words):
    appointment = AppointmentFactory(start=START, mode=mode)
    _, event = event_of(appointment_ics(appointment=appointment, method="REQUEST"))

    assert str(event["LOCATION"]) == words


def test_an_unknown_method_is_refused(appointment):
    with pytest.raises(ValueError):
        appointment_ics(appointment=appointment, method="PUBLISH")
