"""Severity is written in the engine, the flag model, the intake's outcome and the queue's ranking;
these tests keep the four in step, so a new severity cannot be stored unranked or shown unlabelled."""

from patients.models import SEVERITY_RANK, Intake, ScreeningFlag
from patients.screening import Severity
from patients.selectors import OPIOID_NOT_CURRENT_BAND, QUEUE_BANDS, QUEUE_RANK


def test_the_engine_and_the_flag_model_know_the_same_severities():
    assert {s.value for s in Severity} == set(ScreeningFlag.Severity.values)


def test_an_intake_s_outcome_is_a_severity_or_clear():
    assert set(Intake.Outcome.values) == set(ScreeningFlag.Severity.values) | {"clear"}


def test_every_outcome_has_a_rank_and_the_ranks_keep_the_clinical_order():
    assert set(SEVERITY_RANK) == set(Intake.Outcome.values)
    by_rank = sorted(SEVERITY_RANK, key=SEVERITY_RANK.__getitem__, reverse=True)
    assert by_rank == ["contraindication", "caution", "review", "clear"]


def test_the_queue_ranks_every_severity_in_that_order_with_opioid_not_current_after_contraindications():
    severities_in_queue = [band for band in QUEUE_BANDS if band != OPIOID_NOT_CURRENT_BAND]

    assert severities_in_queue == [s for s in sorted(SEVERITY_RANK, key=SEVERITY_RANK.get, reverse=True) if s != "clear"]
    assert QUEUE_BANDS.index(OPIOID_NOT_CURRENT_BAND) == 1
    assert sorted(QUEUE_RANK.values(), reverse=True) == [QUEUE_RANK[band] for band in QUEUE_BANDS]
    assert min(QUEUE_RANK.values()) > 0  # 0 is "nothing noticed"
