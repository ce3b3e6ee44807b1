"""The intake in a real browser: errors a patient can find and fix, the keyboard alone, a phone's width."""

import pytest
from playwright.sync_api import expect

from patients.models import Intake
from tests.e2e.conftest import _watched_page, assert_no_horizontal_scroll
from tests.e2e.journey import Answers, fill_intake, fill_intake_by_keyboard, submit_intake


def test_empty_intake_shows_a_focused_error_summary_linked_to_the_fields(phone, screenshot, axe_check):
    phone.goto("/intake/")
    screenshot(phone, "intake-empty")
    axe_check(phone)

    submit_intake(phone)

    summary = phone.locator("#error-summary")
    expect(summary).to_be_visible()
    assert phone.evaluate("document.activeElement.id") == "error-summary"
    assert phone.title().startswith("Error:")
    first_link = summary.get_by_role("link").first
    target = first_link.get_attribute("href")
    assert phone.locator(target).count() == 1, f"the summary links to {target}, which is not on the page"
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "intake-errors")
    axe_check(phone)

    first_link.click()
    assert phone.evaluate("location.hash") == target


def test_what_was_typed_survives_an_error(phone, screenshot):
    phone.goto("/intake/")
    phone.get_by_label("First name").fill("Dana")
    phone.get_by_label("Medication or supplement").first.fill("metformin")

    submit_intake(phone)

    assert phone.get_by_label("First name").input_value() == "Dana"
    assert phone.get_by_label("Medication or supplement").first.input_value() == "metformin"
    screenshot(phone, "kept-after-error")


def test_intake_can_be_completed_with_the_keyboard_alone(phone, screenshot, axe_check):
    answers = Answers(
        email="keys@example.com",
        medications=[("metformin", "500 mg", "twice a day"), ("vitamin D", "1000 IU", "daily")],
    )
    phone.goto("/intake/")

    fill_intake_by_keyboard(phone, answers)

    phone.wait_for_url("**/intake/summary/")
    expect(phone.get_by_role("heading", name="Thank you, Dana")).to_be_visible()
    screenshot(phone, "summary")
    axe_check(phone)
    intake = Intake.objects.get(patient__email="keys@example.com")
    assert [m.text for m in intake.medications.order_by("position")] == ["metformin", "vitamin D"]


def test_an_opioid_on_the_list_gets_the_calm_notice_and_booking_stays_open(phone, screenshot, axe_check):
    phone.goto("/intake/")
    fill_intake(phone, Answers(email="norco@example.com", medications=[("Norco 5/325", "1 tablet", "as needed")]))
    screenshot(phone, "intake-filled")

    submit_intake(phone)

    phone.wait_for_url("**/intake/summary/")
    notice = phone.get_by_role("heading", name="Something to talk through first")
    expect(notice).to_be_visible()
    assert "opioid" in phone.locator(".summary-note--important").inner_text()
    expect(phone.get_by_role("link", name="Continue to choose a time")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "opioid-notice")
    axe_check(phone)
    assert Intake.objects.get(patient__email="norco@example.com").screening_outcome == "contraindication"


def test_intake_fits_a_phone_at_every_state(phone, screenshot):
    phone.goto("/intake/")
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Add another medication").click()
    assert phone.get_by_label("Medication or supplement").count() == 2
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "two-medication-rows")


def test_add_another_medication_adds_the_row_in_the_page_focused_and_announced(phone, screenshot, axe_check):
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto("/intake/")
    phone.get_by_label("Medication or supplement").first.fill("metformin")
    requests = []
    phone.on("request", lambda request: requests.append(request.method))

    phone.get_by_role("button", name="Add another medication").click()

    rows = phone.get_by_label("Medication or supplement")
    expect(rows).to_have_count(2)
    assert requests == [], "no request: the row is added in the page"
    assert phone.evaluate("document.activeElement.id") == "id_med-1-text"
    assert phone.locator('input[name="med-TOTAL_FORMS"]').input_value() == "2"
    expect(phone.locator("#med-status")).to_have_text("Medication 2 added.")
    expect(phone.get_by_role("group", name="Medication 2")).to_be_visible()
    assert rows.nth(0).input_value() == "metformin" and rows.nth(1).input_value() == ""
    expect(phone.get_by_role("group", name="Medication 2").get_by_role("radio", name="Prescription")).to_be_checked()
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("group", name="Medication 2").scroll_into_view_if_needed()
    screenshot(phone, "row-added-390")
    axe_check(phone)


@pytest.fixture
def phone_without_javascript(browser, live_server, transactional_db, monkeypatch):
    original = browser.new_context
    monkeypatch.setattr(browser, "new_context", lambda **kwargs: original(java_script_enabled=False, **kwargs))
    yield from _watched_page(browser, live_server, {"width": 375, "height": 800})


def test_without_javascript_add_another_medication_posts_and_the_intake_is_saved(phone_without_javascript):
    page = phone_without_javascript
    answers = Answers(
        email="nojs@example.com",
        medications=[("metformin", "500 mg", "twice a day"), ("vitamin D", "1000 IU", "daily")],
    )
    page.goto("/intake/")
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.post_data or ""))

    fill_intake(page, answers)

    assert len(posts) == 1 and "add_row=1" in posts[0], "the server added the row"
    assert page.get_by_label("Medication or supplement").nth(0).input_value() == "metformin"
    submit_intake(page)
    page.wait_for_url("**/intake/summary/")
    intake = Intake.objects.get(patient__email="nojs@example.com")
    assert [m.text for m in intake.medications.order_by("position")] == ["metformin", "vitamin D"]
