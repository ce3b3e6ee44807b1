"""The scan sends due reminders a batch at a time: one claim per batch, one connection, each row
still sent once, a refusal costing only its own row, and a fixed number of queries per email.

A real SMTP server (aiosmtpd) in this process; PostgreSQL for the concurrent claims. Tests taking
``scan_transactions`` run twice: inside a transaction (the scan then wraps each row in ``atomic``)
and, on PostgreSQL, with committed rows, where the scan sends each row's BEGIN and COMMIT itself
(``delivery._RowTransactions``).
"""

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from consultations.models import Appointment, Notification
from consultations.notifications import delivery
from consultations.notifications.delivery import notifications_claim, notifications_send_due
from consultations.notifications.messages import _when
from tests.conftest import require
from tests.factories import AppointmentFactory, ConsultationTypeFactory, PatientFactory, PharmacistFactory

Status = Notification.Status


@pytest.fixture(params=["atomic", "row_transactions"])
def scan_transactions(request):
    """Both ways a scan wraps each row's UPDATE, send and COMMIT; see the module docstring."""
    if request.param == "atomic":
        request.getfixturevalue("db")
    else:
        request.getfixturevalue("transactional_db")
        require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")
    return request.param


def due_reminders(count, *, now, patients=None):
    """``count`` booked appointments of one pharmacist, each with its 24 h reminder due at ``now``."""
    pharmacist = PharmacistFactory()
    quick = ConsultationTypeFactory(slug=f"quick-{count}-{now.timestamp():.0f}", duration_minutes=5)
    first = now.replace(second=0, microsecond=0) + timedelta(hours=3)
    appointments = []
    for i in range(count):
        fields = {"intake__patient": patients[i]} if patients else {}
        appointments.append(
            AppointmentFactory(
                pharmacist=pharmacist, consultation_type=quick, start=first + timedelta(minutes=5 * i), **fields
            )
        )
    Notification.objects.bulk_create(
        Notification(
            appointment=appointment,
            kind=Notification.Kind.REMINDER,
            appointment_version=1,
            reminder_offset=timedelta(hours=24),
            due_at=now - timedelta(minutes=1),
        )
        for appointment in appointments
    )
    return appointments


# --- One claim, many rows -------------------------------------------------------------------------
def test_a_claim_takes_the_oldest_due_rows_up_to_the_batch_size_and_only_once(db):
    now = timezone.now()
    due_reminders(5, now=now)
    oldest_first = list(Notification.objects.order_by("due_at", "id").values_list("id", flat=True))

    first = notifications_claim(now=now, limit=3)
    second = notifications_claim(now=now, limit=3)

    assert sorted(first) == sorted(oldest_first[:3])
    assert sorted(second) == sorted(oldest_first[3:])
    assert notifications_claim(now=now, limit=3) == []
    assert {(n.status, n.attempts) for n in Notification.objects.all()} == {(Status.SENDING, 1)}


def test_a_batch_of_reminders_reaches_every_patient_once_over_one_connection(scan_transactions, smtp_server):
    now = timezone.now()
    appointments = due_reminders(7, now=now)

    assert notifications_send_due(now=now, batch_size=3) == {"sent": 7}

    assert sorted(smtp_server.recipients()) == sorted(a.patient.email for a in appointments)
    assert {(n.status, n.attempts) for n in Notification.objects.all()} == {(Status.SENT, 1)}


