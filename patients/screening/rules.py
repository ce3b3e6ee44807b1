"""Turn what the matcher read into flags: a kind sentence for the patient, the facts for the pharmacist.

The one hard rule: an opioid taken now, or stopped inside the opioid-free interval of the
naltrexone labels, is a contraindication. Past-use and negation words lower that to a review only
when the entry shows the use ended outside the interval or never happened (timing.py). The
interval is chosen per product from the knowledge base's washout rules and the words of the entry
("ER", "patch", "monthly injection").
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from .knowledge import KnowledgeBase, Term, WashoutRule, knowledge_base
from .matcher import INJECTION_WORDS, LONG_ACTING_WORDS, Mention, read_entry
from .normalise import term_key
from .timing import Use
from .version import RULES_VERSION

PREGNANCY_STATUSES = frozenset(
    {
        "not_pregnant",
        "pregnant",
        "breastfeeding",
        "trying_to_conceive",
        "not_applicable",
        "not_sure",
        "prefer_not_to_say",
    }
)
_PREGNANCY_WORDING = {
    "pregnant": "that you are pregnant",
    "breastfeeding": "that you are breastfeeding",
    "trying_to_conceive": "that you are trying to conceive",
}
_PREGNANCY_UNKNOWN = {"not_sure": "\u201cNot sure\u201d", "prefer_not_to_say": "\u201cPrefer not to say\u201d"}

# The direct question: "Have you taken any opioid recently?"
OPIOID_USE_ANSWERS = ("now", "stopped", "no", "not_sure")
MEDICATIONS = "medications"
OPIOID_QUESTION = "opioid_question"
ALLERGIES = "allergies"
PREGNANCY = "pregnancy"
# A drug named without its product ("opioids", "pain pills") or a stop the patient could not
# name gets the longest interval that can still be cleared by date.
UNKNOWN_PRODUCT_WASHOUT = "long_acting"
_BUPRENORPHINE = "buprenorphine"


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
    explanation: str  # for the patient: what was noticed, never a diagnosis
    entry_index: int | None
    rules_version: str = RULES_VERSION
    field: str = MEDICATIONS  # where it was read
    last_dose: date | None = None
    earliest_start: date | None = None  # the first day LDN could start under the washout rule
    washout_rule: str = ""  # the rule and its source, for the pharmacist
    reading: str = ""  # the words and dates read, for the pharmacist only


def screen_medication(text: str, *, today: date | None = None) -> list[Flag]:
    """The flags of one medication entry on its own (the screen_medications command, benchmarks)."""
    return _screen_entry(text, index=None, field=MEDICATIONS, kb=knowledge_base(), today=today or date.today())


def screen_intake(
    *,
    medications: Sequence[str],
    pregnancy_status: str,
    today: date | None = None,
    opioid_use: str = "no",
    opioid_stopped_what: str = "",
    opioid_last_dose: date | None = None,
    other_texts: Mapping[str, str] | None = None,
) -> list[Flag]:
    """Every flag of an intake: the direct opioid question, each medication row, every other
    free-text answer (allergies, "something else"), and pregnancy."""
    if pregnancy_status not in PREGNANCY_STATUSES:
        raise ValueError(f"unknown pregnancy_status {pregnancy_status!r}")
    if opioid_use not in OPIOID_USE_ANSWERS:
        raise ValueError(f"unknown opioid_use {opioid_use!r}")
    if isinstance(medications, str):
        raise TypeError("medications must be a sequence of entries, not one string")
    today = today or date.today()
    kb = knowledge_base()
    flags = _opioid_answer_flags(opioid_use, opioid_stopped_what, opioid_last_dose, today=today, kb=kb)
    for index, text in enumerate(medications):
        flags.extend(_screen_entry(text, index=index, field=MEDICATIONS, kb=kb, today=today))
    for field, text in (other_texts or {}).items():
        flags.extend(_screen_entry(text, index=None, field=field, kb=kb, today=today))
    flags.extend(_pregnancy_flags(pregnancy_status))
    return flags


def is_opioid(flags: Iterable[Flag]) -> bool:
    """Whether any flag is an opioid contraindication (taken now or inside the interval)."""
    return any(f.code in {"opioid", "opioid_answer"} and f.severity == Severity.CONTRAINDICATION for f in flags)


# --- The direct question -------------------------------------------------------------------------
def _opioid_answer_flags(
    answer: str, what: str, last_dose: date | None, *, today: date, kb: KnowledgeBase
) -> list[Flag]:
    def flag(severity: Severity, explanation: str, **facts) -> list[Flag]:
        return [Flag("opioid_answer", severity, what.strip(), "", explanation, None, field=OPIOID_QUESTION, **facts)]

    if answer == "now":
        return flag(
            Severity.CONTRAINDICATION,
            "You told us you take an opioid now. LDN blocks the receptors opioids act on, so the two are "
            "not taken together; the pharmacist will talk this through with you.",
            reading="Answered \u201cYes, I take one now\u201d.",
        )
    if answer == "not_sure":
        return flag(
            Severity.CONTRAINDICATION,
            "You were not sure whether you have taken an opioid recently. That is fine: the pharmacist "
            "will go through your medicines with you before anything is decided.",
            reading="Answered \u201cI\u2019m not sure\u201d: treated as a contraindication until a pharmacist clears it.",
        )
    if answer != "stopped":
        return []
    rule = _rule_for_stopped(what, today=today, kb=kb)
    earliest = _earliest_start(last_dose, rule)
    named = f"\u201c{what.strip()}\u201d" if what.strip() else "an opioid"
    facts = {
        "last_dose": last_dose,
        "earliest_start": earliest,
        "washout_rule": _rule_text(rule),
        "reading": f"Answered \u201cI stopped\u201d: {named}, last dose {_day(last_dose)}. "
        + _earliest_text(rule, earliest),
    }
    if _inside_interval(last_dose, rule, today):
        return flag(
            Severity.CONTRAINDICATION,
            f"You told us you stopped {named} on {_day(last_dose)}. LDN is started only after enough "
            "opioid-free days, so the pharmacist will go through the timing with you.",
            **facts,
        )
    return flag(
        Severity.REVIEW,
        f"You told us you stopped {named} on {_day(last_dose)}. The pharmacist will confirm this with you.",
        **facts,
    )


def _rule_for_stopped(what: str, *, today: date, kb: KnowledgeBase) -> WashoutRule:
    mentions = [m for m in read_entry(what, kb, today=today).mentions if m.term.is_opioid] if what.strip() else []
    if not mentions:
        return kb.washout_rules[UNKNOWN_PRODUCT_WASHOUT]
    rules = [_washout_of(m, kb) for m in mentions]
    return max(rules, key=lambda rule: (rule.days is None, rule.days or 0))


# --- One free-text entry -------------------------------------------------------------------------
def _screen_entry(text: str, *, index: int | None, field: str, kb: KnowledgeBase, today: date) -> list[Flag]:
    if not text or not text.strip():
        return []
    reading = read_entry(text, kb, today=today, allergy_field=field == ALLERGIES, timing_of=_use_matters)
    flags: list[Flag] = []
    seen: set[tuple[str, str]] = set()

    def add(code: str, severity: Severity, matched: str, ingredient: str, explanation: str, **facts) -> None:
        if (code, ingredient) in seen:
            return
        seen.add((code, ingredient))
        flags.append(Flag(code, severity, matched, ingredient, explanation, index, field=field, **facts))

    # Naloxone beside an opioid in one entry is almost always the same product (buprenorphine-naloxone)
    # or its rescue kit; the opioid flag already sends the entry to the pharmacist.
    takes_opioid = any(m.term.is_opioid and not m.not_current for m in reading.mentions)
    for mention in reading.mentions:
        matched = text[mention.start : mention.end]
        term = mention.term
        if term.is_opioid:
            code, severity, explanation, facts = _opioid_flag(mention, matched, kb=kb, today=today)
            add(code, severity, matched, " and ".join(term.opioids), explanation, **facts)
            # Naloxone or naltrexone inside an opioid product is there to deter misuse; the opioid is what matters.
            continue
        for ingredient in () if takes_opioid else term.antagonists:
            add("opioid_antagonist", Severity.REVIEW, matched, ingredient, _antagonist_text(matched, ingredient))
        for ingredient in term.suggests_opioid_use:
            add(
                "suggests_opioid_use",
                Severity.REVIEW,
                matched,
                ingredient,
                _suggests_use_text(matched, ingredient),
                reading=f"{_named(matched, ingredient)} is taken alongside or after opioids: it suggests "
                "current or recent opioid use. Ask about it.",
            )
        if mention.not_current:
            continue
        for ingredient in term.reviewed_with_ldn:
            add(
                "reviewed_with_ldn",
                Severity.REVIEW,
                matched,
                ingredient,
                _reviewed_with_ldn_text(matched, ingredient),
                reading=f"{_named(matched, ingredient)} is not an opioid, but it acts partly through opioid receptors "
                "and naltrexone blunted ketamine's effect on depression in a trial. Ask how and when it is given.",
            )
        for ingredient in term.thyroid_hormones:
            add("thyroid", Severity.REVIEW, matched, ingredient, _thyroid_text(matched, ingredient))
        for ingredient in term.immunomodulators:
            if ingredient in term.systemic_only and reading.topical:
                continue  # a steroid cream or inhaler acts where it is applied
            add("immunomodulator", Severity.REVIEW, matched, ingredient, _immunomodulator_text(matched, ingredient))

    if field != MEDICATIONS:
        return flags  # allergies and "something else" are prose: only what names a drug counts
    for start, end in reading.unrecognised:
        words = text[start:end]
        add("unrecognised", Severity.REVIEW, words, "", _unrecognised_text(words))
    if not reading.mentions and not reading.unrecognised and not reading.says_none:
        # Only dose words, a stray letter or punctuation ("pills", "a", "?"): we could not name a
        # medicine, and unknown is never silently safe.
        words = text.strip()
        add("unrecognised", Severity.REVIEW, words, "", _unrecognised_text(words))
    return flags


# The fields of a Term whose flags never read how it is used (an antagonist's and a sign of opioid use are
# flagged whatever the words say), or that are no flag at all. Every other field (thyroid_hormones,
# immunomodulators, and any added later) is taken to be flagged only when the medicine is current.
_FLAGGED_WHATEVER_THE_USE = frozenset({"key", "kind", "ingredients", "opioids", "antagonists", "suggests_opioid_use", "systemic_only", "washout"})
_FLAGGED_WHEN_CURRENT = tuple(f.name for f in fields(Term) if f.name not in _FLAGGED_WHATEVER_THE_USE)


def _use_matters(term: Term) -> bool:
    """Whether a flag of _screen_entry reads how this term is used (mention.timing, not_current): an
    opioid's does, and so does any term with a field of _FLAGGED_WHEN_CURRENT (a thyroid hormone, an
    immunomodulator); a plain medicine's, an antagonist's never do, so read_entry need not read them."""
    return term.is_opioid or any(getattr(term, name) for name in _FLAGGED_WHEN_CURRENT)


def _opioid_flag(
    mention: Mention, matched: str, *, kb: KnowledgeBase, today: date
) -> tuple[str, Severity, str, dict]:
    """(code, severity, explanation for the patient, facts for the pharmacist) for one opioid mention."""
    ingredient = " and ".join(mention.term.opioids)
    timing = mention.timing
    named = _named(matched, ingredient)
    if mention.possible:
        return (
            "opioid_possible",
            Severity.REVIEW,
            f"We could not be sure whether \u201c{matched}\u201d means {ingredient or 'an opioid'}, which is an "
            "opioid, or another medicine. The pharmacist will check it with you.",
            {},
        )
    if timing.use in {Use.NEVER, Use.ALLERGY}:
        said = "an allergy or intolerance" if timing.use is Use.ALLERGY else "not taken"
        return (
            "opioid_not_current",
            Severity.REVIEW,
            _not_current_text(matched, ingredient),
            {"reading": f"\u201c{timing.cue}\u201d: read as {said}."},
        )
    rule = _washout_of(mention, kb)
    facts: dict[str, Any] = {"washout_rule": _rule_text(rule)}  # Flag's keyword arguments
    if timing.use is Use.CURRENT:
        said = f" (\u201c{timing.cue}\u201d)" if timing.cue else ""
        facts["reading"] = f"Read as taken now{said}."
        if timing.last_dose is not None:
            # "percocet sometimes, last one 2 weeks ago": taken now and then, so the date is not a stop.
            facts["reading"] += f" Latest dose read: {_day(timing.last_dose)} (\u201c{timing.when}\u201d)."
        return ("opioid", Severity.CONTRAINDICATION, _opioid_text(mention, matched), facts)
    earliest = _earliest_start(timing.last_dose, rule)
    cue = f"\u201c{timing.cue}\u201d" if timing.cue else "a past date"
    when = f" with \u201c{timing.when}\u201d" if timing.when else ", no date given"
    facts |= {
        "last_dose": timing.last_dose,
        "earliest_start": earliest,
        "reading": f"Read {cue}{when}: last dose {_day(timing.last_dose)}. {_earliest_text(rule, earliest)}",
    }
    if _inside_interval(timing.last_dose, rule, today):
        return ("opioid", Severity.CONTRAINDICATION, _recently_stopped_text(named, timing.last_dose), facts)
    return ("opioid_not_current", Severity.REVIEW, _not_current_text(matched, ingredient), facts)


# --- Washout -------------------------------------------------------------------------------------
_NOT_AN_INJECTION = frozenset({"patch", "patches", "transdermal", "film", "films", "strip", "strips", "tab", "tablet", "tablets"})  # "Butrans patch weekly"


def _washout_of(mention: Mention, kb: KnowledgeBase) -> WashoutRule:
    """The product's rule, made longer by the words around it ("ER", "patch", "monthly shot")."""
    name = mention.term.washout or UNKNOWN_PRODUCT_WASHOUT
    context = mention.context
    if context & LONG_ACTING_WORDS and name == "short_acting":
        name = "long_acting"
    if _BUPRENORPHINE in mention.term.opioids and context & INJECTION_WORDS and not context & _NOT_AN_INJECTION:
        name = "extended_release_injection"
    return kb.washout_rules[name]


