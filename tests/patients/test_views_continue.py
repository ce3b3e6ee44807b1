"""Picking up a saved intake from a link by email: /intake/continue/ and the link's own page."""

import re
from datetime import timedelta
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patients.continuation import continue_link_token
from tests.factories import IntakeFactory, LocationFactory

pytestmark = pytest.mark.django_db

REQUEST_URL = "/intake/continue/"
LINK = re.compile(r"https?://[^\s\"<>]+(/intake/continue/[^/\s\"<>]+/)")


@pytest.fixture
def intake(patient):
    return IntakeFactory(patient=patient, submitted_at=timezone.now() - timedelta(hours=3))


def ask_for_a_link(client, email, capture):
    with capture(execute=True):
        return client.post(REQUEST_URL, {"email": email})


def link_path(message) -> str:
    return LINK.search(message.body).group(1)


def test_the_urls_are_named_in_the_patients_namespace():
    assert reverse("patients:intake_continue") == REQUEST_URL
    assert reverse("patients:intake_continue_open", args=["abc"]) == "/intake/continue/abc/"


def test_the_request_page_asks_only_for_the_email_address(client):
    response = client.get(REQUEST_URL)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert re.search(r'<label[^>]*for="id_email"[^>]*>\s*Email address', html)
    assert 'autocomplete="email"' in html
    # The header's language switch is a form of its own; the request form is the continue-form.
    form = re.search(r'<form[^>]*class="continue-form".*?</form>', html, re.S).group(0)
    assert re.findall(r'<input[^>]*name="(\w+)"', form) == ["csrfmiddlewaretoken", "homepage", "email"]


def test_a_known_and_an_unknown_address_get_the_same_page(client, intake, tasks_run_here,
                                                           django_capture_on_commit_callbacks):
    known = ask_for_a_link(client, "alice@example.com", django_capture_on_commit_callbacks)
    unknown = ask_for_a_link(Client(), "nobody@example.com", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 200

    def page(response, address):
        # Each page carries its own random CSRF token (the header's language switch is a form).
        html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "TOKEN", response.content.decode())
        return html.replace(address, "ADDRESS")

    assert page(known, "alice@example.com") == page(unknown, "nobody@example.com")
    assert "we have sent a link to that address. It works once, for 2 hours." in page(known, "alice@example.com")
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]


def test_the_link_works_once_and_brings_the_answers_back(client, intake, tasks_run_here,
                                                          django_capture_on_commit_callbacks):
    ask_for_a_link(client, "Alice@Example.com", django_capture_on_commit_callbacks)
    path = link_path(mail.outbox[0])
    patient_again = Client()  # the session that held the intake is gone

    page = patient_again.get(path)
    assert page.status_code == 200
    assert "Welcome back, Alice" in page.content.decode()
    assert page["Referrer-Policy"] == "strict-origin"
    assert '<meta name="referrer" content="strict-origin">' in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    opened = patient_again.post(path)
    assert opened.status_code == 302 and opened["Location"] == reverse("patients:intake_summary")
    summary = patient_again.get(opened["Location"])
    assert "Thank you, Alice" in summary.content.decode()
    booking = patient_again.get(reverse("consultations:book_start"))
    assert booking.status_code == 200, "the booking pages find the intake in the session"

    again = Client().post(path)
    assert again.status_code == 410
    assert "This link has already been used" in again.content.decode()
    assert 'name="email"' in again.content.decode(), "with the form for a new link"


def test_a_used_link_opened_again_in_the_same_browser_points_on_to_booking(client, intake):
    path = reverse("patients:intake_continue_open", args=[continue_link_token(intake_id=intake.pk)])
    client.post(path)

    html = client.get(path).content.decode()

    assert "This link has already been used" in html
    assert f'<a href="{reverse("consultations:book_start")}">continue to choose a time</a>' in html


def test_a_mail_scanner_opening_the_link_does_not_spend_it(client, intake):
    path = reverse("patients:intake_continue_open", args=[continue_link_token(intake_id=intake.pk)])

    for _ in range(3):
        assert Client().get(path).status_code == 200

    assert client.post(path).status_code == 302


