"""A patient whose session is lost between intake and booking picks up from a link by email."""

import re

from playwright.sync_api import expect

from consultations.models import Appointment
from patients.models import Intake
from tests.e2e.conftest import assert_no_horizontal_scroll, plain_text, wait_for_mail
from tests.e2e.journey import Answers, book_from_the_summary, fill_intake, submit_intake

LINK = re.compile(r"https?://\S+/intake/continue/[^/\s]+/")
# The width of a common phone (iPhone 12 to 15); the fixture's 375 px is checked by the journey.
PHONE_390 = {"width": 390, "height": 844}


def check_step(page, screenshot, axe_check, name):
    assert_no_horizontal_scroll(page)
    screenshot(page, name)
    axe_check(page)


def test_a_patient_who_lost_the_session_continues_from_the_emailed_link_to_a_booking(
    phone, clinic, celery_e2e_worker, mailbox, screenshot, axe_check
):
    answers = Answers(first_name="Fern", email="fern@example.com",
                      medications=[("vitamin D3", "2000 IU", "daily")])
    phone.goto("/intake/")
    fill_intake(phone, answers)
    submit_intake(phone)
    phone.wait_for_url("**/intake/summary/")

    phone.context.clear_cookies()  # the session expired, or another browser
    phone.goto("/book/")
    phone.wait_for_url("**/intake/")
    message = phone.locator(".messages")
    expect(message).to_contain_text("Already answered the questions?")
    check_step(phone, screenshot, axe_check, "intake-with-the-offer")
    message.get_by_role("link", name="Get a link by email").click()

    phone.wait_for_url("**/intake/continue/")
    check_step(phone, screenshot, axe_check, "ask-for-a-link")
    phone.get_by_label("Email address").fill("Fern@Example.com")
    phone.get_by_role("button", name="Email me a link").click()
    expect(phone.get_by_role("heading", name="Check your email")).to_be_visible()
    check_step(phone, screenshot, axe_check, "link-sent")

    [email] = wait_for_mail(mailbox, to="fern@example.com", subject_contains="continue booking")
    link = LINK.search(plain_text(email)).group(0)
    phone.goto(link)
    expect(phone.get_by_role("heading", name="Welcome back, Fern")).to_be_visible()
    check_step(phone, screenshot, axe_check, "welcome-back")
    phone.get_by_role("button", name="Continue where I left off").click()

    phone.wait_for_url("**/intake/summary/")
    expect(phone.get_by_role("heading", name="Thank you, Fern")).to_be_visible()
    expect(phone.get_by_text("vitamin D3")).to_be_visible()
    check_step(phone, screenshot, axe_check, "summary-again")
    book_from_the_summary(phone)
    check_step(phone, screenshot, axe_check, "booked")

    intake = Intake.objects.get(patient__email="fern@example.com")  # the one answered first, not a new one
    assert Appointment.objects.get().intake == intake

    phone.goto(link)
    expect(phone.get_by_role("heading", name="This link has already been used")).to_be_visible()
    check_step(phone, screenshot, axe_check, "link-used")


def test_every_state_of_the_continue_pages_fits_a_390px_phone(phone, clinic, screenshot, axe_check, settings):
    from tests.factories import IntakeFactory

    phone.set_viewport_size(PHONE_390)
    phone.goto("/intake/")
    check_step(phone, screenshot, axe_check, "intake-with-the-hint")

    phone.goto("/intake/continue/")
    phone.get_by_label("Email address").fill("not an address")
    phone.get_by_role("button", name="Email me a link").click()
    expect(phone.get_by_text("Enter an email address like name@example.com.")).to_be_visible()
    assert phone.title().startswith("Error:")
    assert phone.get_by_label("Email address").input_value() == "not an address"
    check_step(phone, screenshot, axe_check, "ask-with-an-error")

    settings.RATE_LIMIT_INTAKE_LINK = "1/h"
    for typed in ("nobody@example.com", "still.typed@example.com"):
        phone.goto("/intake/continue/")
        phone.get_by_label("Email address").fill(typed)
        phone.get_by_role("button", name="Email me a link").click()
    expect(phone.get_by_role("heading", name="Please wait a little before trying again")).to_be_visible()
    assert phone.get_by_label("Email address").input_value() == "still.typed@example.com"
    check_step(phone, screenshot, axe_check, "ask-rate-limited")

    from patients.continuation import continue_link_token

    token = continue_link_token(intake_id=IntakeFactory().pk)
    phone.goto(f"/intake/continue/{token}/")
    check_step(phone, screenshot, axe_check, "welcome-back")
    phone.goto(f"/intake/continue/{token[:-3]}/")
    expect(phone.get_by_role("heading", name="This link does not work")).to_be_visible()
    check_step(phone, screenshot, axe_check, "link-broken")
