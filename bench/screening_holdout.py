#!/usr/bin/env python3
"""Score the screening engine on the blind held-out lists.

The held-out lists (bench/screening_eval/holdout_*.txt) were written from pharmacology knowledge
before anyone read the engine or its tuning lists, so these figures show how it copes with
wording it was not built around. Run from the repository root:  python bench/screening_holdout.py
Prints `screening_holdout_recall` and `screening_holdout_false_positive_rate`; every miss and
every false alarm goes to stderr so the run can be read line by line.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from patients.screening import is_opioid, screen_medication  # noqa: E402

HOLDOUT = ROOT / "bench" / "screening_eval"


def entries(filename: str) -> list[str]:
    lines = (HOLDOUT / filename).read_text(encoding="utf-8").splitlines()
    return [stripped for stripped in (line.strip() for line in lines) if stripped]


def flagged_as_opioid(entry: str) -> bool:
    return bool(is_opioid(screen_medication(entry)))


def main() -> int:
    positives = entries("holdout_opioids.txt")
    negatives = entries("holdout_non_opioids.txt")
    misses = [entry for entry in positives if not flagged_as_opioid(entry)]
    alarms = [entry for entry in negatives if flagged_as_opioid(entry)]
    recall = (len(positives) - len(misses)) / len(positives)
    false_positive_rate = len(alarms) / len(negatives)
    print(f"screening_holdout_recall: {recall:.3f} ratio")
    print(f"screening_holdout_false_positive_rate: {false_positive_rate:.3f} ratio")
    for entry in misses:
        sys.stderr.write(f"holdout miss: {entry}\n")
    for entry in alarms:
        sys.stderr.write(f"holdout false alarm: {entry}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
