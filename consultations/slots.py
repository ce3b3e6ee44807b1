"""Free consultation slots for one pharmacist, computed from plain data.

This module is pure Python (standard library only): no Django, no database.
Callers load weekly hours, date exceptions and existing appointments, and
get back the UTC start times a patient may book.

The model
---------
*Open time* on a local day is the union of the weekly ``WorkingRange``s for
that weekday and any ``DateException(available=True)`` (extra hours) on that
date. *Time off* (``DateException(available=False)``) is then removed, and it
always wins over extra hours, whatever order the exceptions come in. A
``DateException`` with ``start=None`` and ``end=None`` covers the whole local
day. Each contiguous stretch of open time is a *block*.

A slot starting at ``s`` needs its whole *footprint*
``[s, s + rules.duration + rules.buffer_after)`` to be free:

- inside one block of that local day and clear of time off, so the new
  appointment's own buffer (note-writing time) must also end by closing time
  or by the start of a break;
- clear of every existing appointment, each blocking
  ``[busy.start, busy.end + busy.buffer_after)``; or, given as ``blocked``,
  the spans ``(start, end)`` a caller already holds with the buffer in
  ``end`` (an appointment's ``blocked_until``).

Buffers
-------
``Busy.end`` is the end of the appointment itself; ``Busy.buffer_after``
carries *that appointment's* buffer, because existing appointments may be of
another type than the one being booked. So a new slot may start as soon as
the existing appointment's buffer is over, and a new slot must end (with its
own buffer) before an existing appointment starts.

The grid
--------
Slot starts lie on a grid of ``rules.step`` measured in *real elapsed time*
from the start of each block. Time off and existing appointments remove grid
points but never move the grid, so a 12:00-12:20 break still leaves slots on
the familiar :00/:15/:30/:45 marks.

Time zones and DST
------------------
Everything is converted to UTC before any arithmetic; all arithmetic is on
UTC instants, so durations, steps, buffers, ``min_notice`` and
``max_advance`` are real elapsed time. (Adding a timedelta to a datetime in
a ``ZoneInfo`` zone is wall-clock arithmetic in Python, which is wrong across
a DST change - that is why ``now`` and ``Busy`` are normalised to UTC first.)

A wall-clock time of a range or exception is resolved to *the first instant
at which the pharmacy's clock shows that time, or a later one*:

- an ambiguous time (fall back, 01:00-02:00 happens twice) resolves to its
  first occurrence (``fold=0``);
- a non-existent time (spring forward, 02:00-03:00 is skipped) resolves to
  the transition instant, i.e. 03:00 CDT.

Because the grid runs on elapsed time from the block's start, a slot is never
offered at a wall time that does not exist, a real instant is never offered
twice, and in the repeated hour both occurrences appear in order as distinct
UTC instants. Since US DST shifts are whole hours, steps that divide an hour
keep their wall-clock look (:00/:15/:30/:45) across the change.

Booking window
--------------
A slot is offered when ``now + min_notice <= start <= now + max_advance``,
both bounds inclusive and measured in elapsed time from ``now``. The last
bookable day is therefore cut at the same time of day as ``now`` (give or
take a DST hour), not offered whole: "60 days ahead" means 60 x 24 hours.

Ranges do not cross midnight (``end > start`` on one date); a slot belongs to
the local day of the block it was generated from.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate, repeat
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo

__all__ = [
    "Busy",
    "DateException",
    "SlotRules",
    "WorkingRange",
    "free_slots",
    "free_slots_by_day",
    "merge_first_available",
]

ONE_DAY = timedelta(days=1)

# A half-open span of real time [start, end), both aware UTC datetimes.
Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class WorkingRange:
    """Weekly hours, wall clock in the pharmacy's zone."""

    weekday: int  # 0=Monday .. 6=Sunday
    start: time
    end: time  # end > start; several ranges per day give breaks between them

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0..6, got {self.weekday}")
        _check_wall_times(self.start, self.end)


