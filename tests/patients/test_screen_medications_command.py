"""The command's contract: one verdict per input line, in order; with --json one object per line."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ["norco 10/325 bid", "", "vitamin D3 2000 IU", "allergic to codeine", "Humira pen", "zorblatex"]


def run(*args):
    out = io.StringIO()
    call_command("screen_medications", *args, stdout=out)
    return out.getvalue().splitlines()


def run_on_stdin(text, *args, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    return run(*args)


@pytest.fixture
def entries_file(tmp_path):
    path = tmp_path / "entries.txt"
    path.write_text("\n".join(ENTRIES) + "\n", encoding="utf-8")
    return path


def test_json_gives_exactly_one_object_per_line_in_order(entries_file):
    lines = run(str(entries_file), "--json")

    objects = [json.loads(line) for line in lines]
    assert [o["text"] for o in objects] == ENTRIES
    assert [o["opioid"] for o in objects] == [True, False, False, False, False, False]


def test_json_objects_carry_the_contract_fields(entries_file):
    norco, blank, vitamin, allergy, humira, unknown = (json.loads(line) for line in run(str(entries_file), "--json"))

    assert set(norco) == {"text", "opioid", "flags"}
    [flag] = norco["flags"]
    assert {key: flag[key] for key in ("code", "severity", "matched", "ingredient")} == {
        "code": "opioid", "severity": "contraindication", "matched": "norco", "ingredient": "hydrocodone"
    }
    assert flag["last_dose"] is None and flag["earliest_start"] is None
    assert blank == {"text": "", "opioid": False, "flags": []}
    assert vitamin["flags"] == []
    assert [(f["code"], f["severity"]) for f in allergy["flags"]] == [("opioid_not_current", "review")]
    assert [(f["code"], f["severity"], f["ingredient"]) for f in humira["flags"]] == [
        ("immunomodulator", "review", "adalimumab")
    ]
    assert [(f["code"], f["severity"]) for f in unknown["flags"]] == [("unrecognised", "review")]


def test_standard_input_is_read_when_no_file_is_given(monkeypatch):
    lines = run_on_stdin("tramadol 50mg\n\n", "--json", monkeypatch=monkeypatch)

    assert [json.loads(line)["text"] for line in lines] == ["tramadol 50mg", ""]
    assert json.loads(lines[0])["opioid"] is True


def test_a_dash_means_standard_input(monkeypatch):
    lines = run_on_stdin("tramadol\n", "-", "--json", monkeypatch=monkeypatch)

    assert len(lines) == 1


def test_a_last_line_without_newline_and_windows_line_endings_are_read_as_typed(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"oxycodone 5mg\r\n\r\nmetformin")

    objects = [json.loads(line) for line in run(str(path), "--json")]

    assert [o["text"] for o in objects] == ["oxycodone 5mg", "", "metformin"]


def test_a_stray_carriage_return_does_not_split_an_entry(tmp_path):
    path = tmp_path / "cr.txt"
    path.write_bytes(b"oxycodone\rnote\nmetformin\n")

    assert len(run(str(path), "--json")) == 2


def test_text_output_gives_one_readable_line_per_entry_in_order(entries_file):
    lines = run(str(entries_file))

    assert len(lines) == len(ENTRIES)
    assert lines[0].startswith("1: norco 10/325 bid -> OPIOID")
    assert "hydrocodone" in lines[0]
    assert lines[1] == "2: (blank line)"
    assert lines[2] == "3: vitamin D3 2000 IU -> nothing noticed"
    assert "review" in lines[5] and "zorblatex" in lines[5]


def test_a_missing_file_is_a_clear_error():
    with pytest.raises(CommandError, match="Cannot read /no/such/file"):
        run("/no/such/file")


def test_it_works_as_a_real_process_reading_a_pipe():
    env = {**os.environ, "DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "manage.py", "screen_medications", "--json"],
        input=b"Tylenol #3\n\nbuspirone 10 mg\n",
        capture_output=True,
        cwd=ROOT,
        env=env,
        check=True,
    )

    objects = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [(o["text"], o["opioid"]) for o in objects] == [("Tylenol #3", True), ("", False), ("buspirone 10 mg", False)]


def test_relative_dates_are_read_against_today_in_the_pharmacys_zone(tmp_path):
    import time_machine

    path = tmp_path / "stops.txt"
    path.write_text("stopped oxycodone 5 days ago\nstopped oxycodone in October 2026\n", encoding="utf-8")
    # 03:30 UTC on Dec 1 is still Nov 30 in Chicago: "5 days ago" is Nov 25, and October ended
    # 30 days before, outside the 10-day interval.
    with time_machine.travel("2026-12-01T03:30:00Z", tick=False):
        recent, october = (json.loads(line) for line in run(str(path), "--json"))
    assert recent["opioid"] is True
    assert recent["flags"][0]["last_dose"] == "2026-11-25"
    assert recent["flags"][0]["earliest_start"] == "2026-12-05"
    assert october["opioid"] is False
    assert october["flags"][0]["code"] == "opioid_not_current"
