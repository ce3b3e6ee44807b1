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

from django.utils import translation

from patients.explanations import explanation_for_patient
from patients.screening import OPIOID_USE_ANSWERS, PREGNANCY_STATUSES, screen_intake
from tests.conftest import ROOT
from tests.i18n.english import contractions_missed, english_in_text, report

TODAY = date(2026, 11, 28)
STOPPED = [("oxycodone", date(2026, 11, 25)), ("methadone", date(2026, 10, 1)), ("pastillas para el dolor", date(2026, 11, 27)), ("", None)]


def benchmark_rows():
    rows = []
    for path in sorted(Path(ROOT, "bench", "screening_eval").glob("*.txt")):
        rows += [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return rows


@cache
def every_explanation():
    texts = set()
    for row in benchmark_rows():
        for flag in screen_intake(medications=[row], pregnancy_status="not_pregnant", today=TODAY):
            texts.add(flag.explanation)
        for flag in screen_intake(medications=[], pregnancy_status="not_applicable", today=TODAY, other_texts={"allergies": row}):
            texts.add(flag.explanation)
    for status in PREGNANCY_STATUSES:
        texts |= {flag.explanation for flag in screen_intake(medications=[], pregnancy_status=status, today=TODAY)}
    for answer in OPIOID_USE_ANSWERS:
        for what, last_dose in STOPPED:
            flags = screen_intake(
                medications=[], pregnancy_status="not_applicable", today=TODAY,
                opioid_use=answer, opioid_stopped_what=what, opioid_last_dose=last_dose,
            )
            texts |= {flag.explanation for flag in flags}
    return tuple(sorted(texts))


def test_every_explanation_the_engine_writes_reads_as_spanish():
    texts = every_explanation()
    assert len(texts) > 100, "the benchmark sets should raise many different explanations"

    found = []
    with translation.override("es"):
        for text in texts:
            spanish = explanation_for_patient(text)
            if spanish == text:
                found.append(f"left in English: {text!r}")
                continue
            found += [str(leftover) for leftover in english_in_text(spanish, where=f"explanation of {text!r}")]
            found += [f"'a el'/'de el' not contracted: {spanish!r}" for spanish in contractions_missed([spanish])]
    assert not found, report(found)


def test_in_english_the_explanation_is_the_engine_s_own():
    with translation.override("en"):
        for text in every_explanation()[:50]:
            assert explanation_for_patient(text) == text
