"""Composing an appointment email: subject, text and HTML from templates, the .ics attached.

Pure rendering: no row is claimed or changed here. Times are written in the pharmacy's zone, and
the whole email (subject, text, HTML, .ics) in the patient's own language: a worker has no request
to take it from, so ``notification_message`` renders inside ``translation.override`` of the language
stored with the patient (``patients.language.email_language``).
Emails name the pharmacist and never the consultation type (its name may say "LDN", which tells
anyone who sees the email why the patient comes). A video consultation's link goes in every email
but the cancellation; the Message-ID carries the site's domain.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from email.message import Message
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils import dateformat, timezone, translation
from django.utils.translation import pgettext

from patients.language import email_language
from welltopia.phones import phone_for_people, phone_uri

from ..calendar import ICS_FILENAME, REQUEST, appointment_ics, appointment_place, ics_method
from ..models import Appointment, Notification
from ..selectors import (
    appointment_intake_url,
    appointment_manage_url,
    meeting_link_for,
    mode_for_patient,
    patient_may_change,
    site_domain,
)
from ..visit import book_again_url

# An email is read a little after it is sent: one offering a change online must leave this long to use it.
READING_MARGIN = timedelta(minutes=15)

TEMPLATE_NAMES = {
    Notification.Kind.CONFIRMATION: "appointment-confirmation",
    Notification.Kind.RESCHEDULED: "appointment-rescheduled",
    Notification.Kind.CANCELLED: "appointment-cancelled",
    Notification.Kind.REMINDER: "appointment-reminder",
}


def _local(moment: datetime) -> datetime:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE))


def _when(moment: datetime, pieces: dict | None = None) -> str:
    """e.g. "Tuesday, November 3, 2026 at 9:00 AM CST" in the pharmacy's zone, in the active language."""
    # Translators: a Django date format (see the "date" template filter); \a\t is a literal "at".
    when = _shared(pieces, ("when",), lambda: pgettext("email date and time", r"l, F j, Y \a\t g:i A T"))
    return dateformat.format(_local(moment), when)


def _clock(moment: datetime, pieces: dict | None = None) -> str:
    """e.g. "9:30 AM CST" in the pharmacy's zone, in the active language."""
    # Translators: a Django time format (see the "date" template filter).
    clock = _shared(pieces, ("clock",), lambda: pgettext("email time", "g:i A T"))
    return dateformat.format(_local(moment), clock)


def message_pieces() -> dict:
    """A store for what every email of one batch shares (loaded templates, the pharmacy's phone
    and name, date formats): pass it to ``notification_message`` for each row of the batch.

    Entries are keyed by the active language, so a Spanish email never takes an English piece.
    Made afresh per batch: a pharmacy's phone changed in the admin reaches the next batch.
    """
    return {}


def _shared(pieces: dict | None, key: tuple, make):
    if pieces is None:
        return make()
    key = (translation.get_language(), *key)
    try:
        return pieces[key]
    except KeyError:
        value = pieces[key] = make()
        return value


def _render(pieces: dict | None, template_name: str, context: dict) -> str:
    return _shared(pieces, ("template", template_name), lambda: get_template(template_name)).render(context)


def _pharmacy(pieces: dict | None, location) -> dict:
    """The location's words in the email: the same for every row of a batch at that location."""
    return _shared(
        pieces,
        ("location", location.pk, location.name, location.phone),
        lambda: {
            "pharmacy_name": location.name,
            "pharmacy_phone": phone_for_people(location.phone),
            "pharmacy_phone_uri": phone_uri(location.phone),
        },
    )


class _OneLineHeadersAsTheyAre(Compat32):
    """The email package's default policy (compat32), minus its folding machinery for a header that
    needs none: plain ASCII without a line break that fits in ``max_line_length`` folds to itself,
    which compat32 finds out by building a ``Header`` per header (a dozen and a half per email).
    Any other header (a Spanish subject's encoded words, a long one) is folded by compat32 itself.
    """

    def _as_is(self, name: str, value) -> str | None:
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and self.max_line_length
            and len(name) + 2 + len(value) <= self.max_line_length
        ):
            return f"{name}: {value}{self.linesep}"
        return None

    def fold(self, name, value):
        line = self._as_is(name, value)
        return super().fold(name, value) if line is None else line

    def fold_binary(self, name, value):
        line = self._as_is(name, value)
        return super().fold_binary(name, value) if line is None else line.encode("ascii")


