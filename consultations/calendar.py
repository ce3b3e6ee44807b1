"""The .ics invitation attached to every appointment email.

One VEVENT per appointment with a UID that never changes, so a calendar updates the event it
already holds when the time moves (a higher SEQUENCE) and removes it on METHOD:CANCEL. The patient
is the ATTENDEE (RFC 5546 requires one for REQUEST and CANCEL), already accepted: they booked it,
and no reply is asked for (RSVP=FALSE), since nothing reads replies.
Only logistics go in: the time, the mode or place (a video room's link), the pharmacist's name,
the pharmacy's phone and the manage link. Never the consultation type's name (it may say "LDN")
and nothing the patient told us about their health.
"""

import hashlib
from datetime import UTC
from email.utils import parseaddr
from types import SimpleNamespace

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as django_gettext
from icalendar import Calendar, Event, vCalAddress, vText
from icalendar.parser import Contentline, Parameters

from welltopia.phones import phone_for_people

from .models import Appointment
from .selectors import appointment_manage_url, meeting_link_for, mode_for_patient, site_domain
from .visit import book_again_url

REQUEST = "REQUEST"
CANCEL = "CANCEL"
# Words are written in the active language: the patient's, inside an email's translation.override.
SUMMARY = gettext_lazy("Pharmacist consultation – Welltopia")
# The one name an invitation has, attached to an email or downloaded from the manage page.
ICS_FILENAME = "welltopia-consultation.ics"


def appointment_uid(appointment) -> str:
    """Stable for one appointment, unique across installations and restored databases.

    Derived from the appointment's manage token (256 random bits, set once at booking, never
    changed by a reschedule), hashed so the calendar file does not carry the key to the manage
    page, at the site's domain: a staging copy of production's database sends from another
    SITE_URL, so its invitations never touch the events production sent. (Database ids are
    reused by a restored database and by every other installation.)
    """
    digest = hashlib.sha256(f"welltopia-ics-uid:{appointment.manage_token}".encode()).hexdigest()[:32]
    return f"{digest}@{site_domain()}"


def ics_method(appointment) -> str | None:
    """CANCEL for a cancelled appointment, REQUEST for a booked one; None when no calendar entry
    describes it any more (completed, no-show)."""
    if appointment.status == Appointment.Status.CANCELLED:
        return CANCEL
    if appointment.status == Appointment.Status.BOOKED:
        return REQUEST
    return None


def appointment_place(appointment) -> str:
    """Where the consultation happens, in words a patient understands."""
    if appointment.mode == Appointment.Mode.IN_PERSON:
        return f"{appointment.location.name}, {appointment.location.address}"
    # A calendar shows a link in LOCATION as the place to join.
    return meeting_link_for(appointment) or mode_for_patient(appointment)


def appointment_ics(
    *, appointment, method: str, changeable: bool = True, shared: dict | None = None, manage_url: str | None = None
) -> bytes:
    """The iTIP calendar object for an appointment: METHOD REQUEST (booked, moved) or CANCEL.

    ``changeable`` False (sent inside the notice window, e.g. with the 2-hour reminder): the event
    says to call the pharmacy to change or cancel rather than offering the link for it.
    ``shared``: a dict kept by the caller across many appointments (the reminder scan keeps one
    per batch): the lines every invitation has in common are serialised once per language into it.
    ``manage_url``: the appointment's manage link when the caller has it already."""
    method = method.upper()
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"method must be {REQUEST} or {CANCEL}, not {method!r}")
    head, tail = _frame(method, {} if shared is None else shared)
    if manage_url is None:
        manage_url = appointment_manage_url(appointment)

    phone = _shared(shared, ("phone", appointment.location.phone), lambda: phone_for_people(appointment.location.phone))
    # Named gettext so makemessages still finds the words; translated once per batch and language.
    gettext = _translations(shared)
    lines = [
        gettext("With %(pharmacist)s, pharmacist at %(pharmacy)s.")
        % {"pharmacist": appointment.pharmacist.display_name, "pharmacy": appointment.location.name}
    ]
    if method == CANCEL:
        # Nothing left to join, change or cancel: say so, and where to book again.
        lines += [
            gettext("This consultation is cancelled."),
            gettext("To book another: %(url)s") % {"url": book_again_url()},
        ]
    else:
        if link := meeting_link_for(appointment):
            lines.append(gettext("Join the video consultation: %(link)s") % {"link": link})
        if changeable:
            lines.append(gettext("Change or cancel your appointment: %(url)s") % {"url": manage_url})
        else:
            lines += [
                gettext("To change or cancel now, call the pharmacy: %(phone)s") % {"phone": phone},
                gettext("Your booking: %(url)s") % {"url": manage_url},
            ]
    lines.append(gettext("Questions? Call the pharmacy: %(phone)s") % {"phone": phone})
    # The appointment's own lines, between the frame's, in the order icalendar writes an event's
    # properties (SUMMARY, the dates, UID, SEQUENCE, then by name): every one of these falls between
    # the frame's SUMMARY and its ORGANIZER. Written here with icalendar's own escaping (vText for
    # values, Parameters for the attendee's) rather than through an Event, which cost 0.2 ms an
    # invitation; tests/consultations/test_calendar.py compares both writers over awkward values.
    patient = appointment.patient
    own = (
        f"DTSTART:{_utc(appointment.start)}",
        f"DTEND:{_utc(appointment.end)}",
        f"DTSTAMP:{_utc(timezone.now())}",
        f"UID:{_text(appointment_uid(appointment))}",
        # Version 1 is the first booking; each reschedule or cancellation raises the version.
        f"SEQUENCE:{max(appointment.version - 1, 0)}",
        f"ATTENDEE;{_attendee_parameters(appointment, method, shared)}:mailto:{patient.email}",
        f"DESCRIPTION:{_text(chr(10).join(lines))}",
        f"LOCATION:{_text(appointment_place(appointment))}",
    )
    return head + b"".join(_folded(line) + b"\r\n" for line in own) + tail


