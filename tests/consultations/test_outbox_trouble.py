"""What staff are told about emails not going out, and what asking costs (every admin page asks)."""

from datetime import UTC, datetime, timedelta

import pytest

from consultations.models import Notification
from consultations.notifications.outbox import outbox_trouble
from tests.factories import AppointmentFactory

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
Kind = Notification.Kind
Status = Notification.Status

pytestmark = pytest.mark.django_db


def row(appointment, *, version, **fields):
    return Notification.objects.create(
        appointment=appointment, kind=Kind.REMINDER, appointment_version=version,
        reminder_offset=timedelta(hours=version), **fields,
    )


def test_healthy_sends_cost_one_query_and_say_nothing(django_assert_num_queries):
    appointment = AppointmentFactory(start=NOW + timedelta(days=2))
    row(appointment, version=1, due_at=NOW, status=Status.SENT, attempts=1, claimed_at=NOW)
    row(appointment, version=2, due_at=NOW, status=Status.PENDING)  # due, never tried: not trouble
    row(appointment, version=3, due_at=NOW, status=Status.FAILED, claimed_at=NOW - timedelta(hours=25))

    with django_assert_num_queries(1):
        assert outbox_trouble(now=NOW) is None


def test_it_counts_the_waiting_and_the_recent_failures_with_the_newest_error(django_assert_max_num_queries):
    appointment = AppointmentFactory(start=NOW + timedelta(days=2))
    row(appointment, version=1, due_at=NOW - timedelta(minutes=40), status=Status.PENDING, attempts=2,
        claimed_at=NOW - timedelta(minutes=5), last_error="SMTPServerDisconnected")
    row(appointment, version=2, due_at=NOW - timedelta(minutes=10), status=Status.PENDING, attempts=1,
        claimed_at=NOW - timedelta(minutes=9), last_error="TimeoutError")
    row(appointment, version=3, due_at=NOW - timedelta(hours=3), status=Status.FAILED,
        claimed_at=NOW - timedelta(minutes=2), last_error="SMTPRecipientsRefused")
    row(appointment, version=4, due_at=NOW - timedelta(days=3), status=Status.FAILED,
        claimed_at=NOW - timedelta(hours=30), last_error="too old to count")
    row(appointment, version=5, due_at=NOW - timedelta(days=3), status=Status.PENDING)

    with django_assert_max_num_queries(2):
        trouble = outbox_trouble(now=NOW)

    assert trouble is not None
    assert trouble.waiting == 2
    assert trouble.oldest_due_at == NOW - timedelta(minutes=40)
    assert trouble.failed_recently == 1
    assert trouble.last_error == "SMTPRecipientsRefused"


def test_failures_alone_are_trouble():
    appointment = AppointmentFactory(start=NOW + timedelta(days=2))
    row(appointment, version=1, due_at=NOW - timedelta(hours=1), status=Status.FAILED,
        claimed_at=NOW - timedelta(hours=1), last_error="SMTPRecipientsRefused")

    trouble = outbox_trouble(now=NOW)

    assert trouble is not None
    assert (trouble.waiting, trouble.oldest_due_at, trouble.failed_recently) == (0, None, 1)
