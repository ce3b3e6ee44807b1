"""Find drug names in one medication entry as a patient typed it.

Steps: tokenise (splitting names glued to numbers, "percocet10"), cut the entry into clauses,
look up the longest known phrase at each word, set aside dose/frequency/route words, correct the
spelling of what is left, and read how each drug is used (timing.py: "stopped 3 days ago",
"allergic to", "no opioids"). A spelling that is nearly as close to an opioid as to an everyday
medicine is kept as a *possible* opioid, never silently renamed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from functools import cache, lru_cache
from itertools import pairwise

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .knowledge import FUZZY_FAR_PREFIX, FUZZY_MIN_LENGTH, KnowledgeBase, Term, knowledge_base
from .normalise import CLAUSE_SEPARATORS, Token, phonetic_key, tokenize
from .spanish import as_english
from .timing import (
    CURRENT,
    ELSE_DENIED,
    OTHER_PEOPLE_AND_PETS,
    PHARMACIES_AND_PLANS,
    Timing,
    Use,
    never_had_it,
    patient_named,
    read_timing,
    words_weighed,
)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_NUMBERISH = re.compile(r"^(\d.*|q\d.*|x\d+|\d+x|(rf|rfl|ref|refills?)\d+)$")

# Words that describe how a medicine is taken rather than what it is.
_DOSING_WORDS = _word_set(
    """
so sure unsure know remember unknown mg mgs mcg mcgs ug g gm gram grams milligram milligrams microgram micrograms ml mls cc l iu ius unit units u meq mmol percent pct hr hrs h
tab tabs tablet tablets cap caps capsule capsules pill pills softgel softgels gummy gummies chewable chew
liquid solution soln susp suspension elixir syrup patch patches film films strip strips spray sprays
nasal nare nares nostril nostrils inhaler inhaled inhalation injection injections inj injectable shot shots pen pens vial vials
drop drops cream ointment gel gels lotion powder lozenge lozenges troche troches suppository suppositories
sublingual sublingually buccal transdermal topical oral orally po sl iv im sc sq subq subcut
subcutaneous intramuscular intravenous pr td inh neb nebulizer nebuliser foam enema wafer wafers
er xr sr la cr ir dr xl ec ext extended release released immediate delayed controlled sustained long
acting short odt hfa ds forte max maximum extra strength regular children childrens kids adult junior
liquigel liquigels liqui rapid generic brand otc rx compounded low dose doses dosage high mini
caplet caplets gelcap gelcaps perles dosepak dosepack flexhaler diskus respimat ellipta multi hcl hbr
hydrochloride pamoate maleate mesylate besylate tartrate bitartrate succinate succ glycinate bisglycinate puff puffs
nocte mane qds tds bd vit iud inr
qd qday od bid tid qid qhs hs qam qpm prn ac pc q daily day days nightly night nights weekly week weeks
monthly month months yearly once twice thrice times x every other per a an each morning mornings
evening evenings am pm bedtime noon lunch breakfast brekkie brekky dinner supper meals meal food water needed as when
required sometimes occasionally occasional rarely usually regularly ongoing then before after with
without up to i im me my take takes taken taking took use uses using on in at of the for from by about
approx approximately around also plus and or etc current currently still now just only half quarter
one two three four five six seven eight nine ten total start started since year years yr yrs is it its
this that these prescribed prescription med meds dr doctor doc pcp md np provider pharmacy refill name same new
continue continued chronic term everyday dm hour hours tsp tbsp teaspoon teaspoons tablespoon number
jan january feb february mar march apr april may jun june jul july aug august sep sept september oct
october nov november dec december mon tue wed thu fri sat sun monday tuesday wednesday thursday
friday saturday sunday mondays tuesdays wednesdays thursdays fridays saturdays sundays
"""
)

# The words of a pharmacy label, a printout or a patient-portal list around the medicine's name:
# "Disp: 90 tablet; Rfl: 1", "QTY 30 RF3", "NDC 0093-…", "MFG: TEVA".
_PRINTOUT_WORDS = _word_set(
    """
qty quantity disp dispense dispensed rfl rf refill refills filled fill fills ndc mfg mfr manufacturer rph sig daw
lot exp expires expiration discard supply prescriber indication instructions directions rxn rxs
mychart eob fsbs cbg bgl
"""
)
_DOSING_WORDS |= _PRINTOUT_WORDS

# Words about how a drug is used or when it ended; timing.py reads them, and they are never an
# unknown medicine name.
_USE_WORDS = _word_set(
    """
drink drinks drank drinking
allergic allergy allergies intolerant intolerance reaction reactions rash hives anaphylaxis sensitivity
sensitive itch itching stopped stop stopping quit quitting discontinued dc dcd ceased finished completed
ended done off formerly previously previous prior former past history hx used was were had took ex clean
sober kicked gave weaned tapered tapering weaning anymore longer more last ago yesterday today tonight
since until till started starting began begun still trying try tries want wants wanting plan plans
planning hope hoping need needs going attempting working would like reducing cutting decreasing lowering
coming getting never denies deny denied none nil nothing not no dont doesnt didnt do does did t miss missed side
effects effect nausea issues problems except besides but week weekend weekends wk wks mo mos mth mths yr
yrs last few couple several some morning afternoon evening night down dose don doesn didn haven hasn hadn
isn wasn aren weren won can cant dont doesnt didnt havent hasnt has have
"""
)
_ABSENCE_WORDS = frozenset({"none", "nothing", "nil", "clean", "free", "sober"})
_NOW_WORDS = frozenset({"now", "currently", "still"})
# Street names that are also everyday English ("dope", "blues", "brown"): read as a drug only
# when the entry speaks of using something, or names nothing else.
_USE_CONTEXT = _word_set(
    """
use used using uses smoke smoked smoking snort snorted snorting shoot shooting shot inject injected
injecting bag bags pressed pill pills high street relapse relapsed weekend weekends party bought buy hit
hits bump line lines gram grams point points mg tab tabs dealer detox detoxing detoxed kicking kicked withdrawal
withdrawals withdrawing dopesick slipped syringe syringes needle needles speedball speedballs narcan naloxone overdose
overdosed turkey sobriety
"""
)
# Extended-release and depot forms, which take longer to leave the body.
LONG_ACTING_WORDS = _word_set("er xr sr cr la extended release contin patch patches transdermal depot")
INJECTION_WORDS = _word_set("injection injections inj shot shots depot monthly weekly implant")
_OTHER_SHOTS = _word_set("allergy flu b12 cortisone steroid covid booster botox testosterone vitamin insulin trigger tetanus")


def _another_medicines_shot(words: list[str], at: int) -> bool:
    """ "allergy shots", "flu shot": the injection word at `at` is another medicine's."""
    return words[at] in INJECTION_WORDS and at > 0 and words[at - 1] in _OTHER_SHOTS
_AMOUNT_OF_A_STREET_DRUG = _word_set("mg gram grams point points tab tabs pill pills bag bags line lines bump hit hits")
_A_HORSES_WORLD = _word_set(
    "vet veterinarian colic barn mare foal saddle hoof hooves farrier bute banamine torbugesic equine pasture stable paddock "
    "rider riding ride rode trail ringworm bit bitten bucked thrown"
)
_A_HORSES_THINGS = _word_set("owner owners farm barn trailer riding rider show stable stall stalls feed hay kicked trainer lessons")
_EVERYDAY_STREET_WORDS = _word_set(
    """
dope smack horse boy brown junk tar lean blues blue bag bags china white mud beans juice apache tnt dust skag
girl stuff gear dog food hammer chiva black pearl thunder train cotton candy kicker kickers
"""
)
# "H" is heroin only beside a verb of taking a street drug ("snorting H", "smoked some H"); it is
# never heroin as an hour ("25 mcg/h", "every 6 h"), vitamin H, Preparation H or H. pylori.
_H_TAKING_VERBS = _word_set(
    """
snort snorts snorted snorting sniff sniffs sniffed sniffing smoke smokes smoked smoking shoot shoots
shooting inject injects injected injecting bang bangs banged banging nodding nodded nod nods
"""
)
_H_NOT_HEROIN_AFTER = _word_set("per every q each mcg ug mg ml g gm unit units iu x vitamin vit prep preparation dr")
# "a blue" (a counterfeit M30) and "a bag" (a bag of heroin) are street drugs only beside a verb of
# taking or buying one, and a bag only when counted ("a bag", "2 bags"): never "blue pill", "ice
# bag", "colostomy bag" or "a bag of frozen peas".
_COUNTED_STREET_WORDS = frozenset({"blue", "bag", "bags"})
_STREET_TAKING_VERBS = _H_TAKING_VERBS | _word_set("use used using uses bought buy buying copped cop relapse relapsed dealer")
_BLUE_TAKING_VERBS = _word_set("took take taking popped pop popping")
_COUNTS = _word_set("a one half two three four five couple few some per each")
# ... and never before a thing it describes: "a blue inhaler", "a bag balm", "a blue light".
_AFTER_A_COUNTED_STREET_WORD = _word_set("most whenever")
_FORM_WORDS = _word_set(
    """
tab tabs tablet tablets cap caps capsule capsules pill pills softgel softgels gummy gummies liquid solution
syrup patch patches film films strip strips spray sprays inhaler inhalers injection shot shots pen pens vial
vials drop drops cream ointment gel lotion powder lozenge lozenges suppository nasal foam
"""
)
_REASON_WORDS = frozenset({"for", "because", "due"})
# An unnamed pain medicine counts as an opioid unless the entry says it is not one.
_NOT_AN_OPIOID_PAIN_MEDICINE = _word_set("otc counter non nonopioid nonnarcotic nsaid nsaids natural herbal topical nerve")
# Shops and store brands patients write beside a medicine, everyday words Webster's Second lacks
# (modern or irregular: "my mom's", "women's multivitamin") and the tests and conditions written as
# a reason ("before MRI", "(UTI prevention)"); other English words are found in the english-words
# package's copy of Webster's Second (public domain), see _is_plain_word.
# Pharmacies, benefit managers and insurers on an export or a claim: never a misspelt medicine.
_PLAIN_WORDS = _word_set(
    """
costco kirkland walmart equate cvs walgreens amazon otc rexall meijer kroger aldi sams trader joes gnc
vitacost iherb
mom moms dad dads men women womens mens
mri ct ekg ecg uti utis hrt ibs gerd adhd copd pcos ptsd ocd bph
vape vapes vaping caregiver caregivers
teva mylan viatris sandoz apotex aurobindo amneal lupin zydus cipla camber accord ascend torrent glenmark hikma
lannett actavis greenstone rugby qualitest solco unichem northstar alembic macleods ajanta breckenridge novadoz
bionpharma chartwell pfizer novartis lilly abbvie bayer gsk astrazeneca sanofi janssen amgen merck
anticoagulation bioidentical allergist allergists afib bariatric statin statins colonoscopy endoscopy aa na
"""
)

# "now", "currently", "but" open a new thought: "used to take Percocet, now tramadol" — but not
# straight after a denial, which they belong to: "not currently taking any", "denies currently using".
_CLAUSE_OPENERS = frozenset({"now", "currently", "but", "still", "however"})
_AND_THEN_NONE = _word_set(
    "no not nothing none never nil clean sober i pt patient using taking current currently now then transitioned switched"
)
_DENIAL_WORDS = _word_set("no not never denies deny denied dont doesnt didnt t")
# "Tylenol 3 times a day" is plain Tylenol taken three times, and "Tylenol 2 tablets" is two of
# them; "Tylenol #3" and "Tylenol No. 3" always name the codeine product.
_NOT_TYLENOL_NUMBER = _word_set(
    """
    times x hours hrs hr h days daily per a tab tabs tablet tablets pill pills cap caps capsule capsules
    caplet caplets gelcap gelcaps softgel softgels extra es regular arthritis pm g gram grams mg
    """
)
_COUNT_BEFORE_NAME = _word_set("a an one half 1 2 two")
_BEFORE_MAT = _word_set("on in my of from via through to no any off started start starting stopped quit finished and or with")
_AFTER_MAT = _word_set("program programs clinic clinics provider providers treatment doctor doc prescriber meds medication medications since now")
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
_SWITCH_WORDS = _word_set("switched switch switching went changed change changing moved transitioned converted rotated swapped")
_ALLERGY_WORDS = _word_set("allergy allergies allergic allergens intolerant intolerance intolerances")
_REACTION_WORDS = _word_set(
    "hives rash itching itch itchy nausea vomiting swelling anaphylaxis reaction sick dizzy dizziness headache gi upset"
)
_SEGMENT_JOINERS = frozenset({"and", "plus", "with", "or"})
_LIST_JOINERS = frozenset({"and", "or", "nor", "plus"})
# "Solpadeine Plus (with codeine)", "Xtampza ER (oxycodone)": the words that restate a product by
# its opioid, so both names share one reading.
# Words a list of medicines may carry between its names besides "and"/"or": "the opium medicine or the morphine".
_IN_A_LIST = _word_set("the a an medicine medicines pills pill tablets tablet patch patches film films")  # "a fentanyl patch and oxycodone"
_RESTATING_WORDS = _word_set("with contains containing incl including has aka generic brand which is i e")

_NIL_ENTRY = re.compile(
    r"^(none|nil|nothing|no|nope|n a|na|nkda|nka|no known (drug )?allergies|"
    r"(none|nothing) (currently|at this time|right now)|"
    r"(no|none|not taking any|not on any|i don t take any|i do not take any) (current |regular |daily |other )?"
    r"(medications?|meds|medicines?|prescriptions?|drugs)( currently| at this time)?)$"
)


# A clause that answers another question of the form ("Not pregnant.", "Non-smoker", "No alcohol").
_OF_SOMETHING_ELSE = re.compile(
    r"^(i m |im |i am |currently |pt is )?(not|no|non|never|never a)( currently)? "
    r"(pregnant|pregnancy|breastfeeding|breast feeding|nursing|smoker|smoking|smoke|drinker|alcohol|drinking|"
    r"(known |drug )?allergies|allergic to anything)$"
)


@dataclass(frozen=True, slots=True)
class Mention:
    term: Term
    start: int  # character span in the original entry
    end: int
    corrected: bool  # matched by spelling correction rather than exactly
    timing: Timing = CURRENT
    possible: bool = False  # a spelling as near an opioid as an everyday medicine: maybe an opioid
    context: frozenset[str] = frozenset()  # the words of the mention's clause

    @property
    def not_current(self) -> bool:
        return self.timing.use is not Use.CURRENT


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
    possible: bool = False


def is_nil_entry(words: list[str]) -> bool:
    return bool(_NIL_ENTRY.match(" ".join(words)))


# "I quit smoking in 2010", "non smoker": smoking here is tobacco, not a way of taking a street drug.
_GIVING_UP = _word_set("quit quitting stopped stop gave give never non former ex dont don t not no")
_SMOKING = _word_set("smoke smoked smoking smoker")


_HIGH_OF_HEALTH = _word_set("blood bp pressure cholesterol sugar sugars school risk fever dose doses")
_DEVICES = _word_set("cpap bipap inhaler nebulizer cane walker wheelchair brace humidifier machine tens heating ice pump monitor")


def _without_a_habit_given_up(words: list[str]) -> frozenset[str]:
    """The entry's words, less a "smoking" that follows a word of giving it up, a "use" said of where
    prescriptions are filled and another medicine's "shot" ("I use Walgreens", "flu shot last week" make
    no "horse" in the barn a street drug)."""
    kept = [
        w
        for i, w in enumerate(words)
        if not (w in _SMOKING and _GIVING_UP & set(words[max(0, i - 4) : i]))  # "quit smoking", "don't drink or smoke"
        and not (w in {"use", "uses", "using"} and ({"pharmacy", *PHARMACIES_AND_PLANS} & set(words[i + 1 : i + 3])))
        and not _another_medicines_shot(words, i)  # "flu shot last week" shoots nothing
        and not (w == "high" and words[i + 1 : i + 2] and words[i + 1] in _HIGH_OF_HEALTH)  # "high blood pressure"
        and not (w in {"use", "uses", "using", "used"} and set(words[i + 1 : i + 3]) & _DEVICES)  # "I use a CPAP at night"
    ]
    return frozenset(kept)


# "Currently taking:", "As of today:", "Current meds:": a label that opens the list says what the list
# is, not that each thing on it is taken now ("Currently taking: no opioids, stopped methadone 2019").
_A_LIST_LABEL = re.compile(
    r"^\W*(?:(?:as of|as at) (?:today|now)|(?:i am |i['\u2019]?m )?(?:currently|current|presently|right now|now|today)"
    r"(?: (?:taking|take|on|using|meds|medications|medicines|med list|list|prescriptions))?|(?:taking|using) "
    r"(?:now|currently|today)|daily|every ?day|each day|mornings?|evenings?|nights?|nightly|bedtime|as needed|prn"
    r"|(?:my |updated |new )?(?:meds|medications|medicines|med list|medication list|list)"  # "Meds as of today:", "Updated list:"
    r"|(?:note )?(?:for|to) (?:the )?(?:pharmacist|pharmacy|provider))"  # "For the pharmacist:"
    r"(?:,? \(?(?:as of|as at|updated) [0-9a-z/.\- ]{1,20}?\)?)?\s*:",  # "Current meds as of 11/20:"
    re.IGNORECASE,
)


_AS_OF_NOW = re.compile(r"\bas (?:of|at) (?:today|now|right now)\b", re.IGNORECASE)


