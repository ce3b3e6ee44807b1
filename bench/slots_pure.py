"""Time the pure slot engine on the fixed 60-day, one-pharmacist workload.

Run from the repository root:  python bench/slots_pure.py

Workload: 09:00-17:00 every day, 15 min step, 30 min consultation, buffer 0,
no minimum notice, three 30 min appointments a day at 09:00, 11:00 and 14:00
local, over the 60 days starting tomorrow. Inputs are built once; only the
call to free_slots is timed. Prints the median of the runs.
"""

from __future__ import annotations

import statistics
import sys
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from consultations.slots import Busy, SlotRules, WorkingRange, free_slots  # noqa: E402

PHARMACY_ZONE = ZoneInfo("America/Chicago")
RUNS = 51
DAYS = 60
EXPECTED_SLOTS = DAYS * 23  # 31 starts a day minus 2 + 3 + 3 blocked


def build_workload(today: date) -> dict:
    first_day = today + timedelta(days=1)
    days = [first_day + timedelta(days=offset) for offset in range(DAYS)]
    busy = []
    for day in days:
        for hour in (9, 11, 14):
            start = datetime.combine(day, time(hour), tzinfo=PHARMACY_ZONE).astimezone(UTC)
            busy.append(Busy(start=start, end=start + timedelta(minutes=30)))
    # "Now" is the end of today, so the 60-day advance limit covers the last day whole.
    now = datetime.combine(today, time(23, 59), tzinfo=PHARMACY_ZONE).astimezone(UTC)
    return {
        "ranges": [WorkingRange(weekday=weekday, start=time(9), end=time(17)) for weekday in range(7)],
        "exceptions": [],
        "busy": busy,
        "rules": SlotRules(
            duration=timedelta(minutes=30),
            buffer_after=timedelta(0),
            step=timedelta(minutes=15),
            min_notice=timedelta(0),
            max_advance=timedelta(days=DAYS),
        ),
        "now": now,
        "first_day": first_day,
        "last_day": days[-1],
        "tz": PHARMACY_ZONE,
    }


def main() -> None:
    workload = build_workload(datetime.now(PHARMACY_ZONE).date())
    timings_ms = []
    for _ in range(RUNS):
        started = clock.perf_counter()
        slots = free_slots(**workload)
        timings_ms.append((clock.perf_counter() - started) * 1000)
    if len(slots) != EXPECTED_SLOTS:
        raise SystemExit(f"expected {EXPECTED_SLOTS} slots, got {len(slots)}")
    print(f"slots_pure_60d_1rx_ms: {statistics.median(timings_ms):.2f} ms")


if __name__ == "__main__":
    main()
