"""Through HTTP, on PostgreSQL: the front desk confirms a booking for a caller while a patient
confirms the same time online. One of them gets it; the other is told kindly (the patient sees the
"just taken" page with the times still free, the front desk the free times with a warning)."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

from django.contrib.sessions.backends.db import SessionStore
from django.urls import reverse

from consultations.forms import iso_start
from consultations.models import Appointment
from tests.consultations.test_concurrency import NoRedirect, contested, run_together  # noqa: F401  (a fixture)
from tests.factories import IntakeFactory, PatientFactory

ROUNDS = 4


def patient_opener(live_server, choice):
    session = SessionStore()
    session["intake_reference"] = str(IntakeFactory().reference)
    session.create()
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    opener.addheaders = [("Cookie", f"sessionid={session.session_key}")]
    review = opener.open(f"{live_server.url}/book/review/?{urllib.parse.urlencode(choice)}").read().decode()
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', review).group(1)
    cookie_token = next(c.value for c in jar if c.name == "csrftoken")
    opener.addheaders = [("Cookie", f"sessionid={session.session_key}; csrftoken={cookie_token}")]
    return opener, form_token


def test_front_desk_and_a_patient_online_confirming_one_time(
    on_postgres, live_server, contested, staff_client, front_desk  # noqa: F811
):
    kind, pharmacist, first_start = contested
    desk = staff_client(front_desk)
    outcomes = []
    for round_ in range(ROUNDS):
        start = first_start + timedelta(minutes=30 * round_)
        choice = {"type": kind.slug, "mode": "phone", "pharmacist": str(pharmacist.pk), "start": iso_start(start)}
        opener, form_token = patient_opener(live_server, choice)
        caller = PatientFactory()
        review = reverse("admin:consultations_appointment_book_review", args=[caller.pk])

        def attempt(index, opener=opener, form_token=form_token, choice=choice, review=review):
            if index == 0:
                response = desk.post(review, choice)
                if response["Location"].endswith("/change/"):
                    return "desk booked"
                page = desk.get(response["Location"]).content.decode()
                return "desk told kindly" if "that time was just taken" in page else f"desk {response.status_code}"
            body = urllib.parse.urlencode({**choice, "csrfmiddlewaretoken": form_token}).encode()
            try:
                page = opener.open(f"{live_server.url}/book/confirm/", data=body).read().decode()
            except urllib.error.HTTPError as answer:
                return "patient booked" if answer.code == 302 else f"patient {answer.code}"
            return "patient told kindly" if "That time was just taken" in page else "patient ?"

        outcomes.append(sorted(run_together(2, attempt)))
        assert Appointment.objects.filter(start=start).count() == 1

    for pair in outcomes:
        assert pair in (["desk booked", "patient told kindly"], ["desk told kindly", "patient booked"]), outcomes
