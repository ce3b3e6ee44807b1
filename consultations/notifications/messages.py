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

import email.utils
import re
import secrets
import smtplib
from base64 import b64encode
from datetime import datetime, timedelta
from email.message import Message
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import make_msgid
from functools import lru_cache
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import (
    RFC5322_EMAIL_LINE_LENGTH_LIMIT,
    forbid_multi_line_headers,
    sanitize_address,
)
from django.template.loader import get_template
from django.utils import dateformat, timezone, translation
from django.utils.html import conditional_escape
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
    # Kept per batch and moment: the reminders of one scan are mostly for the same slot times.
    return _shared(pieces, ("when", moment), lambda: dateformat.format(_local(moment), when))


def _clock(moment: datetime, pieces: dict | None = None) -> str:
    """e.g. "9:30 AM CST" in the pharmacy's zone, in the active language."""
    # Translators: a Django time format (see the "date" template filter).
    clock = _shared(pieces, ("clock",), lambda: pgettext("email time", "g:i A T"))
    return _shared(pieces, ("clock", moment), lambda: dateformat.format(_local(moment), clock))


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


# The manage link's token as the URL converter accepts it (consultations/urls.py); a token of this
# shape goes into the URL as it is.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")
_SAMPLE_TOKEN = "T" * 43