def _translations(shared: dict | None):
    """``gettext``, remembering in ``shared`` what it gave for the active language."""
    if shared is None:
        return django_gettext
    known = shared.setdefault(("gettext", get_language()), {})

    def translated(message: str) -> str:
        try:
            return known[message]
        except KeyError:
            words = known[message] = django_gettext(message)
            return words

    return translated


def _attendee_parameters(appointment, method: str, shared: dict | None) -> str:
    """The ATTENDEE line's parameters as icalendar writes ``_attendee``'s (sorted by name, so CN
    first): the patient's name per row, the others, the same for every patient, once per method."""
    name = Parameters({"CN": vText(appointment.patient.full_name)}).to_ical().decode()
    others = _shared(shared, ("attendee", method), lambda: _attendee_parameters_but_the_name(method))
    return f"{name};{others}"


def _attendee_parameters_but_the_name(method: str) -> str:
    anyone = SimpleNamespace(patient=SimpleNamespace(email="anyone@example.com", full_name="Anyone"))
    written = _attendee(anyone, method).params.to_ical().decode()
    if not written.startswith("CN=Anyone;"):
        raise ValueError(f"the attendee's parameters no longer start with CN: {written!r}")
    return written.removeprefix("CN=Anyone;")


def _utc(moment) -> str:
    # As icalendar's vDatetime writes a UTC time (seconds, no fraction).
    moment = moment.astimezone(UTC)
    return f"{moment.year:04}{moment.month:02}{moment.day:02}T{moment.hour:02}{moment.minute:02}{moment.second:02}Z"


def _text(value: str) -> str:
    return vText(value).to_ical().decode()


_BEGIN_EVENT = b"BEGIN:VEVENT\r\n"
_END_EVENT = b"END:VEVENT\r\n"
# icalendar folds a content line into pieces of at most 74 octets, and never ends a piece with a
# backslash or caret (the first half of an escape: "\n", "\,", "^n"), which it moves to the next.
_FOLD_AT = 74
_ESCAPES = "\\^"


def _folded(line: str) -> bytes:
    """A content line folded as icalendar folds it (``Contentline.to_ical``), for a plain ASCII line
    by slicing rather than icalendar's walk over every character and its UTF-8 length, which cost
    a third of an invitation. A longer line with any other character is left to icalendar; one of
    fewer than 75 octets is never folded."""
    if not line.isascii():
        written = line.encode("utf-8")
        return written if len(written) < _FOLD_AT + 1 else Contentline(line).to_ical()
    pieces = []
    start = 0
    while len(line) - start > _FOLD_AT:
        end = start + _FOLD_AT
        if line[end - 1] in _ESCAPES:
            end -= 1
        pieces.append(line[start:end])
        start = end
    pieces.append(line[start:])
    return "\r\n ".join(pieces).encode("ascii")


def _shared(shared: dict | None, key: tuple, make):
    if shared is None:
        return make()
    try:
        return shared[key]
    except KeyError:
        value = shared[key] = make()
        return value


def _frame(method: str, shared: dict) -> tuple[bytes, bytes]:
    """What every invitation with this method says, in the active language, serialised once: the
    calendar's lines and the event's SUMMARY, then (the appointment's lines go between) the
    ORGANIZER, STATUS and the closing lines."""
    key = ("ics-frame", get_language(), method, settings.DEFAULT_FROM_EMAIL)
    if key in shared:
        return shared[key]
    calendar = Calendar()
    calendar.add("prodid", "-//Welltopia//Consult//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = Event()
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("summary", str(SUMMARY))
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{from_address}")
    organizer.params["cn"] = vText("Welltopia Consult")
    event.add("organizer", organizer)
    calendar.add_component(event)
    whole = calendar.to_ical()
    split = whole.index(b"\r\nORGANIZER", whole.index(_BEGIN_EVENT)) + 2
    shared[key] = whole[:split], whole[split:]
    return shared[key]


def _attendee(appointment, method: str) -> vCalAddress:
    patient = appointment.patient
    attendee = vCalAddress(f"mailto:{patient.email}")
    attendee.params["cn"] = vText(patient.full_name)
    attendee.params["cutype"] = vText("INDIVIDUAL")
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    if method == REQUEST:
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
    return attendee
