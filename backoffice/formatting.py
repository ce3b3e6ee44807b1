"""How staff screens print times: always in the pharmacy's zone (America/Chicago), one way each.

- ``when``: "Fri Nov 27, 3:00 PM", with the year only when it is not this year;
- ``clock``: "3:45 PM", for an end time beside its start;
- ``stamp``: "2026-11-27 15:00:07 CST", for the audit trail, to the second;
- ``day``: "Fri Nov 27, 2026", for a calendar date (a last dose, an earliest LDN start).
A missing value prints as an em dash.

People, too: ``person_name`` (a staff user's full name, else their username) and ``phone``
("(608) 555-0142").
"""

from datetime import date, datetime

from django.utils import timezone

from welltopia.phones import phone_for_people

MISSING = "—"


def when(moment: datetime | None) -> str:
    if moment is None:
        return MISSING
    local = timezone.localtime(moment)
    if local.year == timezone.localdate().year:
        return local.strftime("%a %b %-d, %-I:%M %p")
    return local.strftime("%a %b %-d %Y, %-I:%M %p")


def clock(moment: datetime | None) -> str:
    return MISSING if moment is None else timezone.localtime(moment).strftime("%-I:%M %p")


def stamp(moment: datetime | None) -> str:
    return MISSING if moment is None else timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


def day(value: date | None) -> str:
    return MISSING if value is None else value.strftime("%a %b %-d, %Y")


def person_name(user) -> str:
    if user is None:
        return MISSING
    return user.get_full_name() or user.get_username()


def phone(value: str | None) -> str:
    return phone_for_people(value) or MISSING