def _earliest_start(last_dose: date | None, rule: WashoutRule) -> date | None:
    if last_dose is None or rule.days is None:
        return None
    return last_dose + timedelta(days=rule.days)


def _inside_interval(last_dose: date | None, rule: WashoutRule, today: date) -> bool:
    """No date, a rule never cleared by date, or not enough days yet: still a contraindication."""
    earliest = _earliest_start(last_dose, rule)
    return earliest is None or earliest > today


def _rule_text(rule: WashoutRule) -> str:
    return f"{rule.summary} (source: {rule.source})"


def _earliest_text(rule: WashoutRule, earliest: date | None) -> str:
    if rule.days is None:
        return "Never cleared by date: the pharmacist decides."
    if earliest is None:
        return "Earliest LDN start unknown until the last dose is confirmed."
    return f"Earliest LDN start {_day(earliest)} ({rule.days} days)."


def _day(day: date | None) -> str:
    return f"{day:%b} {day.day}, {day.year}" if day else "not given"


# --- Pregnancy -----------------------------------------------------------------------------------
def _pregnancy_flags(status: str) -> list[Flag]:
    if status in _PREGNANCY_WORDING:
        return [
            Flag(
                "pregnancy",
                Severity.CAUTION,
                "",
                "",
                f"You told us {_PREGNANCY_WORDING[status]}. There is little safety information about LDN at "
                "this time, so the pharmacist will go through it with you and your provider.",
                None,
                field=PREGNANCY,
            )
        ]
    if status in _PREGNANCY_UNKNOWN:
        return [
            Flag(
                "pregnancy_unknown",
                Severity.REVIEW,
                "",
                "",
                f"You answered {_PREGNANCY_UNKNOWN[status]} about pregnancy and breastfeeding. That is fine; "
                "the pharmacist may ask about it privately during your consultation.",
                None,
                field=PREGNANCY,
            )
        ]
    return []


