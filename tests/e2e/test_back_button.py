"""Back after a refused intake brings every answer back, and the 429/403 pages keep them too.

A refusal can come from the rate limit (429), the honeypot (400), a CSRF failure (403, e.g. the
cookie was cleared) or a server error (500). Whatever the cause, the patient must not retype a
medicine list.

Back is tested from a page the browser got with GET. "Add another medication" adds its row in the
page (static/js/medication_rows.js), so the page stays that GET; without JavaScript it is a POST
result, which Chromium will not show again from Back without asking to resend: there the refused
pages keep the answers themselves.
"""

import pytest
from playwright.sync_api import expect

from patients.models import Intake
from tests.e2e.journey import Answers, fill_intake, submit_intake
from welltopia.ratelimit import parse_rate, rate_hit

ONE_ROW = Answers(email="back@example.com", medications=[("metformin", "500 mg", "twice a day")])
TWO_ROWS = Answers(
    email="back@example.com",
    medications=[("metformin", "500 mg", "twice a day"), ("vitamin D", "1000 IU", "daily")],
)


def assert_answers_kept(page, answers=ONE_ROW):
    assert page.get_by_label("First name").input_value() == answers.first_name
    assert page.get_by_label("Email address").input_value() == answers.email
    medicines = page.get_by_label("Medication or supplement")
    doses = page.get_by_label("Dose", exact=True)
    assert [(medicines.nth(i).input_value(), doses.nth(i).input_value()) for i in range(len(answers.medications))] == [
        (text, dose) for text, dose, _ in answers.medications
    ]
    assert page.get_by_label("I have read the privacy notice").is_checked()


def fill_and_send(page, screenshot, answers=ONE_ROW):
    page.goto("/intake/")
    fill_intake(page, answers)
    screenshot(page, "filled")
    submit_intake(page)
    page.wait_for_load_state()


def go_back_and_check(page, screenshot, answers=ONE_ROW):
    page.go_back()
    page.wait_for_url("**/intake/")
    screenshot(page, "after-back")
    assert_answers_kept(page, answers)


def limit_reached(settings):
    settings.RATE_LIMIT_INTAKE = "1/d"
    rate_hit(scope="intake", client="127.0.0.1", rate=parse_rate("1/d"))


def test_back_after_the_rate_limit_brings_every_answer_back(phone, clinic, settings, screenshot):
    limit_reached(settings)
    fill_and_send(phone, screenshot)
    expect(phone.get_by_role("heading", name="Please wait a little before trying again")).to_be_visible()
    screenshot(phone, "refused-429")

    go_back_and_check(phone, screenshot)


def test_the_rate_limit_page_keeps_the_answers_and_sends_them_once_the_wait_is_over(
    phone, clinic, settings, screenshot, axe_check
):
    limit_reached(settings)
    fill_and_send(phone, screenshot, TWO_ROWS)
    expect(phone.get_by_role("heading", name="Please wait a little before trying again")).to_be_visible()
    screenshot(phone, "refused-429-with-answers")
    axe_check(phone)
    assert_answers_kept(phone, TWO_ROWS)

    settings.RATE_LIMIT_INTAKE = "0/h"  # the wait is over
    submit_intake(phone)
    phone.wait_for_url("**/intake/summary/")
    intake = Intake.objects.get(patient__email=TWO_ROWS.email)
    assert [m.text for m in intake.medications.order_by("position")] == ["metformin", "vitamin D"]


def test_back_after_the_honeypot_refusal_brings_every_answer_back(phone, clinic, screenshot):
    phone.goto("/intake/")
    fill_intake(phone, ONE_ROW)
    phone.evaluate("document.getElementById('id_homepage').value = 'http://spam.example'")
    submit_intake(phone)
    expect(phone.get_by_role("heading", name="We could not take this form")).to_be_visible()
    screenshot(phone, "refused-400")

    go_back_and_check(phone, screenshot)


def test_back_after_adding_a_row_and_a_refusal_brings_every_row_back(phone, clinic, screenshot):
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/intake/")
    fill_intake(phone, TWO_ROWS)  # "Add another medication" once, in the page
    assert phone.url.endswith("/intake/")
    screenshot(phone, "row-added")
    phone.evaluate("document.getElementById('id_homepage').value = 'http://spam.example'")
    submit_intake(phone)
    expect(phone.get_by_role("heading", name="We could not take this form")).to_be_visible()

    go_back_and_check(phone, screenshot, TWO_ROWS)
    assert phone.get_by_label("How often").nth(1).input_value() == "daily"


def test_back_after_a_csrf_failure_brings_every_answer_back(phone, clinic, screenshot):
    phone.goto("/intake/")
    fill_intake(phone, ONE_ROW)
    phone.context.clear_cookies()  # as when the browser dropped the cookie, or the page sat open for days
    submit_intake(phone)
    phone.wait_for_load_state()
    screenshot(phone, "refused-403")

    go_back_and_check(phone, screenshot)


def test_the_csrf_refusal_page_keeps_the_answers_and_sends_them_again(phone, clinic, screenshot, axe_check):
    phone.goto("/intake/")
    fill_intake(phone, TWO_ROWS)
    phone.context.clear_cookies()
    submit_intake(phone)
    phone.wait_for_load_state()
    expect(phone.get_by_text("Nothing was saved yet")).to_be_visible()
    screenshot(phone, "refused-403-with-answers")
    axe_check(phone)
    assert_answers_kept(phone, TWO_ROWS)

    submit_intake(phone)
    phone.wait_for_url("**/intake/summary/")
    assert Intake.objects.filter(patient__email=TWO_ROWS.email).count() == 1


@pytest.fixture
def failing_intake_submit(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("patients.views.intake_submit", broken)


def test_back_after_a_server_error_brings_every_answer_back(phone, clinic, failing_intake_submit, screenshot):
    fill_and_send(phone, screenshot)
    screenshot(phone, "refused-500")

    go_back_and_check(phone, screenshot)