@dataclass(frozen=True)
class DateException:
    """A change to one date: time off or extra hours."""

    day: date
    start: time | None  # start=None and end=None mean the whole local day
    end: time | None
    available: bool  # False = time off (removes time), True = extra hours (adds time)

    def __post_init__(self) -> None:
        if (self.start is None) != (self.end is None):
            raise ValueError("give both start and end, or neither for the whole day")
        if self.start is not None and self.end is not None:
            _check_wall_times(self.start, self.end)


@dataclass(frozen=True)
class Busy:
    """An existing active appointment of this pharmacist.

    ``end`` is the end of the appointment itself; ``buffer_after`` is the
    buffer of *its* appointment type, kept free after ``end``.
    """

    start: datetime  # aware; converted to UTC by the engine
    end: datetime
    buffer_after: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.start.utcoffset() is None or self.end.utcoffset() is None:
            raise ValueError("Busy start and end must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("Busy end must be after start")
        if self.buffer_after < timedelta(0):
            raise ValueError("Busy buffer_after must not be negative")


@dataclass(frozen=True)
class SlotRules:
    """How slots of one appointment type are laid out."""

    duration: timedelta  # e.g. 30 min
    buffer_after: timedelta  # kept free after the new appointment, e.g. 5 min
    step: timedelta  # grid from the start of each block of open time, e.g. 15 min
    min_notice: timedelta = timedelta(hours=2)  # no slot starting before now + min_notice
    max_advance: timedelta = timedelta(days=60)  # no slot starting after now + max_advance

    def __post_init__(self) -> None:
        if self.duration <= timedelta(0):
            raise ValueError("duration must be positive")
        if self.step <= timedelta(0):
            raise ValueError("step must be positive")
        for name in ("buffer_after", "min_notice", "max_advance"):
            if getattr(self, name) < timedelta(0):
                raise ValueError(f"{name} must not be negative")


def free_slots(
    *,
    ranges: Sequence[WorkingRange],
    exceptions: Sequence[DateException],
    busy: Sequence[Busy],
    rules: SlotRules,
    now: datetime,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    blocked: Sequence[Interval] = (),
) -> list[datetime]:
    """Starts of free slots (aware UTC, strictly increasing) on local days
    ``first_day`` .. ``last_day`` inclusive.

    ``blocked`` are more busy spans ``(start, end)``, aware, the buffer already
    in ``end``, taken as given: appointments read back from the database, which
    has checked them, need no ``Busy`` each."""
    starts: list[datetime] = []
    for _day, first, count, step in _free_runs(
        ranges=ranges,
        exceptions=exceptions,
        busy=busy,
        blocked=blocked,
        rules=rules,
        now=now,
        first_day=first_day,
        last_day=last_day,
        tz=tz,
    ):
        starts.extend(_run(first, count, step))
    return starts


def free_slots_by_day(
    *,
    ranges: Sequence[WorkingRange],
    exceptions: Sequence[DateException],
    busy: Sequence[Busy],
    rules: SlotRules,
    now: datetime,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    blocked: Sequence[Interval] = (),
) -> dict[date, list[datetime]]:
    """Like ``free_slots``, grouped by local day.

    Every day from ``first_day`` to ``last_day`` is a key, in order, with
    ``[]`` when nothing is free, so the UI can show fully booked days.
    """
    slots_by_day: dict[date, list[datetime]] = {day: [] for day in _days(first_day, last_day)}
    for day, first, count, step in _free_runs(
        ranges=ranges,
        exceptions=exceptions,
        busy=busy,
        blocked=blocked,
        rules=rules,
        now=now,
        first_day=first_day,
        last_day=last_day,
        tz=tz,
    ):
        slots_by_day[day].extend(_run(first, count, step))
    return slots_by_day


class _Orderable(Protocol):
    # Any, as typeshed's SupportsDunderLT: int.__lt__ takes only an int, so `object` would refuse ids.
    def __lt__(self, other: Any, /) -> bool: ...


K = TypeVar("K", bound=_Orderable)


def merge_first_available(per_pharmacist: Mapping[K, list[datetime]]) -> list[tuple[datetime, K]]:
    """Merge several pharmacists' free slots for a "first available" view.

    Returns ``(start, pharmacist)`` pairs sorted by start, one per distinct
    start instant. When several pharmacists are free at the same instant the
    one with the smallest key wins (keys are ids, so they sort). Sorting the
    keys, rather than trusting the mapping's order, keeps the choice the same
    however the caller built the mapping (e.g. an unordered queryset).
    """
    chosen: dict[datetime, K] = {}
    for pharmacist in sorted(per_pharmacist):
        for start in per_pharmacist[pharmacist]:
            chosen.setdefault(start.astimezone(UTC), pharmacist)
    return sorted(chosen.items(), key=lambda pair: pair[0])


# --- the engine ------------------------------------------------------------


def _free_runs(
    *,
    ranges: Sequence[WorkingRange],
    exceptions: Sequence[DateException],
    busy: Sequence[Busy],
    blocked: Sequence[Interval],
    rules: SlotRules,
    now: datetime,
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
) -> Iterator[tuple[date, datetime, int, timedelta]]:
    """Yield ``(local day, first UTC start, count, step)`` for each run of free
    slots on the grid, in order: the run's starts are ``first + k * step`` for
    ``k`` in ``range(count)``. (Runs, not single starts: a caller that counts
    or lists them does so without a generator step per slot.)"""
    if now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now_utc = now.astimezone(UTC)
    earliest_start = now_utc + rules.min_notice
    latest_start = now_utc + rules.max_advance
    footprint = rules.duration + rules.buffer_after
    step = rules.step

    ranges_by_weekday: dict[int, list[WorkingRange]] = {weekday: [] for weekday in range(7)}
    for working_range in ranges:
        ranges_by_weekday[working_range.weekday].append(working_range)
    exceptions_by_day: dict[date, list[DateException]] = {}
    for exception in exceptions:
        if first_day <= exception.day <= last_day:
            exceptions_by_day.setdefault(exception.day, []).append(exception)

    # Time off and existing appointments both just remove time, so they are
    # swept together as one sorted list.
    removed = [(b.start.astimezone(UTC), b.end.astimezone(UTC) + b.buffer_after) for b in busy]
    removed.extend((start.astimezone(UTC), end.astimezone(UTC)) for start, end in blocked)
    for day, day_exceptions in exceptions_by_day.items():
        removed.extend(
            _exception_interval(day=day, exception=e, tz=tz) for e in day_exceptions if not e.available
        )
    removed = _union(removed)

    next_removed = 0  # blocks come in time order, so the sweep only moves forward
    for day in _days(first_day, last_day):
        open_time = [
            _wall_interval(day=day, start=r.start, end=r.end, tz=tz) for r in ranges_by_weekday[day.weekday()]
        ]
        open_time.extend(
            _exception_interval(day=day, exception=e, tz=tz)
            for e in exceptions_by_day.get(day, ())
            if e.available
        )
        for block_start, block_end in _union(open_time):
            if block_start > latest_start:
                return
            while next_removed < len(removed) and removed[next_removed][1] <= block_start:
                next_removed += 1
            for free_start, free_end in _subtract(
                (block_start, block_end), removed, first_candidate=next_removed
            ):
                lowest = max(free_start, earliest_start)
                highest = min(free_end - footprint, latest_start)
                start = _first_grid_point_at_or_after(lowest, anchor=block_start, step=step)
                if start <= highest:
                    yield day, start, (highest - start) // step + 1, step


def _run(first: datetime, count: int, step: timedelta) -> Iterator[datetime]:
    """The starts of one run: ``first``, then every ``step``, ``count`` in all (each the one
    before plus ``step``, as the grid is walked)."""
    return accumulate(repeat(step, count - 1), operator.add, initial=first)


def _first_grid_point_at_or_after(moment: datetime, *, anchor: datetime, step: timedelta) -> datetime:
    if moment <= anchor:
        return anchor
    steps_needed = -((anchor - moment) // step)  # ceiling division on timedeltas
    return anchor + steps_needed * step


def _union(intervals: list[Interval]) -> list[Interval]:
    """Sorted, non-overlapping, non-touching intervals covering the same time."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _subtract(block: Interval, removed: list[Interval], *, first_candidate: int) -> Iterator[Interval]:
    """Parts of ``block`` not covered by ``removed`` (sorted and merged).

    ``first_candidate`` is the index of the first removal that can still
    reach ``block``; earlier ones all end before it.
    """
    cursor, block_end = block
    index = first_candidate
    while index < len(removed) and removed[index][0] < block_end:
        removed_start, removed_end = removed[index]
        if removed_start > cursor:
            yield cursor, removed_start
        cursor = max(cursor, removed_end)
        index += 1
    if cursor < block_end:
        yield cursor, block_end


def _days(first_day: date, last_day: date) -> Iterator[date]:
    day = first_day
    while day <= last_day:
        yield day
        day += ONE_DAY


def _exception_interval(*, day: date, exception: DateException, tz: ZoneInfo) -> Interval:
    if exception.start is None or exception.end is None:
        return _local_day_interval(day=day, tz=tz)
    return _wall_interval(day=day, start=exception.start, end=exception.end, tz=tz)


def _local_day_interval(*, day: date, tz: ZoneInfo) -> Interval:
    return _wall_to_utc(day=day, wall=time(0), tz=tz), _wall_to_utc(day=day + ONE_DAY, wall=time(0), tz=tz)


def _wall_interval(*, day: date, start: time, end: time, tz: ZoneInfo) -> Interval:
    return _wall_to_utc(day=day, wall=start, tz=tz), _wall_to_utc(day=day, wall=end, tz=tz)


@lru_cache(maxsize=4096)
def _wall_to_utc(*, day: date, wall: time, tz: ZoneInfo) -> datetime:
    """The first instant at which the clock in ``tz`` shows ``wall`` on ``day``,
    or - when that wall time is skipped by a DST gap - the instant of the jump.

    Kept once found: each pharmacist's hours, on every page that shows the
    window, ask again for the same few wall times of the same sixty days."""
    local = datetime.combine(day, wall.replace(fold=0), tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant  # exists; fold=0 already picked the first occurrence
    return _gap_transition(local=local)


def _gap_transition(*, local: datetime) -> datetime:
    """The instant a DST gap containing the non-existent ``local`` time begins.

    The two readings of a non-existent time (old offset, new offset) are
    instants on either side of the jump; bisect between them.
    zoneinfo does not expose transitions, and this path only runs for wall
    times inside a gap, so the few iterations do not matter.
    """
    tz = local.tzinfo
    readings = sorted(local.replace(fold=fold).astimezone(UTC) for fold in (0, 1))
    # Bisect on whole seconds: offsets change on whole seconds (minutes, in practice).
    old_offset_second, new_offset_second = (int(reading.timestamp()) for reading in readings)
    offset_after_jump = readings[1].astimezone(tz).utcoffset()
    while new_offset_second - old_offset_second > 1:
        middle = (old_offset_second + new_offset_second) // 2
        if datetime.fromtimestamp(middle, tz).utcoffset() == offset_after_jump:
            new_offset_second = middle
        else:
            old_offset_second = middle
    return datetime.fromtimestamp(new_offset_second, UTC)


def _check_wall_times(start: time, end: time) -> None:
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError("wall times are in the pharmacy's zone; pass naive times")
    if end <= start:
        raise ValueError(f"end {end} must be after start {start} (ranges do not cross midnight)")
