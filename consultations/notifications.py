"""Appointment emails: written to an outbox with the change, claimed once, sent, recorded.

How an email travels
--------------------
1. A booking service changes an appointment (raising its version) and, inside the same
   transaction, calls ``appointment_changed``. That writes ``Notification`` rows: the notice
   that is due now and, for a booked or moved appointment, one reminder per offset in
   ``settings.REMINDER_OFFSETS``. If the transaction rolls back, no email exists.
2. After commit, ``send_notification`` is queued for the rows due now (speed). The beat scan,
   ``send_due_notifications`` every ``NOTIFICATION_SCAN_SECONDS``, sends every row that is due:
   reminders (never scheduled as ETA tasks), retries, and anything whose task was lost.
3. ``notification_send`` claims a row with one conditional UPDATE (pending and due → sending);
   only the caller whose UPDATE changed the row sends it, so two workers or two scans never
   send one row twice. It then checks the appointment is still in the state and version the
   row was written for, renders the templates and sends through the configured backend.

When the mail server is down
----------------------------
A failed send goes back to pending and is tried again after a backoff that doubles from
``NOTIFICATION_RETRY_BASE_SECONDS`` up to ``NOTIFICATION_RETRY_MAX_SECONDS``, for as long as
the email is still useful: an outage of any length costs lateness, not emails. The send-time
check decides usefulness: a reminder whose consultation has started is dropped ("started"),
a confirmation or reschedule notice goes however late until the consultation has ended, and a
cancellation notice always goes. Only a refusal the server calls permanent for the recipient
(5xx to RCPT, e.g. no such mailbox) ends as "failed" after ``NOTIFICATION_MAX_ATTEMPTS``.
Staff see a warning on every admin page while rows wait for a retry (``outbox_trouble``).

A change while an email is being sent
-------------------------------------
The message is composed from the appointment as read after the claim; then, in one
transaction, the appointment row is locked (``FOR NO KEY UPDATE``), its version and status are
checked again, the message goes to SMTP and the row is marked sent. Every booking service
changes an appointment under ``SELECT … FOR UPDATE`` of the same row, so a reschedule either
committed before the re-check (the email is dropped as "superseded") or waits until the mail
server has accepted the message and our COMMIT is done: an email describing an appointment
never leaves after the appointment changed. The cost is that a reschedule or cancellation of
that one appointment can wait for one SMTP exchange (``EMAIL_TIMEOUT`` per reply at worst).
On SQLite (laptops) the transaction holds the database's write lock for that exchange.

The remaining duplicate window
------------------------------
A row is marked sent in the transaction that handed the message to the mail server. A worker
that dies, or a COMMIT that fails, after the server accepted the message (its 250 to DATA)
leaves the row "sending"; after ``NOTIFICATION_STALE_CLAIM_SECONDS`` the scan hands it back to
pending and the send-time checks run again — it is sent a second time if the appointment is
unchanged, dropped as "superseded" if it changed meanwhile. That window is the 250's trip back
to us plus one UPDATE and one COMMIT: 1.2 ms median, 11 ms worst of 40 sends on a local
PostgreSQL (``tests/reliability/test_send_during_reschedule.py``). Closing it would need the mail server
to take part in our transaction, which SMTP cannot do; we chose at-least-once over
at-most-once because a lost reminder costs a missed consultation and a duplicate costs a
second email.

Nothing clinical is read here: only the appointment's time, mode, place, the pharmacy's phone,
the manage link and the patient's name and address.
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.mime.text import MIMEText
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.template.loader import render_to_string
from django.utils import timezone

from .calendar import CANCEL, REQUEST, appointment_ics, appointment_manage_url, appointment_place
from .models import Appointment, Notification

logger = logging.getLogger(__name__)

CHANGES = {
    "booked": Notification.Kind.CONFIRMATION,
    "rescheduled": Notification.Kind.RESCHEDULED,
    "cancelled": Notification.Kind.CANCELLED,
}
TEMPLATE_NAMES = {
    Notification.Kind.CONFIRMATION: "appointment-confirmation",
    Notification.Kind.RESCHEDULED: "appointment-rescheduled",
    Notification.Kind.CANCELLED: "appointment-cancelled",
    Notification.Kind.REMINDER: "appointment-reminder",
}
# Why a row was dropped, in the words the outbox admin shows staff.
DROP_REASONS = {
    "superseded": "The appointment was moved or changed after this email was written",
    "cancelled": "The appointment was cancelled",
    "appointment_status": "The appointment is no longer booked",
    "started": "The consultation had started before the reminder could be sent",
    "later_reminder_due": "A later reminder was due, so only that one was sent",
    "ended": "The consultation was over before the email could be sent",
}
MODE_WORDS = {
    Appointment.Mode.IN_PERSON: "In person at the pharmacy",
    Appointment.Mode.PHONE: "By phone – your pharmacist will call you",
    Appointment.Mode.VIDEO: "By video – your pharmacist will send you the link",
}


# --- Writing the outbox ---------------------------------------------------------------------------
def appointment_changed(*, appointment: Appointment, change: str, now: datetime | None = None) -> list[int]:
    """Write the emails a change announces; call inside the transaction that saved the change.

    ``change`` is "booked", "rescheduled" or "cancelled"; ``appointment`` carries its new
    version. Returns the ids of the rows due now, which are queued for sending after commit.
    Calling it twice for one version writes nothing more.
    """
    if change not in CHANGES:
        raise ValueError(f"change must be one of {sorted(CHANGES)}, not {change!r}")
    now = now or timezone.now()
    version = appointment.version

    pending = Notification.objects.filter(appointment=appointment, status=Notification.Status.PENDING)
    if change == "rescheduled":
        pending.filter(appointment_version__lt=version).update(
            status=Notification.Status.DROPPED, last_error="superseded"
        )
    elif change == "cancelled":
        pending.exclude(kind=Notification.Kind.CANCELLED).update(
            status=Notification.Status.DROPPED, last_error="cancelled"
        )

    rows = [
        Notification(appointment=appointment, kind=CHANGES[change], appointment_version=version, due_at=now)
    ]
    if change != "cancelled":
        for offset in settings.REMINDER_OFFSETS:
            # In UTC: Python subtracts wall-clock time within one zone, so a start in
            # America/Chicago minus 24 h would be 25 real hours before it after a fall-back.
            due_at = appointment.start.astimezone(UTC) - offset
            if due_at > now:
                rows.append(
                    Notification(
                        appointment=appointment,
                        kind=Notification.Kind.REMINDER,
                        appointment_version=version,
                        reminder_offset=offset,
                        due_at=due_at,
                    )
                )
    # A repeated call meets the unique constraints and is ignored rather than failing the booking.
    Notification.objects.bulk_create(rows, ignore_conflicts=True)

    due_now = list(
        Notification.objects.filter(
            appointment=appointment,
            appointment_version=version,
            status=Notification.Status.PENDING,
            due_at__lte=now,
        ).values_list("id", flat=True)
    )
    for notification_id in due_now:
        transaction.on_commit(lambda nid=notification_id: _enqueue(nid), robust=True)
    return due_now


def _enqueue(notification_id: int) -> None:
    # Imported here: tasks import this module. If the broker is down, the beat scan sends it.
    from .tasks import send_notification

    send_notification.delay(notification_id)


# --- Sending --------------------------------------------------------------------------------------
def _due(now: datetime) -> Q:
    return Q(status=Notification.Status.PENDING, due_at__lte=now) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def notification_claim(*, notification_id: int, now: datetime | None = None) -> bool:
    """Take a due row for sending. True for exactly one caller, however many try at once."""
    now = now or timezone.now()
    claimed = (
        Notification.objects.filter(_due(now), id=notification_id)
        .update(status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    return claimed == 1


def _stale_reason(notification: Notification, now: datetime) -> str:
    """Why this row must not be sent any more, or "" when it still should be."""
    appointment = notification.appointment
    expected_status = (
        Appointment.Status.CANCELLED
        if notification.kind == Notification.Kind.CANCELLED
        else Appointment.Status.BOOKED
    )
    if appointment.version != notification.appointment_version:
        return "superseded"
    if appointment.status != expected_status:
        return "appointment_status"
    if notification.kind == Notification.Kind.REMINDER:
        if now >= appointment.start:
            return "started"
        # After an outage the 24 h and 2 h reminders can both be due: send only the nearest.
        for offset in settings.REMINDER_OFFSETS:
            if offset < notification.reminder_offset and now >= appointment.start.astimezone(UTC) - offset:
                return "later_reminder_due"
    elif notification.kind != Notification.Kind.CANCELLED and now >= appointment.end:
        return "ended"
    return ""


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _when(moment: datetime) -> str:
    """e.g. "Tuesday, November 3, 2026 at 9:00 AM CST" in the pharmacy's zone."""
    local = _local(moment)
    return f"{local:%A, %B} {local.day}, {local.year} at {local.hour % 12 or 12}:{local:%M %p} {local.tzname()}"