def test_a_batch_mixing_languages_writes_each_patient_in_their_own(scan_transactions, smtp_server):
    now = timezone.now()
    patients = [
        PatientFactory(first_name="Dolores", email="dolores@example.com", language="es"),
        PatientFactory(first_name="Alice", email="alice@example.com", language="en"),
        PatientFactory(first_name="Pilar", email="pilar@example.com", language="es"),
    ]
    due_reminders(3, now=now, patients=patients)

    assert notifications_send_due(now=now) == {"sent": 3}

    subjects = {m["To"]: m["Subject"] for m in smtp_server.messages}
    assert subjects["alice@example.com"].startswith("Reminder")
    for spanish in ("dolores@example.com", "pilar@example.com"):
        assert not subjects[spanish].startswith("Reminder"), subjects[spanish]
    htmls = {m["To"]: m.get_body(("html",)).get_content() for m in smtp_server.messages}
    assert '<html lang="en">' in htmls["alice@example.com"]
    assert '<html lang="es">' in htmls["dolores@example.com"]
    assert '<html lang="es">' in htmls["pilar@example.com"]
    summaries = {m["To"]: calendar_summary(m) for m in smtp_server.messages}
    assert summaries["alice@example.com"] == "Pharmacist consultation – Welltopia"
    assert summaries["dolores@example.com"] == summaries["pilar@example.com"] != summaries["alice@example.com"]


