"""When did the patient last take it? Read use words and dates around a drug name.

People asking about LDN are often coming off opioids, so "stopped", "off" or "no" beside an
opioid must not hide it. The rule, from issue #11:

- a drug counts as *not taken* only when the words say so and govern that drug: "no opioids",
  "denies opioid use", "allergic to codeine" — but not "no nausea with oxycodone" or "never miss
  my methadone dose";
- a drug counts as *ended* when an ending word governs it ("stopped", "off", "last dose", "used
  to"); the date beside it ("3 days ago", "yesterday", "in 2019") is read against the day of the
  intake, always taking the most recent day the words allow;
- anything that says the use goes on ("tapering", "weaning", "trying to stop", "started", "for
  the past 6 months", "still") keeps the drug current, whatever else the entry says;
- words of continuing use ("prn", "as needed", "only on bad days", "sometimes") keep it current
  beside a denial of how often ("I don't take it every day now, just prn") or a last dose
  ("sometimes, last one 2 weeks ago"); only a stop ("stopped", "used to", "anymore") ends it.

Whether an ended use lies inside the opioid-free interval is decided in rules.py, which knows the
washout rules; this module only reads words and dates. Plain Python, no web framework.
"""

from __future__ import annotations

import calendar
import contextlib
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import pairwise


class Use(enum.StrEnum):
    CURRENT = "current"
    ENDED = "ended"  # with a last dose when the words give one
    NEVER = "never"  # "no opioids", "denies opioid use"
    ALLERGY = "allergy"  # an allergy or intolerance statement is not use


@dataclass(frozen=True, slots=True)
class Timing:
    use: Use
    last_dose: date | None = None
    cue: str = ""  # the words that decided `use`, as read (folded)
    when: str = ""  # the words the date was read from, as read (folded)


CURRENT = Timing(Use.CURRENT)

# --- Word lists ---------------------------------------------------------------------------------
_ALLERGY = frozenset(
    ["allergic", "allergy", "allergies", "alergic", "alergy", "alergies", "intolerant", "intolerance", "reaction", "reactions", "rash", "hives", "anaphylaxis", "anaphylactic", "sensitivity", "sensitive", "itch", "itching", "itchy", "swelling"]
)
# Negations that say the drug was never taken when they govern it directly.
_NEVER = frozenset(["no", "never", "denies", "deny", "denied", "none", "nil", "zero", "nor", "neither", "nothing", "without", "insteadof"])
# "my husband takes oxycodone": someone else's medicine, unless the patient says they take it too.
_SOMEONE_ELSE = frozenset(
    ["husband", "husbands", "wife", "wifes", "partner", "partners", "spouse", "spouses", "son", "sons", "daughter", "daughters", "mother", "mothers", "father", "fathers", "mom", "moms", "dad", "dads", "boyfriend", "boyfriends", "girlfriend", "girlfriends", "roommate", "roommates", "child", "childs", "kid", "kids", "brother", "brothers", "sister", "sisters", "grandma", "grandpa", "grandmother", "grandfather", "grandparents", "aunt", "uncle", "cousin", "niece", "nephew", "client", "resident", "neighbor", "neighbors", "neighbour", "neighbours",
     # what families call grandparents and parents in the languages our patients also speak: "my lola is the patient"
     "nana", "nanna", "granny", "gran", "grandad", "granddad", "papa", "lola", "lolo", "nanay", "tatay", "abuela", "abuelo",
     "cellie", "cellmate", "bunkie",
     # people in the patient's life who are not family: "my sponsor is on methadone", "my teammate takes tramadol"
     "sponsor", "sponsee", "teammate", "teammates", "coworker", "coworkers", "housemate", "housemates", "flatmate", "flatmates", "fiance", "fiancee", "stepdad", "stepmom",
     "grandson", "granddaughter",
     # "Mum in Dublin takes Solpadeine": how British, Irish and Australian families write it
     "mum", "mums", "mam", "ma", "mummy", "mommy", "daddy",
     "baby", "babies", "infant", "newborn", "toddler"]
)
# Friends count only when the words say they take it ("my roadie buddy is on methadone"): "a friend's
# oxycodone at a party" is how the patient came by their own dose.
_FRIENDS = frozenset({"buddy", "buddies", "friend", "friends", "bestie", "bandmate", "bandmates", "classmate", "classmates", "boss"})
_PETS = frozenset(["dog", "dogs", "cat", "cats", "pet", "pets", "puppy", "kitten", "horse", "horses", "pony", "rabbit", "bird", "parrot", "ferret", "goat", "goats", "cow", "cows", "calf", "calves", "cattle", "sheep", "pig", "pigs",
         # the farm's animals: "Torbugesic for the colicky mare"
         "pitbull", "bull", "pup", "pups", "pooch", "kitty", "kitties", "mare", "mares", "gelding", "stallion", "foal", "colt", "filly", "heifer", "heifers", "steer", "steers", "livestock", "herd", "ewe", "ewes", "lamb", "lambs", "mule", "donkey", "alpaca", "llama"])
# "for calf pain", "calf cramps": the leg, not the young animal.
_BODY_PART_ANIMALS = frozenset({"calf", "calves"})
# A tuple, not a frozenset: these words count only beside "calf", so they stay out of `words_weighed` ("My
# husband has back pain too." is a trouble of his own because "pain" is no word of use).
_SAID_OF_A_BODY_PART = (
    "pain", "pains", "cramp", "cramps", "cramping", "muscle", "muscles", "strain", "strained", "injury", "swelling", "swollen",
    "clot", "clots", "dvt", "tear", "torn", "ache", "aches", "spasm", "spasms", "sore", "soreness", "raise", "raises",
)


def _a_body_part(words: Sequence[str], at: int) -> bool:
    return words[at] in _BODY_PART_ANIMALS and words[at + 1 : at + 2] != [] and words[at + 1] in _SAID_OF_A_BODY_PART


# Never a misspelt medicine: "for my brother" is not Brontex.
OTHER_PEOPLE_AND_PETS = _SOMEONE_ELSE | _PETS
# Taking it oneself: "used a couple of my husband's percocets" is the patient's use.
_USE_VERBS = frozenset(
    ["take", "took", "taking", "taken", "use", "used", "using", "had", "tried", "chew", "chewed", "chewing", "smoke",
     "smoked", "smoking", "drink", "drank", "drinking", "sip", "sipped", "sipping", "snort", "snorted", "snorting"]
)
# "I avoid codeine", "I refuse opioid pain meds", "codeine makes me sick so I avoid it".
_REFUSING = frozenset(["avoid", "avoids", "avoided", "avoiding", "refuse", "refuses", "refused", "decline", "declined"])
_PRONOUNS = frozenset(["it", "them", "any", "those", "these", "this", "that", "one", "myself", "either", "both"])
# "I don't take opioids", "doesn't use any narcotics".
_NEGATED_VERBS = frozenset(["dont", "doesnt", "didnt", "havent", "hasnt", "hadnt", "isnt", "wasnt", "arent", "werent", "wont", "cant"])
# "haven't" reaches us as "haven" "t"; "do not" as two words.
_CONTRACTED = frozenset(["don", "doesn", "didn", "haven", "hasn", "hadn", "isn", "wasn", "aren", "weren", "won", "can"])
# Words that may stand between a negation and the drug it governs: "no history of opioid use".
_NEGATION_FILLER = frozenset(
    ["need", "needed", "require", "required", "received", "receiving", "us", "any", "use", "uses", "of", "taking", "take", "taken", "took", "using", "used", "on", "history", "hx", "prior", "previous", "illicit", "street", "prescription", "prescribed", "rx", "other", "current", "currently", "regular", "recreational", "abuse", "misuse", "or", "and", "ever", "t", "known", "i", "have", "has", "had", "been", "ive", "kind", "type", "form", "sort", "all", "anything", "medicine", "medicines", "medication", "medications", "meds", "drugs", "drug",
     # "never taken an opioid", "no strong pain medicine", "never had a single narcotic"
     "a", "an", "the", "single", "strong", "stronger", "heavy", "hard", "real", "actual", "is", "are", "touched",
     # "I never in my life eat the opium medicine": the words of a second language
     "in", "my", "life", "whole", "eat", "eats", "ate"]
)
_ENDED = frozenset(
    ["free", "zero", "stopped", "stop", "stopping", "quit", "discontinued", "dc", "dcd", "ceased", "finished", "completed", "ended", "done", "off", "formerly", "previously", "previous", "prior", "former", "history", "hx", "used", "was", "were", "had", "took", "ex", "clean", "sober", "kicked", "gave", "weaned", "tapered", "anymore", "removed", "inactive", "historical"]
)
# Ending words that say a stop happened even beside a negation ("don't take it anymore").
_STOPPING = frozenset(["anymore", "stopped", "quit", "discontinued", "off", "weaned", "tapered", "no longer", "no more"])
# "last dose", "last took", "last used", or "last" straight before the drug.
_LAST = "last"
_LAST_FOLLOWERS = frozenset(
    ["dose", "doses", "took", "taken", "used", "use", "had", "pill", "pills", "patch", "shot", "injection", "time", "one", "tab", "tablet"]
)
# "last half tab", "last of the pills": words between "last" and the dose it names.
_BEFORE_A_LAST_DOSE = frozenset({"half", "quarter", "of", "the", "my", "few"})


def _last_dose_at(words: Sequence[str]) -> int | None:
    """Where "last dose", "last pill", "last half tab" begins in `words`, or None."""
    for index, word in enumerate(words):
        if word != _LAST:
            continue
        following = words[index + 1 : index + 4]
        while following and following[0] in _BEFORE_A_LAST_DOSE:
            following = following[1:]
        if following and following[0] in _LAST_FOLLOWERS:
            return index
    return None


# Words of a course or a taper that a later "last dose" closes: "tramadol for 6 wks after surgery,
# last pill oct 25", "weaning to half tabs, last half tab Nov 10".
_CLOSED_BY_A_LAST_DOSE = frozenset({"for", "tapering", "weaning", "reducing", "cutting", "decreasing", "lowering", "started", "starting", "began"})
_CURRENT = frozenset(
    ["tolerate", "tolerates", "tolerating", "covers", "pays", "started", "starting", "restarted", "restarting", "resumed", "resuming", "start", "began", "begun", "begin", "currently", "still", "now", "daily", "taking", "takes", "using", "tapering", "weaning", "reducing", "cutting", "decreasing", "lowering", "coming", "getting", "trying", "try", "tries", "want", "wants", "wanting", "plan", "plans", "planning", "hope", "hoping", "need", "needs", "going", "attempting", "working"]
)
_PLANS = frozenset({"plan", "plans", "planning", "want", "wants", "wanting", "going", "need", "needs", "hope", "hoping"})
# After "going to", "plan to": what says the drug is still taken ("going to quit", "plan to taper").
_STOP_OR_USE = frozenset(
    {"quit", "stop", "taper", "wean", "come", "get", "cut", "reduce", "lower", "switch", "keep", "continue", "stay",
     "take", "use", "be", "try", "start", "increase"}
)
# Time words that only date a denial: "no opioids now", "currently not on any", "opioids: none now".
_DENIAL_TIMES = frozenset({"now", "currently", "presently", "right"})
# "not" says many things ("not sure", "not prescribed", "not helping"). It denies a drug when it
# stands straight before it ("not oxycodone"), with "any", or across these words only, and then only
# when nothing but a time or a pronoun follows the drug: "not taking oxycodone now", "I'm not on
# methadone": a clean denial, read like "no opioids now". "not taking it as prescribed" is not one.
_NOT_FILLER = frozenset({"taking", "take", "taken", "using", "use", "used", "on", "currently", "ever", "been", "had", "have", "i", "or", "nor", "the"})
# "I not take codeine or tramadol", "not the codeine one": what may follow a drug that "not" denies.
# "not on oxycodone or anything like it", "... or anything else", "... or anything similar".
_AFTER_A_CLEAN_NOT = _DENIAL_TIMES | frozenset(
    {"it", "them", "those", "these", "that", "at", "the", "moment", "present", "or", "nor", "one", "kind", "version", "type", "anything", "like", "else", "similar"}
)
# Words of continuing use: "just prn", "only on bad days", "sometimes". Beside a denial or a last
# dose they say the drug is still taken now and then: "I don't take it every day now, just prn",
# "percocet sometimes, last one 2 weeks ago". A stop ("stopped", "used to", "anymore") still wins.
_CONTINUING = frozenset(
    ["prn", "occasionally", "occasional", "sometimes", "rarely", "seldom", "sparingly", "intermittently", "periodically", "flare", "flares", "flareup", "flareups", "breakthrough"]
)
_CONTINUING_PHRASES = frozenset(
    [("as", "needed"), ("when", "needed"), ("if", "needed"), ("as", "required"), ("when", "required"), ("if", "required"), ("bad", "days"), ("bad", "day"), ("at", "night"), ("at", "nights"), ("at", "bedtime"), ("once", "in", "a"), ("now", "and", "then"), ("here", "and", "there"), ("every", "so", "often"), ("on", "and", "off"), ("off", "and", "on"), ("some", "days"), ("on", "weekends")]
)
_CONTINUING_STARTS = frozenset(phrase[0] for phrase in _CONTINUING_PHRASES)
# After a denial these make it partial, so the use goes on: "don't take it every day", "not as
# much", "not as often", "don't take it as prescribed".
_PARTIAL = frozenset(["every", "everyday", "regularly", "much", "often", "always", "usually", "routinely"])
_PARTIAL_PHRASES = frozenset([("as", "prescribed"), ("as", "directed"), ("all", "the", "time")])
# A continuing-use word right after these is itself denied: "not even prn", "never as needed".
_DENYING_A_PATTERN = frozenset({"not", "no", "never", "even", "nor", "without"})
# "tapered down to 10mg", "weaned down", "cut down": the dose went down, the use goes on.
_STILL_GOING_AFTER = frozenset({"down", "to"})
_SINCE = "since"
_STOPPED_DOING = frozenset({"stopped", "quit", "discontinued", "ceased", "finished", "done"})
# "10 days off", "3 weeks clean", "2 months sober": how long ago the use ended.
_OFF_FOR_A_WHILE = frozenset({"off", "clean", "sober", "recovery", "free", "without"})  # "3 days without Norco"
# Said of the person rather than the medicine: "3 years clean" beside "16 mg a day" is a patient
# on a maintenance medicine, clean of other drugs.
_PERSON_STATES = frozenset({"clean", "sober", "recovery"})
_FREQUENCY_WORDS = frozenset({"daily", "bid", "tid", "qid", "qd", "qam", "qpm", "qhs", "nightly", "twice", "thrice"})
_AFTER_A_FREQUENCY = frozenset({"a", "an", "daily", "per", "every", "each", "weekly", "monthly", "nightly", "or", "in", "and"})

_NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "couple": 2, "few": 2,
    "several": 3, "some": 2, "many": 2,
}
_UNITS = {
    "day": "days", "days": "days", "d": "days",
    "week": "weeks", "weeks": "weeks", "wk": "weeks", "wks": "weeks", "w": "weeks",
    "month": "months", "months": "months", "mo": "months", "mos": "months", "mth": "months", "mths": "months",
    "year": "years", "years": "years", "yr": "years", "yrs": "years", "y": "years",
    "decade": "decades", "decades": "decades",
    "fortnight": "fortnights", "fortnights": "fortnights",
    # "my last dose was four Sundays ago": one a week
    "sundays": "weeks", "mondays": "weeks", "tuesdays": "weeks", "wednesdays": "weeks", "thursdays": "weeks", "fridays": "weeks", "saturdays": "weeks",
}
_GLUED_AMOUNT = re.compile(r"^(\d+)(days?|d|weeks?|wks?|w|months?|mos?|mths?|years?|yrs?|y)$")
_MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name} | {
    name: number for number, name in enumerate(calendar.month_abbr) if name
}
_MONTHS = {name.lower(): number for name, number in _MONTHS.items()} | {"sept": 9}
_WEEKDAYS = {name.lower(): number for number, name in enumerate(calendar.day_name)} | {
    name.lower(): number for number, name in enumerate(calendar.day_abbr)
} | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_PARTS_OF_TODAY = frozenset({"morning", "afternoon", "evening", "today", "tonight", "night"})
_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})$|^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")
# "15.06.2025": day first, as Europe writes it (a four-digit year, so "2.5.10" stays a version or a dose).
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
EARLIEST_YEAR = 1950
# "a week and a half ago": the half, in days, taken at its shortest.
_HALF_OF = {"days": 0, "weeks": 3, "fortnights": 7, "months": 15, "years": 182, "decades": 1826}


_FORMS = frozenset(
    {"patch", "patches", "film", "films", "strip", "strips", "tab", "tabs", "tablet", "tablets", "pill", "pills", "cap",
     "caps", "capsule", "capsules", "syrup", "elixir", "spray", "shot", "shots", "injection", "injections", "er", "xr",
     "sr", "cr", "ir", "lozenge", "lozenges", "drops", "solution"}
)


