"""Issue #18 point 2: what screening noticed is explained in Spanish, every sentence of it.

The walk (test_spanish_pages.py) sees only the few explanations its intakes raise. Here the
engine screens every row of the screening benchmark's sets (bench/screening_eval, written by
people in many styles, Spanish rows included) as a medication, as an allergy, with every
pregnancy answer and every answer to the opioid question; each distinct explanation it writes
must read as Spanish on the summary page (patients.explanations turns the stored English into the
page's language). No database: the engine is plain Python.
"""

from datetime import date
from functools import cache
from pathlib import Path

import pytest
from django.utils import translation

from patients.explanations import explanation_for_patient
from patients.screening import OPIOID_USE_ANSWERS, PREGNANCY_STATUSES, screen_intake
from tests.conftest import ROOT
from tests.i18n.english import contractions_missed, english_in_text, report

TODAY = date(2026, 11, 28)
STOPPED = [("oxycodone", date(2026, 11, 25)), ("methadone", date(2026, 10, 1)), ("pastillas para el dolor", date(2026, 11, 27)), ("", None)]


BENCHMARK_SETS = sorted(Path(ROOT, "bench", "screening_eval").glob("*.txt"))


def rows_of(path):
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


def explanations_for_rows(rows):
    """What the engine explains for each row as a medication and as an allergy."""
    texts = set()
    for row in dict.fromkeys(rows):
        for flag in screen_intake(medications=[row], pregnancy_status="not_pregnant", today=TODAY):
            texts.add(flag.explanation)
        for flag in screen_intake(medications=[], pregnancy_status="not_applicable", today=TODAY, other_texts={"allergies": row}):
            texts.add(flag.explanation)
    return texts


@cache
def answer_explanations():
    """What the engine explains for every pregnancy answer and every answer to the opioid question."""
    texts = set()
    for status in PREGNANCY_STATUSES:
        texts |= {flag.explanation for flag in screen_intake(medications=[], pregnancy_status=status, today=TODAY)}
    for answer in OPIOID_USE_ANSWERS:
        for what, last_dose in STOPPED:
            flags = screen_intake(
                medications=[], pregnancy_status="not_applicable", today=TODAY,
                opioid_use=answer, opioid_stopped_what=what, opioid_last_dose=last_dose,
            )
            texts |= {flag.explanation for flag in flags}
    return texts


def not_spanish(texts):
    found = []
    with translation.override("es"):
        for text in sorted(texts):
            spanish = explanation_for_patient(text)
            if spanish == text:
                found.append(f"left in English: {text!r}")
                continue
            found += [str(leftover) for leftover in english_in_text(spanish, where=f"explanation of {text!r}")]
            found += [f"'a el'/'de el' not contracted: {spanish!r}" for spanish in contractions_missed([spanish])]
    return found


def test_the_benchmark_sets_are_there_to_walk():
    """The walk below is one test per set: without the sets it would walk nothing."""
    assert len(BENCHMARK_SETS) >= 20
    assert sum(len(rows_of(path)) for path in BENCHMARK_SETS) > 4000


# One test per benchmark set: screening all of them (8,000 rows, twice each) was one test of about
# two minutes under coverage, the last to finish in CI; per set, pytest-xdist shares them out.
@pytest.mark.parametrize("path", BENCHMARK_SETS, ids=lambda path: path.stem)
def test_every_explanation_the_engine_writes_reads_as_spanish(path):
    texts = explanations_for_rows(rows_of(path))
    assert texts, "every benchmark set raises explanations (the fewest, about 20)"

    found = not_spanish(texts)

    assert not found, report(found)


def test_every_explanation_of_the_answers_reads_as_spanish():
    found = not_spanish(answer_explanations())

    assert not found, report(found)


def test_in_english_the_explanation_is_the_engine_s_own():
    """A sample: the answers' explanations and the first set's (it screened every explanation
    again, two minutes under coverage, to look at 50 of them)."""
    texts = answer_explanations() | explanations_for_rows(rows_of(BENCHMARK_SETS[0]))
    with translation.override("en"):
        for text in sorted(texts):
            assert explanation_for_patient(text) == text
