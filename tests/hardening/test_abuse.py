"""Abuse: rate limits per client, the honeypot, and the cap on consultations per email."""

import secrets
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from consultations.models import Appointment
from consultations.services import TooManyAppointments, appointment_book
from patients.models import Intake, MedicationEntry, Patient
from tests.factories import AppointmentFactory, IntakeFactory, PatientFactory
from tests.hardening.conftest import CHOICE, TUESDAY_10, TUESDAY_10_ISO, confirm_url
from tests.patients.intake_data import intake_post

pytestmark = pytest.mark.django_db

INTAKE = "/intake/"


def counts():
    return (Patient.objects.count(), Intake.objects.count(), MedicationEntry.objects.count(), Appointment.objects.count())


# --- rate limits --------------------------------------------------------------------------------


@pytest.fixture
def fresh_hour():
    """Start just after the top of the hour: an hourly window that rolls over mid-test would let
    the request that should be refused through (time keeps running)."""
    start = timezone.now().replace(minute=0, second=1, microsecond=0)
    with time_machine.travel(start, tick=True):
        yield


@pytest.mark.usefixtures("fresh_hour")
def test_the_eleventh_intake_in_an_hour_gets_the_friendly_wait_page(client, settings, pharmacy_location):
    settings.RATE_LIMIT_INTAKE = "10/h"
    for number in range(10):
        response = client.post(INTAKE, intake_post(**{"patient-email": f"p{number}@example.com"}))
        assert response.status_code == 302
    before = counts()

    response = client.post(INTAKE, intake_post(**{"patient-email": "eleven@example.com"}))

    assert response.status_code == 429
    page = response.content.decode()
    assert "Please wait a little" in page and "Please try again in about" in page
    assert "(608) 555-0142" in page and "Back" in page and "answers still there" in page
    assert int(response["Retry-After"]) > 0
    assert counts() == before


@pytest.mark.usefixtures("fresh_hour")
def test_reading_the_intake_and_adding_medication_rows_are_not_counted(client, settings):
    settings.RATE_LIMIT_INTAKE = "2/h"
    for _ in range(5):
        assert client.get(INTAKE).status_code == 200
        assert client.post(INTAKE, intake_post(add_row="1")).status_code == 200

    assert client.post(INTAKE, intake_post()).status_code == 302


@pytest.mark.usefixtures("fresh_hour")
def test_another_client_address_is_not_held_up(client, settings):
    settings.RATE_LIMIT_INTAKE = "1/h"
    assert client.post(INTAKE, intake_post(), REMOTE_ADDR="203.0.113.1").status_code == 302
    assert client.post(INTAKE, intake_post(), REMOTE_ADDR="203.0.113.1").status_code == 429

    assert client.post(INTAKE, intake_post(), REMOTE_ADDR="203.0.113.2").status_code == 302


