"""Find drug names in one medication entry as a patient typed it.

Steps: tokenise, cut the entry into clauses, look up the longest known phrase at each word,
set aside dose/frequency/route words, correct the spelling of what is left (preferring an
everyday medicine whenever it is as close as an opioid), and note words that say the drug
is not taken now ("allergic to", "stopped", "used to").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .knowledge import FUZZY_FAR_PREFIX, FUZZY_MIN_LENGTH, KnowledgeBase, Term, knowledge_base
from .normalise import CLAUSE_SEPARATORS, Token, phonetic_key, tokenize


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBERISH = re.compile(r"^(\d.*|q\d.*|x\d+|\d+x)$")

# Words that describe how a medicine is taken rather than what it is.
_DOSING_WORDS = _word_set(
    """
so sure unsure know remember unknown mg mgs mcg mcgs ug g gm gram grams ml mls cc l iu ius unit units u meq mmol percent pct hr hrs h
tab tabs tablet tablets cap caps capsule capsules pill pills softgel softgels gummy gummies chewable chew
liquid solution soln susp suspension elixir syrup patch patches film films strip strips spray sprays
nasal inhaler inhaled inhalation injection injections inj injectable shot shots pen pens vial vials
drop drops cream ointment gel gels lotion powder lozenge lozenges troche troches suppository suppositories
sublingual sublingually buccal transdermal topical oral orally po sl iv im sc sq subq subcut
subcutaneous intramuscular intravenous pr td inh neb nebulizer nebuliser foam enema wafer wafers
er xr sr la cr ir dr xl ec ext extended release released immediate delayed controlled sustained long
acting short odt hfa ds forte max maximum extra strength regular children childrens kids adult junior
liquigel liquigels liqui rapid generic brand otc rx compounded low dose doses dosage high mini
qd qday od bid tid qid qhs hs qam qpm prn ac pc q daily day days nightly night nights weekly week weeks
monthly month months yearly once twice thrice times x every other per a an each morning mornings
evening evenings am pm bedtime noon lunch breakfast dinner supper meals meal food water needed as when
required sometimes occasionally occasional rarely usually regularly ongoing then before after with
without up to i im me my take takes taking took use uses using on in at of the for from by about
approx approximately around also plus and or etc current currently still now just only half quarter
one two three four five six seven eight nine ten total start started since year years yr yrs is it its
this that these prescribed prescription dr doctor doc pcp md np provider pharmacy refill name same new
continue continued chronic term everyday dm hour hours tsp tbsp teaspoon teaspoons tablespoon number
jan january feb february mar march apr april may jun june jul july aug august sep sept september oct
october nov november dec december mon tue wed thu fri sat sun monday tuesday wednesday thursday
friday saturday sunday
"""
)

_CUE_FORWARD = _word_set(
    """
allergic allergy intolerant reaction stopped stop quit discontinued no not never denies deny off used
was were formerly previously prior former past history hx weaned tapered finished completed none
"""
)
_CUE_BACKWARD = _word_set(
    """
