from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from consultations.slots import (
    Busy,
    DateException,
    SlotRules,
    WorkingRange,
    free_slots,
    free_slots_by_day,
    merge_first_available,
)

CHICAGO = ZoneInfo("America/Chicago")
MINUTES = timedelta(minutes=1)

WINTER_WEDNESDAY = date(2026, 1, 14)
SUMMER_WEDNESDAY = date(2026, 6, 17)
SPRING_FORWARD = date(2026, 3, 8)  # Sunday; 02:00 CST jumps to 03:00 CDT
FALL_BACK = date(2026, 11, 1)  # Sunday; 02:00 CDT falls back to 01:00 CST

PLAIN_RULES = SlotRules(
    duration=30 * MINUTES,
    buffer_after=timedelta(0),
    step=15 * MINUTES,
    min_notice=timedelta(0),
)


def rules_with(**changes: timedelta) -> SlotRules:
    return replace(PLAIN_RULES, **changes)


def every_day(start: time, end: time) -> list[WorkingRange]:
    return [WorkingRange(weekday=weekday, start=start, end=end) for weekday in range(7)]


NINE_TO_FIVE = every_day(time(9), time(17))


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local(day: date, hour: int, minute: int = 0, *, fold: int = 0) -> datetime:
    """The UTC instant of a wall-clock time in Chicago (fold=1: second occurrence)."""
    return datetime.combine(day, time(hour, minute, fold=fold), tzinfo=CHICAGO).astimezone(UTC)


def walls(slots: Sequence[datetime]) -> list[str]:
    """Slots as Chicago wall clock with the zone name, e.g. '01:45 CST'."""
    return [slot.astimezone(CHICAGO).strftime("%H:%M %Z") for slot in slots]


def compute(
    *,
    first_day: date,
    last_day: date | None = None,
    ranges: Sequence[WorkingRange] = NINE_TO_FIVE,
    exceptions: Sequence[DateException] = (),
    busy: Sequence[Busy] = (),
    rules: SlotRules = PLAIN_RULES,
    now: datetime | None = None,
) -> list[datetime]:
    return free_slots(
        ranges=ranges,
        exceptions=exceptions,
        busy=busy,
        rules=rules,
        now=now if now is not None else local(first_day - timedelta(days=1), 0),
        first_day=first_day,
        last_day=last_day or first_day,
        tz=CHICAGO,
    )


def busy_at(day: date, hour: int, minute: int = 0, *, minutes: int = 30, buffer: int = 0) -> Busy:
    start = local(day, hour, minute)
    return Busy(start=start, end=start + minutes * MINUTES, buffer_after=buffer * MINUTES)


# --- an ordinary day -------------------------------------------------------------------


def test_ordinary_day_offers_a_slot_every_step_until_the_last_one_that_fits():
    slots = compute(first_day=WINTER_WEDNESDAY)

    assert len(slots) == 31
    assert walls(slots)[:3] == ["09:00 CST", "09:15 CST", "09:30 CST"]
    assert walls(slots)[-1] == "16:30 CST"


def test_winter_nine_to_five_is_fifteen_to_twenty_three_utc():
    slots = compute(first_day=WINTER_WEDNESDAY)

    assert slots[0] == utc(2026, 1, 14, 15, 0)
    assert slots[-1] == utc(2026, 1, 14, 22, 30)  # ends exactly at 23:00 UTC = 17:00 CST


def test_summer_nine_to_five_is_fourteen_to_twenty_two_utc():
    slots = compute(first_day=SUMMER_WEDNESDAY)

    assert slots[0] == utc(2026, 6, 17, 14, 0)
    assert slots[-1] == utc(2026, 6, 17, 21, 30)


def test_slots_are_aware_utc_datetimes():
    slots = compute(first_day=WINTER_WEDNESDAY)

    assert all(slot.tzinfo is UTC for slot in slots)


