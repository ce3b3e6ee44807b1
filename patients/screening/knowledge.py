"""Load the committed drug knowledge base once and index it for fast lookups."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from .normalise import phonetic_key

DATA_FILE = Path(__file__).with_name("data") / "drug_knowledge.json"

OPIOID = "opioid"
ANTAGONIST = "opioid_antagonist"
IMMUNOMODULATOR = "immunomodulator"
THYROID_HORMONE = "thyroid_hormone"
NON_OPIOID = "non_opioid"

# Washout rules from shortest to longest; a product with several opioids takes the longest.
WASHOUT_ORDER = ("short_acting", "long_acting", "extended_release_injection")

# Kinds that are too short or too slangy to be a safe target for spelling correction.
# Names from the drug vocabulary package are matched exactly: thousands of them in the spelling
# index would pull misspelt opioids towards look-alikes.
_NOT_FUZZY_KINDS = frozenset({"abbreviation", "street_name", "generic_opioid", "vocabulary"})
FUZZY_MIN_LENGTH = 5
# A correction of two or more letters must keep the first three sounds of the name it lands on:
# "Pamelor" is not "Panlor", and "Nurofen" is not "Nucofed".
FUZZY_FAR_PREFIX = 3


@dataclass(frozen=True, slots=True)
class Term:
    key: str
    kind: str
    ingredients: tuple[str, ...]
    opioids: tuple[str, ...]
    antagonists: tuple[str, ...]
    immunomodulators: tuple[str, ...]
    systemic_only: frozenset[str]
    thyroid_hormones: tuple[str, ...] = ()
    suggests_opioid_use: tuple[str, ...] = ()  # ingredients taken mainly alongside or after opioids
    reviewed_with_ldn: tuple[str, ...] = ()  # not opioids, but the pharmacist reviews them with LDN (ketamine)
    washout: str = ""  # the longest washout rule of its opioids ("" for non-opioids)

    @property
    def is_opioid(self) -> bool:
        return bool(self.opioids) or self.kind == "generic_opioid"


@dataclass(frozen=True, slots=True)
class WashoutRule:
    name: str
    days: int | None  # None: never cleared automatically
    summary: str
    source: str


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    rules_version: str
    washout_rules: dict[str, WashoutRule]
    phrases: dict[tuple[str, ...], Term]
    longest_phrase: int
    opioid_sounds: dict[str, Term]  # phonetic key -> term, for spelling correction
    other_sounds: dict[str, Term]
    opioid_sounds_by_initial: dict[str, tuple[str, ...]]
    other_sounds_by_initial: dict[str, tuple[str, ...]]
    opioid_sounds_by_prefix: dict[str, tuple[str, ...]]
    other_sounds_by_prefix: dict[str, tuple[str, ...]]
    spanish_words: frozenset[str] = frozenset()  # everyday Spanish words, folded: never a medicine's name
    # Everyday English newer than Webster's Second ("lyme", "cpap", "idk"), towns and medical abbreviations
    # ("minocqua", "bka"): not an unknown name beside a named one.
    english_words: frozenset[str] = frozenset()
    # The commonest English and Spanish words ("those", "llame"): never corrected to an opioid's name.
    common_words: frozenset[str] = frozenset()


def _grouped(sounds: dict[str, Term], length: int) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for sound in sorted(sounds):
        groups.setdefault(sound[:length], []).append(sound)
    return {start: tuple(members) for start, members in groups.items()}


def _make_term(key: str, record: dict, ingredients: dict[str, dict]) -> Term:
    members = tuple(record["ingredients"])

    def of_class(klass: str) -> tuple[str, ...]:
        return tuple(m for m in members if ingredients[m]["class"] == klass)

    return Term(
        key=key,
        kind=record["kind"],
        ingredients=members,
        opioids=of_class(OPIOID),
        antagonists=of_class(ANTAGONIST),
        immunomodulators=of_class(IMMUNOMODULATOR),
        systemic_only=frozenset(m for m in members if ingredients[m].get("systemic_only")),
        thyroid_hormones=of_class(THYROID_HORMONE),
        suggests_opioid_use=tuple(m for m in members if ingredients[m].get("suggests_opioid_use")),
        reviewed_with_ldn=tuple(m for m in members if ingredients[m].get("reviewed_with_ldn")),
        washout=_longest_washout(
            [record["washout"]] if record.get("washout") else [ingredients[m].get("washout", "") for m in of_class(OPIOID)]
        ),
    )


def _longest_washout(names: list[str]) -> str:
    known = [name for name in names if name in WASHOUT_ORDER]
    return max(known, key=WASHOUT_ORDER.index, default="")


def build_index(raw: dict) -> KnowledgeBase:
    ingredients = raw["ingredients"]
    phrases: dict[tuple[str, ...], Term] = {}
    opioid_sounds: dict[str, Term] = {}
    other_sounds: dict[str, Term] = {}
    for key, record in raw["terms"].items():
        term = _make_term(key, record, ingredients)
        words = tuple(key.split())
        phrases[words] = term
        if len(words) != 1 or term.kind in _NOT_FUZZY_KINDS or len(key) < FUZZY_MIN_LENGTH - 1:
            continue
        if not key.isalpha():
            continue
        sounds = opioid_sounds if term.is_opioid else other_sounds
        sounds.setdefault(phonetic_key(key), term)
    return KnowledgeBase(
        rules_version=raw["rules_version"],
        washout_rules={
            name: WashoutRule(name, rule["days"], rule["summary"], rule["source"])
            for name, rule in raw["washout_rules"].items()
        },
        phrases=phrases,
        longest_phrase=max(len(words) for words in phrases),
        opioid_sounds=opioid_sounds,
        other_sounds=other_sounds,
        opioid_sounds_by_initial=_grouped(opioid_sounds, 1),
        other_sounds_by_initial=_grouped(other_sounds, 1),
        opioid_sounds_by_prefix=_grouped(opioid_sounds, FUZZY_FAR_PREFIX),
        other_sounds_by_prefix=_grouped(other_sounds, FUZZY_FAR_PREFIX),
        spanish_words=frozenset(raw.get("everyday_words_es", {}).get("words", ())),
        english_words=frozenset(raw.get("everyday_words_en", {}).get("words", ())).union(
            *(source["words"] for source in raw.get("other_words", {}).values())
        ),
        common_words=frozenset(raw.get("common_words", {}).get("words", ())),
    )


@cache
def knowledge_base() -> KnowledgeBase:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return build_index(json.load(handle))
