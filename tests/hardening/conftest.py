"""The booking fixtures (a type, a pharmacist working every day, a Monday-morning clock) for the
hardening tests, plus helpers to reach each public form."""

import pytest
from django.urls import reverse

from tests.consultations.conftest import chicago, intake, ldn, monday_morning, rx  # noqa: F401 (fixtures)
from tests.factories import AppointmentFactory, LocationFactory

CHOICE = {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any"}
TUESDAY_10 = chicago(2026, 6, 2, 10)
TUESDAY_10_ISO = "2026-06-02T15:00:00Z"


def with_intake(client, intake):  # noqa: F811 (a plain argument, not the fixture)
    session = client.session
    session["intake_reference"] = str(intake.reference)
    session.save()
    return client


def confirm_url():
    return reverse("consultations:book_confirm")


@pytest.fixture
def booking(client, intake, ldn, rx, monday_morning):  # noqa: F811
    """A patient who has just submitted an intake, on the Monday before a bookable Tuesday."""
    return with_intake(client, intake)


@pytest.fixture
def booked(rx, ldn, intake, monday_morning):  # noqa: F811
    """A consultation on Tuesday at 10:00, a day ahead: the patient may still change it."""
    return AppointmentFactory(
        intake=intake, pharmacist=rx, consultation_type=ldn, location=rx.location, start=TUESDAY_10
    )


@pytest.fixture
def pharmacy_location(db):
    return LocationFactory(phone="+1 608-555-0142")
