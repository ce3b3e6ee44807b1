"""Turn what the matcher read into flags with plain-language explanations."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .knowledge import KnowledgeBase, knowledge_base
from .matcher import Mention, read_entry
from .normalise import term_key
from .version import RULES_VERSION

PREGNANCY_STATUSES = frozenset(
    {"not_pregnant", "pregnant", "breastfeeding", "trying_to_conceive", "not_applicable", "prefer_not_to_say"}
)
_PREGNANCY_WORDING = {
    "pregnant": "that you are pregnant",
    "breastfeeding": "that you are breastfeeding",
    "trying_to_conceive": "that you are trying to conceive",
}


class Severity(enum.StrEnum):
    CONTRAINDICATION = "contraindication"
    CAUTION = "caution"
    REVIEW = "review"


@dataclass(frozen=True)
class Flag:
    code: str
    severity: Severity
    matched: str
    ingredient: str
    explanation: str
    entry_index: int | None
    rules_version: str = RULES_VERSION


def screen_medication(text: str) -> list[Flag]:
    return _screen_entry(text, None, knowledge_base())


def screen_intake(*, medications: Sequence[str], pregnancy_status: str) -> list[Flag]:
    if pregnancy_status not in PREGNANCY_STATUSES:
        raise ValueError(f"unknown pregnancy_status {pregnancy_status!r}")
    if isinstance(medications, str):
        raise TypeError("medications must be a sequence of entries, not one string")
    kb = knowledge_base()
    flags: list[Flag] = []
    for index, text in enumerate(medications):
        flags.extend(_screen_entry(text, index, kb))
    if pregnancy_status in _PREGNANCY_WORDING:
        flags.append(
            Flag(
                code="pregnancy",
                severity=Severity.CAUTION,
                matched="",
                ingredient="",
                explanation=(
                    f"You told us {_PREGNANCY_WORDING[pregnancy_status]}. There is little safety information "
                    "about LDN at this time, so the pharmacist will go through it with you and your provider."
                ),
                entry_index=None,
            )
        )
    return flags


def is_opioid(flags: Iterable[Flag]) -> bool:
    return any(f.code == "opioid" and f.severity == Severity.CONTRAINDICATION for f in flags)


def _screen_entry(text: str, index: int | None, kb: KnowledgeBase) -> list[Flag]:
    if not text or not text.strip():
        return []
    reading = read_entry(text, kb)
    flags: list[Flag] = []
    seen: set[tuple[str, str]] = set()

    def add(code: str, severity: Severity, matched: str, ingredient: str, explanation: str) -> None:
        if (code, ingredient) in seen:
            return
        seen.add((code, ingredient))
        flags.append(Flag(code, severity, matched, ingredient, explanation, index))

    # Naloxone beside an opioid in one entry is almost always the same product (buprenorphine-naloxone)
    # or its rescue kit; the opioid flag already sends the entry to the pharmacist.
    takes_opioid = any(m.term.is_opioid and not m.not_current for m in reading.mentions)
    for mention in reading.mentions:
        matched = text[mention.start : mention.end]
        term = mention.term
        if term.is_opioid:
            ingredient = " and ".join(term.opioids)
            if mention.not_current:
                add(
                    "opioid_not_current",
                    Severity.REVIEW,
                    matched,
                    ingredient,
                    _not_current_text(matched, ingredient),
                )
            else:
                add("opioid", Severity.CONTRAINDICATION, matched, ingredient, _opioid_text(mention, matched))
            # Naloxone or naltrexone inside an opioid product is there to deter misuse; the opioid is what matters.
            continue
        for ingredient in () if takes_opioid else term.antagonists:
            add(
                "opioid_antagonist",
                Severity.REVIEW,
                matched,
                ingredient,
                _antagonist_text(matched, ingredient),
            )
        if mention.not_current:
            continue
        for ingredient in term.immunomodulators:
            if ingredient in term.systemic_only and reading.topical:
                continue  # a steroid cream or inhaler acts where it is applied
            add(
                "immunomodulator",
                Severity.REVIEW,
                matched,
                ingredient,
                _immunomodulator_text(matched, ingredient),
            )

    for start, end in reading.unrecognised:
        words = text[start:end]
        add("unrecognised", Severity.REVIEW, words, "", _unrecognised_text(words))
    if not reading.mentions and not reading.unrecognised and not reading.says_none:
        # Only dose words, a stray letter or punctuation ("pills", "a", "?"): we could not name a
        # medicine, and unknown is never silently safe.
        words = text.strip()
        add("unrecognised", Severity.REVIEW, words, "", _unrecognised_text(words))
    return flags


def _named(matched: str, ingredient: str) -> str:
    if not ingredient or term_key(matched) == term_key(ingredient):
        return matched
    return f"{matched} ({ingredient})"


def _opioid_text(mention: Mention, matched: str) -> str:
    ingredient = " and ".join(mention.term.opioids)
    if not ingredient:
        noticed = f"We noticed you mentioned {matched}"
    else:
        noticed = f"We noticed {_named(matched, ingredient)}, which is an opioid"
    if mention.corrected:
        noticed += " (we read the spelling as closely as we could)"
    return (
        f"{noticed}. LDN blocks the receptors that opioids work through, so taking both can bring on "
        "withdrawal and stop the pain medicine from working; the pharmacist will talk this through with you."
    )


def _not_current_text(matched: str, ingredient: str) -> str:
    return (
        f"We noticed {_named(matched, ingredient)} listed as an allergy, a past medicine or something you do "
        "not take now. Because opioids and LDN do not mix, the pharmacist will confirm this with you."
    )


def _antagonist_text(matched: str, ingredient: str) -> str:
    return (
        f"We noticed {_named(matched, ingredient)}, which blocks opioid receptors much as LDN does. "
        "The pharmacist will check how the two fit together and discuss it with you."
    )


def _immunomodulator_text(matched: str, ingredient: str) -> str:
    return (
        f"We noticed {_named(matched, ingredient)}, a medicine that acts on the immune system. LDN is "
        "thought to influence the immune system too, so the pharmacist will review them together with you."
    )


def _unrecognised_text(words: str) -> str:
    return (
        f"We could not match \u201c{words}\u201d to a medicine we know. The pharmacist will check it with you "
        "so nothing on your list is missed."
    )
