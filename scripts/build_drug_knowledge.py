#!/usr/bin/env python3
"""Regenerate patients/screening/data/drug_knowledge.json.

Reads the CDC opioid ValueSets (RxNorm expansions) from the shared data folder and the curated
lists in patients/screening/data/curated_*.json, and writes one sorted, deterministic JSON file.
The application reads only that generated file; the shared folder is never needed at run time.

    python scripts/build_drug_knowledge.py [path/to/opioid-valuesets]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "patients" / "screening" / "data"
OUTPUT = DATA_DIR / "drug_knowledge.json"
DEFAULT_SOURCE = (REPO_ROOT / ".." / "shared" / "data" / "opioid-valuesets").resolve()

OPIOID = "opioid"
ANTAGONIST = "opioid_antagonist"
IMMUNOMODULATOR = "immunomodulator"
NON_OPIOID = "non_opioid"
# When two lists claim the same name, the more cautious class wins.
CLASS_PRIORITY = {OPIOID: 0, ANTAGONIST: 1, IMMUNOMODULATOR: 2, NON_OPIOID: 3}

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


def build(source: Path) -> dict:
    opioids = load_curated("opioids")
    antagonists = load_curated("antagonists")
    immuno = load_curated("immunomodulators")
    safe = load_curated("non_opioids")

    ingredients: dict[str, dict] = {}

    def add_ingredient(name: str, klass: str, source_tag: str, extra: dict | None = None) -> None:
        record = ingredients.setdefault(name, {"class": klass, "sources": set()})
        if CLASS_PRIORITY[klass] < CLASS_PRIORITY[record["class"]]:
            record["class"] = klass
        record["sources"].add(source_tag)
        for key, value in (extra or {}).items():
            if key != "note":
                record[key] = value

    for name, info in opioids["ingredients"].items():
        add_ingredient(name, OPIOID, "curated:opioids", info)
    for name, info in antagonists["ingredients"].items():
        add_ingredient(name, ANTAGONIST, "curated:antagonists", info)
    for name, info in immuno["ingredients"].items():
        add_ingredient(name, IMMUNOMODULATOR, "curated:immunomodulators", info)
    for name in safe["ingredients"]:
        add_ingredient(name, NON_OPIOID, "curated:non_opioids")

    notes, cdc_brands, cdc_ingredient_sources, cdc_brand_sources = read_cdc(source)
    unknown = sorted(i for i in cdc_ingredient_sources if i not in ingredients)
    if unknown:
        # Every ingredient in the CDC sets must be classified by hand, so a new one cannot slip by.
        raise SystemExit(f"classify these CDC ingredients in a curated list first: {unknown}")
    for ingredient, tags in cdc_ingredient_sources.items():
        ingredients[ingredient]["sources"].update(tags)

    terms: dict[str, dict] = {}

    def add_term(name: str, members: list[str] | set[str], kind: str, source_tag: str) -> None:
        key = normalise.term_key(name)
        if not key:
            return
        for member in members:
            if member not in ingredients:
                if source_tag != "curated:non_opioids":
                    raise SystemExit(f"{name!r} names unclassified ingredient {member!r}")
                add_ingredient(member, NON_OPIOID, source_tag)
        record = terms.get(key)
        if record is None:
            terms[key] = {"ingredients": set(members), "kind": kind, "sources": {source_tag}}
            return
        new_rank = min((CLASS_PRIORITY[ingredients[m]["class"]] for m in members), default=0)
        old_rank = min((CLASS_PRIORITY[ingredients[m]["class"]] for m in record["ingredients"]), default=0)
        if new_rank < old_rank:
            terms[key] = {"ingredients": set(members), "kind": kind, "sources": {source_tag}}
        elif new_rank == old_rank:
            record["ingredients"].update(members)
            record["sources"].add(source_tag)

    for name, record in list(ingredients.items()):
        add_term(name, [name], "ingredient", sorted(record["sources"])[0])
    for curated, tag in (
        (opioids, "curated:opioids"),
        (antagonists, "curated:antagonists"),
        (immuno, "curated:immunomodulators"),
        (safe, "curated:non_opioids"),
    ):
        for synonym, target in curated.get("ingredient_synonyms", {}).items():
            add_term(synonym, [target], "synonym", tag)
        for brand, members in curated.get("brands", {}).items():
            add_term(brand, members, "brand", tag)
        for abbreviation, members in curated.get("abbreviations", {}).items():
            add_term(abbreviation, members, "abbreviation", tag)
        for street, members in curated.get("street_names", {}).items():
            add_term(street, members, "street_name", tag)
    for word in opioids["generic_words"]:
        add_term(word, [], "generic_opioid", "curated:opioids")
    for brand, members in sorted(cdc_brands.items()):
        for tag in sorted(cdc_brand_sources[brand]):
            add_term(brand, members, "brand", tag)

    # Patients often run multi-word names together: "MScontin", "cocodamol".
    for key, record in list(terms.items()):
        words = key.split()
        joined = "".join(words)
        if 1 < len(words) <= 3 and len(joined) >= 4 and joined not in terms:
            terms[joined] = {**record, "sources": set(record["sources"])}

    return {
        "about": "Generated by scripts/build_drug_knowledge.py; do not edit by hand. See PROVENANCE.md.",
        "rules_version": rules_version(),
        "sources": notes,
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
            }
            for key, record in sorted(terms.items())
        },
    }


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
    text = json.dumps(knowledge, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    args.output.write_text(text, encoding="utf-8")
    classes = {}
    for record in knowledge["ingredients"].values():
        classes[record["class"]] = classes.get(record["class"], 0) + 1
    print(
        f"wrote {args.output.relative_to(REPO_ROOT) if args.output.is_relative_to(REPO_ROOT) else args.output}: "
        f"{len(knowledge['terms'])} terms, ingredients by class {dict(sorted(classes.items()))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
