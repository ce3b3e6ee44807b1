"""Issue #17, without a browser: what a patient is told before and after booking (from settings the
pharmacy edits), the privacy notice, book-again links, and no dead ends after a change.

The browser side (screenshots, axe with the WCAG 2.2 tags, target sizes, focus) is in
tests/e2e/test_patient_experience.py.
"""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from consultations.models import Appointment
from consultations.notifications.delivery import notifications_send_due
from patients.selectors import explanations_once
from tests.consultations.test_notifications import NOW, START, book, cancel, ics_of, reschedule
from tests.consultations.test_views_booking import CHOICE, url, with_intake
from tests.factories import IntakeFactory, LocationFactory, ScreeningFlagFactory

PHARMACY_WORDS = {
    "CONSULTATION_COST": "Costs nothing at all (set by the pharmacy)",
    "VISIT_HAVE_READY": "Your pill bottles, or photos of them|Your prescriber's name, clinic, phone",
    "PHONE_CONSULTATION_CALLER": "+16085550199",
    "VIDEO_LINK_ARRIVAL": "The video link comes by carrier email (set by the pharmacy).",
    "PHARMACY_DIRECTIONS": "Use the side door on Elm Street.",
    "PHARMACY_PARKING": "Two spaces behind the building.",
    "PHARMACY_OPENING_HOURS": "Mon-Fri 8-8|Sat 9-noon",
    "AFTER_CONSULTATION": "Afterwards we send nothing unless you ask (set by the pharmacy).",
    "INTAKE_MINUTES": 7,
}


@pytest.fixture
def pharmacy_words(settings):
    for name, value in PHARMACY_WORDS.items():
        setattr(settings, name, value)
    return settings


