#!/usr/bin/env python3
"""Measure the medication screening engine.

Run from the repository root:  python bench/screening.py

Figures on the blind set (bench/screening_eval/blind2026b_*.txt, written on 2026-11-27 by an
engineer who had not read the engine, its curated lists or the other sets; see
blind2026b_README.md; nobody has tuned on it):
- screening_recall: share of entries that must be a contraindication and are;
- screening_false_positive_rate: share of entries that must not be a contraindication but are;
- screening_unrecognised_rate: share of the ordinary medicines and look-alikes (lines 1–135 of the
  negative list; the opioid mentions that follow are meant to raise a review) that raise
  "unrecognised".
Figures on the lists the engine was tuned on carry the word "tuned" in their names: the older
lists and six 2026 blind sets that were each scored once and then used to find causes — set A
(blind2026_*: recall 0.972, false alarms 0.027, unrecognised 0.141 at its first score), set C
(blind2026c_*: recall 0.980, false alarms 0.040, unrecognised 0.067 at its first score), set D
(blind2026d_*, see blind2026d_README.md: recall 0.990, false alarms 0.010, unrecognised 0.105 over
all 200 negatives at its first score, 2026-11-27), set E (blind2026e_*, see blind2026e_README.md:
recall 0.950, false alarms 0.000, unrecognised 0.015 over all 200 negatives at its first score,
2026-11-27, rules 2026.11.5), set F (blind2026f_*, see blind2026f_README.md: recall 0.930, false
alarms 0.055, unrecognised 0.035 over all 200 negatives at its first score, 2026-11-27, rules
2026.11.6) and set G
(blind2026g_*, see blind2026g_README.md: recall 0.980, false alarms 0.100, unrecognised 0.058 over the
120 ordinary negatives at its first score, 2026-11-28, rules 2026.11.7) and set I (blind2026i_*, see
blind2026i_README.md: recall 0.980, false alarms 0.060, unrecognised 0.050 over the 120 ordinary
negatives at its first score, 2026-11-28, rules 2026.11.9; its relative dates count from 2026-11-28) and
set J (blind2026j_*, see blind2026j_README.md: recall 0.935, false alarms 0.090, unrecognised 0.183 over
the 120 ordinary negatives at its first score, 2026-11-28, rules 2026.11.10) and set K (blind2026k_*, see
blind2026k_README.md: recall 0.960, false alarms 0.130, unrecognised 0.108 at its first score, 2026-11-28,
rules 2026.11.12) and set L (blind2026l_*, see blind2026l_README.md: recall 0.970, false alarms 0.125,
unrecognised 0.375 at its first score, 2026-11-28, rules 2026.11.13) and set M (blind2026m_*, see
blind2026m_README.md: recall 0.960, false alarms 0.125, unrecognised 0.108 at its first score,
2026-11-28, rules 2026.11.16) and set N (blind2026n_*, see blind2026n_README.md: recall 0.983, false
alarms 0.142, unrecognised 0.143 over its 70 ordinary negatives at its first score, 2026-11-28, rules
2026.11.17) and set P (blind2026p_*, see blind2026p_README.md: recall 0.983, false alarms 0.092,
unrecognised 0.171 over its 70 ordinary negatives at its first score, 2026-11-28, rules 2026.11.20) and
set R (blind2026r_*, see blind2026r_README.md: recall 0.975, false alarms 0.108, unrecognised 0.129 over
its 70 ordinary negatives at its first score, 2026-11-28, rules 2026.11.21) and set S (blind2026s_*, see
blind2026s_README.md: recall 0.992, false alarms 0.125, unrecognised 0.143 over its 70 ordinary negatives at its
first score, 2026-11-28, rules 2026.11.36) and set T (blind2026t_*, see blind2026t_README.md: recall 0.967, false
alarms 0.075, unrecognised 0.157 over its 70 ordinary negatives at its first score, 2026-11-28, rules 2026.11.37) and
set V (blind2026v_*, see blind2026v_README.md: recall 0.958, false alarms 0.075, unrecognised 0.143 over its 70
ordinary negatives at its first score, 2026-11-28, rules 2026.11.38).
Nobody has read which lines
of set B the engine gets wrong. Lines starting with "#" are comments (sets D to G open each list
with a few).
screening_set_h_* are the same three figures on set H (blind2026h_*, 150 + 150 entries written blind
on 2026-11-28 in new styles: chatty sentences, pharmacy printouts, older adults' wording; see
blind2026h_README.md), also untuned: scored once, its lines never read against the engine.
screening_set_o_* are the same three on set O (blind2026o_*, 120 + 120 entries written blind on
2026-11-28: screen-reader wording, understating men, students, long chronic-illness lists, questions
about LDN, shift workers; see blind2026o_README.md), untuned in the same way.
screening_set_q_* are the same three on set Q (blind2026q_*, 120 + 120 entries written blind on
2026-11-28: autoimmune and long-COVID communities, pharmacy notes and PDMP text, surgery, headache
clinics, rural families, uninsured buyers; see blind2026q_README.md): scored once; its counts (never
its lines) were then used once, to find which commit had cost it two positives (see its README).
screening_set_u_* are the same three on set U (blind2026u_*, 120 + 120 entries written blind on 2026-11-28: young
adults texting, cancer care, pill organizers, app and receipt exports, farm families, tribal clinics; see
blind2026u_README.md): scored once, on rules frozen for it, counts only; its lines are not read.
screening_set_w_* are the same three on set W (blind2026w_*, 120 + 120 entries written blind on 2026-11-28: shift and
gig workers, dental and ER visits, pain clinics, Spanish-English families, terse or misspelt rows, over-explainers; see
blind2026w_README.md): scored once, on rules frozen for it (2026.11.46), counts only; its lines are not read (its
counts were looked at again while 2026.11.50 was built, see that commit).
screening_set_x_* are the same three on set X (blind2026x_*, 120 + 120 entries written blind on 2026-11-28: restless
legs, bariatric and bowel patients, sickle cell, visitors from continental Europe, snowbirds, the Thanksgiving weekend;
see blind2026x_README.md): scored once, on rules frozen for it (2026.11.51), counts only; its lines are not read.
Set Y (blind2026y_*, 120 + 120 entries written blind on 2026-11-29: neurology, mental-health care, physical therapy
and rehab, heart and diabetes, skin and wounds, life stories with dates of their own; see blind2026y_README.md) was
scored once on rules frozen for it (2026.11.52: recall 0.992, false alarms 0.067, unrecognised 0.129) and unchanged on
2026.11.62 (1 missed, 8 false alarms, 9 unrecognised); its lines were then read to find causes (2026.11.63), so it is
one of the tuned sets now.
screening_set_z_* are the same three on set Z (blind2026z_*, 120 + 120 entries written blind on 2026-11-29: urology and
men's health, lung and sleep patients, ENT/eye/face, people injured on duty, pelvic pain, odd date wording; see
blind2026z_README.md): scored once, on rules frozen for it (2026.11.62), counts only; its lines are not read (first
score: recall 0.992, false alarms 0.067, unrecognised 0.100 — 1 missed, 8 false alarms, 7 of 70 unrecognised; the same
counts on 2026.11.63 to 2026.11.66).
screening_20_entries_ms is the median time to screen a 20-entry intake. Every miss and false
alarm on the blind set is counted on stderr, never printed, so the set stays untuned.
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

from patients.screening import is_opioid, screen_intake, screen_medication  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parent / "screening_eval"
# Relative dates in the lists ("3 days ago") are read against the day the blind set was written,
# so the figures do not drift with the calendar (absolute years such as 2019 stay in the past).
WRITTEN_ON = date(2026, 11, 27)
ORDINARY_NON_OPIOID_LINES = 135  # blind2026b_README.md: lines 1–135 name no opioid
# A second untuned set: blind2026h_*, written blind on 2026-11-28 (blind2026h_README.md; its first
# 110 negatives name no opioid). Scored once; nobody has read which of its lines the engine gets wrong.
SET_H_ORDINARY_LINES = 110
# A third: blind2026o_*, written blind on 2026-11-28 for that day (blind2026o_README.md; its first 70
# negatives name no opioid). Scored once at the sixth stop; its lines are not read either.
SET_O_DAY = date(2026, 11, 28)
SET_O_ORDINARY_LINES = 70
# A fourth: blind2026q_*, written blind on 2026-11-28 for that day (blind2026q_README.md; its first 70
# negatives name no opioid). Scored once at the seventh stop; its lines are not read either.
SET_Q_DAY = date(2026, 11, 28)
SET_Q_ORDINARY_LINES = 70
# A fifth: blind2026u_*, written blind on 2026-11-28 for that day (blind2026u_README.md; its first 70
# negatives name no opioid). Scored once at the eighth stop, on rules frozen for it; its lines are not read.
SET_U_DAY = date(2026, 11, 28)
SET_Y_DAY = date(2026, 11, 29)
SET_U_ORDINARY_LINES = 70
RUNS = 500
ENTRIES_PER_INTAKE = 20


def read_lines(name: str) -> list[str]:
    text = (EVAL_DIR / name).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


# Set I counts its relative dates from the day after the others.
SET_DAYS = {
    "blind2026i_": date(2026, 11, 28), "blind2026j_": date(2026, 11, 28), "blind2026k_": date(2026, 11, 28),
    "blind2026l_": date(2026, 11, 28), "blind2026m_": date(2026, 11, 28),
    "blind2026n_": date(2026, 11, 28), "blind2026p_": date(2026, 11, 28), "blind2026r_": date(2026, 11, 28),
    "blind2026s_": date(2026, 11, 28), "blind2026t_": date(2026, 11, 28), "blind2026v_": date(2026, 11, 28),
    "blind2026y_": date(2026, 11, 29),
}


def flagged(entry: str, today: date = WRITTEN_ON) -> bool:
    return is_opioid(screen_medication(entry, today=today))


def unrecognised(entry: str, today: date = WRITTEN_ON) -> bool:
    return any(f.code == "unrecognised" for f in screen_medication(entry, today=today))


def score(positives: list[str], negatives: list[str], today: date = WRITTEN_ON) -> tuple[list[str], list[str]]:
    return [e for e in positives if not flagged(e, today)], [e for e in negatives if flagged(e, today)]


def main() -> int:
    blind_pos, blind_neg = read_lines("blind2026b_opioids.txt"), read_lines("blind2026b_non_opioids.txt")
    missed, alarms = score(blind_pos, blind_neg)
    ordinary = blind_neg[:ORDINARY_NON_OPIOID_LINES]
    noisy = [e for e in ordinary if unrecognised(e)]
    tuned_sets = (
        "", "holdout_", "blind2026_", "blind2026c_", "blind2026d_", "blind2026e_", "blind2026f_", "blind2026g_",
        "blind2026i_", "blind2026j_", "blind2026k_", "blind2026l_", "blind2026m_", "blind2026n_", "blind2026p_",
        "blind2026r_", "blind2026s_", "blind2026t_", "blind2026v_", "blind2026y_",
    )
    tuned_pos: list[str] = []
    tuned_neg: list[str] = []
    tuned_missed: list[str] = []
    tuned_alarms: list[str] = []
    for prefix in tuned_sets:
        positives, negatives = read_lines(f"{prefix}opioids.txt"), read_lines(f"{prefix}non_opioids.txt")
        missed_here, alarms_here = score(positives, negatives, SET_DAYS.get(prefix, WRITTEN_ON))
        tuned_pos += positives
        tuned_neg += negatives
        tuned_missed += missed_here
        tuned_alarms += alarms_here
    h_pos, h_neg = read_lines("blind2026h_opioids.txt"), read_lines("blind2026h_non_opioids.txt")
    h_missed, h_alarms = score(h_pos, h_neg)
    h_noisy = [e for e in h_neg[:SET_H_ORDINARY_LINES] if unrecognised(e)]
    o_pos, o_neg = read_lines("blind2026o_opioids.txt"), read_lines("blind2026o_non_opioids.txt")
    o_missed, o_alarms = score(o_pos, o_neg, SET_O_DAY)
    o_noisy = [e for e in o_neg[:SET_O_ORDINARY_LINES] if unrecognised(e, SET_O_DAY)]
    q_pos, q_neg = read_lines("blind2026q_opioids.txt"), read_lines("blind2026q_non_opioids.txt")
    q_missed, q_alarms = score(q_pos, q_neg, SET_Q_DAY)
    q_noisy = [e for e in q_neg[:SET_Q_ORDINARY_LINES] if unrecognised(e, SET_Q_DAY)]
    u_pos, u_neg = read_lines("blind2026u_opioids.txt"), read_lines("blind2026u_non_opioids.txt")
    u_missed, u_alarms = score(u_pos, u_neg, SET_U_DAY)
    u_noisy = [e for e in u_neg[:SET_U_ORDINARY_LINES] if unrecognised(e, SET_U_DAY)]
    w_pos, w_neg = read_lines("blind2026w_opioids.txt"), read_lines("blind2026w_non_opioids.txt")
    w_missed, w_alarms = score(w_pos, w_neg, SET_U_DAY)  # written for the same day as set U
    w_noisy = [e for e in w_neg[:SET_U_ORDINARY_LINES] if unrecognised(e, SET_U_DAY)]
    x_pos, x_neg = read_lines("blind2026x_opioids.txt"), read_lines("blind2026x_non_opioids.txt")
    x_missed, x_alarms = score(x_pos, x_neg, SET_U_DAY)  # written for the same day as set U
    x_noisy = [e for e in x_neg[:SET_U_ORDINARY_LINES] if unrecognised(e, SET_U_DAY)]
    z_pos, z_neg = read_lines("blind2026z_opioids.txt"), read_lines("blind2026z_non_opioids.txt")
    z_missed, z_alarms = score(z_pos, z_neg, SET_Y_DAY)  # written for the same day as set Y
    z_noisy = [e for e in z_neg[:SET_U_ORDINARY_LINES] if unrecognised(e, SET_Y_DAY)]

    rng = random.Random(20261126)  # fixed seed: the same intakes every run
    intakes = [
        rng.sample(blind_pos, ENTRIES_PER_INTAKE // 4) + rng.sample(ordinary, ENTRIES_PER_INTAKE * 3 // 4)
        for _ in range(RUNS)
    ]
    for intake in intakes[:20]:  # warm-up
        screen_intake(medications=intake, pregnancy_status="not_pregnant", today=WRITTEN_ON)
    timings = []
    for intake in intakes:
        started = time.perf_counter()
        screen_intake(medications=intake, pregnancy_status="not_pregnant", today=WRITTEN_ON)
        timings.append((time.perf_counter() - started) * 1000)

    print(f"screening_recall: {1 - len(missed) / len(blind_pos):.3f} ratio")
    print(f"screening_false_positive_rate: {len(alarms) / len(blind_neg):.3f} ratio")
    print(f"screening_unrecognised_rate: {len(noisy) / len(ordinary):.3f} ratio")
    print(f"screening_set_h_recall: {1 - len(h_missed) / len(h_pos):.3f} ratio")
    print(f"screening_set_h_false_positive_rate: {len(h_alarms) / len(h_neg):.3f} ratio")
    print(f"screening_set_h_unrecognised_rate: {len(h_noisy) / SET_H_ORDINARY_LINES:.3f} ratio")
    print(f"screening_set_o_recall: {1 - len(o_missed) / len(o_pos):.3f} ratio")
    print(f"screening_set_o_false_positive_rate: {len(o_alarms) / len(o_neg):.3f} ratio")
    print(f"screening_set_o_unrecognised_rate: {len(o_noisy) / SET_O_ORDINARY_LINES:.3f} ratio")
    print(f"screening_set_q_recall: {1 - len(q_missed) / len(q_pos):.3f} ratio")
    print(f"screening_set_q_false_positive_rate: {len(q_alarms) / len(q_neg):.3f} ratio")
    print(f"screening_set_q_unrecognised_rate: {len(q_noisy) / SET_Q_ORDINARY_LINES:.3f} ratio")
    print(f"screening_set_u_recall: {1 - len(u_missed) / len(u_pos):.3f} ratio")
    print(f"screening_set_u_false_positive_rate: {len(u_alarms) / len(u_neg):.3f} ratio")
    print(f"screening_set_u_unrecognised_rate: {len(u_noisy) / SET_U_ORDINARY_LINES:.3f} ratio")
    print(f"screening_set_w_recall: {1 - len(w_missed) / len(w_pos):.3f} ratio")
    print(f"screening_set_w_false_positive_rate: {len(w_alarms) / len(w_neg):.3f} ratio")
    print(f"screening_set_w_unrecognised_rate: {len(w_noisy) / SET_U_ORDINARY_LINES:.3f} ratio")
    print(f"screening_set_x_recall: {1 - len(x_missed) / len(x_pos):.3f} ratio")
    print(f"screening_set_x_false_positive_rate: {len(x_alarms) / len(x_neg):.3f} ratio")
    print(f"screening_set_x_unrecognised_rate: {len(x_noisy) / SET_U_ORDINARY_LINES:.3f} ratio")
    print(f"screening_set_z_recall: {1 - len(z_missed) / len(z_pos):.3f} ratio")
    print(f"screening_set_z_false_positive_rate: {len(z_alarms) / len(z_neg):.3f} ratio")
    print(f"screening_set_z_unrecognised_rate: {len(z_noisy) / SET_U_ORDINARY_LINES:.3f} ratio")
    print(f"screening_tuned_recall: {1 - len(tuned_missed) / len(tuned_pos):.3f} ratio")
    print(f"screening_tuned_false_positive_rate: {len(tuned_alarms) / len(tuned_neg):.3f} ratio")
    print(f"screening_20_entries_ms: {statistics.median(timings):.2f} ms")
    # Only counts for the blind set: printing its lines would make it a set someone has tuned on.
    print(f"blind set: {len(missed)} missed, {len(alarms)} false alarms, {len(noisy)} unrecognised", file=sys.stderr)
    print(f"set H: {len(h_missed)} missed, {len(h_alarms)} false alarms, {len(h_noisy)} unrecognised", file=sys.stderr)
    print(f"set O: {len(o_missed)} missed, {len(o_alarms)} false alarms, {len(o_noisy)} unrecognised", file=sys.stderr)
    print(f"set Q: {len(q_missed)} missed, {len(q_alarms)} false alarms, {len(q_noisy)} unrecognised", file=sys.stderr)
    print(f"set U: {len(u_missed)} missed, {len(u_alarms)} false alarms, {len(u_noisy)} unrecognised", file=sys.stderr)
    print(f"set W: {len(w_missed)} missed, {len(w_alarms)} false alarms, {len(w_noisy)} unrecognised", file=sys.stderr)
    print(f"set X: {len(x_missed)} missed, {len(x_alarms)} false alarms, {len(x_noisy)} unrecognised", file=sys.stderr)
    print(f"set Z: {len(z_missed)} missed, {len(z_alarms)} false alarms, {len(z_noisy)} unrecognised", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