def notification_message(*, notification: Notification, connection=None) -> EmailMultiAlternatives:
    """The email for a row: text and HTML from templates, the .ics attached."""
    appointment = notification.appointment
    name = TEMPLATE_NAMES[notification.kind]
    local_end = _local(appointment.end)
    context = {
        "first_name": appointment.patient.first_name,
        "when": _when(appointment.start),
        "until": f"{local_end.hour % 12 or 12}:{local_end:%M %p} {local_end.tzname()}",
        "mode": MODE_WORDS.get(appointment.mode, ""),
        "place": appointment_place(appointment),
        "in_person": appointment.mode == Appointment.Mode.IN_PERSON,
        "pharmacy_name": appointment.location.name,
        "pharmacy_phone": appointment.location.phone,
        "manage_url": appointment_manage_url(appointment),
        "cancelled": notification.kind == Notification.Kind.CANCELLED,
    }
    subject = " ".join(render_to_string(f"emails/{name}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{name}-body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[appointment.patient.email],
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"emails/{name}-body.html", context), "text/html")
    method = CANCEL if notification.kind == Notification.Kind.CANCELLED else REQUEST
    invite = MIMEText(appointment_ics(appointment=appointment, method=method).decode(), "calendar", "utf-8")
    invite.set_param("method", method)
    invite.add_header("Content-Disposition", "attachment", filename="appointment.ics")
    message.attach(invite)
    return message