def test_new_appointments_own_buffer_must_fit_before_closing_time():
    rules = rules_with(buffer_after=5 * MINUTES)

    slots = compute(first_day=WINTER_WEDNESDAY, rules=rules)

    # 16:30 + 30 min + 5 min buffer = 17:05, past closing.
    assert walls(slots)[-1] == "16:15 CST"


def test_break_between_two_ranges_offers_no_slot_running_into_the_break():
    ranges = [
        WorkingRange(weekday=2, start=time(9), end=time(12)),
        WorkingRange(weekday=2, start=time(13), end=time(17)),
    ]

    slots = compute(first_day=WINTER_WEDNESDAY, ranges=ranges)

    morning = [w for w in walls(slots) if w < "12:00"]
    afternoon = [w for w in walls(slots) if w >= "12:00"]
    assert morning[-1] == "11:30 CST"
    assert afternoon[0] == "13:00 CST"
    assert len(slots) == 11 + 15


def test_grid_is_measured_from_the_start_of_each_working_range():
    ranges = [
        WorkingRange(weekday=2, start=time(9, 10), end=time(10)),
        WorkingRange(weekday=2, start=time(13, 5), end=time(14)),
    ]

    slots = compute(first_day=WINTER_WEDNESDAY, ranges=ranges)

    assert walls(slots) == ["09:10 CST", "09:25 CST", "13:05 CST", "13:20 CST"]


def test_working_range_must_end_after_it_starts():
    with pytest.raises(ValueError):
        WorkingRange(weekday=0, start=time(17), end=time(9))


# --- date exceptions -------------------------------------------------------------------


def test_whole_day_time_off_removes_every_slot_of_that_day_only():
    time_off = DateException(day=WINTER_WEDNESDAY, start=None, end=None, available=False)

    by_day = free_slots_by_day(
        ranges=NINE_TO_FIVE,
        exceptions=[time_off],
        busy=[],
        rules=PLAIN_RULES,
        now=local(WINTER_WEDNESDAY, 0),
        first_day=WINTER_WEDNESDAY - timedelta(days=1),
        last_day=WINTER_WEDNESDAY + timedelta(days=1),
        tz=CHICAGO,
    )

    assert [len(slots) for slots in by_day.values()] == [0, 0, 31]  # the day before is already past
    assert by_day[WINTER_WEDNESDAY] == []


def test_partial_time_off_removes_overlapping_slots_and_keeps_the_grid():
    time_off = DateException(day=WINTER_WEDNESDAY, start=time(12), end=time(12, 20), available=False)

    slots = walls(compute(first_day=WINTER_WEDNESDAY, exceptions=[time_off]))

    assert "11:30 CST" in slots  # ends exactly at 12:00
    for overlapping in ("11:45 CST", "12:00 CST", "12:15 CST"):
        assert overlapping not in slots
    assert "12:30 CST" in slots
    assert "12:20 CST" not in slots  # the grid is not re-anchored at the end of the time off
    assert len(slots) == 31 - 3


def test_extra_hours_open_a_day_without_weekly_hours():
    weekdays_only = [WorkingRange(weekday=weekday, start=time(9), end=time(17)) for weekday in range(5)]
    sunday = date(2026, 1, 18)
    extra = DateException(day=sunday, start=time(10), end=time(12), available=True)

    slots = compute(first_day=sunday, ranges=weekdays_only, exceptions=[extra])

    assert walls(slots) == [
        "10:00 CST",
        "10:15 CST",
        "10:30 CST",
        "10:45 CST",
        "11:00 CST",
        "11:15 CST",
        "11:30 CST",
    ]


def test_extra_hours_touching_weekly_hours_form_one_block_on_one_grid():
    extra = DateException(day=WINTER_WEDNESDAY, start=time(17), end=time(18), available=True)

    slots = walls(compute(first_day=WINTER_WEDNESDAY, exceptions=[extra]))

    assert "16:45 CST" in slots  # straddles the old closing time
    assert slots[-1] == "17:30 CST"
    assert len(slots) == 35


