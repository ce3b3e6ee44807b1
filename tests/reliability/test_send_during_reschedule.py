"""A reschedule that lands while a reminder is being sent never lets the old time go out.

PostgreSQL, real threads, a real SMTP server (aiosmtpd). The sender and the reschedule run on
their own connections and really commit, as a Celery worker and a web request do.
"""

import statistics
import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.utils import timezone

from consultations.models import Appointment, Notification
from consultations.notifications import delivery
from consultations.notifications.delivery import notification_send, notifications_send_due
from consultations.notifications.messages import _when
from consultations.notifications.outbox import appointment_changed
from tests.factories import AppointmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
Status = Notification.Status


def booked_with_a_due_reminder():
    start = (timezone.now() + timedelta(hours=3)).replace(second=0, microsecond=0)
    with transaction.atomic():
        appointment = AppointmentFactory(start=start)
        appointment_changed(appointment=appointment, change="booked")
    Notification.objects.filter(appointment=appointment).update(status=Status.SENT)  # confirmation: not this test
    reminder = Notification.objects.create(
        appointment=appointment, kind=Notification.Kind.REMINDER, appointment_version=appointment.version,
        reminder_offset=timedelta(hours=24), due_at=timezone.now() - timedelta(minutes=1),
    )
    return appointment, reminder


def reschedule(appointment_id, *, by):
    """What consultations.services does: lock the row, move it, raise the version, write the emails."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=appointment_id)
        appointment.start += by
        appointment.end += by
        appointment.blocked_until += by
        appointment.version += 1
        appointment.save()
        appointment_changed(appointment=appointment, change="rescheduled")


def in_thread(target, outcome):
    def run():
        try:
            outcome.append(target())
        except Exception as error:  # shown by the assertion
            outcome.append(f"error: {error!r}")
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def local_times(sink):
    return [m["Subject"] for m in sink.messages]


def old_time_left(sink, appointment):
    when = _when(appointment.start)
    return [m for m in sink.messages if when in m["Subject"] or when in m.get_body(("plain",)).get_content()]


def test_a_reschedule_committed_after_the_claim_stops_the_old_reminder(on_postgres, smtp_server, monkeypatch):
    appointment, reminder = booked_with_a_due_reminder()
    composed, go = threading.Event(), threading.Event()
    compose = delivery.notification_message

    def compose_then_wait(**kwargs):
        message = compose(**kwargs)
        composed.set()
        assert go.wait(timeout=30)
        return message

    monkeypatch.setattr(delivery, "notification_message", compose_then_wait)
    outcome = []
    sender = in_thread(lambda: notification_send(notification_id=reminder.id), outcome)

    assert composed.wait(timeout=30), outcome
    reschedule(appointment.id, by=timedelta(days=2))  # commits while the sender holds the old text
    go.set()
    sender.join(timeout=30)

    assert outcome == ["dropped"]
    reminder.refresh_from_db()
    assert (reminder.status, reminder.last_error) == (Status.DROPPED, "superseded")
    assert old_time_left(smtp_server, appointment) == []
    monkeypatch.setattr(delivery, "notification_message", compose)
    assert notifications_send_due() == {"sent": 1}
    (moved,) = smtp_server.messages
    assert "moved" in moved["Subject"]
    assert _when(appointment.start + timedelta(days=2)) in moved["Subject"]


@pytest.mark.parametrize("stalling_smtp_server", ["stall_rcpt", "stall_data"], indirect=True)
def test_a_reschedule_arriving_mid_send_waits_until_the_server_has_the_email(on_postgres, stalling_smtp_server):
    sink = stalling_smtp_server
    sink.stall_seconds = 2.0
    appointment, reminder = booked_with_a_due_reminder()
    accepted_at = []
    sent, moved = [], []

    sender = in_thread(lambda: (notification_send(notification_id=reminder.id), accepted_at.append(time.monotonic()))[0], sent)
    assert sink.stalled.wait(timeout=30)
    mover = in_thread(lambda: (reschedule(appointment.id, by=timedelta(days=1)), time.monotonic())[1], moved)
    mover.join(timeout=1.0)
    assert mover.is_alive(), "the reschedule committed while the old time was still being sent"
    sender.join(timeout=30)
    mover.join(timeout=30)

    assert sent == ["sent"]
    (email,) = sink.messages
    assert _when(appointment.start) in email["Subject"]
    # The old time left before the change: the reschedule committed after our COMMIT.
    assert moved[0] > accepted_at[0] - 0.05
    assert Notification.objects.get(appointment=appointment, kind=Notification.Kind.RESCHEDULED).status == Status.PENDING


def test_the_window_between_the_servers_acceptance_and_marking_sent_is_measured(on_postgres, smtp_server, capsys):
    """The one window SMTP cannot close (consultations/notifications/__init__.py): from the server
    having the whole message to our COMMIT of "sent". A worker dying inside it sends that email twice."""
    server_has_it = []
    original = smtp_server.handle_DATA

    async def timed(server, session, envelope):
        reply = await original(server, session, envelope)
        server_has_it.append(time.perf_counter())
        return reply

    smtp_server.handle_DATA = timed
    windows = []
    for _ in range(40):
        _, reminder = booked_with_a_due_reminder()
        assert notification_send(notification_id=reminder.id) == "sent"
        windows.append(time.perf_counter() - server_has_it[-1])

    median, worst = statistics.median(windows) * 1000, max(windows) * 1000
    with capsys.disabled():
        print(f"\nwindow from the server's 250 to the COMMIT of 'sent': median {median:.2f} ms, max {worst:.2f} ms (n=40)")
    assert median < 100
