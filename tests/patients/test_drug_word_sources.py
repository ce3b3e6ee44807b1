"""Words that are no medicine's name (newer English, towns, medical abbreviations) and the package's
brands of review medicines: they cut the "unrecognised" noise without hiding any opioid.

A word list only silences an unknown word beside a named medicine; for a slip the spelling check
cannot place, that report is the only sign of an opioid, so no listed word may sit near an opioid's
name. Pure Python, no database.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from patients.screening import Severity, is_opioid, screen_medication

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA_DIR = REPO_ROOT / "patients" / "screening" / "data"
SCRIPT = REPO_ROOT / "scripts" / "build_drug_knowledge.py"
VOCABULARY = "pypi:drug-named-entity-recognition==2.0.9"
TODAY = date(2026, 11, 29)


@cache
def build():
    spec = importlib.util.spec_from_file_location("_build_drug_knowledge_words", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@cache
def knowledge() -> dict:
    return json.loads((DATA_DIR / "drug_knowledge.json").read_text(encoding="utf-8"))


def codes(entry: str) -> set[str]:
    return {flag.code for flag in screen_medication(entry, today=TODAY)}


@pytest.mark.parametrize(
    "entry",
    [
        "doxycycline 100mg twice daily x 21 days (tick bite near Minocqua), Florastor, sunscreen",
        "aspirin 81, fish oil, hawthorn for blood pressure, goes to the chiropractor in Cashton",
        "PDMP reviewed 11/27/26: Adderall XR 20 mg #30 filled 11/10/26 is the only controlled Rx on file. Also Zoloft 50.",
        "BKA right, shrinker sock for the residual limb, liner rash so hydrocortisone cream, and Keflex for now",
        "perimenopause. Brisdelle 7.5mg for the hot flashes, evening primrose oil",
        "pickleball elbow: Voltaren gel 4x a day, Aleve 220 bid, turmeric, compression sleeve",
        "Typing for my son (18, patient) with type 1 diabetes: Humalog pump, Lantus backup, glucagon pen, Dexcom.",
        "neuropathy: duloxetine 60mg, alpha lipoic acid 600, benfotiamine, capsaicin cream on my feet",
    ],
)
def test_towns_abbreviations_and_newer_english_beside_a_medicine_are_not_reported(entry):
    assert "unrecognised" not in codes(entry)


def test_a_row_of_such_words_alone_is_still_reported():
    assert "unrecognised" in codes("Minocqua PDMP")


@pytest.mark.parametrize("entry", ["Florinef 0.1 mg", "Mestinon; Florinef; midodrine"])
def test_florinef_is_reviewed_as_fludrocortisone(entry):
    flags = [f for f in screen_medication(entry, today=TODAY) if f.code == "immunomodulator"]
    assert flags and flags[0].severity == Severity.REVIEW
    assert knowledge()["terms"]["florinef"]["ingredients"] == ["fludrocortisone"]


def test_package_brands_of_review_medicines_are_never_ordinary():
    kb = knowledge()
    brands = {k: t for k, t in kb["terms"].items() if t["kind"] == "brand" and t["sources"] == [VOCABULARY]}
    assert len(brands) == kb["sources"][VOCABULARY]["reviewed_brands_added"] > 100
    for term in brands.values():
        assert {kb["ingredients"][m]["class"] for m in term["ingredients"]} != {"non_opioid"}
        assert all(kb["ingredients"][m]["class"] != "opioid" for m in term["ingredients"])


@pytest.mark.parametrize(
    "slip",
    [
        "norc",  # Norco
        "oana",  # Opana
        "prcs",  # percs
        "valoon",  # Valoron: Volon (triamcinolone) is no brand here, so it stays the opioid
        "naloce",  # Nalocet
    ],
)
def test_slips_of_opioid_names_keep_their_flag_beside_a_medicine(slip):
    flags = screen_medication(f"ibuprofen and {slip}", today=TODAY)
    assert is_opioid(flags) or any(f.code in {"unrecognised", "opioid_possible"} for f in flags)
    assert slip not in knowledge()["everyday_words_en"]["words"]


@pytest.mark.parametrize(
    "entry",
    ["oxycodone 5 mg", "Norco", "Percocet 10", "methadone 60 mg", "Suboxone", "tramadol", "Opana", "Dilaudid"],
)
def test_opioids_stay_contraindications_beside_towns_and_abbreviations(entry):
    assert is_opioid(screen_medication(f"metformin 500, {entry} near Minocqua, PDMP checked", today=TODAY))


def test_every_word_source_records_its_source_licence_and_file():
    for tag, source in knowledge()["other_words"].items():
        assert source["source"] and source["license"], tag
        data = json.loads((REPO_ROOT / source["file"]).read_text(encoding="utf-8"))
        assert data["_source"] == source["source"] and data["_license"] == source["license"]
        assert len(source["words"]) > 500


def test_abbreviations_that_mean_a_flagged_medicine_are_left_out():
    words = set(knowledge()["other_words"]["github:imantsm/medical_abbreviations"]["words"])
    assert {"pdmp", "hbss"} <= words
    assert not {"ivig", "ms", "hc", "mtx"} & words  # immunoglobulin, morphine sulphate, hydrocortisone, methotrexate
    assert not {"ivdu", "ivda", "ciwa", "t12a", "idds"} & words  # drug use, withdrawal, abuse-deterrent, pain pump


def test_no_listed_word_names_or_sits_near_an_opioid():
    kb = knowledge()
    module = build()
    terms = {key: {"kind": t["kind"], "ingredients": t["ingredients"]} for key, t in kb["terms"].items()}
    near_an_opioid = module.opioid_neighbours(terms, kb["ingredients"])
    single_word_terms = {key for key in kb["terms"] if " " not in key}
    _, commonest = module._wordfreq_top("en", module.COMMON_WORD_COUNT)
    commonest = {module._fold(word) for word in commonest}
    listed = set(kb["everyday_words_en"]["words"]) - commonest
    for source in kb["other_words"].values():
        listed |= set(source["words"])
    assert not listed & single_word_terms
    assert [word for word in sorted(listed) if near_an_opioid(word)] == []
