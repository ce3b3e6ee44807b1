"""A mail server that refuses everything for longer than the old retry schedule, then recovers.

The server is a real aiosmtpd answering 451 to every recipient (tests/conftest.py); the clock is
moved a minute at a time with time-machine and the beat scan runs once a minute, as in
production. Before the capped backoff, five attempts (about 15 minutes) turned an email into
"failed" and nothing sent it again.
"""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from consultations.models import Notification
from consultations.notifications.delivery import notifications_send_due
from consultations.notifications.outbox import appointment_changed
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
Kind = Notification.Kind
Status = Notification.Status
WARNING = "Appointment emails are not going out"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def book(*, start):
    with transaction.atomic():
        appointment = AppointmentFactory(start=start)
        appointment_changed(appointment=appointment, change="booked")
    return appointment


def scan_minutes(clock, minutes, *, each_minute=None):
    """Run the beat scan once a minute for `minutes` minutes, as beat does."""
    for _ in range(minutes):
        if each_minute is not None:
            each_minute()
        notifications_send_due()
        clock.shift(timedelta(minutes=1))


def copies_by_email(sink):
    return Counter((m["To"], m["Subject"].split(":")[0]) for m in sink.messages)


def test_a_30_minute_refusal_delays_emails_but_loses_and_duplicates_none(
    clock, refusing_smtp_server, capsys, caplog
):
    caplog.set_level("DEBUG", logger="consultations")
    sink = refusing_smtp_server
    outage = timedelta(minutes=30)
    appointments = []

    def each_minute():
        elapsed = T0.__class__.now(UTC) - T0
        if elapsed < outage and elapsed.total_seconds() % 180 == 0:
            # A booking every 3 minutes of the outage; its 2 h reminder falls due 10 minutes later.
            appointments.append(book(start=T0.__class__.now(UTC) + timedelta(hours=2, minutes=10)))
        if elapsed == outage:
            sink.mode = "accept"

    scan_minutes(clock, 90, each_minute=each_minute)

    rows = list(Notification.objects.filter(appointment__in=appointments))
    assert len(appointments) == 10 and len(rows) == 20
    assert Counter(n.status for n in rows) == {Status.SENT: 20}, [(n.kind, n.status, n.last_error) for n in rows]
    copies = copies_by_email(sink)
    assert len(copies) == 20 and set(copies.values()) == {1}  # each email once: none lost, none doubled
    assert {to for to, _ in copies} == {a.patient.email for a in appointments}
    late = [n.sent_at - n.due_at for n in rows]
    after_recovery = [n.sent_at - max(n.due_at, T0 + outage) for n in rows]
    assert max(after_recovery) <= timedelta(minutes=5)  # NOTIFICATION_RETRY_MAX_SECONDS
    # Our own log lines name no patient (mail.log is the test server's own).
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("consultations"))
    assert "will retry" in ours
    for appointment in appointments:
        for private in (appointment.patient.email, appointment.patient.last_name):
            assert private not in ours
    assert "Try again later" not in ours
    with capsys.disabled():
        print(
            f"\n30-minute SMTP outage: {len(rows)} emails ({len(rows) // 2} confirmations, "
            f"{len(rows) // 2} reminders), lost 0, duplicated 0; late by up to "
            f"{max(late).total_seconds() / 60:.0f} min (mean {sum(late, timedelta()).total_seconds() / 60 / len(late):.1f}"
            f" min); all sent within {max(after_recovery).total_seconds() / 60:.0f} min of the server's return; "
            f"{sink.rcpt_attempts} delivery attempts"
        )


def test_a_reminder_whose_consultation_started_during_the_outage_is_dropped_and_the_confirmation_sent(
    clock, refusing_smtp_server
):
    sink = refusing_smtp_server
    appointment = book(start=T0 + timedelta(hours=2, minutes=10))  # reminder due T0+10 min, ends T0+2h40

    scan_minutes(clock, 140)  # the server refuses past the start
    sink.mode = "accept"
    scan_minutes(clock, 15)

    confirmation = Notification.objects.get(appointment=appointment, kind=Kind.CONFIRMATION)
    reminder = Notification.objects.get(appointment=appointment, kind=Kind.REMINDER)
    assert (reminder.status, reminder.last_error) == (Status.DROPPED, "started")
    assert confirmation.status == Status.SENT
    assert [m["Subject"].split(":")[0] for m in sink.messages] == ["Your pharmacist consultation is booked"]


def test_staff_see_a_warning_on_admin_pages_while_emails_are_failing(
    clock, refusing_smtp_server, staff_client, pharmacist_user, front_desk
):
    sink = refusing_smtp_server
    book(start=T0 + timedelta(days=2))
    pharmacist, desk = staff_client(pharmacist_user), staff_client(front_desk)
    pages = [reverse("admin:index"), reverse("admin:consultations_notification_changelist")]

    scan_minutes(clock, 20)

    for client in (pharmacist, desk):
        for page in pages:
            text = client.get(page).content.decode()
            assert WARNING in text, page
            assert "1 email waiting to be retried" in text
            assert "SMTPRecipientsRefused 451" in text
    retrying = pharmacist.get(pages[1], {"status": "retrying"})
    assert list(retrying.context["cl"].result_list) == list(Notification.objects.filter(kind=Kind.CONFIRMATION))

    sink.mode = "accept"
    scan_minutes(clock, 6)

    assert Notification.objects.get(kind=Kind.CONFIRMATION).status == Status.SENT
    for page in pages:
        assert WARNING not in pharmacist.get(page).content.decode()

