"""Issue #18: a patient whose language is Spanish gets every email in Spanish — subject, text,
HTML (with lang="es") and the calendar file's words — sent the real way: the outbox and its scan
(consultations.notifications) to a real SMTP server, the follow-up scan, the continue-link sender.

Nothing here switches the language of the test: each email must take it from the patient, as a
worker does when it sends a reminder days later.
"""

from datetime import timedelta

import pytest
from icalendar import Calendar

from consultations import records
from consultations.models import Appointment, ConsultationRecord
from consultations.notifications.delivery import notifications_send_due
from patients.continuation import continue_link_send
from tests.consultations.test_notifications import NOW, START, book, cancel, reschedule
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory, PatientFactory
from tests.i18n.english import (
    contractions_missed,
    english_in_html,
    english_in_text,
    html_lang,
    report,
    visible_text,
)

pytestmark = pytest.mark.django_db

LINK = "https://meet.google.com/abc-defg-hij"
# A person's name, as staff type it (the factory's default, "Pharmacist 7", would read as English).
PHARMACIST = "Charlie Chen, PharmD"


def spanish_patient(**fields):
    return PatientFactory(
        first_name="Dolores", last_name="Díaz", email="dolores@example.com", language="es", **fields
    )


def leftovers_in(message, *, kind):
    """Every English segment in the subject, the text, the HTML and the attached calendar."""
    found = english_in_text(str(message["Subject"]), where=f"{kind} subject")
    found += english_in_text(message.get_body(("plain",)).get_content(), where=f"{kind} text")
    html = message.get_body(("html",)).get_content()
    found += english_in_html(html, where=f"{kind} HTML")
    text = message.get_body(("plain",)).get_content()
    found += [f"{kind}: 'a el'/'de el' not contracted: {line!r}" for line in contractions_missed([*text.splitlines(), *visible_text(html)])]
    if html_lang(html) != "es":
        found.append(f'{kind} HTML: <html lang="{html_lang(html)}">')
    for part in message.walk():
        if part.get_content_type() == "text/calendar":
            event = next(iter(Calendar.from_ical(part.get_content()).walk("VEVENT")))
            for field in ("SUMMARY", "DESCRIPTION", "LOCATION"):
                found += english_in_text(str(event.get(field, "")), where=f"{kind} calendar {field}")
    return found


def assert_spanish(messages_by_kind):
    found = []
    for kind, message in messages_by_kind:
        found += leftovers_in(message, kind=kind)
    assert not found, report(found)


def every_appointment_email(smtp_server, **fields):
    """Confirmation, the 24-hour and the 2-hour reminders, the move and the cancellation of one
    consultation, as the outbox sends them."""
    appointment = book(intake__patient=spanish_patient(), pharmacist__display_name=PHARMACIST, **fields)
    notifications_send_due(now=NOW)
    notifications_send_due(now=START - timedelta(hours=24))
    notifications_send_due(now=START - timedelta(hours=2))
    reschedule(appointment, start=START + timedelta(days=1), now=NOW + timedelta(minutes=5))
    notifications_send_due(now=NOW + timedelta(minutes=5))
    cancel(appointment, now=NOW + timedelta(minutes=10))
    notifications_send_due(now=NOW + timedelta(minutes=10))
    kinds = ["confirmation", "reminder 24 h", "reminder 2 h", "rescheduled", "cancelled"]
    assert len(smtp_server.messages) == len(kinds), [m["Subject"] for m in smtp_server.messages]
    return list(zip(kinds, smtp_server.messages, strict=True))


@pytest.mark.parametrize(
    "fields",
    [
        {"mode": Appointment.Mode.PHONE},
        {"mode": Appointment.Mode.IN_PERSON},
        {"mode": Appointment.Mode.VIDEO, "pharmacist__meeting_link": LINK},
        {"mode": Appointment.Mode.VIDEO, "pharmacist__meeting_link": ""},
    ],
    ids=["phone", "in-person", "video", "video-without-link"],
)
def test_every_appointment_email_is_spanish(smtp_server, fields):
    assert_spanish(every_appointment_email(smtp_server, **fields))


def test_a_booking_made_by_the_front_desk_asks_for_the_intake_in_spanish(smtp_server):
    """Booked for a caller, no intake yet: the confirmation and reminder ask for it."""
    patient = spanish_patient()
    from django.db import transaction

    from consultations.notifications.outbox import appointment_changed

    with transaction.atomic():
        appointment = AppointmentFactory(
            intake=None, patient=patient, start=START, pharmacist__display_name=PHARMACIST
        )
        appointment_changed(appointment=appointment, change="booked", now=NOW)
    notifications_send_due(now=NOW)
    notifications_send_due(now=START - timedelta(hours=24))

    assert len(smtp_server.messages) == 2
    assert_spanish(zip(["confirmation asking for the intake", "reminder asking for the intake"], smtp_server.messages, strict=True))


def test_the_follow_up_invitation_is_spanish(smtp_server, pharmacist, pharmacist_user):
    patient = spanish_patient()
    intake = IntakeFactory(patient=patient, takes_no_medications=False, submitted_at=NOW - timedelta(days=20))
    MedicationEntryFactory(intake=intake, text="metformina", dose="500 mg", frequency="dos veces al día")
    appointment = AppointmentFactory(intake=intake, pharmacist=pharmacist, start=NOW - timedelta(days=14))
    record = records.record_save(
        appointment=appointment, by=pharmacist_user,
        values={
            "outcome": ConsultationRecord.Outcome.SUITABLE, "patient_reported": "Dolor.", "medicines_reviewed": "Lista.",
            "advice": "Por la noche.", "plan": "Subir la dosis.", "recommendation": "Empezar LDN.",
        },
    )
    record = records.record_sign(record=record, by=pharmacist_user, now=NOW - timedelta(days=14))
    [follow_up] = records.follow_ups_plan(record=record, weeks=[2], by=pharmacist_user, now=NOW - timedelta(days=14))

    assert records.follow_up_invitations_send_due(now=follow_up.invite_at) == 1

    (message,) = smtp_server.messages
    assert_spanish([("follow-up invitation", message)])


def test_the_continue_link_email_is_spanish(smtp_server):
    intake = IntakeFactory(patient=spanish_patient())

    assert continue_link_send(intake_id=intake.pk)

    (message,) = smtp_server.messages
    assert_spanish([("continue link", message)])


def test_an_english_patient_still_gets_english_emails(smtp_server):
    """The other side of the switch: language "en" keeps every email English."""
    patient = PatientFactory(first_name="Alice", email="alice@example.com", language="en")
    appointment = book(intake__patient=patient)
    notifications_send_due(now=NOW)
    cancel(appointment, now=NOW + timedelta(minutes=10))
    notifications_send_due(now=NOW + timedelta(minutes=10))

    confirmation, cancellation = smtp_server.messages
    assert str(confirmation["Subject"]).startswith("Your pharmacist consultation is booked")
    assert "Hello Alice" in confirmation.get_body(("plain",)).get_content()
    assert html_lang(confirmation.get_body(("html",)).get_content()) == "en"
    assert "cancelled" in str(cancellation["Subject"]).lower()
