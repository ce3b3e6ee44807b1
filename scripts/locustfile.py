"""Locust users for `make loadtest` (scripts/loadtest.py runs them; see README "Load test").

BookingPatient is one patient's whole visit, again and again with a fresh session: the intake,
the consultation choice, the day page, a day's times, the review, and the confirmation. Patients
pick among the first free days and times on purpose, so many race for the same slot: the loser
must get the kind "just taken" page (a 200 with fresh times), never a 5xx.

TrivialVisitor only asks for the home page: the same stack (gunicorn, middleware, one query),
none of the booking work. The ratio of the two runs' requests per second is the app's own cost.

Counters (5xx responses, bookings, lost races) are written to LOADTEST_OUTCOMES when locust quits.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import uuid
from collections import Counter

from locust import HttpUser, constant, events, task

CHOICE = "type=ldn-consultation&mode=phone&pharmacist=any"
DAY_LINK = re.compile(r'href="(/book/time/\?[^"]+)"')
TIME_LINK = re.compile(r'href="(/book/review/\?[^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
JUST_TAKEN = "That time was just taken"
NO_LONGER_FREE = "that time is no longer free"

outcomes: Counter = Counter()


@events.request.add_listener
def count_server_errors(request_type, name, response, exception, **kwargs):
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        outcomes["5xx"] += 1
        outcomes[f"5xx {request_type} {name}"] += 1


@events.quitting.add_listener
def write_outcomes(environment, **kwargs):
    path = os.environ.get("LOADTEST_OUTCOMES")
    if path:
        with open(path, "w") as handle:
            json.dump(dict(outcomes), handle, indent=1, sort_keys=True)


def intake_form(csrf: str) -> dict:
    email = f"load-{uuid.uuid4().hex[:12]}@example.com"
    return {
        "csrfmiddlewaretoken": csrf,
        "homepage": "",
        "patient-first_name": "Load",
        "patient-last_name": "Tester",
        "patient-date_of_birth": "1980-04-12",
        "patient-email": email,
        "patient-phone": "608-555-0123",
        "patient-preferred_contact": "email",
        "intake-pregnancy_status": "not_applicable",
        "intake-opioid_use": "no",
        "intake-conditions": "chronic_pain",
        "intake-has_ldn_prescription": "no",
        "intake-consent_privacy": "on",
        "intake-consent_not_diagnosis": "on",
        "intake-consent_contact": "on",
        "med-TOTAL_FORMS": "1",
        "med-INITIAL_FORMS": "0",
        "med-MIN_NUM_FORMS": "0",
        "med-MAX_NUM_FORMS": "30",
        "med-0-text": random.choice(["metformin 500 mg", "vitamin D3", "levothyroxine", "ibuprofen", "fish oil"]),
        "med-0-dose": "",
        "med-0-frequency": "daily",
        "med-0-kind": "prescription",
    }


class BookingPatient(HttpUser):
    wait_time = constant(0)  # no think time: requests per second measure the stack, not the users

    @task
    def visit_and_book(self):
        self.client.cookies.clear()  # a new patient: a new session
        page = self.client.get("/intake/", name="/intake/ (form)")
        token = CSRF.search(page.text)
        if not token:
            return
        with self.client.post(
            "/intake/", data=intake_form(token.group(1)), name="/intake/ (submit)", allow_redirects=False,
            catch_response=True,
        ) as submitted:
            if submitted.status_code != 302:
                submitted.failure(f"intake not accepted: {submitted.status_code}")
                return
        self.client.get("/intake/summary/", name="/intake/summary/")

        days = self.client.get(f"/book/day/?{CHOICE}", name="/book/day/")
        day_links = [html.unescape(link) for link in DAY_LINK.findall(days.text)]
        if not day_links:
            outcomes["no free day"] += 1
            return
        times = self.client.get(random.choice(day_links[:3]), name="/book/time/")
        time_links = [html.unescape(link) for link in TIME_LINK.findall(times.text)]
        if not time_links:
            outcomes["day filled meanwhile"] += 1
            return
        review = self.client.get(random.choice(time_links[:4]), name="/book/review/")
        if NO_LONGER_FREE in review.text:
            outcomes["taken before review"] += 1
            return
        token = CSRF.search(review.text)
        fields = dict(HIDDEN.findall(review.text))
        if not token or "start" not in fields:
            return
        form = {"csrfmiddlewaretoken": token.group(1), "homepage": "", **{k: html.unescape(v) for k, v in fields.items()}}
        with self.client.post(
            "/book/confirm/", data=form, name="/book/confirm/", allow_redirects=False, catch_response=True
        ) as confirm:
            if confirm.status_code == 302 and confirm.headers.get("Location", "").endswith("/book/confirmed/"):
                outcomes["booked"] += 1
            elif confirm.status_code == 200 and JUST_TAKEN in confirm.text:
                outcomes["just taken (told kindly)"] += 1
            else:
                confirm.failure(f"unexpected confirmation answer {confirm.status_code}")
                return
        if confirm.status_code == 302:
            self.client.get("/book/confirmed/", name="/book/confirmed/")


class TrivialVisitor(HttpUser):
    wait_time = constant(0)  # no think time: requests per second measure the stack, not the users

    @task
    def home(self):
        self.client.get("/", name="/ (home page)")
