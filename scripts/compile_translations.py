#!/usr/bin/env python3
"""Compile every locale/<lang>/LC_MESSAGES/*.po into the .mo Django reads, in pure Python.

`make install` runs it, so `make run` works on a machine with Python alone (Django's
compilemessages needs GNU gettext's msgfmt). The .mo files are build products: .gitignore'd,
never committed. Fuzzy and untranslated entries are left out, as msgfmt does, so they show in
English rather than as a guess (scripts/check_translations.py fails CI on either).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent


def compile_catalogs(locale_dir: Path) -> list[Path]:
    """Write a .mo beside each .po under ``locale_dir`` (every time: it takes milliseconds, and a
    .mo is never left stale by a clock or a checkout); return the paths written."""
    written = []
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        # Written beside it and renamed into place: a process reading the catalog meanwhile (a test
        # worker, the dev server) sees the old file or the new one, never half of one.
        partial = mo_path.with_name(f".{mo_path.name}.{os.getpid()}")
        polib.pofile(str(po_path)).save_as_mofile(str(partial))
        os.replace(partial, mo_path)
        written.append(mo_path)
    return written


def main() -> int:
    for mo_path in compile_catalogs(ROOT / "locale"):
        print(f"translations: {mo_path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
