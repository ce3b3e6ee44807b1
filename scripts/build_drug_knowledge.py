#!/usr/bin/env python3
"""Regenerate patients/screening/data/drug_knowledge.json.

Reads the CDC opioid ValueSets (RxNorm expansions) from the shared data folder, the curated lists
in patients/screening/data/curated_*.json, the drug dictionary shipped inside the pinned PyPI
package drug-named-entity-recognition and the names-only RxNorm file
patients/screening/data/rxnorm_prescribable_names.json, and writes one sorted, deterministic JSON
file. The application reads only that generated file; neither the shared folder nor the package is
needed at run time.

    python scripts/build_drug_knowledge.py [path/to/opioid-valuesets] [--output FILE]

CI rebuilds into a temporary file and fails when it differs from the committed one.
"""

from __future__ import annotations

import argparse
import ast
import bz2
import importlib.metadata
import importlib.util
import json
import pickle
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "patients" / "screening" / "data"
OUTPUT = DATA_DIR / "drug_knowledge.json"
DEFAULT_SOURCE = (REPO_ROOT / ".." / "shared" / "data" / "opioid-valuesets").resolve()

OPIOID = "opioid"
ANTAGONIST = "opioid_antagonist"
IMMUNOMODULATOR = "immunomodulator"
THYROID_HORMONE = "thyroid_hormone"
NON_OPIOID = "non_opioid"
# When two lists claim the same name, the more cautious class wins.
CLASS_PRIORITY = {OPIOID: 0, ANTAGONIST: 1, IMMUNOMODULATOR: 2, THYROID_HORMONE: 3, NON_OPIOID: 4}
# (curated file, class of its ingredients), in the order their terms are added.
CURATED_FILES = (
    ("opioids", OPIOID),
    ("antagonists", ANTAGONIST),
    ("immunomodulators", IMMUNOMODULATOR),
    ("thyroid", THYROID_HORMONE),
    ("non_opioids", NON_OPIOID),
)
# Flat sections of a curated file and the term kind each one gives.
_FLAT_SECTIONS = (
    ("ingredient_synonyms", "synonym"),
    ("brands", "brand"),
    ("abbreviations", "abbreviation"),
    ("street_names", "street_name"),
)
_TERM_KINDS = {"synonym", "brand", "abbreviation", "street_name", "generic_opioid"}
# Ingredient fields that stay in the curated files (explanations for people) and are not copied.
_CURATED_ONLY_FIELDS = {"note", "source"}

WASHOUT_RULES = ("short_acting", "long_acting", "extended_release_injection")
WASHOUT_TEXT_LIMIT = 300

# RxNorm writes salts and delivery words next to the ingredient; the patient never does.
_SALT_WORDS = {
    "acetate",
    "bitartrate",
    "citrate",
    "hydrobromide",
    "hydrochloride",
    "liposomal",
    "maleate",
    "napsylate",
    "phosphate",
    "polistirex",
    "sulfate",
    "tannate",
    "tartrate",
    "terephthalate",
}
_PREFIX_WORDS = {"abuse-deterrent", "matrix", "delivery", "hr", "ml", "actuat", "day"}
_CDC_INGREDIENT_RENAMES = {
    "heroin": "diamorphine",
    "propoxyphene": "dextropropoxyphene",
    "levomethadyl": "levacetylmethadol",
    "opium tincture": "opium",
}
_BRAND_NOISE = re.compile(r"\s+(reformulated\b.*|\d+\s*mcg)$", re.IGNORECASE)


