"""US brand and generic names from RxNorm (patients/screening/data/rxnorm_prescribable_names.json).

They cut the "unrecognised" noise on ordinary lists, under the vocabulary package's safety rules:
no name that is, contains or is made with an opioid, antagonist, immunomodulator or thyroid hormone
ever becomes an ordinary medicine, and no opioid name loses its contraindication. Pure Python, no
database.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from patients.screening import Severity, is_opioid, screen_medication

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "patients" / "screening" / "data"
RXNORM = "rxnorm:current-prescribable-2025-10-06"
TODAY = date(2026, 11, 29)


@cache
def knowledge() -> dict:
    return json.loads((DATA_DIR / "drug_knowledge.json").read_text(encoding="utf-8"))


def rxnorm_terms() -> dict[str, dict]:
    return {key: term for key, term in knowledge()["terms"].items() if RXNORM in term["sources"]}


def classes(term: dict) -> set[str]:
    return {knowledge()["ingredients"][m]["class"] for m in term["ingredients"]}


def test_the_names_file_records_its_source_and_release():
    data = json.loads((DATA_DIR / "rxnorm_prescribable_names.json").read_text(encoding="utf-8"))
    assert data["_date"] == "2025-10-06"
    assert "RxNorm Current Prescribable Content" in data["_source"]
    assert len(data["brands"]) > 3000
    note = knowledge()["sources"][RXNORM]
    assert note["release"] == "2025-10-06"
    assert note["terms_added"] + note["reviewed_brands_added"] == len(rxnorm_terms())


@pytest.mark.parametrize(
    ("entry", "name"),
    [
        ("Veozah 45 mg daily for hot flashes", "veozah"),
        ("Quviviq 50 mg at night", "quviviq"),
        ("Vtama cream on the elbows", "vtama"),
        ("Zoryve foam", "zoryve"),
        ("Camzyos 5 mg", "camzyos"),
        ("Qsymia 7.5/46", "qsymia"),
        ("Vemlidy 25 mg", "vemlidy"),
        ("Ziac 5/6.25 every morning", "ziac"),
        ("Cobenfy twice a day", "cobenfy"),
        ("Journavx 50 mg after my surgery", "journavx"),
        ("Miebo eye drops", "miebo"),
        ("Desitin on the rash", "desitin"),
        ("Debrox ear drops", "debrox"),
        ("Mylicon drops for gas", "mylicon"),
    ],
)
def test_everyday_brands_from_rxnorm_are_known_and_raise_nothing(entry, name):
    term = knowledge()["terms"][name]
    assert term["sources"] == [RXNORM]
    assert term["kind"] == "vocabulary"
    assert classes(term) == {"non_opioid"}
    assert screen_medication(entry, today=TODAY) == []


def test_a_brand_of_a_curated_review_medicine_keeps_its_review():
    term = knowledge()["terms"]["restasis"]
    assert term["ingredients"] == ["cyclosporine"]
    assert term["kind"] == "brand"
    flags = screen_medication("Restasis", today=TODAY)
    assert [(f.code, f.severity) for f in flags] == [("immunomodulator", Severity.REVIEW)]
    # Ciclosporin is reviewed only when taken systemically, as the curated list says.
    assert screen_medication("Restasis eye drops twice a day", today=TODAY) == []


@pytest.mark.parametrize(
    "entry",
    [
        "Percocet 10/325",
        "Tylenol #3",
        "Tylenol with Codeine",
        "Tuxarin ER",
        "Hycodan syrup",
        "Belbuca film",
        "Nucynta ER 50",
        "Xtampza ER",
        "oxycodone 5 mg",
        "hydrocodone",
        "codeine",
        "buprenorphine",
        "methadone 60 mg",
        "tapentadol",
    ],
)
def test_opioid_brands_and_ingredients_stay_contraindications(entry):
    assert is_opioid(screen_medication(entry, today=TODAY))


def test_no_rxnorm_name_is_ordinary_when_it_names_or_contains_a_review_medicine():
    kb = knowledge()
    ingredients = kb["ingredients"]
    protected = {
        key
        for key, term in kb["terms"].items()
        if RXNORM not in term["sources"]
        and term["kind"] != "street_name"
        and (term["kind"] == "generic_opioid" or classes(term) - {"non_opioid"})
    }
    protected |= {name for name, record in ingredients.items() if record["class"] != "non_opioid"}
    longest = max(len(key.split()) for key in protected)
    clashes = []
    for key, term in rxnorm_terms().items():
        assert "opioid" not in classes(term), key
        if term["kind"] != "vocabulary":
            continue
        words = key.split()
        parts = {
            " ".join(words[i:j])
            for i in range(len(words))
            for j in range(i + 1, min(len(words), i + longest) + 1)
        }
        if parts & protected or classes(term) != {"non_opioid"}:
            clashes.append(key)
    assert clashes == []


def test_reviewed_rxnorm_brands_are_never_ordinary():
    reviewed = {key: term for key, term in rxnorm_terms().items() if term["kind"] == "brand"}
    assert reviewed
    assert all(classes(term) - {"non_opioid"} for term in reviewed.values())


@pytest.mark.parametrize(
    "phrase", ["my way", "align", "take action", "thrive", "new day", "react", "tabloid"]
)
def test_brands_named_in_everyday_english_stay_out(phrase):
    term = knowledge()["terms"].get(phrase)
    assert term is None or RXNORM not in term["sources"]


@pytest.mark.parametrize("name", ["spravato", "zurzuvae", "humira", "ocrevus"])
def test_names_the_safety_rules_leave_out_are_not_ordinary(name):
    # Esketamine (partly opioid-receptor acting), -olone steroids' look-alikes and immune antibodies
    # stay for the pharmacist, as in the vocabulary package's rules.
    term = knowledge()["terms"].get(name)
    # Spravato is listed now, with the review flag of its own that esketamine carries (curated_non_opioids.json).
    reviewed = term is not None and any(knowledge()["ingredients"][m].get("reviewed_with_ldn") for m in term["ingredients"])
    assert term is None or classes(term) != {"non_opioid"} or reviewed


@pytest.mark.parametrize("name", ["herceptin", "vyepti", "ajovy", "eylea", "xgeva"])
def test_antibodies_outside_the_immune_system_come_from_the_curated_list_not_the_vocabulary(name):
    # The vocabulary's -mab rule keeps every antibody out; the curated list names those whose ATC group
    # is not immune-modulating (cancer, migraine, eye, bone), so they are ordinary by a sourced decision.
    term = knowledge()["terms"][name]
    assert classes(term) == {"non_opioid"}
    assert RXNORM not in term["sources"]
