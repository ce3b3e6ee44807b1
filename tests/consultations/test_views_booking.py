"""The booking pages: intake → type and mode → day → time → review → confirm, without JavaScript."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import factory
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations.models import Appointment, AvailabilityException
from tests.consultations.conftest import chicago
from tests.factories import AppointmentFactory, IntakeFactory, LocationFactory

pytestmark = pytest.mark.django_db

TUESDAY_10 = chicago(2026, 6, 2, 10)
CHOICE = {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any"}
ALLOWED_QUERY_KEYS = {"type", "mode", "pharmacist", "day", "start"}


def url(name, **params):
    path = reverse(f"consultations:{name}")
    return f"{path}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else path


def with_intake(client, intake):
    session = client.session
    session["intake_reference"] = str(intake.reference)
    session.save()
    return client


@pytest.fixture
def booking(client, intake, ldn, rx, monday_morning):
    return with_intake(client, intake)


def links(response):
    return re.findall(r'href="([^"]+)"', response.content.decode())


def test_without_an_intake_the_patient_is_sent_to_the_intake_first(client, ldn, rx):
    response = client.get(url("book_start"))
    assert response.status_code == 302 and response["Location"] == "/intake/"

    session = client.session
    session["intake_reference"] = "3f1c8a8e-6a57-4f0e-9a5b-1d2c3b4a5e6f"  # no such intake
    session.save()
    response = client.get(url("book_day", **CHOICE))
    assert response.status_code == 302 and response["Location"] == "/intake/"


def test_the_first_step_offers_types_modes_and_first_available(booking):
    response = booking.get(url("book_start"))

    page = response.content.decode()
    assert "LDN consultation" in page and "First available" in page and "Charlie Chen, PharmD" in page
    assert 'aria-current="step"' in page and re.search(r'aria-current="step"[^>]*>(?:(?!</li>).)*Choose a time', page, re.S)


def test_a_mode_the_type_does_not_offer_is_explained_beside_the_field_and_choices_kept(booking):
    response = booking.get(url("book_start", type="ldn-consultation", mode="carrier-pigeon", pharmacist="any"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please choose one of the ways listed." in page
    assert re.search(r'value="ldn-consultation"[^>]*checked', page)


def test_submitting_the_first_step_with_nothing_picked_says_what_is_missing(booking):
    response = booking.get(url("book_start", pharmacist="any"))

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("invalid-feedback") >= 2, "both the consultation and the way to talk need an answer"


def test_valid_choices_lead_to_the_day_picker(booking):
    response = booking.get(url("book_start", **CHOICE))

    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == reverse("consultations:book_day")


def test_the_day_picker_links_free_days_and_shows_full_days_disabled(booking, rx):
    AvailabilityException.objects.create(pharmacist=rx, day=date(2026, 6, 3), kind="time_off")

    page = booking.get(url("book_day", **CHOICE)).content.decode()

    assert 'aria-label="Tuesday, June 2: ' in page
    assert "Wednesday, June 3: no free times" in page
    assert 'href="/book/time/?type=ldn-consultation&amp;mode=phone&amp;pharmacist=any&amp;day=2026-06-03"' not in page
    assert "day=2026-06-02" in page
    assert "Earliest free time" in page and "10:00 AM CDT" in page


def test_the_time_picker_groups_times_and_names_the_zone(booking):
    response = booking.get(url("book_time", **CHOICE, day="2026-06-02"))

    page = response.content.decode()
    assert "Morning" in page and "Afternoon" in page
    assert "Central Time (CDT)" in page
    assert "9:00 AM" in page and "4:30 PM" in page and "4:45 PM" not in page


def test_links_carry_no_clinical_data(booking, intake):
    pages = [
        booking.get(url("book_day", **CHOICE)),
        booking.get(url("book_time", **CHOICE, day="2026-06-02")),
    ]
    for response in pages:
        for link in links(response):
            query = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
            assert set(query) <= ALLOWED_QUERY_KEYS
            assert str(intake.reference) not in link


def test_review_then_confirm_books_and_shows_the_confirmation(booking, intake):
    start = "2026-06-02T15:00:00Z"  # 10:00 CDT
    review = booking.get(url("book_review", type="ldn-consultation", mode="in_person", pharmacist="any", start=start))
    assert review.status_code == 200
    assert "Charlie Chen, PharmD" in review.content.decode()
    assert not Appointment.objects.exists()

    confirmed = booking.post(
        reverse("consultations:book_confirm"),
        {"type": "ldn-consultation", "mode": "in_person", "pharmacist": "any", "start": start},
    )
    assert confirmed.status_code == 302 and confirmed["Location"] == reverse("consultations:book_confirmed")

    appointment = Appointment.objects.get()
    assert (appointment.intake, appointment.start, appointment.mode) == (intake, TUESDAY_10, "in_person")
    page = booking.get(confirmed["Location"]).content.decode()
    assert "Tuesday, June 2, 2026" in page and "10:00 AM" in page and "CDT" in page
    assert "In person" in page and "2400 University Avenue" in page
    assert "Charlie Chen, PharmD" in page and "(608) 555-0142" in page
    assert f"http://localhost:8000/appointments/{appointment.manage_token}/" in page
    assert reverse("consultations:manage_ics", args=[appointment.manage_token]) in page
    assert re.search(r'aria-current="step"[^>]*>(?:(?!</li>).)*Confirmed', page, re.S)


def test_the_calendar_file_downloads(booking, intake, rx):
    appointment = AppointmentFactory(intake=intake, pharmacist=rx, start=TUESDAY_10)

    response = booking.get(reverse("consultations:manage_ics", args=[appointment.manage_token]))

    assert response["Content-Type"].startswith("text/calendar")
    assert 'filename="welltopia-consultation.ics"' in response["Content-Disposition"]
    assert b"BEGIN:VEVENT" in response.content and b"DTSTART:20260602T150000Z" in response.content


def test_a_lost_race_is_told_kindly_with_fresh_times_and_the_intake_kept(booking, intake, other_patient, ldn, rx):
    # Someone else confirms 10:00 between this patient's review and confirm.
    AppointmentFactory(intake=IntakeFactory(patient=other_patient), pharmacist=rx, consultation_type=ldn, start=TUESDAY_10)

    response = booking.post(reverse("consultations:book_confirm"), {**CHOICE, "start": "2026-06-02T15:00:00Z"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "That time was just taken — here are the times still free." in page
    assert "10:00 AM" not in page and "10:30 AM" in page
    assert booking.session["intake_reference"] == str(intake.reference)
    assert Appointment.objects.count() == 1


def test_a_double_submitted_confirmation_lands_on_the_same_booking(booking):
    form = {**CHOICE, "start": "2026-06-02T15:00:00Z"}
    booking.post(reverse("consultations:book_confirm"), form)

    again = booking.post(reverse("consultations:book_confirm"), form)

    assert again.status_code == 302 and again["Location"] == reverse("consultations:book_confirmed")
    assert Appointment.objects.count() == 1


def test_a_garbled_time_never_errors(booking):
    for start in ("yesterday", "2026-06-02T10:00:00", ""):
        response = booking.post(reverse("consultations:book_confirm"), {**CHOICE, "start": start})
        assert response.status_code == 302
    assert booking.get(url("book_time", **CHOICE, day="not-a-day")).status_code == 302
    assert booking.get(url("book_review", **CHOICE, start="2026-06-02T15:07:00Z")).status_code == 200
    assert not Appointment.objects.exists()


def _day_page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("book_day", **CHOICE))
    assert response.status_code == 200
    return len(queries)


def test_the_day_page_makes_the_same_number_of_queries_for_1_or_60_days(booking, ldn, django_assert_num_queries):
    ldn.max_advance_days = 60
    ldn.save()
    sixty = _day_page_queries(booking)
    ldn.max_advance_days = 1
    ldn.save()

    with django_assert_num_queries(sixty):
        response = booking.get(url("book_day", **CHOICE))
    assert len(response.context["months"]) == 1


def test_the_day_page_makes_the_same_number_of_queries_for_0_or_300_appointments(booking, ldn, rx, django_assert_num_queries):
    empty = _day_page_queries(booking)
    LocationFactory()  # noise that must not matter
    AppointmentFactory.create_batch(
        300,
        pharmacist=rx,
        consultation_type=ldn,
        start=factory.Iterator(
            [chicago(2026, 6, 2, 9) + timedelta(days=i // 16, minutes=30 * (i % 16)) for i in range(300)]
        ),
    )

    with django_assert_num_queries(empty):
        page = booking.get(url("book_day", **CHOICE)).content.decode()
    assert "Tuesday, June 2: no free times" in page
