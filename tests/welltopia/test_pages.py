"""The pages every visitor can reach: home, not found, server error, and their security headers."""

import pytest
from django.db import OperationalError

from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db

CSP_DIRECTIVES = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
]


def test_home_page_explains_the_consultation_and_starts_the_intake(client):
    response = client.get("/")

    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert 'href="/intake/"' in page and "Start your intake" in page
    for fact in ("1.5 mg to 4.5 mg", "buprenorphine", "methadone", "off-label", "Prescription only",
                 "as prescribed by your healthcare provider", "Your privacy"):
        assert fact in page, fact


def test_home_page_is_sent_with_the_strict_content_security_policy(client):
    response = client.get("/")

    policy = response.headers["Content-Security-Policy"]
    for directive in CSP_DIRECTIVES:
        assert directive in policy, directive
    assert "unsafe-inline" not in policy


def test_home_page_has_no_inline_scripts_or_styles(client):
    page = client.get("/").content.decode()

    assert "style=" not in page
    assert "<style" not in page
    assert "<script>" not in page


def test_unknown_address_gets_the_friendly_not_found_page(client, settings):
    settings.DEBUG = False

    response = client.get("/no-such-page-<b>ECHOED</b>/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "We can’t find that page" in page
    assert 'href="/"' in page
    assert "ECHOED" not in page  # nothing from the request is reflected
    assert "Content-Security-Policy" in response.headers


def database_down():
    raise OperationalError("connection refused")


@pytest.mark.urls("tests.welltopia.urls_with_error")
def test_server_error_gets_the_apology_page_without_request_data(client, settings):
    settings.DEBUG = False
    settings.PHARMACY_PHONE_FUNCTION = "tests.welltopia.test_pages.database_down"
    client.raise_request_exception = False

    response = client.get("/broken/?first_name=ECHOED")  # the 500 page works while the database is down

    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, something went wrong on our side" in page
    assert "/static/css/site.css" in page
    assert "ECHOED" not in page
    assert "deliberate failure" not in page


@pytest.mark.urls("tests.welltopia.urls_with_error")
def test_server_error_page_gives_the_pharmacy_phone_to_call(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    LocationFactory()

    page = client.get("/broken/").content.decode()

    assert "call the pharmacy on" in page
    assert ">(608) 555-0142</a>" in page
