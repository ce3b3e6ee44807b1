"""Writing the outbox: the emails a change announces, staff's retry, and what staff are told.

Rows are written inside the booking's transaction; after commit the ``notification_due`` signal
asks for the ones due now to be sent (see the package docstring for why a signal).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BigIntegerField, Count, DateTimeField, Min, PositiveIntegerField, Q
from django.dispatch import Signal
from django.utils import timezone

from welltopia.prepared import Param, Prepared

from ..models import Appointment, Notification

CHANGES = {
    "booked": Notification.Kind.CONFIRMATION,
    "rescheduled": Notification.Kind.RESCHEDULED,
    "cancelled": Notification.Kind.CANCELLED,
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

# Sent after commit with ``notification_id`` for a row to send now; consultations/apps.py
# connects the receiver that queues the Celery task.
notification_due = Signal()


# --- Writing the outbox ---------------------------------------------------------------------------
def appointment_changed(
    *, appointment: Appointment, change: str, now: datetime | None = None, moved_from: datetime | None = None
) -> list[int]:
    """Write the emails a change announces; call inside the transaction that saved the change.

    ``change`` is "booked", "rescheduled" or "cancelled"; ``appointment`` carries its new
    version; ``moved_from`` is the start a reschedule left, which its notice names. Returns the ids
    of the rows due now, which are queued for sending after commit.
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
        Notification(
            appointment=appointment,
            kind=CHANGES[change],
            appointment_version=version,
            due_at=now,
            moved_from=moved_from if change == "rescheduled" else None,
        )
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

    due_now = _DUE_NOW.run(appointment=appointment.pk, version=version, now=now)
    for notification_id in due_now:
        transaction.on_commit(lambda nid=notification_id: _announce_due(nid), robust=True)
    return due_now


# Asked on every booking, move and cancellation: compiled once (welltopia.prepared).
_DUE_NOW = Prepared(
    lambda: Notification.objects.filter(
        appointment_id=Param("appointment", BigIntegerField()),
        appointment_version=Param("version", PositiveIntegerField()),
        status=Notification.Status.PENDING,
        due_at__lte=Param("now", DateTimeField()),
    ).values_list("id", flat=True)
)


def _announce_due(notification_id: int) -> None:
    # `send`, not `send_robust`: a broker error reaches on_commit(robust=True), which logs it and
    # leaves the booking alone; the beat scan sends the row.
    notification_due.send(sender=Notification, notification_id=notification_id)


def notification_retry(*, notification: Notification) -> bool:
    """Staff: send a failed email again (fresh attempts). The send-time checks still apply, so
    an email about a moved or cancelled appointment is dropped rather than sent."""
    with transaction.atomic():
        updated = Notification.objects.filter(id=notification.id, status=Notification.Status.FAILED).update(
            status=Notification.Status.PENDING, attempts=0, next_attempt_at=None, claimed_at=None, last_error=""
        )
        if updated:
            transaction.on_commit(lambda: _announce_due(notification.id), robust=True)
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
    """What staff should be told about emails not going out, or None when sends are healthy.

    Every admin page asks, so the healthy answer costs one query: both counts and the oldest due
    time come from one aggregate over the rows in trouble. The last error is read only when there
    is trouble to tell.
    """
    now = now or timezone.now()
    waiting = Q(status=Notification.Status.PENDING, attempts__gt=0)
    failed = Q(status=Notification.Status.FAILED, claimed_at__gte=now - RECENT_FAILURES)
    in_trouble = Notification.objects.filter(waiting | failed)
    summary = in_trouble.aggregate(
        waiting=Count("id", filter=waiting),
        oldest=Min("due_at", filter=waiting),
        failed_recently=Count("id", filter=failed),
    )
    if not summary["waiting"] and not summary["failed_recently"]:
        return None
    last_error = in_trouble.order_by("-claimed_at").values_list("last_error", flat=True).first()
    return OutboxTrouble(
        waiting=summary["waiting"],
        oldest_due_at=summary["oldest"],
        failed_recently=summary["failed_recently"],
        last_error=last_error or "",
    )
