"""Selectors: which consultation times are free, read from the database in a fixed number of queries.

The slot engine (``consultations.slots``) is pure; this module feeds it. Whatever the number of
days or appointments in the window, one call makes one query (a UNION ALL): the weekly hours, the
date exceptions and the busy intervals of the pharmacists concerned. Pharmacists are known by id
here; callers that need names load them once.

Times handed out are aware UTC datetimes; days are local dates in the pharmacy's zone
(settings.TIME_ZONE, America/Chicago).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from itertools import repeat
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    CharField,
    DateField,
    DateTimeField,
    IntegerField,
    QuerySet,
    TimeField,
    Value,
)
from django.db.models.functions import Cast

from welltopia.prepared import Param, Prepared

from .models import Appointment, AvailabilityException, ConsultationType, Pharmacist, WorkingHours
from .slots import DateException, SlotRules, WorkingRange, free_slots_by_day, merge_first_available

# Slot starts lie on a 15-minute grid from the start of each block of working time.
SLOT_STEP = timedelta(minutes=15)


class FreeTime(NamedTuple):
    # A named tuple rather than a frozen dataclass: the day page builds one per free slot of the
    # whole window (a couple of thousand), and a tuple is made several times faster.
    start: datetime  # aware, UTC
    pharmacist_id: int


def pharmacy_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_day(moment: datetime) -> date:
    return moment.astimezone(pharmacy_zone()).date()


def slot_rules(*, consultation_type: ConsultationType, min_notice: timedelta | None = None) -> SlotRules:
    return SlotRules(
        duration=consultation_type.duration,
        buffer_after=consultation_type.buffer,
        step=SLOT_STEP,
        min_notice=timedelta(minutes=consultation_type.min_notice_minutes) if min_notice is None else min_notice,
        max_advance=timedelta(days=consultation_type.max_advance_days),
    )


def booking_window(*, consultation_type: ConsultationType, now: datetime) -> tuple[date, date]:
    """The first and last local days on which this type can be booked from ``now``."""
    latest = now + timedelta(days=consultation_type.max_advance_days)
    return local_day(now), local_day(latest)


def free_times_by_day(
    *,
    consultation_type: ConsultationType,
    now: datetime,
    pharmacist: Pharmacist | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    ignore_appointment: Appointment | None = None,
    min_notice: timedelta | None = None,
) -> dict[date, list[FreeTime]]:
    """Free start times per local day, every day of the window a key (``[]`` when none is free).

    With ``pharmacist=None`` the times of all active pharmacists are merged: each instant appears
    once, given to the pharmacist with the smallest id ("first available").
    ``ignore_appointment`` does not count as busy (an appointment being moved may overlap itself).
    """
    free = free_days(
        consultation_type=consultation_type,
        now=now,
        pharmacist=pharmacist,
        first_day=first_day,
        last_day=last_day,
        ignore_appointment=ignore_appointment,
        min_notice=min_notice,
    )
    return {day: free.times_on(day) for day in free.days}


class FreeDays:
    """The free times of each local day of a window, per pharmacist as the engine found them.

    A page that shows only how many times each day has (the day picker) counts them without making
    a FreeTime for each, and merges the pharmacists' times only for the days it lists.
    """

    def __init__(self, per_pharmacist: dict[int, dict[date, list[datetime]]], days: list[date]):
        self._per_pharmacist = per_pharmacist
        self.days = days

    def count_on(self, day: date) -> int:
        """How many distinct instants are free on ``day`` (``len(times_on(day))``)."""
        starts = [by_day[day] for by_day in self._per_pharmacist.values() if by_day.get(day)]
        if len(starts) == 1:
            return len(starts[0])
        return len(set().union(*starts))

    def times_on(self, day: date) -> list[FreeTime]:
        """The free times of ``day`` in order, each instant once, for the first available pharmacist
        (the smallest id) when several are free at it."""
        if len(self._per_pharmacist) == 1:
            # One pharmacist: the engine's starts are already distinct, in order and in UTC.
            [(pid, by_day)] = self._per_pharmacist.items()
            return _free_times(zip(by_day.get(day, ()), repeat(pid)))
        merged = merge_first_available({pid: by_day.get(day, []) for pid, by_day in self._per_pharmacist.items()})
        return _free_times(merged)


def _free_times(pairs: Iterable[tuple[datetime, int]]) -> list[FreeTime]:
    """FreeTime(start, pharmacist_id) for each pair. Made by tuple.__new__ itself: a page of the
    whole window makes a couple of thousand, and the named tuple's own __new__, a Python
    function, took three times as long."""
    return list(map(tuple.__new__, repeat(FreeTime), pairs))


def free_days(
    *,
    consultation_type: ConsultationType,
    now: datetime,
    pharmacist: Pharmacist | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    ignore_appointment: Appointment | None = None,
    min_notice: timedelta | None = None,
) -> FreeDays:
    """``free_times_by_day`` as FreeDays: the same days and times, merged when asked for."""
    window_first, window_last = booking_window(consultation_type=consultation_type, now=now)
    first_day = max(first_day or window_first, window_first)
    last_day = min(last_day or window_last, window_last)
    if last_day < first_day:
        return FreeDays({}, [])
    per_pharmacist = _free_slots_per_pharmacist(
        consultation_type=consultation_type,
        now=now,
        pharmacist=pharmacist,
        first_day=first_day,
        last_day=last_day,
        ignore_appointment=ignore_appointment,
        min_notice=min_notice,
    )
    return FreeDays(per_pharmacist, [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)])


def free_pharmacist_ids_at(
    *,
    consultation_type: ConsultationType,
    start: datetime,
    now: datetime,
    pharmacist: Pharmacist | None = None,
    ignore_appointment: Appointment | None = None,
    min_notice: timedelta | None = None,
) -> list[int]:
    """Ids (ascending) of the pharmacists free for a consultation starting exactly at ``start``.

    The same computation as the pickers, for that one local day: the start must lie on the slot
    grid, inside working hours, within the booking window and clear of other appointments.
    """
    day = local_day(start)
    per_pharmacist = _free_slots_per_pharmacist(
        consultation_type=consultation_type,
        now=now,
        pharmacist=pharmacist,
        first_day=day,
        last_day=day,
        ignore_appointment=ignore_appointment,
        min_notice=min_notice,
    )
    start = start.astimezone(UTC)
    return sorted(pid for pid, by_day in per_pharmacist.items() if start in by_day.get(day, ()))


def _free_slots_per_pharmacist(
    *,
    consultation_type: ConsultationType,
    now: datetime,
    pharmacist: Pharmacist | None,
    first_day: date,
    last_day: date,
    ignore_appointment: Appointment | None,
    min_notice: timedelta | None,
) -> dict[int, dict[date, list[datetime]]]:
    tz = pharmacy_zone()
    ranges, exceptions, blocked = _load(
        pharmacist=pharmacist,
        first_day=first_day,
        last_day=last_day,
        ignore_appointment=ignore_appointment,
        tz=tz,
    )
    rules = slot_rules(consultation_type=consultation_type, min_notice=min_notice)
    return {
        pid: free_slots_by_day(
            ranges=ranges.get(pid, ()),
            exceptions=exceptions.get(pid, ()),
            busy=(),
            blocked=blocked.get(pid, ()),
            rules=rules,
            now=now,
            first_day=first_day,
            last_day=last_day,
            tz=tz,
        )
        for pid in sorted(ranges.keys() | exceptions.keys())
    }


def _who(*, one_pharmacist: bool) -> dict:
    """Rows of the active pharmacists, or of the one a run names (``pharmacist``)."""
    who: dict = {"pharmacist__is_active": True}
    if one_pharmacist:
        who["pharmacist_id"] = Param("pharmacist", BigIntegerField())
    return who


# No ORDER BY in these: the engine sorts what it is given, and the models' orderings (by the
# pharmacist's name, among others) cost the database a sort.
# Typed NULLs: PostgreSQL types a UNION's columns branch by branch, and two bare NULLs make text.
_NO_DAY = Cast(Value(None), output_field=DateField())
_NO_KIND = Cast(Value(None), output_field=CharField())
_NO_WEEKDAY = Cast(Value(None), output_field=IntegerField())
_NO_TIME = Cast(Value(None), output_field=TimeField())
_NO_MOMENT = Cast(Value(None), output_field=DateTimeField())


def _schedule_query(*, one_pharmacist: bool, ignoring_one: bool) -> QuerySet:
    """The working hours, the window's exceptions and the spans its appointments block, in one
    query (UNION ALL): one round trip on every booking step where three took three. Each row is
    ``(pharmacist_id, weekday, day, kind, start, end, blocked_from, blocked_until)``: an hours row
    has a weekday, an exception a day, an appointment neither (weekday and day are NOT NULL in
    their tables); each leaves the other kinds' columns empty."""
    hours = (
        WorkingHours.objects.filter(**_who(one_pharmacist=one_pharmacist))
        .annotate(no_day=_NO_DAY, no_kind=_NO_KIND, no_from=_NO_MOMENT, no_until=_NO_MOMENT)
        .order_by()
        .values_list("pharmacist_id", "weekday", "no_day", "no_kind", "start", "end", "no_from", "no_until")
    )
    exceptions = (
        AvailabilityException.objects.filter(
            day__gte=Param("first_day", DateField()),
            day__lte=Param("last_day", DateField()),
            **_who(one_pharmacist=one_pharmacist),
        )
        .annotate(no_weekday=_NO_WEEKDAY, no_from=_NO_MOMENT, no_until=_NO_MOMENT)
        .order_by()
        .values_list("pharmacist_id", "no_weekday", "day", "kind", "start", "end", "no_from", "no_until")
    )
    appointments = Appointment.objects.filter(
        start__lt=Param("window_end", DateTimeField()),
        blocked_until__gt=Param("window_start", DateTimeField()),
        **_who(one_pharmacist=one_pharmacist),
    ).exclude(status=Appointment.Status.CANCELLED)
    if ignoring_one:
        appointments = appointments.exclude(pk=Param("ignored", BigIntegerField()))
    # Only the blocked span matters to the engine: its end is read, not the appointment's.
    blocked = (
        appointments.annotate(
            no_weekday=_NO_WEEKDAY, no_day=_NO_DAY, no_kind=_NO_KIND, no_start=_NO_TIME, no_end=_NO_TIME
        )
        .order_by()
        .values_list("pharmacist_id", "no_weekday", "no_day", "no_kind", "no_start", "no_end", "start", "blocked_until")
    )
    return hours.union(exceptions, blocked, all=True)