def text(response):
    """The page's words with tags and runs of whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


# --- 1. What a patient wants to know ---------------------------------------------------------------
def test_the_home_page_says_what_the_pharmacy_set_for_every_way_of_meeting(client, pharmacy_words, ldn):
    LocationFactory(name="Welltopia Pharmacy")
    page = text(client.get("/"))

    for words in (
        "Costs nothing at all (set by the pharmacy)",
        "Your pill bottles, or photos of them",
        "Your prescriber's name, clinic, phone",
        "(608) 555-0199",
        "The video link comes by carrier email (set by the pharmacy).",
        "Use the side door on Elm Street.",
        "Two spaces behind the building.",
        "Mon-Fri 8-8; Sat 9-noon",
        "Afterwards we send nothing unless you ask (set by the pharmacy).",
        "The consultation takes 30 minutes.",
    ):
        assert words in page


def test_home_page_intake_and_emails_agree_on_how_long_the_intake_takes(client, pharmacy_words, ldn):
    assert "take about 7 minutes" in text(client.get("/"))
    assert "It takes about 7 minutes." in text(client.get("/intake/"))
    assert "minutes" in text(client.get("/intake/"))
    for page in (text(client.get("/")), text(client.get("/intake/"))):
        assert "ten minutes" not in page and "five minutes" not in page


@pytest.mark.parametrize(
    "mode, shown, not_shown",
    [
        ("phone", ["The pharmacist calls you on (608) 555-0123", "the number you gave us", "(608) 555-0199"],
         ["Use the side door", "carrier email"]),
        ("in_person", ["Use the side door on Elm Street.", "Two spaces behind the building.", "Mon-Fri 8-8"],
         ["calls you on", "carrier email"]),
        ("video", ["The video link comes by carrier email"], ["calls you on", "Use the side door"]),
    ],
)
def test_the_confirmation_says_what_this_way_of_meeting_needs_and_nothing_else(
    client, pharmacy_words, intake, ldn, rx, monday_morning, mode, shown, not_shown
):
    intake.patient.phone = "+16085550123"
    intake.patient.save()
    booking = with_intake(client, intake)
    booking.post(reverse("consultations:book_confirm"), {**CHOICE, "mode": mode, "start": "2026-06-02T15:00:00Z"})

    page = text(booking.get(reverse("consultations:book_confirmed")))

    assert "Costs nothing at all (set by the pharmacy)" in page
    assert "Your pill bottles, or photos of them" in page
    assert "The consultation takes 30 minutes." in page
    for words in shown:
        assert words in page
    for words in not_shown:
        assert words not in page


# --- 2. Privacy notice and booking again -------------------------------------------------------------
def test_the_privacy_notice_says_what_is_kept_who_sees_it_how_long_and_how_to_ask(client, settings, db):
    settings.RETENTION_DAYS = 2555
    settings.PRIVACY_CONTACT_EMAIL = "dpo@pharmacy.example"
    response = client.get(reverse("privacy"))

    assert response.status_code == 200
    page = text(response)
    for heading in ("What we keep", "Who sees it", "How long we keep it", "Asking for a copy, a correction or deletion"):
        assert heading in page
    assert "For 7 years after your last intake or consultation" in page
    assert "dpo@pharmacy.example" in page


def test_the_consent_and_every_page_footer_link_to_the_privacy_notice(client, db):
    page = client.get("/intake/").content.decode()
    consent = page[page.index("Your agreement"):]
    assert f'href="{reverse("privacy")}"' in consent[: consent.index("consent_privacy")]
    assert f'href="{reverse("privacy")}"' in client.get("/").content.decode()


def test_a_cancelled_consultation_s_page_offers_to_book_again_without_answering_again(
    client, intake, ldn, rx, monday_morning
):
    booking = with_intake(client, intake)
    booking.post(reverse("consultations:book_confirm"), {**CHOICE, "start": "2026-06-02T15:00:00Z"})
    appointment = Appointment.objects.get()
    booking.post(reverse("consultations:manage_cancel", args=[appointment.manage_token]))

    page = booking.get(reverse("consultations:manage", args=[appointment.manage_token])).content.decode()
    book_again = re.search(r'<a[^>]+href="([^"]+)"[^>]*>Book another consultation</a>', page).group(1)
    response = booking.get(book_again)

    assert response.status_code == 200  # the choice of consultation, not the intake form again
    assert "LDN consultation" in response.content.decode()
    booking.post(reverse("consultations:book_confirm"), {**CHOICE, "start": "2026-06-03T15:00:00Z"})
    assert Appointment.objects.filter(intake=intake, status=Appointment.Status.BOOKED).count() == 1


def test_the_cancellation_email_links_to_booking_again_and_its_calendar_file_offers_no_change(
    db, smtp_server, settings
):
    settings.SITE_URL = "https://consult.example"
    appointment = book()
    cancel(appointment, now=NOW + timedelta(minutes=5))
    notifications_send_due(now=NOW + timedelta(minutes=5))

    cancellation = smtp_server.messages[-1]
    assert "cancelled" in cancellation["Subject"]
    for body in (cancellation.get_body(("plain",)).get_content(), cancellation.get_body(("html",)).get_content()):
        assert "https://consult.example/" in body
        assert "Change or cancel" not in body
    _, calendar = ics_of(cancellation)
    description = str(calendar.walk("VEVENT")[0]["DESCRIPTION"])
    assert "change or cancel" not in description.lower()
    assert appointment.manage_token not in description
    assert "To book another: https://consult.example/" in description


# --- 3. No dead ends -----------------------------------------------------------------------------------
def test_back_to_the_review_page_after_confirming_shows_this_is_your_booking(client, intake, ldn, rx, monday_morning):
    booking = with_intake(client, intake)
    review_url = url("book_review", **CHOICE, start="2026-06-02T15:00:00Z")
    booking.post(reverse("consultations:book_confirm"), {**CHOICE, "start": "2026-06-02T15:00:00Z"})

    for back_to in (review_url, url("book_time", **CHOICE, day="2026-06-02"), url("book_day", **CHOICE)):
        page = text(booking.get(back_to))
        assert "This is your booking" in page
        assert "no longer free" not in page
        assert "Tuesday, June 2 at 10:00 AM CDT" in page


def test_the_two_hour_reminder_says_to_call_instead_of_offering_a_change(db, smtp_server):
    appointment = book()  # 2 hours' notice: the 24-hour reminder may still change, the 2-hour one not
    notifications_send_due(now=NOW)
    notifications_send_due(now=START - timedelta(hours=24))
    notifications_send_due(now=START - timedelta(hours=2))

    confirmation, day_before, two_hours = smtp_server.messages
    for early in (confirmation, day_before):
        assert "Change or cancel" in early.get_body(("html",)).get_content()
    for body in (two_hours.get_body(("plain",)).get_content(), two_hours.get_body(("html",)).get_content()):
        assert "Change or cancel" not in body and "change or cancel?" not in body.lower()
        assert "too late to change or cancel online" in body
        assert "please call" in body
        assert appointment.manage_token in body  # the booking itself is still one click away
    _, early_calendar = ics_of(confirmation)
    assert "Change or cancel your appointment" in str(early_calendar.walk("VEVENT")[0]["DESCRIPTION"])
    _, late_calendar = ics_of(two_hours)
    late = str(late_calendar.walk("VEVENT")[0]["DESCRIPTION"])
    assert "Change or cancel your appointment" not in late and "To change or cancel now, call the pharmacy" in late


def test_the_moved_email_states_the_old_and_the_new_time(db, smtp_server):
    appointment = book()
    reschedule(appointment, start=START + timedelta(days=1, hours=2), now=NOW + timedelta(minutes=5))
    notifications_send_due(now=NOW + timedelta(minutes=5))

    moved = smtp_server.messages[-1]
    assert "moved" in moved["Subject"]
    plain = moved.get_body(("plain",)).get_content()
    rich = moved.get_body(("html",)).get_content()
    old, new = "Friday, December 4, 2026 at 9:00 AM CST", "Saturday, December 5, 2026 at 11:00 AM CST"
    assert f"Was:  {old}" in plain and f"Now:  {new}" in plain
    assert old in rich and new in rich and rich.index(old) < rich.index(new)


def test_a_second_move_names_the_time_it_moved_from_not_the_first_booking(db, smtp_server):
    appointment = book()
    reschedule(appointment, start=START + timedelta(days=1), now=NOW + timedelta(minutes=5))
    reschedule(appointment, start=START + timedelta(days=2), now=NOW + timedelta(minutes=6))
    notifications_send_due(now=NOW + timedelta(minutes=6))

    plain = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert "Was:  Saturday, December 5, 2026 at 9:00 AM CST" in plain
    assert "Now:  Sunday, December 6, 2026 at 9:00 AM CST" in plain


def test_the_moved_email_states_the_old_time_even_with_no_reminders_configured(db, smtp_server, settings):
    # A staff booking inside the notice window, or a pharmacy that sends no reminders, leaves no
    # reminder rows: the notice row itself carries the time it moved from.
    settings.REMINDER_OFFSETS = []
    appointment = book()
    reschedule(appointment, start=START + timedelta(days=1, hours=2), now=NOW + timedelta(minutes=5))
    notifications_send_due(now=NOW + timedelta(minutes=5))

    plain = smtp_server.messages[-1].get_body(("plain",)).get_content()
    assert "Was:  Friday, December 4, 2026 at 9:00 AM CST" in plain
    assert "Now:  Saturday, December 5, 2026 at 11:00 AM CST" in plain


def test_the_front_desk_s_403_says_what_the_role_can_do_and_links_back(desk, db):
    intake = IntakeFactory()

    response = desk.get(reverse("admin:patients_intake_change", args=[intake.pk]))

    assert response.status_code == 403
    page = text(response)
    assert "This page is not open to your login" in page
    assert "Front desk" in page
    assert "Book a consultation for a caller" in page
    assert "Read intakes" not in page
    html = response.content.decode()
    assert f'href="{reverse("admin:consultations_appointment_today")}"' in html
    assert f'href="{reverse("admin:index")}"' in html


def test_a_favicon_is_linked_on_every_page_and_served(client, db):
    assert 'rel="icon"' in client.get("/").content.decode()
    assert 'rel="icon"' in client.get(reverse("admin:login")).content.decode()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


# --- 4. Wording ------------------------------------------------------------------------------------
def test_methadone_is_called_treatment_and_the_reason_is_given_once(client, intake):
    reason = "LDN blocks the receptors that opioids work through, so taking both can bring on withdrawal."
    for matched in ("methadone", "Norco"):
        ScreeningFlagFactory(
            intake=intake, code="opioid", severity="contraindication", matched=matched,
            ingredient="methadone" if matched == "methadone" else "hydrocodone",
            explanation=f"We noticed {matched}, which is an opioid. {reason}",
        )
    intake.screening_outcome = "contraindication"
    intake.save()
    page = text(with_intake(client, intake).get(reverse("patients:intake_summary")))

    assert "in treatment with methadone or buprenorphine" in page
    assert "keep taking your treatment exactly as prescribed" in page
    assert "pain" not in page.split("What we noticed")[0].split("Thank you")[1]
    assert page.count("bring on withdrawal") == 1
    assert "We noticed methadone, which is an opioid." in page and "We noticed Norco, which is an opioid." in page


def test_an_opioid_for_pain_is_not_called_treatment(client, intake):
    ScreeningFlagFactory(intake=intake, code="opioid", severity="contraindication", matched="Norco",
                         ingredient="hydrocodone", explanation="We noticed Norco, which is an opioid. Because.")
    page = text(with_intake(client, intake).get(reverse("patients:intake_summary")))

    assert "you may be taking an opioid" in page
    assert "treatment with methadone" not in page


def test_explanations_once_keeps_what_was_noticed_and_drops_only_a_repeated_reason():
    assert explanations_once(["We noticed A. Same reason.", "We noticed B. Same reason.", "We noticed C. Other."]) == [
        "We noticed A. Same reason.",
        "We noticed B.",
        "We noticed C. Other.",
    ]
    assert explanations_once(["One sentence only", "One sentence only"]) == ["One sentence only", "One sentence only"]


# --- 5. Slot buttons read in full ----------------------------------------------------------------------
def test_each_time_button_is_read_with_its_day_time_and_zone(client, intake, ldn, rx, monday_morning):
    page = with_intake(client, intake).get(url("book_time", **CHOICE, day="2026-06-02")).content.decode()

    assert 'aria-label="Tuesday 2 June, 10:00 am, Central Time"' in page
    assert 'aria-label="Tuesday 2 June, 1:30 pm, Central Time"' in page
