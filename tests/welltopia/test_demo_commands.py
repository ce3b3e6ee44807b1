"""The demo's commands beside `make run` (issue #17, point 6): `seed_demo --reset` hands out fresh
passwords and TOTP secrets, and `demo_totp` works in a second terminal with no extra environment."""

import os
import re
import subprocess
import sys
import time
from base64 import b32decode
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("admin:login")
INDEX = reverse("admin:index")
LINE = r"'{username}' \((?:Pharmacist|Front desk|Superuser)\) with password '([^']+)'"


def credentials(printed, username):
    """The password and the TOTP secret printed for `username`."""
    block = printed[printed.index(f"'{username}' (") :]
    password = re.match(LINE.format(username=username), block).group(1)
    secret = re.search(r"secret ([A-Z2-7]{32})", block).group(1)
    return password, secret


def current_code(secret, at=None):
    totp = TOTP(b32decode(secret))
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def sign_in(client, username, password, token):
    client.post(LOGIN, {"username": username, "password": password, "otp_token": token, "next": INDEX})
    return client.get(INDEX).status_code == 200


def test_seed_demo_reset_prints_new_passwords_and_secrets_that_replace_the_old_ones(db, settings, client):
    settings.DEBUG = True
    first, again = StringIO(), StringIO()
    call_command("seed_demo", stdout=first)
    call_command("seed_demo", "--reset", stdout=again)

    printed = again.getvalue()
    for username in ("pharmacist", "pharmacist2", "frontdesk", "ops"):
        old_password, old_secret = credentials(first.getvalue(), username)
        new_password, new_secret = credentials(printed, username)
        assert new_password != old_password and new_secret != old_secret
    assert printed.count("otpauth://totp/") == 4
    assert TOTPDevice.objects.filter(user__username="pharmacist").count() == 1

    old_password, old_secret = credentials(first.getvalue(), "pharmacist")
    assert not sign_in(client, "pharmacist", old_password, current_code(old_secret))
    new_password, new_secret = credentials(printed, "pharmacist")
    assert sign_in(client, "pharmacist", new_password, current_code(new_secret))


def test_seed_demo_reset_is_refused_with_debug_off_and_changes_nothing(db, settings):
    settings.DEBUG = True
    first = StringIO()
    call_command("seed_demo", stdout=first)
    settings.DEBUG = False
    password, secret = credentials(first.getvalue(), "ops")

    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("seed_demo", "--reset", stdout=StringIO())

    device = TOTPDevice.objects.get(user__username="ops")
    assert device.user.check_password(password)
    assert b32decode(secret) == device.bin_key


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_demo_totp_runs_beside_make_run_without_extra_environment(tmp_path):
    # `make run`'s setup: the embedded defaults, DEBUG=true for make's own commands only. The second
    # terminal has none of the suite's variables, only where the demo's state lives.
    keep = ("PATH", "HOME", "LANG", "TZ")
    terminal = {name: os.environ[name] for name in keep if name in os.environ}
    terminal["VAR_DIR"] = str(tmp_path / "var")
    migrated = manage("migrate", "--noinput", env={**terminal, "DEBUG": "true"})
    assert migrated.returncode == 0, migrated.stderr[-2000:]

    seeded = manage("seed_demo", env=terminal)
    shown = manage("demo_totp", "pharmacist", env=terminal)

    assert seeded.returncode == 0, seeded.stderr[-2000:]
    assert shown.returncode == 0, shown.stderr[-2000:]
    _, secret = credentials(seeded.stdout, "pharmacist")
    now = time.time()
    assert shown.stdout.strip() in {current_code(secret, now + drift) for drift in (-30, 0, 30)}


def test_demo_totp_still_refuses_on_a_deployment(tmp_path):
    deployment = {"PATH": os.environ["PATH"], "VAR_DIR": str(tmp_path / "var"), "SECRET_KEY": "x" * 50}

    refused = manage("demo_totp", "pharmacist", env=deployment)

    assert refused.returncode != 0
    assert "only runs with DEBUG on" in refused.stderr
