"""Sending the outbox: claim a due row, re-check it, send it, record what happened.

The Celery tasks (consultations/tasks.py) call ``notification_send`` and ``notifications_send_due``;
the package docstring tells the whole story (outages, the lock during send, the duplicate window).
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import Appointment, Notification
from .messages import message_pieces, notification_message

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


def _expected_status(notification: Notification) -> str:
    # A cancellation notice is about a cancelled appointment; every other email about a booked one.
    if notification.kind == Notification.Kind.CANCELLED:
        return Appointment.Status.CANCELLED
    return Appointment.Status.BOOKED


def _stale_reason(notification: Notification, now: datetime) -> str:
    """Why this row must not be sent any more, or "" when it still should be.

    Every reason is a key of ``outbox.DROP_REASONS``, which words it for staff.
    """
    appointment = notification.appointment
    if appointment.version != notification.appointment_version:
        return "superseded"
    if appointment.status != _expected_status(notification):
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
    (notification,) = _with_what_the_message_reads([notification_id])
    own_connection = connection is None
    if own_connection:
        # Connect before taking the lock below, so a slow server's greeting holds nobody up.
        connection = get_connection()
        _open_quietly(connection)
    try:
        return _deliver(notification, now=now, connection=connection, pieces=None)
    finally:
        if own_connection:
            _close_quietly(connection)


def notifications_claim(*, now: datetime, limit: int, not_claimed_since: datetime | None = None) -> list[int]:
    """Take up to ``limit`` due rows, the oldest due first, for sending in one UPDATE … RETURNING; their ids.

    Each row goes to exactly one caller: on PostgreSQL the rows are picked under
    ``FOR UPDATE SKIP LOCKED``, so two scans claiming at once take different rows (a row another
    claim has just taken no longer matches once its lock is released); SQLite's IMMEDIATE
    transactions claim one at a time. ``not_claimed_since``: leave rows claimed at or after this
    moment (a scan's own earlier batches, which it must not take again).
    """
    due = Notification.objects.filter(_due(now))
    if not_claimed_since is not None:
        due = due.filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=not_claimed_since))
    due = due.order_by("due_at", "id").values("id")[:limit]
    if db.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True)
    quote = db.ops.quote_name
    with transaction.atomic():
        # Compiled by Django for this database (and inside the transaction select_for_update needs).
        picked, picked_params = due.query.sql_with_params()
        with db.cursor() as cursor:
            # Only identifiers from the models and Django's compiled SQL are formatted in; values are parameters.
            cursor.execute(
                # In a CTE, which PostgreSQL runs once: as "IN (subquery)" the planner may run the
                # LIMIT … FOR UPDATE subquery again per row and claim more than the limit.
                f"WITH picked AS ({picked}) "  # noqa: S608
                f"UPDATE {quote(Notification._meta.db_table)} SET {_column('status')} = %s, "
                f"{_column('claimed_at')} = %s, {_column('attempts')} = {_column('attempts')} + 1 "
                f"WHERE {_column('id')} IN (SELECT {_column('id')} FROM picked) AND {_column('status')} = %s "
                f"RETURNING {_column('id')}",
                [
                    *picked_params,
                    Notification.Status.SENDING,
                    db.ops.adapt_datetimefield_value(now),
                    Notification.Status.PENDING,
                ],
            )
            return [notification_id for (notification_id,) in cursor.fetchall()]


def _column(name: str) -> str:
    return db.ops.quote_name(Notification._meta.get_field(name).column)


def _with_what_the_message_reads(ids: list[int]) -> list[Notification]:
    # Everything the message reads (the pharmacist's name and room, the type's notice), in one query.
    return list(
        Notification.objects.select_related(
            "appointment__patient", "appointment__location", "appointment__pharmacist", "appointment__consultation_type"
        )
        .filter(id__in=ids)
        .order_by("due_at", "id")
    )


class _NotAccepted(Exception):
    """The backend refused or failed one message: leave the transaction (undoing "sent") and record it."""

    def __init__(self, error: Exception):
        super().__init__(error)
        self.error = error


def _deliver(notification: Notification, *, now: datetime, connection, pieces) -> str:
    """Re-check, compose and send one claimed row on an open connection; record what happened."""
    composed = _composed(notification, now=now, connection=connection, pieces=pieces)
    return _send_composed(notification, composed, now=now, rows=None)


def _composed(notification: Notification, *, now: datetime, connection, pieces):
    """The row's email; or, when it must not or cannot be sent, the reason it is stale (a str) or
    the fault that stopped its composing (an exception). Reads and writes nothing."""
    reason = _stale_reason(notification, now)
    if reason:
        return reason
    try:
        return notification_message(notification=notification, connection=connection, now=now, pieces=pieces)
    except Exception as error:  # a template or data fault: recorded and retried like an outage
        return error


def _send_composed(notification: Notification, composed, *, now: datetime, rows: _RowTransactions | None) -> str:
    """Send what ``_composed`` gave, or record why not. ``rows``: the batch's ``_RowTransactions``,
    or None for a transaction of its own (``atomic``) per row."""
    if rows is not None and isinstance(composed, (str, Exception)):
        rows.commit()  # the last row's transaction: not the place for this row's record
    if isinstance(composed, str):
        return _drop(notification, composed)
    if isinstance(composed, Exception):
        return _record_failure(notification, composed, now)
    if rows is not None:
        return _send_in_row_transaction(notification, composed, now=now, rows=rows)
    try:
        with transaction.atomic():
            # "Sent" is written first, only while the appointment still has the version and status
            # the row was written for, and that check locks the appointment row until our COMMIT.
            # The booking services change an appointment only under this row's lock, so the time in
            # the message stays the appointment's time until the server has it and we commit; a
            # reschedule waits for the send (at most one SMTP exchange, EMAIL_TIMEOUT per reply).
            if not _mark_sent_while_current(notification, now):
                return _not_current(notification, now)
            try:
                composed.send()
            except Exception as error:  # any backend: smtplib, anymail, a timeout...
                raise _NotAccepted(error) from error
            # The window SMTP cannot close is from the server's 250 to this transaction's COMMIT.
    except _NotAccepted as refused:
        # The rollback undid "sent": the row is still ours (sending) and is recorded as a failure.
        return _record_failure(notification, refused.error, now)
    logger.info("notification %s (%s) sent", notification.id, notification.kind)
    return "sent"


def _send_in_row_transaction(notification: Notification, message, *, now: datetime, rows: _RowTransactions) -> str:
    """As the atomic block above does it, in the row's own transaction from ``rows``: the same
    statements in the same order (BEGIN, the UPDATE that re-checks and locks, the send, COMMIT)."""
    if not _mark_sent_while_current(notification, now, begin=rows.begin()):
        rows.commit()
        with transaction.atomic():
            return _not_current(notification, now)
    try:
        message.send()
    except Exception as error:  # any backend: smtplib, anymail, a timeout...
        rows.rollback()  # undoes "sent": the row is still ours (sending) and is recorded as a failure
        return _record_failure(notification, error, now)
    rows.sent()
    logger.info("notification %s (%s) sent", notification.id, notification.kind)
    return "sent"


class _RowTransactions:
    """The scan's per-row transactions on PostgreSQL, in one round trip to the database per row
    instead of three.

    In ``transaction.atomic`` a row costs BEGIN, the UPDATE that marks it and COMMIT, each a round
    trip, which cost the scan more than composing the email (bench/reminders.py). Here the BEGIN
    goes in one query with the UPDATE, and a sent row's COMMIT in one query with the next row's
    BEGIN and UPDATE (``COMMIT; BEGIN; UPDATE …``, PostgreSQL's simple query protocol runs them in
    order and stops at the first error), or alone when the batch has no next row: the same
    transactions, the same locks. The next row's email is composed before, so its COMMIT leaves
    as soon as the server has accepted the message, as in the atomic block; nothing else runs on
    the connection while a row's transaction is open.

    Only for a connection in autocommit (Django's state outside ``atomic``): inside an atomic
    block (a caller's transaction, a test's) BEGIN and COMMIT are not ours to send, and the scan
    uses ``transaction.atomic`` per row. Used as a context manager: leaving it commits a sent
    row's transaction, or rolls back on an exception.
    """

    def __init__(self) -> None:
        self._open = False  # a sent row's transaction waits for its COMMIT

    @staticmethod
    def usable() -> bool:
        return (
            db.vendor == "postgresql"
            # Server-side binding sends each query as one prepared statement, which holds one command.
            and not db.settings_dict.get("OPTIONS", {}).get("server_side_binding")
            and db.get_autocommit()
            and not db.in_atomic_block
        )

    def begin(self) -> str:
        """What goes before the row's UPDATE in its query: its BEGIN, after the last row's COMMIT."""
        begin = "COMMIT; BEGIN; " if self._open else "BEGIN; "
        self._open = True
        return begin

    def sent(self) -> None:
        """The row's message is with the server: its transaction commits with the next query."""

    def commit(self) -> None:
        self._end("COMMIT")

    def rollback(self) -> None:
        self._end("ROLLBACK")

    def _end(self, command: str) -> None:
        if self._open:
            self._open = False
            with db.cursor() as cursor:
                cursor.execute(command)

    def __enter__(self) -> _RowTransactions:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if error is None:
            self.commit()
            return
        try:
            self.rollback()
        except Exception:  # the connection is gone: the error that brought us here says more
            self._open = False
            logger.exception("notifications: rolling back a row's transaction failed")


def _mark_sent_while_current(notification: Notification, now: datetime, *, begin: str = "") -> bool:
    """One statement: mark the row sent if it is still this claim's (same attempt) and its
    appointment still has the expected version and status, locking that appointment row.

    Raw SQL because the ORM cannot put the appointment's row lock inside the UPDATE's condition;
    on SQLite, which has no row locks, the IMMEDIATE transaction already holds the write lock.
    ``begin``: statements sent before it in the same query (``_RowTransactions.begin``).
    """
    quote = db.ops.quote_name
    appointment = Appointment._meta
    lock = ""
    if db.features.has_select_for_update:
        lock = " " + db.ops.for_update_sql(no_key=db.features.has_select_for_no_key_update)
    with db.cursor() as cursor:
        # Only identifiers from the models are formatted in; every value is a parameter.
        cursor.execute(
            f"{begin}UPDATE {quote(Notification._meta.db_table)} SET {_column('status')} = %s, "  # noqa: S608
            f"{_column('sent_at')} = %s, {_column('last_error')} = '' "
            f"WHERE {_column('id')} = %s AND {_column('status')} = %s AND {_column('attempts')} = %s "
            f"AND EXISTS (SELECT 1 FROM {quote(appointment.db_table)} "
            f"WHERE {quote(appointment.pk.column)} = %s AND {quote(appointment.get_field('version').column)} = %s "
            f"AND {quote(appointment.get_field('status').column)} = %s{lock})",
            [
                Notification.Status.SENT,
                db.ops.adapt_datetimefield_value(now),
                notification.id,
                Notification.Status.SENDING,
                notification.attempts,
                notification.appointment_id,
                notification.appointment_version,
                _expected_status(notification),
            ],
        )
        while begin and cursor.nextset():  # the UPDATE's count is the query's last result
            pass
        return cursor.rowcount == 1


def _not_current(notification: Notification, now: datetime) -> str:
    """The row could not be marked sent: say why, holding the appointment's lock."""
    notification.appointment.version, notification.appointment.status = (
        Appointment.objects.select_for_update(of=("self",), no_key=True)
        .values_list("version", "status")
        .get(pk=notification.appointment_id)
    )
    reason = _stale_reason(notification, now)
    if reason:
        return _drop(notification, reason)
    # The appointment is unchanged, so the row is: handed back as a stale claim and taken by
    # another sender (a later attempt). That sender sends it; we send nothing.
    logger.info("notification %s (%s) taken over by another sender", notification.id, notification.kind)
    return "not_claimed"


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
    """The scan: recover stale claims, then claim due rows a batch at a time and send them.

    Several scans may run at once (two beat processes, two workers): each row is sent by
    whichever claims it. One mail connection serves the whole scan, opened afresh after a failed
    send. What every email of a batch shares (templates, the pharmacy, calendar constants) is
    prepared once per batch and language. ``time_budget`` (seconds) stops the scan inside the
    task's time limit: rows of the current batch not yet tried are handed back to pending for
    the next scan.
    """
    fixed_now = now
    started = timezone.now()
    # A scan takes each row once: rows it claimed (claimed_at from here on) are not claimed again
    # by its later batches, even when a failure made them due again at once.
    scan_started = fixed_now or started
    notifications_recover_stale(now=fixed_now)
    outcomes: dict[str, int] = {}
    connection = None
    try:
        while True:
            moment = fixed_now or timezone.now()
            ids = notifications_claim(now=moment, limit=batch_size, not_claimed_since=scan_started)
            if not ids:
                break
            if connection is None:
                connection = get_connection()
                _open_quietly(connection)
            pieces = message_pieces()
            batch = _with_what_the_message_reads(ids)
            # Every email of the batch is composed before the first is sent, so that no row's
            # transaction waits for the next row's composing (``_RowTransactions``).
            composed = [_composed(n, now=moment, connection=connection, pieces=pieces) for n in batch]
            rows = _RowTransactions() if _RowTransactions.usable() else None
            with rows or nullcontext():
                for position, notification in enumerate(batch):
                    if time_budget is not None and (timezone.now() - started).total_seconds() > time_budget:
                        if rows is not None:
                            rows.commit()
                        _hand_back(batch[position:])
                        return outcomes
                    outcome = _send_composed(notification, composed[position], now=moment, rows=rows)
                    outcomes[outcome] = outcomes.get(outcome, 0) + 1
                    if outcome in ("retry", "failed"):
                        # The connection may be broken: start the next send on a fresh one.
                        _close_quietly(connection)
                        _open_quietly(connection)
    finally:
        if connection is not None:
            _close_quietly(connection)
    return outcomes


def _hand_back(unsent: list[Notification]) -> None:
    """Return claimed rows that were never tried to pending, as if never claimed."""
    for notification in unsent:
        Notification.objects.filter(
            id=notification.id, status=Notification.Status.SENDING, attempts=notification.attempts
        ).update(status=Notification.Status.PENDING, attempts=F("attempts") - 1)