def _word_set_of(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Reading -------------------------------------------------------------------------------------
def _hay_fever(words: list[str], at: int) -> bool:
    """ "Allergy season is bad.", "seasonal allergies", "allergy shots": allergies of the season, not to the drug."""
    following = words[at + 1 : at + 2]
    previous = words[at - 1 : at]
    return following in (["season"], ["seasons"], ["shot"], ["shots"], ["meds"], ["medicine"], ["pills"], ["spray"], ["relief"]) or previous in (
        ["seasonal"], ["spring"], ["fall"], ["summer"], ["pollen"], ["environmental"], ["dust"], ["food"], ["nasal"]
    )


def read_timing(
    before: Sequence[str], after: Sequence[str], *, today: date, raw: str = "", patient: frozenset[str] = frozenset()
) -> Timing:
    """How a drug is used, from the folded words of its clause before and after its name.

    The caller has cut off other drugs' names and words. `raw` is the entry's text, for dates
    written with slashes or dashes that the word tokens split apart. `patient` holds the person
    words the entry names as the patient ("Dad is the patient"; see `patient_named`): a caregiver
    typing, so that person's medicines, and "he", "she", "her" medicines, are the patient's.
    """
    before = _without_others_starting(_joined_negations(_without_headings(_ran_out(before))))
    after = _without_others_starting(_joined_negations(_without_headings(_without_else_denied(list(_ran_out(after))))))
    while after and after[0] in _FORMS:
        after = after[1:]  # "wife uses Butrans patch, I use nothing": the form is the name's, not a remark
    around = before + after

    allergy = next(
        (
            w
            for i, w in enumerate(around)
            if w in _ALLERGY
            and (i == 0 or around[i - 1] not in {"no", "nka", "nkda"})
            and not (i >= len(before) and {"during", "for"} & set(around[max(len(before), i - 3) : i]))
            and not _hay_fever(around, i)
            and around[i + 1 : i + 2] not in _AN_ALLERGY_MEDICINE  # "my allergy pill": a medicine for allergies
        ),
        None,
    )  # "No allergies. Meds: tramadol" says nothing about tramadol; "given meperidine for rigors during a
    # transfusion reaction": the reaction is the dose's reason, not an allergy
    if allergy is None and any(
        w in {"tolerate", "tolerated", "handle"} and set(around[max(0, i - 2) : i]) & {"cant", "cannot", "couldnt", "not", "dont", "doesnt", "didnt"}
        for i, w in enumerate(around)
    ):
        allergy = "intolerance"  # "can't tolerate Norco"
    # "Percocet allergy (itching), not taking any": the denial's "taking" is not use.
    at = around.index(allergy) if allergy in around else 0
    takes_instead = allergy is not None and at < len(before) and _takes_it_oneself(before[at + 1 :])
    # "Norco makes me itchy but it works", "sensitive to Norco so I take half": a side effect of a use.
    takes_instead = takes_instead or (allergy is not None and _still_taken_despite(after))
    # "since" and "for" date the allergy ("on my chart since my tonsillectomy"), not a use.
    current_use = _says_current(before, after, claimed=_denied_words(around)) if allergy is not None else ""
    # "stopped the hydrocodone a little while ago cuz it made me itchy": why a use stopped, not an allergy.
    # "tramadol 100 mg 2x/day, stopped yesterday bc it made me itch": the stop after the name, before the reason.
    ended_it = {"stopped", "quit", "stop", "pulled", "removed"}  # "pulled it off last weekend because it made me itchy"
    stopped = ended_it & set(before) or (allergy in after and ended_it & set(after[: after.index(allergy)]))
    side_effect_of_a_use = allergy in after and bool(stopped) and bool({"made", "makes", "gave"} & set(after))
    if allergy is not None and not takes_instead and not side_effect_of_a_use and current_use in {"", "since", "for"}:
        return Timing(Use.ALLERGY, cue=allergy)
    if before[-1:] in (["called"], ["named"]) and before[-2:-1] in (["is"], ["was"], ["s"], ["band"], ["group"]):
        return Timing(Use.NEVER, cue="a name")  # "our band is called Morphine Drip"
    if {"confuse", "confused", "confuses", "confusing", "mistaken", "mixed", "mix"} & set(before[-4:]) and before[-1:] in (["with"], ["for"]):
        return Timing(Use.NEVER, cue="confused with")  # "people confuse it with buprenorphine": named, not taken
    unused = next((w for w in before[-4:] if w in _UNUSED_SUPPLY), "")  # "an unopened bottle of Vicodin"
    if unused and _takes_it_oneself(after):
        unused = ""
    # "wants to stay off narcotics", "trying to stay away from opioids": a wish, not a use or a stop.
    staying_off = bool((_PLANS | {"trying", "try", "tries"}) & set(before)) and any(
        w in _PLANS | {"trying", "try", "tries"} and before[i + 1 : i + 3] in (["to", "stay"], ["to", "keep"]) and set(before[i + 3 : i + 5]) & {"off", "away"}
        for i, w in enumerate(before)
    )
    not_taken = (
        _free_of_it(before, after) or never_had_it(after) or _offer_refused(before, after) or unused or ("staying off" if staying_off else "")
        or _disposed_of(before, around)
    )
    if not_taken:
        return Timing(Use.NEVER, cue=not_taken)
    someone_else = (
        _someone_elses(before, around, patient, named=frozenset(re.findall(r"[a-z]+", raw.lower())))
        or _the_writers_own(after, raw)
        or _said_to_be_anothers(after, patient)
    )
    if someone_else:
        return Timing(Use.NEVER, cue=someone_else)
    if after[:2] == ["not", "me"] and not _takes_it_oneself(after[2:]):
        return Timing(Use.NEVER, cue="not me")  # "my cellie was on suboxone, not me"
    not_me = next((i for i in range(len(after) - 1) if after[i : i + 2] == ["not", "me"]), None)
    he_or_she = bool(before[:1]) and before[0] in {"he", "she", "they"} and not patient  # "HE TAKE PERCOCET FOR BACK. NOT ME."
    if not_me is not None and (_names_another(before) or he_or_she) and not _takes_it_oneself(after[not_me + 2 :]) and not _takes_it_oneself(before):
        return Timing(Use.NEVER, cue="not me")  # "My husband buys tramadol at the market for his farm work, not me."
    at_work = _at_work(around, after_name=len(before), patient=patient, entry=_jobs_named(re.findall(r"[a-z]+", raw.lower())))
    if at_work:
        return Timing(Use.NEVER, cue=at_work)
    if _not_started(around) or _a_start_to_come(before, after):
        return Timing(Use.NEVER, cue="not started")  # "may prescribe oxycodone after my surgery; not started"
    switched = _switched(before, after)
    if switched == "to":
        # "switched from gabapentin to tramadol in October" is taken now; "tapered to tramadol
        # 2022-2024" names the years it was taken, and they are over.
        over = _over_in_years(after, today)
        if over is not None:
            return Timing(Use.ENDED, over[1], cue="switched to", when=over[0])
        return Timing(Use.CURRENT, cue="switched to")
    if switched == "from":
        # "switched from oxycodone to tramadol last month": the old one ended when the new one began.
        when, last_dose = read_date(around, today=today, raw=raw)
        return Timing(Use.ENDED, last_dose, cue="switched from", when=when)

    decade = _decade_of_life(around, today)
    if decade is not None:
        return Timing(Use.ENDED, decade[1], cue="", when=decade[0])  # "methadone in my 20s (I'm 52 now)"
    when, last_dose = read_date(around, today=today, raw=raw)
    stopped_after = _stopped_days_after(around, last_dose)
    if stopped_after is not None and stopped_after <= today:
        # "tramadol filled 9/14/2026 but I stopped after two days": over two days after it began.
        return Timing(Use.ENDED, stopped_after, cue="stopped after", when=f"{when} + the days taken")
    if last_dose is not None and _a_vague_stop(around, today):
        when, last_dose = "", None  # "the Vicodin from last month ran out a little while ago": the date is the supply's
    if last_dose is not None and _a_fill_date(when, raw):
        when, last_dose = "", None  # "Last filled 11/02/2026": when the supply came, not the last dose
    if last_dose is not None and _a_day_planned(around):
        return Timing(Use.CURRENT, cue="planned")  # "tapering off the OxyContin, last dose planned for Dec 5": still taken
    if last_dose is not None and _until_a_coming_day(around, today):
        return Timing(Use.CURRENT, cue="until")  # "lortab till I get the knee replaced in jan"
    course_end = _course_end(around, last_dose)
    if course_end is not None:
        # "took oxycodone starting 9/14 after surgery, only 4 days' worth": over when the course ran out.
        if course_end < today:
            return Timing(Use.ENDED, course_end, cue="course", when=f"{when} + the course")
        return Timing(Use.CURRENT, cue="course")
    # "Lyrica 150 (not an opioid, my derm checked)", "loperamide - not a narcotic": what the medicine before is not.
    described = _NOT_OF_THE_CLASS.search(raw.lower()) is not None if raw else False
    negation = _governing_negation(before, after, described=described)
    # A denial's own words ("not taking any", "no opioids now") do not say the use goes on.
    claimed = _denial_claims(before, after, described=described) if negation else frozenset()
    current = _says_current(before, after, claimed=claimed)
    ended = _ending_word(before, after, has_date=last_dose is not None)
    if not ended and last_dose is not None and (_UNTIL | {"through", "thru"}) & set(_without_went_through(around)):
        ended = "until"  # "tramadol till 11/08", "Norco through August": a day already past (days to come were read above)
    if ended == "end" and current in {"start", "started"}:
        current = ""  # "Start: 03/2019, End: 05/2019": a course with its end written down
    if ended in _PERSON_STATES and not current:
        # "suboxone 16 mg a day, 3 years clean": clean of other drugs, on the medicine every day.
        current = _dose_frequency(around)

    if current and current.split()[0] in {"tapered", "weaned", "cut"} and (over := _over_in_years(after, today)) is not None:
        return Timing(Use.ENDED, over[1], cue=current, when=over[0])  # "tapered to tramadol 2022-2024"
    if current:
        return Timing(Use.CURRENT, cue=current)
    # "I don't take it every day now, just prn", "percocet sometimes, last one 2 weeks ago": a
    # partial denial or a last dose beside words of continuing use; a real stop still wins.
    still = _continuing_use(before, after) or (_partial_denial(after, claimed, len(before)) if negation else "")
    if still and (negation or ended) and not _ending_word(before, after, has_date=last_dose is not None, count_last=False):
        return Timing(Use.CURRENT, last_dose, cue=still, when=when)
    if (negation or ended) and last_dose is None:
        when, last_dose = _for_duration(around, today=today)
    if negation and ended in _STOPPING:
        negation = ""  # "don't take it anymore", "not on it since I stopped": a stop, not a denial
    if negation and when in {"this week", "this month", "this year"}:
        last_dose = _end_of_last(when.split()[1], today)  # "no codeine syrup this year": none since the year began
    if negation:
        # A slash date elsewhere in the row is not this denial's: "Norco … 11/19 never filled, no pain meds now".
        if last_dose is not None and negation not in _REFUSING and _numbers_among(when, around):
            # "haven't taken tramadol since Monday": not now, and not since that day.
            return Timing(Use.ENDED, last_dose, cue=negation, when=when)
        return Timing(Use.NEVER, cue=negation)
    if ended:
        return Timing(Use.ENDED, last_dose, cue=ended, when=when)
    if last_dose is not None and (_past_event(around) or _an_earlier_year(around, today)):
        # "percocet after surgery in 2018", "tramadol 3 years ago": a dated past event.
        return Timing(Use.ENDED, last_dose, cue="", when=when)
    if last_dose is not None and last_dose <= today and after[-1:] == ["then"]:
        # "hydromorphone Nov 3, then oxycodone": the first was over when the next one began.
        return Timing(Use.ENDED, last_dose, cue="then", when=when)
    return CURRENT


_DECADES = {
    "teens": 19, "teen": 19, "20s": 29, "twenties": 29, "30s": 39, "thirties": 39, "40s": 49, "forties": 49,
    "50s": 59, "fifties": 59, "60s": 69, "sixties": 69,
}
_STILL_NOW = frozenset({"still", "currently", "daily", "again", "nightly"})


_CHILDHOOD = frozenset({("as", "a", "kid"), ("as", "a", "child"), ("as", "a", "baby"), ("when", "i", "was", "a", "kid"),
                        ("when", "i", "was", "a", "child"), ("when", "i", "was", "little"), ("when", "i", "was", "small")})
_CHILDHOOD_LAST_WORDS = frozenset(c[-1] for c in _CHILDHOOD)


# The words of a denial of the rest of the list: "not taking anything else", "nothing else right now".
ELSE_DENIED = frozenset(
    {"not", "no", "nothing", "none", "dont", "don", "t", "never", "i", "im", "am", "m", "taking", "take", "on", "using",
     "use", "any", "anything", "other", "meds", "medications", "medicines", "pills", "drugs", "else", "currently", "right",
     "now", "at", "the", "moment", "that", "s", "thats", "it", "daily", "regularly", "routinely", "either", "really", "prescribed"}
)


def _without_else_denied(words: list[str]) -> list[str]:
    """ "norco, not taking anything else", "stopped it 2 years ago, nothing else", "nothing for pain": a denial of
    the rest of the list says nothing of this medicine, so it is left out."""
    for start, word in enumerate(words):
        # "on suboxone since 2023, nothing for pain": nothing taken for another reason
        if word in {"nothing", "none"} and words[start + 1 : start + 3] == ["for", "pain"]:
            return words[:start] + words[start + 3 :]
    if "else" not in words:
        return words
    at = words.index("else")
    denial = next((i for i in range(at, max(-1, at - 6), -1) if words[i] in {"not", "no", "nothing", "none", "dont", "never"}), None)
    if denial is None or not set(words[denial : at + 1]) <= ELSE_DENIED:
        return words
    end = at + 1
    while end < len(words) and words[end] in _ELSE_DENIED_AFTER:
        end += 1  # "nothing else daily", "nothing else right now"
    return words[:denial] + words[end:]


_ELSE_DENIED_AFTER = frozenset({"daily", "regularly", "routinely", "now", "currently", "right", "at", "the", "moment", "either", "really", "prescribed", "today"})


def _ran_out(words: Sequence[str]) -> Sequence[str]:
    """ "ran out end of Oct": the supply ended, as "finished" says ("running out" is still taken)."""
    if "ran" not in words:
        return words
    read: list[str] = []
    for word in words:
        if word == "out" and read[-1:] == ["ran"]:
            read[-1] = "finished"
        else:
            read.append(word)
    return read


def _still_taken_despite(after: list[str]) -> bool:
    """After a drug with a side effect: "but it works", "so I take half", "I take it anyway"."""
    for index, word in enumerate(after):
        following = after[index + 1 : index + 2]
        if word == "it" and following and following[0] in {"works", "helps", "worked", "helped"} and "never" not in after[:index]:
            return True
        if word in {"take", "taking", "use", "using"} and following and following[0] in {"half", "it", "less", "them"}:
            negated = set(after[max(0, index - 2) : index]) & (_NEVER | _NEGATED_VERBS | {"not"})
            if not negated and (index == 0 or after[index - 1] in {"i", "still", "so", "but"}):
                return True
    return False


def _decade_of_life(words: list[str], today: date) -> tuple[str, date] | None:
    """ "in my 20s (I'm 52 now)": a decade of the patient's life that ended before the age they give,
    read as its last day at the latest. With no age, or with words of use now, None.

    Childhood ("had codeine for a broken arm as a kid") is over too: online booking is for adults, so
    it ended years ago; it is read as five years ago at the latest."""
    if _STILL_NOW & set(words):
        return None
    childhood = None
    if _CHILDHOOD_LAST_WORDS & set(words):
        childhood = next((c for c in _CHILDHOOD if any(tuple(words[i : i + len(c)]) == c for i in range(len(words)))), None)
    if childhood is not None:
        return " ".join(childhood), date(today.year - 5, today.month, min(today.day, 28))
    if not _DECADES.keys() & set(words):
        return None
    said = next(
        (i for i, w in enumerate(words) if w == "in" and words[i + 1 : i + 2] in (["my"], ["her"], ["his"]) and words[i + 2 : i + 3] and words[i + 2] in _DECADES),
        None,
    )
    if said is None or _STILL_NOW & set(words):
        return None
    age = None
    for i, w in enumerate(words):
        following = words[i + 1] if i + 1 < len(words) else ""
        if w in {"im", "am", "m", "age", "aged"} and following.isdigit() and len(following) == 2:
            age = int(following)
        elif w.isdigit() and len(w) == 2 and (following in {"yo", "yrs", "y"} or words[i + 1 : i + 3] in (["years", "old"], ["yrs", "old"])):
            age = int(w)
    end = _DECADES[words[said + 2]]
    if age is None or age <= end + 1:
        return None
    years_ago = age - end - 1
    return f"in my {words[said + 2]}", date(today.year - years_ago, today.month, min(today.day, 28))


def _over_in_years(after: list[str], today: date) -> tuple[str, date] | None:
    """ "… to tramadol 2022-2024": the years the medicine was taken, when they are over."""
    years = [w for w in after if len(w) == 4 and w.isdigit() and w[:2] in {"19", "20"}]
    if len(years) < 2:
        return None
    when, last = read_date(after, today=today)
    return (when, last) if last is not None and last.year < today.year else None


# "Rx history", "order history", "claims history": a printout's heading, not a past use.
_HEADED_HISTORY = frozenset({"rx", "order", "orders", "fill", "refill", "claims", "claim", "prescription", "pharmacy", "purchase", "dispensing"})


_STARTING = frozenset({"started", "starts", "began", "begun", "kicked"})


def _without_others_starting(words: list[str]) -> list[str]:
    """ "stopped my Tylenol #3 on Oct 30 when PT started working", "after the pain began": what started
    in a clause of its own, with its own subject, is not the medicine's start."""
    dropped: set[int] = set()
    for index, word in enumerate(words):
        if word not in _STARTING:
            continue  # the test below needs it; most words are not one
        subject = words[index - 1] if index else ""
        opener = set(words[max(0, index - 3) : index - 1])
        if word in _STARTING and opener & {"when", "once", "after", "before", "until", "till"} and subject not in {"i", "we", "me", "it", "they", "she", "he"}:
            dropped.add(index)
            if words[index + 1 : index + 2] and words[index + 1].endswith("ing"):
                dropped.add(index + 1)  # "started working", "began helping"
    return [w for i, w in enumerate(words) if i not in dropped]


def _without_headings(words: Sequence[str]) -> list[str]:
    return [w for i, w in enumerate(words) if not (w == "history" and i and words[i - 1] in _HEADED_HISTORY)]


_UNTIL = frozenset({"till", "until", "til"})
_FILLED = re.compile(r"\b(?:re)?fill(?:ed)?(?: date)?(?: on)?\s*:?\s*$")


def _a_fill_date(when: str, raw: str) -> bool:
    """The date was written straight after "filled", "refilled" or "fill date" (a printout's line)."""
    folded = " ".join(raw.lower().split())
    at = folded.find(when)
    return bool(when) and at > 0 and bool(_FILLED.search(folded[:at]))


# ("appoint…" is matched by its start: "appointment", "appointments".)
_COMING = frozenset({"get", "have", "see", "next", "replaced", "surgery", "appt", "procedure", "operation"})


def _a_day_planned(words: list[str]) -> bool:
    """ "last dose planned for Dec 5", "taper scheduled to end on 12/10": a day still to come."""
    return any(
        w in {"planned", "scheduled", "due"} and words[i + 1 : i + 2] in (["for"], ["on"], ["to"]) and not {"was", "were"} & set(words[max(0, i - 2) : i])
        for i, w in enumerate(words)
    )


def _until_a_coming_day(words: list[str], today: date) -> bool:
    """ "till I get it replaced in jan", "until my surgery next month": taken up to a day still to come,
    so taken now. A year or a past word ("until last week", "until March 2025") dates a past stop.

    A month just ahead is still to come: on 28 November "until December" or "through January" is
    taken now, while "until August" was this year's August."""
    at = next((i for i, w in enumerate(words) if w in _UNTIL | {"through", "thru"}), None)
    if at is None or any(len(w) == 4 and w.isdigit() for w in words) or {"last", "ago", "stopped", "quit"} & set(words):
        return False
    month = _MONTHS.get(words[at + 1]) if at + 1 < len(words) else None
    day = _day_number(words[at + 2]) if month == today.month and at + 2 < len(words) else None
    if day is not None and day <= today.day:
        return False  # "till Nov 9" on 28 November: a day already past
    if month is not None and (month - today.month) % 12 in {0, 1, 2}:
        return True
    if words[at + 1 : at + 2] and words[at + 1][:1].isdigit():
        return False  # "till 11/09": a day, read with the other dates
    # Only what "until" itself names: "until late September, off them since. I get allergy shots" is past.
    return words[at] in _UNTIL and any(w in _COMING or w.startswith("appoint") for w in words[at + 1 : at + 5])


# "ER nurse, I administer fentanyl", "I count oxycodone at the pharmacy", "methadone clinic counselor":
# an opioid the patient handles at work. Any word of the patient taking it ("I take", "gave me")
# keeps it the patient's own.
_JOBS = frozenset(
    {"nurse", "nurses", "rn", "lpn", "cna", "pharmacist", "technician", "tech", "counselor", "counsellor", "medic",
     "paramedic", "emt", "vet", "veterinarian", "shift", "shifts", "job", "work", "caregiving", "hospice",
     "budtender", "dispensary", "shop", "store", "cashier", "clerk", "caregiver", "aide", "pharmacy"}
)
_HANDLING = frozenset(
    {"give", "giving", "administer", "administers", "administering", "dispense", "dispenses", "dispensing", "count",
     "counts", "counting", "waste", "wasting", "pass", "passing", "stock", "stocking", "handle", "handling",
     "prescribe", "prescribing", "sell", "sells", "selling"}
)


_WHERE_ONE_SHOPS = frozenset({"work", "pharmacy", "shop", "store"})
_KEEPING = frozenset({"keep", "carry", "stock"})
# Where a job keeps its drugs (not "er", "morphine ER"; not a clinic or ward, where patients are given theirs).
_WORKPLACES = frozenset({"ambulance", "rig", "truck", "cart", "pyxis", "omnicell", "station", "icu"})


# Verbs only a job uses: "I administer fentanyl", "I dispense methadone".
_HANDLING_AT_WORK = frozenset({"administer", "administering", "dispensing", "wasting"})  # not a label's "dispense as written"
# The words without one of which _at_work finds no handling (`handling`, `stocked`, _HANDLING_AT_WORK) and so
# answers "" at its first test. A set, not a frozenset, so `words_weighed` stays as it was ("we", "hand").
_AT_WORK_WORDS = set(_HANDLING | _HANDLING_AT_WORK | {"we", "hand", "hands", "handing", "handed", "counselor", "counsellor"})


def _at_work(words: list[str], after_name: int = -1, patient: frozenset[str] = frozenset(), entry: frozenset[str] = frozenset()) -> str:
    """The job that has the patient handle the drug, or "". `entry` holds the words of the whole entry:
    "I'm a caregiver, I give my client Norco" names the job in another part."""
    if _AT_WORK_WORDS.isdisjoint(words):
        return ""  # no handling, no "we", no "hand out", no counselor: the first test below answers "" for certain
    # "we use hydromorphone on dogs": a job's "we", and the animals or patients it is used on.
    on_others = "we" in words and any(
        w in {"on", "for", "in"} and set(words[i + 1 : i + 4]) & ({"patients", "animals", "residents", "clients"} | _PETS) for i, w in enumerate(words)
    )  # "we use it on dogs", "for the cats after spays"; not "We have a dog."
    handed_out = {"hand out"} if any(w in {"hand", "hands", "handing", "handed"} and "out" in words[i + 1 : i + 3] for i, w in enumerate(words)) else set()
    handled = {w for i, w in enumerate(words) if w in _HANDLING and not _not_the_writers_handling(words, i)}
    # "we keep fentanyl in the ambulance", "we carry it on the rig": a workplace's stock.
    stocked = {w for i, w in enumerate(words) if w in _KEEPING and words[i - 1 : i] == ["we"]} if _WORKPLACES & set(words) else set()
    handling = handled or handed_out or stocked or ({"use", "uses", "used", "using"} & set(words) if on_others else set()) or {
        w
        for i, w in enumerate(words)
        if w in {"counselor", "counsellor"}
        and (i == after_name or words[i - 1 : i] in (["clinic"], ["a"], ["an"], ["as"]))
        and words[i + 1 : i + 2] not in (["every"], ["weekly"], ["each"], ["on"], ["twice"], ["once"], ["monthly"])
    }  # "suboxone clinic counselor", "I'm a counselor"; not "counselor every Wed", whom the patient sees
    # Another part's job; its bare "work" only where it says where ("I work nights" names no job that handles drugs),
    # and a shop only in the clause that handles the drug: "Pharmacy is Walgreens." is where the patient fills.
    if not (_jobs_named(words) | (_JOBS - _WHERE_ONE_SHOPS) & entry and handling) and not _HANDLING_AT_WORK & set(words) and not stocked:
        return ""
    if patient and handling <= {"give", "giving"} and ("we" in words or {"him", "her"} & set(words) or patient & set(words)):
        return ""  # "my sister is the patient … we give it every 4 hours", "Grandpa is the patient. I give him his Percocet"
    me = any(w in {"me", "myself"} and not {"none", "not", "no", "nothing", "never"} & set(words[max(0, i - 3) : i]) for i, w in enumerate(words))
    mine = any(
        w in {"i", "im", "ive"} and words[i + 1 : i + 2] and words[i + 1] in _USE_VERBS | {"on"} and words[i + 2 : i + 3] not in (["nothing"], ["none"], ["no"])
        for i, w in enumerate(words)
    )  # "I take it too"; not "I take nothing"
    if on_others and not me and not mine and not _own_use_of_anothers(words):
        return "use"  # "we use it on dogs" is the job's "use"
    # "the hospice give her morphine and she take it", typed for the patient: her use, not a job.
    if _takes_it_oneself(words, patient if patient else None) or _own_use_of_anothers(words) or me:  # "none for me" is no use
        return ""
    return next((w for w in words if w in _HANDLING or w in handling), "hand out")


_PEOPLE_IN_A_JOB = frozenset({"nurse", "nurses", "rn", "pharmacist", "technician", "tech", "counselor", "counsellor", "medic", "paramedic", "vet", "veterinarian", "caregiver", "aide"})


_SOMEONE_WHO_GIVES = frozenset({"doctor", "dr", "doc", "dentist", "surgeon"})


def _not_the_writers_handling(words: list[str], at: int) -> bool:
    """ "does the shot from August count?", "the American doctor give it", "could not give a date", "to pass
    a test": a question, someone else giving it, or a giving or passing that is no medicine's."""
    if words[at] in {"count", "counts"} and set(words[max(0, at - 8) : at]) & {"does", "do", "did", "would", "will"}:
        return True
    if words[at] in {"give", "giving"} and words[at + 1 : at + 3] in (["a", "date"], ["the", "date"], ["up"], ["birth"]):
        return True
    if words[at] in {"pass", "passing"} and {"test", "tests", "screen", "drug", "physical"} & set(words[at + 1 : at + 4]):
        return True  # "stopped 11/20 to pass a test"
    return bool(set(words[max(0, at - 2) : at]) & _SOMEONE_WHO_GIVES)


def _jobs_named(words: list[str]) -> frozenset[str]:
    if _JOBS.isdisjoint(words):
        return frozenset()  # most entries name no job
    return frozenset(w for i, w in enumerate(words) if w in _JOBS and not _someone_in_that_job(words, i))


def _someone_in_that_job(words: list[str], at: int) -> bool:
    """ "Question for the pharmacist", "my nurse says", "my friend is a nurse": a person the patient speaks
    to or of, not the patient's job."""
    if words[at] not in _PEOPLE_IN_A_JOB:
        return False
    previous = words[at - 1] if at else ""
    person = next((i for i in range(at - 1, max(-1, at - 4), -1) if words[i] in _SOMEONE_ELSE or words[i] in _FRIENDS), None)
    if person is not None and set(words[person + 1 : at]) <= {"is", "was", "s", "a", "an", "also"}:
        return True  # "My friend is a nurse", "wife is an RN": their job, not the writer's
    return previous in {"my", "your", "our"} or (
        previous == "the" and at >= 2 and words[at - 2] in {"for", "ask", "to", "tell", "told", "asked", "by", "from", "with"}
    )


# "typed by my daughter", "my son is typing this for me": the person is the one typing.
_TYPING = frozenset({"typing", "typed", "filling", "filled", "writing", "wrote", "helping", "entering"})


def _typed_by(words: Sequence[str], at: int) -> bool:
    """ "Typed by English neighbor:", "written by my older son": the person at `at` is the one typing
    (not "Typed by neighbor: Jonas' wife takes …", where the wife is another person)."""
    for j in range(max(1, at - 3), at):
        between = words[j + 1 : at]
        if words[j] == "by" and words[j - 1] in _TYPING and not (_SOMEONE_ELSE | _PETS) & set(between):
            return len(between) < 2 or between[0] in {"my", "our", "a", "an", "the", "his", "her"}
    return False


_THE_PATIENT_DOES = frozenset({"takes", "uses", "has", "gets", "herself", "himself", "themself", "denies", "reports", "states"})


# "Typing for my mom:", "answering for my dad", "filling this out for my husband": the one it is for is the patient.
_FILLING_IN = frozenset({"booking", "filling", "signing", "registering", "typing", "writing", "entering", "answering", "completing"})


_BEFORE_THERAPY = frozenset({"started", "start", "starting", "doing", "in", "to", "from", "and", "with", "plus", "of", "after", "finished"})
_AFTER_THERAPY = frozenset({"twice", "once", "2x", "3x", "weekly", "sessions", "session", "exercises", "2", "3"})
_REPORTING = frozenset({"states", "stated", "reports", "reported", "says", "said", "endorses", "admits", "notes"})


# A title before the patient's name or initial says which pronouns are the patient's.
_TITLES = {"mrs": ("she", "her"), "ms": ("she", "her"), "miss": ("she", "her"), "mr": ("he", "his", "him")}


_AN_ALLERGY_MEDICINE = (["pill"], ["pills"], ["medicine"], ["meds"], ["med"], ["medication"], ["tablet"], ["tablets"], ["spray"], ["shot"], ["shots"], ["drops"])
# Words for the same family member: "My mother (the patient) uses Ma Ying Long ointment and takes …".
_SAME_PERSON = (
    frozenset({"mother", "mom", "ma", "mum", "mama", "momma", "mommy"}),
    frozenset({"father", "dad", "pa", "papa", "daddy"}),
    frozenset({"grandmother", "grandma", "nana", "nanna", "granny", "gran"}),
    frozenset({"grandfather", "grandpa", "granddad", "grandad"}),
)


def patient_named(words: Sequence[str]) -> frozenset[str]:
    named = _patient_named(words)
    return named.union(*(same for same in _SAME_PERSON if same & named)) if named else named


def _patient_named(words: Sequence[str]) -> frozenset[str]:
    """The person word nearest to "patient" (or "the one booking") that the entry names as the patient:
    "Dad is the patient", "patient is my mother", "Mom (the patient)", "Grandma is the one booking";
    not "Grandpa (not the patient)"."""
    if "this" not in words and "patient" not in words and "pt" not in words and _FILLING_IN.isdisjoint(words):
        return frozenset()  # each loop below starts from one of these words ("booking" is one of _FILLING_IN)
    named: set[str] = set()
    for index in range(len(words) - 3):
        # "Dad (the one this form is for)", "this intake is for my mother": the person it is for.
        if words[index : index + 3] in (["this", "form", "is"], ["this", "intake", "is"], ["this", "booking", "is"]) and words[index + 3 : index + 4] == ["for"]:
            after_for = next((w for w in words[index + 4 : index + 6] if w in _SOMEONE_ELSE), "")
            before_it = next((w for w in reversed(words[max(0, index - 4) : index]) if w in _SOMEONE_ELSE), "")
            if after_for or before_it:
                named.add(after_for or before_it)
    for index, word in enumerate(words[:-2]):
        # "booking for my mother-in-law", "typing for my mom": the one booked or typed for is the patient.
        if word in _FILLING_IN and "for" in words[index + 1 : index + 4]:
            at = words.index("for", index + 1)
            person = next((w for w in words[at + 1 : at + 3] if w in _SOMEONE_ELSE), "")
            if person and words[at + 1 : at + 2] in (["my"], ["our"], [person]):
                named.add(person)
    for index, word in enumerate(words):
        booking = word == "booking" and list(words[max(0, index - 2) : index]) == ["the", "one"]
        if (word not in {"patient", "pt"} and not booking) or "not" in words[max(0, index - 3) : index]:
            continue
        if word == "pt" and ((index and words[index - 1] in _BEFORE_THERAPY) or (index + 1 < len(words) and words[index + 1] in _AFTER_THERAPY)):
            continue  # "Started PT 2 weeks ago", "PT twice a week": physical therapy
        if {"i", "im", "m", "me"} & set(words[max(0, index - 3) : index]):
            continue  # "I'm the patient"
        if words[index + 1 : index + 2] == ["s"]:
            continue  # "pt's spouse", "the patient's son": someone of the patient's, not the patient
        if words[index + 1 : index + 2] and words[index + 1] in {"does", "doesnt", "didnt", "denies"}:
            continue  # "belongs to spouse, patient does not take": a statement about the patient, naming nobody
        if words[max(0, index - 3) : index - 1] in (["she", "is"], ["he", "is"], ["she", "s"], ["he", "s"]) and words[index - 1] == "the":
            # "my grandmother uses taryak …, she is the patient": the last person named before, however far back
            pronoun = words[index - 3]
            named.update(("she", "her") if pronoun == "she" else ("he", "his", "him"))
            person = next((w for w in reversed(words[: index - 3]) if w in _SOMEONE_ELSE), "")
            if person:
                named.add(person)
        title = next((w for w in words[max(0, index - 3) : index] if w in _TITLES), "")
        if title:
            named.update(_TITLES[title])  # "Aide here for Mrs. L (patient, IDD). She had her Sublocade shot in April"
        said = [w for w in words[index + 1 : index + 4] if w != "that"]
        if said[:1] and said[0] in _REPORTING and said[1:2] and said[1] in {"she", "he"}:
            named.add(said[1])  # "Pt states she used her husband's Norco": "she" is the patient
            continue
        subject = words[index + 1 : index + 2] and words[index + 1] in _THE_PATIENT_DOES
        if subject and not _SOMEONE_ELSE & set(words[max(0, index - 3) : index]):
            continue  # "…; pt takes only metformin" names nobody; "dad is the patient - takes" names Dad
        # "he's the patient" reaches back to the person "he" is: "Dad is on hospice and he's the patient".
        reach = 8 if _THIRD_PERSON & set(words[max(0, index - 3) : index]) else 4
        # After the word only where it says who: "the patient is my mother", "patient: mom", not
        # "Wife is the patient. Her mother lives with us".
        names_after = words[index + 1 : index + 2] in (["is"], ["was"], ["my"], ["being"])
        near = [
            (abs(at - index) + (0 if at < index else 0.5), words[at])
            for at in range(max(0, index - reach), min(len(words), index + 5))
            # "Patient: Mom"; a "pt" before the next sentence's person is more often physical therapy
            # ("celecoxib + PT. Grandma lives with us").
            if words[at] in _SOMEONE_ELSE
            and (
                at < index
                # "the patient is my mother", not "Patient is 58 F. husband is on methadone"
                or (names_after and set(words[index + 1 : at]) <= {"is", "was", "my", "our", "being", "the"})
                or (at == index + 1 and (word == "patient" or index == 0))
            )
            and not _TYPING & set(words[at + 1 : at + 3])  # "(husband typing)": the one typing, not the patient
        ]
        if near:
            named.add(min(near)[1])
    return frozenset(named)


def _not_started(words: list[str]) -> bool:
    """ "not started", "haven't started", "haven't taken any yet": a medicine still to come."""
    for index, word in enumerate(words):
        if word not in {"started", "start", "begun", "yet"}:
            continue  # each test below needs one of these
        before = words[max(0, index - 2) : index]
        if word in {"started", "start", "begun"} and {"not", "havent", "hasnt", "didnt", "never", "nothing"} & set(before):
            return True
        # "I haven't decided or started": the negation reaches across "decided or".
        if word in {"started", "begun"} and words[max(0, index - 4) : index - 1] and {"havent", "hasnt", "not"} & set(words[max(0, index - 4) : index]) and "or" in words[max(0, index - 2) : index]:
            return True
        # "Off the methadone? Not yet." is still on it.
        yet = word == "yet" and {"havent", "hasnt", "not", "isnt", "nothing", "none"} & set(words[max(0, index - 4) : index])  # "isn't scheduled yet", "nothing yet"
        # "ran out a few days ago, not refilled yet": a supply not renewed was taken before.
        renewed = _REFILLED & set(words[max(0, index - 3) : index])
        if yet and not renewed and not _STOPPING_WORDS & set(words[max(0, index - 6) : index]):
            return True
    return False


_STOPPING_WORDS = frozenset({"off", "stop", "stopped", "quit", "done", "clean", "free", "finished"})
_REFILLED = frozenset({"refilled", "refill", "refills", "renewed", "reordered"})
# "the surgeon will give me Percocet then", "her surgeon plans Norco after her surgery on Dec 15",
# "surgeon mentioned oxycodone after": a start to come. Never beside words of use now.
_WILL_START = frozenset({"give", "prescribe", "start", "put", "send", "order", "write", "get", "receive"})
_MAY_OR_WILL = frozenset({"will", "may", "might", "could", "would", "ll"})
_TO_COME = frozenset({"plans", "planned", "planning", "mentioned", "scheduled", "recommends", "wants", "says", "said"})
_AFTER_AN_EVENT = frozenset({"surgery", "delivery", "procedure", "operation", "it", "that", "discharge", "birth"})


def _a_start_to_come(before: list[str], after: list[str]) -> bool:
    around = before + after
    # "she takes nothing now" says no use; "takes" before anything else is use now.
    use_now = {"taking", "takes", "using", "currently", "still", "daily", "since", "continue", "continuing"}
    if use_now & set(around) and any(
        w in use_now
        and around[i + 1 : i + 2] not in (["nothing"], ["none"], ["no"])
        and not (w == "since" and {"clean", "sober", "free", "off"} & set(around[max(0, i - 3) : i]))  # "clean from pills since 2025"
        for i, w in enumerate(around)
    ):
        return False
    if _takes_it_oneself(around) or any(w[:1].isdigit() and len(w) <= 3 and w != "0" for w in before[-3:]):
        return False
    # "the surgeon will give me", "my dentist may prescribe … next week": a start to come.
    will = any(w in _MAY_OR_WILL and set(before[i + 1 : i + 3]) & _WILL_START for i, w in enumerate(before))
    # "PM doc wants to start me on Butrans": someone else's plan to start the patient on it.
    will = will or any(
        w == "start" and before[i - 1 : i] == ["to"] and before[i + 1 : i + 3] in (["me", "on"], ["her", "on"], ["him", "on"], ["them", "on"])
        and bool((_PLANS | _TO_COME) & set(before[:i]))
        for i, w in enumerate(before)
    )
    # "Grandpa is to get hydrocodone after his knee surgery": a start arranged for later.
    will = will or (before[-3:-1] in (["is", "to"], ["am", "to"], ["are", "to"]) and before[-1] in _WILL_START)
    # "oxyCODONE to be prescribed after ORIF scheduled 12/14": a plan, written as one.
    will = will or (after[:2] == ["to", "be"] and after[2:3] in (["prescribed"], ["given"], ["started"], ["sent"], ["ordered"]))
    # "Doctor wants me to start Sublocade in January": someone's plan for the patient.
    will = will or (before[-3:-1] in (["me", "to"], ["her", "to"], ["him", "to"]) and before[-1] in _WILL_START and bool((_PLANS | _TO_COME) & set(before[:-3])))
    comes_after = after[:1] == ["after"] and (len(after) == 1 or after[1] in _AFTER_AN_EVENT | {"my", "her", "his", "the"})
    return will or (bool(_TO_COME & set(before)) and (comes_after or "then" in after))


_SWITCHING = frozenset(
    {"switched", "switch", "switching", "went", "changed", "change", "changing", "moved", "transitioned",
     "converted", "rotated", "swapped", "switchd"}
)


def _switched(before: list[str], after: list[str]) -> str:
    """ "switched from A to B", "A replaced by B": "to" for B, the medicine taken now; "from" for A."""
    if before[-2:] in (["replaced", "by"], ["replaced", "with"]):
        return "to"
    if after[:2] in (["replaced", "by"], ["replaced", "with"]):
        return "from"
    if not _SWITCHING & set(before):
        return ""
    if before[-1:] == ["to"] and "from" in before:
        return "to"
    if before[-1:] == ["from"] and after[:1] == ["to"]:
        return "from"
    return ""


def _a_child_by_age(words: list[str]) -> list[str]:
    """ "my 8 year old has leftover hydrocodone", "my 15 yo": the writer's child, named by age."""
    for i in range(len(words) - 2):
        if words[i] in {"my", "our"} and words[i + 1].isdigit() and words[i + 2] in {"year", "yr", "yo"}:
            end = i + 4 if words[i + 2] != "yo" and words[i + 3 : i + 4] == ["old"] else i + 3
            if words[i + 2] == "yo" or end == i + 4:
                return [*words[: i + 1], "child", *words[end:]]
    return words


def _someone_elses(
    before: list[str], around: list[str], patient: frozenset[str] = frozenset(), named: frozenset[str] = frozenset()
) -> str:
    """ "my husband takes ...", "my mother's oxycodone", "my dog is on tramadol": not the patient's,
    unless the words say the patient took it ("used a couple of my husband's percocets")."""
    before = _a_child_by_age(before)
    caregiver = _typed_for_the_patient(before) or bool(patient)
    if not patient and _ANOTHER_PERSONS_WORDS.isdisjoint(before) and _ANOTHER_PERSONS_WORDS.isdisjoint(around):
        return ""  # every reading below needs a person, a pet, "he", "his" or a vet among the words
    # "Mom (the patient) was given her roommate's oxycodone in error": the patient took another's.
    given_to_the_patient = "given" in around and any(
        w == "given" and around[i - 1 : i] in (["was"], ["got"]) and set(around[max(0, i - 5) : i]) & (patient | {"patient", "pt", "i", "me"})
        for i, w in enumerate(around)
    )
    uses_anothers = _own_use_of_anothers(around) or given_to_the_patient or _took_it_after(around[len(before) :])
    theirs = not _takes_it_oneself(around, patient) and not uses_anothers  # unless the patient took it
    for index, word in enumerate(before[:-1]):
        pronoun = word in _THIRD_PERSON and _names_another(before[:index]) and not caregiver
        if word not in _SOMEONE_ELSE and word not in _PETS and word not in _FRIENDS and not pronoun:
            continue
        if word in _OWNED_ONLY and not (index and before[index - 1] in {"my", "our", "his", "her", "a"}):
            continue  # "Needle exchange client. Use heroin daily": the patient, not a client of theirs
        if index and before[index - 1] in _SELF_ROLE_BEFORE and word in _PARENTS:
            continue  # "Breastfeeding mom on Suboxone": the patient describing herself
        if word in _PETS and before[index + 1 : index + 2] and before[index + 1] in _WORK_WITH_ANIMALS and before[index - 1 : index] not in (["my"], ["our"], ["his"], ["her"]):
            continue  # "Horse trainer on Suboxone": the writer's work with animals ("my horse trainer is on it" is another's)
        if word in patient or _TYPING & set(before[index + 1 : index + 4]) or _typed_by(before, index):
            continue  # the patient, named by a caregiver; or the one typing ("Typed by English neighbor: Ruth is on …")
        # "My son (15) have tramadol": an age after the person is no verb.
        following = next((w for w in before[index + 1 :] if not w.isdigit()), "")
        if following in {"is", "was"} and before[index + 2 : index + 3] in (["a"], ["an"]) and not patient:
            continue  # "My mom was a nurse. stopped oxycodone 4 days ago": who she is, not what she takes
        # "Wife is the patient. Her mother … uses fentanyl patches": another person than the one named.
        for_this_one = caregiver and (not patient or word in patient or word in _THIRD_PERSON)
        not_the_patient = before[index + 1 : index + 4] == ["not", "the", "patient"] or before[index + 1 : index + 3] == ["not", "patient"]
        if not_the_patient and not uses_anothers:
            return word  # "Dad, not the patient, takes tramadol"
        # "I'm his daughter filling this in": the person named is the one typing, not the one taking it.
        typing = bool({"im", "am", "m"} & set(before[max(0, index - 3) : index]))
        says_they_take = following in {"takes", "uses", "used", "took", "is", "has", "gets", "was", "on", "does", "did", "smokes", "drinks", "snorts", "shoots"} | _BARE_FORMS or (
            not for_this_one and not typing and _they_take_it(before[index + 1 :])
        )
        possessive = following == "s" and word not in _FRIENDS
        if (says_they_take or possessive) and theirs:
            return word
    # "Mom (the patient): … I'm her daughter and I'm the one on tramadol": a caregiver's own medicine.
    if patient and not patient & _FIRST_PERSON:
        last_i = max((i for i, w in enumerate(before) if w in {"i", "im"}), default=None)
        mine = before[last_i:] if last_i is not None else []
        if mine and {"on", "take", "takes", "taking", "use", "using"} & set(mine) and not (
            (patient | _THIRD_PERSON | {"her", "his", "him", "them", "both", "too", "also", "we", "us"}) & set(mine + around[len(before) :])
        ):
            return "the one typing"
    # "Moved in with my mom in July, she takes morphine for her cancer": a "she" who takes it for her own
    # illness, with no patient named and nobody typing for one, is the person the entry names (`named`:
    # the entry's words); "She takes morphine for her cancer" alone may be typed for the patient.
    after_name = around[len(before) :]
    someone_named = bool(named & (_SOMEONE_ELSE - patient))
    she_takes = bool(before[-2:-1]) and before[-2] in _THIRD_PERSON and before[-1] in {"takes", "uses", "gets", "has"}
    for_her_own = any(w == "for" and after_name[i + 1 : i + 2] in (["her"], ["his"]) for i, w in enumerate(after_name))
    if someone_named and not caregiver and theirs and she_takes and for_her_own:
        return before[-2]
    # "husband oxycodone 10 mg for his spine" in a household list: the person is the label.
    labelled = len(before) == 1 and before[0] in _SOMEONE_ELSE and before[0] not in patient and not caregiver
    if labelled and theirs:
        return before[0]
    # "HYDROCODONE-APAP 5-325 for Bruce R. (husband)": whose it is, after the name.
    after = around[len(before) :]
    for index, word in enumerate(after[:8]):
        if word != "for":
            continue
        whose = {w for at, w in enumerate(after[index + 1 : index + 5], index + 1) if not _a_body_part(after, at)}
        whose &= OTHER_PEOPLE_AND_PETS - patient  # "is for the horses"; not "for calf pain"
        if word == "for" and whose and theirs and not caregiver:
            return next(w for w in after[index + 1 :] if w in _SOMEONE_ELSE | _PETS)
    # "'Norco' removed - belongs to spouse": whose it is, said after the name.
    for index, word in enumerate(after[:6]):
        if word in {"belongs", "belong", "belonging", "belonged"} and after[index + 1 : index + 2] == ["to"]:
            owner = next((w for w in after[index + 2 : index + 5] if w in _SOMEONE_ELSE and w not in patient), "")
            if owner and theirs:
                return owner
    # "The tramadol is my dad's", "the Norco was the dog's": whose it is, said as the sentence's end.
    owned = after[:1] in (["is"], ["was"], ["are"], ["were"]) and after[1:2] in (["my"], ["our"], ["the"])
    owner = after[2] if owned and len(after) >= 4 and after[3] == "s" else ""
    if owner and owner in (_SOMEONE_ELSE | _PETS) - patient and theirs and not caregiver:
        return owner
    # "Norco (husband's, not mine)", "Norco - wife": whose it is, said just after the name.
    whose_after = after[:1] and after[0] in _SOMEONE_ELSE and after[0] not in patient and (len(after) == 1 or after[1] == "s")
    if whose_after and theirs and not caregiver:
        return after[0]
    # "dog: tramadol from the vet", "cat - buprenorphine": an animal's medicine, named as its label.
    pet_label = before[:1] and before[0] in _PETS and (len(before) == 1 or "vet" in around or "veterinarian" in around)
    if pet_label and theirs:
        return before[0]
    # "My horse is on Bute, and the vet left butorphanol for colic": what a vet leaves is the animal's.
    if {"vet", "vets", "veterinarian"} & set(before) and named & _PETS and theirs and not patient:
        return "vet"
    # "la oxicodona de mi esposo" (Spanish, read as "oxycodone of my husband"): the owner follows.
    owner_follows = after[:2] == ["of", "my"] and after[2:3] and after[2] in OTHER_PEOPLE_AND_PETS and after[2] not in patient
    if owner_follows and theirs:
        return after[2]
    # "drive my son to his methadone clinic": a third person's, named just before the drug.
    third_person = before[-1:] and before[-1] in {"his", "her", "their"} and not patient
    if third_person and theirs:
        return before[-1]
    return ""


def _took_it_after(after: list[str]) -> bool:
    """ "my mom's Norco, took a few pills yesterday": after the name, a past use verb with no subject of
    its own is the one typing's use ("husband: Norco, taking it for 2 years" is still his)."""
    if after[:2] == ["of", "my"]:
        after = after[3:]  # "Norco de mi mamá, tomé unas" reads "Norco of my mom, took a few"
    for index, word in enumerate(after):
        if word not in {"took", "used", "tried"}:
            continue
        return not any(w in _SUBJECTS or w in _NEVER or w in _NEGATED_VERBS or w == "not" for w in after[:index])
    return False


_THIRD_PERSON = frozenset({"he", "she", "they"})
_OWNED_ONLY = frozenset({"client", "resident"})
_WORK_WITH_ANIMALS = frozenset(
    {"trainer", "owner", "groomer", "breeder", "rider", "walker", "sitter", "farmer", "rancher", "handler", "keeper", "vet",
     "wrangler", "shower", "musher", "jockey", "person", "lover"}
)
_PARENTS = frozenset({"mom", "mother", "dad", "father", "moms", "dads"})
_SELF_ROLE_BEFORE = frozenset(
    {"breastfeeding", "nursing", "pregnant", "new", "single", "postpartum", "working", "expecting", "young", "im", "am",
     "busy", "first", "teen", "stay", "home", "foster", "adoptive"}
)
# "Grandpa (not the patient) is on", "she's on": the other person is the one taking it.
# The bare forms too, as people write English learnt later: "my husband take", "my son have".
_BARE_FORMS = frozenset({"take", "use", "have", "smoke", "smokes", "smoked"})
_THEY_TAKE = frozenset({"takes", "uses", "used", "took", "is", "has", "gets", "got", "was", "on", "are", "re", "get"}) | _BARE_FORMS
_FIRST_PERSON = frozenset({"i", "im", "me", "my", "ive", "myself"})
_SUBJECTS = _FIRST_PERSON | _THIRD_PERSON | _SOMEONE_ELSE | _PETS
# The words _someone_elses needs one of to find another person's medicine: a person, a pet, "he", "his" or a
# vet. A set, not a frozenset, so `words_weighed` stays as it was ("his", "her", "their", "vets" count only here).
_ANOTHER_PERSONS_WORDS = set(OTHER_PEOPLE_AND_PETS | _FRIENDS | _THIRD_PERSON | {"his", "her", "their", "vet", "vets", "veterinarian"})


def _the_writers_own(after: list[str], raw: str) -> str:
    """ "The tramadol is mine, I'm the caregiver, not the patient": the one typing says the medicine is
    theirs and that they are not the patient (said anywhere in the entry)."""
    if "mine" not in after[:3]:
        return ""
    said = re.findall(r"[a-z]+", raw.lower())
    for i in range(len(said) - 2):
        if said[i : i + 3] == ["not", "the", "patient"] and {"i", "im", "m", "am"} & set(said[max(0, i - 5) : i]):
            return "the one typing"
    return ""


def _names_another(words: list[str]) -> bool:
    return any(w in OTHER_PEOPLE_AND_PETS for w in words)


def _they_take_it(words: list[str]) -> bool:
    """After the other person: a verb of taking with no first person between ("(not me)" aside)."""
    me = any(w in _FIRST_PERSON and (i == 0 or words[i - 1] != "not") for i, w in enumerate(words))
    return not me and any(w in _THEY_TAKE for w in words)


def _typed_for_the_patient(words: list[str]) -> bool:
    """ "Mom (the patient) is on ...", "filling this out for my husband (he's the patient)": a caregiver
    typing, so the person named is the patient; "Grandpa (not the patient)" is not."""
    return any(
        w in {"patient", "pt"}
        and "not" not in words[max(0, i - 2) : i]
        and not {"i", "im", "m"} & set(words[max(0, i - 3) : i])  # "I'm the patient (dad)": the writer
        and words[i + 1 : i + 3] != ["is", "me"]
        and not _the_patient_described(words, i)  # "Patient is 58 F.": the writer, described
        for i, w in enumerate(words)
    )


def _the_patient_described(words: Sequence[str], at: int) -> bool:
    """ "Patient is 58 F.", "pt is a 40 yo male": the writer's age or sex after "patient is", not a caregiver's words."""
    said = words[at + 1 : at + 3]
    return said[:1] in (["is"], ["was"]) and len(said) == 2 and (said[1][:1].isdigit() or said[1] in {"a", "an", "female", "male", "f", "m"})


# "my mom's leftover vicodin", "borrowed my husband's percs": someone else's supply, the patient's use.
_INJURED = frozenset({"tore", "hurt", "broke", "injured", "strained", "sprained", "pulled", "twisted", "threw", "fell", "wrecked", "dislocated"})
_OWN_USE_SIGNS = frozenset({"leftover", "leftovers", "borrow", "borrowed", "borrowing", "extra", "extras", "stole", "steal", "stolen", "shared"})
# "my sister gave me some of her hydrocodone": handed to the patient.
_HANDED_OVER = frozenset({"gave", "give", "gives", "giving", "given", "lent", "lends", "sold", "sells"})


_NOT_A_REASON = frozenset(
    {"ldn", "naltrexone", "consult", "consultation", "inhaler", "list", "chart", "insurance", "phone", "card", "refill", "refills"}
)


# "Flushed my late dad's leftover oxycodone", "dropped the old Norco at the take-back box": gone unused.
_DISPOSED = ("flushed", "disposed", "tossed", "discarded", "destroyed")
_TAKEN_FROM_A_SUPPLY = ("took", "take", "taking", "takes", "used", "use", "using", "had", "finished", "rest", "remaining")


def _disposed_of(before: list[str], around: list[str]) -> str:
    """A supply thrown away, said before the drug's name, with no word that any of it was taken ("took 2
    days and threw the rest out" was taken)."""
    said = next((w for w in before if w in _DISPOSED), "")
    if not said or any(w in _TAKEN_FROM_A_SUPPLY for w in around):
        return ""
    return said


def _own_use_of_anothers(words: list[str]) -> bool:
    """Another person's medicine in the patient's own list, used by the patient: their leftovers,
    or taken "when my migraines hit", "for my back" (not "for my dad")."""
    if any(w in _OWN_USE_SIGNS and words[i - 1 : i] not in (["has"], ["have"], ["keeps"]) for i, w in enumerate(words)):
        return True  # not "my son has leftover hydrocodone from his tonsils": his, kept
    if any(word in _HANDED_OVER and following == "me" for word, following in pairwise(words)):
        return True
    for index, word in enumerate(words[:-2]):
        if word in {"since", "when", "after"} and words[index + 1] == "i" and words[index + 2] in _INJURED:
            return True  # "the wife's tramadol, 1 a day since I tore my rotator cuff": the writer's own injury
    for index, (word, following) in enumerate(pairwise(words)):
        if word == "for" and index and words[index - 1] in {"here", "booking", "consult", "consultation", "ldn"}:
            continue  # "here for my fibromyalgia": why the patient books, not why they took another's medicine
        if word in {"when", "for", "if", "on"} and following == "my":
            whose = words[index + 2] if index + 2 < len(words) else ""
            if whose and whose not in OTHER_PEOPLE_AND_PETS and whose not in _NOT_A_REASON:
                return True  # not "does it matter for my LDN consult?", "a refill on my inhaler"
    return False


# Words straight after a drug name that say the patient is without it: "opioid-free", "opioid-naive".
_WITHOUT_IT = frozenset({"free", "naive"})


def _free_of_it(before: list[str], after: list[str]) -> str:
    """ "opioid-naive", "a tramadol-free pain plan", "UDS negative for opiates": not taken, unless a
    time follows ("oxy free for 3 days", "percocet free since monday"), which is a stop."""
    if after[:1] and after[0] in _WITHOUT_IT:
        rest = after[1:3]
        if not rest or not (rest[0] in {"for", "since", "as", "x", "till", "until"} or rest[0].isdigit() or rest[0] in _NUMBER_WORDS):
            return after[0]
    if before[-2:] in (["neg", "for"], ["negative", "for"], ["negative", "on"]):
        return before[-2]
    return ""


# After the drug: "never filled", "NOT filled", "never picked it up", "seal never opened", "I've never
# taken any", "no doses given", "I said no thanks": a supply or an offer, never taken.
_NEVER_HAD = frozenset(
    {"filled", "picked", "opened", "taken", "took", "touched", "collected", "started", "used", "bought", "buy", "purchased",
     "given", "sent", "dispensed", "administered", "tried", "delivered", "transferred", "fill", "pick", "open", "collect", "received"}
)
# A supply never collected or opened: a date after it is when it went back ("not picked up, returned
# to stock 11/24"), never a last dose.
_SUPPLY_VERBS = frozenset({"filled", "picked", "opened", "collected", "fill", "pick", "open", "collect"})  # "we did not fill it"
# Said of the supply: "untouched since 2022", "unopened", "seal intact", "none given".
_UNUSED_SUPPLY = frozenset({"untouched", "unopened", "unused", "sealed", "unfilled"})
_NOT_A_DENIAL_AFTER = frozenset({"more", "as", "extra", "over", "than", "too", "before"})
_A_TIME_FOLLOWS = frozenset({"since", "for", "ago", "yesterday", "today", "till", "until", "in", "last", "this", "days", "weeks"})


def _a_time_follows(words: list[str]) -> bool:
    """A time or a date among the words: "not taken since Monday" is a stop, read further on."""
    return bool(_A_TIME_FOLLOWS & set(words)) or any(w[:1].isdigit() or w in _WEEKDAYS for w in words)


def _until_returned(words: list[str]) -> list[str]:
    """ "never took one, returned it 11/25": the date after a return is the return's, not a dose's."""
    at = next((i for i, w in enumerate(words) if w in {"returned", "return", "dropped", "brought", "flushed", "disposed"}), len(words))
    return words[:at]


def _said_to_be_anothers(after: list[str], patient: frozenset[str]) -> str:
    """ "The codeine cough syrup in our cabinet is my husband's from last week": whose it is, said after it."""
    for index, word in enumerate(after[:6]):
        if word in {"is", "are", "was", "belongs"}:
            rest = after[index + 1 : index + 5]
            if rest[:1] == ["to"]:
                rest = rest[1:]
            if rest[:1] in (["my"], ["our"]) and rest[1:2] and rest[1] in _SOMEONE_ELSE and rest[1] not in patient and not _takes_it_oneself(after):
                return rest[1]
    return ""


def _without_take_back(words: list[str]) -> list[str]:
    """ "the bottle went to the take-back box": a drug take-back, not a dose taken."""
    return [w for i, w in enumerate(words) if not (w == "take" and words[i + 1 : i + 2] == ["back"])]


def never_had_it(after: list[str]) -> str:
    """A supply never collected, filled or opened, or a medicine never taken, said after its name."""
    for index, word in enumerate(after):
        following = after[index + 1 : index + 3]
        if (
            word in {"never", "not", "havent", "hasnt", "hadnt", "didnt"}
            and following[:1]
            and following[0] in _NEVER_HAD
            and not (following[1:] and following[1] in _NOT_A_DENIAL_AFTER)
            and not _takes_it_oneself(_without_take_back(after[index + 2 :]))
            and (
                following[0] in _SUPPLY_VERBS
                or not _a_time_follows(_until_returned(after[index + 2 :]))
            )
        ):
            return f"{word} {following[0]}"  # "not taken since Monday" is a stop, read further on
        if word == "not" and following[:1] == ["to"] and after[index + 2 : index + 3] in (["fill"], ["take"], ["start"], ["use"]) and index and after[index - 1] in {"decided", "chose", "choose", "chosen", "decide"}:
            return f"not to {after[index + 2]}"  # "I decided not to fill it"
        if word in {"never", "not"} and following[:1] in (["ever"], ["been"], ["got"], ["was"], ["were"]) and after[index + 2 : index + 3] and after[index + 2] in _NEVER_HAD:
            return f"{word} {after[index + 2]}"
        if word in {"never", "not", "didnt"} and following in (["got", "it"], ["got", "them"], ["get", "it"], ["get", "them"]) and after[index + 3 : index + 4] and after[index + 3] in _SUPPLY_VERBS:
            return f"{word} {after[index + 3]}"  # "I never got it filled"
        if word in {"never", "didnt"} and following in (["got", "it"], ["get", "it"]) and not after[index + 3 :] and {"denied", "insurance"} & set(after[:index]):
            return f"{word} got it"  # "insurance denied it so I never got it"
        if word == "before" and following in (["i", "filled"], ["filling"], ["i", "picked"], ["picking"]) and {"stolen", "lost"} & set(after[:index]):
            return "lost before filled"  # "the script got stolen before I filled it"
        if word in {"no", "0", "zero"} and following in (["doses", "given"], ["doses", "taken"], ["dose", "given"], ["dose", "taken"], ["thanks"], ["thank", "you"]):
            return "no " + " ".join(following)
        if word == "none" and following[:1] and following[0] in {"given", "taken", "used"}:
            return f"none {following[0]}"  # "the nurse says none given"
        sealed = word == "seal" and (following[:1] == ["intact"] or following in (["not", "broken"], ["unbroken"]))
        of_the_next = bool(after[index + 1 :]) and set(after[index + 1 :]) <= {"bottle", "bottles", "box", "pack", "package", "kit", "of", "a", "an", "the"}
        if (word in _UNUSED_SUPPLY or sealed) and not _takes_it_oneself(after) and not of_the_next:
            return word  # not "Percocet and an unopened bottle of Norco", which is said of the Norco
        if word == "nobody" and following[:1] and following[0] in _NEVER_HAD | {"has", "used", "touched"}:
            return "nobody"  # "still sealed and nobody has used it"
        if word == "hold" and after[max(0, index - 2) : index] == ["pharmacy", "to"]:
            return "pharmacy hold"  # "I asked the pharmacy to hold it": not collected
    return ""


# "recommended methadone; patient and family declined", "doctor offered tramadol, I said no": an
# offer turned down after the drug's name. Only beside a word of offering: "my pain declined" is not.
_OFFERING = frozenset({"recommended", "recommend", "offered", "offer", "suggested", "suggest", "proposed", "advised", "add"})  # "wanted to add tramadol, I said no"
_TURNED_DOWN = frozenset({"declined", "refused", "decline", "refuse", "rejected", "passed"})  # "offered a Norco script, I passed"


_IT_OR_WHEN = _PRONOUNS | frozenset({"some", "anyway", "after", "later", "afterwards", "yesterday", "today", "this", "last", "on", "since"})


def _offer_refused(before: list[str], after: list[str]) -> str:
    # "offered me oxycodone", and someone's wish to give it: "the doctor wanted to give me Norco but I said no".
    wished = any(w in _WILL_START | {"try", "add"} and before[i - 1 : i] == ["to"] and {"wanted", "wants", "tried"} & set(before[:i]) for i, w in enumerate(before))
    if not _OFFERING & set(before + after) and not wished:
        return ""
    for index, word in enumerate(after):
        said_no = word in _TURNED_DOWN or (word == "said" and after[index + 1 : index + 2] == ["no"])
        # "Clinic offered Sublocade but I chose Vivitrol instead": another medicine chosen over it
        said_no = said_no or (word in {"chose", "picked", "opted"} and "instead" in after[index + 1 : index + 5])
        rest = after[index + 1 :]
        took_it = any(
            w in _USE_VERBS
            and (not rest[at + 1 :] or rest[at + 1] in _IT_OR_WHEN)
            and not {"never", "not", "didnt", "dont"} & set(rest[max(0, at - 2) : at])
            for at, w in enumerate(rest)
        )  # "declined, then took it anyway", "took some"; not "declined and used ice", "I never took any"
        if said_no and not took_it and not _CURRENT & set(rest):
            return word  # "…refused at first, now on it" stays use
    return ""


def _denied_words(words: list[str]) -> frozenset[int]:
    """Positions of the two words after any negation ("not taking any", "don't use it")."""
    negations = _NEVER | _NEGATED_VERBS | {"not"}
    return frozenset(i for i in range(len(words)) if any(w in negations for w in words[max(0, i - 2) : i]))


# Where prescriptions are filled and paid for: never a medicine ("I use Walgreens" takes nothing).
PHARMACIES_AND_PLANS = _word_set_of(
    """
optum humana caremark cigna aetna anthem bcbs medco kaiser wellcare centene molina goodrx singlecare pillpack
walgreens cvs costco walmart kroger meijer express scripts medicare medicaid tricare evernorth accredo elixir
"""
)


def _takes_it_oneself(words: list[str], patient: frozenset[str] | None = None) -> bool:
    """A use verb not under a negation ("I took", not "I don't take it").

    With `patient` (the person words a caregiver's row names as the patient; see `patient_named`), a
    use verb whose subject is that person, "the patient", or a "she"/"he" with no other person named
    before it counts too: "Dad (the patient) took some of Mom's", "Mom is the patient; she took two".
    """
    subjects = _SUBJECTS | {"patient", "pt"} if patient is not None else _SUBJECTS
    for index, word in enumerate(words):
        if word not in _USE_VERBS or words[index + 1 : index + 2] == ["homes"]:  # "take-homes": clinic doses
            continue
        if words[index + 1 : index + 2] in (["only"], ["just"]) and words[index + 2 : index + 3] and words[index + 2] not in _PRONOUNS:
            continue  # "Me, I take only blood pressure pill": something else, and only that
        if words[index + 1 : index + 2] in (["none"], ["nothing"], ["no"], ["zero"]):
            continue  # "never filled it and took none"
        if {"pharmacy", *PHARMACIES_AND_PLANS} & set(words[index + 1 : index + 3]):
            continue  # "I use Walgreens", "I use the pharmacy on Oak St": where it is filled
        if word in {"taken", "took"} and words[index + 1 : index + 2] in (["off"], ["out"], ["away"]):
            continue  # "taken off my list": removed, not used
        if index and words[index - 1] in {"just", "only"} and words[index + 1 : index + 2] and words[index + 1] not in _PRONOUNS:
            continue  # "I just smoke weed": something else
        start = max(0, index - 4)
        at = next((i for i in range(index - 1, start - 1, -1) if words[i] in subjects), None)
        subject = words[at] if at is not None else ""
        pair = set(words[max(0, index - 6) : index])
        if subject and subject not in _THIRD_PERSON and pair & {"me", "i"} and pair & {"and", "both"} and not pair & (_NEVER | _NEGATED_VERBS | {"not"}):
            subject = "i"  # "me and my husband both take it": the patient too
        the_patient = patient is not None and bool(subject) and (
            subject in patient
            or subject in {"patient", "pt"}
            or (subject in _THIRD_PERSON and bool(patient) and not set(words[:at]) & (_SOMEONE_ELSE - patient))
        )
        if not the_patient:
            if index and (words[index - 1] in OTHER_PEOPLE_AND_PETS or words[index - 1] in _THIRD_PERSON):
                continue  # "wife had surgery", "she takes it": someone else's use
            if subject and subject not in _FIRST_PERSON:
                continue  # "my wife just had surgery and takes": her use
        negated = any(w in _NEVER or w in _NEGATED_VERBS or w == "not" for w in words[max(0, index - 2) : index])
        if not negated:
            return True
    return False


def _joined_negations(words: Sequence[str]) -> list[str]:
    """ "haven t" and "do not" become one word ("havent", "dont"), so a negation is one word."""
    joined: list[str] = []
    for word in words:
        if joined and word == "t" and joined[-1] in _CONTRACTED:
            joined[-1] += "t"
        elif joined and word == "of" and joined[-1] == "instead":
            joined[-1] = "insteadof"  # "gabapentin instead of opioids"
        elif joined and word == "recovery" and joined[-1] == "in":
            joined[-1] = "recovery"  # "2 yrs in recovery" reads like "2 yrs clean"
        elif word in {"street", "streets"} and joined[-2:] == ["off", "the"]:
            joined[-2:] = ["from", "the", word]  # "oxys off the street": where from, not an end
        elif joined and word == "down" and joined[-1] in {"turned", "turn", "turning"}:
            joined[-1] = "refused"  # "turned down the oxycodone they offered"
        elif joined and word == "not" and joined[-1] in {"do", "does", "did", "have", "has", "had"}:
            joined[-1] = {"do": "dont", "does": "doesnt", "did": "didnt"}.get(joined[-1], joined[-1] + "nt")
        else:
            joined.append(word)
    return joined


def _says_current(before: list[str], after: list[str], *, claimed: frozenset[int] = frozenset()) -> str:
    """The word that says the use goes on, or "". Words at `claimed` positions belong to a denial."""
    around = before + after
    last_dose = _last_dose_at(around) if _LAST in around else None
    last_dated = any(w[:1].isdigit() or w in _MONTHS for w in around)
    for index, word in enumerate(around):
        if index in claimed:
            continue
        if word in _CLOSED_BY_A_LAST_DOSE and last_dose is not None and last_dose > index:
            continue  # the last dose said later dates the end of this course or taper
        if word in {"daily", "nightly"} and last_dose is not None and last_dose > index and {"was", "were", "used"} & set(around[:index]):
            continue  # "Was on kratom daily; last dose 10/20": how it was taken, before it ended
        if word in {"daily", "nightly"} and {"was", "were", "used"} & set(around[:index]) and around[index + 1 : index + 2] and around[index + 1] in _UNTIL:
            continue  # "Used kratom daily until June 2026": how it was taken, until a day the date words tell
        if word in _CURRENT:
            previous = around[index - 1] if index > 0 else ""
            if word == "now" and (previous in {"until", "ago"} or previous in _UNITS):
                continue  # "until now", "for 2 years now": how long it has been over
            if word == "now" and previous in {"off", "clean", "free", "sober", "done"} and not _still_this_one(around[index + 1 :]):
                continue  # "fully off now for 4 weeks", "clean now since June": the stop, said today
            if word == "now" and {"not", "no", "never", "dont", "don", "nothing", "none"} & set(around[index + 1 : index + 4]):
                continue  # "Now I not take any pain medicine": the time of a denial
            if word == "now" and previous in {"nothing", "none", "nil"}:
                continue  # "off it since, nothing now"
            if around[index + 1 : index + 2] in (["none"], ["nothing"]):
                continue  # "so she takes none": a denial's verb
            if word in {"started", "starting"} and previous == "before":
                continue  # "Quit Percocet on 2026-10-05 before starting Vivitrol": what began after the stop
            if word in {"start", "starting"} and previous == "the":
                continue  # "at the start of October": a date
            if word == "getting" and around[index + 1 : index + 2] and around[index + 1] in {"pregnant", "married", "sick", "better", "worse", "older", "divorced"}:
                continue  # "tapered off in Feb 2025 before getting pregnant": a life event
            if word in _PLANS | {"started", "start", "began", "begun", "restarted", "resumed"} and (previous in _NEGATED_VERBS or previous in {"not", "no", "never"}):
                continue  # "don't plan to", "never started": no use at all
            ahead = around[index + 1 : index + 4]
            if word in {"plan", "plans"} and ahead[:1] not in (["to"], ["is"], ["was"]) and "on" not in around[max(0, index - 3) : index]:
                continue  # "with the clinic's taper plan", "my crisis plan lists IV hydromorphone": a plan on paper; "on a taper plan" is use
            if word in {"going", "plan", "plans", "planning"} and ahead[:1] == ["to"] and not _STOP_OR_USE & set(ahead):
                continue  # "going to NA", "plan: PT twice a week": not "going to quit methadone"
            if word in {"need", "needs"} and ahead[:2] in (["to", "worry"], ["to", "be"]) and "about" in around[index + 3 : index + 5]:
                continue  # "Imodium is not an opioid I need to worry about": a worry, not a need of the drug
            if word in _PLANS and ahead[:1] == ["to"] and ((ahead[1:2] and ahead[1] in _REFUSING) or ahead[1:3] == ["stay", "off"]):
                continue  # "wants to avoid narcotics", "wants to stay off them": no use
            if word in {"covers", "pays"} and (previous in _NEGATED_VERBS or previous in {"longer", "not", "never", "t"}):
                continue  # "Medicare no longer covers my tramadol": coverage ended, which says nothing of use now
            if word in {"taking", "using", "takes", "tapering", "weaning"} and (previous in _STOPPED_DOING or previous in {"completed", "longer", "stop"}):
                continue  # "stopped taking", "finished tapering", "no longer taking", a discharge list's "STOP taking": what stopped
            if word == "now" and around[index + 1 : index + 2] in (["just"], ["only"]) and not _still_this_one(around[index + 2 :]) and any(w in _ENDED or w in _UNTIL for w in around[:index]):
                continue  # "stopped it in March, now only Ketonal", "till 11/09, now just ice": now is something else
            return word
        to_nothing = around[index + 2 : index + 3] in (["zero"], ["nothing"], ["0"], ["none"], ["off"])
        if word in {"tapered", "weaned", "cut"} and index + 1 < len(around) and around[index + 1] in _STILL_GOING_AFTER and not to_nothing:
            return f"{word} {around[index + 1]}"
        # "for the past 6 months", "for 2 years": how long it has been taken, so still taken,
        # unless an ending word sits before it ("off it for 2 weeks", "clean for a year").
        if (
            word == "for"
            and around[index + 1 : index + 3] != ["the", "first"]  # "took it for the first 5 days": a course that ended
            and not (_a_day_before(around[:index]) and _after_the_amount(around, index + 1))  # "surgery in July, oxycodone for a week after"
            and not (last_dated and (_STOPPED_DOING | _STOPPING) & set(around[index + 1 :]))  # "norco for 4 days after, finished 10/16", "for 2 wks, off it since Sept 1"
            and not (last_dated and _nothing_since(around[index + 1 :]))  # "for 5 days in early October, nothing since"
            and _duration_follows(around, index + 1)
            and not any(w in _ENDED or w in _NEVER for w in around[:index])
            and not (_a_past_year(around) and _SINCE not in around)  # "for a week ... in summer 2025"
        ):
            return "for"
        if word == _SINCE and not any(
            (w in _ENDED or w in _NEVER or w in _NEGATED_VERBS or w == "not") and around[i + 1 : i + 2] not in _NO_TROUBLE for i, w in enumerate(around)
        ):
            return word  # "on methadone since 2019"; "on suboxone since 2023, no problems" denies only the problems
    return ""


def _without_went_through(words: list[str]) -> list[str]:
    """ "after the prior auth went through in Sept": an approval that happened, not "until Sept"."""
    return [w for i, w in enumerate(words) if not (w in {"through", "thru"} and i and words[i - 1] in {"went", "go", "goes", "gone", "got", "get", "come", "came"})]


def _nothing_since(words: list[str]) -> bool:
    return any(w in {"nothing", "none"} and words[i + 1 : i + 2] == ["since"] for i, w in enumerate(words))


# "no problems", "no issues", "no side effects": a trouble denied, not the medicine.
_NO_TROUBLE = (
    ["problems"], ["problem"], ["issues"], ["issue"], ["complaints"], ["side"], ["trouble"], ["concerns"], ["cravings"], ["relapse"], ["relapses"],
    # "Nucynta 50mg twice a day, no nausea with it": a side effect denied, not the medicine
    ["nausea"], ["vomiting"], ["itching"], ["itch"], ["constipation"], ["drowsiness"], ["dizziness"], ["headaches"], ["sedation"],
)


def _a_day_before(words: list[str]) -> bool:
    """A month ("in July") or a month and day ("10/14", read as two numbers) among the words."""
    return any(w in _MONTHS or (w.isdigit() and 1 <= int(w) <= 12 and words[i + 1 : i + 2] != [] and words[i + 1].isdigit() and 1 <= int(words[i + 1]) <= 31) for i, w in enumerate(words))


def _after_the_amount(words: list[str], start: int) -> bool:
    """ "for a week after", "for 3 days post-op": a course that followed an event."""
    return any(w in {"after", "afterwards", "afterward", "post"} for w in words[start + 1 : start + 4])


def _still_this_one(words: list[str]) -> bool:
    """After "now just" / "now only": a dose, a count or a pattern of use of the same medicine
    ("now only 5 mg", "now just at night", "now only when needed")."""
    first = words[0] if words else ""
    return (
        not first
        or first[0].isdigit()
        or first in _NUMBER_WORDS
        or first in _CONTINUING
        or first in _CONTINUING_STARTS
        or first in {"half", "when", "if", "on", "one", "twice", "once", "every", "taking", "using", "the", "it"}
    )


def _dose_frequency(words: list[str]) -> str:
    """ "a day", "twice a day", "bid": how often a dose is taken, or ""."""
    for index, word in enumerate(words):
        if word in _FREQUENCY_WORDS:
            return word
        if word in {"a", "per", "each", "every"} and index + 1 < len(words) and words[index + 1] in {"day", "night", "morning"}:
            return f"{word} {words[index + 1]}"
    return ""


def _for_duration(words: list[str], *, today: date) -> tuple[str, date | None]:
    """ "off it for 2 weeks", "clean for 3 years", "haven't used for 5 days", "10 days off",
    "3 weeks clean": ended that long ago."""
    for index, word in enumerate(words):
        if word == "for" and _duration_follows(words, index + 1) and _a_course_length(words[:index]):
            continue  # "took norco for 3 days after surgery": how long the course was, not how long ago
        if word == "for" and _duration_follows(words, index + 1):
            look = [w for w in words[index + 1 : index + 5] if w not in {"the", "past", "last"}]
            glued = _GLUED_AMOUNT.match(look[0])
            if glued:
                count, unit = int(glued.group(1)), _UNITS[glued.group(2)]
            else:
                count, unit = int(look[0]) if look[0].isdigit() else _NUMBER_WORDS[look[0]], _UNITS[look[1]]
            return f"for {' '.join(look[:1 if glued else 2])}", _minus(today, count, unit)
        if word in _OFF_FOR_A_WHILE and not _on_a_schedule(words):
            amount = _amount_before(words, index, counted=True)
            # Not "Norco only the first 3 days, off it since": a course's first days, then the stop.
            first_days = amount is not None and "first" in words[max(0, index - 4) : index]
            if amount is not None and not first_days:
                count, unit, text = amount
                return f"{text} {word}", _minus(today, count, unit)
            later = _bare_duration_after(words, index)
            if later is not None:
                count, unit, text = later
                return f"{word} {text}", _minus(today, count, unit)
    return "", None


_COURSE_STARTS = frozenset({"starting", "started", "began", "begun", "beginning", "from"})
_COURSE_SUPPLY = frozenset({"worth", "supply", "only", "course"})
_STILL_GOING = frozenset({"still", "currently", "now", "daily", "continuing", "ongoing", "since"})


_BEGUN_ON = ("filled", "started", "starting", "prescribed", "given", "got")


def _stopped_days_after(words: list[str], start: date | None) -> date | None:
    """ "filled 9/14/2026 but I stopped after two days": the day a supply that began on a date was stopped."""
    if start is None or not any(w in _BEGUN_ON for w in words):
        return None
    for index, word in enumerate(words[:-3]):
        if word in {"stopped", "quit"} and words[index + 1] == "after":
            count = int(words[index + 2]) if words[index + 2].isdigit() and len(words[index + 2]) <= 2 else _NUMBER_WORDS.get(words[index + 2])
            unit = _UNITS.get(words[index + 3])
            if count is not None and unit in {"days", "weeks"}:
                return start + timedelta(days=count * (7 if unit == "weeks" else 1))
    return None


def _course_end(words: list[str], start: date | None) -> date | None:
    """The day a dated course ran out: a start ("starting 9/14", "from Oct 2") and how long it was
    ("4 days' worth", "a 5 day supply", "for 7 days only"), with no word of use going on."""
    if start is None:
        return None
    started = any(
        w in _COURSE_STARTS and (w != "from" or bool(words[i + 1 : i + 2]) and (words[i + 1][:1].isdigit() or words[i + 1] in _MONTHS))
        for i, w in enumerate(words)
    )  # "from Nov 1"; not "from the dentist"
    if start is None or not started or _STILL_GOING & set(words):
        return None
    for index, word in enumerate(words[:-1]):
        unit = _UNITS.get(words[index + 1])
        count = int(word) if word.isdigit() and len(word) <= 2 else _NUMBER_WORDS.get(word)
        if unit is None or count is None or unit not in {"days", "weeks"}:
            continue
        said_after = words[index + 2 : index + 4]
        if said_after[:1] and said_after[0] in {"ago", "back", "before", "later", "after"}:
            continue  # "2 weeks ago": when, not how long
        took = (_COURSE_VERBS | _COURSE_STARTS) & set(words[:index])
        supply = bool(_COURSE_SUPPLY & set(said_after)) or (words[index - 1 : index] == ["for"] and bool(took))
        if supply:
            return start + timedelta(days=count * (7 if unit == "weeks" else 1))
    return None


_COURSE_VERBS = frozenset({"took", "taken", "had", "gave", "given", "prescribed", "got", "used", "needed"})


def _a_past_year(words: list[str]) -> bool:
    return any(len(w) == 4 and w.isdigit() and w[:2] in {"19", "20"} for w in words)


def _a_course_length(prior: list[str]) -> bool:
    """ "took it for 3 days": a verb of taking before "for", and no word of being off or without it."""
    off = any(w in _OFF_FOR_A_WHILE or w in _NEGATED_VERBS or w in _NEVER or w == "not" for w in prior)
    return not off and any(w in _COURSE_VERBS for w in prior[-6:])


_BEFORE_A_BARE_DURATION = frozenset({"all", "any", "it", "them", "everything", "of", "my", "the", "for", "about", "around", "almost", "nearly", "over", "now"})


def _bare_duration_after(words: list[str], start: int) -> tuple[int, str, str] | None:
    """ "off all opiates 6 months", "clean 2 years now": an amount after the ending word with no
    "ago" or "on" after it, which says how long the use has been over."""
    for index in range(start + 1, min(len(words) - 1, start + 5)):
        if not set(words[start + 1 : index]) <= _BEFORE_A_BARE_DURATION:
            return None  # "off work 2 weeks": the amount is about something else
        count_word, unit_word = words[index], words[index + 1]
        unit = _UNITS.get(unit_word)
        count = int(count_word) if count_word.isdigit() else _NUMBER_WORDS.get(count_word) if count_word not in {"a", "an", "some"} else None
        if unit is None or count is None:
            continue
        following = words[index + 2] if index + 2 < len(words) else ""
        if following in {"ago", "back", "on", "later", "after", "before", "and"}:
            return None
        return count, unit, f"{count_word} {unit_word}"
    return None


def _on_a_schedule(words: list[str]) -> bool:
    """ "5 days on, 2 days off": a pattern of use, not a stop."""
    return any(word in _UNITS and following == "on" for word, following in pairwise(words))


def _duration_follows(words: list[str], start: int) -> bool:
    look = [w for w in words[start : start + 4] if w not in {"the", "past", "last"}]
    if not look:
        return False
    first = look[0]
    if _GLUED_AMOUNT.match(first):
        return True
    return (first.isdigit() or first in _NUMBER_WORDS) and len(look) > 1 and look[1] in _UNITS


_NOT_OF_THE_CLASS = re.compile(r"[(,;:\-]\s*not an? (opioid|narcotic|opiate)s?\b")


def _negation_before(before: list[str], after: list[str], *, described: bool = False) -> int | None:
    """Where in `before` a negation reaches the drug across filler words only, or None. `described`: the
    entry says what a medicine is not ("(not an opioid)"), so "not a" before a class word denies it."""
    for index in range(len(before) - 1, -1, -1):
        word = before[index]
        if word in _NEVER or word in _NEGATED_VERBS or word in _REFUSING:
            return index
        if word == "skip" and {"said", "says", "told", "advised"} & set(before[max(0, index - 4) : index]):
            return index  # "the doc said skip pain pills": advice not to take it ("I skip my norco on weekends" is use)
        if word == "the" and index > 0 and before[index - 1] in _REFUSING | {"skip"}:
            continue  # "refused the oxycodone they offered"
        if word == "not":
            between = before[index + 1 :]
            if "any" in before or not between:
                return index
            if between in (["a"], ["an"]) and index and before[index - 1] in {"s", "is", "was", "its", "thats", "are", "re"}:
                return index  # "it's not an opioid, right?": what the medicine is not
            if between in (["a"], ["an"]) and (described or (index == 0 and after[:1] in ([], ["user"], ["person"], ["fan"], ["guy"], ["type"], ["drug"]))):
                return index  # "loperamide (not a narcotic)", "Lyrica, not an opioid", "not an opioid user, never have been"
            clean = set(between) <= _NOT_FILLER and set(after) <= _AFTER_A_CLEAN_NOT
            return index if clean else None
        if word not in _NEGATION_FILLER:
            return None
    return None


def _not_after(after: list[str]) -> bool:
    """ "oxycodone - not taking it now", "oxycodone 5mg: not currently": a clean "not" after the drug."""
    said = list(after)
    while said and said[-1] in _DENIAL_TIMES:
        said.pop()
    if "not" not in said:
        return False
    at = said.index("not")
    dose = all(w[0].isdigit() or w in {"mg", "mcg", "ml", "tab", "tabs", "pill", "pills"} for w in said[:at])
    return dose and set(said[at + 1 :]) <= _NOT_FILLER | _AFTER_A_CLEAN_NOT


def _without_trouble_denied(after: list[str]) -> list[str]:
    """ "… so I avoid it, no problems", "no side effects so far": a trouble denied at the end says nothing
    of the medicine, so a denial of the medicine before it still closes its words."""
    for index in range(len(after) - 1, -1, -1):
        if after[index] == "no" and after[index + 1 : index + 2] in _NO_TROUBLE:
            rest = after[index + 2 :]
            if set(rest) <= {"effects", "effect", "so", "far", "since", "now", "at", "all", "with", "it", "yet"}:
                return after[:index]
            break
    return after


def _governing_negation(before: list[str], after: list[str], *, described: bool = False) -> str:
    """A negation that reaches the drug across filler words only ("no history of opioid use")."""
    after = _without_trouble_denied(after)
    index = _negation_before(before, after, described=described)
    if index is not None:
        return before[index]
    # Written after the drug: "opioids: none", "narcotics - no", "oxycodone never", "opioids: none now".
    said = list(after)
    while said and said[-1] in _DENIAL_TIMES:
        said.pop()
    if said and said[-1] in _NEVER and all(w in _NEGATION_FILLER for w in said[:-1]):
        return said[-1]
    if _not_after(after):
        return "not"
    at = _tail_denial(after)
    return after[at] if at is not None else ""


def _tail_denial(after: list[str]) -> int | None:
    """Where a denial said of the drug at the end of its words starts: "... so I avoid it", "never
    filled it", "don't take any myself", "what about Norco? I'm not taking it"."""
    start = max(0, len(after) - 4)
    for index in range(start, len(after)):
        word, rest = after[index], after[index + 1 :]
        if word in _REFUSING and set(rest) <= _PRONOUNS:
            return index  # "... so I avoid it", "Norco causes vomiting - avoid"
        denial = word in _NEVER or word in _NEGATED_VERBS or (word == "not" and rest[:1] in (["taking"], ["using"], ["on"]))
        if denial and 1 < len(rest) <= 3 and _PRONOUNS & set(rest[1:]):
            return index
    return None


def _denial_claims(before: list[str], after: list[str], *, described: bool = False) -> frozenset[int]:
    """Positions in before + after that belong to the governing denial itself.

    It claims itself and the words between it and the drug ("not taking any opioids", "denies
    currently using"), time words just before it ("currently not on any"), and words after the
    drug that only repeat or date it ("no opioids now", "opioids: none currently").
    """
    start = _negation_before(before, after, described=described)
    if start is None:
        start = len(before)
    while start > 0 and before[start - 1] in _DENIAL_TIMES:
        start -= 1
    if start < len(before) and start > 0 and before[start - 1] in {"takes", "take", "uses", "use", "on", "using", "taking"}:
        start -= 1  # "she takes no opioids", "on no narcotics": the verb is the denial's
    claimed = set(range(start, len(before)))
    if set(after) <= _DENIAL_TIMES | _NEVER | {"not"} | (_NEGATION_FILLER - _CURRENT) or _not_after(after):
        claimed.update(range(len(before), len(before) + len(after)))
    elif (at := _tail_denial(after)) is not None:
        claimed.update(range(len(before) + at, len(before) + len(after)))  # "... I'm not taking it"
    return frozenset(claimed)


def _continuing_use(before: list[str], after: list[str]) -> str:
    """Words saying the drug is still taken now and then ("prn", "as needed", "on bad days"), unless
    they are themselves denied ("not even prn")."""
    for words in (before, after):
        for index, word in enumerate(words):
            if word in _CONTINUING:
                said = word
            elif word in _CONTINUING_STARTS:
                phrase = next((p for p in _CONTINUING_PHRASES if tuple(words[index : index + len(p)]) == p), None)
                if phrase is None:
                    continue
                said = " ".join(phrase)
            else:
                continue
            leading = words[max(0, index - 2) : index]
            if not any(w in _DENYING_A_PATTERN or w in _NEGATED_VERBS for w in leading):
                return said
    return ""


def _partial_denial(after: list[str], claimed: frozenset[int], offset: int) -> str:
    """ "not every day", "not as much", "don't take it as prescribed": a denial of how much or how
    often, written after the drug, which says the drug is still taken."""
    for index, word in enumerate(after):
        if offset + index in claimed:
            continue
        if word in _PARTIAL:
            return f"not {word}"
        phrase = next((p for p in _PARTIAL_PHRASES if tuple(after[index : index + len(p)]) == p), None)
        if phrase is not None:
            return f"not {' '.join(phrase)}"
    return ""


def _ending_word(before: list[str], after: list[str], *, has_date: bool, count_last: bool = True) -> str:
    """The word that says the use ended, or "". `count_last=False` leaves out "last" ("last dose 2
    weeks ago"), which dates the latest dose without saying the use stopped."""
    around = before + after
    for index, word in enumerate(around):
        if word == _LAST:
            if count_last and (_last_dose_at(around[index:]) == 0 or (index == len(before) - 1)):
                return "last"
            continue
        if word == "end" and around[index + 1 : index + 2] and around[index + 1][:1].isdigit():
            return word  # "Start: 03/2019, End: 05/2019"
        if word not in _ENDED or (index > 0 and around[index - 1] == _LAST):
            continue  # "last took", "last used": the date of the latest dose, said above
        if word == "off" and (around[max(0, index - 2) : index] == ["on", "and"] or around[index + 1 : index + 3] == ["and", "on"]):
            continue  # "on and off": now and then, not a stop
        if word == "off" and index > 0 and around[index - 1] in {"get", "come", "go"}:
            continue  # "to get off pills", "want to come off it": a plan, not a stop
        if word in {"tapered", "weaned"}:
            following = around[index + 1] if index + 1 < len(around) else ""
            if following != "off":
                continue
        if word in {"stop", "stopping"}:
            continue  # "stop" is said of plans ("trying to stop"); the past is "stopped"
        if word == "prior" and around[index + 1 : index + 2] in (["auth"], ["authorization"], ["authorisation"], ["approval"], ["pa"]):
            continue  # "after the prior auth went through in Sept": the insurer's approval, not past use
        if word in {"was", "were"}:
            following = around[index + 1] if index + 1 < len(around) else ""
            if following not in {"on", "taking", "using", "given", "prescribed"}:
                continue
        if word == "had" and not has_date:
            continue  # "had" alone ("had it for years") says too little without a date
        return word
    for index, word in enumerate(around[:-1]):
        following = around[index + 1]
        if word == "no" and following in {"longer", "more"}:
            return f"no {following}"
        if word in {"havent", "hasnt", "not"} and following in {"needed", "taken", "used", "had", "touched"}:
            rest = around[index + 2 : index + 4]
            if rest[:1] == [_SINCE] or (rest[:1] and rest[0] in {"anything", "any", "it", "them", "one"} and rest[1:2] == [_SINCE]):
                return f"{word} {following} since"  # "haven't needed anything since then"
        if word in {"none", "nothing", "nil"} and following == _SINCE:
            return f"{word} since"
        if word in {"none", "nothing", "nil"} and following == "after" and around[index + 2 : index + 3] and (around[index + 2][0].isdigit() or around[index + 2] in _MONTHS):
            return f"{word} after"  # "nothing after 9/20": the last dose was that day
    return ""


def _an_earlier_year(words: list[str], today: date) -> bool:
    """ "Norco (2017)", "INACTIVE: Norco (2018)": a year before this one, with no word of use now
    (those were read first), is when it was taken."""
    return any(
        len(w) == 4 and w.isdigit() and 1950 < int(w) < today.year
        # "fentanyl patch for CRPS after the 2024 burn": the year of what it is taken for, not of the use
        and not (words[max(0, i - 2) : i] in (["after", "the"], ["since", "the"], ["from", "the"]) and words[i + 1 : i + 2])
        for i, w in enumerate(words)
    )


def _past_event(words: list[str]) -> bool:
    """A date that can only be the past: "3 years ago", "in 2018", "last year", "2017-2020", or a
    one-off ("18 Oct for a kidney stone, just that once")."""
    years = [w for w in words if len(w) == 4 and w.isdigit()]
    relapse = bool({"slipped", "relapsed", "relapse", "lapsed"} & set(words))
    relapse = relapse or any(
        w in {"days", "day"} and words[i + 1 : i + 2] == ["only"] for i, w in enumerate(words)
    )  # "two days only": a short course, over
    # "Norco (2019, knee surgery)": a year beside the event the medicine was for.
    event = bool(years) and bool(_EVENTS & set(words))
    # "got the last box from Croatia in October": when a supply came, not when it was taken
    supply = any(w == "last" and words[i + 1 : i + 2] != [] and words[i + 1] in _SUPPLIES for i, w in enumerate(words))
    if supply and not _LAST_FOLLOWERS & set(words):
        return False
    return "ago" in words or "in" in words or "last" in words or len(years) >= 2 or relapse or event or _one_off(words)


_SUPPLIES = ("box", "boxes", "bottle", "bottles", "refill", "fill", "pack", "packs", "script", "prescription", "supply", "order", "shipment")
_EVENTS = frozenset(
    {"surgery", "operation", "accident", "injury", "fracture", "broke", "broken", "delivery", "csection", "section",
     "extraction", "procedure", "kidney", "stone", "visit", "admission", "admitted", "hospitalized", "hospitalization"}
)


def _one_off(words: list[str]) -> bool:
    """ "just that once", "only once", "one time": a single dose, not "once a day" or "one time a week"."""
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word == "once" and index > 0 and words[index - 1] in {"just", "only", "that"}:
            return following not in _AFTER_A_FREQUENCY
        if word == "once" and following in {"for", "after", "when", "around", "at", "during", "", "nothing", "none", "no"}:
            return True  # "tylenol 3 once for a toothache around Easter"
        if word == "one" and following == "time" and index > 0 and words[index - 1] in {"just", "only", "that"}:
            return (words[index + 2] if index + 2 < len(words) else "") not in _AFTER_A_FREQUENCY
        if word in {"x1", "once"} and index > 0 and words[index - 1] in {"iv", "im", "ivp", "given", "dose"}:
            return True  # "fentaNYL 50 mcg IV x1" on a dated visit: one dose
    return False


# --- Dates ---------------------------------------------------------------------------------------
def read_date(words: Sequence[str], *, today: date, raw: str = "") -> tuple[str, date | None]:
    """The most recent day the date words allow, and the words it came from; ("", None) if none.

    Several dates ("2017-2020") give the latest; a date after today is ignored.
    """
    # Month/day dates are found in the raw text (to tell "11/16" from a fraction) and count only
    # where they stand among these words: "cortisone shot on 11/16" does not date the Norco before it.
    found: list[tuple[str, date]] = [(t, d) for t, d in _yearless_slash_dates(raw, today) if _among(t, words)] if raw else []
    n = len(words)
    beside_a_weekday = -1
    for i, word in enumerate(words):
        following = words[i + 1] if i + 1 < n else ""
        previous = words[i - 1] if i > 0 else ""
        if word in {"today", "tonight"} or (word in _PARTS_OF_TODAY and previous == "this"):
            found.append((word if previous != "this" else f"this {word}", today))
        elif word == "yesterday":
            before_it = words[max(0, i - 2) : i] == ["day", "before"]
            found.append(("the day before yesterday" if before_it else word, today - timedelta(days=2 if before_it else 1)))
        elif word == "night" and previous == "last":
            found.append(("last night", today - timedelta(days=1)))
        elif word in {"ago", "back"}:
            # "3 days ago", "3 or 4 days back", "a week and a half ago"; "back" only after an amount.
            half = words[max(0, i - 3) : i] == ["and", "a", "half"]
            at = i - 3 if half else i
            # Not "x1 week back in Sept": "back in", "back on" open the date that follows.
            back_in = word == "back" and following in {"in", "on", "around", "during", "at", "when", "before", "after"}
            amount = _amount_before(words, at) if word == "ago" or words[at - 1 : at] and words[at - 1] in _UNITS and not back_in else None
            if amount is not None:
                count, unit, text = amount
                day = _minus(today, count, unit) - timedelta(days=_HALF_OF.get(unit, 0) if half else 0)
                if words[i - 1][:-1] in _WEEKDAYS and not half:
                    day = _last_weekday(_WEEKDAYS[words[i - 1][:-1]], today) - timedelta(weeks=count - 1)  # "four Sundays ago"
                found.append((f"{text}{' and a half' if half else ''} {word}", day))
        elif word == "last" and following in {"week", "weekend", "month", "year", "wk", "yr"}:
            if words[max(0, i - 2) : i] in (["for", "the"], ["over", "the"], ["during", "the"]):
                continue  # "1-2 a day for the last month": how long, up to now
            found.append((f"last {following}", _end_of_last(following, today)))
        elif word == "this" and following in {"week", "month", "year", "weekend"}:
            found.append((f"this {following}", today))
        elif word == "weekend" and previous in {"the", "past"}:
            # "over the weekend", "this past weekend": the latest weekend, today if it is one.
            found.append((f"{previous} weekend", _last_weekday(6, today) if today.weekday() < 5 else today))
        elif (decade := _DECADE.match(word)) is not None and (len(word) == 5 or previous == "the"):
            # "back in the 1980s", "in the 90s": by the decade's last day ("my 20s" is an age, read elsewhere).
            start = int(decade.group(1)) if len(word) == 5 else 1900 + int(decade.group(1))
            if start >= 1950 and start + 9 < today.year:
                found.append((word, date(start + 9, 12, 31)))
        elif word in _SEASONS and _a_seasonal_habit(words, i, today):
            continue  # "Percocet about 3 a day in winter", "every summer": when it is taken, not a date
        elif word in _SEASONS and (previous in _BEFORE_A_SEASON or _is_year(following, today)):
            if following == "of" and i + 2 < len(words) and _is_year(words[i + 2], today):
                following = words[i + 2]  # "in the fall of 2024"
            found.append(_season_date(word, previous, following, today))
        elif word in _WEEKDAYS and following in {"before", "after"} and (holiday := _holiday_at(words, i + 2)) is not None:
            # "the Sunday before Halloween", "the Friday after Thanksgiving"
            found.append((f"{word} {following} {holiday[0]}", _weekday_beside(_WEEKDAYS[word], following, holiday[1], today)))
            beside_a_weekday = i + 2
        elif (holiday := _holiday_at(words, i)) is not None:
            if i == beside_a_weekday:
                continue
            day = _last_holiday(holiday[1], today)
            if previous == "last" and raw and "last" + holiday[0].replace(" ", "") not in re.sub(r"[^a-z]", "", raw.lower()):
                previous = ""  # "finished his last hydrocodone pill Thanksgiving night": the last pill's, not last year's
            if previous == "last" and (today - day).days <= 14:
                # "Last Thanksgiving I was on Percocet", two days after this year's: the one a year before.
                day = _last_holiday(holiday[1], day - timedelta(days=1))
            found.append((f"last {holiday[0]}" if previous == "last" else holiday[0], day))
        elif _ORDINAL.match(word) and _is_day_of_month(words, i):
            read = _ordinal_date(words, i, today)
            if read is not None:
                found.append(read)
        elif word in _ORDINAL_WORDS and _a_day_in_words(words, i):
            read = _ordinal_date(words, i, today, day=_ORDINAL_WORDS[word])
            if read is not None:
                found.append(read)
        elif word in _WEEKDAYS and not (following == "the" and _ORDINAL.match(words[i + 2] if i + 2 < n else "")) and not _a_date_follows(words, i + 1) and (
            previous in _BEFORE_A_WEEKDAY
            or (previous in _LAST_FOLLOWERS and _LAST in words[max(0, i - 3) : i])  # "last one saturday"
            or (previous in {"was", "on"} and words[max(0, i - 3) : i - 2] == [_LAST] and words[i - 2] in _LAST_FOLLOWERS)  # "last pill was sunday"
            or (previous not in _NOT_A_PAST_WEEKDAY and _TOOK & set(words[max(0, i - 12) : i]))
            or (previous not in _NOT_A_PAST_WEEKDAY and _STOPPED_DOING & set(words[max(0, i - 3) : i]))  # "stopped the hydrocodone Wednesday"
        ):
            # "since Monday", "last one saturday", and a day after a dose taken ("took 2 for my back
            # Sunday"): the latest such day; never "every Monday", "next Friday" or "this Sunday".
            said = word if previous in _LAST_FOLLOWERS or previous not in _BEFORE_A_WEEKDAY else f"{previous} {word}"
            found.append((said, _last_weekday(_WEEKDAYS[word], today)))
        elif (military := _MILITARY_DATE.match(word)) is not None:
            # "15OCT26", "03NOV2026": the day-month-year of military and VA records.
            day_number, month_name, year_number = military.groups()
            year = int(year_number) + (2000 if len(year_number) == 2 else 0)
            with contextlib.suppress(ValueError):  # "31FEB26" is no day
                found.append((word, date(year, _MONTHS[month_name], int(day_number))))
        elif word in _MONTHS and _names_a_month(word, previous, following):
            read = _month_date(words, i, today)
            if read is not None:
                found.append(read)
        elif _is_year(word, today) and not _month_before(words, i):
            if following in {"mg", "mcg", "ml"} or _in_a_slash_date(word, raw, today):
                continue  # "01/10/2026" is read whole below, not as "2026"
            if word.endswith("00") and any(len(w) == 4 and w.isdigit() and w[0] == "0" for w in words):
                continue  # "oxycodone 5mg at 0800 and 2000": the hours of a medication record
            year = int(word)
            day = today if year == today.year else date(year, 12, 31)
            season = previous if previous in _SEASON_ENDS else words[i - 2] if previous == "of" and i >= 2 and words[i - 2] in _SEASON_ENDS else ""
            if season:
                # "over summer 2026", "in the summer of 2026": by the season's end (winter read as the year's last, the later one).
                previous = season
                month, last_day = _SEASON_ENDS[previous]
                day = min(day, date(year, month, last_day))
                word = f"{previous} {word}"
            found.append((word, day))
    for token in _RAW_TOKEN_BREAKS.split(raw):
        slashed = _slash_date(token.strip("().,;:"), today)
        if slashed is not None:
            found.append((token.strip("().,;:"), slashed))
    found = [(text, day) for text, day in found if day <= today]
    if any(text != str(today.year) and day.year == today.year for text, day in found):
        # "teeth out September 22, 2026, took the last hydrocodone September 25": a bare year is no
        # later than the days named in it.
        found = [(text, day) for text, day in found if text != str(today.year)]
    if not found:
        return "", None
    text, day = max(found, key=lambda item: item[1])
    return text, day


_VAGUE_TIMES = (("a", "little", "while", "ago"), ("a", "while", "ago"), ("a", "while", "back"), ("recently",), ("not", "long", "ago"), ("the", "other", "day"), ("lately",))


def _a_vague_stop(words: Sequence[str], today: date) -> bool:
    """A stop with a vague time of its own and no date after it ("ran out a little while ago",
    "stopped it recently"): the date before the stop is another thing's, and the stop stays undated."""
    for index, word in enumerate(words):
        if word not in _STOPPED_DOING and word not in _STOPPING:
            continue
        rest = list(words[index + 1 :])
        while rest[:1] and rest[0] in {"it", "them", "that", "those", "this"}:
            rest = rest[1:]
        if any(tuple(rest[: len(vague)]) == vague for vague in _VAGUE_TIMES) and read_date(rest, today=today)[1] is None:
            return True
    return False


def _a_date_follows(words: Sequence[str], at: int) -> bool:
    """ "stopped Friday Nov 13", "Friday 11/13", "Friday the 13th" (read elsewhere): the weekday names the date after it."""
    following = words[at : at + 2]
    if not following:
        return False
    if following[0] in _MONTHS or _ORDINAL.match(following[0]):
        return True
    return _day_number(following[0]) is not None and len(following) == 2 and (following[1] in _MONTHS or _day_number(following[1]) is not None)


def _numbers_among(text: str, words: Sequence[str]) -> bool:
    """Whether a date's numbers, when it was written with slashes or dashes, are among these words."""
    numbers = re.findall(r"\d+", text)
    if not numbers or not ("/" in text or "-" in text):
        return True
    span = len(numbers)
    return any(list(words[i : i + span]) == numbers for i in range(len(words) - span + 1)) or any(
        w.replace("/", "").replace("-", "") == "".join(numbers) for w in words
    )


_TOOK = frozenset({"took", "taken", "used", "had"})
_MILITARY_DATE = re.compile(r"^(\d{1,2})(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)(\d{2}|\d{4})$")
_SEASON_ENDS = {"spring": (5, 31), "summer": (8, 31), "fall": (11, 30), "autumn": (11, 30), "winter": (12, 31)}
_NOT_A_PAST_WEEKDAY = frozenset({"every", "each", "next", "this", "coming", "following", "by", "per", "a"})
_BEFORE_A_WEEKDAY = frozenset({"since", "on", "last", "till", "until", "before", "stopped", "quit", "finished", "ended", "past"})


def _amount_before(words: Sequence[str], ago_at: int, *, counted: bool = False) -> tuple[int, str, str] | None:
    """ "3 days", "a few weeks", "2-3 months", "3days" before "ago": the smallest amount said.

    With `counted`, a unit without a number ("weeks off") gives nothing rather than a guess.
    """
    if ago_at == 0:
        return None
    unit_word = words[ago_at - 1]
    glued = _GLUED_AMOUNT.match(unit_word)
    if glued:
        return int(glued.group(1)), _UNITS[glued.group(2)], unit_word
    unit = _UNITS.get(unit_word)
    if unit is None:
        return None
    counts = []
    index = ago_at - 2
    while index >= 0 and index >= ago_at - 4:
        word = words[index]
        if word in _NUMBER_WORDS and word not in {"a", "an"} and words[index + 1].isdigit():
            break  # "last one 20 days ago": "one" is the dose, not a range ("2-3 days", "2 or 3 days")
        if word.isdigit():
            counts.append(int(word))
        elif word in {"a", "an"} and counts:
            pass  # "a few", "a couple"
        elif word in _NUMBER_WORDS:
            counts.append(_NUMBER_WORDS[word])
        elif word not in {"or", "to", "over", "about", "around", "almost", "nearly", "just", "under", "like"}:
            break
        index -= 1
    if not counts and counted:
        return None
    if not counts:
        # "days ago", "weeks ago": at least two; "a day ago" was read above.
        counts = [1 if unit_word in {"day", "week", "month", "year"} else 2]
    count = min(counts)
    text = " ".join(words[index + 1 : ago_at])
    return count, unit, text


def _minus(today: date, count: int, unit: str) -> date:
    if unit == "decades":
        count, unit = count * 10, "years"
    if unit == "fortnights":
        count, unit = count * 2, "weeks"
    if unit == "days":
        return today - timedelta(days=count)
    if unit == "weeks":
        return today - timedelta(weeks=count)
    months = count * (12 if unit == "years" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    if year < 1:
        return date(1, 1, 1)
    day = min(today.day, calendar.monthrange(year, month + 1)[1])
    return date(year, month + 1, day)


def _end_of_last(unit: str, today: date) -> date:
    if unit in {"week", "wk", "weekend"}:
        return today - timedelta(days=today.weekday() + 1)  # the Sunday that ended last week
    if unit == "month":
        return today.replace(day=1) - timedelta(days=1)
    return date(today.year - 1, 12, 31)


def _last_weekday(weekday: int, today: date) -> date:
    return today - timedelta(days=(today.weekday() - weekday) % 7)


def _is_year(word: str, today: date) -> bool:
    return len(word) == 4 and word.isdigit() and EARLIEST_YEAR <= int(word) <= today.year + 1


def _names_a_month(word: str, previous: str, following: str) -> bool:
    """ "March" is a month; "may", "mar" or "dec" only beside a date word or a day number ("18 Oct",
    "Oct 18th"; never "2 may", which is more often "2 may help" than the 2nd of May)."""
    if len(word) > 3:
        return True
    day_before = word != "may" and (_day_number(previous) is not None)
    return (
        previous in {"in", "since", "last", "on", "early", "late", "mid", "from", "until"}
        or (previous == "of" and word != "may")  # "end of Oct", "beginning of Nov"
        or following.isdigit()
        or bool(_ORDINAL.match(following))
        or day_before
    )


_ORDINAL_WORDS = {
    name: number
    for number, name in enumerate(
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"],
        start=1,
    )
} | {"thirtieth": 30}


def _day_number(word: str) -> int | None:
    """ "18", "18th", "1st": a day of the month, or None."""
    match = _ORDINAL.match(word)
    text = match.group(1) if match else word
    if text.isdigit() and len(text) <= 2 and 1 <= int(text) <= 31:
        return int(text)
    return None


def _month_before(words: Sequence[str], index: int) -> bool:
    """A month, read as one, among the three words before (not the "may" of "to whom it may concern")."""
    return any(
        words[at] in _MONTHS and _names_a_month(words[at], words[at - 1] if at else "", words[at + 1])
        for at in range(max(0, index - 3), index)
    )


def _month_date(words: Sequence[str], index: int, today: date) -> tuple[str, date] | None:
    """ "March", "March 3", "3 March", "March 2024", "Mar 3 2024": the latest day meant."""
    month = _MONTHS[words[index]]
    day = year = None
    span = [words[index]]
    for word in words[index + 1 : index + 3]:
        if _day_number(word) is not None and day is None and year is None:
            day = _day_number(word)
        elif _is_year(word, today) and year is None:
            year = int(word)
        else:
            break
        span.append(word)
    if day is None and index > 0 and _day_number(words[index - 1]) is not None:
        day = _day_number(words[index - 1])
        span.insert(0, words[index - 1])
    elif day is None and index > 1 and words[index - 1] == "of" and _ORDINAL.match(words[index - 2]):
        day = _day_number(words[index - 2])  # "the 1st of November"
        span[:0] = words[index - 2 : index]
    elif day is None and index > 1 and words[index - 1] == "of" and words[index - 2] in _ORDINAL_WORDS:
        day = _ORDINAL_WORDS[words[index - 2]]  # "the second of November"
        span[:0] = words[index - 2 : index]
    if year is None:
        year = today.year
        last = calendar.monthrange(year, month)[1]
        if date(year, month, min(day or 1, last)) > today:
            year -= 1
    last = calendar.monthrange(year, month)[1]
    try:
        return " ".join(span), min(date(year, month, min(day, last) if day else last), today)
    except ValueError:
        return None


# --- Day numbers, holidays, seasons and year-less slash dates -------------------------------------
_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")
# "the 3rd time", "my 2nd surgery": an ordinal that counts something, not a day of the month.
_COUNTED_AFTER_ORDINAL = _word_set_of(
    "time times dose doses day days week weeks month months year years round rounds attempt attempts try tries "
    "surgery surgeries one pill pills tab tabs shot shots injection injections film films strip strips patch "
    "patches grade trimester child kid baby floor"
)
_BEFORE_A_DAY_NUMBER = frozenset(
    {"the", "on", "since", "until", "till", "til", "thru", "through", "to", "from", "ended", "stopped", "quit", "finished"}
) | frozenset(_WEEKDAYS)


def _is_day_of_month(words: Sequence[str], index: int) -> bool:
    """ "the 15th", "on the 2nd", "friday the 20th", "1st of the month": a day, not "the 3rd time".
    After or before a month name the month's own reading takes it ("Nov 18th", "1st of November")."""
    previous = words[index - 1] if index > 0 else ""
    following = words[index + 1] if index + 1 < len(words) else ""
    if previous in _MONTHS or following in _COUNTED_AFTER_ORDINAL or _day_number(words[index]) is None:
        return False
    if following == "of" and index + 2 < len(words) and words[index + 2] in _MONTHS:
        return False
    return previous in _BEFORE_A_DAY_NUMBER


def _a_day_in_words(words: Sequence[str], index: int) -> bool:
    """ "stopped on the second", "since the twentieth": a day written as a word, only after "the" and a
    word of stopping or dating; never "the first few days" or "my second surgery"."""
    following = words[index + 1] if index + 1 < len(words) else ""
    if index < 2 or words[index - 1] != "the" or following in _COUNTED_AFTER_ORDINAL or following in {"few", "couple", "several", "of"}:
        return False
    return words[index - 2] in {"on", "since", "until", "till", "stopped", "quit", "ended", "finished", "last"}


def _ordinal_date(words: Sequence[str], index: int, today: date, day: int | None = None) -> tuple[str, date] | None:
    """The latest such day up to today: this month's, or last month's when that is still to come
    ("the 30th" read on the 27th) or when the words say "of last month"."""
    day = day or _day_number(words[index])
    assert day is not None
    span = words[index : index + 1]
    named = next((_MONTHS[w] for w in words[max(0, index - 3) : index] if w in _MONTHS and len(w) > 3), None)
    if named is not None:
        # "stopped in September (the 14th)": the day of the month named just before.
        with contextlib.suppress(ValueError):
            year = today.year if date(today.year, named, day) <= today else today.year - 1
            return f"the {words[index]}", date(year, named, day)
    months_back = 0
    if words[index + 1 : index + 4] == ["of", "last", "month"]:
        months_back, span = 1, words[index : index + 4]
    elif words[index + 1 : index + 4] == ["of", "the", "month"] or words[index + 1 : index + 4] == ["of", "this", "month"]:
        span = words[index : index + 4]
    for back in range(months_back, months_back + 3):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        month += 1
        if day > calendar.monthrange(year, month)[1]:
            continue
        candidate = date(year, month, day)
        if candidate <= today:
            return f"the {' '.join(span)}", candidate
    return None


def _weekday_beside(weekday: int, side: str, holiday: str, today: date) -> date:
    """The given weekday just before or just after the latest such holiday (a year earlier if that day is to come)."""
    for day in (_last_holiday(holiday, today), _last_holiday(holiday, _last_holiday(holiday, today) - timedelta(days=1))):
        if side == "before":
            found = day - timedelta(days=(day.weekday() - weekday) % 7 or 7)
        else:
            found = day + timedelta(days=(weekday - day.weekday()) % 7 or 7)
        if found <= today:
            return found
    return today


_A_HABIT_BEFORE_A_SEASON = frozenset({"day", "daily", "night", "nightly", "week", "weekly", "needed", "prn", "bid", "tid", "qid"})


def _a_seasonal_habit(words: Sequence[str], at: int, today: date) -> bool:
    """ "about 3 a day in winter", "every summer": when in the year it is taken, with no year said."""
    following = words[at + 1] if at + 1 < len(words) else ""
    if _is_year(following, today) or following == "of":
        return False
    previous = words[at - 1] if at else ""
    if previous in {"every", "each"}:
        return True
    if previous in {"in", "during"} and at >= 2 and words[at - 2] in _A_HABIT_BEFORE_A_SEASON:
        return True
    # "Some I take only in winter", "I use it mostly in summer": a present-tense use before the season.
    return previous in {"in", "during"} and bool(set(words[max(0, at - 4) : at - 1]) & {"take", "takes", "use", "uses", "need", "needs"})


def _last_holiday(holiday: str, today: date) -> date:
    """The latest day of this holiday up to today."""
    for year in (today.year, today.year - 1):
        day = _HOLIDAYS[holiday](year)
        if day <= today:
            return day
    return _HOLIDAYS[holiday](today.year - 2)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1-based; -1 for the last) given weekday of a month."""
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _easter(year: int) -> date:
    """Western Easter Sunday (the anonymous Gregorian computus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * ell) // 433
    month = (h + ell - 7 * m + 90) // 25
    return date(year, month, (h + ell - 7 * m + 33 * month + 19) % 32)


# US holidays patients date things by ("since thanksgiving", "over christmas", "around labor day").
_HOLIDAYS = {
    "new years eve": lambda year: date(year, 12, 31),
    "new years": lambda year: date(year, 1, 1),
    "new year": lambda year: date(year, 1, 1),
    "valentines": lambda year: date(year, 2, 14),
    "valentines day": lambda year: date(year, 2, 14),
    "easter": _easter,
    "memorial day": lambda year: _nth_weekday(year, 5, 0, -1),
    "independence day": lambda year: date(year, 7, 4),
    "fourth of july": lambda year: date(year, 7, 4),
    "4th of july": lambda year: date(year, 7, 4),
    "labor day": lambda year: _nth_weekday(year, 9, 0, 1),
    "labour day": lambda year: _nth_weekday(year, 9, 0, 1),
    "halloween": lambda year: date(year, 10, 31),
    "veterans day": lambda year: date(year, 11, 11),
    "mlk day": lambda year: _nth_weekday(year, 1, 0, 3),
    "presidents day": lambda year: _nth_weekday(year, 2, 0, 3),
    "st patricks day": lambda year: date(year, 3, 17),
    "mothers day": lambda year: _nth_weekday(year, 5, 6, 2),
    "fathers day": lambda year: _nth_weekday(year, 6, 6, 3),
    "juneteenth": lambda year: date(year, 6, 19),
    "columbus day": lambda year: _nth_weekday(year, 10, 0, 2),
    "thanksgiving": lambda year: _nth_weekday(year, 11, 3, 4),
    "christmas eve": lambda year: date(year, 12, 24),
    "xmas eve": lambda year: date(year, 12, 24),
    "christmas": lambda year: date(year, 12, 25),
    "xmas": lambda year: date(year, 12, 25),
}
_HOLIDAY_WORDS = {tuple(name.split()): name for name in _HOLIDAYS}
_HOLIDAY_LONGEST = max(len(words) for words in _HOLIDAY_WORDS)
# A dict, not a frozenset, so `words_weighed` stays as it was.
_HOLIDAY_FIRST_WORDS = dict.fromkeys(words[0] for words in _HOLIDAY_WORDS)


def _holiday_at(words: Sequence[str], index: int) -> tuple[str, str] | None:
    """The holiday named by the words starting at `index` ("new year s eve" read as one), or None."""
    if index >= len(words) or words[index] not in _HOLIDAY_FIRST_WORDS:
        return None  # every holiday's name opens with its own first word ("new year s" keeps "new")
    said = list(words[index : index + _HOLIDAY_LONGEST + 1])
    if said[:1] == ["new"] and said[2:3] == ["s"]:
        said = [said[0], said[1] + "s", *said[3:]]  # "new year's" reaches us as "new year s"
    for length in range(_HOLIDAY_LONGEST, 0, -1):
        name = _HOLIDAY_WORDS.get(tuple(said[:length]))
        if name is not None:
            return " ".join(said[:length]), name
    return None


# The latest day each season can be said to end, so "over the summer" is never read as longer ago
# than it may be; a season still going on today ends today.
_SEASONS = {"spring": (3, 1, 6, 21), "summer": (6, 1, 9, 22), "fall": (9, 1, 12, 21), "autumn": (9, 1, 12, 21), "winter": (12, 1, 3, 20)}
_BEFORE_A_SEASON = frozenset({"the", "this", "last", "in", "since", "over", "during", "until", "till", "early", "late", "mid", "past"})


def _season_date(word: str, previous: str, following: str, today: date) -> tuple[str, date]:
    start_month, start_day, end_month, end_day = _SEASONS[word]
    said = f"{previous} {word}" if previous in _BEFORE_A_SEASON else word
    if _is_year(following, today):
        year = int(following)
        end_year = year + 1 if end_month < start_month else year
        return f"{said} {following}", min(date(end_year, end_month, end_day), today)
    for year in (today.year, today.year - 1, today.year - 2):
        start = date(year, start_month, start_day)
        end = date(year + 1 if end_month < start_month else year, end_month, end_day)
        if start <= today:
            return said, min(end, today)
    return said, today


# A slash date without a year ("ended 10/15", "as of 11/20") is read only straight after a date
# word, and never in the 4:1 ratio of a buprenorphine/naloxone strength ("4/1", "8/2", "12/3").
_MONTH_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})$")
_MONTH_DAY_SPAN = re.compile(r"^(\d{1,2}/\d{1,2})-(\d{1,2}/\d{1,2})$")  # "10/20-10/22"
_DAY_OF_A_NAMED_MONTH = re.compile(r"^(3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?$")
_BEFORE_A_MONTH_DAY = frozenset(
    {"on", "since", "of", "until", "till", "til", "thru", "through", "to", "was", "ended", "stopped", "quit",
     "discontinued", "finished", "dc", "dcd", "done", "from", "before", "around", "about", "approx", "starting", "started", "after", "off"}
)