allergic allergy allergies intolerant intolerance reaction reactions ago discontinued stopped quit
none rash hives anaphylaxis sensitivity sensitive past previously formerly weaned tapered finished
completed
"""
)
_CUE_WORDS = _CUE_FORWARD | _CUE_BACKWARD
_CUE_REACH = 3  # content words a cue may reach across to find its drug

# "now", "currently", "but" open a new thought: "used to take Percocet, now tramadol".
_CLAUSE_OPENERS = frozenset({"now", "currently", "but", "still", "however"})
# "Tylenol 3 times a day" is plain Tylenol taken three times, and "Tylenol 2 tablets" is two of
# them; "Tylenol #3" and "Tylenol No. 3" always name the codeine product.
_NOT_TYLENOL_NUMBER = _word_set(
    """
    times x hours hrs hr h days daily per a tab tabs tablet tablets pill pills cap caps capsule capsules
    caplet caplets gelcap gelcaps softgel softgels extra es regular arthritis pm g gram grams mg
    """
)
# "Oxy" is also a range of benzoyl-peroxide acne washes; with skin-care words it is that.
_OXY_SKIN_CARE = _word_set(
    """
    acne wash face facial cleanser cleansing pads pad spot spots pimple pimples benzoyl peroxide
    salicylic scrub skin cream gel lotion
    """
)
_THYROID_CONTEXT = frozenset(
    {
        "mcg",
        "ug",
        "microgram",
        "micrograms",
        "thyroid",
        "liothyronine",
        "cytomel",
        "t4",
        "levothyroxine",
        "armour",
        "hypothyroid",
        "hypothyroidism",
        "synthroid",
    }
)
_T3_KEYS = frozenset({"t3", "t 3", "ty3", "ty 3"})
TOPICAL_WORDS = frozenset(
    {
        "cream",
        "ointment",
        "gel",
        "lotion",
        "topical",
        "inhaler",
        "inhaled",
        "inhalation",
        "nasal",
        "spray",
        "eye",
        "drops",
        "drop",
        "ear",
        "foam",
        "shampoo",
        "enema",
        "puff",
        "puffs",
        "hfa",
        "rectal",
        "skin",
        "mouthwash",
        "rinse",
    }
)
_SEGMENT_JOINERS = frozenset({"and", "plus"})

_NIL_ENTRY = re.compile(
    r"^(none|nil|nothing|no|nope|n a|na|nkda|nka|no known (drug )?allergies|"
    r"(none|nothing) (currently|at this time|right now)|"
    r"(no|none|not taking any|not on any|i don t take any|i do not take any) (current |regular |daily |other )?"
    r"(medications?|meds|medicines?|prescriptions?|drugs)( currently| at this time)?)$"
)


@dataclass(frozen=True, slots=True)
class Mention:
    term: Term
    start: int  # character span in the original entry
    end: int
    not_current: bool
    corrected: bool  # matched by spelling correction rather than exactly


@dataclass(frozen=True, slots=True)
class Reading:
    mentions: tuple[Mention, ...]
    unrecognised: tuple[tuple[int, int], ...]  # character spans of words nobody could name
    topical: bool
    says_none: bool = False  # "none", "no medications", "NKDA": the patient says nothing is taken


@dataclass(slots=True)
class _Slot:
    start_word: int
    end_word: int  # exclusive
    term: Term | None
    corrected: bool = False
    not_current: bool = False


def is_nil_entry(words: list[str]) -> bool:
    return bool(_NIL_ENTRY.match(" ".join(words)))


def read_entry(text: str, kb: KnowledgeBase | None = None) -> Reading:
    kb = kb or knowledge_base()
    tokens = tokenize(text)
    words = [t.text for t in tokens if not t.is_separator]
    if words and is_nil_entry(words):
        return Reading((), (), False, says_none=True)
    if not words:
        return Reading((), (), False)
    all_words = frozenset(words)
    mentions: list[Mention] = []
    unknown_spans: list[tuple[int, int]] = []
    for clause in _clauses(tokens):
        if is_nil_entry([t.text for t in clause if not t.is_separator]):
            continue  # "oxycodone, no known allergies": the second clause names nothing
        found, unknown = _read_clause(clause, kb, all_words)
        mentions.extend(found)
        unknown_spans.extend(unknown)
    return Reading(tuple(mentions), tuple(unknown_spans), bool(all_words & TOPICAL_WORDS))


def _clauses(tokens: list[Token]) -> list[list[Token]]:
    clauses: list[list[Token]] = [[]]
    for token in tokens:
        if token.text in CLAUSE_SEPARATORS:
            clauses.append([])
            continue
        if token.text in _CLAUSE_OPENERS and clauses[-1]:
            clauses.append([])
        clauses[-1].append(token)
    return [c for c in clauses if c]


def _read_clause(clause: list[Token], kb: KnowledgeBase, entry_words: frozenset[str]):
    words_tokens = [t for t in clause if not t.is_separator]
    words = [t.text for t in words_tokens]
    slots = _find_terms(words, kb, entry_words)

    # Segments split lists written on one line ("metformin and zzz"), so an unknown name beside a
    # known one is still reported.
    segment_of: list[int] = []
    segment = 0
    for word in words:
        if word in _SEGMENT_JOINERS:
            segment += 1
        segment_of.append(segment)

    matched_segments: set[int] = set()
    unknown_by_segment: dict[int, list[int]] = {}
    content_positions: list[int] = []  # word positions that count when measuring a cue's reach
    after_for = False
    for slot in slots:
        position = slot.start_word
        word = words[position]
        if slot.term is None:
            if word == "for":
                after_for = True  # what follows "for" is the reason, not a medicine
            if _is_noise(word):
                continue
            corrected = (
                _correct_spelling(word, kb) if word.isalpha() and len(word) >= FUZZY_MIN_LENGTH else None
            )
            if corrected is None:
                if not after_for:
                    unknown_by_segment.setdefault(segment_of[position], []).append(position)
                content_positions.append(position)
                continue
            slot.term, slot.corrected = corrected, True
        content_positions.append(position)
        for covered in range(slot.start_word, slot.end_word):
            matched_segments.add(segment_of[covered])

    term_slots = [s for s in slots if s.term is not None]
    _apply_cues(words, slots, term_slots, content_positions)

    mentions = [
        Mention(
            s.term,
            words_tokens[s.start_word].start,
            words_tokens[s.end_word - 1].end,
            s.not_current,
            s.corrected,
        )
        for s in term_slots
    ]
    unknown_spans = [
        (words_tokens[positions[0]].start, words_tokens[positions[-1]].end)
        for seg, positions in sorted(unknown_by_segment.items())
        if seg not in matched_segments
    ]
    return mentions, unknown_spans


def _is_noise(word: str) -> bool:
    return word in _DOSING_WORDS or word in _CUE_WORDS or bool(_NUMBERISH.match(word)) or len(word) < 2


def _find_terms(words: list[str], kb: KnowledgeBase, entry_words: frozenset[str]) -> list[_Slot]:
    """Greedy longest-phrase lookup; every word ends up in exactly one slot."""
    slots: list[_Slot] = []
    i = 0
    while i < len(words):
        for length in range(min(kb.longest_phrase, len(words) - i), 0, -1):
            key = tuple(words[i : i + length])
            term = kb.phrases.get(key)
            if term is None:
                term = _plural_of_known(key, kb)
            if term is not None:
                term = _in_context(term, words, i + length, entry_words, kb)
            if term is None:
                continue
            slots.append(_Slot(i, i + length, term))
            i += length
            break
        else:
            slots.append(_Slot(i, i + 1, None))
            i += 1
    return slots


def _plural_of_known(key: tuple[str, ...], kb: KnowledgeBase) -> Term | None:
    """A known name with a plural "s": "Percocets", "T3s", "222s"."""
    last = key[-1]
    if len(last) < 3 or not last.endswith("s") or last.endswith("ss"):
        return None
    return kb.phrases.get((*key[:-1], last[:-1]))


def _in_context(
    term: Term, words: list[str], next_index: int, entry_words: frozenset[str], kb: KnowledgeBase
) -> Term | None:
    """The term as meant in this entry, or None when the words mean something else here."""
    # Only the bare "tylenol 3" can be a count; "tylenol no 3" and "tylenol number 3" cannot.
    tylenol_number = len(term.key.split()) == 2 and term.key.startswith("tylenol ") and term.key[-1].isdigit()
    if tylenol_number and next_index < len(words) and words[next_index] in _NOT_TYLENOL_NUMBER:
        return None
    if term.key in _T3_KEYS and entry_words & _THYROID_CONTEXT:
        # T3 is also liothyronine, the thyroid hormone, which is dosed in micrograms.
        return kb.phrases.get(("liothyronine",))
    if term.key == "oxy" and entry_words & _OXY_SKIN_CARE:
        return kb.phrases.get(("benzoyl", "peroxide"))
    return term


def _correct_spelling(word: str, kb: KnowledgeBase) -> Term | None:
    return _correct_spelling_cached(word, id(kb))


@lru_cache(maxsize=4096)
def _correct_spelling_cached(word: str, _kb_id: int) -> Term | None:
    kb = knowledge_base()
    sound = phonetic_key(word)
    allowed = 1 if len(word) <= 6 else 2 if len(word) <= 9 else 3
    opioid = _closest(sound, kb.opioid_sounds_by_initial, kb.opioid_sounds_by_prefix, allowed)
    other_cutoff = opioid[1] if opioid is not None else allowed
    other = _closest(sound, kb.other_sounds_by_initial, kb.other_sounds_by_prefix, other_cutoff)
    if other is not None:
        # A known non-opioid that is at least as close wins: that keeps oxybutynin and buspirone out.
        return kb.other_sounds[other[0]]
    if opioid is None:
        return None
    shield = process.extractOne(
        sound, kb.other_sounds_by_initial.get(sound[0], ()), scorer=OSA.distance, score_cutoff=opioid[1]
    )
    if shield is not None:
        # An everyday medicine is as near, if less alike: too unsure to call it either; the
        # pharmacist sees it as an unrecognised word.
        return None
    return kb.opioid_sounds[opioid[0]]


def _closest(
    sound: str, by_initial: dict[str, tuple[str, ...]], by_prefix: dict[str, tuple[str, ...]], allowed: int
) -> tuple[str, int] | None:
    """The nearest known sound: one edit anywhere after the first letter, more only after the first three.

    Patients rarely get the first letter wrong, so only names sharing it are candidates (that also
    stops "codine" from settling on "iodine"); a name two or more edits away must share the first
    three sounds as well, or short brand names attract everything nearby.
    """
    near = process.extractOne(sound, by_initial.get(sound[0], ()), scorer=OSA.distance, score_cutoff=min(allowed, 1))
    if near is not None:
        return near[0], near[1]
    if allowed < 2:
        return None
    far = process.extractOne(
        sound, by_prefix.get(sound[:FUZZY_FAR_PREFIX], ()), scorer=OSA.distance, score_cutoff=allowed
    )
    return (far[0], far[1]) if far is not None else None


def _apply_cues(
    words: list[str], slots: list[_Slot], term_slots: list[_Slot], content_positions: list[int]
) -> None:
    if not term_slots:
        return
    rank = {position: n for n, position in enumerate(sorted(set(content_positions)))}

    def reach(cue_position: int, slot: _Slot) -> int:
        # How many content words lie between the cue and the drug.
        lo, hi = sorted((cue_position, slot.start_word))
        return sum(1 for p in rank if lo < p < hi)

    for slot in slots:
        if slot.term is not None:
            continue
        position = slot.start_word
        word = words[position]
        if word not in _CUE_WORDS:
            continue
        after = [s for s in term_slots if s.start_word > position]
        before = [s for s in term_slots if s.start_word < position]
        target = None
        if word in _CUE_FORWARD and after and reach(position, after[0]) <= _CUE_REACH:
            target = after[0]
        elif word in _CUE_BACKWARD and before and reach(position, before[-1]) <= _CUE_REACH:
            target = before[-1]
        elif after and reach(position, after[0]) <= _CUE_REACH and word in _CUE_BACKWARD:
            target = after[0]
        if target is not None:
            target.not_current = True
