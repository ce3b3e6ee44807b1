"""What screening noticed, in the patient's language, for the summary page.

The engine (patients/screening/, plain Python without Django) writes each flag's explanation in
English, and that text is stored: staff read it, the audit keeps it. The patient reads it in the
language of the page. Every sentence the engine can write is listed here once, as a pattern over
the English with its translation (gettext, so the Spanish lives in the catalog); the words the
patient typed and the medicine names are carried over as they are.

A sentence this module does not know stays in English rather than being guessed at: the Spanish
page walk (tests/i18n) fails on it, which is how a new sentence in rules.py is noticed here.
Never diagnosing, like the engine: each sentence says what was noticed and that a pharmacist
will talk it through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from django.utils import dateformat, translation
from django.utils.translation import gettext, pgettext

# The second half of each explanation: why it matters and what happens next. The summary page
# gives each only once (selectors.explanations_once), so an explanation may end before it.
_REASONS: dict[str, Callable[[], str]] = {
    "LDN blocks the receptors opioids act on, so the two are not taken together; the pharmacist will talk this "
    "through with you.": lambda: gettext(
        "LDN blocks the receptors opioids act on, so the two are not taken together; the pharmacist will talk this "
        "through with you."
    ),
    "That is fine: the pharmacist will go through your medicines with you before anything is decided.": lambda: gettext(
        "That is fine: the pharmacist will go through your medicines with you before anything is decided."
    ),
    "LDN is started only after enough opioid-free days, so the pharmacist will go through the timing with you.": (
        lambda: gettext(
            "LDN is started only after enough opioid-free days, so the pharmacist will go through the timing with you."
        )
    ),
    "The pharmacist will confirm this with you.": lambda: gettext("The pharmacist will confirm this with you."),
    "The pharmacist will check it with you.": lambda: gettext("The pharmacist will check it with you."),
    "Because opioids and LDN do not mix, the pharmacist will confirm this with you.": lambda: gettext(
        "Because opioids and LDN do not mix, the pharmacist will confirm this with you."
    ),
    "LDN blocks the receptors that opioids work through, so taking both can bring on withdrawal and stop the "
    "opioid from working; the pharmacist will talk this through with you.": lambda: gettext(
        "LDN blocks the receptors that opioids work through, so taking both can bring on withdrawal and stop the "
        "opioid from working; the pharmacist will talk this through with you."
    ),
    "The pharmacist will check how the two fit together and discuss it with you.": lambda: gettext(
        "The pharmacist will check how the two fit together and discuss it with you."
    ),
    "The pharmacist will ask how you take it alongside your other medicines.": lambda: gettext(
        "The pharmacist will ask how you take it alongside your other medicines."
    ),
    "LDN can change how much thyroid medicine some people need, so the pharmacist will talk about keeping an eye "
    "on it.": lambda: gettext(
        "LDN can change how much thyroid medicine some people need, so the pharmacist will talk about keeping an "
        "eye on it."
    ),
    "LDN is thought to influence the immune system too, so the pharmacist will review them together with you.": (
        lambda: gettext(
            "LDN is thought to influence the immune system too, so the pharmacist will review them together with you."
        )
    ),
    "The pharmacist will check it with you so nothing on your list is missed.": lambda: gettext(
        "The pharmacist will check it with you so nothing on your list is missed."
    ),
    "There is little safety information about LDN at this time, so the pharmacist will go through it with you and "
    "your provider.": lambda: gettext(
        "There is little safety information about LDN at this time, so the pharmacist will go through it with you "
        "and your provider."
    ),
    "That is fine; the pharmacist may ask about it privately during your consultation.": lambda: gettext(
        "That is fine; the pharmacist may ask about it privately during your consultation."
    ),
}

_SPELLING = " (we read the spelling as closely as we could)"


def _day(text: str) -> str:
    """The engine's "Nov 3, 2026" in the page's language; anything else as it is."""
    try:
        day = datetime.strptime(text, "%b %d, %Y").date()
    except ValueError:
        return text
    return dateformat.format(day, pgettext("a date in a sentence, e.g. November 24, 2026", "F j, Y"))


def _an_opioid(named: str) -> str:
    return gettext("an opioid") if named == "an opioid" else named


def _spelling(found: re.Match) -> str:
    return gettext(" (we read the spelling as closely as we could)") if found["spelling"] else ""


# (English first sentence as a pattern, its translation). Most specific first: the last one,
# "We noticed X.", matches what the others did not.
_NOTICED: list[tuple[re.Pattern, Callable[[re.Match], str]]] = [
    (re.compile(r"You told us you take an opioid now\."), lambda m: gettext("You told us you take an opioid now.")),
    (
        re.compile(r"You were not sure whether you have taken an opioid recently\."),
        lambda m: gettext("You were not sure whether you have taken an opioid recently."),
    ),
    (
        re.compile(r"You told us you stopped (?P<named>.+) on not given\."),
        lambda m: gettext("You told us you stopped %(named)s, without the date.") % {"named": _an_opioid(m["named"])},
    ),
    (
        re.compile(r"You told us you stopped (?P<named>.+) on (?P<day>[A-Z][a-z]{2} \d{1,2}, \d{4})\."),
        lambda m: gettext("You told us you stopped %(named)s on %(day)s.")
        % {"named": _an_opioid(m["named"]), "day": _day(m["day"])},
    ),
    (
        re.compile(r"We could not be sure whether “(?P<matched>.+)” means (?P<ingredient>.+), which is an "
                   r"opioid, or another medicine\."),
        lambda m: gettext(
            "We could not be sure whether “%(matched)s” means %(ingredient)s, which is an opioid, or "
            "another medicine."
        )
        % {"matched": m["matched"], "ingredient": _an_opioid(m["ingredient"])},
    ),
    (
        re.compile(r"We noticed (?P<named>.+) listed as an allergy, a past medicine or something you do not take now\."),
        lambda m: gettext(
            "We noticed %(named)s listed as an allergy, a past medicine or something you do not take now."
        )
        % {"named": m["named"]},
    ),
    (
        re.compile(r"We noticed you mentioned (?P<matched>.+?)(?P<spelling>" + re.escape(_SPELLING) + r")?\."),
        lambda m: gettext("We noticed you mentioned %(matched)s%(spelling)s.")
        % {"matched": m["matched"], "spelling": _spelling(m)},
    ),
    (
        re.compile(r"We noticed (?P<named>.+), which is an opioid(?P<spelling>" + re.escape(_SPELLING) + r")?\."),
        lambda m: gettext("We noticed %(named)s, which is an opioid%(spelling)s.")
        % {"named": m["named"], "spelling": _spelling(m)},
    ),
    (
        re.compile(r"We noticed (?P<named>.+), an opioid last taken on (?P<day>.+)\."),
        lambda m: gettext("We noticed %(named)s, an opioid last taken on %(day)s.")
        % {"named": m["named"], "day": _day(m["day"])},
    ),
    (
        re.compile(r"We noticed (?P<named>.+), an opioid, and could not tell when it was last taken\."),
        lambda m: gettext("We noticed %(named)s, an opioid, and could not tell when it was last taken.")
        % {"named": m["named"]},
    ),
    (
        re.compile(r"We noticed (?P<named>.+), which blocks opioid receptors much as LDN does\."),
        lambda m: gettext("We noticed %(named)s, which blocks opioid receptors much as LDN does.")
        % {"named": m["named"]},
    ),
    (
        re.compile(r"We noticed (?P<named>.+), a thyroid medicine\."),
        lambda m: gettext("We noticed %(named)s, a thyroid medicine.") % {"named": m["named"]},
    ),
    (
        re.compile(r"We noticed (?P<named>.+), a medicine that acts on the immune system\."),
        lambda m: gettext("We noticed %(named)s, a medicine that acts on the immune system.") % {"named": m["named"]},
    ),
    (
        re.compile(r"We could not match “(?P<words>.+)” to a medicine we know\."),
        lambda m: gettext("We could not match “%(words)s” to a medicine we know.") % {"words": m["words"]},
    ),
    (re.compile(r"You told us that you are pregnant\."), lambda m: gettext("You told us that you are pregnant.")),
    (
        re.compile(r"You told us that you are breastfeeding\."),
        lambda m: gettext("You told us that you are breastfeeding."),
    ),
    (
        re.compile(r"You told us that you are trying to conceive\."),
        lambda m: gettext("You told us that you are trying to conceive."),
    ),
    (
        re.compile(r"You answered “Not sure” about pregnancy and breastfeeding\."),
        lambda m: gettext("You answered “Not sure” about pregnancy and breastfeeding."),
    ),
    (
        re.compile(r"You answered “Prefer not to say” about pregnancy and breastfeeding\."),
        lambda m: gettext("You answered “Prefer not to say” about pregnancy and breastfeeding."),
    ),
    (
        re.compile(r"We noticed (?P<named>.+)\."),
        lambda m: gettext("We noticed %(named)s.") % {"named": m["named"]},
    ),
]


def explanation_for_patient(text: str) -> str:
    """The engine's English explanation in the active language (unchanged in English, and for a
    sentence this module does not know)."""
    if translation.get_language() in (None, "en") or translation.get_language().startswith("en-"):
        return text
    noticed, reason = text, ""
    for english, translated in _REASONS.items():
        if text.endswith(" " + english):
            noticed, reason = text[: -len(english) - 1], translated()
            break
    for pattern, words in _NOTICED:
        found = pattern.fullmatch(noticed)
        if found:
            return f"{words(found)} {reason}".strip()
    return text