def _manage_url(pieces: dict | None, appointment: Appointment) -> str:
    """``appointment_manage_url``, with Django's ``reverse`` (0.1 ms) run once per batch: the
    link written around a sample token, and each row's token put in its place."""
    token = appointment.manage_token
    if pieces is None or not _TOKEN.fullmatch(token):
        return appointment_manage_url(appointment)
    around = _shared(
        pieces, ("manage_url",), lambda: appointment_manage_url(SimpleNamespace(manage_token=_SAMPLE_TOKEN))
    ).split(_SAMPLE_TOKEN)
    if len(around) != 2:
        return appointment_manage_url(appointment)
    return f"{around[0]}{token}{around[1]}"


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

    Sent over Django's own SMTP backend with its connection open, the message goes as the bytes
    ``wire_bytes`` writes, which are the bytes ``message()`` would give (``tests/consultations/
    test_notification_wire.py`` compares them) without building the tree of email.message objects.
    Any other backend (the tests' locmem, anymail, the console) gets ``message()`` as usual.
    """

    def __init__(self, *args, calendar: tuple[bytes, str], **kwargs):
        super().__init__(*args, **kwargs)
        # (the .ics, its METHOD): attached as a MIME part only when message() is built.
        self.calendar = calendar
        self._calendar_attached = False

    def message(self):
        if not self._calendar_attached:
            self.attach(_invite(*self.calendar))
            self._calendar_attached = True
        mime = super().message()
        mime.policy = ONE_LINE_HEADERS_AS_THEY_ARE  # the generator writes every part with the outer policy
        _choose_boundaries(mime)
        return mime

    def send(self, fail_silently=False):
        connection = self.get_connection(fail_silently)
        wire = None
        if type(connection) is SMTPBackend and connection.connection is not None and not self.bcc and not self.cc:
            wire = self.wire_bytes()
        if wire is None:
            return super().send(fail_silently)
        # What the backend's _send does with message().as_bytes(), with the bytes written here.
        with connection._lock:
            try:
                connection.connection.sendmail(
                    _sanitized(self.from_email), [_sanitized(address) for address in self.to], wire
                )
            except smtplib.SMTPException:
                if not connection.fail_silently:
                    raise
                return 0
        return 1

    def wire_bytes(self) -> bytes | None:
        """``message().as_bytes(linesep="\\r\\n")`` written directly, or None for an email this does not
        write (a line too long for 8bit, which Django sends quoted-printable; attachments or headers
        added by someone else): the caller then builds ``message()``."""
        if (
            self._calendar_attached
            or self.attachments
            or len(self.alternatives) != 1
            or self.alternatives[0][1] != "text/html"
            or set(self.extra_headers) != {"Message-ID"}
            or self.content_subtype != "plain"
            or (self.encoding or settings.DEFAULT_CHARSET).lower() != "utf-8"
            or not self.to
        ):
            return None
        text = _text_part(self.body, "plain")
        html = _text_part(self.alternatives[0][0], "html")
        if text is None or html is None:
            return None
        ics, method = self.calendar
        invite = _INVITE_HEAD % method.encode("ascii") + _base64_lines(ics)
        mixed, alternative = _draw_boundaries(2, parts=(text, html, invite))
        encoding = self.encoding or settings.DEFAULT_CHARSET
        headers = [
            _MIXED_HEADER.replace(_SAMPLE_BOUNDARY, mixed),
            b"MIME-Version: 1.0\r\n",
        ]
        headers.append(_subject_header(self.subject, encoding))
        for name, value in (
            ("From", self.from_email),
            ("To", ", ".join(str(address) for address in self.to)),
            ("Date", email.utils.formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
            ("Message-ID", self.extra_headers["Message-ID"]),
        ):
            headers.append(_WIRE_POLICY.fold_binary(*forbid_multi_line_headers(name, value, encoding)))
        alternative_line = b"--" + alternative
        return b"".join(
            [
                *headers,
                b"\r\n--", mixed, b"\r\n",
                _ALTERNATIVE_HEADER.replace(_SAMPLE_BOUNDARY, alternative), b"MIME-Version: 1.0\r\n\r\n",
                alternative_line, b"\r\n", text, b"\r\n", alternative_line, b"\r\n", html,
                b"\r\n", alternative_line, b"--\r\n",
                b"\r\n--", mixed, b"\r\n", invite, b"\r\n--", mixed, b"--\r\n",
            ]
        )


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


def _invite(ics: bytes, method: str) -> MIMEText:
    invite = MIMEText(ics.decode(), "calendar", "utf-8")
    invite.set_param("method", method)
    invite.add_header("Content-Disposition", "attachment", filename=ICS_FILENAME)
    return invite


_WIRE_POLICY = ONE_LINE_HEADERS_AS_THEY_ARE.clone(linesep="\r\n")
# Every boundary has this shape and length, so a header naming one folds the same whatever its digits.
_SAMPLE_BOUNDARY = b"=" * 15 + b"0" * 19 + b"=="
_MIXED_HEADER = _WIRE_POLICY.fold_binary("Content-Type", f'multipart/mixed; boundary="{_SAMPLE_BOUNDARY.decode()}"')
_ALTERNATIVE_HEADER = _WIRE_POLICY.fold_binary(
    "Content-Type", f'multipart/alternative; boundary="{_SAMPLE_BOUNDARY.decode()}"'
)
_INVITE_HEAD = (
    b"MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n"
    b'Content-Type: text/calendar; charset="utf-8"; method="%s"\r\n'
    + f'Content-Disposition: attachment; filename="{ICS_FILENAME}"\r\n\r\n'.encode("ascii")
)
_LINE_ENDS = re.compile(r"\r\n|\r|\n")


@lru_cache(maxsize=256)
def _subject_header(subject: str, encoding: str) -> bytes:
    # A subject is folded (and a Spanish one encoded) by the email package's Header, twice over,
    # 0.1 ms each time. Kept by value: the reminders one scan sends are mostly for the same slot
    # times, so they share subjects.
    return _WIRE_POLICY.fold_binary(*forbid_multi_line_headers("Subject", subject, encoding))


def _text_part(text: str, subtype: str) -> bytes | None:
    """A text part as Django's SafeMIMEText writes it in UTF-8: 7bit or 8bit, the lines ended with
    CRLF; None for a line over RFC 5322's limit, which Django sends quoted-printable instead."""
    lines = text.splitlines()
    # A character is at most 4 octets in UTF-8: most emails need no line encoded to know.
    if max(map(len, lines), default=0) * 4 > RFC5322_EMAIL_LINE_LENGTH_LIMIT and any(
        len(line.encode(errors="surrogateescape")) > RFC5322_EMAIL_LINE_LENGTH_LIMIT for line in lines
    ):
        return None
    crlf = _LINE_ENDS.sub("\r\n", text) if "\r" in text else text.replace("\n", "\r\n")
    body = crlf.encode("utf-8", errors="surrogateescape")
    encoding = b"7bit" if body.isascii() else b"8bit"
    return (
        b'Content-Type: text/%s; charset="utf-8"\r\nMIME-Version: 1.0\r\nContent-Transfer-Encoding: %s\r\n\r\n'
        % (subtype.encode("ascii"), encoding)
    ) + body


def _base64_lines(data: bytes) -> bytes:
    # As email.base64mime.body_encode writes it: 57 octets (76 characters) a line.
    return b"".join(b64encode(data[start : start + 57]) + b"\r\n" for start in range(0, len(data), 57))


def _draw_boundaries(count: int, *, parts) -> list[bytes]:
    """As ``_choose_boundaries`` draws them (outer multipart first), for parts already written."""
    chosen: list[bytes] = []
    for _ in range(count):
        while True:
            boundary = f"{'=' * 15}{secrets.randbits(63):019d}==".encode("ascii")
            if boundary not in chosen and not any(b"--" + boundary in part for part in parts):
                break
        chosen.append(boundary)
    return chosen


# A plain address (dot-atom local part, ASCII domain labels) is written as it is by
# ``sanitize_address``, which parses it with the email package's header parser (~0.1 ms).
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)


