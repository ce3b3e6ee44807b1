"""Odd but honest input and the small things every page and email must get right (issue 12, point 10)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.template.loader import render_to_string

from consultations.models import Notification
from consultations.notifications.messages import TEMPLATE_NAMES, notification_message
from consultations.notifications.outbox import appointment_changed
from tests.factories import AppointmentFactory, LocationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


# --- Permissions-Policy ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/intake/", "/intake/summary/", "/no-such-page/", "/healthz", "/admin/login/"])
def test_every_page_denies_camera_microphone_location_and_payment(client, path):
    response = client.get(path)

    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


# --- plain-text emails -----------------------------------------------------------------------------

CONTEXT = {
    "first_name": "Seán O'Brien",
    "when": "Tuesday, December 1, 2026 at 9:00 AM CST",
    "until": "9:30 AM CST",
    "mode": "by phone",
    "place": "Welltopia <Main> & Co, 2400 University Ave",
    "in_person": True,
    "pharmacy_name": "Welltopia \"Compounding\" & Co",
    "pharmacy_phone": "+1 608-555-0142",
    "manage_url": "https://consult.example/manage/abc/?a=1&b=2",
    "cancelled": False,
}


@pytest.mark.parametrize("name", sorted(set(TEMPLATE_NAMES.values())))
@pytest.mark.parametrize("part", ["subject", "body"])
def test_text_templates_are_not_html_escaped(name, part):
    text = render_to_string(f"emails/{name}-{part}.txt", CONTEXT)

    assert "&#" not in text and "&amp;" not in text and "&lt;" not in text and "&quot;" not in text
    if part == "body":
        assert "Seán O'Brien" in text
        if name != "appointment-cancelled":  # a cancelled consultation has nothing left to manage
            assert "https://consult.example/manage/abc/?a=1&b=2" in text
        assert 'Welltopia "Compounding" & Co' in text


def test_the_html_email_is_still_escaped():
    html = render_to_string("emails/appointment-confirmation-body.html", CONTEXT)

    assert "O&#x27;Brien" in html
    assert "O'Brien" not in html


def test_a_confirmation_to_o_brien_reads_o_brien_in_its_text_part():
    LocationFactory()
    with transaction.atomic():
        appointment = AppointmentFactory(intake__patient__first_name="Máire O'Brien", start=NOW + timedelta(days=3))
        appointment_changed(appointment=appointment, change="booked", now=NOW)
    row = Notification.objects.get(appointment=appointment, kind=Notification.Kind.CONFIRMATION)

    message = notification_message(notification=row)

    assert "Hello Máire O'Brien," in message.body
    assert "&#x27;" not in message.body
