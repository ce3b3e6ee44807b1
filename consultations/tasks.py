"""Celery tasks for appointment emails: thin, given ids only, the work is in notifications/delivery.py.

Reminders are never queued as ETA/countdown tasks (Redis would redeliver them after its
visibility timeout); the beat scan below is the scheduler. Both tasks are safe to run twice
or concurrently: every row is claimed before it is sent.

The outbox never imports this module: it sends ``notification_due`` after commit, and
consultations/apps.py connects ``queue_notification`` below to it (notifications/__init__.py
says why).
"""

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from .notifications.delivery import notification_send, notifications_send_due
from .records import follow_up_invitations_send_due


@shared_task(
    autoretry_for=(DatabaseError,),
    retry_backoff=5,
    retry_backoff_max=120,
    max_retries=5,
    ignore_result=True,
)
def send_notification(notification_id: int) -> str:
    """Send one outbox row now, if it is still due and nobody else has it.

    Mail failures are not retried here: the row records them and the scan retries with
    backoff. Only a database error (the row's state unknown) retries the task itself.
    """
    return notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def send_due_notifications() -> dict:
    """The beat scan: everything due, retries whose time has come, stale claims of dead workers."""
    # Stop claiming well inside the soft time limit; the next scan takes what is left.
    budget = max(settings.CELERY_TASK_SOFT_TIME_LIMIT - 30, 10)
    return notifications_send_due(time_budget=budget)


def queue_notification(sender, *, notification_id: int, **kwargs) -> None:
    """Receiver of ``notification_due``: queue the send. A broker error is left to raise; the
    outbox's on_commit(robust=True) logs it and the beat scan sends the row."""
    send_notification.delay(notification_id)


@shared_task(ignore_result=True)
def send_follow_up_invitations() -> int:
    """The beat scan for follow-up invitations whose day has come; each is claimed before it goes."""
    return follow_up_invitations_send_due()
