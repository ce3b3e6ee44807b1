"""The outbox: what is written with each change, what is sent, dropped, retried or failed.

Sending goes to a real SMTP server (aiosmtpd) in this process; time is passed as `now`.
"""

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from icalendar import Calendar
from kombu.exceptions import OperationalError

from consultations import tasks
from consultations.models import Appointment, Notification
from consultations.notifications.delivery import notification_send, notifications_send_due
from consultations.notifications.outbox import appointment_changed, notification_retry
from patients.models import Intake, ScreeningFlag
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)
CHICAGO = ZoneInfo("America/Chicago")
Kind = Notification.Kind
Status = Notification.Status


def book(now=NOW, **fields):
    with transaction.atomic():
        appointment = AppointmentFactory(start=fields.pop("start", START), **fields)
        appointment_changed(appointment=appointment, change="booked", now=now)
    return appointment


def reschedule(appointment, *, start, now=NOW):
    with transaction.atomic():
        moved_from = appointment.start
        appointment.start, appointment.end = start, start + (appointment.end - appointment.start)
        appointment.blocked_until = appointment.end
        appointment.version += 1
        appointment.save()
        appointment_changed(appointment=appointment, change="rescheduled", now=now, moved_from=moved_from)


def cancel(appointment, *, now=NOW):
    with transaction.atomic():
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.version += 1
        appointment.save()
        appointment_changed(appointment=appointment, change="cancelled", now=now)


def ics_of(message):
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return part, Calendar.from_ical(part.get_content())


def rows(appointment, **filters):
    return list(Notification.objects.filter(appointment=appointment, **filters).order_by("due_at"))


# --- Writing the outbox ---------------------------------------------------------------------------
def test_a_booking_writes_a_confirmation_now_and_reminders_24_and_2_hours_before(db):
    appointment = book()

    written = [(n.kind, n.due_at, n.appointment_version) for n in rows(appointment)]
    assert written == [
        (Kind.CONFIRMATION, NOW, 1),
        (Kind.REMINDER, START - timedelta(hours=24), 1),
        (Kind.REMINDER, START - timedelta(hours=2), 1),
    ]


def test_the_confirmation_is_queued_only_after_the_booking_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        book()
    # One task for the confirmation; reminders wait for the scan, never an ETA task.
    assert len(callbacks) == 1


class RecordedTask:
    def __init__(self, error=None):
        self.queued, self.error = [], error

    def delay(self, notification_id):
        if self.error:
            raise self.error
        self.queued.append(notification_id)


def test_after_commit_the_send_task_is_queued_with_the_row_s_id(db, django_capture_on_commit_callbacks, monkeypatch):
    task = RecordedTask()
    monkeypatch.setattr(tasks, "send_notification", task)  # the outbox reaches it through apps.py's signal
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book()

    assert task.queued == [n.id for n in rows(appointment, kind=Kind.CONFIRMATION)]