def calendar_summary(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    (event,) = Calendar.from_ical(part.get_content()).walk("VEVENT")
    return str(event["SUMMARY"])


# --- A refusal costs only its own row -------------------------------------------------------------
def refuse_one_mailbox(sink, address, reply="451 4.2.1 Mailbox busy, try again later"):
    original = sink.handle_RCPT

    async def handle_RCPT(server, session, envelope, rcpt, rcpt_options):
        if rcpt == address:
            sink.rcpt_attempts += 1
            return reply
        return await original(server, session, envelope, rcpt, rcpt_options)

    sink.handle_RCPT = handle_RCPT


def test_one_refused_message_leaves_the_others_sent_and_is_sent_on_a_later_scan(scan_transactions, smtp_server, settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    now = timezone.now()
    appointments = due_reminders(5, now=now)
    busy = appointments[2].patient.email
    refuse_one_mailbox(smtp_server, busy)

    assert notifications_send_due(now=now) == {"sent": 4, "retry": 1}

    assert sorted(smtp_server.recipients()) == sorted(a.patient.email for a in appointments if a.patient.email != busy)
    refused = Notification.objects.get(appointment=appointments[2])
    assert (refused.status, refused.last_error) == (Status.PENDING, "SMTPRecipientsRefused 451")
    assert refused.next_attempt_at == now + timedelta(seconds=60)

    assert notifications_send_due(now=now + timedelta(seconds=30)) == {}  # not before its retry time
    del smtp_server.handle_RCPT  # the mailbox takes mail again
    assert notifications_send_due(now=now + timedelta(seconds=60)) == {"sent": 1}

    recipients = smtp_server.recipients()
    assert sorted(recipients) == sorted(a.patient.email for a in appointments)  # each exactly once
    refused.refresh_from_db()
    assert (refused.status, refused.attempts) == (Status.SENT, 2)


def test_a_row_refused_for_good_is_failed_and_its_neighbours_still_go(scan_transactions, smtp_server, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    now = timezone.now()
    appointments = due_reminders(3, now=now)
    refuse_one_mailbox(smtp_server, appointments[0].patient.email, reply="550 5.1.1 No such mailbox")

    assert notifications_send_due(now=now) == {"failed": 1, "sent": 2}
    assert Notification.objects.get(appointment=appointments[0]).status == Status.FAILED
    assert len(smtp_server.messages) == 2


# --- Queries per email ----------------------------------------------------------------------------
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")


def statements_of_a_scan(count, now):
    """The SQL a scan of ``count`` due reminders sends, transaction control left out (the test's
    own transaction turns each of ours into savepoints)."""
    due_reminders(count, now=now)
    with CaptureQueriesContext(connection) as queries:
        assert notifications_send_due(now=now) == {"sent": count}
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]


def test_each_reminder_of_a_batch_costs_one_statement_and_the_scan_four(db, smtp_server):
    """Per email, the UPDATE that re-checks the appointment and marks the row sent; per scan, the
    stale-claim recovery, the batch's claim and read, and the claim that finds nothing left.
    (SQLite adds each transaction's BEGIN IMMEDIATE, sent as a statement; bench/reminders.py counts it.)"""
    now = timezone.now()

    ten = statements_of_a_scan(10, now)

    assert len(ten) == 4 + 10
    assert sum(sql.startswith("SELECT") for sql in ten) == 1  # the batch's one read
    Notification.objects.all().delete()
    assert len(statements_of_a_scan(30, now + timedelta(days=1))) == 4 + 30


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_each_reminder_is_one_query_and_every_transaction_is_closed(on_postgres, smtp_server):
    """Committed rows: each row's BEGIN goes with its UPDATE, and its COMMIT with the next row's
    (the batch's last alone): one round trip to the database per email."""
    now = timezone.now()
    due_reminders(10, now=now)

    with CaptureQueriesContext(connection) as queries:
        assert notifications_send_due(now=now, batch_size=4) == {"sent": 10}

    statements = [q["sql"] for q in queries.captured_queries]
    marking = [i for i, sql in enumerate(statements) if sql.startswith(("BEGIN; UPDATE", "COMMIT; BEGIN; UPDATE"))]
    # Batches of 4, 4 and 2: each row's BEGIN goes with its UPDATE, and the COMMIT before it is the last row's.
    assert [statements[i].split(" UPDATE ")[0] for i in marking] == (
        ["BEGIN;"] + ["COMMIT; BEGIN;"] * 3 + ["BEGIN;"] + ["COMMIT; BEGIN;"] * 3 + ["BEGIN;", "COMMIT; BEGIN;"]
    )
    # The last row of a batch is committed alone, at once.
    assert [statements[i + 1] for i in marking if not statements[i + 1].startswith("COMMIT; BEGIN;")] == ["COMMIT"] * 3
    assert connection.connection.info.transaction_status == 0  # idle: nothing left open
    assert {(n.status, n.attempts) for n in Notification.objects.all()} == {(Status.SENT, 1)}


@pytest.mark.django_db(transaction=True)
def test_a_reminder_moved_after_the_claim_is_dropped_and_the_rest_of_its_batch_goes(on_postgres, smtp_server):
    now = timezone.now()
    appointments = due_reminders(3, now=now)
    read = delivery._with_what_the_message_reads

    def read_then_move_the_middle_one(ids):
        batch = read(ids)
        # A reschedule commits between the batch's read and its sending.
        Appointment.objects.filter(pk=appointments[1].pk).update(version=2)
        return batch

    delivery._with_what_the_message_reads = read_then_move_the_middle_one
    try:
        assert notifications_send_due(now=now) == {"sent": 2, "dropped": 1}
    finally:
        delivery._with_what_the_message_reads = read

    moved = Notification.objects.get(appointment=appointments[1])
    assert (moved.status, moved.last_error) == (Status.DROPPED, "superseded")
    assert sorted(smtp_server.recipients()) == sorted([appointments[0].patient.email, appointments[2].patient.email])
    assert connection.connection.info.transaction_status == 0


@pytest.mark.django_db(transaction=True)
def test_a_scan_out_of_time_keeps_what_it_sent_and_hands_back_the_rest(on_postgres, smtp_server, monkeypatch):
    now = timezone.now()
    due_reminders(4, now=now)
    # The scan's clock: its start, the first row's check, then an hour later for every other check.
    clock = iter([now, now])
    monkeypatch.setattr(delivery, "timezone", SimpleNamespace(now=lambda: next(clock, now + timedelta(hours=1))))

    assert notifications_send_due(now=now, time_budget=60) == {"sent": 1}

    assert len(smtp_server.messages) == 1
    assert sorted((n.status, n.attempts) for n in Notification.objects.all()) == [
        (Status.PENDING, 0), (Status.PENDING, 0), (Status.PENDING, 0), (Status.SENT, 1),
    ]
    assert connection.connection.info.transaction_status == 0


@pytest.mark.django_db(transaction=True)
def test_in_a_scan_a_reschedule_arriving_mid_send_waits_until_the_server_has_the_email(
    on_postgres, stalling_smtp_server
):
    sink = stalling_smtp_server
    sink.stall_seconds = 2.0
    now = timezone.now()
    first, second = due_reminders(2, now=now)
    sent, moved = [], []

    scan_started = threading.Event()
    scan = in_thread(lambda: notifications_send_due(), sent, scan_started)
    scan_started.set()
    assert sink.stalled.wait(timeout=30)

    def move_the_first():
        with transaction.atomic():
            appointment = Appointment.objects.select_for_update(of=("self",)).get(pk=first.pk)
            appointment.version += 1
            appointment.save(update_fields=["version"])
        return "moved"

    mover = in_thread(move_the_first, moved, scan_started)
    mover.join(timeout=1.0)
    assert mover.is_alive(), "the appointment changed while its email was with the server"
    scan.join(timeout=30)
    mover.join(timeout=30)

    assert sent == [{"sent": 2}] and moved == ["moved"]
    assert sorted(sink.recipients()) == sorted([first.patient.email, second.patient.email])
    (old_time,) = [m for m in sink.messages if m["To"] == first.patient.email]
    assert _when(first.start) in old_time["Subject"]
    assert Notification.objects.get(appointment=first).status == Status.SENT


# --- Two senders at once (PostgreSQL) -------------------------------------------------------------
def in_thread(target, results, start):
    def run():
        try:
            start.wait(timeout=30)
            results.append(target())
        except Exception as error:  # shown by the assertions
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_rows_another_open_claim_holds_instead_of_taking_them(on_postgres):
    now = timezone.now()
    due_reminders(6, now=now)
    holding, release, taken_by_other = threading.Event(), threading.Event(), []

    def hold_a_claim_open():
        with transaction.atomic():
            mine = notifications_claim(now=now, limit=3)
            holding.set()
            assert release.wait(timeout=30)
        return mine

    now_on = threading.Event()
    now_on.set()
    results = []
    first = in_thread(hold_a_claim_open, results, now_on)
    assert holding.wait(timeout=30)
    other = in_thread(lambda: notifications_claim(now=now, limit=6), taken_by_other, now_on)
    other.join(timeout=30)
    # Without SKIP LOCKED the second claim would wait here for the first one's rows.
    assert not other.is_alive(), "the second claim waited for the rows the first one holds"
    release.set()
    first.join(timeout=30)

    (mine,), (theirs,) = results, taken_by_other
    assert len(mine) == 3 and len(theirs) == 3
    assert not set(mine) & set(theirs)
    assert Notification.objects.filter(status=Status.SENDING, attempts=1).count() == 6


@pytest.mark.django_db(transaction=True)
def test_two_scans_sending_at_once_send_every_reminder_exactly_once(on_postgres, smtp_server):
    now = timezone.now()
    appointments = due_reminders(60, now=now)
    results, go = [], threading.Event()

    scans = [in_thread(lambda: notifications_send_due(batch_size=5), results, go) for _ in range(2)]
    go.set()
    for scan in scans:
        scan.join(timeout=120)

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(r.get("sent", 0) for r in results) == 60
    assert all(set(r) <= {"sent"} for r in results), results
    assert sorted(smtp_server.recipients()) == sorted(a.patient.email for a in appointments)
    assert {(n.status, n.attempts) for n in Notification.objects.all()} == {(Status.SENT, 1)}


@pytest.mark.django_db(transaction=True)
def test_with_server_side_binding_each_row_keeps_a_transaction_of_its_own(on_postgres, smtp_server, monkeypatch):
    """A prepared statement holds one command, so "COMMIT; BEGIN; UPDATE …" cannot go as one:
    the scan sends BEGIN, UPDATE and COMMIT apart, as ``atomic`` does."""
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {**connection.settings_dict["OPTIONS"], "server_side_binding": True})
    now = timezone.now()
    due_reminders(3, now=now)

    with CaptureQueriesContext(connection) as queries:
        assert notifications_send_due(now=now) == {"sent": 3}

    assert not [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("BEGIN;", "COMMIT;"))]
    assert {(n.status, n.attempts) for n in Notification.objects.all()} == {(Status.SENT, 1)}
