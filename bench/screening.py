#!/usr/bin/env python3
"""Measure the medication screening engine.

Run from the repository root:  python bench/screening.py

Figures on sets nobody has tuned on (each written blind by a second engineer who had not read the
engine, its curated lists or the other sets' rows; their lines are never printed, only counts on
stderr, so they stay untuned):
- screening_recall, screening_false_positive_rate, screening_unrecognised_rate: set B
  (bench/screening_eval/blind2026b_*, written 2026-11-27; see blind2026b_README.md):
  - recall: share of entries that must be a contraindication and are;
  - false positive rate: share of entries that must not be a contraindication but are;
  - unrecognised rate: share of the ordinary medicines and look-alikes (its first 135 negatives;
    the opioid mentions after them are meant to raise a review) that raise "unrecognised".
- screening_set_ao_*: the same three on set AO (blind2026ao_*, 2026-11-29; its README names its voices;
  first 70 negatives ordinary), written blind late in the sixteenth stop, while sets AL and AM were being
  read; scored first on 2026.11.101 (recall 0.975, false alarms 0.058, 0.042 by the issue's rule,
  unrecognised 0.029). Its twin set AN was read after that first score, for 2026.11.102.

screening_tuned_recall and screening_tuned_false_positive_rate are on every set someone has read
against the engine to find causes: the older lists and the 2026 blind sets A, C to Z (not B), AA to AN.
Each was scored once before it was read; its README gives that first score. Sets H, O, Q, U, W, X,
AA and AB were read at the thirteenth stop (first scores, recall / false alarms: H 1.000 / 0.020, O
0.983 / 0.025, Q 1.000 / 0.042, U 0.983 / 0.058, W 1.000 / 0.033, X 0.992 / 0.050; AA 1.000 / 0.058 on
2026.11.69; AB 0.983 / 0.083, unrecognised 0.214, on 2026.11.74), Z and AC at the fourteenth (Z first
scored on 2026.11.62: 0.992 / 0.067, unrecognised 0.100; AC on 2026.11.77: 0.983 / 0.058, unrecognised
0.057), AD and AE at the fifteenth (first scored on 2026.11.86: AD 0.975 / 0.033, unrecognised 0.200; AE
0.992 / 0.025, 0.114), AF and AG at the sixteenth (first scored on 2026.11.94: AF 0.992 / 0.033, unrecognised
0.200; AG 0.992 / 0.050, 0.071), AH and AI too (first scored on 2026.11.98: AH 1.000 / 0.058, unrecognised 0.143;
AI 0.975 / 0.092, 0.043), and AJ and AK (first scored on 2026.11.99: AJ 0.992 / 0.050, unrecognised 0.186;
AK 0.967 / 0.017, 0.043), and AL and AM (first scored on 2026.11.100: AL 0.992 / 0.083, unrecognised 0.186;
AM 0.992 / 0.100, 0.071), and AN (first scored on 2026.11.101: 0.933 / 0.025, unrecognised 0.443). Relative dates in a set are read against the day it was written.

*_false_positive_rate_by_the_issue_rule leaves out the false alarms that are extended-release buprenorphine
injections (Sublocade, Brixadi) stopped more than a year before: the issue says such a shot is never cleared
automatically, while the labelling rules the sets were written to call a shot over 14 months old clear. Which
alarms these are is read from the flags (a contraindication with a last dose over a year old and no date it
could clear), so no untuned line is read.

screening_20_entries_ms is the median time to screen a 20-entry intake.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from patients.screening import Severity, is_opioid, screen_intake, screen_medication  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parent / "screening_eval"
WRITTEN_ON = date(2026, 11, 27)
RUNS = 500
ENTRIES_PER_INTAKE = 20
# The untuned sets: figure prefix, file prefix, the day its relative dates count from, and how many of
# its negatives are ordinary medicines (the rest name an opioid on purpose).
UNTUNED = (
    ("screening", "blind2026b_", date(2026, 11, 27), 135),
    ("screening_set_ao", "blind2026ao_", date(2026, 11, 29), 70),
)
# The tuned sets and their days.
TUNED = {
    "": WRITTEN_ON, "holdout_": WRITTEN_ON, "blind2026_": WRITTEN_ON, "blind2026c_": WRITTEN_ON,
    "blind2026d_": WRITTEN_ON, "blind2026e_": WRITTEN_ON, "blind2026f_": WRITTEN_ON, "blind2026g_": WRITTEN_ON,
    "blind2026h_": WRITTEN_ON,
    **dict.fromkeys(
        ("blind2026i_", "blind2026j_", "blind2026k_", "blind2026l_", "blind2026m_", "blind2026n_", "blind2026o_",
         "blind2026p_", "blind2026q_", "blind2026r_", "blind2026s_", "blind2026t_", "blind2026u_", "blind2026v_",
         "blind2026w_", "blind2026x_"),
        date(2026, 11, 28),
    ),
    **dict.fromkeys(
        ("blind2026y_", "blind2026z_", "blind2026aa_", "blind2026ab_", "blind2026ac_", "blind2026ad_", "blind2026ae_", "blind2026af_",
         "blind2026ag_", "blind2026ah_", "blind2026ai_",
         "blind2026aj_", "blind2026ak_", "blind2026al_", "blind2026am_",
         "blind2026an_"),
        date(2026, 11, 29),
    ),
}


def read_lines(name: str) -> list[str]:
    text = (EVAL_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def flagged(entry: str, today: date = WRITTEN_ON) -> bool:
    return is_opioid(screen_medication(entry, today=today))


def unrecognised(entry: str, today: date = WRITTEN_ON) -> bool:
    return any(f.code == "unrecognised" for f in screen_medication(entry, today=today))


def never_cleared_by_date(entry: str, today: date) -> bool:
    """A false alarm the issue's own rule asks for: an extended-release buprenorphine injection (Sublocade,
    Brixadi) stopped more than a year ago is "never cleared automatically" (issue #11, point 2), while the
    sets' labelling rules call a shot over 14 months old clear. Read from the flags, not from the row."""
    return any(
        f.severity == Severity.CONTRAINDICATION and f.last_dose is not None and f.earliest_start is None and (today - f.last_dose).days > 365
        for f in screen_medication(entry, today=today)
    )


def score(positives: list[str], negatives: list[str], today: date = WRITTEN_ON) -> tuple[list[str], list[str]]:
    return [e for e in positives if not flagged(e, today)], [e for e in negatives if flagged(e, today)]


def main() -> int:
    figures: list[str] = []
    counts: list[str] = []
    ordinary_b: list[str] = []
    positives_b: list[str] = []
    for name, prefix, day, ordinary_lines in UNTUNED:
        positives, negatives = read_lines(f"{prefix}opioids.txt"), read_lines(f"{prefix}non_opioids.txt")
        missed, alarms = score(positives, negatives, day)
        ordinary = negatives[:ordinary_lines]
        noisy = [e for e in ordinary if unrecognised(e, day)]
        by_the_rule = [e for e in alarms if never_cleared_by_date(e, day)]
        figures += [
            f"{name}_recall: {1 - len(missed) / len(positives):.3f} ratio",
            f"{name}_false_positive_rate: {len(alarms) / len(negatives):.3f} ratio",
            # The same without the old depot shots the rule keeps for the pharmacist.
            f"{name}_false_positive_rate_by_the_issue_rule: {(len(alarms) - len(by_the_rule)) / len(negatives):.3f} ratio",
            f"{name}_unrecognised_rate: {len(noisy) / len(ordinary):.3f} ratio",
        ]
        # Only counts: printing an untuned set's lines would make it a set someone has tuned on.
        counts.append(
            f"{prefix}: {len(missed)} missed, {len(alarms)} false alarms ({len(by_the_rule)} of them old depot shots), "
            f"{len(noisy)} unrecognised"
        )
        if prefix == "blind2026b_":
            ordinary_b, positives_b = ordinary, positives
    tuned_pos = tuned_neg = tuned_missed = tuned_alarms = tuned_by_the_rule = 0
    for prefix, day in TUNED.items():
        positives, negatives = read_lines(f"{prefix}opioids.txt"), read_lines(f"{prefix}non_opioids.txt")
        missed, alarms = score(positives, negatives, day)
        tuned_pos, tuned_neg = tuned_pos + len(positives), tuned_neg + len(negatives)
        tuned_missed, tuned_alarms = tuned_missed + len(missed), tuned_alarms + len(alarms)
        tuned_by_the_rule += sum(never_cleared_by_date(e, day) for e in alarms)

    rng = random.Random(20261126)  # fixed seed: the same intakes every run
    intakes = [
        rng.sample(positives_b, ENTRIES_PER_INTAKE // 4) + rng.sample(ordinary_b, ENTRIES_PER_INTAKE * 3 // 4)
        for _ in range(RUNS)
    ]
    for intake in intakes[:20]:  # warm-up
        screen_intake(medications=intake, pregnancy_status="not_pregnant", today=WRITTEN_ON)
    timings = []
    for intake in intakes:
        started = time.perf_counter()
        screen_intake(medications=intake, pregnancy_status="not_pregnant", today=WRITTEN_ON)
        timings.append((time.perf_counter() - started) * 1000)

    for line in figures:
        print(line)
    print(f"screening_tuned_recall: {1 - tuned_missed / tuned_pos:.3f} ratio")
    print(f"screening_tuned_false_positive_rate: {tuned_alarms / tuned_neg:.3f} ratio")
    print(f"screening_tuned_false_positive_rate_by_the_issue_rule: {(tuned_alarms - tuned_by_the_rule) / tuned_neg:.4f} ratio")
    print(f"screening_20_entries_ms: {statistics.median(timings):.2f} ms")
    for line in counts:
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