_DECADE = re.compile(r"^(\d{4}|[5-9]0)s$")
_STOP_CUES = frozenset({"last", "stopped", "quit", "ended", "removed", "finished", "discontinued", "zero", "tapered", "weaned"})


@lru_cache(maxsize=256)
def _yearless_slash_dates(raw: str, today: date) -> tuple[tuple[str, date], ...]:
    """Month/day dates in the whole entry ("11/10", "Aug 31"), read once per entry."""
    found = []
    tokens = [token.strip("().,;:").lower() for token in raw.split()]
    for index, token in enumerate(tokens):
        span = _MONTH_DAY_SPAN.match(token)
        if span is not None:
            token, previous, following = span.group(2), "until", ""  # "(10/20-10/22)": taken until its last day
        else:
            previous = tokens[index - 1].replace("/", "").replace("'", "") if index > 0 else ""  # "d/c'd 10/15"
            following = tokens[index + 1] if index + 1 < len(tokens) else ""
        match = _MONTH_DAY.match(token)
        said_a_stop = bool(_STOP_CUES.intersection(tokens[:index]))  # "last norco 11/10", "stopped ... (11/11)"
        if previous == "me" and tokens[max(0, index - 3) : index - 1] == ["given", "to"]:
            previous = "on"  # "Tylex was given to me 10/10": the day of the dose
        # The same date written "Aug 31" or "August 31st" counts as "8/31" does.
        named = token in _MONTHS and _DAY_OF_A_NAMED_MONTH.match(following) is not None
        if named:
            match, following = None, tokens[index + 2] if index + 2 < len(tokens) else ""
            if (previous not in _BEFORE_A_MONTH_DAY and not said_a_stop) or following in {"mg", "mcg", "ml", "tab", "tabs"} or _is_year(following, today):
                continue  # "June 3 2025" is read whole, with its year, among the words
            month, day = _MONTHS[token], int(_DAY_OF_A_NAMED_MONTH.match(tokens[index + 1]).group(1))  # type: ignore[union-attr]
            token = f"{tokens[index]} {tokens[index + 1]}"
        elif not match or (previous not in _BEFORE_A_MONTH_DAY and not said_a_stop) or following in {"mg", "mcg", "ml", "tab", "tabs"}:
            continue
        else:
            month, day = int(match.group(1)), int(match.group(2))
        if month == 4 * day:
            continue
        if month > 12 >= day:
            month, day = day, month  # "30/09": day first, as written outside the US
        for year in (today.year, today.year - 1):
            try:
                candidate = date(year, month, day)
            except ValueError:
                break
            if candidate <= today:
                found.append((token, candidate))
                break
    return tuple(found)