def test_time_off_wins_over_extra_hours_on_the_same_date():
    sunday = date(2026, 1, 18)
    exceptions = [
        DateException(day=sunday, start=time(10), end=time(11), available=False),
        DateException(day=sunday, start=time(9), end=time(12), available=True),
    ]

    slots = walls(compute(first_day=sunday, ranges=[], exceptions=exceptions))

    assert slots == ["09:00 CST", "09:15 CST", "09:30 CST", "11:00 CST", "11:15 CST", "11:30 CST"]


def test_exception_with_only_one_bound_is_refused():
    with pytest.raises(ValueError):
        DateException(day=WINTER_WEDNESDAY, start=time(9), end=None, available=False)


# --- existing appointments and buffers -------------------------------------------------


def test_busy_appointment_blocks_its_own_slot_and_the_slots_overlapping_it():
    slots = walls(compute(first_day=WINTER_WEDNESDAY, busy=[busy_at(WINTER_WEDNESDAY, 10)]))

    for blocked in ("09:45 CST", "10:00 CST", "10:15 CST"):
        assert blocked not in slots
    assert len(slots) == 31 - 3


def test_busy_appointments_own_buffer_blocks_the_time_after_it():
    busy = busy_at(WINTER_WEDNESDAY, 10, buffer=10)  # kept free until 10:40

    slots = walls(compute(first_day=WINTER_WEDNESDAY, busy=[busy]))

    assert "10:30 CST" not in slots
    assert "10:45 CST" in slots


def test_new_slots_buffer_may_not_run_into_a_following_appointment():
    rules = rules_with(buffer_after=5 * MINUTES)

    slots = walls(compute(first_day=WINTER_WEDNESDAY, busy=[busy_at(WINTER_WEDNESDAY, 10)], rules=rules))

    assert "09:30 CST" not in slots  # 09:30-10:00 plus 5 min buffer reaches into 10:00
    assert "09:15 CST" in slots


def test_back_to_back_appointments_are_bookable_with_zero_buffer():
    slots = walls(compute(first_day=WINTER_WEDNESDAY, busy=[busy_at(WINTER_WEDNESDAY, 10)]))

    assert "09:30 CST" in slots  # ends as the existing one starts
    assert "10:30 CST" in slots  # starts as the existing one ends


def test_back_to_back_appointments_are_bookable_when_the_buffer_fits_between_them():
    rules = rules_with(buffer_after=15 * MINUTES)
    existing = busy_at(WINTER_WEDNESDAY, 10, buffer=15)

    slots = walls(compute(first_day=WINTER_WEDNESDAY, busy=[existing], rules=rules))

    assert "09:15 CST" in slots  # 09:15-09:45, buffer until 10:00
    assert "09:30 CST" not in slots
    assert "10:30 CST" not in slots  # inside the existing buffer
    assert "10:45 CST" in slots


def test_busy_times_may_be_given_in_any_zone():
    start_in_chicago = datetime(2026, 1, 14, 10, 0, tzinfo=CHICAGO)
    in_chicago = Busy(start=start_in_chicago, end=start_in_chicago + 30 * MINUTES)

    assert compute(first_day=WINTER_WEDNESDAY, busy=[in_chicago]) == compute(
        first_day=WINTER_WEDNESDAY, busy=[busy_at(WINTER_WEDNESDAY, 10)]
    )


def test_busy_must_be_timezone_aware():
    with pytest.raises(ValueError):
        Busy(start=datetime(2026, 1, 14, 10), end=datetime(2026, 1, 14, 10, 30))


# --- booking window --------------------------------------------------------------------


def test_min_notice_hides_slots_starting_too_soon():
    rules = rules_with(min_notice=timedelta(hours=2))

    slots = walls(compute(first_day=WINTER_WEDNESDAY, rules=rules, now=local(WINTER_WEDNESDAY, 9, 40)))

    assert slots[0] == "11:45 CST"  # 11:40 is the limit, the next grid point is 11:45


