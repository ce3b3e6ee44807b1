"""What the emails say: the video link only where there is one to join, the pharmacist's name and
never the consultation type's, the site's domain in Message-ID. Sent to a real SMTP server."""

from datetime import timedelta

import pytest

from consultations.models import Appointment
from consultations.notifications.delivery import notifications_send_due
from tests.consultations.test_notifications import NOW, START, book, cancel, ics_of, reschedule
from tests.factories import PatientFactory

LINK = "https://meet.google.com/abc-defg-hij"
OVERRIDE = "https://us02web.zoom.us/j/123456789"


def bodies(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def every_kind_of_email(smtp_server, **fields):
    """Confirmation, a reminder (the later one; the scan drops a reminder overtaken by another), a
    reschedule notice and a cancellation, in that order."""
    appointment = book(**fields)
    notifications_send_due(now=NOW)
    notifications_send_due(now=START - timedelta(hours=1))
    new_start = START + timedelta(days=1)
    reschedule(appointment, start=new_start, now=NOW + timedelta(minutes=5))
    notifications_send_due(now=NOW + timedelta(minutes=5))
    cancel(appointment, now=NOW + timedelta(minutes=10))
    notifications_send_due(now=NOW + timedelta(minutes=10))
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert [s.split()[0] for s in subjects] == ["Your", "Reminder:", "Your", "Your"], subjects
    return appointment, smtp_server.messages


def test_a_video_consultation_s_link_is_in_every_email_but_the_cancellation(db, smtp_server):
    appointment, messages = every_kind_of_email(
        smtp_server, mode=Appointment.Mode.VIDEO, pharmacist__meeting_link=LINK
    )

    *live, cancellation = messages
    for message in live:
        for body in bodies(message):
            assert LINK in body
            assert "By video – join with the link below" in body
        assert "Join the video consultation" in bodies(message)[1]
    for body in bodies(cancellation):
        assert LINK not in body


def test_the_appointment_s_own_link_wins_over_the_pharmacist_s(db, smtp_server):
    book(mode=Appointment.Mode.VIDEO, pharmacist__meeting_link=LINK, meeting_link=OVERRIDE)
    notifications_send_due(now=NOW)

    (message,) = smtp_server.messages
    for body in bodies(message):
        assert OVERRIDE in body
        assert LINK not in body


def test_a_video_consultation_without_a_link_promises_none(db, smtp_server):
    _, messages = every_kind_of_email(smtp_server, mode=Appointment.Mode.VIDEO, pharmacist__meeting_link="")

    for message in messages:
        for body in bodies(message):
            assert "https://meet" not in body
            assert "link to join" not in body
            assert "join with the link" not in body
            assert "Join the video consultation" not in body
    for body in bodies(messages[0]):
        assert "By video – your pharmacist will contact you with how to join" in body


@pytest.mark.parametrize("mode", [Appointment.Mode.PHONE, Appointment.Mode.IN_PERSON])
def test_other_consultations_carry_no_video_link_even_when_the_pharmacist_has_one(db, smtp_server, mode):
    _, messages = every_kind_of_email(smtp_server, mode=mode, pharmacist__meeting_link=LINK, meeting_link=OVERRIDE)

    for message in messages:
        raw = message.as_string()
        assert "meet.google.com" not in raw
        assert "zoom.us" not in raw


def test_emails_name_the_pharmacist_and_never_the_consultation_type(db, smtp_server):
    appointment, messages = every_kind_of_email(
        smtp_server,
        mode=Appointment.Mode.VIDEO,
        pharmacist__meeting_link=LINK,
        pharmacist__display_name="Dana Whitfield, PharmD",
        consultation_type__name="LDN consultation",
        consultation_type__slug="ldn-named",
        consultation_type__description="Low dose naltrexone: is it for you?",
    )

    for message in messages:
        assert "LDN" not in message["Subject"]
        for body in bodies(message):
            assert "Dana Whitfield, PharmD" in body
            assert "LDN" not in body
            assert "naltrexone" not in body.lower()
            assert appointment.pharmacist.user.username not in body
        _, calendar = ics_of(message)
        (event,) = calendar.walk("VEVENT")
        for field in ("SUMMARY", "DESCRIPTION", "LOCATION"):
            assert "LDN" not in str(event.get(field, ""))
        assert "Dana Whitfield, PharmD" in str(event["DESCRIPTION"])


def test_the_message_id_carries_the_site_s_domain(db, smtp_server, settings):
    settings.SITE_URL = "https://consult.welltopia.example"
    book()
    notifications_send_due(now=NOW)

    (message,) = smtp_server.messages
    assert message["Message-ID"].endswith("@consult.welltopia.example>")
    assert "localhost" not in message["Message-ID"]


def test_a_spanish_reminder_arrives_whole_with_its_accents_and_invitation(db, smtp_server):
    # The message is written with our own boundaries and a cheaper header policy: what arrives must
    # still be text, HTML and the .ics, each with its own boundary, a unique Message-ID per email.
    first = book(intake__patient=PatientFactory(first_name="Dolores", language="es"))
    second = book(intake__patient=PatientFactory(first_name="José", language="es"), start=START + timedelta(hours=1))
    notifications_send_due(now=START - timedelta(hours=3))  # the confirmations and a reminder each

    reminders = [message for message in smtp_server.messages if "Recordatorio" in message["Subject"]]
    messages = sorted(reminders, key=lambda message: message["To"])
    assert len(messages) == 2
    for message, appointment in zip(messages, sorted([first, second], key=lambda a: a.patient.email), strict=True):
        assert message["To"] == appointment.patient.email
        assert message.get_content_type() == "multipart/mixed"
        alternative, invitation = message.get_payload()
        assert alternative.get_content_type() == "multipart/alternative"
        assert [part.get_content_type() for part in alternative.get_payload()] == ["text/plain", "text/html"]
        assert message.get_boundary() != alternative.get_boundary()
        text, html = bodies(message)
        assert appointment.patient.first_name in text and appointment.patient.first_name in html
        assert invitation.get_content_type() == "text/calendar"
        assert invitation.get_param("method") == "REQUEST"
        assert invitation.get_filename() == "welltopia-consultation.ics"
        assert invitation["Content-Transfer-Encoding"] == "base64"
        _, calendar = ics_of(message)
        (event,) = calendar.walk("VEVENT")
        assert str(event["SUMMARY"]) == "Consulta farmacéutica – Welltopia"
        assert "del equipo farmacéutico" in str(event["DESCRIPTION"])
    assert messages[0]["Message-ID"] != messages[1]["Message-ID"]