def test_an_expired_link_is_refused_kindly(client, intake):
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        path = reverse("patients:intake_continue_open", args=[continue_link_token(intake_id=intake.pk)])

    with time_machine.travel(sent + timedelta(hours=2, minutes=1), tick=False):
        shown = client.get(path)
        posted = client.post(path)

    for response in (shown, posted):
        assert response.status_code == 410
        html = response.content.decode()
        assert "This link has expired" in html
        assert "a link works for 2 hours" in html
        assert "Your answers are still saved." in html
        assert 'name="email"' in html and "Email me a link" in html
    assert "intake_reference" not in client.session


@pytest.mark.parametrize("token", ["garbage", "IkFCQyI:1vx:abc", "%00", "a" * 500])
def test_a_tampered_link_is_refused_kindly(client, intake, token):
    real = continue_link_token(intake_id=intake.pk)

    for response in (client.get(f"/intake/continue/{token}/"), client.post(f"/intake/continue/{token}/"),
                     client.get(f"/intake/continue/{real[:-2]}/")):
        assert response.status_code == 410
        assert "This link does not work" in response.content.decode()
        assert 'name="email"' in response.content.decode()
    assert "intake_reference" not in client.session


def test_a_rate_limited_request_keeps_what_was_typed(client, settings, intake, django_capture_on_commit_callbacks):
    settings.RATE_LIMIT_INTAKE_LINK = "2/h"
    for _ in range(2):
        assert ask_for_a_link(client, "alice@example.com", django_capture_on_commit_callbacks).status_code == 200

    with django_capture_on_commit_callbacks() as callbacks:
        refused = client.post(REQUEST_URL, {"email": "Typed.Address@example.com"})

    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    html = refused.content.decode()
    assert "Please wait a little before trying again" in html
    assert 'value="Typed.Address@example.com"' in html
    assert callbacks == []


def test_a_mistyped_address_is_shown_next_to_the_field_and_not_counted(client, settings):
    settings.RATE_LIMIT_INTAKE_LINK = "1/h"

    for _ in range(3):
        response = client.post(REQUEST_URL, {"email": "alice@example"})
        assert response.status_code == 200
        html = unescape(response.content.decode())
        assert "Enter an email address like name@example.com." in html
        assert 'value="alice@example"' in html
        assert 'aria-invalid="true"' in html

    assert client.post(REQUEST_URL, {"email": "alice@example.com"}).status_code == 200


def test_a_filled_honeypot_sends_nothing(client, intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(REQUEST_URL, {"email": "alice@example.com", "homepage": "http://spam.example"})

    assert response.status_code == 400
    assert callbacks == []


# --- Where the way back is offered ------------------------------------------------------------------
def test_the_booking_pages_without_an_intake_offer_the_link(client):
    response = client.get(reverse("consultations:book_start"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("patients:intake_start")
    html = response.content.decode()
    assert "Already answered the questions?" in html
    assert f'<a href="{REQUEST_URL}">Get a link by email</a> to pick up where you left off.' in html
    assert html.count(f'href="{REQUEST_URL}"') == 1, "once: in the message, not again under the heading"


def test_the_intake_page_offers_the_link_under_its_heading(client):
    html = client.get(reverse("patients:intake_start")).content.decode()

    heading = html.index("Tell us about you")
    assert heading < html.index(f'<a href="{REQUEST_URL}">Get a link by email</a>') < html.index('class="intake-form"')


def test_the_request_page_shows_the_pharmacys_phone_as_every_other_page_does(client, db):
    LocationFactory()  # its phone is stored as "+1 608-555-0142"
    html = client.get(REQUEST_URL).content.decode()
    form = re.search(r'<form[^>]*class="continue-form".*?</form>', html, re.S).group(0)
    after = html[html.index(form) + len(form) :]
    assert '<a href="tel:+16085550142" class="text-nowrap">(608) 555-0142</a>' in after
    assert "+1 608-555-0142" not in html
