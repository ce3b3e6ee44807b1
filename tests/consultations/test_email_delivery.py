"""Emails through real Celery worker and beat processes to a real SMTP server.

The workers use the configured broker (Redis in CI) and the test database, so these tests
need committed rows (transactional_db). Each waits for an outcome with a generous deadline;
none asserts how fast anything happened.
"""

import os
import signal
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from icalendar import Calendar

from consultations.calendar import appointment_uid
from consultations.models import Notification
from consultations.notifications.outbox import appointment_changed
from consultations.tasks import send_notification
from tests.conftest import start_beat, start_worker, stop_workers
from tests.factories import AppointmentFactory, ConsultationTypeFactory, PharmacistFactory
from tests.waiting import wait_for
from welltopia.celery import app

Status = Notification.Status



@pytest.fixture
def processes(transactional_db):
    """Starts worker and beat processes on demand and stops every one of them afterwards."""
    app.control.purge()  # nothing left over from an earlier run reaches these workers
    started = []

    class Processes:
        def worker(self, name, env):
            started.append(start_worker(name=f"{name}-{os.getpid()}-{time.monotonic_ns()}", extra_env=env))
            return started[-1]

        def beat(self, name, env, tmp_path):
            started.append(start_beat(name=name, schedule_dir=tmp_path, extra_env=env))
            return started[-1]

    yield Processes()
    stop_workers(started)


def fast_scans(smtp_server, **extra):
    return {**smtp_server.worker_env, "NOTIFICATION_SCAN_SECONDS": "1", **extra}


def test_a_booking_sends_exactly_one_confirmation_with_a_calendar_invite(processes, smtp_server):
    processes.worker("confirm", smtp_server.worker_env)
    with transaction.atomic():
        appointment = AppointmentFactory()
        appointment_changed(appointment=appointment, change="booked")
    confirmation = Notification.objects.get(kind=Notification.Kind.CONFIRMATION)

    assert wait_for(lambda: Notification.objects.get(id=confirmation.id).status == Status.SENT)

    (message,) = smtp_server.messages
    assert message["To"] == appointment.patient.email
    assert message["Subject"].startswith("Your pharmacist consultation is booked")
    (invite,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    calendar = Calendar.from_ical(invite.get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == appointment_uid(appointment)
    assert int(event["SEQUENCE"]) == 0
    # The reminders are not due yet: nothing else went out.
    assert Notification.objects.filter(status=Status.SENT).count() == 1


def due_reminders(count):
    """`count` appointments of one pharmacist, each with a 24 h reminder whose time has passed."""
    pharmacist = PharmacistFactory()
    quick = ConsultationTypeFactory(slug="quick-check-in", duration_minutes=5)
    first = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=3)
    appointments = [
        AppointmentFactory(pharmacist=pharmacist, consultation_type=quick, start=first + timedelta(minutes=5 * i))
        for i in range(count)
    ]
    Notification.objects.bulk_create(
        Notification(
            appointment=appointment,
            kind=Notification.Kind.REMINDER,
            appointment_version=1,
            reminder_offset=timedelta(hours=24),
            due_at=appointment.start - timedelta(hours=24),
        )
        for appointment in appointments
    )
    return appointments


def test_two_workers_and_two_beats_send_200_due_reminders_once_each(processes, smtp_server, tmp_path):
    appointments = due_reminders(200)
    env = fast_scans(smtp_server)

    for name in ("worker-a", "worker-b"):
        processes.worker(name, env)
    for name in ("beat-a", "beat-b"):
        processes.beat(name, env, tmp_path)

    assert wait_for(lambda: Notification.objects.filter(status=Status.SENT).count() == 200, timeout=300)
    recipients = smtp_server.recipients()
    assert len(recipients) == 200
    assert sorted(recipients) == sorted(a.patient.email for a in appointments)
    assert all(n.attempts == 1 for n in Notification.objects.all())


@pytest.mark.parametrize("stalling_smtp_server", ["stall_rcpt", "stall_data"], indirect=True)
def test_a_worker_killed_while_sending_delivers_the_reminder_after_a_restart(
    processes, stalling_smtp_server, tmp_path, request
):
    """The duplicates counted here are the window consultations/notifications/__init__.py
    documents: killed after the server had the whole message (stall_data) gives one duplicate;
    killed before (stall_rcpt) gives none."""
    sink = stalling_smtp_server
    (appointment,) = due_reminders(1)
    reminder = Notification.objects.get()
    first = processes.worker("doomed", sink.worker_env)
    send_notification.delay(reminder.id)

    assert sink.stalled.wait(timeout=120), "the worker never reached the SMTP server"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    assert Notification.objects.get(id=reminder.id).status == Status.SENDING

    env = fast_scans(sink, NOTIFICATION_STALE_CLAIM_SECONDS="3")
    processes.worker("restarted", env)
    processes.beat("beat", env, tmp_path)

    assert wait_for(lambda: Notification.objects.get(id=reminder.id).status == Status.SENT)
    copies = sink.recipients().count(appointment.patient.email)
    duplicates = copies - 1
    print(f"\n{request.node.callspec.id}: copies delivered {copies}, duplicates {duplicates}")
    assert copies >= 1
    expected_duplicates = {"stall_rcpt": 0, "stall_data": 1}[sink.mode]
    assert duplicates == expected_duplicates
    assert Notification.objects.get(id=reminder.id).attempts == 2