def test_slot_exactly_at_the_min_notice_limit_is_offered():
    rules = rules_with(min_notice=timedelta(hours=2))

    slots = walls(compute(first_day=WINTER_WEDNESDAY, rules=rules, now=local(WINTER_WEDNESDAY, 9)))

    assert slots[0] == "11:00 CST"


def test_max_advance_hides_slots_starting_later_and_keeps_the_limit_itself():
    rules = rules_with(max_advance=timedelta(days=2))
    now = local(WINTER_WEDNESDAY, 12)

    slots = compute(
        first_day=WINTER_WEDNESDAY, last_day=WINTER_WEDNESDAY + timedelta(days=5), rules=rules, now=now
    )

    assert slots[-1] == local(WINTER_WEDNESDAY + timedelta(days=2), 12)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        compute(first_day=WINTER_WEDNESDAY, now=datetime(2026, 1, 14, 9))


def test_days_without_slots_are_present_with_an_empty_list():
    weekdays_only = [WorkingRange(weekday=weekday, start=time(9), end=time(17)) for weekday in range(5)]
    monday = date(2026, 1, 12)

    by_day = free_slots_by_day(
        ranges=weekdays_only,
        exceptions=[],
        busy=[],
        rules=PLAIN_RULES,
        now=local(monday, 0),
        first_day=monday,
        last_day=monday + timedelta(days=6),
        tz=CHICAGO,
    )

    assert list(by_day) == [monday + timedelta(days=offset) for offset in range(7)]
    assert [len(slots) for slots in by_day.values()] == [31, 31, 31, 31, 31, 0, 0]


def test_free_slots_is_free_slots_by_day_flattened():
    arguments = {
        "ranges": NINE_TO_FIVE,
        "exceptions": [DateException(day=WINTER_WEDNESDAY, start=None, end=None, available=False)],
        "busy": [busy_at(WINTER_WEDNESDAY + timedelta(days=1), 11)],
        "rules": PLAIN_RULES,
        "now": local(WINTER_WEDNESDAY, 0),
        "first_day": WINTER_WEDNESDAY,
        "last_day": WINTER_WEDNESDAY + timedelta(days=3),
        "tz": CHICAGO,
    }

    by_day = free_slots_by_day(**arguments)

    assert free_slots(**arguments) == [slot for slots in by_day.values() for slot in slots]


def test_empty_day_range_gives_nothing():
    by_day = free_slots_by_day(
        ranges=NINE_TO_FIVE,
        exceptions=[],
        busy=[],
        rules=PLAIN_RULES,
        now=local(WINTER_WEDNESDAY, 0),
        first_day=WINTER_WEDNESDAY,
        last_day=WINTER_WEDNESDAY - timedelta(days=1),
        tz=CHICAGO,
    )

    assert by_day == {}


# --- spring forward: 2026-03-08, 02:00 CST jumps to 03:00 CDT ---------------------------

EARLY_HOURS = every_day(time(1), time(4))


def test_spring_forward_day_has_no_slot_at_a_nonexistent_time():
    slots = compute(first_day=SPRING_FORWARD, ranges=EARLY_HOURS)

    assert not any(slot.astimezone(CHICAGO).hour == 2 for slot in slots)


def test_spring_forward_range_one_to_four_is_two_real_hours_on_an_elapsed_grid():
    slots = compute(first_day=SPRING_FORWARD, ranges=EARLY_HOURS)

    # 01:00 CST = 07:00 UTC, 04:00 CDT = 09:00 UTC: two real hours.
    assert slots == [
        utc(2026, 3, 8, 7, 0),
        utc(2026, 3, 8, 7, 15),
        utc(2026, 3, 8, 7, 30),
        utc(2026, 3, 8, 7, 45),
        utc(2026, 3, 8, 8, 0),
        utc(2026, 3, 8, 8, 15),
        utc(2026, 3, 8, 8, 30),
    ]
    assert walls(slots) == [
        "01:00 CST",
        "01:15 CST",
        "01:30 CST",
        "01:45 CST",
        "03:00 CDT",
        "03:15 CDT",
        "03:30 CDT",
    ]