def _load_normaliser():
    path = REPO_ROOT / "patients" / "screening" / "normalise.py"
    spec = importlib.util.spec_from_file_location("_screening_normalise", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while building the class
    spec.loader.exec_module(module)
    return module


normalise = _load_normaliser()


def rules_version() -> str:
    source = (REPO_ROOT / "patients" / "screening" / "version.py").read_text(encoding="utf-8")
    match = re.search(r'^RULES_VERSION\s*=\s*"([^"]+)"', source, re.MULTILINE)
    if not match:
        raise SystemExit("RULES_VERSION not found in patients/screening/version.py")
    return match.group(1)


# --------------------------------------------------------------------------------------------
# CDC value sets


def cdc_ingredient(part: str) -> str | None:
    """The ingredient named in one ' / '-separated part of an RxNorm display name."""
    words: list[str] = []
    for word in part.strip().lstrip("{(").split():
        is_number = bool(re.match(r"^[\d.]", word))
        if is_number and words:
            break
        if not is_number and (words or word.lower() not in _PREFIX_WORDS):
            words.append(word.lower().strip("(){}"))
    words = [w for w in words if w not in _SALT_WORDS and w not in _PREFIX_WORDS]
    if not words:
        return None
    name = " ".join(words)
    return _CDC_INGREDIENT_RENAMES.get(name, name)


def read_cdc(source: Path) -> tuple[dict, dict[str, set[str]], dict[str, set[str]], dict[str, set[str]]]:
    """Return (source notes, brand -> ingredients, ingredient -> sources, brand -> sources)."""
    files = sorted(source.glob("*.json")) + sorted((source / "archive-2022").glob("*.json"))
    if not files:
        raise SystemExit(f"no ValueSet files found in {source}")
    notes = {}
    brands: dict[str, set[str]] = {}
    ingredient_sources: dict[str, set[str]] = {}
    brand_sources: dict[str, set[str]] = {}
    for path in files:
        valueset = json.loads(path.read_text(encoding="utf-8"))
        label = ("archive-2022/" if path.parent.name == "archive-2022" else "") + path.stem
        tag = f"cdc:{label}"
        notes[tag] = {
            "title": valueset.get("title", ""),
            "url": valueset.get("url", ""),
            "date": valueset.get("date", ""),
            "expansion_timestamp": valueset.get("expansion", {}).get("timestamp", ""),
            "concepts": len(valueset.get("expansion", {}).get("contains", [])),
        }
        for concept in valueset.get("expansion", {}).get("contains", []):
            display = concept["display"]
            found_brands = [_BRAND_NOISE.sub("", b).strip() for b in re.findall(r"\[([^\]]+)\]", display)]
            plain = re.sub(r"\[[^\]]*\]", "", display)
            ingredients = {i for i in map(cdc_ingredient, plain.split(" / ")) if i}
            for ingredient in ingredients:
                ingredient_sources.setdefault(ingredient, set()).add(tag)
            for brand in found_brands:
                brands.setdefault(brand, set()).update(ingredients)
                brand_sources.setdefault(brand, set()).add(tag)
    return notes, brands, ingredient_sources, brand_sources


def load_curated(name: str) -> dict:
    return json.loads((DATA_DIR / f"curated_{name}.json").read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# The drug vocabulary package (non-opioid names)

VOCABULARY_DIST = "drug-named-entity-recognition"
VOCABULARY_VERSION = "2.0.9"
VOCABULARY_MODULE = "drug_named_entity_recognition"
VOCABULARY_TAG = f"pypi:{VOCABULARY_DIST}=={VOCABULARY_VERSION}"
VOCABULARY_FILE = "drug_ner_dictionary.pkl.bz2"

# A package entry is a medicine only if its record links it to a drug reference; entries known
# only by a MeSH heading are mostly proteins, receptors and drug classes.
_DRUG_RECORD_KEYS = ("drugbank_id", "medline_plus_id", "nhs_url", "wikipedia_url")
# The package's own MeSH headings for opioids: Narcotics, Narcotic Antagonists, Analgesics, Opioid.
_OPIOID_MESH_IDS = {"D009294", "D009292", "D000701"}
# MeSH tree branches of the morphinans (morphine, codeine, naltrexone, dextromethorphan ...).
_MORPHINAN_TREES = ("D03.132.577.249", "D03.633.400.686", "D03.605.497", "D04.615.723.795")
# Parts of opioid names in many languages (fentanyl analogues, nitazenes, morphinans, pethidines,
# methadones, benzomorphans, endorphins). Anything that matches stays out of the vocabulary and
# is left to the curated lists or to the pharmacist, never passed as an ordinary medicine.
_OPIOID_LIKE = re.compile(
    r"fentan|morphin|morphon|morf|orphin|orphan|codein|kodein|codon|methadon|metadon|methadol|methadyl"
    r"|prodine|pethidin|petidin|meperidin|phenoperidin|anileridin|piminodin|ketobemid|moramid|propoxyphen"
    r"|propoxifen|piritramid|bezitramid|dipipanon|levometh|normethad|phenadox|dimephept|meptazin"
    r"|azocin|nalbuph|butorph|tilid|tramad|tapentad|oliceridin|cebranopadol|papaveretum|pholcod|folcod"
    r"|thebacon|thebain|diphenoxyl|difenox|nitazen|thiambuten|tianept|eluxadol|trimebutin|mitragyn"
    r"|kratom|opioid|opiate|opium|opio\b|narcot|enkephal|endorphin|dynorph|nocicept|xylazin"
    r"|naltrex|nalox|nalmef|naldemed|alvimopan|samidorph|axelopran"
    # street drugs that are not opioids but often carry fentanyl: never an ordinary medicine
    r"|cocain|kokain|ecstasy"
    # ketamine and esketamine act partly through opioid receptors; naltrexone blunted ketamine's
    # antidepressant effect in a trial, so the pharmacist should see them
    r"|ketamin"
)
# Name parts of immune-modulating medicines (antibodies, fusion proteins, kinase inhibitors,
# limus drugs, S1P modulators, interferons, immune globulins, corticosteroids) and thyroid
# hormones: they need the pharmacist's review, so the vocabulary never calls them ordinary.
_IMMUNE_OR_THYROID_WORD = re.compile(r"(mab|cept|limus|tinib|imod|kinra|sone|olone|onide|cort)$")
_IMMUNE_OR_THYROID_PART = re.compile(r"interferon|interleukin|globulin|cortiso|cortico|thyro|thyron")
# A name a patient would write: letters, spaces, hyphens, apostrophes, full stops; at most three
# words. Chemical names, codes, inverted MeSH headings ("receptors, opioid") are left out.
_PLAIN_NAME = re.compile(r"[a-z][a-z' .\-]*")
_MAX_WORDS = 3
_MIN_LENGTH = 4
# Everyday English words that are also names in the package: patients write them in other
# senses ("pain relief", "sleep aid", "water"), and a match would make an unclear line look like
# a known medicine. The package's own stop list (countries, companies, function words) is added.
# fmt: off
VOCABULARY_STOP_WORDS = frozenset([
    # how medicines are taken or described
    "caps", "capsule", "capsules", "tab", "tabs", "tablet", "tablets", "pill", "pills", "drops", "cream",
    "gel", "patch", "spray", "syrup", "liquid", "solution", "injection", "shot", "powder", "daily",
    "night", "extra", "plus", "forte", "max", "relief", "pain", "sleep", "cold", "flu", "allergy",
    # drinks and foods (the package holds them as allergen extracts)
    "water", "salt", "sugar", "milk", "honey", "coffee", "tea", "juice", "alcohol", "ice", "avocado",
    "bean", "beet", "blackberry", "blueberry", "cashew", "catfish", "chickpea", "cocoa", "flounder",
    "grapefruit", "hazelnut", "hops", "horseradish", "kale", "lamb", "lentil", "lobster", "muskmelon",
    "oats", "oyster", "peach", "pecan", "pecans", "pistachio", "pomegranate", "poultry", "pumpkin",
    "rhubarb", "rice", "shrimp", "tuna", "vanilla", "watercress", "wheat", "yeast", "yeasts",
    # other everyday words that are names in the package ("cotton" is also slang for OxyContin)
    "amber", "cotton", "gold", "modus", "neon", "soot", "tetris",
])
# fmt: on


class _DataOnlyUnpickler(pickle.Unpickler):
    """Reads a pickle that holds only dicts, lists, strings and numbers; refuses anything else.

    The package's dictionary file is a bz2 pickle. Plain containers need no class lookups, so any
    global the file asks for would be a surprise: fail instead of importing it.
    """

    def find_class(self, module: str, name: str):
        raise SystemExit(f"{VOCABULARY_FILE} asks for {module}.{name}; expected plain data only")


def read_vocabulary_package() -> tuple[dict, frozenset[str]]:
    """The package's dictionary and stop words, read from its installed files without running it.

    Importing the package runs code that unpickles with the unrestricted loader and reads and
    writes a cache in the home folder, so the build only locates it: the pinned version is
    checked, the dictionary is unpickled as plain data, and the stop-word set is taken from
    util.py with ast.literal_eval.
    """
    try:
        installed = importlib.metadata.version(VOCABULARY_DIST)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(
            f"{VOCABULARY_DIST}=={VOCABULARY_VERSION} is not installed: run make install"
        ) from None
    if installed != VOCABULARY_VERSION:
        raise SystemExit(
            f"{VOCABULARY_DIST} {installed} is installed; the build expects {VOCABULARY_VERSION}"
        )
    spec = importlib.util.find_spec(VOCABULARY_MODULE)  # finds the folder; runs nothing
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(f"cannot locate the {VOCABULARY_MODULE} package")
    folder = Path(next(iter(spec.submodule_search_locations)))
    with bz2.open(folder / VOCABULARY_FILE, "rb") as handle:
        dictionary = _DataOnlyUnpickler(handle).load()
    stop_words: frozenset[str] = frozenset()
    tree = ast.parse((folder / "util.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "stopwords" for t in node.targets):
            stop_words = frozenset(ast.literal_eval(node.value))
    if not stop_words:
        raise SystemExit(f"no stopwords set found in {VOCABULARY_MODULE}/util.py")
    return dictionary, stop_words


class OpioidNeighbours:
    """Whether a word could be an opioid's name misspelt, for the lists of words that are no medicine
    and for the brands of review medicines.

    A word list only keeps a word beside a named medicine from being reported as an unknown name,
    but for a slip the spelling check cannot place (it corrects no word under 5 letters, nor one
    past its reach), that report is the pharmacist's only sign of an opioid: "norc" for Norco,
    "prcs" for percs. So a word is kept out when it has an opioid name part (section 9 of
    PROVENANCE.md); when it is one letter (dropped, added, changed or two swapped) from an opioid or
    antagonist name of the knowledge base of 4 letters or more, street names included; or when it
    sounds like one within the spelling check's reach: one sound, and for names sharing its first
    three sounds two up to 9 letters and three beyond (the same sound under 5 letters, street names
    left out: they are slang written as heard). The check itself looks only at names sharing the
    word's first letter; this looks at all. `margin` widens the reach by that many sounds, for names
    that become spelling-correction targets themselves.
    """

    def __init__(self, names: Iterable[str], street_names: Iterable[str]) -> None:
        names = {name for name in names if name.isalpha()}
        spellings = {name for name in names | {n for n in street_names if n.isalpha()} if len(name) >= 4}
        sounds = {normalise.phonetic_key(name) for name in names}
        self._exact_spellings = frozenset(names)
        self._exact_sounds = frozenset(sounds)
        # Grouped by length, and sounds also by their first three: an edit distance is at least the
        # difference in length, so only a few groups are ever compared.
        self._spellings = self._by_length(spellings)
        self._sounds = self._by_length(sounds)
        self._sounds_by_prefix = {
            prefix: self._by_length({s for s in sounds if s[:FUZZY_FAR_PREFIX] == prefix})
            for prefix in sorted({s[:FUZZY_FAR_PREFIX] for s in sounds})
        }

    @staticmethod
    def _by_length(texts: set[str]) -> dict[int, list[str]]:
        groups: dict[int, list[str]] = {}
        for text in sorted(texts):
            groups.setdefault(len(text), []).append(text)
        return groups

    def __call__(self, word: str, margin: int = 0) -> bool:
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        def within(target: str, choices: dict[int, list[str]], distance: int) -> bool:
            return any(
                process.extractOne(target, choices[length], scorer=OSA.distance, score_cutoff=distance) is not None
                for length in range(len(target) - distance, len(target) + distance + 1)
                if length in choices
            )

        if _OPIOID_LIKE.search(word):
            return True
        letters = re.match(r"[a-z]*", word).group()  # "bule30s" is read as "bule" and "30s"
        if len(letters) < 2:
            return False
        if letters in self._exact_spellings or (len(letters) >= 3 and within(letters, self._spellings, 1)):
            return True
        sound = normalise.phonetic_key(letters)
        if len(letters) < FUZZY_MIN_LENGTH and not margin:
            return sound in self._exact_sounds
        allowed = (1 if len(letters) <= 6 else 2 if len(letters) <= 9 else 3) + margin
        return within(sound, self._sounds, 1 + margin) or within(
            sound, self._sounds_by_prefix.get(sound[:FUZZY_FAR_PREFIX], {}), allowed
        )


def opioid_neighbours(terms: dict[str, dict], ingredients: dict[str, dict]) -> OpioidNeighbours:
    """Every one-word opioid or antagonist name of the knowledge base, street names apart."""
    flagged = (OPIOID, ANTAGONIST)
    names = {
        key
        for key, record in terms.items()
        if " " not in key
        and (
            record["kind"] == "generic_opioid"
            or any(ingredients[m]["class"] in flagged for m in record["ingredients"])
        )
    }
    street = {key for key in names if terms[key]["kind"] == "street_name"}
    return OpioidNeighbours(names - street, street)


# Everyday words, so that a row's own remarks are not reported as unknown medicine names: Spanish
# ("paracetamol cuando me duele la cabeza"), and the English that Webster's Second (the
# english-words package, read at run time) is too old to know: conditions and tests ("Lyme",
# "CPAP", "Hashimoto"), texting ("idk", "ngl"), places and peoples. wordfreq is large, so only
# its word lists are copied here.
WORDFREQ_DIST = "wordfreq"
WORDFREQ_VERSION = "3.1.1"
SPANISH_WORD_COUNT = 50_000
ENGLISH_WORD_COUNT = 200_000
# The commonest English and Spanish words ("those", "llame"): never read as a misspelt opioid's name.
COMMON_WORD_COUNT = 10_000
# The spelling check corrects words of at least this many letters, and by two sounds or more only
# towards names that share their first three sounds (patients/screening/knowledge.py).
FUZZY_MIN_LENGTH = 5
FUZZY_FAR_PREFIX = 3


def _wordfreq_top(language: str, count: int) -> tuple[str, list[str]]:
    try:
        installed = importlib.metadata.version(WORDFREQ_DIST)
    except importlib.metadata.PackageNotFoundError:
        raise SystemExit(f"{WORDFREQ_DIST}=={WORDFREQ_VERSION} is not installed: run make install") from None
    if installed != WORDFREQ_VERSION:
        raise SystemExit(f"{WORDFREQ_DIST} {installed} is installed; the build expects {WORDFREQ_VERSION}")
    from wordfreq import top_n_list

    return installed, top_n_list(language, count, wordlist="large")


def spanish_words(term_keys: set[str]) -> dict:
    """The most frequent Spanish words, folded, that are not themselves a name in the knowledge base."""
    installed, top = _wordfreq_top("es", SPANISH_WORD_COUNT)
    folded = {_fold(word) for word in top}
    words = sorted(w for w in folded if w.isascii() and w.isalpha() and len(w) >= 2 and w not in term_keys)
    return {
        "source": f"{WORDFREQ_DIST} {installed}: the {SPANISH_WORD_COUNT} most frequent Spanish words "
        "(its 'large' list), folded, less the names in this file",
        "words": words,
    }


def english_words(term_keys: set[str], near_an_opioid: OpioidNeighbours) -> dict:
    """The most frequent English words, folded, that Webster's Second lacks, that are not themselves a
    name in the knowledge base and that look or sound like no opioid ("dm2" and "o2" kept: a letter
    and digits)."""
    from english_words import get_english_words_set

    installed, top = _wordfreq_top("en", ENGLISH_WORD_COUNT)
    webster = get_english_words_set(["web2"], lower=True, alpha=True)
    folded = {_fold(word) for word in top}
    candidates = (
        w
        for w in folded
        if w.isascii()
        and w.isalnum()
        and not w.isdigit()
        and len(w) >= 2
        and w not in webster
        and w not in term_keys
    )
    # The commonest words ("feet", one letter from "fent") are what they say, as in common_words.
    _, commonest = _wordfreq_top("en", COMMON_WORD_COUNT)
    commonest_folded = {_fold(word) for word in commonest}
    words = sorted(w for w in candidates if w in commonest_folded or not near_an_opioid(w))
    return {
        "source": f"{WORDFREQ_DIST} {installed}: the {ENGLISH_WORD_COUNT} most frequent English words "
        "(its 'large' list), folded, less Webster's Second (read at run time), the names in this file "
        f"and any word outside the {COMMON_WORD_COUNT} most frequent that looks or sounds like an opioid's name",
        "words": words,
    }


def common_words(term_keys: set[str]) -> dict:
    """The commonest English and Spanish words, folded, that are not themselves a name in the
    knowledge base ("those", "llame")."""
    installed, top = _wordfreq_top("en", COMMON_WORD_COUNT)
    _, top_es = _wordfreq_top("es", COMMON_WORD_COUNT)
    folded = (_fold(word) for word in [*top, *top_es])
    words = sorted({w for w in folded if w.isascii() and w.isalpha() and len(w) >= 2 and w not in term_keys})
    return {
        "source": f"{WORDFREQ_DIST} {installed}: the {COMMON_WORD_COUNT} most frequent English words and the "
        f"{COMMON_WORD_COUNT} most frequent Spanish words (its 'large' lists), folded, less the names in this file",
        "words": words,
    }


# --------------------------------------------------------------------------------------------
# Words that are no medicine's name: towns and medical abbreviations (names-only files committed
# beside this script's output). Like the newer English words they only keep a word beside a named
# medicine from being reported as an unknown name; they never shape a spelling correction.

PLACES_FILE = DATA_DIR / "census_place_names.json"
PLACES_TAG = "census:gazetteer-2025-places-ia-il-mi-mn-wi"
ABBREVIATIONS_FILE = DATA_DIR / "medical_abbreviations.json"
ABBREVIATIONS_TAG = "github:imantsm/medical_abbreviations"
_ABBREVIATION = re.compile(r"[a-z][a-z0-9]*")
# Shorthand for drug use, its treatment and pain care ("IVDU", "CIWA", "T12A": an abuse-deterrent
# tablet, "IDDS": a pain pump): a sign the pharmacist should see, never silenced.
_DRUG_USE_MEANING = re.compile(
    r"drug (use|abuse|treatment|delivery)|substance|withdraw|overdose|addict|abuse|misuse|detox|rehab"
    r"|relapse|sober|analges|pain|intoxicat|illicit|street",
    re.IGNORECASE,
)


def _names_a_flagged_medicine(text: str, protected: dict[str, str], longest_protected: int) -> bool:
    """Whether a text names, or has a part of the name of, an opioid, antagonist, immune-modulating
    or thyroid medicine (the vocabulary's filters, section 9 of PROVENANCE.md)."""
    folded = _fold(text)
    key = normalise.term_key(text)
    return bool(
        _OPIOID_LIKE.search(folded)
        or _IMMUNE_OR_THYROID_PART.search(folded)
        or any(_IMMUNE_OR_THYROID_WORD.search(word) for word in key.split())
        or any(p in protected for p in _sub_phrases(key.split(), longest_protected))
    )


def other_words(
    protected: dict[str, str], term_keys: set[str], known: set[str], near_an_opioid: OpioidNeighbours
) -> dict:
    """Town names and medical abbreviations, folded, less any name in the knowledge base, any word
    the English lists already hold (known), any word near an opioid's name, and every abbreviation
    whose meaning names a medicine the pharmacist must see (morphine sulphate, immunoglobulin) or
    speaks of drug use or pain care (intravenous drug use, abuse-deterrent tablet)."""
    longest_protected = max(len(key.split()) for key in protected)

    def keep(word: str) -> bool:
        return (
            len(word) >= 2
            and word not in term_keys
            and word not in known
            and not near_an_opioid(word)
            and not _names_a_flagged_medicine(word, protected, longest_protected)
        )

    places = json.loads(PLACES_FILE.read_text(encoding="utf-8"))
    place_words = {
        token.text
        for name in places["names"]
        for token in normalise.tokenize(name)
        if token.text.isalpha()
    }
    abbreviations = json.loads(ABBREVIATIONS_FILE.read_text(encoding="utf-8"))
    abbreviation_words = set()
    left_out = left_out_drug_use = 0
    for abbreviation, meanings in abbreviations["abbreviations"].items():
        key = _fold(abbreviation)
        if not _ABBREVIATION.fullmatch(key):
            continue
        if any(_names_a_flagged_medicine(meaning, protected, longest_protected) for meaning in meanings):
            left_out += 1
            continue
        if any(_DRUG_USE_MEANING.search(meaning) for meaning in meanings):
            left_out_drug_use += 1
            continue
        abbreviation_words.add(key)
    return {
        PLACES_TAG: {
            "file": f"patients/screening/data/{PLACES_FILE.name}",
            "license": places["_license"],
            "source": places["_source"],
            "words": sorted(w for w in place_words if keep(w)),
        },
        ABBREVIATIONS_TAG: {
            "file": f"patients/screening/data/{ABBREVIATIONS_FILE.name}",
            "license": abbreviations["_license"],
            "meaning_names_a_flagged_medicine": left_out,
            "meaning_is_drug_use_or_pain_care": left_out_drug_use,
            "source": abbreviations["_source"],
            "words": sorted(w for w in abbreviation_words if keep(w)),
        },
    }


def _fold(text: str) -> str:
    return normalise.fold(text)[0]


def _sub_phrases(words: list[str], longest: int):
    for start in range(len(words)):
        for end in range(start + 1, min(len(words), start + longest) + 1):
            yield " ".join(words[start:end])


# Why an entry was left out, and the class its curated ingredient must have for its brands to carry
# that ingredient's review.
_REVIEWED_REASONS = {
    "names_" + IMMUNOMODULATOR: IMMUNOMODULATOR,
    "names_" + THYROID_HORMONE: THYROID_HORMONE,
    "names_" + ANTAGONIST: ANTAGONIST,
}


# Brand names of review medicines are spelling-correction targets: short ones ("sone", "fcol")
# would attract unrelated words.
_REVIEWED_MIN_LENGTH = 5


def _reviewed_ingredient(canonical: str, reason: str, ingredients: dict[str, dict]) -> str | None:
    """The curated review ingredient a left-out package entry is ("fludrocortisone acetate" is
    fludrocortisone), or None. The entry's own name, salt words dropped, must be that ingredient."""
    klass = _REVIEWED_REASONS.get(reason)
    words = [w for w in normalise.term_key(canonical).split() if w not in _SALT_WORDS]
    name = " ".join(words)
    if klass is None or name not in ingredients or ingredients[name]["class"] != klass:
        return None
    return name


def vocabulary_terms(
    protected: dict[str, str], taken: set[str], ingredients: dict[str, dict], near_an_opioid: OpioidNeighbours
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str], dict, frozenset[str]]:
    """Names from the vocabulary package that are safe to call ordinary medicines, and brands of the
    curated review medicines (immunomodulators, thyroid hormones, antagonists) that carry their review.

    protected: term key -> class, for every opioid, antagonist, immunomodulator and thyroid name
    of the curated lists and the CDC sets (street names left out). taken: every key already in
    the knowledge base. Returns (term key -> canonical ingredient keys, reviewed brand key ->
    curated ingredient keys, new ingredient key -> class, report, the stop words used).
    """
    dictionary, package_stop_words = read_vocabulary_package()
    stop_words = VOCABULARY_STOP_WORDS | package_stop_words
    canonical_data: dict[str, dict] = dictionary["drug_canonical_to_data"]
    names_of: dict[str, set[str]] = {}
    for variant, canonicals in dictionary["drug_variant_to_canonical"].items():
        for canonical in canonicals:
            names_of.setdefault(canonical, set()).add(variant)
    for canonical, record in canonical_data.items():
        names = names_of.setdefault(canonical, set())
        names.add(canonical)
        names.update(s for s in record.get("synonyms", []) if isinstance(s, str))
        if isinstance(record.get("name"), str):
            names.add(record["name"])
    longest_protected = max(len(key.split()) for key in protected)

    entries_excluded: Counter[str] = Counter()
    names_excluded: Counter[str] = Counter()
    tainted: set[str] = set()  # keys of names that belong to an excluded entry
    candidates: dict[str, set[str]] = {}  # key -> canonical ingredient keys
    reviewed_candidates: dict[str, set[str]] = {}  # brand key -> curated review ingredient keys
    reviewed_texts: dict[str, str] = {}
    tainted_otherwise: set[str] = set()  # names of excluded entries that give no reviewed brand
    for canonical in sorted(names_of):
        names = sorted(names_of[canonical])
        record = canonical_data.get(canonical) or {}
        folded = [_fold(name) for name in names]
        keys = [normalise.term_key(name) for name in names]
        reason = None
        if not any(k in record for k in _DRUG_RECORD_KEYS):
            reason = "not_a_medicine_record"
        if reason is None:
            classes = {
                protected[p]
                for key in keys
                for p in _sub_phrases(key.split(), longest_protected)
                if p in protected
            }
            if classes:
                reason = "names_" + min(classes, key=CLASS_PRIORITY.__getitem__)
        if reason is None and (
            record.get("mesh_id") in _OPIOID_MESH_IDS
            or any(tree.startswith(_MORPHINAN_TREES) for tree in record.get("mesh_tree", []))
            or any(_OPIOID_LIKE.search(text) for text in folded)
        ):
            reason = "opioid_like"
        if reason is None and any(
            _IMMUNE_OR_THYROID_PART.search(text)
            or any(_IMMUNE_OR_THYROID_WORD.search(w) for w in key.split())
            for text, key in zip(folded, keys, strict=True)
        ):
            reason = "immunomodulator_or_thyroid_like"
        if reason is not None:
            entries_excluded[reason] += 1
            names_excluded[reason] += len({k for k in keys if k})
            tainted.update(k for k in keys if k)
            reviewed_of = _reviewed_ingredient(canonical, reason, ingredients)
            if not reviewed_of:
                tainted_otherwise.update(k for k in keys if k)
            else:
                # "Florinef" is fludrocortisone: a brand of a curated review medicine carries that
                # medicine's review, never "ordinary", like the RxNorm brands of section 11.
                for text, key in zip(folded, keys, strict=True):
                    if key and not any(p in protected for p in _sub_phrases(key.split(), longest_protected)):
                        reviewed_candidates.setdefault(key, set()).add(reviewed_of)
                        reviewed_texts[key] = text
            continue
        ingredient = normalise.term_key(canonical)
        for text, key in sorted(set(zip(folded, keys, strict=True))):
            if not key or not _PLAIN_NAME.fullmatch(text) or len(key.split()) > _MAX_WORDS:
                names_excluded["not_a_plain_name"] += 1
            elif len(key) < _MIN_LENGTH:
                names_excluded["shorter_than_4"] += 1
            elif key in stop_words or all(word in stop_words for word in key.split()):
                names_excluded["everyday_word"] += 1
            elif key in taken:
                names_excluded["already_a_curated_or_cdc_term"] += 1
            else:
                candidates.setdefault(key, set()).add(ingredient)
    terms: dict[str, set[str]] = {}
    new_ingredients: dict[str, str] = {}
    for key, members in sorted(candidates.items()):
        if key in tainted:
            names_excluded["shared_with_an_excluded_entry"] += 1
            continue
        if any(m in ingredients and ingredients[m]["class"] != NON_OPIOID for m in members):
            names_excluded["resolves_to_a_curated_non_ordinary_ingredient"] += 1
            continue
        terms[key] = members
        for member in members:
            if member not in ingredients:
                new_ingredients[member] = NON_OPIOID
    _wordfreq_top("en", 1)  # checks the pinned version
    from english_words import get_english_words_set
    from wordfreq import zipf_frequency

    webster = get_english_words_set(["web2"], lower=True, alpha=True)
    reviewed: dict[str, set[str]] = {}
    for key, members in sorted(reviewed_candidates.items()):
        text = reviewed_texts[key]
        if len(members) > 1 or key in candidates or key in taken:
            continue  # two review medicines, an ordinary one, or a name the lists hold: left as it is
        if not _PLAIN_NAME.fullmatch(text) or len(key.split()) > _MAX_WORDS or len(key) < _REVIEWED_MIN_LENGTH:
            names_excluded["reviewed_brand_not_a_plain_name"] += 1
        elif key in stop_words or all(
            word in stop_words or word in webster or zipf_frequency(word, "en") >= RXNORM_EVERYDAY_ZIPF
            for word in key.split()
        ):
            names_excluded["reviewed_brand_everyday_words"] += 1  # "ears and nose", "capsules and granules"
        elif _OPIOID_LIKE.search(text) or any(near_an_opioid(word, margin=1) for word in key.split()):
            # A brand is a spelling-correction target: near an opioid's name it could take its slips.
            names_excluded["reviewed_brand_near_an_opioid"] += 1
        elif key in tainted_otherwise:
            names_excluded["reviewed_brand_shared_with_another_excluded_entry"] += 1
        else:
            reviewed[key] = members
    report = {
        "package": VOCABULARY_DIST,
        "version": VOCABULARY_VERSION,
        "url": f"https://pypi.org/project/{VOCABULARY_DIST}/{VOCABULARY_VERSION}/",
        "license": "MIT",
        "entries_read": len(names_of),
        "entries_excluded": dict(sorted(entries_excluded.items())),
        "names_excluded": dict(sorted(names_excluded.items())),
        "terms_added": len(terms),
        "reviewed_brands_added": len(reviewed),
        "ingredients_added": len(new_ingredients),
    }
    return terms, reviewed, new_ingredients, report, stop_words


# --------------------------------------------------------------------------------------------
# US brand and ingredient names from RxNorm (non-opioid names, committed as a names-only file)

RXNORM_FILE = DATA_DIR / "rxnorm_prescribable_names.json"
RXNORM_TAG = "rxnorm:current-prescribable-2025-10-06"
# A name made only of words at least this frequent in English (wordfreq's Zipf scale: 3 is about
# once per million words) is an everyday phrase, not a medicine's name, whatever RxNorm lists.
RXNORM_EVERYDAY_ZIPF = 2.9


def rxnorm_terms(
    protected: dict[str, str],
    terms: dict[str, dict],
    ingredients: dict[str, dict],
    stop_words: frozenset[str],
) -> tuple[dict[str, set[str]], dict[str, set[str]], dict[str, str], dict]:
    """Brand and ingredient names from RxNorm's prescribable content, under the vocabulary's rules.

    Every name passes the filters the vocabulary package's names pass (no opioid, antagonist,
    immune or thyroid name or part of one, plain names of at most three words, no everyday word,
    never over a name the knowledge base already holds). A brand is read with the ingredients of
    the branded drugs that carry it: one opioid among them and the brand stays out, whatever its
    other ingredients. A brand whose ingredients include a curated immunomodulator, thyroid
    hormone or antagonist keeps that ingredient and so its review (Restasis is cyclosporine); it
    is never ordinary. Returns (ordinary term key -> ingredient keys, reviewed brand key ->
    ingredient keys, new ingredient key -> class, report).
    """
    data = json.loads(RXNORM_FILE.read_text(encoding="utf-8"))
    _wordfreq_top("en", 1)  # checks the pinned version
    from wordfreq import zipf_frequency

    longest_protected = max(len(key.split()) for key in protected)
    entries_excluded: Counter[str] = Counter()
    names_excluded: Counter[str] = Counter()
    tainted: set[str] = set()

    def opioid_or_protected(text: str, key: str) -> str | None:
        classes = {protected[p] for p in _sub_phrases(key.split(), longest_protected) if p in protected}
        if classes:
            return "names_" + min(classes, key=CLASS_PRIORITY.__getitem__)
        if _OPIOID_LIKE.search(text):
            return "opioid_like"
        return None

    def immune_or_thyroid_like(text: str, key: str) -> bool:
        return bool(
            _IMMUNE_OR_THYROID_PART.search(text)
            or any(_IMMUNE_OR_THYROID_WORD.search(w) for w in key.split())
        )

    def plain_name_reason(text: str, key: str) -> str | None:
        if not key or not _PLAIN_NAME.fullmatch(text) or len(key.split()) > _MAX_WORDS:
            return "not_a_plain_name"
        if len(key) < _MIN_LENGTH:
            return "shorter_than_4"
        if key in stop_words or all(word in stop_words for word in key.split()):
            return "everyday_word"
        if all(zipf_frequency(word, "en") >= RXNORM_EVERYDAY_ZIPF for word in key.split()):
            # Store brands named in plain English ("My Way", "Align", "Take Action", "Thrive")
            # would make a row's own words look like a known medicine.
            return "everyday_words"
        if key in terms:
            return "already_a_term"
        return None

    # Ingredient names: a new ordinary ingredient each, or left out with its reason.
    ordinary_ingredients: dict[str, str] = {}  # key -> reason it is not a term ("" when it is one)
    candidates: dict[str, set[str]] = {}
    for name in sorted(set(data["ingredients"])):
        text, key = _fold(name), normalise.term_key(name)
        reason = opioid_or_protected(text, key) or (
            "immunomodulator_or_thyroid_like" if immune_or_thyroid_like(text, key) else None
        )
        if reason:
            entries_excluded["ingredient_" + reason] += 1
            tainted.add(key)
            continue
        ordinary_ingredients[key] = plain_name_reason(text, key) or ""
        if ordinary_ingredients[key]:
            names_excluded["ingredient_" + ordinary_ingredients[key]] += 1
        else:
            candidates[key] = {key}

    reviewed: dict[str, set[str]] = {}
    for brand, listed in sorted(data["brands"].items()):
        text, key = _fold(brand), normalise.term_key(brand)
        members: set[str] = set()
        reason = opioid_or_protected(text, key)
        for name in listed:
            if reason:
                break
            part_text, part_key = _fold(name), normalise.term_key(name)
            if _OPIOID_LIKE.search(part_text):
                reason = "opioid_like"  # dextromethorphan too, as in the vocabulary package's entries
            elif part_key in terms:
                members.update(terms[part_key]["ingredients"])
            elif part_key in ordinary_ingredients:
                members.add(part_key)
            else:
                reason = opioid_or_protected(part_text, part_key)
                if not reason and immune_or_thyroid_like(part_text, part_key):
                    reason = "immunomodulator_or_thyroid_like"
                # otherwise a word the drug name carried besides its ingredients ("sensor"): not a member
        classes = {ingredients[m]["class"] if m in ingredients else NON_OPIOID for m in members}
        if not reason and OPIOID in classes:
            reason = "contains_an_opioid"
        if not reason and not members:
            reason = "no_known_ingredient"
        if not reason and classes == {NON_OPIOID} and immune_or_thyroid_like(text, key):
            reason = "immunomodulator_or_thyroid_like"
        if reason:
            entries_excluded["brand_" + reason] += 1
            tainted.add(key)
            continue
        name_reason = plain_name_reason(text, key)
        if name_reason:
            names_excluded["brand_" + name_reason] += 1
        elif classes != {NON_OPIOID}:
            reviewed[key] = members
        else:
            candidates.setdefault(key, set()).update(members)

    ordinary: dict[str, set[str]] = {}
    for key, members in sorted(candidates.items()):
        if key in tainted:
            names_excluded["shared_with_an_excluded_entry"] += 1
        else:
            ordinary[key] = members
    for key in sorted(set(reviewed) & tainted):
        del reviewed[key]
        names_excluded["shared_with_an_excluded_entry"] += 1
    new_ingredients = {
        m: NON_OPIOID for members in ordinary.values() for m in members if m not in ingredients
    }
    report = {
        "title": "RxNorm Current Prescribable Content (U.S. National Library of Medicine), names only",
        "release": data["_date"],
        "file": f"patients/screening/data/{RXNORM_FILE.name}",
        "source": data["_source"],
        "brands_read": len(data["brands"]),
        "ingredients_read": len(data["ingredients"]),
        "entries_excluded": dict(sorted(entries_excluded.items())),
        "names_excluded": dict(sorted(names_excluded.items())),
        "terms_added": len(ordinary),
        "reviewed_brands_added": len(reviewed),
        "ingredients_added": len(new_ingredients),
    }
    return ordinary, reviewed, new_ingredients, report


# --------------------------------------------------------------------------------------------
# Build


def _curated_term_groups(curated: dict):
    """(kind, source text, {name: members}) for every term list of one curated file."""
    file_source = curated.get("_source", "")
    for section, kind in _FLAT_SECTIONS:
        if curated.get(section):
            yield kind, file_source, curated[section]
    if curated.get("generic_words"):
        yield "generic_opioid", file_source, {word: [] for word in curated["generic_words"]}
    for group in curated.get("groups", []):
        if group["kind"] not in _TERM_KINDS or not group.get("source"):
            raise SystemExit(f"curated group needs a known kind and a source: {group.get('kind')!r}")
        yield group["kind"], group["source"], group["terms"]


def _ingredient_source_text(info: dict, file_source: str) -> str:
    if info.get("atc"):
        return "WHO ATC " + ", ".join(info["atc"])
    return info.get("source") or file_source


def build(source: Path) -> dict:
    curated = {name: load_curated(name) for name, _ in CURATED_FILES}
    washout = load_curated("washout")

    ingredients: dict[str, dict] = {}
    ingredient_texts: dict[str, set[str]] = {}

    def add_ingredient(
        name: str, klass: str, source_tag: str, extra: dict | None = None, text: str = ""
    ) -> None:
        record = ingredients.setdefault(name, {"class": klass, "sources": set()})
        if CLASS_PRIORITY[klass] < CLASS_PRIORITY[record["class"]]:
            record["class"] = klass
        record["sources"].add(source_tag)
        for key, value in (extra or {}).items():
            if key not in _CURATED_ONLY_FIELDS:
                record[key] = value
        if text:
            ingredient_texts.setdefault(name, set()).add(text)

    for name, klass in CURATED_FILES:
        data = curated[name]
        tag = f"curated:{name}"
        file_source = data.get("_source", "")
        listed = data["ingredients"]
        if isinstance(listed, dict):
            for ingredient, info in listed.items():
                add_ingredient(ingredient, klass, tag, info, _ingredient_source_text(info, file_source))
        else:
            for ingredient in listed:
                add_ingredient(ingredient, klass, tag, None, file_source)
        for ingredient, info in data.get("ingredient_details", {}).items():
            add_ingredient(ingredient, klass, tag, info, _ingredient_source_text(info, file_source))

    notes, cdc_brands, cdc_ingredient_sources, cdc_brand_sources = read_cdc(source)
    unknown = sorted(i for i in cdc_ingredient_sources if i not in ingredients)
    if unknown:
        # Every ingredient in the CDC sets must be classified by hand, so a new one cannot slip by.
        raise SystemExit(f"classify these CDC ingredients in a curated list first: {unknown}")
    for ingredient, tags in cdc_ingredient_sources.items():
        ingredients[ingredient]["sources"].update(tags)

    # Washout of each opioid ingredient: long-acting by the list, short-acting otherwise.
    long_ingredients = set(washout["long_acting_ingredients"])
    for name in sorted(long_ingredients):
        if ingredients.get(name, {}).get("class") != OPIOID:
            raise SystemExit(f"curated_washout.json: {name!r} is not an opioid ingredient")
    for name, record in ingredients.items():
        if record["class"] == OPIOID:
            record["washout"] = (
                "long_acting" if name in long_ingredients else washout["default_for_opioid_ingredients"]
            )

    terms: dict[str, dict] = {}

    def add_term(name: str, members, kind: str, sources: set[str], tag: str) -> None:
        key = normalise.term_key(name)
        if not key:
            return
        for member in members:
            if member not in ingredients:
                if tag != "curated:non_opioids":
                    raise SystemExit(f"{name!r} names unclassified ingredient {member!r}")
                add_ingredient(member, NON_OPIOID, tag)
        sources = {s for s in sources if s}
        record = terms.get(key)
        if record is None:
            terms[key] = {"ingredients": set(members), "kind": kind, "sources": set(sources)}
            return
        new_rank = min((CLASS_PRIORITY[ingredients[m]["class"]] for m in members), default=0)
        old_rank = min((CLASS_PRIORITY[ingredients[m]["class"]] for m in record["ingredients"]), default=0)
        if new_rank < old_rank:
            terms[key] = {"ingredients": set(members), "kind": kind, "sources": set(sources)}
        elif new_rank == old_rank:
            record["ingredients"].update(members)
            record["sources"].update(sources)

    for name, record in list(ingredients.items()):
        first_tag = sorted(record["sources"])[0]
        add_term(name, [name], "ingredient", {first_tag, *ingredient_texts.get(name, ())}, first_tag)
    for name, _ in CURATED_FILES:
        tag = f"curated:{name}"
        for kind, text, entries in _curated_term_groups(curated[name]):
            for term, members in entries.items():
                members = [members] if isinstance(members, str) else members
                add_term(term, members, kind, {tag, text}, tag)
    for brand, members in sorted(cdc_brands.items()):
        for tag in sorted(cdc_brand_sources[brand]):
            add_term(brand, members, "brand", {tag}, tag)

    # Washout of extended-release products and depot buprenorphine, on the term itself.
    def is_opioid_term(record: dict) -> bool:
        return record["kind"] == "generic_opioid" or any(
            ingredients[m]["class"] == OPIOID for m in record["ingredients"]
        )

    long_sets = {
        f"cdc:{prefix}{name}"
        for name in washout["long_acting_cdc_value_sets"]
        for prefix in ("", "archive-2022/")
    }
    for brand, tags in sorted(cdc_brand_sources.items()):
        key = normalise.term_key(brand)
        if tags & long_sets and key in terms and is_opioid_term(terms[key]):
            terms[key]["washout"] = "long_acting"
    long_words = set(washout["long_acting_words"])
    for key, record in terms.items():
        if len(key.split()) > 1 and long_words & set(key.split()) and is_opioid_term(record):
            record["washout"] = "long_acting"
    for rule, listed in (
        ("long_acting", "long_acting_terms"),
        ("extended_release_injection", "extended_release_injection_terms"),
    ):
        for name in washout[listed]:
            key = normalise.term_key(name)
            if key not in terms or not is_opioid_term(terms[key]):
                raise SystemExit(f"curated_washout.json {listed}: {name!r} is not an opioid term")
            terms[key]["washout"] = rule

    # Patients often run multi-word names together: "MScontin", "cocodamol".
    for key, record in list(terms.items()):
        words = key.split()
        joined = "".join(words)
        if 1 < len(words) <= 3 and len(joined) >= 4 and joined not in terms:
            terms[joined] = {**record, "sources": set(record["sources"])}

    # Non-opioid names from the vocabulary package, never over a name the lists already hold.
    protected = {
        key: min(
            (ingredients[m]["class"] for m in record["ingredients"]),
            key=CLASS_PRIORITY.__getitem__,
            default=OPIOID,
        )
        for key, record in terms.items()
        if record["kind"] != "street_name"
    }
    protected = {key: klass for key, klass in protected.items() if klass != NON_OPIOID}
    vocabulary, vocabulary_reviewed, vocabulary_ingredients, vocabulary_report, vocabulary_stop_words = (
        vocabulary_terms(protected, set(terms), ingredients, opioid_neighbours(terms, ingredients))
    )
    for name, klass in vocabulary_ingredients.items():
        add_ingredient(name, klass, VOCABULARY_TAG)
    for key, members in vocabulary.items():
        terms[key] = {"ingredients": members, "kind": "vocabulary", "sources": {VOCABULARY_TAG}}
    notes[VOCABULARY_TAG] = {
        "title": "Drug Named Entity Recognition dictionary (Fast Data Science)",
        **vocabulary_report,
    }

    # US brands and generics from RxNorm, after the package and under the same rules.
    rxnorm, rxnorm_reviewed, rxnorm_ingredients, rxnorm_report = rxnorm_terms(
        protected, terms, ingredients, vocabulary_stop_words
    )
    for name, klass in rxnorm_ingredients.items():
        add_ingredient(name, klass, RXNORM_TAG)
    for key, members in rxnorm.items():
        terms[key] = {"ingredients": members, "kind": "vocabulary", "sources": {RXNORM_TAG}}
    for key, members in rxnorm_reviewed.items():
        # A brand of a curated review medicine: a brand like the curated ones, never ordinary.
        terms[key] = {"ingredients": members, "kind": "brand", "sources": {RXNORM_TAG}}
    notes[RXNORM_TAG] = rxnorm_report

    # The package's brands of curated review medicines, after RxNorm: a brand RxNorm holds keeps
    # RxNorm's fuller list of ingredients ("Tobradex" is dexamethasone and tobramycin).
    reviewed_added = 0
    for key, members in vocabulary_reviewed.items():
        existing = terms.get(key)
        if existing is not None and existing["kind"] == "vocabulary":
            raise SystemExit(f"{key!r} is both an ordinary RxNorm name and a brand of {sorted(members)}")
        if existing is None:
            # A brand of a curated review medicine: a brand like the curated ones, never ordinary.
            terms[key] = {"ingredients": members, "kind": "brand", "sources": {VOCABULARY_TAG}}
            reviewed_added += 1
    notes[VOCABULARY_TAG]["reviewed_brands_added"] = reviewed_added

    rules = washout["rules"]
    if sorted(rules) != sorted(WASHOUT_RULES) or any(not rule.get("source") for rule in rules.values()):
        raise SystemExit(f"curated_washout.json needs the rules {WASHOUT_RULES}, each with a source")
    for name, rule in rules.items():
        # A flag stores "summary (source: source)" in a 300-character field.
        if len(f"{rule['summary']} (source: {rule['source']})") > WASHOUT_TEXT_LIMIT:
            raise SystemExit(
                f"curated_washout.json: the {name} summary and source exceed {WASHOUT_TEXT_LIMIT} characters"
            )

    single_word_terms = {key for key in terms if " " not in key}
    near_an_opioid = opioid_neighbours(terms, ingredients)
    everyday_en = english_words(single_word_terms, near_an_opioid)
    from english_words import get_english_words_set

    known = set(everyday_en["words"]) | get_english_words_set(["web2"], lower=True, alpha=True)
    return {
        "about": "Generated by scripts/build_drug_knowledge.py; do not edit by hand. See PROVENANCE.md.",
        "common_words": common_words(single_word_terms),
        "everyday_words_en": everyday_en,
        "other_words": other_words(protected, single_word_terms, known, near_an_opioid),
        "everyday_words_es": spanish_words(single_word_terms),
        "rules_version": rules_version(),
        "sources": notes,
        "washout_rules": {
            name: {"days": rule["days"], "source": rule["source"], "summary": rule["summary"]}
            for name, rule in sorted(rules.items())
        },
        "ingredients": {
            name: {
                key: (sorted(value) if isinstance(value, set) else value)
                for key, value in sorted(record.items())
            }
            for name, record in sorted(ingredients.items())
        },
        "terms": {
            key: {
                "ingredients": sorted(record["ingredients"]),
                "kind": record["kind"],
                "sources": sorted(record["sources"]),
                **({"washout": record["washout"]} if record.get("washout") else {}),
            }
            for key, record in sorted(terms.items())
        },
    }


def render(knowledge: dict) -> str:
    return json.dumps(knowledge, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def summary(knowledge: dict) -> list[str]:
    classes = Counter(record["class"] for record in knowledge["ingredients"].values())
    kinds = Counter(record["kind"] for record in knowledge["terms"].values())
    washouts = Counter(record["washout"] for record in knowledge["terms"].values() if "washout" in record)
    report = knowledge["sources"][VOCABULARY_TAG]
    rx = knowledge["sources"][RXNORM_TAG]
    return [
        f"{len(knowledge['terms'])} terms by kind {dict(sorted(kinds.items()))}",
        f"ingredients by class {dict(sorted(classes.items()))}",
        f"terms with their own washout {dict(sorted(washouts.items()))}",
        f"vocabulary ({VOCABULARY_TAG}): {report['terms_added']} terms and {report['reviewed_brands_added']} "
        f"brands of review medicines added from {report['entries_read']} entries",
        f"everyday Spanish words: {len(knowledge['everyday_words_es']['words'])}",
        f"everyday English words: {len(knowledge['everyday_words_en']['words'])}; other words: "
        + ", ".join(f"{tag} {len(words['words'])}" for tag, words in knowledge["other_words"].items()),
        f"  entries excluded {report['entries_excluded']}",
        f"  names excluded {report['names_excluded']}",
        f"RxNorm ({RXNORM_TAG}): {rx['terms_added']} ordinary terms and {rx['reviewed_brands_added']} brands of "
        f"review medicines added from {rx['brands_read']} brands and {rx['ingredients_read']} ingredients",
        f"  entries excluded {rx['entries_excluded']}",
        f"  names excluded {rx['names_excluded']}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help="folder of CDC opioid ValueSet JSON files (default: ../shared/data/opioid-valuesets)",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    knowledge = build(args.source.resolve())
    args.output.write_text(render(knowledge), encoding="utf-8")
    output = args.output.resolve()
    shown = output.relative_to(REPO_ROOT) if output.is_relative_to(REPO_ROOT) else output
    print(f"wrote {shown}:")
    for line in summary(knowledge):
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
