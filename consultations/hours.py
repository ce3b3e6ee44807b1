"""Checks on a pharmacist's weekly hours and exceptions before they are saved.

Plain functions over (key, start, end) tuples, so the admin's formsets and any other caller
share one rule: on the same weekday (or day), two ranges may touch but not overlap.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import time


def hhmm(t: time) -> str:
    return t.strftime("%H:%M")


def overlapping_ranges(
    ranges: Iterable[tuple[Hashable, time, time]],
) -> list[tuple[Hashable, tuple[time, time], tuple[time, time]]]:
    """Pairs of ranges that overlap within the same key, as (key, earlier, later)."""
    by_key = defaultdict(list)
    for key, start, end in ranges:
        by_key[key].append((start, end))
    clashes = []
    for key, spans in by_key.items():
        spans.sort()
        reaching = spans[0]  # of the spans seen so far, the one that ends latest
        for span in spans[1:]:
            if span[0] < reaching[1]:
                clashes.append((key, reaching, span))
            if span[1] > reaching[1]:
                reaching = span
    return clashes
