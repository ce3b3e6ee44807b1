#!/usr/bin/env python3
"""Measure the medication screening engine on the labelled evaluation set.

Run from the repository root:  python bench/screening.py
Prints recall on opioids.txt, the opioid false-positive rate on non_opioids.txt, and the median
time to screen a 20-entry intake.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from patients.screening import is_opioid, screen_intake, screen_medication  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parent / "screening_eval"
RUNS = 500
ENTRIES_PER_INTAKE = 20


def read_lines(name: str) -> list[str]:
    text = (EVAL_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]


def main() -> int:
    opioids = read_lines("opioids.txt")
    non_opioids = read_lines("non_opioids.txt")
    missed = [line for line in opioids if not is_opioid(screen_medication(line))]
    false_alarms = [line for line in non_opioids if is_opioid(screen_medication(line))]

    rng = random.Random(20261126)  # fixed seed: the same intakes every run
    intakes = [
        rng.sample(opioids, ENTRIES_PER_INTAKE // 4) + rng.sample(non_opioids, ENTRIES_PER_INTAKE * 3 // 4)
        for _ in range(RUNS)
    ]
    for intake in intakes[:20]:  # warm-up
        screen_intake(medications=intake, pregnancy_status="not_pregnant")
    timings = []
    for intake in intakes:
        started = time.perf_counter()
        screen_intake(medications=intake, pregnancy_status="not_pregnant")
        timings.append((time.perf_counter() - started) * 1000)

    print(f"screening_recall: {1 - len(missed) / len(opioids):.3f} ratio")
    print(f"screening_false_positive_rate: {len(false_alarms) / len(non_opioids):.3f} ratio")
    print(f"screening_20_entries_ms: {statistics.median(timings):.2f} ms")
    for line in missed:
        print(f"missed opioid: {line}", file=sys.stderr)
    for line in false_alarms:
        print(f"false alarm: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