def test_a_broker_that_is_down_leaves_the_booking_and_its_email_to_the_scan(
    db, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    monkeypatch.setattr(tasks, "send_notification", RecordedTask(OperationalError("Error 111 connecting")))
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book()

    assert Appointment.objects.filter(pk=appointment.pk).exists()
    assert [n.status for n in rows(appointment, kind=Kind.CONFIRMATION)] == [Status.PENDING]
    assert "on_commit" in caplog.text  # logged by on_commit(robust=True), as in production


def test_a_rolled_back_booking_leaves_no_email_behind(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        appointment_changed(appointment=AppointmentFactory(start=START), change="booked", now=NOW)
        raise RuntimeError("the booking failed after the outbox was written")

    assert Notification.objects.count() == 0


def test_reminders_whose_time_has_passed_at_booking_are_not_written(db):
    appointment = book(start=NOW + timedelta(hours=5))

    assert [n.reminder_offset for n in rows(appointment, kind=Kind.REMINDER)] == [timedelta(hours=2)]


def test_reminder_offsets_come_from_settings(db, settings):
    settings.REMINDER_OFFSETS = [timedelta(hours=48)]
    appointment = book()

    assert [n.due_at for n in rows(appointment, kind=Kind.REMINDER)] == [START - timedelta(hours=48)]


def test_announcing_the_same_version_twice_writes_nothing_more(db):
    appointment = book()
    with transaction.atomic():
        appointment_changed(appointment=appointment, change="booked", now=NOW)

    assert len(rows(appointment)) == 3


def test_a_reminder_for_the_morning_after_fall_back_is_due_24_real_hours_before(db, smtp_server):
    # 2026-11-01: clocks in Chicago fall back from 2:00 CDT to 1:00 CST.
    start = datetime(2026, 11, 1, 9, 0, tzinfo=CHICAGO)
    appointment = book(now=datetime(2026, 10, 20, tzinfo=UTC), start=start)
    (day_before,) = rows(appointment, reminder_offset=timedelta(hours=24))

    assert start.astimezone(UTC) - day_before.due_at == timedelta(hours=24)
    # 24 real hours before 9:00 CST is 10:00 CDT on the wall clock.
    assert day_before.due_at.astimezone(CHICAGO).hour == 10
    assert notification_send(notification_id=day_before.id, now=day_before.due_at - timedelta(seconds=1)) == "not_claimed"
    assert notification_send(notification_id=day_before.id, now=day_before.due_at) == "sent"
    assert "9:00 AM CST" in smtp_server.messages[0]["Subject"]


# --- Sending --------------------------------------------------------------------------------------
def test_the_confirmation_reaches_the_patient_with_time_mode_phone_link_and_invite(db, smtp_server, settings):
    appointment = book(mode=Appointment.Mode.IN_PERSON)

    assert notifications_send_due(now=NOW) == {"sent": 1}

    (message,) = smtp_server.messages
    assert message["To"] == appointment.patient.email
    assert "Friday, December 4, 2026 at 9:00 AM CST" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "9:00 AM CST" in body
        assert "2400 University Avenue" in body
        assert "(608) 555-0142" in body
        assert appointment.pharmacist.display_name in body
        assert f"{settings.SITE_URL}/appointments/{appointment.manage_token}/" in body
    part, calendar = ics_of(message)
    assert part.get_param("method") == "REQUEST"
    assert str(calendar["METHOD"]) == "REQUEST"
    assert Notification.objects.get(kind=Kind.CONFIRMATION).status == Status.SENT


def test_a_row_sent_once_is_never_sent_again(db, smtp_server):
    book()
    (confirmation,) = Notification.objects.filter(kind=Kind.CONFIRMATION)

    outcomes = [notification_send(notification_id=confirmation.id, now=NOW) for _ in range(3)]

    assert outcomes == ["sent", "not_claimed", "not_claimed"]
    assert len(smtp_server.messages) == 1


def test_reschedule_drops_old_reminders_and_the_invite_keeps_its_uid_with_a_higher_sequence(db, smtp_server):
    appointment = book()
    notifications_send_due(now=NOW)
    new_start = START + timedelta(days=2, hours=3)

    reschedule(appointment, start=new_start, now=NOW + timedelta(minutes=5))

    assert {n.status for n in rows(appointment, appointment_version=1, kind=Kind.REMINDER)} == {Status.DROPPED}
    assert [n.due_at for n in rows(appointment, appointment_version=2, kind=Kind.REMINDER)] == [
        new_start - timedelta(hours=24),
        new_start - timedelta(hours=2),
    ]
    notifications_send_due(now=NOW + timedelta(minutes=5))
    confirmation, moved = smtp_server.messages
    _, first_invite = ics_of(confirmation)
    _, moved_invite = ics_of(moved)
    (first_event,), (moved_event,) = first_invite.walk("VEVENT"), moved_invite.walk("VEVENT")
    assert str(moved_event["UID"]) == str(first_event["UID"])
    assert int(moved_event["SEQUENCE"]) > int(first_event["SEQUENCE"])
    assert moved_event.decoded("DTSTART") == new_start
    assert "moved" in moved["Subject"]


def test_a_reminder_written_before_a_reschedule_is_not_sent_at_its_old_time(db, smtp_server):
    appointment = book()
    (old_reminder,) = rows(appointment, reminder_offset=timedelta(hours=24))
    reschedule(appointment, start=START + timedelta(days=5))

    # Even if something hands the old row back to pending, the send-time check refuses it.
    Notification.objects.filter(id=old_reminder.id).update(status=Status.PENDING)
    assert notification_send(notification_id=old_reminder.id, now=old_reminder.due_at) == "dropped"
    assert not [m for m in smtp_server.messages if "Reminder" in m["Subject"]]


def test_after_a_cancellation_no_reminder_is_sent(db, smtp_server):
    appointment = book()
    cancel(appointment, now=NOW + timedelta(hours=1))

    for hours in (1, 48, 71, 72):
        notifications_send_due(now=NOW + timedelta(hours=hours))

    subjects = [m["Subject"] for m in smtp_server.messages]
    assert subjects == ["Your pharmacist consultation is cancelled"]
    _, calendar = ics_of(smtp_server.messages[0])
    assert str(calendar["METHOD"]) == "CANCEL"
    assert {n.status for n in rows(appointment, kind=Kind.REMINDER)} == {Status.DROPPED}


def test_after_an_outage_the_24_hour_reminder_still_goes_while_the_appointment_is_ahead(db, smtp_server):
    appointment = book()
    notifications_send_due(now=NOW)

    # The scan was down from before the 24 h mark until 5 hours before the start.
    assert notifications_send_due(now=START - timedelta(hours=5)) == {"sent": 1}
    (reminder,) = [m for m in smtp_server.messages if m["Subject"].startswith("Reminder")]
    assert reminder["To"] == appointment.patient.email


def test_after_a_long_outage_only_the_nearest_reminder_goes(db, smtp_server):
    book()
    notifications_send_due(now=NOW)

    assert notifications_send_due(now=START - timedelta(hours=1)) == {"dropped": 1, "sent": 1}
    assert Notification.objects.get(reminder_offset=timedelta(hours=24)).last_error == "later_reminder_due"


def test_a_reminder_whose_appointment_has_started_is_skipped(db, smtp_server):
    book()
    notifications_send_due(now=NOW)

    notifications_send_due(now=START + timedelta(minutes=1))

    assert len(smtp_server.messages) == 1  # the confirmation only
    assert {n.last_error for n in Notification.objects.filter(kind=Kind.REMINDER)} == {"started"}


def test_a_server_answering_4xx_is_retried_with_a_capped_backoff_and_never_given_up_on(
    db, refusing_smtp_server, settings
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 5
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 300
    book()
    confirmation = Notification.objects.get(kind=Kind.CONFIRMATION)
    moment, waits = NOW, []

    for attempt in range(1, 9):
        assert notifications_send_due(now=moment) == {"retry": 1}
        confirmation.refresh_from_db()
        assert (confirmation.attempts, confirmation.status) == (attempt, Status.PENDING)
        assert notifications_send_due(now=confirmation.next_attempt_at - timedelta(seconds=1)) == {}
        waits.append(confirmation.next_attempt_at - moment)
        moment = confirmation.next_attempt_at

    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 5, 5, 5, 5, 5)]
    assert confirmation.last_error == "SMTPRecipientsRefused 451"
    refusing_smtp_server.mode = "accept"
    assert notifications_send_due(now=moment) == {"sent": 1}
    assert refusing_smtp_server.rcpt_attempts == 9
    assert len(refusing_smtp_server.messages) == 1


def refuse_mailbox(sink):
    """The server says the mailbox does not exist (550): a refusal no retry mends."""

    async def handle_RCPT(server, session, envelope, address, rcpt_options):
        sink.rcpt_attempts += 1
        return "550 5.1.1 No such mailbox"

    sink.handle_RCPT = handle_RCPT


def test_a_mailbox_the_server_refuses_permanently_is_marked_failed_for_staff(db, smtp_server, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    refuse_mailbox(smtp_server)
    book()
    confirmation = Notification.objects.get(kind=Kind.CONFIRMATION)

    outcomes = [notifications_send_due(now=NOW + timedelta(hours=hour)) for hour in range(5)]

    assert outcomes == [{"retry": 1}, {"retry": 1}, {"failed": 1}, {}, {}]
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.last_error) == (Status.FAILED, "SMTPRecipientsRefused 550")
    assert smtp_server.rcpt_attempts == 3


def test_staff_can_retry_a_failed_email_and_it_is_sent(db, smtp_server, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    refuse_mailbox(smtp_server)
    book()
    confirmation = Notification.objects.get(kind=Kind.CONFIRMATION)
    assert notifications_send_due(now=NOW) == {"failed": 1}
    del smtp_server.handle_RCPT  # the address was corrected at the other end

    assert notification_retry(notification=confirmation) is True
    assert confirmation.status == Status.PENDING and confirmation.attempts == 0
    assert notifications_send_due(now=NOW + timedelta(minutes=1)) == {"sent": 1}
    assert len(smtp_server.messages) == 1
    assert notification_retry(notification=confirmation) is False  # only failed rows


def test_an_unreachable_mail_server_is_retried_not_crashed_on(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on discard
    settings.EMAIL_TIMEOUT = 5
    book()

    assert notifications_send_due(now=NOW) == {"retry": 1}
    assert Notification.objects.get(kind=Kind.CONFIRMATION).last_error == "ConnectionRefusedError"


def test_a_claim_left_by_a_dead_worker_is_sent_after_the_stale_timeout(db, smtp_server, settings):
    settings.NOTIFICATION_STALE_CLAIM_SECONDS = 600
    book()
    confirmation = Notification.objects.get(kind=Kind.CONFIRMATION)
    Notification.objects.filter(id=confirmation.id).update(status=Status.SENDING, claimed_at=NOW, attempts=1)

    assert notifications_send_due(now=NOW + timedelta(minutes=9)) == {}
    assert notifications_send_due(now=NOW + timedelta(minutes=11)) == {"sent": 1}
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (Status.SENT, 2)


# --- Nothing clinical -----------------------------------------------------------------------------
SENTINEL = "ZQX-SENTINEL-9471"


def test_nothing_typed_into_a_clinical_field_reaches_an_email_attachment_header_or_log(
    db, smtp_server, caplog
):
    caplog.set_level(logging.DEBUG)
    intake = IntakeFactory(
        pregnancy_status=SENTINEL,
        conditions=[SENTINEL],
        condition_other=SENTINEL,
        allergies=SENTINEL,
        takes_no_medications=False,
        has_ldn_prescription=True,
        prescriber_name=SENTINEL,
        prescriber_clinic=SENTINEL,
        prescriber_phone=SENTINEL,
        screening_outcome=Intake.Outcome.CONTRAINDICATION,
        screening_rules_version=SENTINEL[:20],
        review_notes=SENTINEL,
        override_reason=SENTINEL,
    )
    medication = MedicationEntryFactory(intake=intake, text=SENTINEL, dose=SENTINEL, frequency=SENTINEL)
    ScreeningFlag.objects.create(
        intake=intake, medication=medication, code=SENTINEL, severity="contraindication",
        matched=SENTINEL, ingredient=SENTINEL, explanation=SENTINEL, rules_version=SENTINEL[:20],
    )
    appointment = book(intake=intake, mode=Appointment.Mode.IN_PERSON)
    notifications_send_due(now=NOW)
    reschedule(appointment, start=START + timedelta(days=1))
    notifications_send_due(now=START + timedelta(minutes=1))  # the new 24 h reminder
    cancel(appointment, now=START + timedelta(hours=1))
    notifications_send_due(now=START + timedelta(hours=1))

    assert [m["Subject"].split(":")[0] for m in smtp_server.messages] == [
        "Your pharmacist consultation is booked",
        "Your pharmacist consultation has moved",
        "Reminder",
        "Your pharmacist consultation is cancelled",
    ]
    for message in smtp_server.messages:
        assert SENTINEL not in message.as_string()
        for part in message.walk():
            if not part.is_multipart():
                assert SENTINEL not in part.get_payload(decode=True).decode()
        for header, value in message.items():
            assert SENTINEL not in f"{header}: {value}"
    assert caplog.records, "the sends were logged"
    for record in caplog.records:
        assert SENTINEL not in record.getMessage()
    assert SENTINEL not in caplog.text
    for row in Notification.objects.all():
        assert SENTINEL not in row.last_error