def test_spring_forward_slot_at_0145_lasts_a_real_half_hour_and_ends_at_0315():
    slots = compute(first_day=SPRING_FORWARD, ranges=EARLY_HOURS)
    quarter_to_two = local(SPRING_FORWARD, 1, 45)

    assert quarter_to_two in slots
    assert (quarter_to_two + 30 * MINUTES).astimezone(CHICAGO).strftime("%H:%M %Z") == "03:15 CDT"


def test_range_starting_inside_the_spring_gap_opens_when_the_clock_jumps_to_0300():
    ranges = every_day(time(2, 30), time(4))

    slots = compute(first_day=SPRING_FORWARD, ranges=ranges)

    assert slots[0] == utc(2026, 3, 8, 8, 0)
    assert walls(slots) == ["03:00 CDT", "03:15 CDT", "03:30 CDT"]


def test_range_ending_inside_the_spring_gap_closes_when_the_clock_jumps():
    ranges = every_day(time(1), time(2, 30))

    slots = compute(first_day=SPRING_FORWARD, ranges=ranges)

    assert walls(slots) == ["01:00 CST", "01:15 CST", "01:30 CST"]  # 01:30 ends at the jump


def test_nine_to_five_on_spring_forward_day_is_already_daylight_time():
    slots = compute(first_day=SPRING_FORWARD)

    assert len(slots) == 31
    assert slots[0] == utc(2026, 3, 8, 14, 0)
    assert slots[-1] == utc(2026, 3, 8, 21, 30)


def test_nine_to_five_on_the_day_before_spring_forward_is_still_standard_time():
    slots = compute(first_day=SPRING_FORWARD - timedelta(days=1))

    assert slots[0] == utc(2026, 3, 7, 15, 0)


def test_whole_spring_forward_day_is_twenty_three_hours():
    whole_day = DateException(day=SPRING_FORWARD, start=None, end=None, available=True)

    slots = compute(first_day=SPRING_FORWARD, ranges=[], exceptions=[whole_day])

    assert slots[0] == utc(2026, 3, 8, 6, 0)  # midnight CST
    assert slots[-1] == utc(2026, 3, 9, 4, 30)  # 23:30 CDT, ending at midnight CDT
    assert len(slots) == (23 * 60 - 30) // 15 + 1


def test_min_notice_across_spring_forward_is_real_elapsed_time():
    rules = rules_with(min_notice=timedelta(hours=2))
    now = datetime(2026, 3, 8, 1, 30, tzinfo=CHICAGO)  # wall-clock +2 h would wrongly say 03:30 CDT

    slots = compute(first_day=SPRING_FORWARD, ranges=every_day(time(1), time(6)), rules=rules, now=now)

    assert slots[0] == utc(2026, 3, 8, 9, 30)
    assert walls(slots)[0] == "04:30 CDT"


# --- fall back: 2026-11-01, 02:00 CDT falls back to 01:00 CST --------------------------


def test_fall_back_range_midnight_to_four_is_five_real_hours_with_every_instant_once():
    slots = compute(first_day=FALL_BACK, ranges=every_day(time(0), time(4)))

    # 00:00 CDT = 05:00 UTC, 04:00 CST = 10:00 UTC; last start 09:30 UTC.
    expected = [utc(2026, 11, 1, 5, 0) + index * 15 * MINUTES for index in range(19)]
    assert slots == expected


def test_fall_back_repeated_hour_offers_both_occurrences_in_order():
    slots = compute(first_day=FALL_BACK, ranges=every_day(time(0), time(4)))

    assert walls(slots) == [
        "00:00 CDT", "00:15 CDT", "00:30 CDT", "00:45 CDT",
        "01:00 CDT", "01:15 CDT", "01:30 CDT", "01:45 CDT",
        "01:00 CST", "01:15 CST", "01:30 CST", "01:45 CST",
        "02:00 CST", "02:15 CST", "02:30 CST", "02:45 CST",
        "03:00 CST", "03:15 CST", "03:30 CST",
    ]  # fmt: skip
    first_one_fifteen = local(FALL_BACK, 1, 15, fold=0)
    second_one_fifteen = local(FALL_BACK, 1, 15, fold=1)
    assert second_one_fifteen - first_one_fifteen == timedelta(hours=1)
    assert first_one_fifteen in slots and second_one_fifteen in slots
    assert len(set(slots)) == len(slots)
    assert all(earlier < later for earlier, later in pairwise(slots))