# --- Wording -------------------------------------------------------------------------------------
# term_key is a pure function of a short string (a drug's name as typed, an ingredient), asked again
# and again for the same few hundred names: cached.
_term_key = lru_cache(maxsize=4096)(term_key)


def _named(matched: str, ingredient: str) -> str:
    if not ingredient or _term_key(matched) == _term_key(ingredient):
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
        "withdrawal and stop the opioid from working; the pharmacist will talk this through with you."
    )


def _recently_stopped_text(named: str, last_dose: date | None) -> str:
    when = f" last taken on {_day(last_dose)}" if last_dose else ", and could not tell when it was last taken"
    return (
        f"We noticed {named}, an opioid{when}. LDN is started only after enough opioid-free days, so the "
        "pharmacist will go through the timing with you."
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


def _suggests_use_text(matched: str, ingredient: str) -> str:
    return (
        f"We noticed {_named(matched, ingredient)}. The pharmacist will ask how you take it alongside your "
        "other medicines."
    )


def _reviewed_with_ldn_text(matched: str, ingredient: str) -> str:
    return f"We noticed {_named(matched, ingredient)}. The pharmacist will check how the two fit together and discuss it with you."


def _thyroid_text(matched: str, ingredient: str) -> str:
    return (
        f"We noticed {_named(matched, ingredient)}, a thyroid medicine. LDN can change how much thyroid "
        "medicine some people need, so the pharmacist will talk about keeping an eye on it."
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
