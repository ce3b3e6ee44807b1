"""Celery tasks for patients: thin, given ids only; the work is in continuation.py.

continuation.py never imports this module: it sends ``continue_link_wanted`` and patients/apps.py
connects ``queue_continue_link`` below to it (consultations/notifications/__init__.py says why).
"""

from celery import shared_task
from django.db import DatabaseError

from .continuation import continue_link_send


# OSError covers every SMTP failure (smtplib.SMTPException is one), refused connections and
# timeouts. The wait doubles from 30 s up to 5 minutes, about 40 minutes in all: a patient who
# asked for a link is still waiting for it; after that they have asked again or called.
@shared_task(
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=30,
    retry_backoff_max=300,
    max_retries=10,
    ignore_result=True,
)
def send_continue_link(intake_id: int) -> bool:
    """Email a link to continue from this intake. The token is made here, never passed in.

    Not idempotent: run twice, it sends two links, both to the patient's own address and
    spent together by the first one opened.
    """
    return continue_link_send(intake_id=intake_id)


def queue_continue_link(sender, *, intake_id: int, **kwargs) -> None:
    """Receiver of ``continue_link_wanted``: queue the email. A broker error is left to raise;
    ``continue_link_request`` then sends the email itself."""
    send_continue_link.delay(intake_id)