def test_range_ending_in_the_repeated_hour_ends_at_its_first_occurrence():
    slots = compute(first_day=FALL_BACK, ranges=every_day(time(0), time(1, 30)))

    assert walls(slots)[-1] == "01:00 CDT"
    assert slots[-1] == utc(2026, 11, 1, 6, 0)


def test_time_off_across_the_repeated_hour_removes_both_occurrences():
    time_off = DateException(day=FALL_BACK, start=time(1), end=time(2), available=False)

    slots = compute(first_day=FALL_BACK, ranges=every_day(time(0), time(4)), exceptions=[time_off])

    assert not any(slot.astimezone(CHICAGO).hour == 1 for slot in slots)
    assert walls(slots)[:4] == ["00:00 CDT", "00:15 CDT", "00:30 CDT", "02:00 CST"]


def test_busy_buffer_given_in_local_time_runs_on_real_time_through_the_repeated_hour():
    start = datetime(2026, 11, 1, 1, 30, tzinfo=CHICAGO)  # first 01:30, CDT
    existing = Busy(start=start, end=start + 15 * MINUTES, buffer_after=20 * MINUTES)
    # Really blocked 06:30-07:05 UTC (01:30 CDT-01:05 CST); wall-clock arithmetic
    # on the Chicago datetimes would wrongly block until 02:05 CST.

    slots = walls(compute(first_day=FALL_BACK, ranges=every_day(time(0), time(4)), busy=[existing]))

    for blocked in ("01:15 CDT", "01:30 CDT", "01:45 CDT", "01:00 CST"):
        assert blocked not in slots
    assert "01:00 CDT" in slots
    assert "01:15 CST" in slots


def test_nine_to_five_on_fall_back_day_is_already_standard_time():
    slots = compute(first_day=FALL_BACK)

    assert len(slots) == 31
    assert slots[0] == utc(2026, 11, 1, 15, 0)
    assert slots[-1] == utc(2026, 11, 1, 22, 30)


def test_nine_to_five_on_the_day_before_fall_back_is_still_daylight_time():
    slots = compute(first_day=FALL_BACK - timedelta(days=1))

    assert slots[0] == utc(2026, 10, 31, 14, 0)


def test_whole_fall_back_day_is_twenty_five_hours():
    whole_day = DateException(day=FALL_BACK, start=None, end=None, available=True)

    slots = compute(first_day=FALL_BACK, ranges=[], exceptions=[whole_day])

    assert slots[0] == utc(2026, 11, 1, 5, 0)  # midnight CDT
    assert slots[-1] == utc(2026, 11, 2, 5, 30)  # 23:30 CST, ending at midnight CST
    assert len(slots) == (25 * 60 - 30) // 15 + 1


def test_max_advance_across_fall_back_is_real_elapsed_time():
    rules = rules_with(max_advance=timedelta(days=1))
    now = datetime(2026, 10, 31, 12, 0, tzinfo=CHICAGO)  # 17:00 UTC

    slots = compute(first_day=FALL_BACK, rules=rules, now=now)

    # 24 real hours later is 17:00 UTC = 11:00 CST, not 12:00 as wall-clock arithmetic would say.
    assert slots[-1] == utc(2026, 11, 1, 17, 0)
    assert walls(slots)[-1] == "11:00 CST"