def read_entry(
    text: str,
    kb: KnowledgeBase | None = None,
    *,
    today: date | None = None,
    allergy_field: bool = False,
    timing_of: Callable[[Term], bool] | None = None,
) -> Reading:
    """Every drug named in one entry, with how it is used; words nobody could name.

    `today` is the day the entry was written, for "3 days ago"; `allergy_field` says the text is
    the patient's allergy list, where a drug is an allergy unless the words say it is taken.
    `timing_of`, when given, names the terms whose use the caller reads: the others keep CURRENT
    without their words being read (the slowest step), unless the entry names a kit or a bottle,
    whose unused seal one medicine's words can lend to the others.
    """
    kb = kb or knowledge_base()
    today = today or date.today()
    # "no opioids (as of today)": when the list was written, not a stop today (blanked, so offsets stay).
    text = _AS_OF_NOW.sub(lambda found: " " * len(found.group()), text)
    tokens = _with_sentence_ends(_split_glued(as_english(tokenize(text), text, kb.phrases, kb.longest_phrase), kb), text)
    tokens = _care_taken(_possessives_unmarked(_without_sign_off(_without_closing(_without_sign_off(tokens)))))
    if ":" in text and (label := _A_LIST_LABEL.match(text)):
        tokens = [t for t in tokens if t.start >= label.end()]  # "Currently taking: no opioids"
    words = [t.text for t in tokens if not t.is_separator]
    if timing_of is not None and any(t.text in _CONTAINERS for t in tokens):
        timing_of = None  # "kit (morphine, lorazepam), seal never opened": every medicine's words may count
    if words and is_nil_entry(words):
        return Reading((), (), False, says_none=True)
    if not words:
        return Reading((), (), False)
    all_words = _without_a_habit_given_up(words)
    mentions: list[Mention] = []
    unknown_spans: list[tuple[int, int]] = []
    # "ALLERGIES: MORPHINE (HIVES), OXYCODONE (NAUSEA)": a row that opens with its allergies lists
    # them until a label of medicines taken ("meds:", "taking") or a dose.
    allergy_list = words[0] in _ALLERGY_WORDS
    patient = patient_named(words)
    allergy_headings = (  # every heading ends in a colon
        frozenset(m.start() for m in _A_HEADING.finditer(text) if text[m.start() : m.start() + 5].lower() == "aller") if ":" in text else frozenset()
    )
    groups = _groups(tokens, kb, all_words, allergy_headings, text=text)
    names_a_medicine = any(slot.term is not None for group in groups for clause in group for slot in clause.slots)
    after_a_name = False
    for group in groups:
        found, unknown = _read_group(
            group, kb, today=today, raw=text, patient=patient, names_a_medicine=names_a_medicine, after_a_name=after_a_name,
            timing_of=timing_of,
        )
        last = group[-1]
        last_words = [t.text for t in last.words]
        after_a_name = any(
            slot.term is not None and all(w[:1].isdigit() or w in _DOSE_UNITS for w in last_words[slot.end_word :])
            for slot in last.slots
        )  # "Norvasc 5, not Norco": a name, or a name and its dose
        group_words = [t.text for clause in group for t in clause.words]
        # "Metformin, ALLERGIES: MORPHINE (HIVES), …": a heading of allergies further on opens the list there.
        allergy_list = allergy_list or _opens_with_allergies(text, group)
        # A dose ends the list of allergies; a year ("hives after surgery in 2009") does not.
        dose = any(
            w[0].isdigit() and not (len(w) == 4 and w[:2] in {"19", "20"}) and not (i and group_words[i - 1] in {"am", "im", "m", "age", "aged"})
            for i, w in enumerate(group_words)
        )  # not an age: "I am 45"
        first_drug = _first_drug_word(group)
        heading_at = next((i for i, w in enumerate(group_words[:first_drug]) if w in _ALLERGY_HEADINGS), -1)
        if allergy_list and (_MEDICINES_TAKEN & set(group_words[heading_at + 1 : first_drug]) or dose):
            allergy_list = False
        if allergy_field:
            found = [_as_allergy(m) for m in found]
        elif allergy_list:
            found = [m if _said_taking_before(text, m) else _as_allergy(m) for m in found]
        mentions.extend(found)
        unknown_spans.extend(unknown)
    # "Hospice comfort kit in the fridge (morphine, lorazepam, haloperidol), seal never opened", "kit:
    # morphine liquid and lorazepam, no doses given": the kit's medicines share what is said of the kit.
    unused = next((m.timing for m in reversed(mentions) if m.timing.use is Use.NEVER and _UNUSED_CUES & set(m.timing.cue.split())), None)
    mentions = _denied_in_the_next_clause(mentions, tokens)
    mentions = _classes_named(mentions, text)
    mentions = _stops_dated_later(mentions)
    kit_at = next((t.start for t in tokens if t.text in _CONTAINERS), None) if unused is not None else None
    if unused is not None and kit_at is not None:
        # Only what is named after the kit is in it: "Percocet; also an unopened bottle of Norco" keeps the Percocet.
        mentions = [
            replace(m, timing=unused) if m.timing == CURRENT and m.start > kit_at and not re.match(r"[\s(]*\d", text[m.end :]) else m
            for m in mentions
        ]
    return Reading(tuple(mentions), tuple(unknown_spans), bool(all_words & TOPICAL_WORDS))


_USE_WORDS_BEFORE = _word_set("take takes taking use uses using instead")


_IT_IS = re.compile(r"\b(?:it['\u2019]?s|it is|it was|they are|they were|turned out to be|bottle says|label says)\s*$", re.IGNORECASE)


def _stops_dated_later(mentions: list[Mention]) -> list[Mention]:
    """ "from OxyContin to nothing: stopped the Oxy 8/31": an undated stop takes the date of a later,
    dated stop of the same opioid."""
    result = list(mentions)
    for index, mention in enumerate(result):
        # "I switched from oxy to tramadol in the spring and then stopped the tramadol on Veterans Day":
        # the switch to it began a use that the later, dated stop ended.
        switched_to = mention.timing.use is Use.CURRENT and mention.timing.cue == "switched to"
        undated_stop = mention.timing.use is Use.ENDED and mention.timing.last_dose is None
        # "norco 10. Last dose of the norco was 3 weeks ago.": a bare name, then its dated end.
        bare = mention.timing == CURRENT
        if not (switched_to or undated_stop or bare) or not mention.term.opioids:
            continue
        later = next(
            (
                m for m in result[index + 1 :]
                if m.timing.use is Use.ENDED and m.timing.last_dose is not None and set(m.term.opioids) == set(mention.term.opioids)
            ),
            None,
        )
        # After a bare name only a stop or a last dose of the same product ends it: "norco 10. First got norco after
        # my 2019 surgery." and "Belbuca 300mcg bid, Butrans discontinued 09/22" stay current.
        if later is not None and not (bare and (later.term != mention.term or not set(later.timing.cue.split()) & _A_STOP_SAID)):
            result[index] = replace(mention, timing=later.timing)
    return result


_A_STOP_SAID = _word_set("last stopped quit ended finished discontinued off tapered weaned")


def _classes_named(mentions: list[Mention], text: str) -> list[Mention]:
    """A class of medicines read with what the entry says of the medicines it names:
    - "went from opioids to gabapentin; last oxycodone was in July": the class ended with the
      named opioid's last dose, when every named opioid's use is over and dated;
    - "the pain pill from my dentist … checked the bottle, it's ibuprofen 600": the unnamed pain
      medicine is the everyday one named after "it's".
    """
    def is_class(m: Mention) -> bool:
        return m.term.kind == "generic_opioid" or _is_unnamed_pain_medicine(m.term)

    if not any(is_class(m) for m in mentions):
        return mentions
    named = [m for m in mentions if m.term.is_opioid and not is_class(m)]
    ends = [m.timing for m in named if m.timing.use is Use.ENDED and m.timing.last_dose is not None]
    latest = max(ends, key=lambda t: t.last_dose) if ends and len(ends) == len(named) else None  # type: ignore[arg-type, return-value]
    identified = any(not m.term.is_opioid and _IT_IS.search(text[: m.start]) for m in mentions)
    result = []
    for m in mentions:
        if is_class(m) and latest is not None and m.timing.use is Use.ENDED and m.timing.last_dose is None:
            m = replace(m, timing=latest)
        elif is_class(m) and _is_unnamed_pain_medicine(m.term) and identified and m.timing == CURRENT:
            m = replace(m, timing=Timing(Use.NEVER, cue="named"))
        result.append(m)
    return result


def _denied_in_the_next_clause(mentions: list[Mention], tokens: list[Token]) -> list[Mention]:
    """ "dentist sent Norco 5 to walgreens on the 20th but i never picked it up bc ibuprofen was
    enough": a clause after a medicine, before the next one, that says "it" was never collected or
    taken is said of that medicine."""
    result = []
    for index, mention in enumerate(mentions):
        if mention.timing == CURRENT:
            end = mentions[index + 1].start if index + 1 < len(mentions) else None
            between = [t for t in tokens if t.start >= mention.end and (end is None or t.start < end)]
            if end is not None:
                # "Ultram 50 when I overdo it, never used heroin": the next medicine's own clause is its own
                last_break = max((i for i, t in enumerate(between) if t.is_separator), default=len(between))
                between = between[:last_break]
            words = [t.text for t in between if not t.is_separator]
            opener = next((i for i, w in enumerate(words) if w in {"but", "and"}), None)
            if opener is None:
                # "Neurologist wrote tramadol 50 on 11/13/26; I decided not to fill it."
                opener = next((i - 1 for i, w in enumerate(words) if i and w == "i"), None)
            if opener is not None:
                rest = words[opener + 1 :]
                cue = never_had_it(rest)
                if cue and {"it", "them"} & set(rest):
                    mention = replace(mention, timing=Timing(Use.NEVER, cue=cue))
        result.append(mention)
    return result


def _said_taking_before(text: str, mention: Mention) -> bool:
    """ "Allergic to codeine (itching) so I take oxycodone instead": this one the patient takes."""
    return bool(_USE_WORDS_BEFORE & {t.text for t in tokenize(text[: mention.start])})
_MEDICINES_TAKEN = _word_set("meds medications medicines medication taking takes take rx prescriptions current currently")


_ALLERGY_HEADINGS = _word_set("allergy allergies allergic nkda intolerances")


def _opens_with_allergies(text: str, group: list[_Clause]) -> bool:
    """Whether the group opens its drugs with a heading of allergies ("Allergies:", "ALLERGY -",
    "ALLERGIES per VA chart:", "Current meds: ALLERGIES: …")."""
    words = [t for clause in group for t in clause.words]
    drug = next((clause.words[slot.start_word] for clause in group for slot in clause.slots if slot.term is not None), None)
    for index, word in enumerate(words[:6]):
        if drug is not None and word.start >= drug.start:
            return False
        if word.text in _ALLERGY_HEADINGS:
            heading = text[word.end : word.end + 3].lstrip()[:1] in {":", "-"} or (drug is not None and ":" in text[word.end : drug.start])
            taken_after = _MEDICINES_TAKEN & {w.text for w in words[index + 1 :] if drug is None or w.start < drug.start}
            return heading and not taken_after
    return False


def _first_drug_word(group: list[_Clause]) -> int:
    position = 0
    for clause in group:
        for slot in clause.slots:
            if slot.term is not None:
                return position + slot.start_word
        position += len(clause.words)
    return position


def _as_allergy(mention: Mention) -> Mention:
    if mention.timing.use is Use.CURRENT and not mention.timing.cue:
        return replace(mention, timing=Timing(Use.ALLERGY, cue="listed under allergies"))
    return mention


def _split_glued(tokens: list[Token], kb: KnowledgeBase) -> list[Token]:
    """ "percocet10", "oxycodone5mg", "tramadol50": a name glued to its strength is two words."""
    result = []
    for token in tokens:
        match = _GLUED.match(token.text)
        if match and (token.text,) not in kb.phrases:
            cut = token.start + len(match.group(1))
            result.append(Token(match.group(1), token.start, cut))
            result.append(Token(match.group(2), cut, token.end))
        else:
            result.append(token)
    return result


_GLUED = re.compile(r"^([a-z]{4,})(\d[a-z0-9.]*)$")


# A sentence's end: "." or "!" after a letter or a digit ("vitamin D. Dad, not the patient, …"),
# before a capital letter or the end; not "?" ("Pain pills? Only gabapentin" answers itself).
# "Dr. Smith" and "No. 3" stay whole, and so does "5 mg. take" without a capital: the break is read
# only where a new sentence clearly starts, or a lower-case "i" opens one ("none since. i take …").
_SENTENCE_END = re.compile(
    r"(?<=[^\s.!?])[.!?]+(?=\s+[\"'(]?[A-Z\u00c0-\u00de\u0400-\u042f]|\s*$)"  # "… vitamin D. Dad, not the patient, …"
    r"|(?<=[^\s.!]{2})[.!]+(?=\s+[\"']?[a-z0-9])"  # "oxycodon. cortisone shot …", "… in 2019. 292s", not "H. pylori"
    r"|(?<=[^\s.!])[.!]+(?=\s*[\u2022\u00b7\u25aa\u25e6\u2023])"  # "Knee surgery in 2019. • Percocet 10/325 • Xanax"
)
# An entry typed all in lower case has no capitals to tell: any word after ". " opens a sentence,
# though not a bracket ("for bruce r. (husband)" keeps the initial with its name).
_SENTENCE_END_UNCASED = re.compile(r"(?<=[a-z0-9])[.!?]+(?=\s+[\"']?[a-z]|\s*$|\s*[\u2022\u00b7\u25aa\u25e6\u2023])")
# "oxycontin years ago - nothing now": a dash with a space each side parts two clauses as a comma does
# when two words or more follow it; "Norco - wife", "Norco - no" label the name.
_SPACED_DASH = re.compile(r"\s[-\u2013\u2014]+\s+(?=[^\s,;.\-\u2013\u2014]+[ \t]+[^\s,;.\-\u2013\u2014])")
# "OXYCODONE 10 MG TAB. Allergies: penicillin": a heading opens a clause of its own, whatever ends before it.
_A_HEADING = re.compile(
    r"(?<![A-Za-z])(?=(?:allerg(?:y|ies)|meds|medications|medicines|supplements|vitamins|conditions|dx|diagnos[ie]s|pmh|"
    r"hx|history|notes?|pregnan(?:t|cy)|breastfeeding)\s*:)",
    re.IGNORECASE,
)
_FORMS_BEFORE_A_SENTENCE = frozenset({"tab", "tabs"})
# "clean since march 2026 🙏 on the vivitrol shot now": an emoji between words ends a thought as a full
# stop does (the tokens drop it, which would join the date to the next clause's "now").
# A field typed over several lines ("Norco 5/325\nvitamin D 2000 IU"): each line is a thought of its own.
_A_LINE_BREAK = re.compile(r"[\r\n]+(?=\s*\S)")
_AN_EMOJI = re.compile(r"[\u2600-\u27bf\U0001f000-\U0001faff]+(?=[\s\ufe0f]*[A-Za-z0-9])")
_HEADING_OWNER = re.compile(r"\b(?:my|our|her|his|their|current|other|home|daily|otc|no|known|drug)\s*$", re.IGNORECASE)
_NOT_A_SENTENCE_END = frozenset({"dr", "mr", "mrs", "ms", "st", "no", "vs", "approx", "tab", "tabs", "qty", "disp"})


def _with_sentence_ends(tokens: list[Token], text: str) -> list[Token]:
    """ "Dad's old Vicodin is in the cabinet. I take Aleve": a new sentence opens a new clause, as a
    comma or a semicolon does (a "," token is put where the sentence ends)."""
    pattern = _SENTENCE_END_UNCASED if text == text.lower() else _SENTENCE_END
    headings = (
        {m.start() - 1 for m in _A_HEADING.finditer(text) if m.start() > 0 and not _HEADING_OWNER.search(text[: m.start()])}
        if ":" in text
        else set()
    )
    dashes = [m.start() + 1 for m in _SPACED_DASH.finditer(text)] if ("-" in text or "\u2013" in text or "\u2014" in text) else []
    emojis = [m.start() for m in _AN_EMOJI.finditer(text)] if not text.isascii() else []
    lines = [m.start() for m in _A_LINE_BREAK.finditer(text)] if "\n" in text or "\r" in text else []
    # A question of a word or two asks what the rest answers ("Pain pills? Only gabapentin"): no end there.
    # "Meds as of today: Pain pills? Only gabapentin": the question opens after a label's colon too.
    asked = [m.start() for m in pattern.finditer(text) if text[m.start()] != "?" or len(re.split(r"[.!?:,\n]", text[: m.start()])[-1].split()) > 2]
    ends = sorted(asked + dashes + list(headings) + emojis + lines)
    if not ends:
        return tokens
    result: list[Token] = []
    pending = iter(ends)
    end = next(pending, None)
    for token in tokens:
        while end is not None and token.start > end:
            after_a_form = (  # "10 MG TAB. Diagnosed …", "… 2mg tabs. I quit smoking …", "… tabs. Had covid …"
                result
                and result[-1].text in _FORMS_BEFORE_A_SENTENCE
                and (not _is_noise(token.text) or token.text == "i" or text[token.start : token.start + 1].isupper())
            )
            # "I said no. Quit vaping last month.": a "no" after "said" ends its sentence ("No. 3" does not).
            said_no = result and result[-1].text == "no" and len(result) > 1 and result[-2].text in {"said", "say", "says"}
            if result and not result[-1].is_separator and (result[-1].text not in _NOT_A_SENTENCE_END or end in headings or after_a_form or said_no):
                result.append(Token(",", end, end + 1))
            end = next(pending, None)
        result.append(token)
    return result


def _care_taken(tokens: list[Token]) -> list[Token]:
    """ "My husband takes care of my meds": to take care of something is to handle it, not to take a medicine."""
    result: list[Token] = []
    skip = 0
    for index, token in enumerate(tokens):
        if skip:
            skip -= 1
            continue
        following = [t.text for t in tokens[index + 1 : index + 3]]
        if token.text in {"take", "takes", "taking", "took", "taken"} and following[:1] == ["care"]:
            result.append(Token("handles", token.start, tokens[index + 1].end))
            skip = 2 if following[1:] == ["of"] else 1
        else:
            result.append(token)
    return result


def _possessives_unmarked(tokens: list[Token]) -> list[Token]:
    """ "my mothers oxycodone", "my dads fentanyl patches": a possessive typed without its apostrophe
    reads as "mother's"."""
    if not any(token.text in _OWNERS for token in tokens):
        return tokens
    result: list[Token] = []
    for token in tokens:
        person = token.text[:-1]
        if token.text.endswith("s") and person in OTHER_PEOPLE_AND_PETS and result and result[-1].text in _OWNERS:
            result.append(Token(person, token.start, token.end - 1))
            result.append(Token("s", token.end - 1, token.end))
        else:
            result.append(token)
    return result


_OWNERS = _word_set("my our his her their your")
# A closing courtesy, and the words that may follow one ("thank you so much for your help").
_COURTESIES = _word_set("thanks thank thx ty tia lol please pls plz cheers")
_SIGN_OFF = _COURTESIES | _word_set("u you much so very for your help time everything")


_CLOSINGS = {
    tuple(phrase.split())
    for phrase in (
        "that s all", "thats all", "that is all", "that s it", "thats it", "that is it", "that s everything", "thats everything",
        "that s about it", "thats about it", "that is about it", "nothing else", "nothing more", "end of list",
        "nothing else daily", "nothing else regularly", "nothing else right now", "nothing else currently",
    )
}


def _without_closing(tokens: list[Token]) -> list[Token]:
    """ "codeine makes me vomit so I avoid it. That's all.": a closing sentence says nothing of the medicine."""
    words = [(i, t.text) for i, t in enumerate(tokens) if not t.is_separator]
    for size in (2, 3, 4):
        if len(words) > size and tuple(w for _, w in words[-size:]) in _CLOSINGS:
            first = words[-size][0]
            if first and tokens[first - 1].is_separator:
                return tokens[:first]
    # "Hope that helps!", "Ask me if you need more info.": an offer to say more, after the last break
    last_break = max((i for i, t in enumerate(tokens) if t.is_separator), default=-1)
    if last_break > 0 and _AN_OFFER_TO_SAY_MORE.match(" ".join(t.text for t in tokens[last_break + 1 :] if not t.is_separator)):
        return tokens[:last_break]
    return tokens


_AN_OFFER_TO_SAY_MORE = re.compile(
    r"(hope (that|this) helps|(ask|call|text|message) me if you (need|have|want) (any |anything |more |other )*"
    r"(info|information|questions|details)?( else)?|let me know if you (need|have|want) (anything|any|more)( \w+)?( else)?"
    r"|feel free to (call|ask|reach out|contact me)( \w+)*|happy to (answer|explain)( \w+)*)$"
)


