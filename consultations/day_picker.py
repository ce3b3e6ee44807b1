"""The day picker's calendar: the months of the booking window, each day a link, disabled or blank.

Shared by the booking and the reschedule pages (templates/consultations/_day_picker.html lays the
months out). A month has up to 42 cells and the window spans three months: drawn by the template
language, each cell cost a dozen lookups and tests, a third of the day page's time, so each cell's
markup is written here, every value escaped, in exactly the characters the template wrote.
"""

from __future__ import annotations

from calendar import Calendar
from datetime import date

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext, pgettext

from .formats import formatted

# The characters the template wrote around each cell, so pages are the same to the byte.
_BEFORE = "\n        <td>\n          "
_AFTER = "\n          \n        </td>\n        "
_BLANK = _BEFORE + _AFTER


def _outside(day: date) -> str:
    return f'{_BEFORE}\n            <span class="day day-outside" aria-hidden="true">{day.day}</span>{_AFTER}'


def _free(day: date, *, url: str, label: str) -> str:
    return f'{_BEFORE}\n            <a class="day day-free" href="{escape(url)}" aria-label="{escape(label)}">{day.day}</a>{_AFTER}'


def _full(day: date, *, title: str, label: str) -> str:
    return (
        f'{_BEFORE}\n            <span class="day day-full" aria-disabled="true" title="{escape(title)}"><span '
        f'aria-hidden="true">{day.day}</span><span class="visually-hidden">{escape(label)}</span></span>{_AFTER}'
    )


def month_grids(days: dict[date, int], link_for_day) -> list[dict]:
    """Calendar months (weeks of Monday..Sunday) covering the window (``days``: each day's number of
    free times), each week its row's cells as markup.

    The words a screen reader says for each day ("Tuesday, June 2: 3 times free") and the weekday
    headings are translated here, once a page: in the template they were looked up again in each
    of some sixty cells and each month, for the same text.
    """
    if not days:
        return []
    # A Django date format (the "date" template filter's), e.g. "Tuesday, June 2".
    day_format = gettext("l, F j")
    weekdays = [
        (gettext("Monday"), pgettext("Monday, short", "Mo")),
        (gettext("Tuesday"), pgettext("Tuesday, short", "Tu")),
        (gettext("Wednesday"), pgettext("Wednesday, short", "We")),
        (gettext("Thursday"), pgettext("Thursday, short", "Th")),
        (gettext("Friday"), pgettext("Friday, short", "Fr")),
        (gettext("Saturday"), pgettext("Saturday, short", "Sa")),
        (gettext("Sunday"), pgettext("Sunday, short", "Su")),
    ]
    no_free_times = gettext("No free times")
    first, last = min(days), max(days)
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        weeks = []
        for week in Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for day in week:
                if day.month != month:
                    cells.append(_BLANK)
                elif day not in days:
                    cells.append(_outside(day))
                elif count := days[day]:
                    words = {"day_name": formatted(day, day_format), "count": count}
                    label = ngettext(
                        "%(day_name)s: %(count)s time free", "%(day_name)s: %(count)s times free", count
                    ) % words
                    cells.append(_free(day, url=link_for_day(day), label=label))
                else:
                    words = {"day_name": formatted(day, day_format), "count": count}
                    cells.append(_full(day, title=no_free_times, label=gettext("%(day_name)s: no free times") % words))
            weeks.append(mark_safe("".join(cells)))  # noqa: S308 (every value in it went through escape())
        months.append({"first": date(year, month, 1), "weeks": weeks, "weekdays": weekdays})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


