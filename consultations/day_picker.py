"""The day picker's calendar: the months of the booking window, each day a link, disabled or blank.

Shared by the booking and the reschedule pages (templates/consultations/_day_picker.html lays the
months out). A month has up to 42 cells and the window spans three months: drawn by the template
language, each cell cost a dozen lookups and tests, a third of the day page's time, so each cell's
markup is written here, escaped by format_html, in exactly the characters the template wrote.
"""

from __future__ import annotations

from calendar import Calendar
from datetime import date

from django.utils import dateformat
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext, pgettext

# One cell: the whitespace is the template's, so pages are the same to the byte.
CELL = "\n        <td>\n          {}\n          \n        </td>\n        "
OUTSIDE = '\n            <span class="day day-outside" aria-hidden="true">{day}</span>'
FREE = '\n            <a class="day day-free" href="{url}" aria-label="{label}">{day}</a>'
FULL = (
    '\n            <span class="day day-full" aria-disabled="true" title="{title}"><span aria-hidden="true">{day}'
    '</span><span class="visually-hidden">{label}</span></span>'
)


def _cell(inner: str) -> str:
    return format_html(CELL, inner)


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
                    cells.append(_cell(""))
                elif day not in days:
                    cells.append(_cell(format_html(OUTSIDE, day=day.day)))
                elif count := days[day]:
                    words = {"day_name": dateformat.format(day, day_format), "count": count}
                    label = ngettext(
                        "%(day_name)s: %(count)s time free", "%(day_name)s: %(count)s times free", count
                    ) % words
                    cells.append(_cell(format_html(FREE, url=link_for_day(day), label=label, day=day.day)))
                else:
                    words = {"day_name": dateformat.format(day, day_format), "count": count}
                    label = gettext("%(day_name)s: no free times") % words
                    cells.append(_cell(format_html(FULL, title=no_free_times, label=label, day=day.day)))
            weeks.append(format_html_join("", "{}", ((cell,) for cell in cells)))
        months.append({"first": date(year, month, 1), "weeks": weeks, "weekdays": weekdays})
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


