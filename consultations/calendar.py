"""The .ics invitation attached to every appointment email.

One VEVENT per appointment with a UID that never changes, so a calendar updates the event it
already holds when the time moves (a higher SEQUENCE) and removes it on METHOD:CANCEL.
Only logistics go in: the time, the mode or place, the pharmacy's phone and the manage link.
Nothing the patient told us about their health is ever read here.
"""

from datetime import UTC
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Appointment
from .selectors import appointment_manage_url

REQUEST = "REQUEST"
CANCEL = "CANCEL"
SUMMARY = "Pharmacist consultation – Welltopia"
# The one name an invitation has, attached to an email or downloaded from the manage page.
ICS_FILENAME = "welltopia-consultation.ics"


def appointment_uid(appointment) -> str:
    return f"appointment-{appointment.pk}@consult.welltopia"


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
    return Appointment.Mode(appointment.mode).for_patient


def appointment_ics(*, appointment, method: str) -> bytes:
    """The iTIP calendar object for an appointment: METHOD REQUEST (booked, moved) or CANCEL."""
    method = method.upper()
    if method not in (REQUEST, CANCEL):
        raise ValueError(f"method must be {REQUEST} or {CANCEL}, not {method!r}")

    calendar = Calendar()
    calendar.add("prodid", "-//Welltopia//Consult//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)

    event = Event()
    event.add("uid", appointment_uid(appointment))
    # Version 1 is the first booking; each reschedule or cancellation raises the version.
    event.add("sequence", max(appointment.version - 1, 0))
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", appointment.start.astimezone(UTC))
    event.add("dtend", appointment.end.astimezone(UTC))
    event.add("status", "CANCELLED" if method == CANCEL else "CONFIRMED")
    event.add("summary", SUMMARY)
    event.add("location", appointment_place(appointment))
    _, from_address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{from_address}")
    organizer.params["cn"] = vText("Welltopia Consult")
    event.add("organizer", organizer)
    event.add(
        "description",
        f"Change or cancel your appointment: {appointment_manage_url(appointment)}\n"
        f"Questions? Call the pharmacy: {appointment.location.phone}",
    )
    calendar.add_component(event)
    return calendar.to_ical()
