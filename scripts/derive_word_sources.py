#!/usr/bin/env python3
"""Write the names-only word sources that scripts/build_drug_knowledge.py reads.

Run once per source release, from files read out of public repositories (see PROVENANCE.md,
section 12); the build itself needs only the JSON files written here, so it stays offline.

    python scripts/derive_word_sources.py places GAZ_PLACE_FILE GAZ_COUSUB_FILE RELEASE COMMIT
    python scripts/derive_word_sources.py abbreviations CSV_FOLDER COMMIT
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "patients" / "screening" / "data"
PLACES_FILE = DATA_DIR / "census_place_names.json"
ABBREVIATIONS_FILE = DATA_DIR / "medical_abbreviations.json"

# The states whose towns patients near the pharmacy name ("a tick bite near Minocqua").
PLACE_STATES = ("IA", "IL", "MI", "MN", "WI")
# The Gazetteer writes the legal kind of a place after its name ("Cashton village").
_LEGAL_KINDS = {"cdp", "city", "village", "town", "township", "charter", "ccd", "borough", "plantation", "gore"}


def _place_names(path: Path) -> set[str]:
    names: set[str] = set()
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="|"):
            if row["USPS"] not in PLACE_STATES:
                continue
            words = row["NAME"].split()
            while words and words[-1].lower() in _LEGAL_KINDS:
                words.pop()
            if words:
                names.add(" ".join(words))
    return names


def places(place_file: str, cousub_file: str, release: str, commit: str) -> None:
    names = _place_names(Path(place_file)) | _place_names(Path(cousub_file))
    data = {
        "_source": (
            f"U.S. Census Bureau Gazetteer Files, {release}: places and county subdivisions of "
            f"{', '.join(PLACE_STATES)}, names only (legal kinds such as 'village' dropped). Read from the "
            f"public repository bdurand/us_geo, commit {commit}, data/raw/gazetteer/."
        ),
        "_license": "U.S. Government work, public domain",
        "names": sorted(names, key=lambda name: (name.lower(), name)),
    }
    PLACES_FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {PLACES_FILE.name}: {len(names)} names")


def abbreviations(folder: str, commit: str) -> None:
    meanings: dict[str, set[str]] = {}
    for path in sorted(Path(folder).glob("*.csv")):
        with path.open(encoding="utf-8") as handle:
            for row in csv.reader(handle):
                if len(row) < 2 or row[0] == "Abbreviation/Shorthand" or not row[0].strip():
                    continue
                meanings.setdefault(row[0].strip(), set()).add(row[1].strip())
    data = {
        "_source": (
            "imantsm/medical_abbreviations (a glossary of medical abbreviations), commit "
            f"{commit}, CSVs/*.csv: abbreviation and meaning only."
        ),
        "_license": "MIT, Copyright (c) 2020 imantsm",
        "abbreviations": {key: sorted(meanings[key]) for key in sorted(meanings)},
    }
    ABBREVIATIONS_FILE.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {ABBREVIATIONS_FILE.name}: {len(meanings)} abbreviations")


def main(argv: list[str]) -> int:
    if argv[:1] == ["places"] and len(argv) == 5:
        places(*argv[1:])
    elif argv[:1] == ["abbreviations"] and len(argv) == 3:
        abbreviations(*argv[1:])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
