"""What a patient wants to know before a visit: cost, length, what to have ready, how each mode works.

The words are the pharmacy's, from settings (read from the environment, see the README's
configuration table) and from the pharmacy's Location (address, phone); the consultation
lengths come from the active consultation types. Templates only lay them out, so the home page,
the confirmation and the privacy notice never disagree. Nothing here is about one patient's health.

Languages: the built-in defaults in settings are marked for translation (``gettext_lazy``), so a
Spanish page shows the Spanish wording from locale/. A value an operator sets in the environment is
the pharmacy's own text and is shown as written, in every language: an operator who overrides one
and serves Spanish patients writes it in both languages (e.g. "Free / Gratis") or leaves the default.
Everything is read here with ``str()`` in the active language, once per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from welltopia.phones import phone_for_people, phone_uri

from .models import ConsultationType, Location


def _items(value: str) -> list[str]:
    """A "|"-separated setting as a list, blanks dropped (items may contain commas)."""
    return [item.strip() for item in str(value or "").split("|") if item.strip()]


@dataclass(frozen=True)
class VisitInformation:
    cost: str
    intake_minutes: int
    durations: list[int] = field(default_factory=list)
    have_ready: list[str] = field(default_factory=list)
    phone_caller: str = ""
    phone_caller_uri: str = ""
    video_link_arrival: str = ""
    address: str = ""
    directions: str = ""
    parking: str = ""
    opening_hours: list[str] = field(default_factory=list)
    after: str = ""

    @property
    def length(self) -> str:
        """"30 minutes", or "20 to 45 minutes" when the consultation types differ."""
        if not self.durations:
            return ""
        shortest, longest = min(self.durations), max(self.durations)
        if shortest == longest:
            return gettext("%(minutes)d minutes") % {"minutes": shortest}
        return gettext("%(shortest)d to %(longest)d minutes") % {"shortest": shortest, "longest": longest}


def visit_information(*, location: Location | None = None) -> VisitInformation:
    """The pharmacy's practical information; ``location`` defaults to the pharmacy (first Location)."""
    if location is None:
        location = Location.objects.order_by("id").first() or Location()
    caller = settings.PHONE_CONSULTATION_CALLER or location.phone
    durations = sorted(
        set(ConsultationType.objects.filter(is_active=True).values_list("duration_minutes", flat=True))
    )
    return VisitInformation(
        cost=str(settings.CONSULTATION_COST),
        intake_minutes=settings.INTAKE_MINUTES,
        durations=durations,
        have_ready=_items(settings.VISIT_HAVE_READY),
        phone_caller=phone_for_people(caller),
        phone_caller_uri=phone_uri(caller),
        video_link_arrival=str(settings.VIDEO_LINK_ARRIVAL),
        address=location.address if location.city else "",
        directions=str(settings.PHARMACY_DIRECTIONS),
        parking=str(settings.PHARMACY_PARKING),
        opening_hours=_items(settings.PHARMACY_OPENING_HOURS),
        after=str(settings.AFTER_CONSULTATION),
    )


def book_again_url() -> str:
    """Where a patient whose consultation was cancelled starts a new booking (absolute, for emails)."""
    return f"{settings.SITE_URL}{reverse('home')}"
