"""Selectors: which consultation times are free, read from the database in a fixed number of queries.

The slot engine (``consultations.slots``) is pure; this module feeds it. Whatever the number of
days or appointments in the window, one call makes at most three queries: the weekly hours, the
date exceptions and the busy intervals of the pharmacists concerned. Pharmacists are known by id
here; callers that need names load them once.

Times handed out are aware UTC datetimes; days are local dates in the pharmacy's zone
(settings.TIME_ZONE, America/Chicago).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings

from .models import Appointment, AvailabilityException, ConsultationType, Pharmacist, WorkingHours
from .slots import Busy, DateException, SlotRules, WorkingRange, free_slots_by_day, merge_first_available

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
    window_first, window_last = booking_window(consultation_type=consultation_type, now=now)
    first_day = max(first_day or window_first, window_first)
    last_day = min(last_day or window_last, window_last)
    if last_day < first_day:
        return {}
    per_pharmacist = _free_slots_per_pharmacist(
        consultation_type=consultation_type,
        now=now,
        pharmacist=pharmacist,
        first_day=first_day,
        last_day=last_day,
        ignore_appointment=ignore_appointment,
        min_notice=min_notice,
    )
    days: dict[date, list[FreeTime]] = {}
    day = first_day
    while day <= last_day:
        if len(per_pharmacist) == 1:
            # One pharmacist: the engine's starts are already distinct, in order and in UTC.
            [(pid, by_day)] = per_pharmacist.items()
            days[day] = [FreeTime(start, pid) for start in by_day.get(day, ())]
        else:
            merged = merge_first_available({pid: by_day.get(day, []) for pid, by_day in per_pharmacist.items()})
            days[day] = [FreeTime(start, pid) for start, pid in merged]
        day += timedelta(days=1)
    return days


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
    ranges, exceptions, busy = _load(
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
            busy=busy.get(pid, ()),
            rules=rules,
            now=now,
            first_day=first_day,
            last_day=last_day,
            tz=tz,
        )
        for pid in sorted(ranges.keys() | exceptions.keys())
    }


def _load(
    *,
    pharmacist: Pharmacist | None,
    first_day: date,
    last_day: date,
    ignore_appointment: Appointment | None,
    tz: ZoneInfo,
) -> tuple[dict[int, list[WorkingRange]], dict[int, list[DateException]], dict[int, list[Busy]]]:
    """Three queries, however long the window and however many appointments it holds."""
    if pharmacist is not None:
        who = {"pharmacist_id": pharmacist.pk, "pharmacist__is_active": True}
    else:
        who = {"pharmacist__is_active": True}

    ranges: dict[int, list[WorkingRange]] = {}
    for pid, weekday, start, end in WorkingHours.objects.filter(**who).values_list(
        "pharmacist_id", "weekday", "start", "end"
    ):
        ranges.setdefault(pid, []).append(WorkingRange(weekday=weekday, start=start, end=end))

    exceptions: dict[int, list[DateException]] = {}
    for pid, day, kind, begins, ends in AvailabilityException.objects.filter(
        day__gte=first_day, day__lte=last_day, **who
    ).values_list("pharmacist_id", "day", "kind", "start", "end"):
        exceptions.setdefault(pid, []).append(
            DateException(
                day=day, start=begins, end=ends, available=kind == AvailabilityException.Kind.EXTRA_HOURS
            )
        )

    # A day's margin on each side keeps every appointment that can reach the window, DST or not.
    window_start = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=tz)
    window_end = datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=tz)
    appointments = Appointment.objects.filter(
        start__lt=window_end, blocked_until__gt=window_start, **who
    ).exclude(status=Appointment.Status.CANCELLED)
    if ignore_appointment is not None:
        appointments = appointments.exclude(pk=ignore_appointment.pk)
    busy: dict[int, list[Busy]] = {}
    # Only the blocked span matters to the engine; reading two datetimes instead of three saves a
    # third of the conversion work, which dominates with thousands of appointments on SQLite.
    for pid, starts_at, blocked_until in appointments.values_list("pharmacist_id", "start", "blocked_until"):
        busy.setdefault(pid, []).append(Busy(start=starts_at, end=blocked_until))
    return ranges, exceptions, busy


def first_free_time(days: dict[date, list[FreeTime]]) -> FreeTime | None:
    for times in days.values():
        if times:
            return times[0]
    return None


def pharmacists_by_id(ids: Sequence[int]) -> dict[int, Pharmacist]:
    return {p.pk: p for p in Pharmacist.objects.filter(pk__in=ids).select_related("location")}
