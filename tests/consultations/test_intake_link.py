"""A consultation booked by phone without an intake: the emails ask for it, and the link opens the
usual intake form, screened as always and attached to the consultation."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from consultations import services
from consultations.models import Appointment
from consultations.notifications.delivery import notifications_send_due
from consultations.notifications.outbox import appointment_changed
from patients.models import Intake, ScreeningFlag
from tests.factories import AppointmentFactory, IntakeFactory, PatientFactory
from tests.patients.intake_data import intake_post

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)


def book(**fields):
    with transaction.atomic():
        appointment = AppointmentFactory(start=START, **fields)
        appointment_changed(appointment=appointment, change="booked", now=NOW)
    return appointment


def booked_by_phone():
    return book(intake=None, patient=PatientFactory(email="ada@example.com", date_of_birth=date(1980, 4, 12)))


def link(appointment):
    return f"/appointments/{appointment.manage_token}/intake/"


def bodies(message):
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


# --- the emails ------------------------------------------------------------------------------------
def test_the_confirmation_of_a_booking_without_an_intake_links_to_it(db, smtp_server, settings):
    appointment = booked_by_phone()

    notifications_send_due(now=NOW)

    (message,) = smtp_server.messages
    for body in bodies(message):
        assert f"{settings.SITE_URL}{link(appointment)}" in body
        assert "please answer a few questions" in body


def test_the_confirmation_of_a_booking_with_an_intake_asks_nothing(db, smtp_server):
    appointment = book()

    notifications_send_due(now=NOW)

    (message,) = smtp_server.messages
    for body in bodies(message):
        assert link(appointment) not in body
        assert "please answer a few questions" not in body


def test_the_24_hour_reminder_asks_again_until_the_intake_exists(db, smtp_server):
    asked, answered = booked_by_phone(), book(intake=None, patient=PatientFactory())
    notifications_send_due(now=NOW)
    smtp_server.messages.clear()
    services.appointment_attach_intake(appointment=answered, intake=IntakeFactory(patient=answered.patient))

    notifications_send_due(now=START - timedelta(hours=24))

    reminders = {m["To"]: bodies(m) for m in smtp_server.messages}
    assert set(reminders) == {asked.patient.email, answered.patient.email}
    assert all(link(asked) in body for body in reminders[asked.patient.email])
    assert all("please answer a few questions" not in body for body in reminders[answered.patient.email])


def test_a_cancellation_never_asks_for_the_intake(db, smtp_server):
    appointment = booked_by_phone()
    notifications_send_due(now=NOW)
    services.appointment_cancel(appointment=appointment, now=NOW, by_staff=True)
    smtp_server.messages.clear()

    notifications_send_due(now=NOW)

    (message,) = smtp_server.messages
    for body in bodies(message):
        assert "/intake/" not in body


# --- the page --------------------------------------------------------------------------------------
def ada_answers(**overrides):
    return intake_post(
        medications=(("oxycodone 5 mg", "5 mg", "twice a day", "prescription"),),
        **{"patient-first_name": "Ada", "patient-last_name": "Lovelace", "patient-email": "ADA@example.com",
           "patient-date_of_birth": "1980-04-12", **overrides},
    )


@pytest.fixture
def waiting(db):
    return AppointmentFactory(
        intake=None, patient=PatientFactory(first_name="Ada", email="ada@example.com", date_of_birth=date(1980, 4, 12))
    )


def test_the_link_opens_the_intake_form_with_the_contact_details_filled_in(client, waiting):
    html = client.get(link(waiting)).content.decode()

    assert 'value="ada@example.com"' in html
    assert 'name="intake-opioid_use"' in html
    assert f'action="{link(waiting)}"' in html
    assert "Send my answers" in html


def test_an_unknown_token_is_not_found(client, db):
    assert client.get("/appointments/" + "x" * 43 + "/intake/").status_code == 404


def test_the_answers_are_screened_as_always_and_attached(client, waiting):
    response = client.post(link(waiting), ada_answers())

    assert response.status_code == 302
    assert response["Location"] == reverse("patients:intake_summary")
    waiting.refresh_from_db()
    intake = waiting.intake
    assert intake.patient_id == waiting.patient_id
    assert intake.screening_outcome == ScreeningFlag.Severity.CONTRAINDICATION
    assert intake.flags.filter(code="opioid").exists()
    summary = client.get(response["Location"]).content.decode()
    assert "oxycodone" in summary.lower()


def test_answers_under_another_email_are_not_stored(client, waiting):
    response = client.post(link(waiting), ada_answers(**{"patient-email": "someone@example.com"}))

    assert response.status_code == 200
    assert "Use the email address this consultation was booked with" in response.content.decode()
    assert not Intake.objects.exists()


def test_adding_a_medication_row_stores_nothing(client, waiting):
    response = client.post(link(waiting), {**ada_answers(), "add_row": "1"})

    assert response.status_code == 200
    assert not Intake.objects.exists()


def test_once_answered_the_link_goes_to_the_manage_page(client, waiting):
    client.post(link(waiting), ada_answers())

    response = client.get(link(waiting))

    assert response.status_code == 302
    assert response["Location"] == reverse("consultations:manage", args=[waiting.manage_token])
    assert Intake.objects.count() == 1


def test_a_cancelled_consultation_takes_no_answers(client, waiting):
    services.appointment_cancel(appointment=waiting, by_staff=True)

    response = client.post(link(waiting), ada_answers())

    assert response.status_code == 302
    assert not Intake.objects.exists()
    assert Appointment.objects.get().status == Appointment.Status.CANCELLED
