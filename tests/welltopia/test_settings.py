import os
import subprocess
import sys

from tests.conftest import ROOT


def run_django_check(**env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


def test_start_up_fails_with_a_clear_message_when_the_secret_is_missing_in_production():
    result = run_django_check(DEBUG="false")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_development_machine_starts_without_a_secret():
    result = run_django_check(DEBUG="true")

    assert result.returncode == 0, result.stderr


def test_times_are_stored_in_utc_and_shown_in_chicago(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "America/Chicago"
