"""Unit tests for patients.screening: pure Python, no database, no clock."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from patients.screening import (
    RULES_VERSION,
    Flag,
    Severity,
    is_opioid,
    screen_intake,
    screen_medication,
)
from patients.screening.knowledge import DATA_FILE
from patients.screening.matcher import read_entry

REPO_ROOT = Path(__file__).resolve().parents[2]

OPIOID_EXAMPLES = [
    # (entry as typed, canonical opioid ingredient)
    ("Norco 10/325 1 tab po q6h prn", "hydrocodone"),
    ("norco 7.5/325 BID", "hydrocodone"),
    ("HYDROCODONE/APAP 10-325", "hydrocodone"),
    ("APAP/codeine 300/30 mg", "codeine"),
    ("Tylenol #3", "codeine"),
    ("tylenol 4", "codeine"),
    ("Tylenol with Codeine No. 3", "codeine"),
    ("tylenol w/ codeine", "codeine"),
    ("T3 for dental pain", "codeine"),
    ("promethazine w/ codeine 5 mL hs", "codeine"),
    ("Tuzistra XR", "codeine"),
    ("fentanyl 12 mcg/hr patch q72h", "fentanyl"),
    ("Butrans 20 mcg/hour", "buprenorphine"),
    ("Suboxone film 8mg/2mg", "buprenorphine"),
    ("Zubsolv 11.4 mg", "buprenorphine"),
    ("Sublocade 100 mg", "buprenorphine"),
    ("Belbuca 150mcg", "buprenorphine"),
    ("Methadose 40mg", "methadone"),
    ("methadone 5 mg", "methadone"),
    ("Ultram 50 mg q8h", "tramadol"),
    ("Nucynta ER 150", "tapentadol"),
    ("oxymorphone IR 5mg", "oxymorphone"),
    ("Dilaudid 4mg Q4H PRN", "hydromorphone"),
    ("MS Contin 60 mg", "morphine"),
    ("MSIR 30", "morphine"),
    ("Percocet 7.5", "oxycodone"),
    ("Roxicodone 5", "oxycodone"),
    ("OxyContin 80mg", "oxycodone"),
    ("Xtampza ER 13.5mg", "oxycodone"),
    ("OxyIR 10", "oxycodone"),
    ("Demerol 100mg", "meperidine"),
    ("pentazocine", "pentazocine"),
    ("butorphanol 10 mg/ml nasal spray", "butorphanol"),
    ("Apadaz", "benzhydrocodone"),
    ("levorphanol", "levorphanol"),
    ("dihydrocodeine 60mg", "dihydrocodeine"),
    ("pholcodine", "pholcodine"),
    ("kratom tea", "mitragynine"),
    ("Hydrocodone ER 40", "hydrocodone"),
    ("MScontin 100", "morphine"),
    ("co-codamol", "codeine"),
]

MISSPELLINGS = [
    ("oxycodon 5", "oxycodone"),
    ("hydrocodeine", "hydrocodone"),
    ("percoset 5/325", "oxycodone"),
    ("tramadoll 50mg", "tramadol"),
    ("vicoden ES", "hydrocodone"),
    ("fentanil 25", "fentanyl"),
    ("morfine sulfate", "morphine"),
    ("oxicodone", "oxycodone"),
    ("suboxen 8mg", "buprenorphine"),
    ("methadon 60", "methadone"),
    ("dilaudd", "hydromorphone"),
    ("codeien", "codeine"),
]

STREET_AND_SHORTHAND = [
    ("oxy", "oxycodone"),
    ("perc 30s", "oxycodone"),
    ("hydros", "hydrocodone"),
    ("bupe 8mg", "buprenorphine"),
    ("subs 8mg", "buprenorphine"),
    ("purple drank", "codeine"),
    ("lean on weekends", "codeine"),
]

LOOK_ALIKES = [
    "oxybutynin 10 mg XL",
    "hydroxyzine HCl 25",
    "oxcarbazepine",
    "oxymetazoline",
    "buspirone 7.5mg",
    "methocarbamol",
    "methimazole 10",
    "methylphenidate 18mg",
    "Percogesic 2 tablets",
    "dextromethorphan",
    "Robitussin DM",
    "hydrocortisone cream",
    "hydrochlorothiazide 12.5 mg",
    "trandolapril",
    "trazodone 50",
    "trazadone",
    "hydroxyzine pamoate",
    "oxybutinin 5mg",
    "bupropion",
    "loperamide",
    "lofexidine",
    "Codeine-free cough syrup 10 ml",
    "tylenol 3 times daily",
    "T3 50 mcg",
]

PLAIN_SAFE_LISTS = [
    "metformin 500 mg twice daily",
    "vitamin D",
    "fish oil",
    "Vitamin D3 5000 IU",
    "magnesium",
    "Tylenol PM 2 caplets",
    "Tylenol Extra Strength",
    "ibuprofen 600",
    "lisinopril 20 mg for blood pressure",
    "sertraline 100mg",
    "melatonin 3mg nightly",
    "gabapentin 100",
]

NOT_CURRENT = [
    "allergic to codeine",
    "codeine allergy",
    "stopped oxycodone in 2019",
    "used to take Percocet before 2010",
    "no opioids",
    "Allergies: morphine (rash)",
    "was on methadone years ago",
    "tramadol made me sick so I discontinued it in 2021",
]
# An ending word without a date: the last dose could have been yesterday.
STOPPED_WITHOUT_A_DATE = ["used to take Percocet", "tramadol made me sick so I discontinued it"]

ALL_EXAMPLES = (
    [e for e, _ in OPIOID_EXAMPLES + MISSPELLINGS + STREET_AND_SHORTHAND]
    + LOOK_ALIKES
    + PLAIN_SAFE_LISTS
    + NOT_CURRENT
    + STOPPED_WITHOUT_A_DATE
)


def codes(flags: list[Flag]) -> list[str]:
    return [f.code for f in flags]


@pytest.mark.parametrize(("entry", "ingredient"), OPIOID_EXAMPLES)
def test_opioid_products_are_a_contraindication(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    opioid = next(f for f in flags if f.code == "opioid")
    assert opioid.severity is Severity.CONTRAINDICATION
    assert ingredient in opioid.ingredient


def test_norco_with_dose_and_frequency_is_a_contraindication():
    [flag] = screen_medication("norco 10/325 bid")
    assert flag.code == "opioid"
    assert flag.severity == Severity.CONTRAINDICATION
    assert flag.matched == "norco"
    assert flag.ingredient == "hydrocodone"
    assert flag.entry_index is None


@pytest.mark.parametrize(("entry", "ingredient"), MISSPELLINGS)
def test_misspelt_opioids_are_still_a_contraindication(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags), flags
    assert flags[0].ingredient == ingredient


@pytest.mark.parametrize(("entry", "ingredient"), STREET_AND_SHORTHAND)
def test_street_names_and_shorthand_are_a_contraindication(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert ingredient in flags[0].ingredient


@pytest.mark.parametrize("entry", LOOK_ALIKES)
def test_look_alikes_are_not_flagged_as_opioids(entry):
    flags = screen_medication(entry)
    assert not is_opioid(flags)
    assert "opioid_not_current" not in codes(flags)


@pytest.mark.parametrize("entry", PLAIN_SAFE_LISTS)
def test_everyday_medicines_and_supplements_raise_no_flag(entry):
    assert screen_medication(entry) == []


@pytest.mark.parametrize("entry", ["oxycontin", "OXYCONTIN", "OxyContin®", "Oxycontin.", "  oxycontin  "])
def test_case_punctuation_and_symbols_do_not_matter(entry):
    assert is_opioid(screen_medication(entry))


@pytest.mark.parametrize("word", ["boxy", "proxy", "moxy", "oxygen 2L at night"])
def test_short_street_names_never_match_inside_other_words(word):
    assert not is_opioid(screen_medication(word))


@pytest.mark.parametrize("entry", NOT_CURRENT)
def test_allergy_and_past_use_are_a_review_not_a_contraindication(entry):
    flags = screen_medication(entry)
    assert not is_opioid(flags)
    assert codes(flags) == ["opioid_not_current"]
    assert flags[0].severity is Severity.REVIEW


@pytest.mark.parametrize("entry", STOPPED_WITHOUT_A_DATE)
def test_a_stop_without_a_date_stays_a_contraindication_until_the_pharmacist_asks(entry):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert flags[0].last_dose is None and "no date" in flags[0].reading


def test_a_cue_about_another_drug_does_not_hide_a_current_opioid():
    flags = screen_medication("oxycodone 5mg, allergic to penicillin")
    assert is_opioid(flags)


def test_a_no_allergies_note_beside_an_opioid_adds_nothing_else():
    flags = screen_medication("Dilaudid 2mg, no known drug allergies")
    assert codes(flags) == ["opioid"]


def test_past_opioid_then_current_opioid_in_one_entry_is_a_contraindication():
    flags = screen_medication("used to take Percocet in 2015, now tramadol 50")
    assert is_opioid(flags)
    assert {f.code for f in flags} == {"opioid", "opioid_not_current"}


@pytest.mark.parametrize(
    "entry", ["none", "None.", "N/A", "no medications", "No current meds", "nothing", "NKDA"]
)
def test_saying_there_are_no_medications_raises_no_flag(entry):
    assert screen_medication(entry) == []


@pytest.mark.parametrize("entry", ["", "   ", "\n\t"])
def test_empty_entries_raise_no_flag(entry):
    assert screen_medication(entry) == []


@pytest.mark.parametrize(
    ("entry", "ingredient"),
    [
        ("naltrexone 50 mg", "naltrexone"),
        ("Vivitrol", "naltrexone"),
        ("Contrave 2 tabs bid", "naltrexone"),
        ("Narcan nasal spray", "naloxone"),
        ("naloxone", "naloxone"),
        ("Relistor", "methylnaltrexone"),
    ],
)
def test_opioid_antagonists_need_a_review(entry, ingredient):
    flags = screen_medication(entry)
    # Peripheral antagonists (Relistor) also tell the pharmacist they suggest opioid use.
    assert codes(flags)[0] == "opioid_antagonist"
    assert set(codes(flags)) <= {"opioid_antagonist", "suggests_opioid_use"}
    assert {f.severity for f in flags} == {Severity.REVIEW}
    assert flags[0].ingredient == ingredient


@pytest.mark.parametrize("entry", ["Suboxone 8/2", "Zubsolv", "buprenorphine/naloxone film", "Talwin NX"])
def test_opioid_combined_with_naloxone_is_one_opioid_contraindication(entry):
    flags = screen_medication(entry)
    assert codes(flags) == ["opioid"]


@pytest.mark.parametrize(
    ("entry", "ingredient"),
    [
        ("Humira 40mg q2weeks", "adalimumab"),
        ("adalimumab", "adalimumab"),
        ("etanercept 50 mg weekly", "etanercept"),
        ("methotrexate 2.5mg x6 weekly", "methotrexate"),
        ("hydroxychloroquine 200", "hydroxychloroquine"),
        ("prednisone 20 mg", "prednisone"),
        ("Xeljanz", "tofacitinib"),
        ("tacrolimus 1mg bid", "tacrolimus"),
        # Newer biologics, JAK and S1P medicines and biosimilars, which had read as "unrecognised".
        ("Xolair shots monthly", "omalizumab"),
        ("Nucala 100 mg every 4 weeks", "mepolizumab"),
        ("Sotyktu 6mg", "deucravacitinib"),
        ("Truxima infusion every 6 months", "rituximab"),
        ("Soliris", "eculizumab"),
    ],
)
def test_immune_modulating_medicines_need_a_review(entry, ingredient):
    flags = screen_medication(entry)
    assert codes(flags) == ["immunomodulator"]
    assert flags[0].ingredient == ingredient
    assert flags[0].severity is Severity.REVIEW


@pytest.mark.parametrize(
    "entry", ["hydrocortisone 1% cream", "budesonide inhaler 2 puffs", "triamcinolone ointment"]
)
def test_steroids_applied_to_the_skin_or_lungs_raise_no_immune_flag(entry):
    assert screen_medication(entry) == []


@pytest.mark.parametrize(
    "entry", ["zorblatix 20mg", "my blue pill", "herbal tea from my aunt", "metformin and florbex"]
)
def test_unrecognised_entries_are_never_silently_safe(entry):
    flags = screen_medication(entry)
    assert "unrecognised" in codes(flags)
    assert all(f.severity is Severity.REVIEW for f in flags)


def test_unrecognised_flag_quotes_the_words_it_could_not_place():
    [flag] = screen_medication("metformin 500, florbex 10mg")
    assert flag.matched == "florbex"


@pytest.mark.parametrize("status", ["pregnant", "breastfeeding", "trying_to_conceive"])
def test_pregnancy_breastfeeding_or_trying_to_conceive_adds_one_caution(status):
    flags = screen_intake(medications=["vitamin D"], pregnancy_status=status)
    assert codes(flags) == ["pregnancy"]
    assert flags[0].severity is Severity.CAUTION
    assert flags[0].matched == "" and flags[0].ingredient == ""
    assert flags[0].entry_index is None


@pytest.mark.parametrize("status", ["not_pregnant", "not_applicable"])
def test_other_pregnancy_answers_add_nothing(status):
    assert screen_intake(medications=[], pregnancy_status=status) == []


def test_unknown_pregnancy_status_is_refused():
    with pytest.raises(ValueError):
        screen_intake(medications=[], pregnancy_status="maybe")


def test_intake_flags_carry_the_index_of_their_medication():
    flags = screen_intake(
        medications=["lisinopril 10", "Percocet 5/325 prn", "", "Humira"],
        pregnancy_status="not_pregnant",
    )
    assert [(f.code, f.entry_index) for f in flags] == [("opioid", 1), ("immunomodulator", 3)]
    assert is_opioid(flags)


def test_is_opioid_ignores_reviews_and_cautions():
    flags = screen_intake(medications=["allergic to morphine", "naltrexone"], pregnancy_status="pregnant")
    assert flags and not is_opioid(flags)


def test_flags_are_immutable_and_stamped_with_the_rules_version():
    [flag] = screen_medication("tramadol")
    assert flag.rules_version == RULES_VERSION
    with pytest.raises(dataclasses.FrozenInstanceError):
        flag.code = "other"  # type: ignore[misc]


def test_severity_values_are_plain_strings():
    assert Severity.CONTRAINDICATION == "contraindication"
    assert str(Severity.REVIEW) == "review"


@pytest.mark.parametrize(
    "entry", ["Norco", "allergic to codeine", "naltrexone", "Humira", "qwertyx", "Oxycodone"]
)
def test_explanations_are_calm_and_refer_to_the_pharmacist(entry):
    [flag] = screen_medication(entry)
    text = flag.explanation
    assert "pharmacist" in text
    assert "you cannot" not in text.lower() and "diagnos" not in text.lower()
    assert text.count(".") <= 3


def test_opioid_explanation_says_what_why_and_who():
    [flag] = screen_medication("Norco")
    assert "hydrocodone" in flag.explanation
    assert "withdrawal" in flag.explanation
    assert "pharmacist" in flag.explanation


def test_knowledge_base_was_built_for_the_current_rules_version():
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert data["rules_version"] == RULES_VERSION


def test_screening_package_imports_no_django_or_project_apps():
    for path in (REPO_ROOT / "patients" / "screening").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "django" not in source.lower(), path
        assert "consultations" not in source, path


def test_unit_test_examples_are_not_copied_from_the_evaluation_set():
    eval_dir = REPO_ROOT / "bench" / "screening_eval"
    evaluation = {
        line.strip().casefold()
        for name in ("opioids.txt", "non_opioids.txt")
        for line in (eval_dir / name).read_text(encoding="utf-8").splitlines()
    }
    assert not {e.casefold() for e in ALL_EXAMPLES} & evaluation


# --- Causes found by the blind held-out evaluation (bench/screening_holdout.py) ---------------
# The strings below differ from the held-out lines on purpose: they test the general cause.

EXPLICIT_TYLENOL_NUMBERS = ["Tylenol #3 tablets prn", "tylenol No.4 caps at night", "TYLENOL #3 caplets x2"]
TYLENOL_COUNTS = ["Tylenol 2 tablets every 6 hours", "tylenol 1 caplet at bedtime", "Tylenol 2 extra strength"]
PLURALS = [("percocets 10/325", "oxycodone"), ("T3s at night", "codeine"), ("Dilaudids", "hydromorphone")]
OXY_SKIN_CARE = ["Oxy maximum acne pads", "OXY spot treatment gel", "oxy daily cleanser"]
FAR_FROM_ANY_OPIOID = ["Depomedrol 40 mg injection", "Zaltrap infusion every 2 weeks", "Kadcyla"]
FAR_MISSPELLINGS = [("bupinorphine 8mg", "buprenorphine"), ("tapentadal 50", "tapentadol")]

HOLDOUT_EXAMPLES = (
    EXPLICIT_TYLENOL_NUMBERS
    + TYLENOL_COUNTS
    + [e for e, _ in PLURALS + FAR_MISSPELLINGS]
    + OXY_SKIN_CARE
    + FAR_FROM_ANY_OPIOID
)


@pytest.mark.parametrize("entry", EXPLICIT_TYLENOL_NUMBERS)
def test_tylenol_with_a_hash_or_no_before_the_number_is_codeine_even_when_a_count_follows(entry):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert "codeine" in flags[0].ingredient


@pytest.mark.parametrize("entry", TYLENOL_COUNTS)
def test_a_bare_number_after_tylenol_followed_by_a_count_word_is_plain_tylenol(entry):
    assert not is_opioid(screen_medication(entry))


@pytest.mark.parametrize(("entry", "ingredient"), PLURALS)
def test_a_plural_of_a_known_opioid_name_is_read_exactly(entry, ingredient):
    [flag] = screen_medication(entry)
    assert flag.code == "opioid"
    assert ingredient in flag.ingredient
    assert "spelling" not in flag.explanation


@pytest.mark.parametrize("entry", OXY_SKIN_CARE)
def test_oxy_with_skin_care_words_is_the_acne_wash_not_oxycodone(entry):
    assert not is_opioid(screen_medication(entry))


@pytest.mark.parametrize("entry", ["oxy 15 for pain", "oxy 30 prn"])
def test_oxy_without_skin_care_words_is_still_oxycodone(entry):
    assert is_opioid(screen_medication(entry))


@pytest.mark.parametrize("entry", FAR_FROM_ANY_OPIOID)
def test_a_name_two_letters_from_an_opioid_brand_but_starting_differently_is_left_for_review(entry):
    flags = screen_medication(entry)
    assert not is_opioid(flags)
    assert codes(flags) == ["unrecognised"]


@pytest.mark.parametrize(("entry", "ingredient"), FAR_MISSPELLINGS)
def test_a_misspelling_two_letters_off_that_keeps_the_start_is_still_an_opioid(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert flags[0].ingredient == ingredient


def test_a_word_only_loosely_like_an_everyday_medicine_is_not_silently_renamed():
    # "esketamine" once became "ezetimibe", so the pharmacist never saw it; now it is read as
    # itself (the vocabulary knows it), and a made-up near neighbour is left for review.
    read_as = [m.term.key for m in read_entry("esketamine 56mg").mentions]
    assert read_as in ([], ["esketamine"])
    if not read_as:
        assert codes(screen_medication("esketamine 56mg")) == ["unrecognised"]
    # Either way the pharmacist sees it: unknown, or read as esketamine, which is reviewed with LDN.
    assert codes(screen_medication("ezketamone 56mg")) in (["unrecognised"], ["reviewed_with_ldn"])


def test_unit_test_examples_are_not_copied_from_the_held_out_lists():
    eval_dir = REPO_ROOT / "bench" / "screening_eval"
    held_out = {
        line.strip().casefold()
        for name in ("holdout_opioids.txt", "holdout_non_opioids.txt", "opioids.txt", "non_opioids.txt")
        for line in (eval_dir / name).read_text(encoding="utf-8").splitlines()
    }
    assert not {e.casefold() for e in HOLDOUT_EXAMPLES + HOLDOUT_DATA_EXAMPLES} & held_out


NON_US_OPIOID_BRANDS = [
    ("Tylenol No.2", "codeine"),
    ("TYLENOL #4 2 tabs", "codeine"),
    ("Atasol-15 2 tabs", "codeine"),
    ("292 for toothache", "codeine"),
    ("Lenoltec #3", "codeine"),
    ("Mersyndol with codeine", "codeine"),
    ("Panadeine Forte", "codeine"),
    ("Migraleve pink", "codeine"),
    ("Tylex 30/500", "codeine"),
    ("Endone 5 mg", "oxycodone"),
    ("Supeudol 10", "oxycodone"),
    ("Norspan 10 patch weekly", "buprenorphine"),
    ("Temgesic 0.2mg SL", "buprenorphine"),
    ("Buvidal weekly injection", "buprenorphine"),
    ("Durogesic 25 patch", "fentanyl"),
    ("Jurnista 16mg", "hydromorphone"),
    ("Statex 10mg", "morphine"),
    ("Tridural 200", "tramadol"),
    ("Zamadol 50mg caps", "tramadol"),
    ("Metadol 25 mg", "methadone"),
]
SHORTHAND_FOUND_BY_HOLDOUT = [
    ("apap-hc 5/300", "hydrocodone"),
    ("hc/ibu 7.5-200", "hydrocodone"),
    ("hydro/apap 10/325", "hydrocodone"),
    ("MS ER 15mg", "morphine"),
    ("ms-ir 10 q4h", "morphine"),
    ("bup/nal 8-2 film", "buprenorphine"),
    ("tyl 3 prn", "codeine"),
    ("292s", "codeine"),
    ("Tylenol w/ cod 300/30", "codeine"),
    ("DF 118 forte 40mg", "dihydrocodeine"),
]
NON_OPIOID_BRANDS_NEAR_OPIOIDS = [
    "Atasol 500 mg",
    "Nurofen 200mg",
    "Panadol extra",
    "Methylin 10mg",
    "Syndros 2.1 mg",
    "Konsyl fiber daily",
    "Cuprofen",
    "HC 2.5% cream",
]
HOLDOUT_DATA_EXAMPLES = (
    [e for e, _ in NON_US_OPIOID_BRANDS + SHORTHAND_FOUND_BY_HOLDOUT] + NON_OPIOID_BRANDS_NEAR_OPIOIDS
)


@pytest.mark.parametrize(("entry", "ingredient"), NON_US_OPIOID_BRANDS)
def test_canadian_uk_and_australian_opioid_brands_are_a_contraindication(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert ingredient in flags[0].ingredient


@pytest.mark.parametrize(("entry", "ingredient"), SHORTHAND_FOUND_BY_HOLDOUT)
def test_prescriber_shorthand_for_opioids_is_a_contraindication(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert ingredient in flags[0].ingredient


@pytest.mark.parametrize("entry", NON_OPIOID_BRANDS_NEAR_OPIOIDS)
def test_everyday_brands_spelt_like_opioid_brands_are_not_opioids(entry):
    assert not is_opioid(screen_medication(entry))



@pytest.mark.parametrize("text", ["a", "7", "???", "-", "tablets", "2 caps twice daily"])
def test_an_entry_that_names_no_medicine_still_goes_to_the_pharmacist(text):
    flags = screen_medication(text)

    assert [(f.code, f.severity) for f in flags] == [("unrecognised", Severity.REVIEW)]
    assert flags[0].matched == text


@pytest.mark.parametrize("text", ["none", "N/A", "no medications", "NKDA", "   "])
def test_saying_nothing_is_taken_raises_no_flag(text):
    assert screen_medication(text) == []


# --- Causes found on the fourth blind set, D (the strings differ from its lines on purpose) --------
HEROIN_AS_H = ["smoking H most nights", "sniffed a bit of H yesterday", "injecting h twice a day"]
H_THAT_IS_NOT_HEROIN = [
    "Preparation H ointment after each bowel movement",
    "nicotine patch 14 mg/24 h, stopped smoking",
    "smoking cessation: varenicline 1 mg every 12 h",
    "vitamin H 5000 mcg, quit smoking last year",
    "H. pylori breath test, I smoke",
]
EVERYDAY_WORDS_BESIDE_A_MEDICINE = [
    "ibuprofen 400 mg, sore shoulders and knees",  # plurals Webster's Second does not list
    "nitrofurantoin 100 mg (UTI)",
    "lorazepam 1 mg before CT scan",
    "estradiol patch twice weekly (HRT)",
    "Ozempic 0.5 mg Sundays",
    "women's probiotic daily",
    "sumatriptan 50 mg, my mom gets migraines too",
]
EVERYDAY_NAMES_ADDED_AFTER_SET_D = [
    "methylfolate 7.5 mg daily",
    "Lion's Mane 1000 mg",
    "fenugreek tea twice a day",
    "LMNT packet in water daily",
    "electrolyte tablets after runs",
    "codliver oil capsules",
    "Subvenite 25 mg at bedtime",
    "Ultravate ointment twice daily",
    "Preparation H",
]
SET_D_EXAMPLES = HEROIN_AS_H + H_THAT_IS_NOT_HEROIN + EVERYDAY_WORDS_BESIDE_A_MEDICINE + EVERYDAY_NAMES_ADDED_AFTER_SET_D


@pytest.mark.parametrize("entry", HEROIN_AS_H)
def test_h_beside_a_verb_of_taking_a_street_drug_is_heroin(entry):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert [f.ingredient for f in flags if f.code == "opioid"] == ["diamorphine"]


@pytest.mark.parametrize("entry", H_THAT_IS_NOT_HEROIN)
def test_h_as_an_hour_a_vitamin_a_brand_or_a_bacterium_is_not_heroin(entry):
    assert not is_opioid(screen_medication(entry))


@pytest.mark.parametrize("entry", EVERYDAY_WORDS_BESIDE_A_MEDICINE)
def test_plurals_family_words_and_the_reason_for_a_medicine_are_not_unknown_medicines(entry):
    assert screen_medication(entry) == []


@pytest.mark.parametrize("entry", EVERYDAY_NAMES_ADDED_AFTER_SET_D)
def test_everyday_supplements_and_brands_found_missing_by_set_d_raise_no_flag(entry):
    assert screen_medication(entry) == []


def test_set_d_examples_are_not_copied_from_any_evaluation_list():
    eval_dir = REPO_ROOT / "bench" / "screening_eval"
    lists = {
        line.strip().casefold()
        for path in eval_dir.glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    assert not {e.casefold() for e in SET_D_EXAMPLES} & lists


# --- Causes found on the fifth blind set, E (the strings differ from its lines on purpose) --------
# A name a phone or a patient broke in two is read whole; an everyday name broken in two stays everyday.
SPLIT_OPIOID_NAMES = [
    ("tra madol 50mg twice a day", "tramadol"),
    ("hydro morphone 2mg q4h", "hydromorphone"),
    ("bupre norphine 8mg film", "buprenorphine"),
    ("percy cet 5/325 at bedtime", "oxycodone"),  # read whole, then by spelling: "percycet"
]
SPLIT_EVERYDAY_NAMES = ["hydro chlorothiazide 25", "metro nidazole 500 bid"]
NON_PRESCRIPTION_OPIOIDS = [
    ("7OH tablets from the smoke shop", "mitragynine"),
    ("7oh gummies twice a day", "mitragynine"),
    ("poppy tea most evenings", "opium"),
    ("poppy straw brewed at home", "opium"),
    ("unwashed poppy seed tea", "opium"),
    ("pressed pills from a friend", "fentanyl"),
    ("a pressie or two on weekends", "fentanyl"),
]
# "Pain pills" named no further counts as an opioid (the long interval) until the pharmacist knows
# which one; naming it, or saying it is over the counter or for nerve pain, says it is not.
UNNAMED_PAIN_MEDICINES = ["leftover pain pills after my knee surgery", "painkillers from the ER last Tuesday"]
NAMED_OR_NON_OPIOID_PAIN_MEDICINES = ["pain meds: naproxen 500", "painkillers (paracetamol) when needed"]
SAID_NOT_TO_BE_AN_OPIOID = ["otc pain pills", "nerve pain medication"]
# Past tenses and comparatives Webster's Second lists only as headwords ("worsen", "strong").
EVERYDAY_WORD_FORMS_BESIDE_A_MEDICINE = ["ibuprofen if the swelling worsened", "advil when cramps are stronger"]
SET_E_EXAMPLES = [
    *(e for e, _ in SPLIT_OPIOID_NAMES + NON_PRESCRIPTION_OPIOIDS),
    *SPLIT_EVERYDAY_NAMES,
    *UNNAMED_PAIN_MEDICINES,
    *NAMED_OR_NON_OPIOID_PAIN_MEDICINES,
    *SAID_NOT_TO_BE_AN_OPIOID,
    *EVERYDAY_WORD_FORMS_BESIDE_A_MEDICINE,
]


@pytest.mark.parametrize(("entry", "ingredient"), SPLIT_OPIOID_NAMES)
def test_an_opioid_name_broken_in_two_is_still_an_opioid(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert [f.ingredient for f in flags if f.code == "opioid"] == [ingredient]
    assert not [f for f in flags if f.code == "unrecognised"]


@pytest.mark.parametrize("entry", SPLIT_EVERYDAY_NAMES)
def test_an_everyday_name_broken_in_two_is_still_everyday(entry):
    assert screen_medication(entry) == []


@pytest.mark.parametrize(("entry", "ingredient"), NON_PRESCRIPTION_OPIOIDS)
def test_7oh_poppy_tea_and_pressed_pills_are_a_contraindication(entry, ingredient):
    flags = screen_medication(entry)
    assert is_opioid(flags)
    assert [f.ingredient for f in flags if f.code == "opioid"] == [ingredient]


def test_poppy_seeds_in_food_are_not_poppy_tea():
    assert not is_opioid(screen_medication("poppy seed bagel"))


@pytest.mark.parametrize("entry", UNNAMED_PAIN_MEDICINES)
def test_an_unnamed_pain_medicine_is_a_contraindication_until_the_pharmacist_knows_which(entry):
    flags = screen_medication(entry, today=date(2026, 11, 27))
    assert is_opioid(flags), [(f.code, f.reading) for f in flags]


def test_an_unnamed_pain_medicine_gets_the_longest_interval_a_date_can_clear():
    (flag,) = screen_medication("quit taking painkillers 12 days ago", today=date(2026, 11, 27))
    assert flag.severity == Severity.CONTRAINDICATION
    assert flag.earliest_start == date(2026, 11, 29)  # 14 days, as for an opioid nobody could name


@pytest.mark.parametrize("entry", NAMED_OR_NON_OPIOID_PAIN_MEDICINES)
def test_a_pain_medicine_named_beside_the_words_is_the_one_read(entry):
    assert screen_medication(entry) == []


@pytest.mark.parametrize("entry", SAID_NOT_TO_BE_AN_OPIOID)
def test_a_pain_medicine_said_to_be_over_the_counter_or_for_nerves_goes_to_review_only(entry):
    flags = screen_medication(entry)
    assert not is_opioid(flags)
    assert [f.code for f in flags] == ["unrecognised"]


def test_denying_pain_medicines_is_a_review():
    flags = screen_medication("denies pain medication use")
    assert [(f.code, f.severity) for f in flags] == [("opioid_not_current", Severity.REVIEW)]


@pytest.mark.parametrize("entry", EVERYDAY_WORD_FORMS_BESIDE_A_MEDICINE)
def test_past_tenses_and_comparatives_beside_a_medicine_are_not_unknown_medicines(entry):
    assert screen_medication(entry) == []


def test_set_e_examples_are_not_copied_from_any_evaluation_list():
    eval_dir = REPO_ROOT / "bench" / "screening_eval"
    lists = {
        line.strip().casefold()
        for path in eval_dir.glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    assert not {e.casefold() for e in SET_E_EXAMPLES} & lists


# --- Causes found on the sixth blind set, F (the strings differ from its lines on purpose) --------
# Street words that are everyday English count only beside a verb of taking or buying one, and a
# bag only when counted.
STREET_WORDS_IN_USE = [
    ("sniffing a blue most nights", "oxycodone"),
    ("copped 2 bags yesterday", "diamorphine"),
    ("7 hydroxy gummies from the vape shop", "mitragynine"),
    ("pressed 30s from a guy at work", "fentanyl"),
]
EVERYDAY_BLUES_AND_BAGS = [
    "blue pill for blood pressure",
    "ice bag on my shoulder",
    "used a heating bag",
    "bought a bag of frozen peas",
    "I use a blue inhaler",
    "used a bag balm on my hands",
]
# Voice dictation writes a name as everyday words that sound like it; words that only share a
# name's consonants ("told what"), or dose and time words, are never joined into one.
DICTATED_OPIOID_NAMES = [
    ("meth a doan 40 mg daily", "methadone"),
    ("bew pre nor fin patch", "buprenorphine"),
    ("fen tan ill patch 25", "fentanyl"),
    ("per co set 5/325", "oxycodone"),
    ("sub ox zone 8 mg film", "buprenorphine"),
    ("die law did 2 mg", "hydromorphone"),
    ("tra ma doll 50", "tramadol"),
    ("new cinta 50 mg", "tapentadol"),
    ("hydro co done 10/325", "hydrocodone"),
]
EVERYDAY_WORDS_NOT_JOINED = ["twice a day with food", "told what to take", "notes on file", "they are set in their ways"]
# Found missing or misread on set F: a relative named as the reason is not a misspelt medicine.
EVERYDAY_NAMES_ADDED_AFTER_SET_F = ["kava capsules at night", "glycerine suppositories", "delta 9 gummies", "CBD vape pen"]
SET_F_EXAMPLES = [
    *(e for e, _ in STREET_WORDS_IN_USE + DICTATED_OPIOID_NAMES),
    *EVERYDAY_BLUES_AND_BAGS,
    *EVERYDAY_WORDS_NOT_JOINED,
    *EVERYDAY_NAMES_ADDED_AFTER_SET_F,
    "naloxone spray for my sister",
    "I'm the caregiver for my dad's morphine",
    "gabapentin 300 milligrams",
]


@pytest.mark.parametrize(("entry", "ingredient"), DICTATED_OPIOID_NAMES)
def test_an_opioid_name_dictated_as_everyday_words_is_an_opioid(entry, ingredient):
    flags = screen_medication(entry, today=date(2026, 11, 27))
    assert is_opioid(flags)
    assert [f.ingredient for f in flags if f.code == "opioid"] == [ingredient]


@pytest.mark.parametrize("entry", EVERYDAY_WORDS_NOT_JOINED)
def test_everyday_words_that_share_an_opioids_consonants_are_not_joined_into_one(entry):
    assert not [f for f in screen_medication(entry) if f.code.startswith("opioid")]


@pytest.mark.parametrize("entry", EVERYDAY_NAMES_ADDED_AFTER_SET_F)
def test_everyday_supplements_found_missing_by_set_f_raise_no_flag(entry):
    assert screen_medication(entry) == []


def test_a_relative_named_as_the_reason_is_not_a_misspelt_opioid():
    flags = screen_medication("naloxone spray for my sister")
    assert [f.code for f in flags] == ["opioid_antagonist"]


def test_a_caregiver_for_someone_elses_opioid_is_a_review_with_no_unknown_words():
    flags = screen_medication("I'm the caregiver for my dad's morphine")
    assert [(f.code, f.severity) for f in flags] == [("opioid_not_current", Severity.REVIEW)]


def test_milligrams_spelt_out_is_a_dose_word():
    assert screen_medication("gabapentin 300 milligrams") == []


@pytest.mark.parametrize(("entry", "ingredient"), STREET_WORDS_IN_USE)
def test_a_blue_a_bag_7_hydroxy_and_pressed_30s_are_a_contraindication(entry, ingredient):
    flags = screen_medication(entry, today=date(2026, 11, 27))
    assert is_opioid(flags)
    assert [f.ingredient for f in flags if f.code == "opioid"] == [ingredient]


@pytest.mark.parametrize("entry", EVERYDAY_BLUES_AND_BAGS)
def test_a_blue_pill_or_a_bag_of_something_is_not_a_street_opioid(entry):
    assert not is_opioid(screen_medication(entry))


def test_set_f_examples_are_not_copied_from_any_evaluation_list():
    eval_dir = REPO_ROOT / "bench" / "screening_eval"
    lists = {
        line.strip().casefold()
        for path in eval_dir.glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    assert not {e.casefold() for e in SET_F_EXAMPLES} & lists


# --- Causes found by blind set G (rules 2026.11.8); examples in our own words, not the set's -------
TAKEN_NOW_FOUND_BY_SET_G = [
    ("tylenol 4s when my knee is bad", "codeine"),  # a numbered brand said in the plural
    ("my sister's leftover percocet for my back", "oxycodone"),  # another's supply, the patient's use
    ("borrowed my dad's norco last night", "hydrocodone"),
    ("Dolcet twice a day", "tramadol"),  # a Philippine tramadol + paracetamol brand
    ("mdone 60 at the clinic", "methadone"),  # treatment shorthand
]
NOT_TAKEN_FOUND_BY_SET_G = [
    "I am opioid-naive",
    "codeine allergy (rash), not taking any",
    "urine screen negative for fentanyl",
    "an oxycodone-free recovery plan after my knee surgery",
    "my neighbour's kid is on her methadone program, I only take vitamin C",
    "the dog is on tramadol from the vet",
]
ENDED_WITH_A_DATE_FOUND_BY_SET_G = [
    ("butrans patch removed Oct 2nd", date(2026, 10, 2)),  # "removed" ends a patch
    ("codeine just once for a cough around Halloween", date(2026, 10, 31)),  # a one-off with a holiday
    ("last percocet 11/1", date(2026, 11, 1)),  # month/day after "last", no year
    ("tramadol last taken 03/02/2026", date(2026, 3, 2)),  # the slash date, not "2026" read as today
]
SET_G_EXAMPLES = [
    *(e for e, _ in TAKEN_NOW_FOUND_BY_SET_G),
    *NOT_TAKEN_FOUND_BY_SET_G,
    *(e for e, _ in ENDED_WITH_A_DATE_FOUND_BY_SET_G),
]


@pytest.mark.parametrize(("entry", "ingredient"), TAKEN_NOW_FOUND_BY_SET_G)
def test_set_g_causes_taken_now_are_a_contraindication(entry, ingredient):
    flags = screen_medication(entry, today=date(2026, 11, 27))
    assert is_opioid(flags)
    assert ingredient in [f.ingredient for f in flags if f.code == "opioid"]


@pytest.mark.parametrize("entry", NOT_TAKEN_FOUND_BY_SET_G)
def test_set_g_causes_not_taken_are_not_a_contraindication(entry):
    flags = screen_medication(entry, today=date(2026, 11, 27))
    assert not is_opioid(flags)


@pytest.mark.parametrize(("entry", "last_dose"), ENDED_WITH_A_DATE_FOUND_BY_SET_G)
def test_set_g_causes_a_stop_long_past_reads_its_date(entry, last_dose):
    flags = screen_medication(entry, today=date(2026, 11, 27))
    assert not is_opioid(flags)
    assert [f.last_dose for f in flags if f.code == "opioid_not_current"] == [last_dose]


def test_a_drug_free_for_a_few_days_is_a_recent_stop_not_a_denial():
    flags = screen_medication("oxycodone free for 3 days", today=date(2026, 11, 27))
    assert is_opioid(flags)


def test_set_g_examples_are_not_copied_from_any_evaluation_list():
    eval_dir = REPO_ROOT / "bench" / "screening_eval"
    lists = {
        line.strip().casefold()
        for path in eval_dir.glob("*.txt")
        for line in path.read_text(encoding="utf-8").splitlines()
    }
    assert not {e.casefold() for e in SET_G_EXAMPLES} & lists


def test_a_slip_that_keeps_an_opioids_opening_beats_an_everyday_name_as_near_by_sound():
    # "oxycodin" is as many sounds from oxytocin as from oxycodone, but keeps "oxycod": the opioid.
    flags = screen_medication("oxycodin 10 mg every 6 hours")
    assert is_opioid(flags)
    assert flags[0].ingredient == "oxycodone"
    # The everyday medicine itself, and its own slips, stay what they are.
    assert not is_opioid(screen_medication("oxytocin nasal spray"))
    assert not is_opioid(screen_medication("oxitocin nasal spray"))


@pytest.mark.parametrize(
    "entry",
    ["I dose at the clinic every morning, 80 mg", "clinic dosing 6 days a week, take homes on Sunday", "dosed at the clinic today"],
)
def test_daily_dosing_at_a_treatment_clinic_is_methadone(entry):
    flags = screen_medication(entry)
    assert is_opioid(flags), entry
    assert flags[0].ingredient == "methadone"


def test_nodding_off_on_h_is_heroin_but_h_elsewhere_is_not():
    assert is_opioid(screen_medication("been nodding off on H most nights"))
    assert not is_opioid(screen_medication("nodding off in the afternoon, vitamin H (biotin) 5 mg"))


@pytest.mark.parametrize(
    "entry",
    ["I take those for my back: ibuprofen", "metformin 500 as stated by my doctor", "states I have: Texas and Iowa, vitamin D"],
)
def test_the_commonest_english_words_are_never_read_as_an_opioids_name(entry):
    assert not is_opioid(screen_medication(entry)), entry


def test_everyday_words_are_not_joined_into_an_opioids_name():
    # "period pain" once read as Percodan, and "oil on head" as Gelonida.
    assert not is_opioid(screen_medication("naproxen for period pain, and a heating pad"))
    assert not is_opioid(screen_medication("tiger balm oil on head when I have a headache"))
    # A name a phone split, in a medicine's place with its dose, is still read whole.
    assert is_opioid(screen_medication("percy set 5 325 every 6 hours"))
    assert is_opioid(screen_medication("heroine most days"))


@pytest.mark.parametrize(
    "entry",
    [
        "any terms which my doctor set, I follow: metformin 500",  # "terms which" sounds like Tramazac
        "that's all there is, lisinopril only",  # "s all there" like Zaldiar
        "I notice in a day or two if I miss my vitamin D",  # "notice in a" like Nucynta
    ],
)
def test_everyday_phrases_are_not_heard_as_an_opioid_said_in_pieces(entry):
    assert not is_opioid(screen_medication(entry)), entry


def test_a_name_said_in_pieces_is_still_heard():
    assert is_opioid(screen_medication("tram a doll 50 for my back"))
    assert is_opioid(screen_medication("MS Conte in 30 mg at night"))


def test_a_common_word_near_an_opioid_is_only_asked_about_in_a_medicines_place():
    assert not is_opioid(screen_medication("Ultra omega 3 fish oil daily"))
    assert not is_opioid(screen_medication("Mucinex ultra 600 mg twice a day"))
    assert not any(f.code.startswith("opioid") for f in screen_medication("codes for my glucose meter, metformin"))
    flags = screen_medication("ultra 50mg for pain")  # no name before it, a dose after: for the pharmacist
    assert [f.code for f in flags] == ["opioid_possible"]


def test_operations_and_conditions_are_not_reported_as_unknown_medicines():
    flags = screen_medication("anastrozole 1 mg since my mastectomy, and gabapentin for neuropathy after chemo")
    assert not any(f.code == "unrecognised" for f in flags)
    assert any(f.code == "unrecognised" for f in screen_medication("metformin and Zorbinex 20"))  # a name nobody knows


def test_two_everyday_words_join_into_an_opioid_only_beside_a_dose_or_a_near_name():
    # "morph" is one sound from an opioid's name, so "morph ine" is read whole; "those who" never.
    assert is_opioid(screen_medication("morph ine at night for the pain"))
    assert not is_opioid(screen_medication("those who know me say I take too many vitamins"))
    assert not is_opioid(screen_medication("naproxen for period pain"))


def test_a_street_name_taken_for_a_reason_beside_other_medicines_is_read():
    # "blues" (pressed pills) beside ibuprofen had raised nothing: a reason says it is taken.
    assert is_opioid(screen_medication("blues for pain, ibuprofen too"))
    assert is_opioid(screen_medication("dope for my back, tylenol"))
    # The everyday word stays everyday.
    assert not is_opioid(screen_medication("Zoloft for the blues"))
    assert not is_opioid(screen_medication("juice for breakfast, metformin"))


def test_words_of_detox_and_withdrawal_make_a_street_name_a_drug():
    assert is_opioid(screen_medication("detoxing from dope right now, Zofran"))
    assert is_opioid(screen_medication("got dopesick coming off blues, clonidine"))
    assert not is_opioid(screen_medication("clean eating, metformin, blues"))


def test_folding_plain_text_keeps_where_each_letter_came_from():
    from patients.screening.normalise import fold

    assert fold("Norco 5MG") == ("norco 5mg", list(range(9)))
    # An underscore is dropped, as on the slower path for other letters: "factory_boy" is one word.
    assert fold("a_b") == ("ab", [0, 2])
    assert not is_opioid(screen_medication("pip install factory_boy"))


def test_clinicians_shorthand_and_an_illness_named_for_a_person_are_not_unknown_medicines():
    from patients.screening.matcher import read_entry

    for entry in ["DM2: metformin 1000 bid; HTN on amlodipine", "s/p R TKA, meloxicam 15", "Crohn's on Humira 40 q2wk"]:
        assert not read_entry(entry, today=date(2026, 11, 28)).unrecognised
    # An unknown name still is.
    assert read_entry("Zorbex's 10mg", today=date(2026, 11, 28)).unrecognised


@pytest.mark.parametrize(
    "entry",
    ["vitamin D, tossed the rest", "the tiles in my kitchen", "grated ginger in tea"],
)
def test_an_everyday_word_one_sound_from_an_opioid_brand_is_at_most_a_question(entry):
    # "tossed" is one sound from Tossex, "tiles" from Tylex: the pharmacist may be asked, no contraindication.
    assert not is_opioid(screen_medication(entry))


@pytest.mark.parametrize("entry", ["heroine most days", "morphin 10 mg", "tramadoll 50"])
def test_an_opioid_name_with_a_letter_added_or_dropped_is_still_that_opioid(entry):
    assert is_opioid(screen_medication(entry))


def test_each_line_of_a_field_typed_over_several_lines_is_read_apart():
    # "2000" is vitamin D's dose on the next line, not the year the Norco ended.
    assert is_opioid(screen_medication("Norco 5/325\nvitamin D 2000 IU"))
    assert not is_opioid(screen_medication("oxycodone\nstopped 2019", today=date(2026, 11, 28)))


def test_an_emoji_ends_a_thought_as_a_full_stop_does():
    entry = "used oxycodone, clean since 2025 🙏 on the vivitrol shot now"
    assert not is_opioid(screen_medication(entry, today=date(2026, 11, 28)))
    assert is_opioid(screen_medication("took oxycodone 😩 yesterday", today=date(2026, 11, 28)))


@pytest.mark.parametrize("remark", ["I quit smoking in 2010.", "Stopped drinking in 2015.", "Quit my job in 2012."])
def test_a_habit_given_up_years_ago_does_not_date_the_opioid_before_it(remark):
    assert is_opioid(screen_medication(f"Norco 10/325 three times a day. {remark}", today=date(2026, 11, 28)))


def test_a_remark_after_a_denial_leaves_the_denial_standing():
    for remark in ("Blood pressure is normal.", "I think.", "My cholesterol is fine."):
        entry = f"codeine makes me sick so I avoid it. {remark}"
        assert not is_opioid(screen_medication(entry, today=date(2026, 11, 28))), entry
    # …and what follows the remark still speaks of the medicine.
    entry = "history of opioid use disorder, in remission, last use 2018"
    assert not is_opioid(screen_medication(entry, today=date(2026, 11, 28)))
    assert is_opioid(screen_medication("oxycodone stopped in 2019. Blood pressure is normal. Back on it now.", today=date(2026, 11, 28)))


def test_a_label_opening_the_list_does_not_make_everything_on_it_current():
    day = date(2026, 11, 28)
    assert not is_opioid(screen_medication("Currently taking: no opioids", today=day))
    assert not is_opioid(screen_medication("As of today: stopped oxycodone in 2019", today=day))
    assert is_opioid(screen_medication("Currently taking: oxycodone 5mg", today=day))


def test_how_often_an_everyday_medicine_after_and_is_taken_is_said_of_it_not_of_the_opioid():
    day = date(2026, 11, 28)
    assert not is_opioid(screen_medication("no opioids and ibuprofen as needed", today=day))
    assert not is_opioid(screen_medication("stopped oxycodone in 2019 and Tylenol as needed", today=day))
    assert is_opioid(screen_medication("oxycodone and Tylenol as needed", today=day))


@pytest.mark.parametrize("entry", ["tar and Tylenol as needed", "chiva and ibuprofen", "smack most days and Tylenol as needed"])
def test_a_street_word_that_is_a_list_item_of_its_own_is_the_drug(entry):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28)))
    assert not is_opioid(screen_medication("coal tar and salicylic acid shampoo", today=date(2026, 11, 28)))


@pytest.mark.parametrize(
    "remark",
    [
        "Had covid in 2022.",
        "Last physical was in March.",
        "Had my flu shot in October.",
        "We moved here from Texas 2 years ago.",
        "Had my baby in 2020, done breastfeeding.",
    ],
)
def test_a_dated_sentence_about_something_else_does_not_date_the_opioid_before_it(remark):
    day = date(2026, 11, 28)
    for entry in ("Norco 10/325 every 6 hours as needed", "OXYCODONE HCL 10 MG TAB", "nor co 5/325"):
        assert is_opioid(screen_medication(f"{entry}. {remark}", today=day)), f"{entry}. {remark}"
    # …while a sentence that speaks of the medicine still dates it.
    assert not is_opioid(screen_medication(f"Norco 10/325. {remark} Stopped in 2023.", today=day))


@pytest.mark.parametrize("opening", ["Diagnosed with fibro in 2019.", "Gallbladder out 2018."])
def test_a_dated_opening_about_something_else_does_not_date_the_opioid_after_it(opening):
    day = date(2026, 11, 28)
    assert is_opioid(screen_medication(f"{opening} Norco 10/325 daily", today=day))
    assert is_opioid(screen_medication(f"{opening} hydro codone 5/325 as needed", today=day))
    assert is_opioid(screen_medication(f"{opening} 292s for headaches", today=day))


def test_a_dated_event_still_dates_the_short_course_after_it():
    day = date(2026, 11, 28)
    assert not is_opioid(screen_medication("gallbladder surgery in early October, took norco for 3 days", today=day))
    assert not is_opioid(screen_medication("Back in 2015, oxycodone after my c-section", today=day))
    assert not is_opioid(screen_medication("Knee replacement in 2019, Percocet for 2 weeks", today=day))


@pytest.mark.parametrize(
    "remark",
    ["I exercise daily.", "Retired in 2020.", "Blood test last week was fine.", "Saw my doctor yesterday.", "Pain is 7/10 most days."],
)
def test_a_sentence_on_a_subject_of_its_own_lends_nothing_to_the_opioid(remark):
    day = date(2026, 11, 28)
    assert is_opioid(screen_medication(f"Norco 10/325 every 6 hours as needed. {remark}", today=day))
    assert not is_opioid(screen_medication(f"No opioids. {remark}", today=day))
    assert not is_opioid(screen_medication(f"Stopped oxycodone in 2019. {remark}", today=day))


@pytest.mark.parametrize(
    "entry",
    [
        "Knee surgery in 2019. stopped tramadol, not sure of the date",  # a stop with no date of its own
        "Knee surgery in 2019. i was on norco but stopped",  # over, but not told as short
        "Knee surgery in 2019. hydro codone 5/325 as needed",  # a name found only by sound, taken as needed
        "Knee surgery in 2019. lortab elixir for my throat after my tonsillectomy",  # an event of its own
        "Knee surgery in 2019. bone marrow biopsy tuesday, got IV hydromorphone beforehand",  # a nearer event between
        "Knee surgery in 2019. ortho gave me oxycodone after the ankle ORIF, down to one at bedtime",  # still taken
        "Knee surgery in 2019. • Percocet 10/325 • Xanax 1mg • Ambien",  # a bulleted list after a sentence
    ],
)
def test_a_dated_event_does_not_date_a_course_that_is_not_its_short_one(entry):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28)))


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("stopped suboxone 2 years ago. Started PT 2 weeks ago.", False),  # physical therapy, not "patient"
        ("codeine makes me vomit so i avoid it. That's all, thanks!", False),
        ("codeine makes me sick so I avoid it. I work nights.", False),
        ("codeine makes me sick so I avoid it. I have 3 kids.", False),
        ("Norco 10/325 three times a day. Started PT 2 weeks ago.", True),
        ("Norco daily. That's it.", True),
        ("Grandpa is the patient. I give him his Percocet when he asks, usually 2 a day. I work nights.", True),
        ("does the Sublocade shot from August count? that was my last one. I work nights.", True),
        ("Typing for my mom: got the sublocade shot last month", True),
    ],
)
def test_a_sentence_about_the_writers_life_changes_nothing(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("Percocet 10/325. My last period was 2 weeks ago.", True),  # the last of another thing
        ("Married 20 years, 2 kids. took two of my mom's vicodin this week", True),  # a count of people owns nothing
        ("Percocet 10/325, my last pill was 2 weeks ago", False),
        ("my son takes Percocet 10/325, not me", False),
        ("Percocet 10/325. Gave birth 6 weeks ago.", True),
        ("Percocet 10/325. Last drink 2 years ago.", True),
        ("Percocet 10/325. My dad died last year.", True),
        ("codeine makes me sick so I avoid it. BP 120/80 yesterday.", False),
        ("endodontist offered a Norco script, I passed. Ibuprofen 600 every 6 hours", False),
        ("Percocet 10/325. Have had migraines since 2010.", True),
        ("Percocet 10/325. Not breastfeeding, baby weaned in 2023.", True),
        ("stopped oxycodone in 2019, have had no pain since", False),
        ("Tramadol 50mg 1-2 tabs every 6 hrs for knee pain. Daughter helps me with my meds.", True),
        ("codeine makes me sick so I avoid it. Daughter helps me with my meds.", False),
    ],
)
def test_a_last_of_another_thing_and_a_count_of_people_are_not_a_last_dose_or_an_owner(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("Norco 5/325 one tab q4-6h prn. Sober since 2015.", True),  # sober of something else, on Norco now
        ("norco. Clean and sober 8 years.", True),
        ("Suboxone 8 mg daily. In recovery since 2018.", True),
        ("Duragesic patch 50 mcg/hr. AA since 2012.", True),
        ("last vicodin 6 months ago. In recovery since 2019.", False),  # its own date still counts
        ("was on suboxone until recently. In recovery since 2019.", True),  # vague: the pharmacist asks
        ("used oxys for years. Clean since 2015.", False),  # the clean time is the habit's
        ("was addicted to percocet. Sober since 2016.", False),
        ("heroin. Clean since 2015.", False),  # a street drug's clean time is its own
        ("Norco 10 mg. Never used street drugs.", True),  # a denial of other drugs
        ("Norco 10 mg. No drugs or alcohol.", True),
        ("no opioids. I smoke weed sometimes.", False),  # how often the weed is smoked
        ("codeine makes me sick so I avoid it. I drink socially.", False),
        ("Sheep farmer, winter blues: sertraline 50. I smoke weed sometimes.", False),
    ],
)
def test_being_sober_and_other_substances_speak_of_themselves_not_of_the_medicine(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("on suboxone since 2023. Nothing else.", True),
        ("codeine makes me sick so I avoid it. Nothing else.", False),
        ("pain meds daily. Non-smoker, no alcohol.", True),  # "non" of the tobacco, not of the pain meds
        ("OTC pain meds daily", False),
        ("does the Sublocade shot from August count? that was my last one. Pharmacy is Walgreens on Main St.", True),
        ("ibuprofen 600, a non-opioid", False),
        ("Celebrex (non-narcotic) daily", False),
        ("non-opioid painkillers only", False),
    ],
)
def test_closings_a_pharmacy_and_non_opioid_words_say_nothing_of_an_opioid(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize("entry", ["narcotik pills daily", "opioidd for my back", "opiiod"])
def test_a_misspelt_class_word_is_read_as_the_class_not_a_crash(entry):
    # These raised KeyError (a 500 on the intake) until 2026.11.57: the class words have no sound of their own.
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28)))


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("Norco 10/325 three times a day. Allergic to sulfa.", True),  # the allergy is to something else
        ("Norco 10/325 three times a day. Allergic to latex and shellfish.", True),
        ("Norco 10/325 three times a day. I do not take any supplements.", True),
        ("Norco 10/325 three times a day. Never had a reaction to anything.", True),
        ("on suboxone since 2023. Not on any blood thinners.", True),
        ("on suboxone since 2023. No side effects.", True),
        ("Norco 10 mg, allergic to it (hives) so I stopped", False),  # the allergy is the Norco's
        ("codeine allergy - hives. Using a heating pad too.", False),  # a thing in use, not the codeine
        ("oxy 30s a couple a day. Using a heating pad too.", True),  # not the acne pads
        ("Oxy acne pads for my face", False),
        ("codeine makes me sick so I avoid it. I take everything in the morning.", False),
        ("Current meds as of 11/20: no opioids", False),
        ("Current meds as of 11/20: oxycodone 5 mg twice a day", True),
    ],
)
def test_a_denial_an_allergy_or_a_use_of_another_thing_is_not_said_of_the_medicine(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("Daily: allergic to codeine", False),  # a schedule heading says nothing of the allergy under it
        ("Daily: oxycodone 5 mg", True),
        ("no opioids. Lost 20 lbs this year.", False),
        ("allergic to codeine. Pain started after a car accident in 2018.", False),
        ("last vicodin 6 months ago. Menopause since 2020.", False),
        ("Percocet 10/325 as needed. Menopause since 2020.", True),
        ("codeine makes me sick so I avoid it. I have had chronic pain for 10 years.", False),
        ("Norco 10/325 q6h. I have had chronic pain for 10 years.", True),
    ],
)
def test_a_condition_of_its_own_or_a_schedule_heading_lends_the_medicine_nothing(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("oxybutynin 5 mg twice daily. I know LDN and opioids do not mix.", False),  # what the patient knows
        ("I understand I cannot take opioids with LDN.", False),
        ("Can I take LDN with my opioids?", True),
        ("I'm on opioids, I know they don't mix with LDN", True),
        ("codeine makes me sick so I avoid it. Is this a problem?", False),  # the denial closes its sentence
        ("roommate keeps kratom in the kitchen, I don't touch it. Doctor said it is ok.", False),
        ("stopped oxycodone in 2019. Started again last week.", True),  # a later sentence that takes it back
        ("on suboxone since 2023. Not sure if this matters.", True),
        ("on suboxone since 2023. No reactions to any meds.", True),
    ],
)
def test_what_the_patient_knows_asks_or_hedges_does_not_change_the_reading(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


def test_a_sentence_on_a_line_of_its_own_is_a_sentence_too():
    assert is_opioid(screen_medication("Norco 10/325 q6h\nSober since 2015", today=date(2026, 11, 28)))
    assert not is_opioid(screen_medication("codeine makes me sick so I avoid it\nIs this a problem?", today=date(2026, 11, 28)))


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("last vicodin 6 months ago. New doctor since June.", False),  # the date is the doctor's
        ("done with tramadol as of Sunday. New doctor since June.", True),
        ("no opioids. Got a new prescription on 11/20.", False),
        ("Dad's old Vicodin was in the cabinet. I took two of them on Tuesday for a migraine.", True),
    ],
)
def test_a_later_sentence_about_something_else_leaves_the_medicines_own_reading(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("tramadol 100 mg 2x/day, stopped yesterday bc it made me itch", True),  # a stop with its reason, not an allergy
        ("tramadol stopped in 2019 because it made me itch", False),
        ("HS excision in April 2026, took Norco for a week then stopped. Now just Humira and zinc", False),
        ("Had CABG in August 2025, oxycodone for 2 weeks then done. Now Plavix, Lipitor", False),
        ("my endo wanted to add tramadol, I said no", False),
        ("Stopped my Tylenol #3 on Oct 30 when PT started working, now only acetaminophen 500", False),
        ("stopped oxycodone 2 days ago when I started PT", True),
        ("Moved in with my mom in July, she takes morphine for her cancer. Me: Synthroid, iron", False),
        ("She takes morphine for her cancer", True),  # typed for the patient, who may be "she"
    ],
)
def test_set_y_causes(entry, flagged):
    # Causes found by reading set Y's misses and false alarms (set Y is tuned from 2026.11.63).
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 29))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("no opioids (as of today)", False),  # when the list was written, not a stop today
        ("allergic to codeine. As of now.", False),
        ("stopped oxycodone (as of today)", True),  # an undated stop still counts
        ("oxycodone 5 mg as of today", True),
    ],
)
def test_as_of_today_dates_the_list_not_a_stop(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 29))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("Norco 10/325 three times a day. Bad reaction to anesthesia once.", True),  # a reaction to something else
        ("Norco, bad reaction to it once", False),
        ("percocet sometimes, last time maybe 2 weeks ago? Allergic to sulfa.", True),  # a question ends a sentence
        ("Pain pills? Only gabapentin, and Novalgin when I visit family.", False),  # a short question asks what follows
    ],
)
def test_a_reaction_to_something_else_and_a_question_end_what_they_follow(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


def test_a_denial_of_another_thing_after_a_comma_may_still_answer_for_the_medicine():
    # Only a sentence of its own is set apart: "Allergic to sulfa." after the Norco is the sulfa's.
    assert is_opioid(screen_medication("Norco 10/325 three times a day. Allergic to sulfa.", today=date(2026, 11, 28)))
    assert not is_opioid(screen_medication("codeine cough syrup from urgent care, never filled, no thanks", today=date(2026, 11, 28)))


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("Norco 10/325 three times a day. Itchy eyes in summer.", True),  # a symptom with its own place
        ("Norco 10/325 three times a day. Hives from strawberries as a kid.", True),  # and its own cause
        ("Norco 10/325 three times a day. Allergy season is bad.", True),
        ("Norco 10/325 three times a day. Pharmacy: CVS on 5th.", True),
        ("Norco. Rash.", False),  # the Norco's reaction
        ("codeine. Hives from it.", False),
        ("codeine (seasonal allergies bad)", True),
    ],
)
def test_a_symptom_or_a_season_of_its_own_is_not_a_reaction_to_the_medicine(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("vicodin for back pain. My husband has back pain too.", True),  # his own trouble, not his vicodin
        ("vicodin for back pain. My wife has migraines.", True),
        ("codeine makes me sick so I avoid it. My husband has back pain too.", False),  # "back pain" takes nothing back
        ("stopped oxycodone in 2019. Back on it since Monday.", True),  # "back on it" does
        ("Dad's oxycodone. My dad has cancer.", False),
    ],
)
def test_another_persons_own_trouble_in_a_later_sentence_does_not_take_the_medicine(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged


@pytest.mark.parametrize(
    "entry, flagged",
    [
        ("took half a blue 30 saturday at a party", True),  # a counterfeit M30, its strength after it
        ("took a blue yesterday", True),
        ("take a blue inhaler puff", False),
        ("took a blue pill for ED", False),
        ("Vet left Torbugesic (butorphanol) for the colicky mare. I take aspirin", False),
        ("sickle beta plus thalassemia: folic acid, ibuprofen 400 prn", False),  # an illness, never Talacen
        ("she states she is fine, metformin 500", False),  # two everyday words, never Statex
        ("Is it ok that I take gabapentin 300 mg at night? It's not an opioid, right?", False),
        ("It's an opioid, right? Tramadol 50 twice a day", True),
        ("our band is called Morphine Drip but none of us use. I take Lexapro 10", False),  # a name, not a medicine
        ("norco, last pill was monday. Trouble sleeping since 2020.", True),  # Monday, not 2020
        ("the horse is on butorphanol after colic surgery, I take ibuprofen. I use Walgreens.", False),
        ("the horse is on butorphanol after colic surgery, I take ibuprofen. Flu shot last week.", False),
        ("I use horse daily", True),  # heroin
        ("Does the Butrans patch count? I change it every Sunday. My friend is a nurse.", True),
        ("I'm a nurse, I count oxycodone at work", False),
        ("stopped suboxone 2 years ago. I get allergy shots.", False),  # no depot injection
        ("Sublocade shot 2 years ago", True),  # never cleared by date
        ("Hospice kit: used the morphine, 5 mg twice yesterday. We have a dog.", True),  # not "we use it on dogs"
        ("vet tech, we use buprenorphine for the cats after spays", False),
        ("my wife takes oxycodone; I'm on nothing. Need a refill on my inhaler.", False),
        ("hospice nurse, they give morphine to patients, I take none", False),
        ("pharmacy tech, I count oxycodone every shift", False),
        ("Suboxone 8/2 daily, stopped 11/20 to pass a test. I'm a nurse.", True),  # passing a test is no job's handling
        ("Hydrocodone, the doctor give it after the teeth pull on 23 November, I eat until yesterday. I'm a nurse.", True),
        ("tramadol-free pain plan: celecoxib + PT. Grandma lives with us and takes morphine.", False),  # PT, not "patient"
        ("vicodin for back. My wife uses them also.", True),  # she as well as the patient
        ("Codeine allergy (throat swelling). Never taken any opiates. PCOS meds: metformin", False),
        ("Horse owner. Kicked in the leg, ibuprofen", False),  # the animal, not heroin
        ("Butrans patch weekly, stopped in 2023", False),  # a weekly patch is no depot injection
        ("Sublocade monthly shot, stopped in 2024", True),  # never cleared by date
        ("my endo wanted to add tramadol, I said no. Quit vaping last month.", False),  # "no." ends the refusal's sentence
        ("Tylenol No. 3 daily", True),  # "No. 3" does not
        ("past hx of opioid use disorder, in remission since 2020, no MAT", False),
    ],
)
def test_set_h_to_aa_causes(entry, flagged):
    assert is_opioid(screen_medication(entry, today=date(2026, 11, 28))) is flagged
