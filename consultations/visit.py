"""What a patient wants to know before a visit: cost, length, what to have ready, how each mode works.

The words are the pharmacy's, from settings (read from the environment, see the README's
configuration table) and from the pharmacy's Location (address, phone); the consultation
lengths come from the active consultation types. Templates only lay them out, so the home page,
the confirmation and the privacy notice never disagree. Nothing here is about one patient's health.

Languages: the built-in defaults in settings are marked for translation (``gettext_lazy``), so a
Spanish page shows the Spanish wording from locale/. A value an operator sets in the environment is
the pharmacy's own text and is shown as written, in every language: an operator who overrides one
and serves Spanish patients writes it in both languages (e.g. "Free / Gratis") or leaves the default.
Everything is read here with ``str()`` in the active language, when the page shows it.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext

from welltopia.phones import phone_for_people, phone_uri
from welltopia.prepared import Prepared

from .models import ConsultationType, Location
from .selectors import pharmacy

# The home page and the confirmation show the consultations' lengths: compiled once (welltopia.prepared).
_ACTIVE_DURATIONS = Prepared(
    lambda: ConsultationType.objects.filter(is_active=True).values_list("duration_minutes", flat=True)
)


def _items(value: str) -> list[str]:
    """A "|"-separated setting as a list, blanks dropped (items may contain commas)."""
    return [item.strip() for item in str(value or "").split("|") if item.strip()]


class VisitInformation:
    """The pharmacy's practical information, each part read when a page first uses it.

    Every page has one in its context (``context_processors.visit``), and most show only
    ``intake_minutes``: the consultation lengths (a query) and the pharmacy's address and phone (its
    Location) are read only by the pages that show them, once each.
    """

    def __init__(self, *, location: Location | None = None):
        self._location = location

    @cached_property
    def location(self) -> Location:
        """The Location given, else the pharmacy (first Location), else an empty, unsaved one."""
        if self._location is not None:
            return self._location
        return pharmacy()

    @property
    def cost(self) -> str:
        return str(settings.CONSULTATION_COST)

    @property
    def intake_minutes(self) -> int:
        return settings.INTAKE_MINUTES

    @cached_property
    def durations(self) -> list[int]:
        return sorted(set(_ACTIVE_DURATIONS.run()))

    @property
    def have_ready(self) -> list[str]:
        return _items(settings.VISIT_HAVE_READY)

    @property
    def _caller(self) -> str:
        return settings.PHONE_CONSULTATION_CALLER or self.location.phone

    @property
    def phone_caller(self) -> str:
        return phone_for_people(self._caller)

    @property
    def phone_caller_uri(self) -> str:
        return phone_uri(self._caller)

    @property
    def video_link_arrival(self) -> str:
        return str(settings.VIDEO_LINK_ARRIVAL)

    @property
    def address(self) -> str:
        return self.location.address if self.location.city else ""

    @property
    def directions(self) -> str:
        return str(settings.PHARMACY_DIRECTIONS)

    @property
    def parking(self) -> str:
        return str(settings.PHARMACY_PARKING)

    @property
    def opening_hours(self) -> list[str]:
        return _items(settings.PHARMACY_OPENING_HOURS)

    @property
    def after(self) -> str:
        return str(settings.AFTER_CONSULTATION)

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
    return VisitInformation(location=location)


def book_again_url() -> str:
    """Where a patient whose consultation was cancelled starts a new booking (absolute, for emails)."""
    return f"{settings.SITE_URL}{reverse('home')}"
