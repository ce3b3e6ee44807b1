"""Many patients racing for one time: exactly one wins, the others get a clean refusal, no 500.

Real threads against the real database (PostgreSQL's exclusion constraint; SQLite's write lock).
Every thread closes its own database connection when it is done.
"""

import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, time, timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection, connections
from django.utils import timezone

from consultations import availability, services
from consultations.forms import iso_start
from consultations.models import Appointment
from tests.consultations.conftest import works_every_day
from tests.factories import ConsultationTypeFactory, IntakeFactory, PharmacistFactory, UserFactory

RACERS = 20


def on_sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("this run is on PostgreSQL; its own test covers the race there")


@pytest.fixture
def contested(transactional_db):
    """A pharmacist working every day and a slot the day after tomorrow at 10:00 Chicago time."""
    kind = ConsultationTypeFactory(slug="ldn-consultation", min_notice_minutes=120)
    pharmacist = works_every_day(PharmacistFactory(user=UserFactory(username="racer-rx", is_staff=True)))
    day = timezone.now().astimezone(availability.pharmacy_zone()).date() + timedelta(days=2)
    start = datetime.combine(day, time(10), tzinfo=availability.pharmacy_zone())
    return kind, pharmacist, start


def run_together(count, attempt):
    barrier = threading.Barrier(count)
    outcomes = [None] * count

    def worker(index):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = attempt(index)
        except Exception as error:  # recorded, so the assertion shows what went wrong
            outcomes[index] = f"error: {error!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def race_the_service(kind, pharmacist, start):
    intakes = [IntakeFactory() for _ in range(RACERS)]

    def attempt(index):
        try:
            services.appointment_book(
                intake=intakes[index], consultation_type=kind, mode="phone", start=start, pharmacist=pharmacist
            )
        except services.SlotUnavailable:
            return "refused"
        return "booked"

    return run_together(RACERS, attempt)


def test_twenty_threads_booking_one_slot_on_postgres_give_exactly_one_appointment(on_postgres, contested):
    outcomes = race_the_service(*contested)

    assert sorted(outcomes) == ["booked"] + ["refused"] * (RACERS - 1)
    assert Appointment.objects.count() == 1


def test_twenty_threads_booking_one_slot_on_sqlite_are_serialised_by_the_write_lock(contested):
    on_sqlite()
    outcomes = race_the_service(*contested)

    assert sorted(outcomes) == ["booked"] + ["refused"] * (RACERS - 1)
    assert Appointment.objects.count() == 1


# --- the same race through HTTP, against a live server ---------------------------------------------


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def race_through_http(live_server, kind, pharmacist, start):
    start_iso = iso_start(start)
    choice = {"type": kind.slug, "mode": "phone", "pharmacist": str(pharmacist.pk), "start": start_iso}
    clients = []
    for _ in range(RACERS):
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
        clients.append((opener, form_token))

    def attempt(index):
        opener, form_token = clients[index]
        body = urllib.parse.urlencode({**choice, "csrfmiddlewaretoken": form_token}).encode()
        try:
            response = opener.open(f"{live_server.url}/book/confirm/", data=body)
        except urllib.error.HTTPError as answer:
            if answer.code == 302 and answer.headers["Location"].endswith("/book/confirmed/"):
                return "confirmed"
            return f"status {answer.code}"
        page = response.read().decode()
        if response.status == 200 and "That time was just taken" in page:
            return "told kindly"
        return f"status {response.status}"

    return run_together(RACERS, attempt)


def test_twenty_patients_confirming_one_slot_through_http_on_postgres(on_postgres, live_server, contested):
    outcomes = race_through_http(live_server, *contested)

    assert sorted(outcomes) == ["confirmed"] + ["told kindly"] * (RACERS - 1)
    assert Appointment.objects.count() == 1


def test_twenty_patients_confirming_one_slot_through_http_on_sqlite(live_server, contested):
    on_sqlite()
    outcomes = race_through_http(live_server, *contested)

    assert sorted(outcomes) == ["confirmed"] + ["told kindly"] * (RACERS - 1)
    assert Appointment.objects.count() == 1


# --- one intake confirming several times at once (double click, two tabs) ---------------------------

TABS = 8


def race_one_intake(kind, pharmacist, start):
    """TABS confirms of one intake, each for a different free time of the same day."""
    intake = IntakeFactory()
    starts = [start + timedelta(minutes=30 * index) for index in range(TABS)]

    def attempt(index):
        try:
            services.appointment_book(
                intake=intake, consultation_type=kind, mode="phone", start=starts[index], pharmacist=pharmacist
            )
        except services.AlreadyBooked as refusal:
            return f"already booked: {refusal.message}"
        return "booked"

    return intake, run_together(TABS, attempt)


@pytest.mark.postgres
def test_one_intake_confirming_in_several_tabs_on_postgres_books_once(on_postgres, contested, settings):
    settings.MAX_ACTIVE_APPOINTMENTS_PER_EMAIL = TABS + 1  # the per-email cap must not hide the race
    intake, outcomes = race_one_intake(*contested)

    kind_refusal = "already booked: You already have a consultation booked. You can change its time instead."
    assert sorted(outcomes) == sorted(["booked"] + [kind_refusal] * (TABS - 1)), outcomes
    assert Appointment.objects.filter(intake=intake, status=Appointment.Status.BOOKED).count() == 1


def test_one_intake_confirming_in_several_tabs_on_sqlite_books_once(contested, settings):
    on_sqlite()
    settings.MAX_ACTIVE_APPOINTMENTS_PER_EMAIL = TABS + 1
    intake, outcomes = race_one_intake(*contested)

    assert outcomes.count("booked") == 1, outcomes
    assert Appointment.objects.filter(intake=intake, status=Appointment.Status.BOOKED).count() == 1


# --- pairs, many times over: the timing in which both inserts meet in the constraint check --------

PAIR_ROUNDS = 40


def test_pairs_booking_one_time_never_deadlock_on_postgres(on_postgres, contested):
    """Two bookings for one pharmacist's time, inserted at the same instant, used to wait on each
    other inside PostgreSQL's exclusion check until one was killed as a deadlock (a 500 in CI). Each
    round must end with one booking and one kind refusal, never a database error."""
    kind, pharmacist, first_start = contested
    rounds = []
    for round_ in range(PAIR_ROUNDS):
        start = first_start + timedelta(minutes=30 * (round_ % 12), days=round_ // 12)
        intakes = [IntakeFactory(), IntakeFactory()]

        def attempt(index, start=start, intakes=intakes):
            try:
                services.appointment_book(
                    intake=intakes[index], consultation_type=kind, mode="phone", start=start, pharmacist=pharmacist
                )
            except services.SlotUnavailable:
                return "refused"
            return "booked"

        rounds.append(sorted(run_together(2, attempt)))

    assert all(pair == ["booked", "refused"] for pair in rounds), rounds