ONE_LINE_HEADERS_AS_THEY_ARE = _OneLineHeadersAsTheyAre()


class AppointmentEmail(EmailMultiAlternatives):
    """Django's email with text, HTML and the .ics, written out as before at less cost: the policy
    above, and boundaries chosen here. (The email package chooses each multipart's boundary by
    compiling a new regular expression to search the parts for it, about 0.15 ms each, two per email.)
    """

    def message(self):
        mime = super().message()
        mime.policy = ONE_LINE_HEADERS_AS_THEY_ARE  # the generator writes every part with the outer policy
        _choose_boundaries(mime)
        return mime


def _choose_boundaries(mime: Message) -> None:
    """Give every multipart a random boundary, of the email package's own shape, found in no part."""
    texts = [part.get_payload() for part in mime.walk() if not part.is_multipart()]
    chosen: set[str] = set()
    for part in mime.walk():
        if part.is_multipart() and not part.get_boundary():
            while True:
                # As the email package writes them: 15 ='s, 63 random bits in 19 digits, ==.
                boundary = f"{'=' * 15}{secrets.randbits(63):019d}=="
                if boundary not in chosen and not any(f"--{boundary}" in text for text in texts):
                    break
            chosen.add(boundary)
            part.set_boundary(boundary)


def notification_message(
    *, notification: Notification, connection=None, now: datetime | None = None, pieces: dict | None = None
) -> EmailMultiAlternatives:
    """The email for a row: text and HTML from templates, the .ics attached, in the patient's
    language. ``now`` is the send time: whether the patient may still change the consultation
    online is judged at it. ``pieces``: from ``message_pieces()``, shared by the rows of a batch."""
    with translation.override(email_language(notification.appointment.patient)):
        return _message_in_active_language(notification=notification, connection=connection, now=now, pieces=pieces)


def _message_in_active_language(
    *, notification: Notification, connection=None, now: datetime | None = None, pieces: dict | None = None
) -> EmailMultiAlternatives:
    now = now or timezone.now()
    appointment = notification.appointment
    name = TEMPLATE_NAMES[notification.kind]
    context = {
        "first_name": appointment.patient.first_name,
        "when": _when(appointment.start, pieces),
        "until": _clock(appointment.end, pieces),
        "mode": mode_for_patient(appointment),
        "pharmacist_name": appointment.pharmacist.display_name,
        # A cancelled consultation has nothing to join.
        "meeting_link": "" if notification.kind == Notification.Kind.CANCELLED else meeting_link_for(appointment),
        "place": appointment_place(appointment),
        "in_person": appointment.mode == Appointment.Mode.IN_PERSON,
        **_pharmacy(pieces, appointment.location),
        "manage_url": appointment_manage_url(appointment),
        # Booked by staff with no intake yet: confirmation and reminders ask for it.
        "intake_url": appointment_intake_url(appointment),
        "cancelled": notification.kind == Notification.Kind.CANCELLED,
        # Inside the notice window (the 2-hour reminder, a late staff booking), or about to be when
        # the email is read, the manage link can no longer change anything: the email says to call.
        "changeable": patient_may_change(appointment, now=now + READING_MARGIN),
        "book_url": _shared(pieces, ("book_url",), book_again_url),
        "intake_minutes": settings.INTAKE_MINUTES,
    }
    if notification.kind == Notification.Kind.RESCHEDULED:
        moved_from = notification.moved_from
        context["previous_when"] = _when(moved_from, pieces) if moved_from and moved_from != appointment.start else ""
    subject = " ".join(_render(pieces, f"emails/{name}-subject.txt", context).split())
    message = AppointmentEmail(
        subject=subject,
        body=_render(pieces, f"emails/{name}-body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[appointment.patient.email],
        connection=connection,
        headers={"Message-ID": make_msgid(domain=_shared(pieces, ("domain",), site_domain))},
    )
    message.attach_alternative(_render(pieces, f"emails/{name}-body.html", context), "text/html")
    # The send-time checks (delivery.py) hold a cancellation notice to a cancelled appointment
    # and every other email to a booked one, so the appointment's own method is the email's.
    method = ics_method(appointment) or REQUEST
    ics = appointment_ics(appointment=appointment, method=method, changeable=context["changeable"], shared=pieces)
    invite = MIMEText(ics.decode(), "calendar", "utf-8")
    invite.set_param("method", method)
    invite.add_header("Content-Disposition", "attachment", filename=ICS_FILENAME)
    message.attach(invite)
    return message
