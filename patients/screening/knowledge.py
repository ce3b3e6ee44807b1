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
NON_OPIOID = "non_opioid"

# Kinds that are too short or too slangy to be a safe target for spelling correction.
_NOT_FUZZY_KINDS = frozenset({"abbreviation", "street_name", "generic_opioid"})
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

    @property
    def is_opioid(self) -> bool:
        return bool(self.opioids) or self.kind == "generic_opioid"


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    rules_version: str
    phrases: dict[tuple[str, ...], Term]
    longest_phrase: int
    opioid_sounds: dict[str, Term]  # phonetic key -> term, for spelling correction
    other_sounds: dict[str, Term]
    opioid_sounds_by_initial: dict[str, tuple[str, ...]]
    other_sounds_by_initial: dict[str, tuple[str, ...]]
    opioid_sounds_by_prefix: dict[str, tuple[str, ...]]
    other_sounds_by_prefix: dict[str, tuple[str, ...]]


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
    )


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
        phrases=phrases,
        longest_phrase=max(len(words) for words in phrases),
        opioid_sounds=opioid_sounds,
        other_sounds=other_sounds,
        opioid_sounds_by_initial=_grouped(opioid_sounds, 1),
        other_sounds_by_initial=_grouped(other_sounds, 1),
        opioid_sounds_by_prefix=_grouped(opioid_sounds, FUZZY_FAR_PREFIX),
        other_sounds_by_prefix=_grouped(other_sounds, FUZZY_FAR_PREFIX),
    )


@cache
def knowledge_base() -> KnowledgeBase:
    with DATA_FILE.open(encoding="utf-8") as handle:
        return build_index(json.load(handle))