def _without_sign_off(tokens: list[Token]) -> list[Token]:
    """ "…, I avoid it thanks!", "Refills: 0 thanks": a closing courtesy is not part of what the entry
    says (a refusal, "I said no thanks", keeps its words)."""
    last = next((t.text for t in reversed(tokens) if not t.is_separator), "")
    if last not in _SIGN_OFF:
        return tokens
    end = len(tokens)
    while end and (tokens[end - 1].is_separator or tokens[end - 1].text in _SIGN_OFF):
        end -= 1
    closing = [t.text for t in tokens[end:] if not t.is_separator]
    if not closing or not (_COURTESIES & set(closing)):
        return tokens
    if end and tokens[end - 1].text in {"no", "said", "but"}:
        return tokens
    return tokens[:end] if end else tokens


def _clauses(tokens: list[Token]) -> list[list[Token]]:
    clauses: list[list[Token]] = [[]]
    for index, token in enumerate(tokens):
        if token.text in CLAUSE_SEPARATORS:
            clauses.append([])
            continue
        following = tokens[index + 1].text if index + 1 < len(tokens) else ""
        if token.text == "and" and following in _AND_THEN_NONE and clauses[-1]:
            # "oxycontin years ago and nothing now", "… and he is on Tylenol now": "and" before a denial
            # or a new subject reads as a comma.
            clauses.append([])
            continue
        if token.text in _CLAUSE_OPENERS and clauses[-1] and clauses[-1][-1].text not in _DENIAL_WORDS | _ABSENCE_WORDS:
            # not "nothing now", which is one clause of absence
            clauses.append([])
        clauses[-1].append(token)
    return [c for c in clauses if c]


@dataclass(slots=True)
class _Clause:
    tokens: list[Token]  # separators included, for where a list splits ("metformin / zzz")
    words: list[Token]
    slots: list[_Slot]


def _clause(tokens: list[Token], kb: KnowledgeBase, entry_words: frozenset[str]) -> _Clause:
    words = [t for t in tokens if not t.is_separator]
    return _Clause(tokens, words, _find_terms([t.text for t in words], kb, entry_words))


_DATE_WORDS = _word_set(
    """
ago since yesterday last january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec spring summer fall autumn winter christmas thanksgiving easter
halloween years yrs months weeks
"""
)


def _dates_without_denying(words: list[str]) -> bool:
    """An opening that dates or places what follows ("surgery in early October", "I'm a hospice nurse")."""
    dated = bool(_DATE_WORDS & set(words)) or any(_is_year_like(w) for w in words)
    return (dated or bool(_JOB_WORDS & set(words))) and not (_DENIAL_WORDS | _ABSENCE_WORDS) & set(words)


_JOB_WORDS = _word_set("nurse rn lpn cna pharmacist technician tech counselor medic paramedic emt vet veterinarian")


# In a clause after the drug's, these keep "now" about the drug: "now on 20 mg", "still using it",
# "now I need it every day", "currently back on them", "now I relapsed".
_NOW_OF_THE_DRUG = _word_set(
    """
take takes taking took use uses using used on it them one ones some again relapse relapsed relapsing back need
needs needed daily nightly prn dose doses dosing pill pills tab tabs tablet tablets getting buying trying
tapering weaning cutting down up withdrawal withdrawals sick craving cravings dope sub subs
"""
)
_BARE_CLAUSE_WORDS = _word_set("i im me my is am are a an the and just only but so")


def _now_of_something_else(words: list[str]) -> bool:
    """ "I tapered off and took the last tablet on September 4, 2026. Now I do yoga.": a clause after
    the drug's whose "now" speaks of something else lends no "now" to the drug. Withdrawal or
    craving keeps it (an ended use is then read by its date)."""
    if not _NOW_WORDS & set(words) or _NOW_OF_THE_DRUG & set(words) or any(w[0].isdigit() for w in words):
        return False
    return any(w not in _NOW_WORDS and w not in _BARE_CLAUSE_WORDS for w in words)


_OFFER_WORDS = _word_set("offered offer recommended suggested proposed prescribed wrote")
_REFUSAL_WORDS = _word_set("declined refused")


def _opening_of_the_one_before(clause: _Clause, groups: list[list[_Clause]]) -> int:
    """Where the words that open a clause but speak of the medicine before end (0 when none):
    - a refusal, when the clause before offered a medicine: "the clinic offered Norco, I said no
      thanks and took ibuprofen";
    - "never had it": "tramadol (listed for my seizures, never had it). current: meloxicam";
    - a last dose with its date: "tramadol for 6 wks, last pill oct 25. since then: ibuprofen";
    - "then": "hydromorphone Nov 3, then oxycodone" (the first was over when the next began).
    """
    first_drug = next((slot.start_word for slot in clause.slots if slot.term is not None), None)
    if first_drug is None:
        return 0
    words = [t.text for t in clause.words[:first_drug]]
    end = 0
    # "but pt never filled it", "and I never took it": who said it, then the denial.
    lead = next((i for i, w in enumerate(words) if w not in _OPENING_SUBJECTS), len(words))
    if words[:1] == ["then"]:
        end = 1
    elif (
        words[lead : lead + 1] == ["never"]
        and len(words) >= lead + 3
        and words[lead + 1] in _NEVER_HAD
        and words[lead + 2] in _IT
        # "Never taken any opiates.", "never had any other pain pills": said of what follows
        and not (words[lead + 2] == "any" and set(words[lead + 3 :]) <= _word_set("other more kind kinds of type types sort the"))
    ):
        end = lead + 3 + (words[lead + 3 : lead + 4] == ["up"])  # "never picked it up"
    elif words[:1] == ["last"] and len(words) > 2 and words[1] in _DOSE_WORDS:
        end = next((i for i, w in enumerate(words) if i > 1 and w in _AFTER_A_LAST_DOSE), len(words))
        if not any(_is_a_date_word(w) for w in words[2:end]):
            end = 0
    elif (
        len(words) > lead + 3
        and words[-1] in _LIST_JOINERS
        and (take := next((i for i in range(lead, len(words) - 2) if words[i] in _TAKE_WORDS), None)) is not None
        and words[take + 1] in _IT
        and any(slot.term is not None for c in groups[-1] for slot in c.slots)
    ):
        # "they gave me oxycodone and i still take one at night plus tylenol": "one" is the medicine before.
        end = len(words) - 1
    elif _OFFER_WORDS & {t.text for c in groups[-1] for t in c.words}:
        for index, word in enumerate(words[:4]):
            if word in _REFUSAL_WORDS:
                end = index + 1
            elif word == "said" and words[index + 1 : index + 2] == ["no"]:
                end = index + 2 + (words[index + 2 : index + 3] in (["thanks"], ["thank"]))
    if not end:
        return 0
    last = clause.words[end - 1]
    return next(i for i, token in enumerate(clause.tokens) if token is last) + 1


_NEVER_HAD = _word_set("had took taken used tried filled picked collected")
_OPENING_SUBJECTS = _word_set("but and so pt patient she he i they we")
_IT = _word_set("it them any one")
_TAKE_WORDS = _word_set("take takes taking use uses using need needs")
_DOSE_WORDS = _word_set("dose pill pills tab tablet patch shot injection one")
_AFTER_A_LAST_DOSE = _word_set("since then now and but so i im currently today only")
_MONTH_AND_DAY_WORDS = _word_set(
    "jan january feb february mar march apr april may jun june jul july aug august sep sept september oct october "
    "nov november dec december yesterday monday tuesday wednesday thursday friday saturday sunday week month ago"
)


def _is_a_date_word(word: str) -> bool:
    return word[:1].isdigit() or word in _MONTH_AND_DAY_WORDS


_EVENT_WORDS = _word_set(
    """
recovery surgery surgeries operation op procedure accident crash fall fell injury injured extraction extracted tooth teeth
wisdom section csection delivery birth born er hospital hospitalized admission admitted discharge discharged
visit fracture broke broken repair replacement scope
excision cabg bypass stent stents cath catheterization angioplasty pacemaker ablation fusion laminectomy hysterectomy
mastectomy lumpectomy appendectomy tonsillectomy cholecystectomy arthroscopy mohs graft transplant amputation implant
rhino rhinoplasty septoplasty lipo liposuction bbl abdominoplasty facelift blepharoplasty augmentation hysto myomectomy
lithotripsy vasectomy laparoscopy colonoscopy endoscopy biopsy retrieval
"""
)
_COURSE_OPENERS = _word_set("took taken take got given had needed used was were prescribed former ex")


def _names_a_drug(clause: _Clause) -> bool:
    return any(slot.term is not None for slot in clause.slots)


@lru_cache(maxsize=8192)
def _misspelt_opioid(word: str) -> Term | None:
    """The opioid a word of five letters or more surely misspells, or None."""
    if len(word) < 5 or not word.isalpha() or _is_noise(word) or _is_plain_word(word):
        return None
    if word in OTHER_PEOPLE_AND_PETS or word in PHARMACIES_AND_PLANS or word in _PILL_LOOKS:
        return None  # "Optum Rx" is never a misspelt opium
    corrected = _correct_spelling(word, knowledge_base())
    return corrected[0] if corrected is not None and corrected[0].is_opioid and not corrected[1] else None


def _an_event_then_a_course(previous: _Clause, words: list[str]) -> bool:
    """ "…, surgery 6 wks ago, took oxycodone for 5 days": a dated event in a clause of its own, then a
    course opened by a verb of taking with no date of its own."""
    before = [t.text for t in previous.words]
    return (
        not _names_a_drug(previous)
        and bool((_EVENT_WORDS | _word_set("detox rehab")) & set(before))
        and _dates_without_denying(before)
        and not _USE_WORDS_ENDING & set(before)
        and (_opens_a_course(words) or (_at_the_event(words) and _tells_a_course(words)))  # "one dose of fentanyl there"
        and not any(
            (w in _DATE_WORDS or w in _MONTH_AND_DAY_WORDS or "/" in w or _is_year_like(w)) and not _A_LENGTH & set(words[max(0, i - 3) : i])
            for i, w in enumerate(words)
        )  # a date of its own; not the course's length ("for a week")
    )


_A_COURSE_AFTER = re.compile(
    r"\b((for|x) (a|an|one|two|three|four|five|six|seven|ten|\d+) (days?|weeks?|wks?)( or so)? (after|afterwards?|post)"
    r"|the first (few|couple|two|three|four|five|\d+) (days|weeks|wks))\b"
)


def _opens_a_course(words: list[str]) -> bool:
    """ "took oxycodone for 5 days", "they gave fentanyl in the OR": a verb of taking opens the clause;
    "oxycodone for a week after", "Norco only the first 3 days": a short course after the event."""
    if _A_COURSE_AFTER.search(" ".join(words)):
        return True
    if words[:1] in (["they"], ["he"], ["she"], ["surgeon"], ["doctor"], ["dr"]):
        return words[1:2] != [] and words[1] in _COURSE_OPENERS | {"gave"}
    return words[:1] != [] and words[0] in _COURSE_OPENERS


def _is_year_like(word: str) -> bool:
    return len(word) == 4 and word.isdigit() and word[:2] in {"19", "20"}


_USE_WORDS_ENDING = _word_set("stopped stop quit off finished ended discontinued since until last took taking still now")


_ANOTHER_TOPIC = _word_set(
    """
diagnosed diagnosis dx surgery surgeries operation operations born married pregnant pregnancy smoker alcohol
hospitalized ldn naltrexone interested hoping retired retire divorced graduated widowed engaged pregnant
smoking smoked cigarettes cigarette cigs tobacco vaping vape vaped nicotine drinking booze beer wine caffeine
coffee soda gluten dairy job insurance copay copays deductible cash uninsured
"""
)
_OF_THE_MEDICINE = _word_set(
    """
it them those these one ones that this dose doses pill pills tab tabs tablet tablets patch patches shot shots script
prescription prescribed rx refill refills med meds medicine medicines medication medications mg
using use used drugs everything all restarted restarting resumed resuming
"""
)


# Other substances a patient owns up to or denies beside the list: "I smoke weed sometimes", "I drink
# socially", "Never used street drugs.", "No drugs or alcohol." They speak of those, not of the
# medicine before them. (Rewrites adding "Never used street drugs." after tuned rows had cleared
# 2,566 contraindications; "I smoke weed sometimes." had raised 162 false alarms.)
_OTHER_SUBSTANCES = _word_set("weed marijuana cannabis thc pot edibles alcohol beer beers wine booze liquor socially drinker")
_OTHER_DRUGS = _word_set("street illegal illicit recreational hard party iv other")


def _something_else_denied(words: list[str]) -> bool:
    """ "Allergic to sulfa.", "I do not take any supplements.", "Not on any blood thinners.", "No side
    effects.", "Bad reaction to anesthesia once.": a denial, an allergy or a reaction whose object is
    another thing, not the medicine before it.
    (Rewrites adding "Allergic to sulfa." after tuned rows had cleared 2,084 contraindications, "I do
    not take any supplements." 1,314.)"""
    if {"reaction", "reactions"} & set(words) and _DENIAL_WORDS & set(words[:3]) and not _POINTING_BACK & set(words):
        return True  # "Never had a reaction to anything.", "No reactions to any meds."
    if "else" in words and set(words) & (_DENIAL_WORDS | _word_set("nothing none")) and set(words) <= ELSE_DENIED | _DENIAL_WORDS:
        return True  # "Not taking anything else.", "Nothing else right now.": the rest of the list, not the medicine before
    # "this year" is a time, not a word that points back at the medicine.
    said = {w for i, w in enumerate(words) if not (w == "this" and words[i + 1 : i + 2] in (["year"], ["month"], ["week"]))}
    if said & (_OF_THE_MEDICINE | _POINTING_BACK | _PATIENT_WORDS | OTHER_PEOPLE_AND_PETS):
        return False  # "never filled the script", "not taking it", "Dad, not the patient, …"
    if words[:2] in (["no", "side"], ["no", "problems"], ["no", "issues"]):
        return True
    if set(words) & _DENIAL_WORDS and set(words) <= _DENIAL_WORDS | _A_HABIT_DENIED:
        return True  # "Don't drink or smoke."
    opener = next((i for i, w in enumerate(words[:3]) if w in _DENIAL_WORDS or w in _ALLERGY_WORDS or w in {"reaction", "reactions"}), None)
    if opener is None or set(words) & _COURTESIES:
        return False  # "I said no thanks"
    # Only the frame of a denial around the thing: not "I not start yet", "not filled yet", "allergy (tongue swelling)".
    framed = all(w in _A_DENIALS_FRAME or w.isdigit() or _a_thing_or_event(w) for w in words)
    return framed and any(_a_thing_or_event(w) for w in words[opener + 1 :])


_A_HABIT_DENIED = _word_set("i do don drink drinks smoke smokes vape vapes alcohol cigarettes tobacco or and nor either")
_A_DENIALS_FRAME = _DENIAL_WORDS | _ALLERGY_WORDS | _word_set(
    "i im am pt do does take takes taking use uses using on any to of have has had known recent recently other in the a an "
    "my last this past month months week weeks year years and or reaction reactions bad severe mild once twice been ever"
)


def _a_condition_of_its_own(words: list[str]) -> bool:
    """ "Menopause since 2020.", "Pain started after a car accident in 2018.", "Lost 20 lbs this year.":
    a thing's own beginning or change, with no word of a medicine. (Rewrites adding these after tuned
    rows had raised 38, 315 and 293 false alarms.)"""
    if words[:1] in (["lost"], ["gained"]):
        return not set(words) & (_OF_THE_MEDICINE - _word_set("this that all") | _IT)  # not "lost them", "lost my pills"
    if not words or set(words) & (_OF_THE_MEDICINE | _IT | _PRONOUNS_OF_IT | _ABSENCE_WORDS | _DENIAL_WORDS):
        return False
    # "Menopause since 2020.", "Bad back since my 20s.": a thing, perhaps with its own words, then when it began.
    begins = next((i for i, w in enumerate(words[:4]) if w in {"since", "started", "began", "begun", "starting"}), None)
    return (
        begins is not None
        and begins > 0
        and all(_a_thing(w) or w in _A_TROUBLES_WORDS for w in words[:begins])
        and any(_a_thing(w) or w in _BODY_PARTS for w in words[:begins])
    )


# Words that may stand with a body part or an illness before "since": "Bad back since my 20s".
_A_TROUBLES_WORDS = _word_set("bad chronic severe lower upper my back neck knee hip shoulder")


def _a_thing_in_use(words: list[str]) -> bool:
    """ "Using a heating pad too.", "I use a TENS unit", "wearing a brace": a use whose object is a thing
    with no dose. (Rewrites adding "Using a heating pad too." after tuned rows had raised 356 false alarms.)"""
    for index, word in enumerate(words):
        # "Used a walker for a month after my fall." opens with its past use ("I declined and used ice" answers an offer).
        if word in {"use", "uses", "using", "wearing", "wear", "wears"} or (word in {"used", "wore"} and index <= 1):
            rest = words[index + 1 :]
            while rest and rest[0] in {"a", "an", "the", "my"}:
                rest = rest[1:]
            said = set(words)
            return bool(rest) and (_a_thing(rest[0]) or rest[0] in _DEVICES) and not said & (_IT | _PRONOUNS_OF_IT) and not any(w[:1].isdigit() for w in words)
    return False


_SYMPTOMS = _REACTION_WORDS | _word_set("itchy itch itching swelling swollen hives rash rashes")


def _a_symptom_of_its_own(words: list[str]) -> bool:
    """ "Itchy eyes in summer.", "Rash on my arm last week.", "Hives from strawberries as a kid.": a symptom
    with a place or a cause of its own, as a sentence of its own, is not a reaction to the medicine
    before it ("Rash.", "Gave me hives", "hives from it" still are). (Rewrites adding these after tuned rows
    had cleared 2,078 to 2,361 contraindications each.)"""
    said = set(words)
    if not said & _SYMPTOMS or said & (_POINTING_BACK | _OF_THE_MEDICINE | _ALLERGY_WORDS):
        return False
    return any(_a_thing(w) for w in words if w not in _SYMPTOMS)


def _opens_a_sentence(clause: _Clause, text: str) -> bool:
    """The clause starts the text, or follows a full stop, a question, a semicolon or a line break."""
    return bool(clause.words) and text[: clause.words[0].start].rstrip(" \t")[-1:] in {"", ".", "!", "?", ";", "\n", "\r"}


_STOPPED_IT = _word_set("stopped quit discontinued weaned tapered")
_PARTS_OF_A_TIME = _word_set("week weekend month year morning afternoon evening night time")


