"""Medication rows written in Spanish read as their English counterparts would (issue #18, point 2).

Pure Python, dated like test_screening_timing: every call passes the day of the intake.
"""

from __future__ import annotations

from datetime import date

import pytest

from patients.screening import Severity, is_opioid, screen_medication
from patients.screening.matcher import read_entry
from patients.screening.normalise import tokenize
from patients.screening.spanish import as_english

TODAY = date(2026, 11, 28)  # a Saturday


def screen(text: str):
    return screen_medication(text, today=TODAY)


def unrecognised_words(text: str) -> list[str]:
    return [text[start:end] for start, end in read_entry(text, today=TODAY).unrecognised]


@pytest.mark.parametrize(
    "entry",
    ["Ninguno", "nada", "No tomo ningún medicamento", "no tomo medicamentos", "Ningún medicamento actualmente"],
)
def test_saying_none_in_spanish_raises_no_flag(entry):
    assert screen(entry) == []


@pytest.mark.parametrize(
    "entry",
    [
        "pastillas para el dolor",  # an unnamed pain medicine, as "pain pills" is
        "tomo calmantes para la espalda",
        "metadona 70 mg todos los días en la clínica",
        "estoy bajando la oxicodona, ahora 10 mg",
        "dejé el Suboxone hace 5 días",  # buprenorphine: 14 days
        "dejé de tomar tramadol anteayer",
        "última dosis de hidrocodona ayer por la noche",
        "jarabe para la tos con codeína desde el lunes",
        "me quitaron el parche de fentanilo la semana pasada",
        "uso la oxicodona de mi mamá cuando me duele la rodilla",  # the patient's own use
        "tramadol 50 mg cada 6 horas",
        "dejé el tramadol",  # a stop with no date: the pharmacist asks when
    ],
)
def test_spanish_rows_that_are_a_contraindication(entry):
    flags = screen(entry)
    assert is_opioid(flags), flags
    assert any(f.severity == Severity.CONTRAINDICATION for f in flags)


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ("dejé la metadona hace 2 años", "a stop long past the interval"),
        ("dejé el tramadol el 2 de noviembre", "26 days ago, past the 10 days for tramadol"),
        ("tomé Percocet después de la cirugía en 2018", "a dated past event"),
        ("soy alérgico a la codeína", "an allergy is not use"),
        ("nunca he tomado opioides", "a denial"),
        ("no tomo opioides", "a denial"),
        ("mi esposo toma metadona", "someone else's"),
        ("la oxicodona de mi papá", "someone else's, the owner named after the drug"),
        ("mi perro toma tramadol", "a pet's"),
    ],
)
def test_spanish_rows_that_are_not_a_contraindication(entry, why):
    flags = screen(entry)
    assert not any(f.severity == Severity.CONTRAINDICATION for f in flags), (why, flags)


def test_a_recent_spanish_date_stays_a_contraindication_and_an_old_one_does_not():
    assert is_opioid(screen("dejé el tramadol el 25 de noviembre"))  # 3 days ago
    assert not is_opioid(screen("dejé el tramadol el 25 de septiembre"))


@pytest.mark.parametrize(
    "entry",
    [
        "paracetamol cuando me duele la cabeza",
        "Metformina 850 mg dos veces al día con la comida",
        "Omeprazol 20 mg en ayunas",
        "Losartán 50 mg diario, para la presión",
        "Insulina 20 unidades en la noche",
        "Aceite de pescado y calcio con vitamina D",
        "Ibuprofeno 400 mg si es necesario",
    ],
)
def test_everyday_spanish_words_are_not_unknown_medicines(entry):
    assert unrecognised_words(entry) == []
    assert screen(entry) == []


@pytest.mark.parametrize(
    "entry",
    ["no opioids, a week ago", "Tome 2 tablets at bedtime", "sin city trip, no meds", "Dolor? no, just tylenol"],
)
def test_english_rows_are_never_rewritten(entry):
    tokens = tokenize(entry)
    assert as_english(tokens) == tokens


def test_a_rewritten_word_still_points_at_what_the_patient_typed():
    entry = "dejé la metadona hace 3 días"
    mention = read_entry(entry, today=TODAY).mentions[0]
    assert entry[mention.start : mention.end] == "metadona"


@pytest.mark.parametrize(
    "entry",
    [
        "Sertraline 50 mg tablet; Disp: 90 tablet; Rfl: 1; Start: 3/2/2025",
        "LOSARTAN POTASSIUM 50 MG TAB MYLAN TAKE 1 TAB PO QD QTY 90 RF3",
        "MFG: TEVA NDC 0093-7146-56 ESCITALOPRAM 10MG",
    ],
)
def test_pharmacy_label_words_are_not_unknown_medicines(entry):
    assert unrecognised_words(entry) == []


def test_a_name_two_letters_from_an_everyday_brand_stays_unknown_for_the_pharmacist():
    # "Analfin" is not Anadin: an unknown brand is never silently renamed to an everyday medicine.
    assert [f.code for f in screen("Analfin 10 mg cada 4 horas")] == ["unrecognised"]
    assert screen("Anadin extra") == []  # the brand itself still reads as itself


# English newer than Webster's Second (wordfreq's most frequent words, copied by the build):
# conditions, devices and texting words beside a named medicine are the patient's own remarks.
@pytest.mark.parametrize(
    "entry",
    [
        "hx Lyme, doxycycline finished; metformin 500 bid",
        "CPAP at night, lisinopril 10 daily",
        "Hashimoto's on levothyroxine 75 mcg",
        "idk if it matters but i take zinc ngl",
        "CKD stage 3, losartan 25",
    ],
)
def test_newer_everyday_english_beside_a_medicine_is_not_an_unknown_name(entry):
    assert unrecognised_words(entry) == []


def test_newer_english_words_hide_neither_an_unknown_brand_nor_an_opioid():
    assert unrecognised_words("Zorvadex 20 mg for my Lyme") == ["Zorvadex"]  # made up: still asked about
    assert is_opioid(screen("percs idk like 2 a day, also CPAP"))


def test_common_spanish_words_are_not_read_as_an_opioids_name():
    # "llame" (call) is one sound from LAAM, "reciba" from Rezira.
    assert not is_opioid(screen_medication("si tengo dolor llame a mi doctora; tomo metformina 500"))
    assert not is_opioid(screen_medication("reciba mi lista: losartán 50 y vitamina D"))


@pytest.mark.parametrize(
    "entry",
    [
        "el doctor quiere darme tramadol pero no lo he empezado",
        "tengo oxicodona en casa pero nunca lo abrí",
        "me quiere recetar Norco, no lo he empezado",
    ],
)
def test_a_spanish_plan_or_a_supply_never_opened_is_not_use(entry):
    assert not is_opioid(screen_medication(entry, today=TODAY))


def test_a_spanish_supply_opened_after_all_is_use():
    assert is_opioid(screen_medication("tengo oxicodona en casa, tomé una ayer", today=TODAY))
