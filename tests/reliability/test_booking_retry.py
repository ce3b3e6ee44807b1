"""A confirmation that went through but whose answer never reached the patient (the database
connection dropped after the commit, a double click) is retried: the retry shows the booking."""

import pytest
from django.db import OperationalError
from django.urls import reverse

from consultations import views
from consultations.models import Appointment, Notification
from tests.consultations.test_views_booking import CHOICE, with_intake

START = "2026-06-02T15:00:00Z"
ALREADY = "You already have a consultation booked"


@pytest.fixture
def booking(client, intake, ldn, rx, monday_morning):
    return with_intake(client, intake)


@pytest.fixture
def connection_drops_after_commit(monkeypatch):
    """The first confirmation commits (the booking and the session that remembers it, in one
    transaction), then the answer fails as when PostgreSQL goes away before the redirect is sent."""
    real = views.redirect
    calls = []

    def committed_then_dropped(to, *args, **kwargs):
        if to == "consultations:book_confirmed" and not calls:
            calls.append(to)
            raise OperationalError("server closed the connection unexpectedly")
        return real(to, *args, **kwargs)

    monkeypatch.setattr(views, "redirect", committed_then_dropped)


def test_a_retry_after_the_connection_dropped_shows_the_booking(booking, connection_drops_after_commit):
    booking.raise_request_exception = False
    form = {**CHOICE, "start": START}
    assert booking.post(reverse("consultations:book_confirm"), form).status_code == 500
    assert Appointment.objects.count() == 1

    retry = booking.post(reverse("consultations:book_confirm"), form, follow=True)

    assert retry.status_code == 200
    assert retry.redirect_chain[-1][0] == reverse("consultations:book_confirmed")
    page = retry.content.decode()
    assert ALREADY not in page
    assert Appointment.objects.get().manage_token in page
    assert Notification.objects.filter(kind=Notification.Kind.CONFIRMATION).count() == 1


def test_the_same_choice_twice_books_once_and_says_booked(booking, django_capture_on_commit_callbacks):
    form = {**CHOICE, "start": START}
    booking.post(reverse("consultations:book_confirm"), form)

    again = booking.post(reverse("consultations:book_confirm"), form, follow=True)

    assert ALREADY not in again.content.decode()
    assert Appointment.objects.count() == 1
    assert Notification.objects.filter(kind=Notification.Kind.CONFIRMATION).count() == 1


def test_another_time_for_a_booked_intake_is_still_refused(booking):
    booking.post(reverse("consultations:book_confirm"), {**CHOICE, "start": START})

    other = booking.post(reverse("consultations:book_confirm"), {**CHOICE, "start": "2026-06-02T16:00:00Z"}, follow=True)

    assert ALREADY in other.content.decode()
    assert Appointment.objects.count() == 1