def _of_another_topic(words: list[str], *, sentence: bool = True) -> bool:
    """A clause that names no drug and speaks of something other than a medicine. A denial or an allergy
    of another thing only as a sentence of its own (`sentence`): "Allergic to sulfa."; after a comma
    it may still be the medicine's answer."""
    said = set(words)
    if (sentence and (_something_else_denied(words) or _a_symptom_of_its_own(words))) or _a_thing_in_use(words) or _a_condition_of_its_own(words):
        return True
    if words[:1] in (["pharmacy"], ["insurance"]) and said & PHARMACIES_AND_PLANS:
        return True  # "Pharmacy: CVS on 5th.": where it is filled, and the street it is on
    if said & _word_set("matters matter relevant important counts helpful") and said & _word_set("sure know if whether"):
        return True  # "Not sure if this matters.": a hedge about the list, not a denial
    if said & _word_set("sure know remember recall") and said & _word_set("dates doses strengths amounts exact spelling names") and sentence:
        return True  # "I'm not sure about dates.", "I don't know the doses.": a hedge about the whole list
    if said & _word_set("caregiver caretaker carer") and said & _word_set("i im am") and sentence and not said & _OF_THE_MEDICINE:
        return True  # "I'm a caregiver for my mom.": who the writer looks after, not whose the medicine before is
    if {"everything", "all"} & said and "off" in said and said & _word_set("want wants wanted plan plans hope hoping goal eventually someday"):
        return True  # "My doctor wants me off everything eventually.": a hope for the whole list
    all_the_time = any(words[i : i + 3] in (["all", "the", "time"], ["all", "day", "long"]) for i in range(len(words)))
    if said & {"take", "takes", "taking"} and ("everything" in said or _word_set("all") & said and said & _word_set("my of meds pills them")) and not all_the_time:
        return True  # "I take everything in the morning", "take all my meds with food", "I take them all with breakfast": the list's schedule
    if said & _OTHER_SUBSTANCES and not said & _IT:
        return True
    if any(w in {"drug", "drugs"} and i and words[i - 1] in _OTHER_DRUGS for i, w in enumerate(words)) and not said & _IT:
        return True
    # "I had a hysterectomy in 2015.": an operation of its own, named by its ending as "surgery" would be.
    operation = any(w.endswith(_OPERATION_ENDINGS) for w in words) or bool(_OPERATIONS & said)
    # "Fell off a ladder in 2020.": an injury ("fell off the wagon" is a relapse)
    operation = operation or (bool(_word_set("fell slipped tripped") & said) and "wagon" not in said)
    # "… MS Contin but stopped in July after the fusion healed": a stop in the same sentence is the medicine's.
    stopped = not sentence and bool(_STOPPED_IT & said)
    # "got shot in the hand this summer": a gunshot wound, not an injection of the medicine
    wounded = any(w in {"shot", "stabbed"} and i and words[i - 1] in {"got", "was", "been", "get", "gets"} for i, w in enumerate(words))
    dated = {w for i, w in enumerate(words) if w in {"this", "that"} and words[i + 1 : i + 2] != [] and words[i + 1] in _DATE_WORDS | _PARTS_OF_A_TIME}
    # "this summer", "that week": a time, not the medicine pointed back at
    of_the_medicine = _OF_THE_MEDICINE & said - ({"shot"} if wounded else set()) - dated
    return bool(_ANOTHER_TOPIC & said or operation or wounded) and not of_the_medicine and not stopped


_OPERATION_ENDINGS = ("ectomy", "ectomies", "otomy", "ostomy", "oscopy", "plasty", "pexy")
_OPERATIONS = _word_set(
    "section csection cabg bypass stent stents cath catheterization angioplasty pacemaker ablation fusion graft transplant "
    "amputation lipo liposuction bbl facelift lithotripsy excision replacement fall accident crash wreck fracture"
)


# Words that glue a remark together and say nothing of a medicine's use.
_GLUE = _word_set("i im me my is am are was a an the and but so at by of to in very too also")


@cache
def _words_weighed() -> frozenset[str]:
    """Every word the reader of use and dates looks at, and the clause words of this module's own rules."""
    return (words_weighed() | (
        _USE_WORDS | _DOSING_WORDS | _ABSENCE_WORDS | _NOW_WORDS | _USE_CONTEXT | _DATE_WORDS | _MONTH_AND_DAY_WORDS
        | _DENIAL_WORDS | _EVENT_WORDS | _COURSE_OPENERS | _NOW_OF_THE_DRUG | _OF_THE_MEDICINE | _ALLERGY_WORDS
        | _REACTION_WORDS | _SWITCH_WORDS | _JOB_WORDS | _OFFER_WORDS | _REFUSAL_WORDS | _NEVER_HAD | _IT | _DOSE_WORDS
        | _CONTAINERS | _UNUSED_CUES | _DOSE_UNITS | _FORM_NAMES | _HOW_OFTEN | _WHEN_WORDS | _TREATMENT_WORDS
        | _ANOTHER_TOPIC | OTHER_PEOPLE_AND_PETS | _OWNERS
    )) - _GLUE


_PATIENT_WORDS = _word_set("patient pt pts")
_CONSUMING = _word_set(
    "take takes taking took use uses using used chew chews chewing smoke smokes smoking snort snorts snorting drink drinks "
    "drinking pop pops popping need needs needed get gets getting buy buys buying shoot shoots shooting inject injects"
)
# Words of a record or of what became of a supply: "(Start: 03/2019, End: 05/2019)", "returned to
# the pharmacy unopened", "two decades ago" speak of the medicine.
_RECORD_AND_SUPPLY = _word_set(
    "end start status returned return stock unopened tossed flushed disposed threw thrown dropped picked pickup "
    "dispensed filled fill inactive active past decade decades day days hour hours era"
)
_BABIES = _word_set("baby babies son sons daughter daughters kid kids twins child children grandkids grandchildren")
_FEW = _word_set("two three four five six seven eight nine ten twin")
_PRONOUNS_OF_IT = _IT | _word_set("those these that this ones")
_POINTING_BACK = _PRONOUNS_OF_IT - {"any"}  # words that point back at a medicine named before
_DETERMINERS = _word_set("my a an the our his her their some")
_HOW_IT_ENDED = _word_set("cold turkey completely entirely fully gradually slowly finally successfully altogether good myself")
_VERBS_WITH_AN_OBJECT = _word_set("had got have has did started finished completed gave")  # "gave birth 6 weeks ago"
_ENDING_OR_TAKING = (_USE_WORDS_ENDING - _NOW_WORDS) | _word_set(
    "ceased clean dc dcd done kicked sober take taken tapered till use used using weaned"
)


def _a_thing_or_event(word: str) -> bool:
    """A thing, or an event or treatment of its own ("colonoscopy", "rehab", "ER visits"): in a sentence of
    its own, the last of one or a denial of one says nothing of a medicine."""
    return _a_thing(word) or word in (_EVENT_WORDS | _DATED_OPENINGS | _word_set("visits")) - _word_set("recovery")


def _a_thing(word: str) -> bool:
    """A content word of another subject: not a word the reader weighs, not glue, not how a use ended."""
    return (
        word.isalpha()
        and len(word) >= 3
        and word not in _words_weighed()
        and word not in _GLUE
        and word not in _HOW_IT_ENDED
        and word not in _RECORD_AND_SUPPLY
        and not word.endswith("ly")
    )


_COURSE_WORDS = _word_set(
    "took taken got given had used was were prescribed stopped quit finished ended discontinued last until after post postop "
    "former ex gave dose"
)
_DURATION_UNITS = _word_set("day days week weeks wk wks")
# What a dated opening must name to date the course after it: an event ("surgery in early October,
# took norco for 3 days"), a stay in treatment ("detox back in August, they gave me buprenorphine").
_DATED_OPENINGS = _EVENT_WORDS | _word_set("detox rehab treatment program clinic")


def _tells_a_course(words: list[str]) -> bool:
    """ "took norco for 3 days", "was given percocet after": words that tell of a course taken and over,
    which an event dated before them ("surgery in early October") dates; "Norco daily", "oxys off the
    street", "methadone take-homes" do not ("Diagnosed with fibro in 2019. Norco daily" is taken now)."""
    if set(words) & _COURSE_WORDS or _A_COURSE_AFTER.search(" ".join(words)):
        return True  # "Norco only the first 3 days"
    # "Norco for a few days", "tylenol 3 x 5 days": a course of a set length, unless what lasted was
    # the time without it ("off methadone for a week").
    if set(words) & (_ABSENCE_WORDS | _word_set("off without")):
        return False
    return any(w in {"for", "x"} and set(words[i + 1 : i + 4]) & _DURATION_UNITS for i, w in enumerate(words))


# A course that tells its own time: a day or date of its own ("last oxy was wednesday"), a vague
# one ("stopped tramadol, not sure of the date", "quit oxy recently") or a schedule ("q6h prn", "every
# morning"). An earlier dated event is then not its date.
_A_TIME_OF_ITS_OWN = (
    (_DATE_WORDS - {"since"})  # "they gave me buprenorphine for a week, nothing since": since the event
    | _MONTH_AND_DAY_WORDS
    | _NOW_WORDS
    | _word_set(
        "recently recent just lately while bit sure remember remembering recall escapes sometime other date day when "
        "daily nightly every prn needed bid tid qid qd qhs q4h q6h q8h q12h hrs hours today tonight morning night am pm "
        "bedtime clean sober"
    )
)


_A_LENGTH = _word_set("for x about first")  # "the first 3 days"
_A_TIME_WITHOUT = _word_set("recovery clean sober")
_OWN_TIME_LENGTHS = _DURATION_UNITS | _word_set("weeks months years yrs")


def _tells_its_own_time(words: list[str]) -> bool:
    """ "stopped tramadol, not sure of the date", "norco x3 after wisdom teeth Wednesday"; not a
    length ("took norco for 2 weeks", "for a couple weeks")."""
    for index, word in enumerate(words):
        if word in _A_TIME_OF_ITS_OWN:
            a_length = word in _OWN_TIME_LENGTHS and bool(
                _A_LENGTH & set(words[max(0, index - 3) : index])
            )
            if not a_length:
                return True
    return False


_OTHER_EVENTS = _EVENT_WORDS | _word_set("dental dentist tonsillectomy biopsy")
_BACK_TO_THE_EVENT = _word_set("after afterwards afterward then postop post")
_MEALS = _word_set("meals meal food eating breakfast lunch dinner supper each every")  # "5 mL after meals": when, not after the event


def _at_the_event(words: list[str]) -> bool:
    """ "they gave fentanyl in the OR", "one dose of fentanyl there": a dose given at the event itself."""
    return (
        "there" in words
        or "during" in words
        or any(words[i : i + 2] == ["for", "sedation"] or words[i : i + 3] == ["in", "the", "or"] for i in range(len(words)))
    )


def _a_remark_of_its_own(clause: _Clause) -> bool:
    """ "Happy to taper if needed.", "I am 45.": a clause with no medicine that tells nothing of a course."""
    words = [t.text for t in clause.words]
    return not _names_a_drug(clause) and (_a_willingness(words) or _an_age(words))


_AGE_WORDS = _word_set("i am im m years year yrs yr old yo age aged female male woman man f")


def _an_age(words: list[str]) -> bool:
    """ "I am 45.", "52 yo female": the writer's age."""
    return any(w.isdigit() for w in words) and all(w in _AGE_WORDS or (w.isdigit() and 12 <= int(w) <= 110) for w in words)


def _openings_it_does_not_date(group: list[_Clause], elsewhere: list[int]) -> tuple[list[_Clause], list[_Clause]]:
    """ "Knee surgery in 2019. stopped tramadol, not sure of the date", "Knee surgery in 2019. nor co
    5/325": a dated event dates only a course told as over and short ("took norco for 3 days", "…
    after"), with no time of its own, no event of its own and no other clause read between them
    (`elsewhere`: where the remarks start); otherwise the opening is read apart, as a remark.
    Returns the group and the openings set apart. (Rewrites with "Knee surgery in 2019. " before a
    tuned row had cleared 104 contraindications.)"""
    if len(group) < 2 or _names_a_drug(group[0]):
        return group, []
    opening = [t.text for t in group[0].words]
    if not _dates_without_denying(opening) or (_JOB_WORDS | _A_TIME_WITHOUT) & set(opening) or _names_whose(opening):
        return group, []  # "I'm a hospice nurse", "2 yrs in recovery, former heroin user": not an event
    rest = [t.text for clause in group[1:] if not _a_remark_of_its_own(clause) for t in clause.words]
    between = any(group[0].words[-1].start < start < group[1].words[0].start for start in elsewhere)
    # "Knee surgery in 2019. lortab after my tonsillectomy": another event; "Back in 2015, oxycodone after my c-section": its event
    own_event = bool(_OTHER_EVENTS & set(opening)) and bool(_OTHER_EVENTS & set(rest) - set(opening))
    back = any(w in _BACK_TO_THE_EVENT and not (w == "after" and rest[i + 1 : i + 2] and rest[i + 1] in _MEALS) for i, w in enumerate(rest))
    bounded = _a_length(rest) or back or _at_the_event(rest)
    if _tells_a_course(rest) and bounded and not _tells_its_own_time(rest) and not own_event and not between:
        return group, []
    return group[1:], [group[0]]


_LENGTH_UNITS = _DURATION_UNITS | _word_set("weeks months day week month")
_A_SET_SUPPLY = _word_set("supply course")


def _a_length(words: list[str]) -> bool:
    """ "for 3 days", "x 5 days", "a 5 day supply", "for a couple weeks": a course of a set length."""
    return bool(_A_SET_SUPPLY & set(words)) or any(
        w in _LENGTH_UNITS and _A_LENGTH & set(words[max(0, i - 4) : i + 2]) for i, w in enumerate(words)
    )


def _an_event_with_its_date(words: list[str]) -> bool:
    """ "ER at Aurora on October 14, 2026 for a kidney stone" after "Female, 52.": before any medicine, a dated
    event stays an opening that may date the course after it, whatever was said before it."""
    return bool(_EVENT_WORDS & set(words)) and _dates_without_denying(words)


def _an_event_to_follow(opening: list[str], words: list[str]) -> bool:
    """ "surgery in early October, took norco", "Back in 2015, oxycodone after my c-section": the dated
    opening names an event (or a stay, or a job), or is a bare date and the course names its event."""
    if (_DATED_OPENINGS | _JOB_WORDS) & set(opening):
        return True
    return not any(_a_thing(w) for w in opening)


def _an_opening_about_something_else(words: list[str]) -> bool:
    """ "Diagnosed with fibro in 2019.", "Gallbladder out 2018.": an opening about another subject,
    with no event, treatment or job that a course after it could follow, and no word of use. "My mom was
    a nurse.": another person's own trouble or description, which names nobody the medicines after it are for."""
    if _names_whose(words):
        return False
    if _anothers_own_trouble(words) and not (_DATED_OPENINGS | _ENDING_OR_TAKING | _PATIENT_WORDS) & set(words):
        return True
    if (_DATED_OPENINGS | _JOB_WORDS | _ENDING_OR_TAKING) & set(words):
        return False
    if _of_another_topic(words):
        return True
    return _dates_without_denying(words) and any(_a_thing(w) for w in words)


_LAST_WHAT = _word_set("week weekend month year night winter summer spring fall")


def _a_last_date(words: list[str], index: int) -> bool:
    """ "last week", "last Monday": "last" as part of a date, not a last dose."""
    following = words[index + 1] if index + 1 < len(words) else ""
    return following in _LAST_WHAT or (following in _MONTH_AND_DAY_WORDS and following not in {"ago"})


# "Started PT 2 weeks ago", "PT twice a week", "doing OT": physical or occupational therapy, not "patient".
_A_THERAPY_BEFORE = _word_set("started start starting doing do did finished had have in at from my physical weekly more")
_A_THERAPY_AFTER = _word_set("twice once 2x 3x weekly exercises for helps helped")


def _therapy_named(words: list[str]) -> list[str]:
    """The words, with a "pt" or "ot" that names a therapy read as "therapy" ("Started PT 2 weeks ago")."""
    return [
        "therapy"
        if w in {"pt", "ot"}
        and ((i and words[i - 1] in _A_THERAPY_BEFORE) or (words[i + 1 : i + 2] and words[i + 1] in _A_THERAPY_AFTER))
        else w
        for i, w in enumerate(words)
    ]


_CHECKS = _word_set("labs lab bloodwork blood tests test checkup checkups physical physicals mammogram scan scans mri xray xrays massage massages haircut")


def _gets_a_check(words: list[str]) -> bool:
    """ "I get my labs done every 3 months", "get bloodwork twice a year": what is got is a check, not a medicine."""
    return any(
        w in _CONSUMING and next((x for x in words[i + 1 : i + 4] if x not in _DETERMINERS and x not in {"my", "our"}), "") in _CHECKS
        for i, w in enumerate(words)
    )


_GETTING = _word_set("get gets got getting")
_NEEDING = _word_set("need needs")
_WANTING = _NEEDING | _word_set("want wants")


def _gets_a_trouble(words: list[str]) -> bool:
    """ "I get headaches sometimes", "I get tired easily": what is got is a trouble, named by a word of its own."""
    return not set(words) & (_CONSUMING - _GETTING) and any(
        w in _GETTING and _a_thing(next((x for x in words[i + 1 : i + 4] if x not in _DETERMINERS), "")) for i, w in enumerate(words)
    )


def _a_wish_of_the_writers(words: list[str]) -> bool:
    """What the writer needs, wants or hopes for, with no word pointing back at a medicine: "I need new glasses."
    (a thing named by a word of its own), "Need to lose 20 lbs." (a verb that is no use of a medicine), "Need help
    with sleep."; not "I need it", "I need to stop it" or "need my meds"."""
    said = set(words)
    if said & _POINTING_BACK:
        return False
    for i, w in enumerate(words):
        following = words[i + 1 : i + 2]
        if w in _NEEDING and following != ["to"] and not said & _OF_THE_MEDICINE and any(_a_thing(x) for x in words[i + 1 : i + 4] if x not in _DETERMINERS):
            return True
        if w in _WANTING and following == ["to"] and words[i + 2 : i + 3] != [] and words[i + 2] not in _NO_WISH_VERBS:
            return True
        if w == "help" and following == ["with"] and _a_thing(next((x for x in words[i + 2 : i + 4] if x not in _DETERMINERS), "")):
            return True
    return False


# Tests and looks that are no treatment, after "had": "I had a biopsy in July", "had a colonoscopy".
_TESTS_HAD = _word_set("biopsy colonoscopy endoscopy scope mri ct xray x ray ultrasound mammogram echo ekg ecg eeg scan physical checkup")
# What one may be allergic to that is no medicine: "I have a cat allergy."
_ALLERGENS = _word_set(
    "cat cats dog dogs pet pets horse pollen dust mold grass tree ragweed bee wasp food nut nuts peanut peanuts shellfish "
    "latex egg eggs milk dairy seasonal environmental"
)


_SHORT_ILLNESSES = _word_set("cold colds flu covid virus bug infection fever uti pneumonia bronchitis strep")
_VITAL_SIGNS = _word_set("bp pulse hr temp weight wt a1c glucose sugar sugars cholesterol ldl hdl bmi spo2 o2 sats")
_HELPING = _word_set("helps help helping reminds remind drives drive organizes manages checks check sets fills handles handle sorts")
_A_DEATH = _word_set("died funeral")  # and "passed away"; a bare "passed" is a refusal ("offered a Norco script, I passed")


def _of_a_baby(words: list[str]) -> bool:
    """A clause whose subject is a baby or child: "baby weaned in 2023", "my son was born in 2021"."""
    subject = words[1:2] if words[:1] and words[0] in _DETERMINERS else words[:1]
    return bool(subject) and subject[0] in _BABIES


def _a_last_drink(words: list[str]) -> bool:
    """ "Last drink 2 years ago", "my last cigarette was in 2015": alcohol or tobacco, not a medicine."""
    return any(w == "last" and words[i + 1 : i + 2] and words[i + 1] in _word_set("drink cigarette cig smoke") for i, w in enumerate(words))


