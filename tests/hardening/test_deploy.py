"""Production settings, as a browser sees them: the security headers and cookies on a real
response, and `check --deploy` passing at warning level. Each runs the site in a child process
with DEBUG off and the production defaults (only the https redirect is off, since the test client
cannot follow it to a TLS server), against this run's test database."""

import json
import os
import secrets
import subprocess
import sys

import pytest

from tests.conftest import ROOT, database_url_for_workers

PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="consult.welltopia.example")
r = client.get("/intake/", secure=True)
cookie = r.cookies.get(settings.CSRF_COOKIE_NAME)
print(json.dumps({
    "status": r.status_code,
    "headers": dict(r.headers),
    "csrf_cookie": {"secure": bool(cookie and cookie["secure"]), "samesite": cookie and cookie["samesite"]},
    "session_cookie_secure": settings.SESSION_COOKIE_SECURE,
    "session_cookie_httponly": settings.SESSION_COOKIE_HTTPONLY,
    "csp_installed": "csp" in settings.INSTALLED_APPS,
}))
"""


def production_env(**overrides):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "welltopia.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "consult.welltopia.example",
        "SECURE_SSL_REDIRECT": "false",
        "DATABASE_URL": database_url_for_workers(),
        **overrides,
    }
    # The suite's own defaults (pyproject) turn secure cookies off; production leaves them unset.
    for name in ("SECURE_COOKIES", "SECURE_HSTS_SECONDS", "SECURE_HSTS_PRELOAD"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def probed():
    """The probe's answer, kept for the module: the three tests below read the same page of the
    same settings, and each child process took about 2 s to start Django (under coverage)."""
    return {}


@pytest.fixture
def production_response(transactional_db, probed):
    if "response" not in probed:
        out = subprocess.run(
            [sys.executable, "-c", PROBE],
            cwd=ROOT,
            env=production_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        probed["response"] = json.loads(out.stdout.strip().splitlines()[-1])
    return probed["response"]


def test_a_production_page_carries_the_security_headers(production_response):
    headers = production_response["headers"]

    assert production_response["status"] == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "no-store" in headers["Cache-Control"]  # intake answers never stay in a shared cache


def test_production_cookies_travel_only_over_https(production_response):
    assert production_response["csrf_cookie"]["secure"] is True
    assert production_response["session_cookie_secure"] is True
    assert production_response["session_cookie_httponly"] is True


def test_a_production_page_carries_a_strict_content_security_policy(production_response):
    assert production_response["csp_installed"]
    policy = production_response["headers"]["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())

    assert directives["default-src"] == "'self'"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert directives["frame-ancestors"] == "'none'"


def test_check_deploy_passes_at_warning_level_with_production_settings(transactional_db):
    out = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(SECURE_SSL_REDIRECT="true"), capture_output=True, text=True, timeout=120,
    )

    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout
