from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar, Event
from icalendar.parser import Contentline

from consultations.calendar import _attendee, _folded, appointment_ics, appointment_place, appointment_uid
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
    assert "(608) 555-0142" in description
    assert appointment.pharmacist.display_name in description


def test_a_moved_appointment_keeps_its_uid_with_a_higher_sequence(appointment):
    _, first = event_of(appointment_ics(appointment=appointment, method="REQUEST"))
    appointment.start += timedelta(days=1)
    appointment.end += timedelta(days=1)
    appointment.version = 2
    _, moved = event_of(appointment_ics(appointment=appointment, method="REQUEST"))

    assert str(moved["UID"]) == str(first["UID"]) == appointment_uid(appointment)
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])
    assert moved.decoded("DTSTART") == START + timedelta(days=1)


def test_a_cancellation_cancels_the_same_event(appointment):
    appointment.version = 3
    calendar, event = event_of(appointment_ics(appointment=appointment, method="CANCEL"))

    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert int(event["SEQUENCE"]) == 2
    assert str(event["UID"]) == appointment_uid(appointment)


@pytest.mark.parametrize(
    ("mode", "words"),
    [("phone", "By phone – your pharmacist will call you"),
     ("video", "By video – your pharmacist will contact you with how to join")],
)
def test_remote_consultations_say_how_they_happen_instead_of_an_address(db, mode, words):
    appointment = AppointmentFactory(start=START, mode=mode, pharmacist__meeting_link="")
    _, event = event_of(appointment_ics(appointment=appointment, method="REQUEST"))

    assert str(event["LOCATION"]) == words


def test_an_unknown_method_is_refused(appointment):
    with pytest.raises(ValueError):
        appointment_ics(appointment=appointment, method="PUBLISH")


# --- What real calendar clients need (RFC 5546) ------------------------------------------------------
@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_the_patient_is_the_attendee_of_a_request_and_a_cancel(appointment, method):
    _, event = event_of(appointment_ics(appointment=appointment, method=method))

    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{appointment.patient.email}"
    assert attendee.params["CN"] == appointment.patient.full_name
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    if method == "REQUEST":
        assert attendee.params["PARTSTAT"] == "ACCEPTED"
        assert attendee.params["RSVP"] == "FALSE"


def test_the_uid_is_stable_across_a_reschedule_by_the_service(db, settings):
    from consultations import services
    from tests.consultations.conftest import works_every_day

    booked = AppointmentFactory(start=START, mode=Appointment.Mode.PHONE)
    works_every_day(booked.pharmacist)
    before = appointment_uid(booked)
    moved = services.appointment_reschedule(
        appointment=booked, start=START + timedelta(days=1), now=START - timedelta(days=1), by_staff=True
    )

    assert moved.version == 2
    assert appointment_uid(moved) == before


def test_the_uid_differs_between_installations_and_reveals_neither_id_nor_token(appointment, settings):
    settings.SITE_URL = "https://consult.welltopia.example"
    production = appointment_uid(appointment)
    settings.SITE_URL = "https://staging.welltopia.example"
    staging_copy = appointment_uid(appointment)  # the same row in a copy of production's database

    assert production != staging_copy
    assert production.endswith("@consult.welltopia.example")
    assert appointment.manage_token not in production
    assert not production.startswith(f"appointment-{appointment.pk}")
    assert appointment_uid(AppointmentFactory()) != production


def test_the_calendar_names_the_pharmacist_and_never_the_consultation_type(db):
    appointment = AppointmentFactory(
        consultation_type__name="LDN first consultation", consultation_type__slug="ldn-first", mode="video",
        pharmacist__meeting_link="https://meet.google.com/abc-defg-hij",
    )
    for method in ("REQUEST", "CANCEL"):
        ics = appointment_ics(appointment=appointment, method=method)
        unfolded = ics.replace(b"\r\n ", b"").decode()
        assert "LDN first consultation" not in unfolded
        assert "ldn-first" not in unfolded
        assert "naltrexone" not in unfolded.lower()
        _, event = event_of(ics)
        assert appointment.pharmacist.display_name in str(event["DESCRIPTION"])
        assert str(event["SUMMARY"]) == "Pharmacist consultation – Welltopia"


def test_a_video_consultation_with_a_link_puts_it_where_calendars_offer_to_join(db):
    appointment = AppointmentFactory(
        start=START, mode="video", pharmacist__meeting_link="https://meet.google.com/abc-defg-hij"
    )
    _, event = event_of(appointment_ics(appointment=appointment, method="REQUEST"))

    assert str(event["LOCATION"]) == "https://meet.google.com/abc-defg-hij"
    assert "Join the video consultation: https://meet.google.com/abc-defg-hij" in str(event["DESCRIPTION"])