def test_slots_never_repeat_or_land_on_a_nonexistent_time_all_year():
    by_day = free_slots_by_day(
        ranges=every_day(time(0, 30), time(3, 30)),
        exceptions=[],
        busy=[],
        rules=rules_with(
            duration=20 * MINUTES,
            buffer_after=5 * MINUTES,
            step=10 * MINUTES,
            max_advance=timedelta(days=400),
        ),
        now=utc(2026, 1, 1, 0),
        first_day=date(2026, 1, 1),
        last_day=date(2026, 12, 31),
        tz=CHICAGO,
    )

    slots = [slot for day_slots in by_day.values() for slot in day_slots]
    assert all(earlier < later for earlier, later in pairwise(slots))
    for day, day_slots in by_day.items():
        for slot in day_slots:
            wall = slot.astimezone(CHICAGO)
            assert wall.date() == day
            round_trip = wall.replace(tzinfo=None).replace(tzinfo=CHICAGO, fold=wall.fold)
            assert round_trip.astimezone(UTC) == slot  # the wall time exists
    assert len(by_day[SPRING_FORWARD]) == (2 * 60 - 25) // 10 + 1  # 00:30 CST .. 03:30 CDT = 2 h
    assert len(by_day[FALL_BACK]) == (4 * 60 - 25) // 10 + 1  # 00:30 CDT .. 03:30 CST = 4 h
    assert len(by_day[date(2026, 6, 1)]) == (3 * 60 - 25) // 10 + 1


# --- first available across pharmacists ------------------------------------------------


def test_first_available_lists_each_start_once_in_time_order():
    nine, nine_fifteen, nine_thirty = (local(WINTER_WEDNESDAY, 9, minute) for minute in (0, 15, 30))

    merged = merge_first_available({7: [nine_fifteen, nine_thirty], 3: [nine, nine_thirty]})

    assert merged == [(nine, 3), (nine_fifteen, 7), (nine_thirty, 3)]


def test_first_available_picks_the_smallest_pharmacist_key_whatever_the_mapping_order():
    nine = local(WINTER_WEDNESDAY, 9)

    assert merge_first_available({9: [nine], 2: [nine], 5: [nine]}) == [(nine, 2)]
    assert merge_first_available({2: [nine], 9: [nine], 5: [nine]}) == [(nine, 2)]


def test_first_available_of_nobody_is_empty():
    assert merge_first_available({}) == []
    assert merge_first_available({1: []}) == []


# --- the fixed workload (also measured by bench/slots_pure.py) --------------------------


def test_sixty_day_workload_with_three_daily_appointments_has_1380_free_slots():
    # 09:00-17:00, 30 min consultations on a 15 min grid: starts 09:00 .. 16:30 = 31.
    # A 30 min appointment at T blocks starts T-15, T and T+15 (buffer 0):
    #   09:00 blocks 09:00, 09:15 (08:45 is before opening)  -> 2
    #   11:00 blocks 10:45, 11:00, 11:15                      -> 3
    #   14:00 blocks 13:45, 14:00, 14:15                      -> 3
    # 31 - 8 = 23 free starts a day, 60 days -> 1380.
    now = datetime(2026, 5, 31, 18, 0, tzinfo=CHICAGO)  # evening before; max advance 60 days
    first_day = date(2026, 6, 1)
    days = [first_day + timedelta(days=offset) for offset in range(60)]
    busy = [busy_at(day, hour) for day in days for hour in (9, 11, 14)]

    by_day = free_slots_by_day(
        ranges=NINE_TO_FIVE,
        exceptions=[],
        busy=busy,
        rules=PLAIN_RULES,  # 30 min, buffer 0, 15 min step, notice 0, 60 days advance
        now=now,
        first_day=first_day,
        last_day=days[-1],
        tz=CHICAGO,
    )

    assert list(by_day) == days
    assert all(len(slots) == 23 for slots in by_day.values())
    assert sum(len(slots) for slots in by_day.values()) == 1380
    blocked = {"09:00", "09:15", "10:45", "11:00", "11:15", "13:45", "14:00", "14:15"}
    assert not blocked & {slot.astimezone(CHICAGO).strftime("%H:%M") for slot in by_day[days[0]]}