@pytest.mark.usefixtures("fresh_hour")
def test_behind_a_proxy_the_limit_follows_the_forwarded_client(client, settings):
    settings.RATE_LIMIT_INTAKE = "1/h"
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    assert client.post(INTAKE, intake_post(), HTTP_X_FORWARDED_FOR="203.0.113.1", **proxy).status_code == 302
    # The client cannot dodge the limit by writing its own X-Forwarded-For entries to the left.
    assert (
        client.post(INTAKE, intake_post(), HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.1", **proxy).status_code == 429
    )
    assert client.post(INTAKE, intake_post(), HTTP_X_FORWARDED_FOR="203.0.113.2", **proxy).status_code == 302


def test_booking_confirmations_are_limited_per_client(booking, settings):
    settings.RATE_LIMIT_BOOKING = "3/h"
    for _ in range(3):  # the second and third land on the same booking (double submit)
        assert booking.post(confirm_url(), {**CHOICE, "start": TUESDAY_10_ISO}).status_code == 302

    response = booking.post(confirm_url(), {**CHOICE, "start": TUESDAY_10_ISO})

    assert response.status_code == 429
    assert Appointment.objects.count() == 1


def test_guessing_manage_tokens_is_stopped_and_the_real_link_waits_too(client, settings, booked):
    settings.RATE_LIMIT_MANAGE = "30/h"
    guesses = [client.get(f"/appointments/{secrets.token_urlsafe(16)}/") for _ in range(30)]
    assert {r.status_code for r in guesses} == {404}

    assert client.get(f"/appointments/{secrets.token_urlsafe(16)}/").status_code == 429
    assert client.get(reverse("consultations:manage", args=[booked.manage_token])).status_code == 429
    assert client.post(reverse("consultations:manage_cancel", args=[booked.manage_token])).status_code == 429
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED


def test_a_limit_set_to_zero_is_off(client, settings):
    settings.RATE_LIMIT_INTAKE = "0/h"
    for _ in range(12):
        assert client.post(INTAKE, intake_post()).status_code == 302


# --- honeypot -----------------------------------------------------------------------------------


def test_the_honeypot_is_hidden_from_people_and_screen_readers(client, booking):
    for page in (
        client.get(INTAKE).content.decode(),
        booking.get(reverse("consultations:book_review") + "?type=ldn-consultation&mode=phone&pharmacist=any"
                    f"&start={TUESDAY_10_ISO}").content.decode(),
    ):
        assert '<div class="hp-field" aria-hidden="true">' in page
        assert '<label for="id_homepage">Leave this empty</label>' in page
        assert 'name="homepage" id="id_homepage" value="" tabindex="-1" autocomplete="off"' in page
        assert "style=" not in page.split('class="hp-field"')[1].split("</div>")[0]


def test_a_filled_honeypot_refuses_the_intake_quietly_and_saves_nothing(client, pharmacy_location):
    response = client.post(INTAKE, intake_post(homepage="http://spam.example"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "We could not take this form" in page and "(608) 555-0142" in page
    assert "spam.example" not in page and "honeypot" not in page.lower()
    assert counts() == (0, 0, 0, 0)


def test_a_filled_honeypot_refuses_the_booking_and_books_nothing(booking):
    response = booking.post(confirm_url(), {**CHOICE, "start": TUESDAY_10_ISO, "homepage": "x"})

    assert response.status_code == 400
    assert Appointment.objects.count() == 0


def test_an_empty_honeypot_goes_through(client):
    assert client.post(INTAKE, intake_post(homepage="")).status_code == 302
    assert Intake.objects.count() == 1


# --- cap on consultations per email ------------------------------------------------------------------


def intake_for(email):
    return IntakeFactory(patient=PatientFactory(email=email))


def test_a_third_consultation_for_one_email_is_refused_with_a_way_forward(booking, ldn, rx, settings):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_EMAIL = 2
    email = Intake.objects.get().patient.email
    for hours in (0, 2):
        AppointmentFactory(
            intake=intake_for(email.upper()), pharmacist=rx, consultation_type=ldn, location=rx.location,
            start=TUESDAY_10 + timedelta(days=1, hours=hours),
        )

    response = booking.post(confirm_url(), {**CHOICE, "start": TUESDAY_10_ISO}, follow=True)

    page = response.content.decode()
    assert response.status_code == 200
    assert "You already have 2 consultations booked with this email address" in page
    assert "(608) 555-0142" in page
    assert Appointment.objects.count() == 2


def test_cancelled_and_past_consultations_do_not_count_towards_the_cap(intake, ldn, rx, monday_morning, settings):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_EMAIL = 1
    past = intake_for(intake.patient.email)
    AppointmentFactory(intake=past, pharmacist=rx, consultation_type=ldn, location=rx.location,
                       start=TUESDAY_10 - timedelta(days=7))
    AppointmentFactory(intake=intake_for(intake.patient.email), pharmacist=rx, consultation_type=ldn,
                       location=rx.location, start=TUESDAY_10 + timedelta(days=2), status=Appointment.Status.CANCELLED)

    booked = appointment_book(intake=intake, consultation_type=ldn, mode="phone", start=TUESDAY_10)

    assert booked.status == Appointment.Status.BOOKED
    with pytest.raises(TooManyAppointments, match="one consultation booked"):
        appointment_book(intake=intake_for(intake.patient.email), consultation_type=ldn, mode="phone",
                         start=TUESDAY_10 + timedelta(hours=2))


def test_other_emails_are_not_capped(intake, ldn, rx, monday_morning, settings):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_EMAIL = 1
    appointment_book(intake=intake, consultation_type=ldn, mode="phone", start=TUESDAY_10)

    other = appointment_book(intake=intake_for("someone.else@example.com"), consultation_type=ldn, mode="phone",
                             start=TUESDAY_10 + timedelta(hours=2))

    assert other.status == Appointment.Status.BOOKED
