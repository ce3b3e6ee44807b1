"""Screen medication entries, one a line, as a pharmacist would type or paste them.

    python manage.py screen_medications list.txt
    echo "norco 10/325 bid" | python manage.py screen_medications --json

With --json, exactly one JSON object per input line, in order, blank lines included:
{"text": ..., "opioid": true|false, "flags": [{"code", "severity", "matched", "ingredient",
"last_dose", "earliest_start", "reading"}]}. "opioid" is true whenever the entry alone is a
contraindication. Relative dates ("stopped 3 days ago") are read against today in the pharmacy's
time zone.
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from patients.screening import is_opioid, screen_medication


class Command(BaseCommand):
    help = "Screen medication entries (one per line, from FILE or standard input) and print each verdict."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="a text file, one entry per line; standard input if omitted or -")
        parser.add_argument("--json", action="store_true", help="print one JSON object per input line")

    def handle(self, *args, file=None, json=False, **options):
        if file in (None, "-"):
            self._screen_lines(_entries(getattr(sys.stdin, "buffer", sys.stdin)), as_json=json)
            return
        try:
            with open(file, "rb") as lines:
                self._screen_lines(_entries(lines), as_json=json)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from None

    def _screen_lines(self, lines, *, as_json: bool) -> None:
        today = timezone.localdate()
        for number, line in enumerate(lines, start=1):
            flags = screen_medication(line, today=today)
            if as_json:
                self.stdout.write(_as_json(line, flags))
            else:
                self.stdout.write(_as_text(number, line, flags))
            self.stdout.flush()


def _entries(lines):
    """Each line without its line ending. Only \\n (or \\r\\n) ends a line: a stray \\r or other
    Unicode line break inside an entry must not turn one input line into two verdicts."""
    for line in lines:
        if isinstance(line, bytes):
            line = line.decode("utf-8", errors="replace")
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        yield line


def _as_json(text, flags) -> str:
    return json.dumps(
        {
            "text": text,
            "opioid": is_opioid(flags),
            "flags": [
                {
                    "code": f.code,
                    "severity": str(f.severity),
                    "matched": f.matched,
                    "ingredient": f.ingredient,
                    "last_dose": f.last_dose.isoformat() if f.last_dose else None,
                    "earliest_start": f.earliest_start.isoformat() if f.earliest_start else None,
                    "reading": f.reading,
                }
                for f in flags
            ],
        }
    )


def _as_text(number, text, flags) -> str:
    if not text.strip():
        return f"{number}: (blank line)"
    if not flags:
        return f"{number}: {text} -> nothing noticed"
    verdicts = "; ".join(
        f"{f.severity} {f.code}: "
        + (f"{f.ingredient} (matched {f.matched!r})" if f.ingredient else repr(f.matched))
        for f in flags
    )
    label = "OPIOID" if is_opioid(flags) else "noticed"
    return f"{number}: {text} -> {label}: {verdicts}"
