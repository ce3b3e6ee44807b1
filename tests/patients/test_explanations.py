"""What screening noticed reaches a Spanish-speaking patient in Spanish (patients/explanations.py),
whichever sentence the engine wrote; English pages show the engine's words unchanged."""

from datetime import date

import pytest
from django.utils import translation

from patients.explanations import explanation_for_patient
from patients.screening.rules import screen_intake
from patients.selectors import explanations_once

TODAY = date(2026, 11, 28)

# Inputs that make the engine write every kind of sentence it has for a patient.
INTAKES = [
    {"medications": ["oxycodone 5mg", "oxycodon", "levothyroxine", "methotrexate", "naloxone kit", "zzqx",
                      "tramadol stopped 2 weeks ago", "allergic to codeine", "suboxone", "tramadol maybe"],
         "pregnancy_status": "pregnant", "opioid_use": "now"},
    {"medications": ["tramadol last taken yesterday", "loperamide", "hydrocodone stopped", "Vit. D"],
         "pregnancy_status": "prefer_not_to_say", "opioid_use": "stopped", "opioid_stopped_what": "oxycodone",
         "opioid_last_dose": date(2026, 11, 20)},
    {"medications": ["pain pills", "Spravato 84 mg"], "pregnancy_status": "not_sure", "opioid_use": "not_sure"},
    {"medications": ["morfina"], "pregnancy_status": "breastfeeding", "opioid_use": "stopped",
         "opioid_stopped_what": "", "opioid_last_dose": date(2025, 1, 2)},
    {"medications": [], "pregnancy_status": "trying_to_conceive"},
]


def every_explanation():
    texts = set()
    for answers in INTAKES:
        found = [flag.explanation for flag in screen_intake(today=TODAY, **answers)]
        texts.update(found)
        texts.update(explanations_once(found))  # the page shows a repeated reason only once
    return sorted(texts)


@pytest.mark.parametrize("english", every_explanation())
def test_every_sentence_the_engine_writes_reaches_a_spanish_reader_in_spanish(english):
    with translation.override("es"):
        spanish = explanation_for_patient(english)

    assert spanish != english
    for words in ("We noticed", "You told us", "the pharmacist", "We could not", "You answered", "LDN blocks"):
        assert words not in spanish


def test_the_patients_own_words_and_the_date_are_carried_over():
    with translation.override("es"):
        assert explanation_for_patient(
            "You told us you stopped \u201coxycodone 5mg\u201d on Nov 20, 2026. The pharmacist will confirm this "
            "with you."
        ) == "Nos dijo que dejó de tomar \u201coxycodone 5mg\u201d el 20 de noviembre de 2026. " \
             "El farmacéutico o la farmacéutica lo confirmará con usted."


def test_english_pages_show_the_engines_words_unchanged():
    for english in every_explanation():
        with translation.override("en"):
            assert explanation_for_patient(english) == english


def test_a_sentence_it_does_not_know_stays_as_written_rather_than_guessed():
    with translation.override("es"):
        assert explanation_for_patient("Something new the engine says.") == "Something new the engine says."
