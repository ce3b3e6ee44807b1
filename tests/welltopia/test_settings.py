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


def test_production_hashes_passwords_with_a_strong_hasher_never_md5():
    # The suite swaps in MD5 for speed (tests/conftest.py); the settings themselves must not.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "welltopia.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-production-like-secret-key-for-this-check-only-0123456789",
    }
    show_hashers = (
        "import django; django.setup(); from django.contrib.auth.hashers import get_hashers; "
        "print(*[hasher.algorithm for hasher in get_hashers()])"
    )
    result = subprocess.run(
        [sys.executable, "-c", show_hashers], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    algorithms = result.stdout.split()
    assert algorithms[0] == "pbkdf2_sha256", algorithms  # Django's default; argon2 would do too
    assert "md5" not in algorithms


def test_the_suite_hashes_passwords_with_md5_for_speed(db):
    from tests.factories import UserFactory

    assert UserFactory().password.startswith("md5$")