# Every booking step reads it: compiled once per shape (welltopia.prepared).
_SCHEDULE = {
    (one, ignoring): Prepared(partial(_schedule_query, one_pharmacist=one, ignoring_one=ignoring))
    for one in (False, True)
    for ignoring in (False, True)
}


def _load(
    *,
    pharmacist: Pharmacist | None,
    first_day: date,
    last_day: date,
    ignore_appointment: Appointment | None,
    tz: ZoneInfo,
) -> tuple[dict[int, list[WorkingRange]], dict[int, list[DateException]], dict[int, list[tuple[datetime, datetime]]]]:
    """One query, however long the window and however many appointments it holds.

    Appointments come back as the spans they block, ``(start, blocked_until)``, which the engine
    takes as they are (``blocked``): the database has checked them (blocked_until >= end > start)."""
    values: dict[str, Any] = {
        "first_day": first_day,
        "last_day": last_day,
        # A day's margin on each side keeps every appointment that can reach the window, DST or not.
        "window_start": datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=tz),
        "window_end": datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=tz),
    }
    if pharmacist is not None:
        values["pharmacist"] = pharmacist.pk
    if ignore_appointment is not None:
        values["ignored"] = ignore_appointment.pk

    ranges: dict[int, list[WorkingRange]] = {}
    exceptions: dict[int, list[DateException]] = {}
    blocked: dict[int, list[tuple[datetime, datetime]]] = {}
    shape = (pharmacist is not None, ignore_appointment is not None)
    for pid, weekday, day, kind, begins, ends, blocked_from, blocked_until in _SCHEDULE[shape].run(**values):
        if weekday is not None:
            ranges.setdefault(pid, []).append(WorkingRange(weekday=weekday, start=begins, end=ends))
        elif day is not None:
            exceptions.setdefault(pid, []).append(
                DateException(
                    day=day, start=begins, end=ends, available=kind == AvailabilityException.Kind.EXTRA_HOURS
                )
            )
        else:
            blocked.setdefault(pid, []).append((blocked_from, blocked_until))
    return ranges, exceptions, blocked


# The review and the confirmation name who takes the time: compiled once (welltopia.prepared).
_PHARMACIST = Prepared(
    lambda: Pharmacist.objects.filter(pk=Param("pk", BigIntegerField())).select_related("location").order_by()[:1]
)


def pharmacist_by_id(pk: int) -> Pharmacist | None:
    """The pharmacist with this id, with their location."""
    return _PHARMACIST.first(pk=pk)
