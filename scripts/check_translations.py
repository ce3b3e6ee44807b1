#!/usr/bin/env python3
"""The Spanish catalog is complete and up to date with the code: CI fails otherwise.

Runs Django's makemessages (GNU gettext's xgettext and msgmerge) on a scratch copy of the project,
so the working tree is never touched, and compares what it finds with the committed
locale/<lang>/LC_MESSAGES/django.po. It fails when

- a marked string is missing from the committed catalog, or the catalog keeps one the code no
  longer has (run `make messages`, translate, commit);
- an entry is untranslated or fuzzy (a patient would read it in English, or read a guess);
- a translation loses or invents a placeholder (%(name)s, %s), which would break the page.

`--update` runs the same makemessages in place instead (`make messages`): the one command that
rewrites the catalog, with the one ignore list below. Staff pages stay English, so the admin's
templates and the back office are not searched.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("es",)
# Where makemessages does not look: tools, tests, build output, and the staff-only screens.
IGNORE = (
    ".venv",
    "var",
    "tests",
    "bench",
    "scripts",
    "staticfiles",
    "artifacts",
    "locale",
    "templates/admin",
    "backoffice",
)
MAKEMESSAGES_OPTIONS = ("--no-obsolete", "--add-location=file")

PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")


def catalog_path(root: Path, language: str) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / "django.po"


def makemessages(root: Path, language: str) -> None:
    """Django's makemessages for ``language`` in the project at ``root`` (keeps translations)."""
    command = [sys.executable, "manage.py", "makemessages", "-l", language, *MAKEMESSAGES_OPTIONS]
    for pattern in IGNORE:
        command += ["--ignore", pattern]
    # Settings need a secret or DEBUG; nothing is served or stored.
    env = {**os.environ, "DEBUG": "true", "VAR_DIR": str(Path(tempfile.gettempdir()) / "welltopia-makemessages")}
    subprocess.run(command, cwd=root, env=env, check=True, stdout=subprocess.DEVNULL)


def _key(entry: polib.POEntry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def _label(entry: polib.POEntry) -> str:
    where = ", ".join(path for path, _ in entry.occurrences[:2])
    context = f" [{entry.msgctxt}]" if entry.msgctxt else ""
    return f"{entry.msgid[:70]!r}{context}" + (f" ({where})" if where else "")


def _placeholders(text: str) -> list[str]:
    return sorted(match for match in PLACEHOLDER.findall(text) if match != "%%")


def catalog_problems(committed: polib.POFile, fresh: polib.POFile | None = None) -> list[str]:
    """What is wrong with the committed catalog; ``fresh`` is what makemessages makes from the code
    now (None: only completeness is checked). An empty list means the catalog may ship."""
    problems = []
    current = [entry for entry in committed if not entry.obsolete]
    if fresh is not None:
        have = {_key(entry): entry for entry in current}
        wanted = {_key(entry): entry for entry in fresh if not entry.obsolete}
        problems += [f"not in the catalog yet: {_label(wanted[key])}" for key in wanted.keys() - have.keys()]
        problems += [f"no longer in the code: {_label(have[key])}" for key in have.keys() - wanted.keys()]
    problems += [f"obsolete entry kept: {_label(entry)}" for entry in committed.obsolete_entries()]
    for entry in current:
        if entry.fuzzy:
            problems.append(f"fuzzy (check it, then remove the fuzzy flag): {_label(entry)}")
            continue
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if not translations or not all(text.strip() for text in translations):
            problems.append(f"untranslated: {_label(entry)}")
            continue
        if "python-format" not in entry.flags:
            continue
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        allowed = set().union(*(_placeholders(text) for text in sources))
        for text in translations:
            found = _placeholders(text)
            # A plural's singular may leave the count out ("una hora"); nothing may be renamed or added.
            if (found != _placeholders(entry.msgid) and not entry.msgid_plural) or not set(found) <= allowed:
                problems.append(f"placeholders differ ({' '.join(found) or 'none'}): {_label(entry)}")
                break
    return sorted(problems)


def check(language: str) -> list[str]:
    committed_path = catalog_path(ROOT, language)
    if not committed_path.exists():
        return [f"{committed_path.relative_to(ROOT)} is missing"]
    with tempfile.TemporaryDirectory(prefix="welltopia-messages-") as scratch:
        copy = Path(scratch) / "project"
        shutil.copytree(
            ROOT,
            copy,
            ignore=shutil.ignore_patterns(
                ".git", ".venv", "var", "tests", "bench", "staticfiles", "artifacts", "node_modules", "*.mo", "__pycache__"
            ),
            symlinks=True,
        )
        makemessages(copy, language)
        fresh = polib.pofile(str(catalog_path(copy, language)))
    return catalog_problems(polib.pofile(str(committed_path)), fresh)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="run makemessages in place (make messages)")
    args = parser.parse_args(argv)
    if args.update:
        for language in LANGUAGES:
            makemessages(ROOT, language)
            print(f"updated {catalog_path(ROOT, language).relative_to(ROOT)}")
        return 0
    failed = False
    for language in LANGUAGES:
        problems = check(language)
        for problem in problems:
            print(f"{language}: {problem}", file=sys.stderr)
        if problems:
            failed = True
            print(f"FAIL: {len(problems)} problem(s) in the {language} catalog. Run `make messages`, "
                  "translate, and commit locale/ (README, Translations).", file=sys.stderr)
        else:
            print(f"{language}: the catalog is complete and matches the code")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
