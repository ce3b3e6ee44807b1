"""The committed knowledge base is what scripts/build_drug_knowledge.py makes, and holds what it promises.

Pure Python, no database: the build reads the CDC value sets from ../shared/data/opioid-valuesets and
the pinned drug-named-entity-recognition package, and writes into a temporary folder.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
from functools import cache
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "scripts" / "build_drug_knowledge.py"
COMMITTED = REPO_ROOT / "patients" / "screening" / "data" / "drug_knowledge.json"
VOCABULARY = "pypi:drug-named-entity-recognition==2.0.9"
RXNORM = "rxnorm:current-prescribable-2025-10-06"


def _load_build_module():
    spec = importlib.util.spec_from_file_location("_build_drug_knowledge", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


build = _load_build_module()


@cache
def committed() -> dict:
    return json.loads(COMMITTED.read_text(encoding="utf-8"))


def opioid_keys(kb: dict) -> set[str]:
    ingredients = kb["ingredients"]
    return {
        key
        for key, term in kb["terms"].items()
        if term["kind"] == "generic_opioid"
        or any(ingredients[m]["class"] == "opioid" for m in term["ingredients"])
    }


def test_the_committed_file_is_exactly_what_the_build_makes(tmp_path):
    # .ci/run makes this same comparison (with a diff) before the tests and says so here; the
    # build is 3 s in a quiet process and took 25 s in a full CI run under coverage.
    if os.environ.get("KNOWLEDGE_BASE_MATCHES_ITS_BUILD") == "true":
        pytest.skip("CI compared the committed file with its build before the tests")
    if not build.DEFAULT_SOURCE.is_dir():
        pytest.skip(f"CDC value sets not found at {build.DEFAULT_SOURCE}")
    output = tmp_path / "drug_knowledge.json"

    assert build.main(["--output", str(output)]) == 0

    if output.read_bytes() != COMMITTED.read_bytes():
        pytest.fail(
            "patients/screening/data/drug_knowledge.json is not what the build makes: run "
            "`python scripts/build_drug_knowledge.py` and commit the result with the curated change"
        )


def test_every_term_names_its_source():
    missing = [
        key for key, term in committed()["terms"].items() if not [s for s in term["sources"] if s.strip()]
    ]
    assert missing == []


def test_every_curated_term_carries_human_readable_source_text():
    machine_tag = re.compile(r"^(cdc|curated|pypi):")
    bare = [
        key
        for key, term in committed()["terms"].items()
        if any(s.startswith("curated:") for s in term["sources"])
        and all(machine_tag.match(s) for s in term["sources"])
    ]
    assert bare == []


def test_every_opioid_ingredient_has_a_washout_rule():
    kb = committed()
    opioids = {name: record for name, record in kb["ingredients"].items() if record["class"] == "opioid"}
    assert opioids
    assert {
        name for name, record in opioids.items() if record.get("washout") not in kb["washout_rules"]
    } == set()
    assert {name for name, r in opioids.items() if r["washout"] == "long_acting"} == {
        "buprenorphine",
        "levacetylmethadol",
        "levomethadone",
        "methadone",
    }


def test_washout_rules_are_the_three_label_rules_with_their_sources():
    rules = committed()["washout_rules"]
    assert {name: rule["days"] for name, rule in rules.items()} == {
        "short_acting": 10,
        "long_acting": 14,
        "extended_release_injection": None,
    }
    for rule in rules.values():
        assert rule["summary"].strip() and rule["source"].strip()
        assert len(f"{rule['summary']} (source: {rule['source']})") <= 300


@pytest.mark.parametrize(
    ("name", "washout"),
    [
        ("oxycontin", "long_acting"),
        ("ms contin", "long_acting"),
        ("butrans", "long_acting"),
        ("durogesic", "long_acting"),
        ("palexia sr", "long_acting"),
        ("sublocade", "extended_release_injection"),
        ("brixadi", "extended_release_injection"),
        ("buvidal", "extended_release_injection"),
        ("probuphine", "extended_release_injection"),
    ],
)
def test_extended_release_products_carry_their_own_washout(name, washout):
    assert committed()["terms"][name]["washout"] == washout


def test_only_opioid_terms_carry_a_washout():
    kb = committed()
    opioids = opioid_keys(kb)
    assert [key for key, term in kb["terms"].items() if "washout" in term and key not in opioids] == []


@pytest.mark.parametrize("name", ["keflex", "colace", "lunesta", "premarin"])
def test_common_brands_are_known_ordinary_medicines(name):
    kb = committed()
    term = kb["terms"][name]
    assert term["kind"] == "vocabulary" or any(s == "curated:non_opioids" for s in term["sources"])
    assert {kb["ingredients"][m]["class"] for m in term["ingredients"]} == {"non_opioid"}


def test_the_vocabulary_is_large_and_ordinary():
    kb = committed()
    vocabulary = {key: term for key, term in kb["terms"].items() if term["kind"] == "vocabulary"}
    assert len(vocabulary) > 10_000
    assert all(term["sources"] in ([VOCABULARY], [RXNORM]) for term in vocabulary.values())
    assert {kb["ingredients"][m]["class"] for term in vocabulary.values() for m in term["ingredients"]} == {
        "non_opioid"
    }
    for source in (VOCABULARY, RXNORM):
        from_source = [term for term in vocabulary.values() if term["sources"] == [source]]
        assert kb["sources"][source]["terms_added"] == len(from_source)


def test_no_vocabulary_term_is_or_contains_an_opioid_name():
    kb = committed()
    # Street names are ordinary words ("tar", "horse"); "coal tar" and "horse chestnut" are fine.
    protected = {key for key in opioid_keys(kb) if kb["terms"][key]["kind"] != "street_name"}
    protected |= {name for name, record in kb["ingredients"].items() if record["class"] != "non_opioid"}
    longest = max(len(key.split()) for key in protected)
    clashes = []
    for key, term in kb["terms"].items():
        if term["kind"] != "vocabulary":
            continue
        words = key.split()
        parts = {
            " ".join(words[i:j])
            for i in range(len(words))
            for j in range(i + 1, min(len(words), i + longest) + 1)
        }
        if parts & protected or build._OPIOID_LIKE.search(key):
            clashes.append(key)
    assert clashes == []


@pytest.mark.parametrize(
    "name",
    [
        "synthroid",
        "levoxyl",
        "unithroid",
        "euthyrox",
        "tirosint",
        "cytomel",
        "armour thyroid",
        "np thyroid",
        "levothyroxine",
    ],
)
def test_thyroid_brands_are_thyroid_hormones(name):
    kb = committed()
    classes = {kb["ingredients"][m]["class"] for m in kb["terms"][name]["ingredients"]}
    assert classes == {"thyroid_hormone"}


@pytest.mark.parametrize(
    ("ingredient", "klass"),
    [
        ("methylnaltrexone", "opioid_antagonist"),
        ("naloxegol", "opioid_antagonist"),
        ("naldemedine", "opioid_antagonist"),
        ("alvimopan", "opioid_antagonist"),
        ("lofexidine", "non_opioid"),
    ],
)
def test_medicines_taken_with_or_after_opioids_are_marked(ingredient, klass):
    record = committed()["ingredients"][ingredient]
    assert record["suggests_opioid_use"] is True
    assert record["class"] == klass


@pytest.mark.parametrize(
    ("name", "opioid"),
    [
        ("zapain", "codeine"),
        ("dafalgan codeine", "codeine"),
        ("valoron n", "tilidine"),
        ("tuzistra xr", "codeine"),
        ("collis browne", "morphine"),
        ("phensedyl", "codeine"),
        ("graten", "morphine"),
        ("china girl", "fentanyl"),
        ("bup", "buprenorphine"),
    ],
)
def test_new_opioid_names_resolve_to_their_opioid(name, opioid):
    assert opioid in committed()["terms"][name]["ingredients"]


def test_the_knowledge_base_is_stamped_with_the_rules_version():
    assert committed()["rules_version"] == build.rules_version()