def _speaks_of_something_else(words: list[str]) -> bool:
    """ "Had covid in 2022.", "Last physical was in March.", "We moved here from Texas 2 years ago.": a
    clause naming no drug whose verb takes another thing as its object, or that says nothing of taking
    or ending anything, speaks of something else; its dates are not the medicine's."""
    words = _therapy_named(words)
    if set(words) & _HELPING and {"me", "my"} & set(words):
        return True  # "Daughter helps me with my meds": who helps the writer, not whose the medicine is
    if words[:1] == ["last"] and words[1:2] and words[1] in _DOSE_WORDS and words[2:3] == ["of"]:
        # "Last dose of antibiotics was Monday": another medicine's last dose ("last dose of it" is this one's)
        thing = next((w for w in words[3:] if w not in _DETERMINERS), "")
        return _a_thing(thing)
    of_a_medicine = _OF_THE_MEDICINE | _IT | _ABSENCE_WORDS | _DENIAL_WORDS | _REACTION_WORDS | _ALLERGY_WORDS | _CONTAINERS
    # "flu shot", "B12 shot": a medicine word that another word names is that thing's.
    if any(
        w in of_a_medicine and (w in _PRONOUNS_OF_IT or not (i and (_a_thing(words[i - 1]) or words[i - 1] in _OTHER_SHOTS | _ALLERGENS)))
        for i, w in enumerate(words)
    ):
        return False  # not "I have a cat allergy.": an allergy to a thing that is no medicine
    if any(w in {"ran", "run", "runs", "running"} and words[i + 1 : i + 2] == ["out"] and "of" not in words[i + 2 : i + 3] for i, w in enumerate(words)):
        return False  # "ran out end of Oct": the medicine ran out ("ran out of money" may be something else)
    if _of_a_baby(words):
        return True  # "Not breastfeeding, baby weaned in 2023": the baby's weaning, not the medicine's
    subject = [w for w in words[:3] if w not in _DETERMINERS and w != "last"][:1]  # "My A1c was 6.1 in October."
    if subject and subject[0] in _VITAL_SIGNS or set(words) & _A_DEATH or "passed away" in " ".join(words) or _a_last_drink(words):
        return True  # "BP 120/80 yesterday.", "My dad died last year.", "Last drink 2 years ago."
    allergens = {w for i, w in enumerate(words) if words[i + 1 : i + 2] != [] and words[i + 1] in _ALLERGY_WORDS}  # "a cat allergy"
    if (set(words) - allergens) & ((OTHER_PEOPLE_AND_PETS - _BABIES) | _PATIENT_WORDS | _REFUSAL_WORDS | _OFFER_WORDS):
        return False  # "patient and family declined", "belongs to spouse": whose, or an offer and its answer
    if _a_wish_of_the_writers(words):
        return True  # "I need new glasses.", "Need to lose 20 lbs.", "Need help with sleep."
    if set(words) & _CONSUMING:
        # "I chew leaves every day": a use, however it is said; "I get my labs done every 3 months" is a check,
        # "I get headaches sometimes" a trouble of the writer's
        return _gets_a_check(words) or _gets_a_trouble(words)
    if words[:1] in (["we"], ["they"]):
        return True  # "We moved here from Texas 2 years ago"
    if any(w in {"work", "works", "working"} and (not i or words[i - 1] != "at") for i, w in enumerate(words)):
        return True  # "I work nights", "working from home since March": the writer's job, not the medicine
    if words[:1] == ["last"]:
        return len(words) > 1 and _a_thing_or_event(words[1])  # "Last physical was in March", "Last colonoscopy 2022", not "last March"
    for index, word in enumerate(words):
        if word in _VERBS_WITH_AN_OBJECT:
            after = index + 1
            while after < len(words) and (
                words[after] in _DETERMINERS or words[after].isdigit() or words[after] in _FEW or words[after] in {"had", "been"}
            ):
                after += 1  # "have had migraines since 2010": the auxiliary, then the verb and its object
            # "Had covid in 2022", "had my baby in 2020", "I have 3 kids": the verb has its own object.
            return after < len(words) and (
                _a_thing(words[after])
                or (after + 1 < len(words) and words[after].isalpha() and _a_thing(words[after + 1]))  # "had chronic pain"
                or (word in {"had", "have", "has"} and words[after] in _BABIES)
                or words[after : after + 1] == ["birth"]
                or words[after] in _SHORT_ILLNESSES  # "Had a cold last week." ("cold" is also "cold turkey")
                or (words[after] in _ALLERGENS and words[after + 1 : after + 2] != [] and words[after + 1] in _ALLERGY_WORDS)  # "a cat allergy"
                or words[after] in _TESTS_HAD  # "I had a biopsy in July, benign."
            )
    # "My last period was 2 weeks ago", "last visit in May": the last of another thing, not a last dose.
    endings = {
        w
        for i, w in enumerate(words)
        if w in _ENDING_OR_TAKING and not (w == "last" and (_a_last_date(words, i) or words[i + 1 : i + 2] and _a_thing(words[i + 1])))
    }
    if endings:
        return False
    # "I exercise daily.", "Retired in 2020.", "Blood test last week was fine.": a subject of its own.
    return any(_a_thing(w) for w in words)


def _a_remark_that_changes_nothing(words: list[str]) -> bool:
    """ "Blood pressure is normal.", "I think.": a clause with no number and no word that the reading
    of a medicine's use, dates, owner or denial weighs."""
    return bool(words) and not any(w[:1].isdigit() or w in _words_weighed() for w in words)


def _names_whose(words: list[str]) -> bool:
    """ "Dad, not the patient, takes tramadol": an opening that says whose the medicine is."""
    return words in (["not", "the", "patient"], ["not", "patient"], ["the", "patient"], ["patient"]) or (
        0 < len(words) <= 2 and words[-1] in OTHER_PEOPLE_AND_PETS and not (words[0][:1].isdigit() or words[0] in _FEW)
    )  # not "Married 20 years, 2 kids.": a count of people owns nothing


_GREETING_WORDS = _word_set("hi hello hey hiya greetings dear good morning afternoon evening here")
_GREETING_FILLER = _GREETING_WORDS | _word_set("there all team doctor doc pharmacist folks everyone is are my the a list of meds medications medicines")


def _a_greeting(words: list[str]) -> bool:
    """ "Hi there.", "Good morning.", "Here is my list.": a clause that greets or introduces the list."""
    return bool(words) and bool(_GREETING_WORDS & set(words)) and set(words) <= _GREETING_FILLER


def _groups(
    tokens: list[Token], kb: KnowledgeBase, entry_words: frozenset[str], allergy_headings: frozenset[int] = frozenset(), *, text: str = ""
) -> list[list[_Clause]]:
    """Clauses that name no drug join the clause before them: "oxycodone 10mg, stopped 3 days ago".

    A joined clause that speaks of absence ("none since", "nothing now") lends its dates and
    ending words, not its "now". Drug-less clauses before the first drug ("denies illicit drugs")
    stay apart.
    """
    groups: list[list[_Clause]] = []
    leading: list[_Clause] = []
    remarks: list[list[_Clause]] = []
    last_remark: list[_Clause] | None = None  # the remark just read, while the next clause is read
    for clause_tokens in _clauses(tokens):
        clause = _clause(clause_tokens, kb, entry_words)
        words = [t.text for t in clause.words]
        if is_nil_entry(words) or _OF_SOMETHING_ELSE.match(" ".join(words)) or _a_greeting(words):
            continue  # "oxycodone, no known allergies", "… since 2023. Not pregnant.", "Hi there.": the clause names nothing
        if clause.words and clause.words[0].start in allergy_headings and not _names_a_drug(clause):
            continue  # "lortab 7.5. Allergies: sulfa": a list of allergies to no drug we know is not said of the lortab
        opening = _opening_of_the_one_before(clause, groups) if groups and not leading else 0
        if opening:
            # "OB offered oxycodone; I declined and used ibuprofen": the refusal is the offer's.
            groups[-1].append(_clause(clause_tokens[:opening], kb, entry_words))
            clause = _clause(clause_tokens[opening:], kb, entry_words)
            words = [t.text for t in clause.words]
        if _names_a_drug(clause):
            # "gallbladder surgery in early October, took norco for 3 days": a dated opening lends
            # its date to the drug that follows; other openings ("denies illicit drugs") stay apart.
            dated: list[_Clause] = []
            if groups and not leading and _an_event_then_a_course(groups[-1][-1], words):
                # "Metformin, surgery 6 wks ago, took oxycodone for 5 days": the event dates the course after it.
                dated.append(groups[-1].pop())
                if not groups[-1]:
                    groups.pop()
            heading = bool(clause.words) and clause.words[0].start in allergy_headings  # "…. Allergies: penicillin"
            while leading and not heading and (
                (
                    _dates_without_denying([t.text for t in leading[-1].words])
                    and _tells_a_course(words)
                    and _an_event_to_follow([t.text for t in leading[-1].words], words)
                )
                or _names_whose([t.text for t in leading[-1].words])
            ):
                dated.insert(0, leading.pop())
            if leading:
                groups.append(leading)
                leading = []
            groups.append([*dated, clause])
        elif (groups or (leading and not _an_event_with_its_date(words))) and _of_another_topic(words, sentence=_opens_a_sentence(clause, text)):
            # "Norco 10 mg. Never had any surgery.", "Diagnosed with fibromyalgia in 2015.": a remark
            # about something else lends the medicine before it neither its dates nor its denials.
            if leading:
                groups.append(leading)
                leading = []
            groups.append([clause])
        elif (groups or (leading and not _an_event_with_its_date(words))) and _speaks_of_something_else(words):
            # "Norco 10/325. Had covid in 2022.", "… Last physical was in March.": read apart, like a remark.
            if leading:  # "nor co 5/325. Had covid in 2022.": a name found only by sound stays with its words
                groups.append(leading)
                leading = []
            remarks.append([clause])
            last_remark = remarks[-1]
            continue
        elif remarks and remarks[-1] is last_remark and set(words) <= _NOW_WORDS:
            remarks[-1].append(clause)  # "… 2025. I go to meetings now.": the "now" is the remark's
        elif (
            remarks and remarks[-1] is last_remark and not _opens_a_sentence(clause, text)
            and not set(words) & (_CONSUMING | _POINTING_BACK | _ENDING_OR_TAKING | _DENIAL_WORDS | _ALLERGY_WORDS | _DATE_WORDS)
        ):
            # "… so I avoid it. Sleep is poor, maybe 5 hours.": the rest of the remark's sentence is the remark's.
            remarks[-1].append(clause)
            continue
        elif groups and not leading and _a_remark_that_changes_nothing(words):
            # "codeine makes me sick so I avoid it. Blood pressure is normal.": a remark that would read
            # the same beside any medicine lends the one before it nothing, and leaves its words alone;
            # it is read last, on its own, so that what follows it still joins the medicine's clauses.
            remarks.append([clause])
            last_remark = remarks[-1]
            continue
        elif groups and not leading and not _names_whose(words):  # "…, Dad, not the patient, takes …" opens the next
            # "I go to meetings now": a bare "now" closing a joined clause about something else.
            trailing_now = (
                set(words) <= _NOW_WORDS
                and len(groups[-1]) > 1
                and not _names_a_drug(groups[-1][-1])
                and _now_of_something_else([t.text for t in groups[-1][-1].words] + words)
            )
            if _ABSENCE_WORDS & set(words) or _now_of_something_else(words) or trailing_now:
                clause = _clause([t for t in clause_tokens if t.text not in _NOW_WORDS], kb, entry_words)
            groups[-1].append(clause)
        elif not leading and _an_opening_about_something_else(words):
            # "Diagnosed with fibro in 2019. hydro codone 5/325 as needed": an opening about something
            # else dates no course after it, even one whose name is only found by sound later.
            remarks.append([clause])
        else:
            leading.append(clause)
        last_remark = None
    if leading:
        groups.append(leading)
    kept: list[list[_Clause]] = []
    remark_starts = [clause.words[0].start for remark in remarks for clause in remark if clause.words]
    for group in groups:
        group, apart = _openings_it_does_not_date(group, remark_starts)
        kept.append(group)
        remarks += [[opening] for opening in apart]
    return kept + remarks


# Taken off the street: "heroin. Clean since 2015." is clean of it.
_STREET_OPIOIDS = frozenset({"diamorphine", "mitragynine", "opium", "fentanyl"})
# Words that tie a sentence of being clean to a drug: "clean from pills", "sober off it".
_VAGUE = _word_set("recently recent just lately sure remember recall sometime few couple while")
_SOBER = _A_TIME_WITHOUT | _word_set("aa na")  # "AA since 2012"
_A_PAST_HABIT = _word_set("used addicted addiction abused abuse misuse misused history hx habit former ex dependent dependence")
_CLEAN_OF_SOMETHING = _word_set("from of off it them those that pills opioids opiates narcotics drugs everything")


def _sentences_of_being_clean(words: list[str], clause_of: list[int], *, own: int, sentences: frozenset[int]) -> frozenset[int]:
    """ "Norco 5/325 q6h prn. Sober since 2015.", "norco. Clean 8 years.": the positions of the
    sentences, other than the medicine's own, that say the patient is sober and name nothing.
    Sober of alcohol, or of other drugs, while on a named medicine: `_read_group` reads the
    medicine without them. A sentence that names what it is clean of ("clean off pills since
    2015") is the medicine's. (Rewrites adding "Sober since 2015." after tuned rows had cleared
    1,452 contraindications.)"""
    if not _SOBER.intersection(words):
        return frozenset()
    states = {clause_of[i] for i, w in enumerate(words) if w in _SOBER} - {own}  # "Clean and sober 8 years"
    # "used heroin on and off, clean for a week": a clause inside the medicine's sentence is its own
    # ("Clean and sober 8 years" is one sentence of being clean).
    states = {n for n in states if n in sentences or (n - 1 in states and n - 1 != own)}
    states = {n for n in states if n in sentences or n - 1 in states}
    for state in states:
        if {w for w, n in zip(words, clause_of, strict=True) if n == state} & _CLEAN_OF_SOMETHING:
            return frozenset()
    return frozenset(i for i, n in enumerate(clause_of) if n in states)


def _read_apart_from_being_clean(apart: Timing, slot: _Slot, said: list[str], *, street: bool) -> bool:
    """Whether the medicine's reading without the sentences of being clean (`apart`) is its reading.

    Not where its own words end it with no date and tell of a habit, with nothing vague ("used oxys
    for years. Clean since 2015"; not "was on suboxone until recently"): the clean time dates it. Nor,
    when it reads as taken now, where it is a street drug or a class ("heroin. Clean since 2015",
    "pain pills. Sober 3 years") or a habit told as the past ("was addicted to percocet. Sober since
    2016"): the clean time is theirs.
    """
    assert slot.term is not None
    habit = bool(_A_PAST_HABIT & {w for w, prior in zip(said, ["", *said], strict=False) if prior not in {"not", "no"}})
    if apart.use is Use.ENDED and apart.last_dose is None:
        return not (habit and not _VAGUE.intersection(said))
    if apart.use is Use.CURRENT:
        street_or_class = slot.term.kind == "generic_opioid" or (street and bool(_STREET_OPIOIDS & set(slot.term.opioids)))
        return not (street_or_class or habit)
    return True


# Words of a later sentence that take back what the medicine's sentence said: "… Started again last week."
_TAKING_IT_BACK = _word_set("again actually except restarted relapsed relapse started resumed but though however")


def _later_sentences(clause_of: list[int], own: int, sentences: frozenset[int], words: list[str]) -> frozenset[int]:
    """The positions of the sentences after the medicine's own, when none of them takes back what it said."""
    after = [n for n in sorted(set(clause_of)) if n > own and n in sentences]
    if not after:
        return frozenset()
    later = frozenset(i for i, n in enumerate(clause_of) if n >= after[0])
    said = {words[i] for i in later}
    if said & _word_set("them those these one ones some") and said & _CONSUMING and not _they_take_it_too(list(said)):
        return frozenset()  # "Dad's old Vicodin was in the cabinet. I took two of them on Tuesday."
    # "back on it", "went back to it"; not "back pain"
    back = any(words[i] == "back" and words[i + 1 : i + 2] in (["on"], ["to"]) for i in later)
    return frozenset() if said & _TAKING_IT_BACK or back else later


def _anothers_own_trouble(words: list[str]) -> bool:
    """ "My husband has back pain too.", "My wife is an RN.", "My husband takes his own meds.", "My daughter
    typed this for me.": another person and a trouble, a description or a task of their own, with no
    medicine, no use and nothing that points back at one ("My husband takes it")."""
    said = set(words)
    if not said & OTHER_PEOPLE_AND_PETS:
        return False
    if said & (_TYPED | _HELPING) and {"me", "my"} & said and not said & _CONSUMING:
        return True  # "My daughter typed this for me.", "My sister checks my meds.": who helps the writer
    their_own = any(words[i : i + 2] in (["his", "own"], ["her", "own"], ["their", "own"]) for i in range(len(words)))
    if their_own and not said & (_IT | _PRONOUNS_OF_IT):
        return True  # "My husband takes his own meds."
    if said & (_IT | _PRONOUNS_OF_IT | _OF_THE_MEDICINE | _CONSUMING):
        return False
    verb = next((i for i, w in enumerate(words) if w in {"has", "had", "have", "gets", "got", "suffers"}), None)
    if verb is not None and any(_a_thing(w) for w in words[verb + 1 :]):
        return True
    # "My wife is an RN.", "My dad was a pharmacist", "Husband is supportive.": who the other person is.
    return any(
        w in {"is", "was", "s"} and words[i + 1 : i + 2] != [] and words[i + 1] not in _NOT_A_DESCRIPTION for i, w in enumerate(words)
    )


def _they_take_it_too(words: list[str]) -> bool:
    """ "vicodin for back. My husband takes it too.": the other person as well as the patient."""
    said = set(words)
    return bool(said & OTHER_PEOPLE_AND_PETS and said & _CONSUMING and said & {"too", "also"})


# After "is"/"was", words that say what the other person takes or is to the patient, not who they are.
_NOT_A_DESCRIPTION = _word_set("on off taking using still currently getting prescribed given the my your patient pt also")


_TYPED = _word_set("typed typing wrote filled helped")
_SEEN_SINCE = _word_set("doctor doc dr pcp provider np md insurance pharmacy job house apartment")


def _of_something_else_among(
    later: frozenset[int], words: list[str], clause_of: list[int], sentences: frozenset[int] = frozenset()
) -> frozenset[int]:
    """The positions of the clauses at `later` that are about another thing: "New doctor since June."."""
    found: set[int] = set()
    for n in sorted({clause_of[i] for i in later}):
        said = [w for w, m in zip(words, clause_of, strict=True) if m == n]
        since_a_thing = any(w == "since" and i and (_a_thing(said[i - 1]) or said[i - 1] in _SEEN_SINCE) for i, w in enumerate(said))
        # "Sleep is poor, maybe 5 hours.": the rest of a sentence about another thing, with no word of use.
        goes_on = n - 1 in {clause_of[i] for i in found} and n not in sentences and not set(said) & (_CONSUMING | _POINTING_BACK | _ENDING_OR_TAKING)
        if (
            since_a_thing
            or goes_on
            or _of_another_topic(said)
            or _speaks_of_something_else(said)
            or _a_willingness(said)
            or _of_the_list(said)
            or _a_former_pastime(said)
            or _anothers_own_trouble(said)  # "Mom had breast cancer.", "Dad was an alcoholic."
        ):
            found |= {i for i in later if clause_of[i] == n}
    return frozenset(found)