# --- A second, independent parser: ``ical`` (strict, pydantic-validated) --------------------------
@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
def test_an_independent_parser_reads_the_file_with_its_attendee(db, method):
    from ical.calendar_stream import IcsCalendarStream

    appointment = AppointmentFactory(
        start=START, mode="video", pharmacist__meeting_link="https://us02web.zoom.us/j/123456789"
    )
    ics = appointment_ics(appointment=appointment, method=method).decode()

    calendar = IcsCalendarStream.calendar_from_ics(ics)
    (event,) = calendar.events
    assert calendar.method == method
    assert event.uid == appointment_uid(appointment)
    assert event.dtstart == START
    assert event.end == START + timedelta(minutes=30)
    assert event.location == "https://us02web.zoom.us/j/123456789"
    (attendee,) = event.attendees
    assert attendee.uri == f"mailto:{appointment.patient.email}"
    assert attendee.common_name == appointment.patient.full_name
    assert event.organizer.uri == "mailto:consult@welltopia.example"
    assert event.sequence == appointment.version - 1


# --- Written as icalendar writes it ---------------------------------------------------------------
@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
@pytest.mark.parametrize("first_name", ["Pat", "José María"])
def test_the_file_is_exactly_what_icalendar_writes_for_the_same_calendar(db, method, first_name):
    appointment = AppointmentFactory(
        start=START,
        mode="video",
        patient__first_name=first_name,
        pharmacist__meeting_link="https://us02web.zoom.us/j/123456789?pwd=" + "a\\b,c;d^e" * 12,
    )
    ics = appointment_ics(appointment=appointment, method=method)

    assert Calendar.from_ical(ics).to_ical() == ics
    assert max(len(line) for line in ics.split(b"\r\n")) <= 75


def test_lines_are_folded_as_icalendar_folds_them():
    # Escapes ("\\,", "^n") fall across the 74-octet fold at every offset; non-ASCII goes to icalendar.
    for length in range(60, 240):
        for filler in ("x", "\\", "^", ",", "é"):
            for offset in range(3):
                line = Contentline(("D" * offset + ("ab\\," + filler) * 80)[:length])
                assert _folded(line) == line.to_ical(), (length, filler, offset)


def icalendar_event_lines(appointment, method, description, stamp):
    """The appointment's lines as icalendar's Event writes them, from the same values."""
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("sequence", max(appointment.version - 1, 0))
    event.add("dtstamp", stamp)
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("location", appointment_place(appointment))
    event.add("attendee", _attendee(appointment, method))
    event.add("description", description)
    written = b"".join(line.to_ical() + b"\r\n" for line in event.content_lines() if line)
    return written.removeprefix(b"BEGIN:VEVENT\r\n").removesuffix(b"END:VEVENT\r\n")


AWKWARD = [
    ("Pat", "Lee", "Sam Lee, PharmD", ""),
    ('Zoë "Zed"', "O’Neil", "Dr. Ávila; Sons", "Suite 3, rear"),
    ("a^b", "Smith, John; Jr: x", "Back\\slash, PharmD", "Unit ^7; \\ door"),
    ("José María " * 6, "Núñez", "Noor 'Q' Haddad " * 4, "Calle Mayor, 1; piso 2 " * 3),
    ("O'Brien", "d’Arcy", "Pharmacist, with, commas", "a" * 150),
]


@pytest.mark.parametrize("method", ["REQUEST", "CANCEL"])
@pytest.mark.parametrize("changeable", [True, False])
@pytest.mark.parametrize("mode", ["in_person", "video"])
def test_the_appointment_s_lines_are_written_as_icalendar_s_event_writes_them(
    db, method, changeable, mode, monkeypatch
):
    stamp = datetime(2026, 12, 1, 15, 0, 7, 123456, tzinfo=UTC)
    monkeypatch.setattr("django.utils.timezone.now", lambda: stamp)
    for n, (first, last, pharmacist, street) in enumerate(AWKWARD):
        appointment = AppointmentFactory(
            start=START + timedelta(days=n), mode=mode, version=n + 1,
            patient__first_name=first, patient__last_name=last, pharmacist__display_name=pharmacist,
            pharmacist__location__address_line2=street,
            pharmacist__meeting_link="https://meet.example.com/r?x=" + "a\\b,c;d^e" * n,
        )
        ics = appointment_ics(appointment=appointment, method=method, changeable=changeable, shared={})
        (event,) = Calendar.from_ical(ics).walk("VEVENT")

        own = icalendar_event_lines(appointment, method, str(event["DESCRIPTION"]), stamp)
        assert own in ics, (first, last, pharmacist, street)
        assert Calendar.from_ical(ics).to_ical() == ics
