"""Sending the outbox: claim a due row, re-check it, send it, record what happened.

The Celery tasks (consultations/tasks.py) call ``notification_send`` and ``notifications_send_due``;
the package docstring tells the whole story (outages, the lock during send, the duplicate window).
"""

from __future__ import annotations

import logging
import smtplib
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import Appointment, Notification
from .messages import notification_message

logger = logging.getLogger(__name__)


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
    """Why this row must not be sent any more, or "" when it still should be.

    Every reason is a key of ``outbox.DROP_REASONS``, which words it for staff.
    """
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
    down" in the package docstring): the row goes back to pending with a capped backoff, or, refused
    permanently NOTIFICATION_MAX_ATTEMPTS times, is marked failed for staff.
    """
    now = now or timezone.now()
    if not notification_claim(notification_id=notification_id, now=now):
        return "not_claimed"
    # Everything the message reads (the pharmacist's name and room, the type's notice), in one query.
    notification = Notification.objects.select_related(
        "appointment__patient", "appointment__location", "appointment__pharmacist", "appointment__consultation_type"
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
            message = notification_message(notification=notification, connection=connection, now=now)
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
