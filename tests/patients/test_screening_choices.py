"""The intake's answers and the screening engine's lists of them must be the same lists.

The engine (patients/screening/rules.py) keeps its own copy of the pregnancy statuses and of the
answers to the direct opioid question, because it imports nothing from Django. A choice added to
the model alone would make screen_intake raise (a 500 for the patient); one dropped from the model
alone would leave a wording the engine can never use. These tests compare the two real lists.
"""

from datetime import UTC, date, datetime

import pytest

from patients.models import Intake
from patients.screening import OPIOID_USE_ANSWERS, PREGNANCY_STATUSES
from patients.services import intake_submit

NOW = datetime(2026, 3, 8, 15, 30, tzinfo=UTC)


def test_every_pregnancy_status_the_intake_stores_is_known_to_the_engine():
    assert set(Intake.PregnancyStatus.values) - PREGNANCY_STATUSES == set()


def test_every_pregnancy_status_the_engine_knows_is_a_choice_on_the_intake():
    assert PREGNANCY_STATUSES - set(Intake.PregnancyStatus.values) == set()


def test_every_opioid_answer_the_engine_knows_is_a_choice_on_the_intake():
    assert set(OPIOID_USE_ANSWERS) - set(Intake.OpioidUse.values) == set()


def test_the_engine_knows_every_opioid_answer_but_not_asked():
    # "Not asked" marks intakes stored before the question existed; the service screens them
    # without an answer (patients.services._opioid_answer) rather than inventing one.
    assert set(Intake.OpioidUse.values) - set(OPIOID_USE_ANSWERS) == {Intake.OpioidUse.NOT_ASKED}


def submit(**intake_fields):
    return intake_submit(
        patient_data={
            "first_name": "Dana",
            "last_name": "Doe",
            "date_of_birth": date(1980, 4, 12),
            "email": "dana@example.com",
            "phone": "+16085550123",
        },
        intake_data={
            "conditions": [Intake.Condition.CHRONIC_PAIN],
            "takes_no_medications": True,
            "consent_privacy": True,
            "consent_not_diagnosis": True,
            "consent_contact": True,
            **intake_fields,
        },
        medications=[],
        now=NOW,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("status", Intake.PregnancyStatus.values)
def test_an_intake_with_any_pregnancy_status_is_stored_and_screened(status):
    intake = submit(pregnancy_status=status, opioid_use=Intake.OpioidUse.NO)

    assert intake.pregnancy_status == status
    assert intake.screening_outcome in Intake.Outcome.values


@pytest.mark.django_db
@pytest.mark.parametrize("answer", Intake.OpioidUse.values)
def test_an_intake_with_any_opioid_answer_is_stored_and_screened(answer):
    intake = submit(pregnancy_status=Intake.PregnancyStatus.NOT_APPLICABLE, opioid_use=answer)

    assert intake.opioid_use == answer
    assert intake.screening_outcome in Intake.Outcome.values