# What one "used to" do with a medicine; any other verb is a pastime: "I used to run marathons."
_USED_TO_OF_A_MEDICINE = _CONSUMING | _word_set("be do have abuse misuse need rely depend")
# After "need to" / "want to": a verb of taking or ending a medicine ("need to stop it") is no wish of another kind.
_NO_WISH_VERBS = _USED_TO_OF_A_MEDICINE | _ENDING_OR_TAKING


def _a_former_pastime(words: list[str]) -> bool:
    return not set(words) & _POINTING_BACK and any(
        w == "used" and words[i + 1 : i + 2] == ["to"] and words[i + 2 : i + 3] != [] and words[i + 2] not in _USED_TO_OF_A_MEDICINE
        for i, w in enumerate(words)
    )


_WILLING = _word_set("happy willing ok okay open glad ready fine")
_REFILLS = _word_set("refill refills refilled renewal renewals renew")
_SAID = _word_set("said says told")
_ALL_RIGHT = _word_set("fine ok okay safe alright good")


def _of_the_list(words: list[str]) -> bool:
    """ "Need refills soon.", "My pharmacist said it was fine.": about the prescriptions or what someone
    thought of them, not a use, a stop or a date of the medicine."""
    said = set(words)
    if said & _REFILLS and not said & _POINTING_BACK:
        return True
    if words[:2] in (["nothing", "else"], ["no", "other"], ["none", "other"]) and not said & _POINTING_BACK:
        return True  # "Nothing else for pain.": the other medicines, not the one named
    if words[:1] and words[0] in _OTHER_SHOTS and words[1:2] and words[1] in INJECTION_WORDS | _word_set("vaccine booster"):
        return True  # "Flu shot done.": another medicine's shot and how it went
    return bool(said & _SAID and said & _ALL_RIGHT) and not said & _CONSUMING


def _a_willingness(words: list[str]) -> bool:
    """ "Happy to taper if needed.": what the writer would do if asked, not what they take."""
    return bool(words[:1]) and words[0] in _WILLING | {"im", "i"} and bool(_WILLING & set(words[:3])) and "if" in words


_LDN_NAMES = _word_set("ldn naltrexone vivitrol")
_MIXING = _word_set(
    "mix mixed mixing interact interacts interaction interactions block blocks blocking together combine combined combining "
    "cannot cant can t shouldnt should know knew understand understood aware read heard told learned"
)


def _opioids_in_general(slot: _Slot, words: list[str], clause_of: list[int]) -> bool:
    """ "I know LDN and opioids do not mix.", "I understand I cannot take opioids with LDN.": the class
    named in what the patient knows of LDN, not as something taken; not "LDN with my opioids", a dose or a
    date. (Rewrites adding these after tuned rows had raised 3,276 and 3,214 false alarms.)"""
    if slot.term is None or slot.term.kind != "generic_opioid":
        return False
    own = [w for w, n in zip(words, clause_of, strict=True) if n == clause_of[slot.start_word]]
    said = set(own)
    if not said & _LDN_NAMES or not said & _MIXING or any(w[:1].isdigit() for w in own):
        return False
    start = slot.start_word
    before = set(words[max(0, start - 3) : start])
    if before & _word_set("my our"):
        return False  # "LDN with my opioids"
    # "I'm on opioids, I know …"; not "I cannot take opioids with LDN".
    return not (before & _word_set("on taking take using use") and not set(words[max(0, start - 5) : start]) & _word_set("cannot cant t not never shouldnt"))


def _blanked(raw: str, tokens: list[Token]) -> str:
    """The entry's text with these words blanked (offsets kept), so their dates are not read."""
    text = list(raw)
    for token in tokens:
        text[token.start : token.end] = " " * (token.end - token.start)
    return "".join(text)


def _prescribed(slot: _Slot, words: list[str], clause_of: list[int]) -> bool:
    """ "Duragesic", "fentanyl patch 25 mcg": a brand, a form or a dose in the name's own clause."""
    own = {w for w, n in zip(words, clause_of, strict=True) if n == clause_of[slot.start_word]}
    return (slot.term is not None and slot.term.kind == "brand") or bool(own & _FORM_WORDS) or any(w[:1].isdigit() for w in own)


def _read_group(
    clauses: list[_Clause],
    kb: KnowledgeBase,
    *,
    today: date,
    raw: str,
    patient: frozenset[str] = frozenset(),
    names_a_medicine: bool = False,
    after_a_name: bool = False,
    timing_of: Callable[[Term], bool] | None = None,
) -> tuple[list[Mention], list[tuple[int, int]]]:
    """The mentions of one group of clauses, and the spans of words nobody could name.

    `after_a_name`: the group before ended on a medicine's name ("Norvasc, not Norco").
    `timing_of`: see read_entry; a term it refuses is left CURRENT, unread.
    """
    words_tokens: list[Token] = []
    slots: list[_Slot] = []
    segment_of: list[int] = []  # segments split lists on one line ("metformin and zzz", "tylenol w/ zzz")
    segment = 0
    for clause in clauses:
        offset = len(words_tokens)
        words_tokens += clause.words
        slots += [_Slot(s.start_word + offset, s.end_word + offset, s.term, s.corrected, s.possible) for s in clause.slots]
        for token in clause.tokens:
            if token.text in _SEGMENT_JOINERS or token.text == "/":
                segment += 1
            if not token.is_separator:
                segment_of.append(segment)
    words = [t.text for t in words_tokens]
    clause_of = [n for n, clause in enumerate(clauses) for _ in clause.words]
    # The clauses that open a sentence: "Norco. Sober since 2015", not "heroin, clean for a week".
    sentences = frozenset(n for n, c in enumerate(clauses) if _opens_a_sentence(c, raw))

    slots = _joined_by_sound(slots, words, words_tokens, kb, raw)
    slots = _joined_split_names(slots, words, words_tokens, kb, raw)
    unknown: list[int] = []
    after_reason = False
    for slot in slots:
        position = slot.start_word
        word = words[position]
        if slot.term is not None:
            continue
        if word in _REASON_WORDS:
            after_reason = True  # what follows "for" is the reason, not a medicine
        if _is_noise(word) or word in OTHER_PEOPLE_AND_PETS or word in PHARMACIES_AND_PLANS or word in _PILL_LOOKS:
            continue  # "Optum Rx" is never a misspelt opium, nor a "maroon and pink capsule" Mabron
        if words[position + 1 : position + 2] == ["s"] and names_a_medicine and word.isalpha() and _correct_spelling(word, kb) is None:
            continue  # "Crohn's on Humira", "Sjogren's: pilocarpine": a person's name for an illness, beside a medicine
        corrected = (
            _correct_spelling(word, kb) if word.isalpha() and len(word) >= FUZZY_MIN_LENGTH else None
        )
        if (
            corrected is None
            and word in kb.common_words
            and _a_dose_at(words, position + 1)
            and not any(s.term is not None and s.end_word == position for s in slots)  # no name just before it
        ):
            # "ultra 50mg for pain": an everyday word one sound from an opioid, in a medicine's place
            # before a dose, may be that opioid ("Mucinex ultra 600 mg" names its medicine first).
            near = _closest(phonetic_key(word), kb.opioid_sounds_by_initial, kb.opioid_sounds_by_prefix, 1)
            corrected = (kb.opioid_sounds[near[0]], True) if near is not None else None
        if corrected is None:
            if not after_reason:
                unknown.append(position)
            continue
        slot.term, slot.corrected, slot.possible = corrected[0], True, corrected[1]

    term_slots = [s for s in slots if s.term is not None]
    # "pain meds: ibuprofen", "pain pills (percocet)": the named medicine is the one meant, and the
    # unnamed one's words are the patient's own ("no pain meds since my last Percocet").
    term_slots = [s for s in term_slots if not _names_which_pain_medicine(s, term_slots, segment_of)]
    # "I get allergy shots", "flu shot last week": another medicine's injection says nothing of the opioid's form.
    group_words = frozenset(w for i, w in enumerate(words) if not _another_medicines_shot(words, i))
    if term_slots or names_a_medicine:
        # Beside a known medicine, here or elsewhere in the entry, everyday words ("after surgery",
        # "in recovery, working the steps; meds are ...") are the patient's own remarks; unknown
        # names are still reported.
        # Newer everyday English ("Lyme", "CPAP", "idk") only here: it never shapes a spelling correction.
        unknown = [
            p for p in unknown
            if not _is_plain_word(words[p]) and words[p] not in kb.english_words and not words[p].endswith(_CONDITION_ENDINGS)
        ]
    mentions = []
    # An everyday word that may be an opioid ("breaking", two sounds from Breakyl) is reported for the
    # pharmacist but does not cut the words of the medicines around it.
    maybe = [s for s in term_slots if s.possible and s.corrected and _is_plain_word(words[s.start_word])]
    if "?" in raw:
        # "is tramadol ok with LDN? I don't take it": LDN is what the patient asks about, and what
        # they say after it is said of the medicine they ask about.
        maybe += [s for s in term_slots if words[s.start_word] == "ldn"]
    readings: list[Timing] = []
    previous_after: list[str] = []
    for index, slot in enumerate(term_slots):
        assert slot.term is not None  # term_slots holds only slots with a term
        set_apart = term_slots[index - 1].end_word == slot.start_word - 1 if index else after_a_name and slot.start_word == 1
        # "bupropion 300 (not buprenorphine), as needed", "Fioricet (no codeine)": in brackets after a medicine and its dose.
        bracketed = (
            index > 0
            and slot.start_word >= 1
            and words[slot.start_word - 1] in {"not", "no"}
            and raw[: words_tokens[slot.start_word - 1].start].rstrip().endswith("(")
            and all(w[0].isdigit() or w in _DOSE_UNITS for w in words[term_slots[index - 1].end_word : slot.start_word - 1])
        )
        if (words[slot.start_word - 1 : slot.start_word] == ["not"] and set_apart) or bracketed:
            # "Norvasc, not Norco, 10 mg daily": the patient sets one name apart from its look-alike.
            readings.append(Timing(Use.NEVER, cue=words[slot.start_word - 1]))
            previous_after = []
            continue
        if timing_of is not None and not timing_of(slot.term):
            # Nobody reads this one's use. The next slot borrows a reading only from a slot that shares
            # its opioids (below), never from this one, so its words after need not be kept either.
            readings.append(CURRENT)
            previous_after = []
            continue
        bounds = [s for s in term_slots if s is slot or all(s is not m for m in maybe)] if maybe else term_slots
        before, after = _window(words, bounds, bounds.index(slot))
        timing = read_timing(before, after, today=today, raw=raw, patient=patient)
        sober = _sentences_of_being_clean(words, clause_of, own=clause_of[slot.start_word], sentences=sentences)
        if sober:
            unsaid = _blanked(raw, [words_tokens[p] for p in sober])
            apart = read_timing(*_window(words, bounds, bounds.index(slot), dropped=sober), today=today, raw=unsaid, patient=patient)
            if _read_apart_from_being_clean(apart, slot, before + after, street=not _prescribed(slot, words, clause_of)):
                timing = apart
        later = _later_sentences(clause_of, clause_of[slot.start_word], sentences, words)
        if later:
            unsaid = _blanked(raw, [words_tokens[p] for p in later])
            apart = read_timing(*_window(words, bounds, bounds.index(slot), dropped=later), today=today, raw=unsaid, patient=patient)
            if timing.use is Use.NEVER:
                # "vicodin for back pain. My husband has back pain too.": a later sentence about another
                # person's own trouble does not make the medicine theirs.
                said_later = [words[p] for p in sorted(later)]
                if apart.use is not Use.NEVER and timing.cue in OTHER_PEOPLE_AND_PETS and (_anothers_own_trouble(said_later) or _they_take_it_too(said_later)):
                    timing = apart
            elif apart.use is Use.NEVER:
                timing = apart  # "codeine makes me sick so I avoid it. Is this a problem?": the denial closes its sentence
            elif elsewhere := _of_something_else_among(later, words, clause_of, sentences):
                # "last vicodin 6 months ago. New doctor since June.": the date is the doctor's; "last pill was
                # sunday. Trouble sleeping since 2020.": only the sentences about something else are set apart.
                if elsewhere != later:
                    unsaid = _blanked(raw, [words_tokens[p] for p in elsewhere])
                    apart = read_timing(*_window(words, bounds, bounds.index(slot), dropped=elsewhere), today=today, raw=unsaid, patient=patient)
                timing = apart
        if timing.use is Use.CURRENT and _opioids_in_general(slot, words, clause_of):
            timing = Timing(Use.NEVER, cue="in general")
        if timing.use is Use.CURRENT and slot.term.is_opioid and (own := _own_words_before_a_plain_medicine(words, bounds, slot)) is not None:
            # "no opioids and Tylenol as needed", "stopped oxycodone in 2019 and ibuprofen prn": how often
            # the everyday medicine after "and" is taken is said of it, not of the opioid before it.
            alone = read_timing(before, own, today=today, raw=raw, patient=patient)
            timing = alone if alone.use is not Use.CURRENT else timing
        prior_slot = term_slots[index - 1] if index else None
        if (
            prior_slot is not None
            and timing == CURRENT
            and (not after or (after[0] in _REASON_WORDS and not any(w[:1].isdigit() or w in _MY_OWN for w in after)))
            and prior_slot.term is not None
            and set(slot.term.opioids) & set(prior_slot.term.opioids)
            and before == previous_after[-len(before) :]  # its words before are the other's words after
            and not any(w[:1].isdigit() or w in _MY_OWN for w in before)
        ):
            # "cat on buprenorphine from the vet (Simbadol)": a name that closes the group and repeats
            # the one before, with no words of its own, is read as that one.
            timing = readings[-1]
        readings.append(timing)
        previous_after = after
    for slot, timing in zip(term_slots, readings, strict=True):
        assert slot.term is not None
        mentions.append(
            Mention(
                slot.term,
                words_tokens[slot.start_word].start,
                words_tokens[slot.end_word - 1].end,
                slot.corrected,
                timing,
                slot.possible,
                group_words,
            )
        )
    spans: list[tuple[int, int]] = []
    for n, position in enumerate(unknown):
        token = words_tokens[position]
        previous = unknown[n - 1] if n else None
        if previous == position - 1 and segment_of[previous] == segment_of[position]:
            spans[-1] = (spans[-1][0], token.end)  # neighbouring unknown words are one name
        else:
            spans.append((token.start, token.end))
    return mentions, spans


_MY_OWN = _word_set("i im me my mine myself")
# Operations, tests and conditions ("lumpectomy", "colonoscopy", "fibromyalgia"): words of medicine,
# never a medicine's name.
_CONDITION_ENDINGS: tuple[str, ...] = (
    "ectomy", "otomy", "ostomy", "plasty", "scopy", "graphy", "gram", "itis", "osis", "emia", "algia", "pathy",
    "plegia", "rrhea", "rrhoea", "iasis", "penia", "paresis",
)
_UNUSED_CUES = _word_set("opened given untouched unopened sealed seal nobody unused")
_CONTAINERS = _word_set("kit kits bottle bottles box boxes package packet pack supply stash")
_DOSE_UNITS = _word_set("mg mcg g ml iu units unit tab tabs tablet tablets cap caps capsule capsules")


def _joined_split_names(
    slots: list[_Slot], words: list[str], tokens: list[Token], kb: KnowledgeBase, raw: str
) -> list[_Slot]:
    """ "hydro codone", "percy set", "oxy-codone": a name a phone or a patient broke in two is
    read whole, when neither half is a known name and the two together are (exactly or by spelling)."""
    joined: list[_Slot] = []
    for slot in slots:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and previous.term is None
            and slot.term is None
            and previous.end_word == previous.start_word + 1
            and _splittable(words[previous.start_word])
            and _splittable(words[slot.start_word])
            and set(raw[tokens[previous.start_word].end : tokens[slot.start_word].start]) <= {" ", "-"}
        ):
            whole = words[previous.start_word] + words[slot.start_word]
            term = kb.phrases.get((whole,))
            if term is not None:
                term = _in_context(term, words, slot.end_word, frozenset(words), kb, start=previous.start_word)
            # Two everyday words ("period pain") are what they say, unless together they spell a name.
            # ("percy set 10/325", where a dose follows, is in a medicine's place and may be one).
            dose_next = _a_dose_at(words, slot.end_word)
            halves = (words[previous.start_word], words[slot.start_word])
            # ... or one half is itself a sound from an opioid's name ("trauma" from Tramal).
            near_an_opioid = any(
                len(half) >= FUZZY_MIN_LENGTH and _closest(phonetic_key(half), kb.opioid_sounds_by_initial, kb.opioid_sounds_by_prefix, 1) is not None
                for half in halves
            )
            near_an_opioid = near_an_opioid and not _FUNCTION_WORDS & set(halves)  # never "those who"
            everyday = all(_is_plain_word(half) for half in halves) and not dose_next and not near_an_opioid
            corrected = None if term is not None or everyday or len(whole) < _SPLIT_NAME_MIN_LENGTH else _correct_spelling(whole, kb)
            found = term if term is not None else (corrected[0] if corrected is not None else None)
            if found is not None:
                previous.end_word = slot.end_word
                previous.term = found
                previous.corrected = term is None
                previous.possible = corrected[1] if corrected else False
                continue
        joined.append(slot)
    return joined


def _a_dose_at(words: list[str], index: int) -> bool:
    """ "50", "50mg", "patch", "patch 25": a strength or a medicine's form at `index`."""
    if index < len(words) and words[index] in _FORM_NAMES:
        return True
    if index < len(words) and words[index] in _DOSING_WORDS:
        index += 1
    return index < len(words) and words[index][:1].isdigit()


_FORM_NAMES = _word_set("patch patches tab tabs tablet tablets film films strip strips pill pills capsule capsules syrup lozenge lollipop")


# How a pill looks, as patients describe it from the bottle: never a misspelt medicine's name.
_PILL_LOOKS = _word_set(
    "white black red pink maroon purple violet lavender blue navy teal turquoise green yellow orange peach "
    "brown tan beige gray grey gold golden silver clear cream ivory coral salmon aqua "
    "round oval oblong capsule shaped scored speckled imprint imprinted engraved debossed"
)
_FUNCTION_WORDS = _word_set(
    "who whom whose which that what when where there their then than with from have has this these those they them "
    "will would could should were been being into onto upon about "
    "she he her his him its we us our you your me my"  # "pt states she": never Statex
)
_BODY_PARTS = _word_set(
    "head neck back knee knees shoulder shoulders hip hips hand hands foot feet leg legs arm arms skin face chest "
    "belly stomach tummy temple temples scalp joints joint wrist ankle elbow toe toes"
)
_SPLIT_NAME_MIN_LENGTH = 7
_SOUND_JOIN_MAX_PIECES = 4
# Dose, time and use words never join a sound-alike ("twice a day", "at night", "for milk"), except
# these short words dictation makes of a name's syllables: "tram a doll", "meth a done", "new sinta".
_SYLLABLE_WORDS = frozenset({"a", "an", "on", "in", "and", "oh", "own", "new", "per", "done", "did", "nil"})


