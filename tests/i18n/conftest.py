"""A Spanish-speaking patient and the pharmacy they book with, for the walk over every patient page.

The language is chosen the way a patient chooses it: a POST to the switch every patient page
carries (Django's ``set_language`` at /i18n/setlang/), which leaves the language cookie in the
browser — here, in the test client.
"""

import re
from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests.factories import pharmacy_open_every_day
from tests.patients.intake_data import intake_post

SWITCH_URL = "/i18n/setlang/"
CHICAGO = ZoneInfo("America/Chicago")
# A Monday in summer (CDT), 08:00 in Madison: the same clock the booking tests use.
MONDAY_MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=CHICAGO)


def choose_language(client, code, *, next_url="/"):
    """Press the language switch on the page at ``next_url``: open the page, POST the choice with
    the page's CSRF token (as the switch's form does), keep the cookie it sets."""
    client.get(next_url)
    token = client.cookies.get(settings.CSRF_COOKIE_NAME)
    response = client.post(
        SWITCH_URL,
        {"language": code, "next": next_url, **({"csrfmiddlewaretoken": token.value} if token else {})},
    )
    assert response.status_code == 302, f"the language switch at {SWITCH_URL} answered {response.status_code}"
    cookie = client.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    assert cookie is not None and cookie.value == code, "the switch did not remember the language in its cookie"
    return client


def spanish_client(**kwargs):
    return choose_language(Client(**kwargs), "es")


def spanish_intake_post(*, medications=(("metformina", "500 mg", "dos veces al día", "prescription"),), **overrides):
    """A valid intake as a Spanish-speaking patient types it: their own words in the free-text
    fields (what they typed is shown back to them and must not read as English left over)."""
    typed = {"patient-first_name": "Dolores", "patient-last_name": "Díaz", "patient-email": "dolores@example.com"}
    return intake_post(medications=medications, **{**typed, **overrides})


def hidden_fields(html, *, form_action):
    """The name=value pairs of the form posting to ``form_action`` (its hidden inputs and buttons)."""
    start = html.index(f'action="{form_action}"')
    form = html[start:html.index("</form>", start)]
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and not re.search(r'type="(?:checkbox|radio)"', tag):
            fields[name.group(1)] = value.group(1).replace("&amp;", "&") if value else ""
    return fields


def first_link(html, path_prefix):
    match = re.search(rf'href="({re.escape(path_prefix)}[^"]*)"', html)
    assert match, f"no link to {path_prefix} on the page"
    return match.group(1).replace("&amp;", "&")


@pytest.fixture
def monday_morning():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def pharmacy(db, monday_morning):
    """The pharmacy in Madison, a pharmacist who works 09:00-17:00 every day, the LDN consultation."""
    location, pharmacist, kind = pharmacy_open_every_day(buffer_minutes=0)
    return SimpleNamespace(location=location, pharmacist=pharmacist, kind=kind, clock=monday_morning)