def _retry_delay(attempts: int) -> timedelta:
    # Capped: after an outage every waiting row is tried again within one cap of the recovery.
    seconds = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** min(max(attempts - 1, 0), 30)
    return timedelta(seconds=min(seconds, settings.NOTIFICATION_RETRY_MAX_SECONDS))


def _is_permanent(error: Exception) -> bool:
    """A refusal no retry can mend: the server answered 5xx for every recipient (no such mailbox).

    Everything else — 4xx, a closed port, a timeout, even a 5xx to the sender or the login,
    which is our configuration and fails every email alike — is an outage, retried until the
    email stops being useful.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    return False


def _drop(notification: Notification, reason: str) -> str:
    Notification.objects.filter(id=notification.id).update(status=Notification.Status.DROPPED, last_error=reason)
    logger.info("notification %s (%s) dropped: %s", notification.id, notification.kind, reason)
    return "dropped"


def _record_failure(notification: Notification, error: Exception, now: datetime) -> str:
    # Only the class and code: a server's message can quote the recipient's address.
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        code = codes[0] if len(codes) == 1 else None
    last_error = f"{type(error).__name__} {code}" if code else type(error).__name__
    if _is_permanent(error) and notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        Notification.objects.filter(id=notification.id).update(
            status=Notification.Status.FAILED, last_error=last_error
        )
        logger.warning(
            "notification %s (%s) refused permanently after %s attempts: %s",
            notification.id, notification.kind, notification.attempts, last_error,
        )
        return "failed"
    Notification.objects.filter(id=notification.id).update(
        status=Notification.Status.PENDING,
        next_attempt_at=now + _retry_delay(notification.attempts),
        last_error=last_error,
    )
    logger.info(
        "notification %s (%s) attempt %s failed, will retry: %s",
        notification.id, notification.kind, notification.attempts, last_error,
    )
    return "retry"


def notification_send(*, notification_id: int, now: datetime | None = None, connection=None) -> str:
    """Claim one row and send it. Returns what happened: "sent", "dropped", "retry", "failed",
    or "not_claimed" (not due, or another worker has it, or already done — nothing was sent).

    Any exception from the backend is caught and recorded (see "When the mail server is
    down" above): the row goes back to pending with a capped backoff, or, refused
    permanently NOTIFICATION_MAX_ATTEMPTS times, is marked failed for staff.
    """
    now = now or timezone.now()
    if not notification_claim(notification_id=notification_id, now=now):
        return "not_claimed"
    notification = Notification.objects.select_related(
        "appointment__patient", "appointment__location"
    ).get(id=notification_id)

    reason = _stale_reason(notification, now)
    if reason:
        return _drop(notification, reason)

    own_connection = connection is None
    if own_connection:
        # Connect before taking the lock below, so a slow server's greeting holds nobody up.
        connection = get_connection()
        _open_quietly(connection)
    try:
        try:
            message = notification_message(notification=notification, connection=connection)
        except Exception as error:  # a template or data fault: recorded and retried like an outage
            return _record_failure(notification, error, now)
        with transaction.atomic():
            # The booking services change an appointment only under this row's lock, so while we
            # hold it the time in `message` stays the appointment's time until our COMMIT. A
            # reschedule waits for the send (at most one SMTP exchange, EMAIL_TIMEOUT per reply).
            notification.appointment.version, notification.appointment.status = (
                Appointment.objects.select_for_update(of=("self",), no_key=True)
                .values_list("version", "status")
                .get(pk=notification.appointment_id)
            )
            reason = _stale_reason(notification, now)
            if reason:
                return _drop(notification, reason)
            try:
                message.send()
            except Exception as error:  # any backend: smtplib, anymail, a timeout...
                return _record_failure(notification, error, now)
            # The window SMTP cannot close is from the server's 250 to this UPDATE's COMMIT.
            Notification.objects.filter(id=notification_id).update(
                status=Notification.Status.SENT, sent_at=now, last_error=""
            )
    finally:
        if own_connection:
            _close_quietly(connection)
    logger.info("notification %s (%s) sent", notification_id, notification.kind)
    return "sent"


def notifications_recover_stale(*, now: datetime | None = None) -> int:
    """Hand back rows whose worker died mid-send; the send-time check decides if they still go."""
    now = now or timezone.now()
    recovered = Notification.objects.filter(
        status=Notification.Status.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.NOTIFICATION_STALE_CLAIM_SECONDS),
    ).update(status=Notification.Status.PENDING, next_attempt_at=now, last_error="worker_lost")
    if recovered:
        logger.warning("notifications: %s stale claims recovered", recovered)
    return recovered


def _open_quietly(connection) -> None:
    # A refused connection is recorded against the row that tries to send on it, not here.
    try:
        connection.open()
    except Exception:
        _close_quietly(connection)


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:
        # Forget the broken socket; the next send opens a new one.
        if hasattr(connection, "connection"):
            connection.connection = None


def notifications_send_due(
    *, now: datetime | None = None, batch_size: int = 100, time_budget: float | None = None
) -> dict[str, int]:
    """The scan: recover stale claims, then claim and send every due row, one at a time.

    Several scans may run at once (two beat processes, two workers): each row is sent by
    whichever claims it. One mail connection is reused while sends succeed. ``time_budget``
    (seconds) stops claiming new rows so a scan ends inside the task's time limit; what is left
    waits for the next scan.
    """
    fixed_now = now
    started = timezone.now()
    notifications_recover_stale(now=fixed_now)
    outcomes: dict[str, int] = {}
    seen: set[int] = set()
    connection = None
    try:
        while True:
            moment = fixed_now or timezone.now()
            ids = list(
                Notification.objects.filter(_due(moment))
                .exclude(id__in=seen)
                .order_by("due_at", "id")
                .values_list("id", flat=True)[:batch_size]
            )
            if not ids:
                break
            if connection is None:
                connection = get_connection()
                _open_quietly(connection)
            for notification_id in ids:
                seen.add(notification_id)
                outcome = notification_send(notification_id=notification_id, now=moment, connection=connection)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                if outcome in ("retry", "failed"):
                    # The connection may be broken: start the next send on a fresh one.
                    _close_quietly(connection)
                    _open_quietly(connection)
            if time_budget is not None and (timezone.now() - started).total_seconds() > time_budget:
                break
    finally:
        if connection is not None:
            _close_quietly(connection)
    return outcomes


def notification_retry(*, notification: Notification) -> bool:
    """Staff: send a failed email again (fresh attempts). The send-time checks still apply, so
    an email about a moved or cancelled appointment is dropped rather than sent."""
    with transaction.atomic():
        updated = Notification.objects.filter(id=notification.id, status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING, attempts=0, next_attempt_at=None, claimed_at=None, last_error=""
        )
        if updated:
            transaction.on_commit(lambda: _enqueue(notification.id), robust=True)
    notification.refresh_from_db()
    return bool(updated)


# --- Telling staff ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class OutboxTrouble:
    waiting: int  # pending rows that have failed at least once and wait for a retry
    oldest_due_at: datetime | None
    failed_recently: int  # refused permanently within RECENT_FAILURES
    last_error: str


RECENT_FAILURES = timedelta(hours=24)


def outbox_trouble(*, now: datetime | None = None) -> OutboxTrouble | None:
    """What staff should be told about emails not going out, or None when sends are healthy."""
    now = now or timezone.now()
    waiting = Notification.objects.filter(status=Notification.Status.PENDING, attempts__gt=0)
    failed = Notification.objects.filter(status=Notification.Status.FAILED, claimed_at__gte=now - RECENT_FAILURES)
    summary = waiting.aggregate(count=Count("id"), oldest=Min("due_at"))
    failed_recently = failed.count()
    if not summary["count"] and not failed_recently:
        return None
    last_error = (
        Notification.objects.filter(Q(id__in=waiting.values("id")) | Q(id__in=failed.values("id")))
        .order_by("-claimed_at")
        .values_list("last_error", flat=True)
        .first()
    )
    return OutboxTrouble(
        waiting=summary["count"],
        oldest_due_at=summary["oldest"],
        failed_recently=failed_recently,
        last_error=last_error or "",
    )