def _joined_by_sound(
    slots: list[_Slot], words: list[str], tokens: list[Token], kb: KnowledgeBase, raw: str
) -> list[_Slot]:
    """ "oxy code own", "tram a doll", "meth a done", "sub oh zone": voice dictation writes an
    opioid's name as everyday words that sound like it. Two to four neighbouring words nobody could
    name, joined, are read as an opioid of seven letters or more when they sound the same (one sound
    apart for longer names); as near an everyday medicine too, only as a possible opioid."""
    joined: list[_Slot] = []
    # A slot that can never be a piece: _joinable_by_sound refuses any window holding it, so a window is
    # asked about only when all its slots may be pieces (most rows have none, and are read at once).
    may_be_piece = [_may_be_a_piece(slot, words) for slot in slots]
    if not any(one and two for one, two in pairwise(may_be_piece)):
        return list(slots)  # every window is two slots or more in a row: none can be joined
    index = 0
    while index < len(slots):
        for count in range(_SOUND_JOIN_MAX_PIECES, 1, -1):
            window = slots[index : index + count]
            if len(window) < count or not all(may_be_piece[index : index + count]):
                continue
            if not _joinable_by_sound(window, words, tokens, raw, kb):
                continue
            whole = "".join(words[slot.start_word] for slot in window)
            if len(whole) < _SPLIT_NAME_MIN_LENGTH:
                continue
            if whole in _glued_names(id(kb)):
                continue  # "pain medication" is read as the phrase it is, with its own context rules
            exact = kb.phrases.get((whole,))
            found = (exact, False) if exact is not None and exact.is_opioid else _sounds_like_an_opioid(whole, count, id(kb))
            if found is None:
                continue
            if exact is None and _sounds_more_like_an_everyday_name(whole, found[0], kb):
                continue  # "oh mep ra zole" is omeprazole, "mag nee see um" magnesium: not an opioid
            term, possible = found
            joined.append(_Slot(window[0].start_word, window[-1].end_word, term, corrected=True, possible=possible))
            index += count
            break
        else:
            joined.append(slots[index])
            index += 1
    return joined


def _may_be_a_piece(slot: _Slot, words: list[str]) -> bool:
    """The tests of _joinable_by_sound that look at one slot alone: any window with a slot that fails
    one is refused there."""
    if slot.term is not None or slot.end_word != slot.start_word + 1:
        return False
    piece = words[slot.start_word]
    if not piece.isalpha() or piece in _BODY_PARTS:
        return False
    return not ((piece in _DOSING_WORDS or piece in _USE_WORDS or piece in _REASON_WORDS) and piece not in _SYLLABLE_WORDS)


def _joinable_by_sound(window: list[_Slot], words: list[str], tokens: list[Token], raw: str, kb: KnowledgeBase) -> bool:
    if any(slot.term is not None or slot.end_word != slot.start_word + 1 for slot in window):
        return False
    pieces = [words[slot.start_word] for slot in window]
    dose_next = _a_dose_at(words, window[-1].end_word)  # in a medicine's place
    # "took 2 of the trauma doll": a count before the name puts it in a medicine's place too.
    prior = words[max(0, window[0].start_word - 3) : window[0].start_word]
    dose_next = dose_next or (
        any(w.isdigit() and len(w) == 1 or w in {"one", "two", "half"} for w in prior) and prior[-1:] in (["the"], ["of"], ["a"])
    )
    if not all(piece.isalpha() for piece in pieces):
        return False
    if any((piece in _DOSING_WORDS or piece in _USE_WORDS or piece in _REASON_WORDS) and piece not in _SYLLABLE_WORDS for piece in pieces):
        return False
    if pieces[-1] in {"a", "an", "and", "in"} and not dose_next:
        return False  # "notice in a", "code in a": a phrase running on; "MS Conte in 15mg" is in a name's place
    common = sum(piece in kb.common_words and piece not in _SYLLABLE_WORDS for piece in pieces)
    if common >= 2 and common * 2 > len(pieces) and not dose_next:
        return False  # "terms which", "s all there": everyday speech, not one name said in pieces ("bu pre nor feen" is)
    if any(piece in _BODY_PARTS for piece in pieces):
        return False  # "oil on head", "cream on knee": where a remedy goes, not a name's syllables
    if pieces[0] in _SYLLABLE_WORDS - {"new", "per"} or all(piece in _SYLLABLE_WORDS for piece in pieces):
        return False
    if len(pieces) == 2 and min(len(piece) for piece in pieces) < 3:
        return False  # two words need a syllable each: "die lotted", never "notes on" or "mu agonist"
    return all(
        set(raw[tokens[a.start_word].end : tokens[b.start_word].start]) <= {" ", "-"} for a, b in pairwise(window)
    )


def _sound_skeleton(word: str) -> str:
    """What is left of a name said aloud: its first sound, then its consonants, with d and t (and
    x and ks) heard alike: "hydrocoaton" and "hydrocodone" are both "htrktn"."""
    key = phonetic_key(word).replace("x", "ks")
    rest = "".join(char for char in key[1:] if char not in "aeiouwh")
    return (key[0] + rest).replace("d", "t")


@cache
def _glued_names(_kb_id: int) -> frozenset[str]:
    """Keys the build glued from a phrase of several words ("painmedication", "fioricetwithcodeine")."""
    return frozenset("".join(words) for words in knowledge_base().phrases if len(words) > 1)


@cache
def _opioid_skeletons(kb_id: int) -> dict[str, tuple[tuple[str, Term], ...]]:
    """Skeleton -> the opioid names (one word, seven letters or more) that have it. Names the build
    glued from several words are left out: nobody says them as one word."""
    kb = knowledge_base()
    glued = _glued_names(kb_id)
    skeletons: dict[str, list[tuple[str, Term]]] = {}
    for words, term in sorted(kb.phrases.items()):
        name = words[0] if len(words) == 1 else ""
        if (
            term.is_opioid
            and name.isalpha()
            and len(name) >= _SPLIT_NAME_MIN_LENGTH
            and name not in glued
            and term.kind not in {"street_name", "vocabulary"}
        ):
            skeletons.setdefault(_sound_skeleton(name), []).append((name, term))
    return {skeleton: tuple(names) for skeleton, names in skeletons.items()}


@cache
def _everyday_skeletons(_kb_id: int) -> frozenset[str]:
    kb = knowledge_base()
    return frozenset(
        _sound_skeleton(words[0])
        for words, term in kb.phrases.items()
        if len(words) == 1
        and not term.is_opioid
        and term.kind != "vocabulary"  # matched exactly only, as in spelling correction (knowledge.py)
        and words[0].isalpha()
        and len(words[0]) >= _SPLIT_NAME_MIN_LENGTH
    )


def _sounds_more_like_an_everyday_name(whole: str, opioid: Term, kb: KnowledgeBase) -> bool:
    """Nearer, by sound, to an everyday medicine's one-word name (vocabulary names included) than to
    the opioid: "oh mep ra zole" is omeprazole, "try zodone" trazodone. A tie stays the opioid."""
    sound = phonetic_key(whole)
    to_opioid = OSA.distance(sound, phonetic_key(opioid.key.replace(" ", "")))
    if to_opioid == 0:
        return False
    names = _everyday_sounds_by_initial(id(kb)).get(sound[:1], ())
    return process.extractOne(sound, names, scorer=OSA.distance, score_cutoff=min(2, to_opioid - 1)) is not None


@cache
def _everyday_sounds_by_initial(_kb_id: int) -> dict[str, tuple[str, ...]]:
    groups: dict[str, set[str]] = {}
    for key, term in knowledge_base().phrases.items():
        if len(key) == 1 and not term.is_opioid and len(key[0]) >= 6 and key[0].isalpha():
            sound = phonetic_key(key[0])
            groups.setdefault(sound[:1], set()).add(sound)
    return {initial: tuple(sorted(sounds)) for initial, sounds in groups.items()}


@lru_cache(maxsize=1024)
def _sounds_like_an_opioid(whole: str, pieces: int, kb_id: int) -> tuple[Term, bool] | None:
    """The opioid `whole` sounds like: the same skeleton, or, said in three pieces or more, one sound
    off a skeleton of five or more that starts the same ("pert a set", "sub oh zone")."""
    skeleton = _sound_skeleton(whole)
    opioids = _opioid_skeletons(kb_id)
    everyday = _everyday_skeletons(kb_id)
    if skeleton in opioids:
        term = _spelt_alike(whole, opioids[skeleton], limit=_SAME_SOUND_SPELLING)
        return (term, skeleton in everyday) if term is not None else None
    if pieces < 3 or skeleton in everyday:
        return None
    near = process.extractOne(
        skeleton, [s for s in opioids if s[0] == skeleton[0] and len(s) >= 5], scorer=OSA.distance, score_cutoff=1
    )
    term = _spelt_alike(whole, opioids[near[0]], limit=_NEAR_SOUND_SPELLING) if near is not None else None
    return (term, False) if term is not None else None


# How much of a name's spelling may differ, in edits per letter, when the joined words sound the
# same as the name ("die lotted") or one sound off ("pert a set"). Everyday words that only share a
# name's consonants ("told what", "notice and how") differ by two thirds or more.
_SAME_SOUND_SPELLING = 0.625
_NEAR_SOUND_SPELLING = 0.5


def _spelt_alike(whole: str, names: tuple[tuple[str, Term], ...], *, limit: float) -> Term | None:
    """The name whose spelling `whole` keeps enough of: dictation spells a name's syllables
    ("tramadoll"), while everyday words that only share its consonants ("told what") do not."""
    sound = phonetic_key(whole)
    for name, term in names:
        target = phonetic_key(name)
        if len(sound) > len(target) * _LONGEST_SAYING:
            continue  # "morphine sulfate" said whole is twice morphine: other words, not its syllables
        if OSA.distance(sound, target) <= len(target) * limit:
            return term
    return None


# How much longer the joined words may be than the name they sound like, by sound ("traumadoll" is
# 1.12 times tramadol, "sub you tex" 1.29 times Subutex).
_LONGEST_SAYING = 1.3


def _splittable(word: str) -> bool:
    return word.isalpha() and len(word) >= 2 and word not in _DOSING_WORDS and word not in _USE_WORDS


def _names_which_pain_medicine(slot: _Slot, term_slots: list[_Slot], segment_of: list[int]) -> bool:
    """An unnamed pain medicine ("pain meds", "painkillers") beside a named medicine in the same
    part of the entry: the name says which one it is, so only that medicine is read."""
    if slot.term is None or not _is_unnamed_pain_medicine(slot.term):
        return False
    segment = segment_of[slot.start_word]
    return any(
        other is not slot
        and other.term is not None
        and not _is_unnamed_pain_medicine(other.term)
        and segment_of[other.start_word] == segment
        for other in term_slots
    )


def _is_unnamed_pain_medicine(term: Term) -> bool:
    return term.kind == "generic_opioid" and term.key.startswith("pain")  # "pain meds", "painmeds", "painkillers"


def _own_words_before_a_plain_medicine(words: list[str], slots: list[_Slot], slot: _Slot) -> list[str] | None:
    """The words between an opioid and a non-opioid medicine listed after it with "and", or None."""
    following = next((s for s in slots if s.start_word >= slot.end_word), None)
    if following is None or following.term is None or following.term.is_opioid:
        return None
    between = words[slot.end_word : following.start_word]
    if not between or between[-1] not in _LIST_JOINERS:
        return None
    return between[:-1]


def _window(
    words: list[str], term_slots: list[_Slot], index: int, dropped: frozenset[int] = frozenset()
) -> tuple[list[str], list[str]]:
    """The words that speak of term_slots[index]: up to the next drug, or across a list of drugs,
    less the positions `dropped`.

    "stopped oxycodone, started tramadol" gives each drug its own words; "allergic to codeine
    and morphine" lends "allergic to" to both.
    """
    slot = term_slots[index]
    hi, edge = len(words), slot.end_word
    for following in term_slots[index + 1 :]:
        between = words[edge : following.start_word]
        listed = bool(set(between) & _LIST_JOINERS) and set(between) <= _LIST_JOINERS | _IN_A_LIST
        if not set(between) <= _LIST_JOINERS and not _restates(slot, following, between) and not listed:
            hi = following.start_word
            break
        edge = following.end_word
    # "ALLERGIES: MORPHINE (HIVES), OXYCODONE (NAUSEA)": in a list of allergies the reactions join
    # the list, unless a dose follows the drug ("codeine (rash), oxycodone 5 mg" takes oxycodone).
    joiners = _LIST_JOINERS
    if _ALLERGY_WORDS & set(words) and not any(w[0].isdigit() for w in words[slot.end_word : hi]):
        joiners = _LIST_JOINERS | _REACTION_WORDS
    lo, edge = 0, slot.start_word
    for previous in reversed(term_slots[:index]):
        between = words[previous.end_word : edge]
        # "switched from gabapentin to tramadol": the new medicine reads the words of the switch.
        switch = between == ["to"] and bool(_SWITCH_WORDS & set(words[: previous.start_word]))
        listed = bool(set(between) & _LIST_JOINERS) and set(between) <= joiners | _IN_A_LIST  # "the opium medicine or the morphine"
        if not set(between) <= joiners and not switch and not _restates(previous, slot, between) and not listed:
            lo = previous.end_word
            break
        edge = previous.start_word
    drug_words = {p for s in term_slots for p in range(s.start_word, s.end_word)} | dropped
    before = [words[p] for p in range(lo, slot.start_word) if p not in drug_words]
    after = [words[p] for p in range(slot.end_word, hi) if p not in drug_words]
    if hi < len(words):
        after = _without_lead_in(after)
    if after[-2:] in _INTERACTS_WITH and index + 1 < len(term_slots):
        # "Tramadol interacts with warfarin so I never filled the script": the pair's words are said of both.
        nxt = term_slots[index + 1]
        end = term_slots[index + 2].start_word if index + 2 < len(term_slots) else len(words)
        after = after + [words[p] for p in range(nxt.end_word, end) if p not in drug_words]
    elif after in (["to"], ["replaced", "by"], ["replaced", "with"]) and index + 1 < len(term_slots):
        # "switched from A to B in October": the date after B is when A ended.
        nxt = term_slots[index + 1]
        end = term_slots[index + 2].start_word if index + 2 < len(term_slots) else len(words)
        after = after + [words[p] for p in range(nxt.end_word, end) if p not in drug_words]
    return before, after


_INTERACTS_WITH = (["interacts", "with"], ["interact", "with"], ["interaction", "with"], ["interferes", "with"], ["mix", "with"], ["react", "with"], ["reacts", "with"])


def _restates(product: _Slot, name: _Slot, between: list[str]) -> bool:
    """ "Robaxacet-8 (with codeine)": the second name is the first product's own opioid."""
    assert product.term is not None and name.term is not None
    return bool(name.term.opioids) and set(name.term.opioids) <= set(product.term.opioids) and set(between) <= _RESTATING_WORDS


# "…, I take lisinopril", "; my meds: metformin": the words that open the next medicine are its own.
_LEAD_IN_VERBS = _word_set("take takes taking use uses using on meds medications medicines rx not")
_LEAD_IN_SUBJECTS = _word_set("i and also only just me my")


def _without_lead_in(after: list[str]) -> list[str]:
    end = len(after)
    while end and after[end - 1] in _LEAD_IN_SUBJECTS:
        end -= 1  # "taking only meloxicam"
    if not end or after[end - 1] not in _LEAD_IN_VERBS:
        return after
    end -= 1
    while end and after[end - 1] in _LEAD_IN_SUBJECTS:
        end -= 1
    return after[:end]


def _names_a_condition(word: str) -> bool:
    """ "thalassemia", "gastroparesis", "spondylosis": an illness or an operation, never a medicine."""
    return len(word) >= 8 and word.endswith(_CONDITION_ENDINGS)


def _two_plain_words(word: str) -> bool:
    """ "ultrarunner" (three sounds from Ultram ER), "hairstylist": two everyday words run together."""
    phrases = knowledge_base().phrases
    return any(
        _is_plain_word(word[:i]) and _is_plain_word(word[i:]) and (word[:i],) not in phrases and (word[i:],) not in phrases
        for i in range(4, len(word) - 3)
    )  # not "hydrocodeine": "codeine" is a medicine's name


def _is_plain_word(word: str) -> bool:
    """An everyday word or a shop, not a medicine's name: never reported as an unknown medicine."""
    english = _english_words()
    return (
        _names_a_condition(word)
        or word in _PLAIN_WORDS
        or word in english
        or any(stem in english for stem in _stems(word))
        or word in knowledge_base().spanish_words
    )


def _stems(word: str) -> tuple[str, ...]:
    """Webster's Second lists headwords only: "knees", "stools", "makes", "remedies", "recovered",
    "stronger", "hoping" are read as "knee", "stool", "make", "remedy", "recover", "strong", "hope"."""
    if len(word) < 4:
        return ()
    for ending in ("ed", "er", "ing"):
        if word.endswith(ending) and len(word) >= (5 if ending == "ed" else 6):
            stem = word[: -len(ending)]
            doubled = (stem[:-1],) if len(stem) > 2 and stem[-1] == stem[-2] else ()  # "stopped"
            return (stem, stem + "e", *doubled)
    if not word.endswith("s") or word.endswith("ss"):
        return ()
    if word.endswith("ies"):
        return (word[:-1], word[:-2], word[:-3] + "y")
    if word.endswith("es"):
        return (word[:-1], word[:-2])
    return (word[:-1],)


@cache
def _english_words() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["web2"], lower=True, alpha=True))


# Clinicians' shorthand for conditions, operations and timing that patients copy from their notes
# ("DM2: metformin", "s/p R TKA", "migraine ppx", "FeSO4 qod"): never a medicine's name.
_CLINICAL_SHORTHAND = _word_set(
    """
    htn hld dm2 t2dm t1dm dmii iddm niddm oab bph ckd esrd copd chf hfref hfpef cad pad afib gerd ibs ibd pots
    mcas tka tha acl ppx qod qow qw biw tiw sp lt4 bicarb cva tia dvt osa uti crps hypothyroid hyperthyroid a1c
    bmi egfr ldl hdl tsh labs lab ekg ecg mri ct xray
    """
)


def _is_noise(word: str) -> bool:
    return (
        word in _DOSING_WORDS or word in _USE_WORDS or word in _CLINICAL_SHORTHAND or bool(_NUMBERISH.match(word)) or len(word) < 2
    )


def _find_terms(words: list[str], kb: KnowledgeBase, entry_words: frozenset[str]) -> list[_Slot]:
    """Greedy longest-phrase lookup; every word ends up in exactly one slot."""
    slots: list[_Slot] = []
    lengths = _phrase_lengths(kb)
    i = 0
    while i < len(words):
        starting = lengths.get(words[i], ())
        for length in range(min(kb.longest_phrase, len(words) - i), 0, -1):
            if length > 1 and length not in starting:
                continue  # no phrase of that many words opens with this word, nor its plural or singular
            key = tuple(words[i : i + length])
            term = kb.phrases.get(key)
            if term is None:
                term = _plural_of_known(key, kb)
            if term is not None:
                named, term = term, _in_context(term, words, i + length, entry_words, kb)
                if term is None and _tylenol_number_or_a_count(key, words, i + length):
                    # "Tylenol 3 daily": three plain Tylenol a day, or Tylenol #3 once a day; the pharmacist asks.
                    slots.append(_Slot(i, i + length, named, corrected=True, possible=True))
                    i += length
                    break
            if term is None:
                continue
            slots.append(_Slot(i, i + length, term))
            i += length
            break
        else:
            # A misspelt opioid is read as its name from the start, so the words around it are read
            # as they would be around the name ("off methdone since April, now on Vivitrol").
            joined = (i and (words[i - 1] + words[i],) in kb.phrases) or (i + 1 < len(words) and (words[i] + words[i + 1],) in kb.phrases)
            misspelt = None if joined else _misspelt_opioid(words[i])  # "hydro morphone" is one name
            slots.append(_Slot(i, i + 1, misspelt, corrected=misspelt is not None))
            i += 1
    return slots