@lru_cache(maxsize=16)
def _sanitized_sender(address: str) -> str:
    return sanitize_address(address, "utf-8")


def _sanitized(address: str) -> str:
    if _PLAIN_ADDRESS.fullmatch(address):
        return address
    return _sanitized_sender(address)


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
        "manage_url": _manage_url(pieces, appointment),
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
    subject, body, html = _rendered(pieces, name, context)
    # The send-time checks (delivery.py) hold a cancellation notice to a cancelled appointment
    # and every other email to a booked one, so the appointment's own method is the email's.
    method = ics_method(appointment) or REQUEST
    message = AppointmentEmail(
        subject=" ".join(subject.split()),
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[appointment.patient.email],
        connection=connection,
        headers={"Message-ID": make_msgid(domain=_shared(pieces, ("domain",), site_domain))},
        calendar=(
            appointment_ics(
                appointment=appointment,
                method=method,
                changeable=context["changeable"],
                shared=pieces,
                manage_url=context["manage_url"],
            ),
            method,
        ),
    )
    message.attach_alternative(html, "text/html")
    return message


def _rendered(pieces: dict | None, name: str, context: dict) -> tuple[str, str, str]:
    """The subject (not yet on one line), text and HTML of one email.

    In a batch each template is rendered once per language and shape with a marker in place of
    every text value of the context: a skeleton. The shape is everything else the templates may
    decide on: each flag's and number's value, and whether each text is empty (``{% if
    meeting_link %}``). A row's email is its shape's skeleton with the row's texts put back,
    HTML-escaped in the HTML exactly as the template's autoescape does (``conditional_escape``) and
    as they are in the text. The texts are put into the rendered skeleton and never read as
    template or searched for markers, so no value can be mistaken for one. A template that changes
    a value (a filter such as ``upper`` or ``slice``) changes its marker: each skeleton is checked,
    filled in with its first row, against that row's whole render, and a shape that fails is
    rendered whole for every row. ``tests/consultations/test_notification_wire.py`` compares the
    two ways over many rows.
    """
    if pieces is None:
        return _rendered_whole(pieces, name, context)
    texts = {key: str(value) for key, value in context.items() if isinstance(value, str)}
    shape = (
        name,
        *((key, bool(value)) for key, value in texts.items()),
        *((key, value) for key, value in context.items() if key not in texts),
    )
    skeletons = _shared(pieces, ("skeleton", *shape), lambda: _skeletons(pieces, name, context, texts))
    if skeletons is None:
        return _rendered_whole(pieces, name, context)
    return _filled_in(skeletons, context, texts)


def _filled_in(skeletons: tuple[list[str], ...], context: dict, texts: dict) -> tuple[str, str, str]:
    # Most values have nothing to escape; those are as escape() would give them.
    html = {
        key: value if _NOTHING_TO_ESCAPE.fullmatch(value) else conditional_escape(context[key])
        for key, value in texts.items()
    }
    subject, body, body_html = skeletons
    return _filled(subject, texts), _filled(body, texts), _filled(body_html, html)


_PARTS = ("subject.txt", "body.txt", "body.html")
_NOTHING_TO_ESCAPE = re.compile(r"[^&<>\"']*")


def _rendered_whole(pieces: dict | None, name: str, context: dict) -> tuple[str, str, str]:
    return tuple(_render(pieces, f"emails/{name}-{part}", context) for part in _PARTS)


def _skeletons(pieces: dict, name: str, context: dict, texts: dict) -> tuple[list[str], ...] | None:
    """The three templates rendered with markers, each split into [text, key, text, key, …, text];
    None when they cannot be filled in: a template changed a marker (what is left of one is in the
    skeleton's words, or the first row filled in differs from its whole render)."""
    marker = f"Wt{secrets.token_hex(8)}"  # letters and digits: no escaping or trimming changes it
    markers = {**context, **{key: f"{marker}{key}{marker}" for key, value in texts.items() if value}}
    split = re.compile(f"{marker}([A-Za-z0-9_]+){marker}").split
    skeletons = tuple(split(_render(pieces, f"emails/{name}-{part}", markers)) for part in _PARTS)
    changed = re.compile(marker[2:], re.IGNORECASE)
    if any(changed.search(words) for skeleton in skeletons for words in skeleton[::2]):
        return None
    if _filled_in(skeletons, context, texts) != _rendered_whole(pieces, name, context):
        return None
    return skeletons


def _filled(skeleton: list[str], values: dict[str, str]) -> str:
    filled = list(skeleton)
    filled[1::2] = [values[key] for key in skeleton[1::2]]
    return "".join(filled)
