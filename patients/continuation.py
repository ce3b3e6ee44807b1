"""Picking up a saved intake from a link sent by email, when the session that held it is gone.

The intake is saved before booking and the session keeps only its reference (session.py). A
patient whose session expired between the two, or who books on another device, would otherwise
face a blank intake. They ask for a link on /intake/continue/ with their email address alone:
an email address and a date of birth would open someone's health answers to anyone who knows
both, whereas a link proves the person reads that mailbox.

- The page answers the same whether or not an intake exists, so it tells nobody who has asked
  the pharmacy about LDN; requests are rate-limited per client address (RATE_LIMIT_INTAKE_LINK).
  One difference is left: while the broker is down the email is sent during the request, so an
  address with an intake answers a little later than one without.
- The link goes to the newest intake from that address (any case), if it is at most
  CONTINUE_DAYS old.
- The link carries the intake's ``continue_link_nonce`` signed with SECRET_KEY under its own
  salt and a timestamp: it works for CONTINUE_LINK_MAX_AGE, and once. Opening it clears the
  nonce with a conditional update, so every link sent before is spent with it and two tabs
  racing one link get one session between them; the next request mints a new nonce.
- Opening is a POST from the page the link shows: mail scanners fetch (GET) the links in an
  email and would otherwise spend it before the patient clicks.
- The email names no time and nothing clinical. The token is made when the email is composed
  (in the worker), so it is never a task argument, and welltopia/log_filters.py redacts it from
  any log line that carries the link's path.

Queueing follows consultations' outbox: ``continue_link_request`` sends ``continue_link_wanted``
and patients/apps.py connects ``tasks.queue_continue_link`` to it, so this module never imports
the tasks that import it. When the broker cannot take the task (or nothing is connected), the
email is sent here and now with a short SMTP timeout: the patient's request still succeeds.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .language import email_language
from .models import Intake
from .selectors import pharmacy_phone

logger = logging.getLogger(__name__)

CONTINUE_DAYS = 7
CONTINUE_LINK_HOURS = 2
CONTINUE_LINK_MAX_AGE = timedelta(hours=CONTINUE_LINK_HOURS)
CONTINUE_LINK_SALT = "patients.continuation.link"
# Only when the broker cannot take the task: then the patient's page waits for this SMTP exchange.
SEND_NOW_TIMEOUT_SECONDS = 5
TEMPLATE = "emails/intake-continue-link"

# Sent with ``intake_id`` when a link should be emailed; its receiver queues the Celery task.
continue_link_wanted = Signal()


@dataclass(frozen=True)
class ContinueLink:
    """What a link's token leads to: an intake, or why not ("expired", "used", "invalid")."""

    intake: Intake | None
    problem: str = ""
    nonce: str = ""


def intake_newest_for_email(*, email: str, now: datetime | None = None) -> Intake | None:
    """The newest intake from this email address (any case), if submitted within CONTINUE_DAYS."""
    email = (email or "").strip()
    if not email:
        return None
    since = (now or timezone.now()) - timedelta(days=CONTINUE_DAYS)
    return (
        Intake.objects.filter(patient__email__iexact=email, submitted_at__gte=since)
        .order_by("-submitted_at", "-pk")
        .first()
    )


def continue_link_request(*, email: str, now: datetime | None = None) -> None:
    """Email a link to the newest recent intake from this address; nothing when there is none.

    Returns nothing, so the page cannot tell the two apart. The email is queued after commit.
    """
    intake = intake_newest_for_email(email=email, now=now)
    if intake is None:
        return
    transaction.on_commit(lambda: _queue_or_send_now(intake.pk))


def _queue_or_send_now(intake_id: int) -> None:
    try:
        queued = continue_link_wanted.send(sender=Intake, intake_id=intake_id)
    except Exception as error:  # the broker is down or frozen: send it from here instead
        logger.warning("continue link not queued, sending it now: error=%s", type(error).__name__)
        queued = []
    if queued:
        return
    try:
        continue_link_send(intake_id=intake_id, timeout=SEND_NOW_TIMEOUT_SECONDS)
    except Exception as error:  # the patient can ask again; the page must not fail
        logger.warning("continue link not sent: error=%s", type(error).__name__)


def continue_link_token(*, intake_id: int) -> str:
    """A token for a new link to this intake: its outstanding nonce (minted if none), signed now."""
    intakes = Intake.objects.filter(pk=intake_id)
    nonce = ""
    while not nonce:  # a link opened between the two statements clears the nonce: mint again
        intakes.filter(continue_link_nonce="").update(continue_link_nonce=secrets.token_urlsafe(16))
        nonce = intakes.values_list("continue_link_nonce", flat=True).get()
    return signing.dumps(nonce, salt=CONTINUE_LINK_SALT)


def continue_link_url(*, token: str) -> str:
    return settings.SITE_URL + reverse("patients:intake_continue_open", args=[token])


def continue_link_message(*, to: str, url: str, connection=None, language: str = "") -> EmailMultiAlternatives:
    """The link email: the link, how long it works, the pharmacy's phone. No time, nothing clinical.
    Written in ``language`` (the patient's, see ``language.email_language``), else the active one."""
    if language:
        with translation.override(language):
            return continue_link_message(to=to, url=url, connection=connection)
    context = {
        "url": url,
        "hours": CONTINUE_LINK_HOURS,
        "pharmacy_phone": pharmacy_phone(),
    }
    message = EmailMultiAlternatives(
        subject=" ".join(render_to_string(f"{TEMPLATE}-subject.txt", context).split()),
        body=render_to_string(f"{TEMPLATE}-body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        connection=connection,
    )
    message.attach_alternative(render_to_string(f"{TEMPLATE}-body.html", context), "text/html")
    return message


def continue_link_send(*, intake_id: int, timeout: float | None = None) -> bool:
    """Compose and send a link to this intake now; False when the intake no longer exists."""
    intake = Intake.objects.select_related("patient").filter(pk=intake_id).first()
    to = intake.patient.email if intake else ""
    if not to:
        return False
    try:
        token = continue_link_token(intake_id=intake_id)
    except Intake.DoesNotExist:
        return False
    connection = get_connection(timeout=timeout) if timeout else None
    language = email_language(intake.patient)
    continue_link_message(to=to, url=continue_link_url(token=token), connection=connection, language=language).send()
    return True


def continue_link_check(*, token: str) -> ContinueLink:
    """The intake a link leads to, without spending it; or why it leads nowhere."""
    try:
        nonce = signing.loads(token, salt=CONTINUE_LINK_SALT, max_age=CONTINUE_LINK_MAX_AGE)
    except signing.SignatureExpired:
        return ContinueLink(intake=None, problem="expired")
    except signing.BadSignature:
        return ContinueLink(intake=None, problem="invalid")
    if not isinstance(nonce, str) or not nonce:
        return ContinueLink(intake=None, problem="invalid")
    intake = Intake.objects.filter(continue_link_nonce=nonce).select_related("patient").first()
    if intake is None:
        return ContinueLink(intake=None, problem="used")
    return ContinueLink(intake=intake, nonce=nonce)


def continue_link_use(*, token: str) -> ContinueLink:
    """Spend a link: its intake for exactly one caller, however many open it at once."""
    link = continue_link_check(token=token)
    if link.intake is None:
        return link
    spent = Intake.objects.filter(pk=link.intake.pk, continue_link_nonce=link.nonce).update(continue_link_nonce="")
    return link if spent == 1 else ContinueLink(intake=None, problem="used")
