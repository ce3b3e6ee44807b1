"""Which intake this browser submitted: kept in the session, never under a key someone planted."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session

from patients.models import Intake
from tests.patients.intake_data import intake_post

pytestmark = pytest.mark.django_db

INTAKE_URL = "/intake/"


def test_a_session_key_the_browser_came_with_is_replaced_when_the_intake_is_saved(client):
    planted = SessionStore()
    planted["seen_before"] = True
    planted.create()
    client.cookies["sessionid"] = planted.session_key

    response = client.post(INTAKE_URL, intake_post())

    assert response.status_code == 302
    new_key = client.cookies["sessionid"].value
    assert new_key != planted.session_key
    assert not Session.objects.filter(session_key=planted.session_key).exists()
    assert SessionStore(session_key=new_key)["intake_reference"] == str(Intake.objects.get().reference)


def test_a_first_visit_gets_one_session_holding_the_intake_and_the_booking_pages_find_it(client):
    response = client.post(INTAKE_URL, intake_post())

    assert response.status_code == 302
    assert Session.objects.count() == 1
    key = client.cookies["sessionid"].value
    assert SessionStore(session_key=key)["intake_reference"] == str(Intake.objects.get().reference)
    assert client.get("/intake/summary/").status_code == 200