def _among(token: str, words: Sequence[str]) -> bool:
    """Whether a date as written ("11/16", "aug 31") is among the words, in order."""
    parts = [p for p in re.split(r"[/\s]+", token) if p]
    return any(list(words[i : i + len(parts)]) == parts for i in range(len(words) - len(parts) + 1))


# Where a written date may end: spaces, and the cells of a pasted table ("8mg;2024-02-10;2026-11-21", "a|b").
_RAW_TOKEN_BREAKS = re.compile(r"[\s;|,\"]+")


def _in_a_slash_date(year: str, raw: str, today: date) -> bool:
    return any(year in token and _slash_date(token.strip("().,;:"), today) for token in _RAW_TOKEN_BREAKS.split(raw))


def _slash_date(token: str, today: date) -> date | None:
    """ "11/20/2026", "11/20/26", "2026-11-20", "2026/11/20", "14/11/2026" and "14.11.2026" (day first); never
    "8/2" (a Suboxone strength) or "10/325"."""
    dotted = _DOTTED_DATE.match(token)
    if dotted:
        try:
            return date(int(dotted.group(3)), int(dotted.group(2)), int(dotted.group(1)))
        except ValueError:
            return None
    match = _SLASH_DATE.match(token)
    if not match:
        return None
    if match.group(1):
        month, day, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if year < 100:
            year += 2000 if 2000 + year <= today.year else 1900
        if month > 12 >= day:
            month, day = day, month  # "14/11/2026": day first, as written outside the US
    else:
        year, month, day = int(match.group(4)), int(match.group(5)), int(match.group(6))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def words_weighed() -> frozenset[str]:
    """Every word in this module's word sets: the words whose presence can change a reading."""
    found: set[str] = set()
    for value in list(globals().values()):
        if isinstance(value, frozenset) and all(isinstance(item, str) for item in value):
            found |= value
    return frozenset(found)