_PHRASE_LENGTHS: dict[int, tuple[KnowledgeBase, dict[str, frozenset[int]]]] = {}


def _phrase_lengths(kb: KnowledgeBase) -> dict[str, frozenset[int]]:
    """First word -> the lengths of the knowledge base's phrases of two words or more that open with it,
    built once per knowledge base. _plural_of_known changes only the last word of a phrase of two words or
    more, so a phrase found by it opens with the same word and has the same length."""
    cached = _PHRASE_LENGTHS.get(id(kb))
    if cached is None or cached[0] is not kb:
        lengths: dict[str, set[int]] = {}
        for phrase in kb.phrases:
            if len(phrase) > 1:
                lengths.setdefault(phrase[0], set()).add(len(phrase))
        cached = _PHRASE_LENGTHS[id(kb)] = (kb, {word: frozenset(found) for word, found in lengths.items()})
    return cached[1]


def _tylenol_number_or_a_count(key: tuple[str, ...], words: list[str], following: int) -> bool:
    """ "Tylenol 3 daily", "tylenol 4 a day": a number that names the codeine product or counts tablets."""
    return key in (("tylenol", "3"), ("tylenol", "4")) and (
        words[following : following + 1] == ["daily"] or words[following : following + 2] in (["a", "day"], ["per", "day"], ["x", "daily"])
    )


def _plural_of_known(key: tuple[str, ...], kb: KnowledgeBase) -> Term | None:
    """A known name with a plural "s" ("Percocets", "T3s", "222s", "Tylenol 3s"), or a known plural phrase said
    once ("sub strip" for "sub strips")."""
    last = key[-1]
    # "3s" too: "Tylenol 3s" is the plural of a name whose last word is a number.
    if (len(last) >= 3 or last[:-1].isdigit()) and last.endswith("s") and not last.endswith("ss"):
        return kb.phrases.get((*key[:-1], last[:-1]))
    if len(key) > 1 and len(last) >= 3:
        return kb.phrases.get((*key[:-1], last + "s"))
    if len(key) == 1 and len(last) >= 4 and last.endswith("i"):
        # "roxi" for "roxy", "percy" written "perci": a street name's final "y" written "i".
        term = kb.phrases.get((last[:-1] + "y",))
        return term if term is not None and term.kind == "street_name" else None
    return None


def _in_context(
    term: Term, words: list[str], next_index: int, entry_words: frozenset[str], kb: KnowledgeBase, start: int | None = None
) -> Term | None:
    """The term as meant in this entry, or None when the words mean something else here."""
    # Only the bare "tylenol 3" can be a count; "tylenol no 3" and "tylenol number 3" cannot.
    tylenol_number = len(term.key.split()) == 2 and term.key.startswith("tylenol ") and term.key[-1].isdigit()
    # Unless a count came first: in "half a Tylenol 3 a day" the 3 names the product ("take 2 Tylenol 3
    # times a day" stays two plain Tylenol).
    counted = next_index >= 3 and next_index < len(words) and words[next_index] == "a" and words[next_index - 3] in _COUNT_BEFORE_NAME
    # "Tylenol 3 x 10 tabs" counts the codeine product's tablets ("Tylenol 3 x daily" is plain Tylenol).
    a_quantity = words[next_index : next_index + 1] == ["x"] and words[next_index + 1 : next_index + 2] != [] and words[next_index + 1][0].isdigit()
    if tylenol_number and next_index < len(words) and words[next_index] in _NOT_TYLENOL_NUMBER and not counted and not a_quantity:
        return None
    if term.key in _T3_KEYS and entry_words & _THYROID_CONTEXT:
        # T3 is also liothyronine, the thyroid hormone, which is dosed in micrograms.
        return kb.phrases.get(("liothyronine",))
    if term.key == "sub" and not _means_suboxone(words, next_index, entry_words):
        return None
    start = next_index - len(term.key.split()) if start is None else start
    if term.kind == "generic_opioid" and start > 0 and words[start - 1] == "non":
        return None  # "non-opioid painkillers", "Celebrex (non-narcotic)": the words say it is not one
    if term.key == "take homes" and words[next_index - 1] == "home":
        # "take-home doses" are methadone's; "the hospital's take-home bag" (or kit) is not.
        following = words[next_index] if next_index < len(words) else ""
        if following not in {"dose", "doses", "bottle", "bottles", "methadone", "meds", "privileges"}:
            return None
    if term.key == "mat":
        # Treatment shorthand ("on MAT", "MAT clinic", "MAT since 2019"), not "the wrestling mat" or "a yoga mat".
        previous = words[next_index - 2] if next_index >= 2 else ""
        following = words[next_index] if next_index < len(words) else ""
        if previous and previous not in _BEFORE_MAT and following not in _AFTER_MAT:
            return None
    if term.key == "oxy" and _OXY_SKIN_CARE.intersection(words[max(0, next_index - 4) : next_index + 3]):
        # Only the words around it: "oxy 30s a couple a day. Using a heating pad too." is the opioid.
        return kb.phrases.get(("benzoyl", "peroxide"))
    if term.key == "tylenol":
        # "tylenol with co Dean number 3": dictation between the name and its number; "#3" and
        # "No. 3" after Tylenol name the codeine product ("Tylenol 500 number 3 times a day" does not).
        for at in range(next_index + 1, min(len(words) - 1, next_index + 4)):
            if words[at] in {"number", "no"} and words[at + 1] in {"3", "4"} and words[at + 2 : at + 3] not in (["times"], ["x"], ["a"]):
                return kb.phrases.get(("tylenol", "number", words[at + 1])) or term
    if term.key == "oxy" and _says_an_everyday_name(words, next_index - 1, kb):
        return None  # "oxy button in" is oxybutynin said aloud
    if term.key == "h":
        previous = words[next_index - 2] if next_index >= 2 else ""
        following = words[next_index] if next_index < len(words) else ""
        if (
            not entry_words & _H_TAKING_VERBS
            or previous in _H_NOT_HEROIN_AFTER
            or _NUMBERISH.match(previous)
            or following == "pylori"
        ):
            return None
    if _is_unnamed_pain_medicine(term) and (entry_words & _NOT_AN_OPIOID_PAIN_MEDICINE - {"non"} or "non" in words):
        # "OTC pain meds", "non-opioid painkillers": the words left are unrecognised. A "non" only in
        # the medicine's own clause: "pain meds daily. Non-smoker." is about tobacco.
        return None
    if term.key in _COUNTED_STREET_WORDS:
        previous = words[next_index - 2] if next_index >= 2 else ""
        following = words[next_index] if next_index < len(words) else ""
        # "took half a blue 30 saturday": a blue is taken or popped like a pill; its strength may follow.
        verbs = _STREET_TAKING_VERBS | (_BLUE_TAKING_VERBS if term.key == "blue" else frozenset())
        if not entry_words & verbs or following == "of":
            return None
        if not (previous in _COUNTS or previous.isdigit()):
            return None
        strength = term.key == "blue" and following in {"30", "30s", "m30", "15", "10"}
        if following and not strength and (following in _FORM_WORDS or not (_is_noise(following) or following in _AFTER_A_COUNTED_STREET_WORD)):
            return None
    if term.key == "horse" and next_index < len(words) and words[next_index] in _A_HORSES_THINGS:
        return None  # "Horse owner. Kicked in the leg": the animal
    taken_as_a_drug = next_index >= 2 and words[next_index - 2] in _STREET_TAKING_VERBS | _word_set("shot do did doing")
    if term.key in {"horse", "horses"} and entry_words & _A_HORSES_WORLD and not taken_as_a_drug:
        return None  # "My horse gets butorphanol from the vet after colic surgery": the animal
    if term.kind == "street_name" and term.key in _EVERYDAY_STREET_WORDS:
        # "dope", "blues", "brown": a drug when the entry speaks of using, or names nothing else.
        others = {w for w in entry_words if w != term.key and not _is_noise(w) and not _is_plain_word(w)}
        previous = words[next_index - 2] if next_index >= 2 else ""
        if term.key == "blues" and previous in _LOW_MOODS:
            return None  # "winter blues", "baby blues": a low mood, even beside "I smoke weed"
        done = previous in {"do", "does", "did", "doing"}  # "I still do dope"
        # "blues for pain, ibuprofen too": taken for a reason, as the medicines beside it are.
        reason = words[next_index : next_index + 2]
        done = done or (reason[:1] == ["for"] and reason[1:] in (["pain"], ["my"], ["back"], ["the"]))
        # "lean protein", "brown rice", "other stuff": the word describes the thing beside it.
        # "dope 2 points", "blues 30 mg": an amount beside it; a dose of another medicine elsewhere is not.
        amount = bool(set(words) & _AMOUNT_OF_A_STREET_DRUG)
        if entry_words & (_USE_CONTEXT - _AMOUNT_OF_A_STREET_DRUG) or amount or done:
            return term
        if _describes_a_neighbour(words, next_index - 1, next_index):
            return None
        # "smack most days, vitamin D3": a list item of its own, with nothing but when and how often;
        # "blues a couple times since I got out": how often follows the word.
        how_often = bool(_HOW_OFTEN & set(words[next_index : next_index + 4]))
        alone = term.key in _DRUG_WHEN_ALONE and _stands_alone(words, next_index - 1, next_index)
        if others and not how_often and not alone:
            return None
    return term


_LOW_MOODS = _word_set("winter baby holiday holidays monday sunday postpartum seasonal january")


# Words that may stand around a street name in a list item of its own: when, how often, how much.
_WHEN_WORDS = _word_set(
    """
most every each all some few couple times time day days daily nightly week weeks weekly weekend weekends month
months monthly year years night nights morning mornings once twice a an like rn now currently still sometimes
occasionally often usually mostly lately recently mainly just only the also plus too again since ago last on off
and or then honestly literally basically still prob probably maybe idk tbh lol de vez en cuando veces a la semana al dia diario todos los dias noche noches
"""
)


# Of those, the words that as a list item of their own mean the drug ("clean eating, metformin, blues"
# may be a mood).
_DRUG_WHEN_ALONE = _word_set("dope smack tar lean chiva junk skag")
_HOW_OFTEN = _word_set("times daily nightly weekly twice once sometimes occasionally weekends everyday")


def _describes_a_neighbour(words: list[str], start: int, end: int) -> bool:
    """Whether an everyday word used as a street name describes the word beside it here."""
    previous = words[start - 1] if start >= 1 else ""
    following = words[end] if end < len(words) else ""
    if following and _is_plain_word(following) and not _is_noise(following) and following not in _WHEN_WORDS:
        return True
    return previous in _DESCRIBING_BEFORE  # "winter blues", "other stuff"


_DESCRIBING_BEFORE = _word_set(
    "other your his her their its good bad hot cold dark light pale deep golden winter holiday monday sunday baby postpartum"
)


def _stands_alone(words: list[str], start: int, end: int) -> bool:
    """Whether the words from start to end are a list item of their own in this clause; "and" and
    "plus" part items ("tar and Tylenol as needed")."""
    lo = next((i + 1 for i in range(start - 1, -1, -1) if words[i] in _LIST_JOINERS), 0)
    hi = next((i for i in range(end, len(words)) if words[i] in _LIST_JOINERS), len(words))
    around = words[lo:start] + words[end:hi]
    return all(_is_noise(w) or w in _WHEN_WORDS for w in around)


# "Sub" is treatment shorthand for Suboxone ("last sub was Tuesday", "sub 8mg", "on subs"), and
# also "sub-q", "sub-lingual" and a sandwich: read as Suboxone only beside a dose or these words.
_BEFORE_A_SUB = _word_set("last my on took take taking takes half quarter one a daily the")
_NOT_A_SUB_AFTER = _word_set("q cu cut cutaneous lingual lingually saharan par total")
_TREATMENT_WORDS = _word_set("micro microdosing microdose induction bupe mat moud clinic dosing withdrawal wd taper tapering opioid opioids")


def _says_an_everyday_name(words: list[str], at: int, kb: KnowledgeBase) -> bool:
    """Whether the word at `at` and the one or two after it, said together, are an everyday medicine's
    name by sound ("oxy button in": oxybutynin), not an opioid's."""
    for count in (3, 2):
        whole = "".join(words[at : at + count])
        skeleton = _sound_skeleton(whole) if whole.isalpha() else ""
        if (
            len(words[at : at + count]) == count
            and len(whole) >= 8
            and skeleton in _everyday_skeletons(id(kb))
            and skeleton not in _opioid_skeletons(id(kb))
        ):
            return True
    return False


def _means_suboxone(words: list[str], next_index: int, entry_words: frozenset[str]) -> bool:
    previous = words[next_index - 2] if next_index >= 2 else ""
    following = words[next_index] if next_index < len(words) else ""
    if following in _NOT_A_SUB_AFTER:
        return False
    dose_follows = bool(following) and (following[0].isdigit() or following in _FORM_WORDS or following in {"dose", "doses"})
    return previous in _BEFORE_A_SUB or dose_follows or bool(entry_words & _TREATMENT_WORDS)


def _correct_spelling(word: str, kb: KnowledgeBase) -> tuple[Term, bool] | None:
    """The known name this misspelling stands for, and whether it is only *possibly* an opioid."""
    return _correct_spelling_cached(word, id(kb))


@lru_cache(maxsize=4096)
def _correct_spelling_cached(word: str, _kb_id: int) -> tuple[Term, bool] | None:
    kb = knowledge_base()
    if (word,) in kb.phrases:
        return None  # a known name its context set aside ("non-opioid") is no misspelling of another
    if _names_a_condition(word):
        return None  # "thalassemia" is three sounds from Talacen, and no medicine's name
    sound = phonetic_key(word)
    allowed = 1 if len(word) <= 6 else 2 if len(word) <= 9 else 3
    # "those" is one sound from Tossex, "codes" from Codis, "ultra" (omega, strength) from Ultram: the
    # commonest words are what they say (`_read_group` asks again where a dose follows one).
    opioid = None if word in kb.common_words else _closest(sound, kb.opioid_sounds_by_initial, kb.opioid_sounds_by_prefix, allowed)
    if opioid is None and word not in kb.common_words and not _is_plain_word(word):
        # Sounds can part where letters do not: "Nucnta" (a letter dropped from Nucynta) sounds
        # "nuknta" against "nusinta". One letter from an opioid's spelling is that opioid too.
        spelt = _closest_spelling(word, _opioid_spellings(id(kb)))
        if spelt is not None and phonetic_key(spelt) not in kb.opioid_sounds:
            # "narcotik", "opioidd": the class words have no sound of their own (they are never
            # matched by sound), so the spelling names them.
            return kb.phrases[(spelt,)], False
        if spelt is not None:
            opioid = phonetic_key(spelt), 1
    if opioid is not None and opioid[1] == 1 and _is_plain_english(word) and not _an_ending_apart(word, kb.opioid_sounds[opioid[0]].key):
        # "tossed" is one sound from Tossex, "tiles" from Tylex, "grated" from Graten: an everyday word
        # one sound from an opioid is only possibly that opioid, unless it is the name with its last
        # letter added or dropped ("heroine", "morphin").
        return kb.opioid_sounds[opioid[0]], True
    if opioid is not None and opioid[1] >= 2 and (_is_plain_word(word) or _two_plain_words(word)):
        # "anesthesia" is two sounds from Anexsia: an everyday word far from an opioid's name is only
        # possibly that opioid, for the pharmacist to ask about. One slip ("heroine") stays the opioid.
        return kb.opioid_sounds[opioid[0]], True
    # An everyday English word ("nothing", "vomiting") is not a misspelt brand of an everyday
    # medicine; it may still be read as a possible opioid, which only ever asks the pharmacist.
    other = None if _is_plain_word(word) else _closest(sound, kb.other_sounds_by_initial, kb.other_sounds_by_prefix, allowed)
    if opioid is None:
        # A name two letters from an everyday medicine's may be a brand we do not know ("Analfin" is
        # not "Anadin"): it stays unknown for the pharmacist rather than silently renamed.
        near_enough = other is not None and (other[1] <= 1 or (other[1] == 2 and len(word) >= 10))
        return (kb.other_sounds[other[0]], False) if other is not None and near_enough else None
    if other is not None and (other[1] == 0 or other[1] < opioid[1] - 1):
        return kb.other_sounds[other[0]], False  # clearly the everyday medicine
    if other is not None and other[1] <= opioid[1]:
        # As close, or nearly, to an everyday medicine as to an opioid: never silently the everyday one.
        # A slip keeps a name's opening: "oxycodin" shares "oxycod" with oxycodone, "oxy" with oxytocin.
        keeps_the_opening = _shared_opening(sound, opioid[0]) >= 5 and _shared_opening(sound, opioid[0]) >= _shared_opening(sound, other[0]) + 3
        return kb.opioid_sounds[opioid[0]], not keeps_the_opening
    shield = process.extractOne(
        sound, kb.other_sounds_by_initial.get(sound[0], ()), scorer=OSA.distance, score_cutoff=opioid[1]
    )
    return kb.opioid_sounds[opioid[0]], shield is not None


def _is_plain_english(word: str) -> bool:
    """An everyday English word that is no Spanish word too ("morfina" is Spanish for morphine)."""
    return _is_plain_word(word) and word not in knowledge_base().spanish_words


def _an_ending_apart(word: str, name: str) -> bool:
    """ "heroine" and "heroin", "morphin" and "morphine": the same letters but the last one."""
    shorter, longer = sorted((word, name), key=len)
    return len(longer) - len(shorter) <= 1 and longer.startswith(shorter)


@lru_cache(maxsize=2)
def _opioid_spellings(_kb_id: int) -> dict[str, tuple[str, ...]]:
    """First letter -> the opioids' one-word names of six letters or more, as spelt."""
    kb = knowledge_base()
    names: dict[str, list[str]] = {}
    for words, term in kb.phrases.items():
        name = words[0]
        if len(words) == 1 and term.is_opioid and name.isalpha() and len(name) >= 6 and term.kind not in _NOT_FUZZY_SPELLING:
            names.setdefault(name[0], []).append(name)
    return {initial: tuple(sorted(found)) for initial, found in names.items()}


_NOT_FUZZY_SPELLING = frozenset({"street_name", "vocabulary", "abbreviation"})


def _closest_spelling(word: str, by_initial: dict[str, tuple[str, ...]]) -> str | None:
    """The opioid name one letter from the word (a letter dropped, added, changed or two swapped),
    sharing its first three letters."""
    if len(word) < 5:
        return None
    near = process.extractOne(word, by_initial.get(word[0], ()), scorer=OSA.distance, score_cutoff=1)
    return near[0] if near is not None and near[0][:3] == word[:3] else None


def _shared_opening(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


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
