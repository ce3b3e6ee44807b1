"""The home page and the not-found page in a real browser: readable on a phone, accessible, keyboard-first."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_horizontal_scroll


def test_home_page_fits_a_phone_and_passes_axe(phone, screenshot, axe_check):
    phone.goto("/")

    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "home")
    axe_check(phone)


def test_home_page_passes_axe_on_a_desktop(desktop, screenshot, axe_check):
    desktop.goto("/")

    assert_no_horizontal_scroll(desktop)
    screenshot(desktop, "home")
    axe_check(desktop)


def test_keyboard_reaches_the_skip_link_first_then_start_your_intake(phone, screenshot):
    phone.goto("/")

    phone.keyboard.press("Tab")
    focused = phone.evaluate("[document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
    assert focused == ["Skip to main content", "#main"]
    assert phone.locator(".skip-link").is_visible()  # visible when focused, for sighted keyboard users
    screenshot(phone, "skip-link-focused")

    for _ in range(10):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.textContent.trim()") == "Start your intake":
            break
    else:
        raise AssertionError("Tab never reached “Start your intake” within 10 presses")
    assert phone.evaluate("document.activeElement.getAttribute('href')") == "/intake/"
    screenshot(phone, "start-your-intake-focused")


def test_skip_link_moves_focus_to_the_main_content(phone):
    phone.goto("/")

    phone.keyboard.press("Tab")
    phone.keyboard.press("Enter")

    assert phone.evaluate("document.activeElement.id") == "main"


def test_not_found_page_is_friendly_and_passes_axe(phone, screenshot, axe_check):
    response = phone.goto("/no-such-page/")

    assert response.status == 404
    expect(phone.get_by_role("heading", name="We can’t find that page")).to_be_visible()
    expect(phone.get_by_role("link", name="Go to the home page")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "not-found")
    axe_check(phone)


def test_patient_pages_are_sent_with_a_content_security_policy(phone):
    response = phone.goto("/")

    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy


@pytest.mark.urls("tests.welltopia.urls_progress")
def test_progress_indicator_fits_a_phone_and_passes_axe(phone, screenshot, axe_check):
    for step in (1, 2, 3):
        phone.goto(f"/progress/{step}/")

        current = phone.locator('[aria-current="step"]')
        assert current.count() == 1
        assert_no_horizontal_scroll(phone)
        screenshot(phone, f"progress-step-{step}")
        axe_check(phone)


@pytest.mark.urls("tests.welltopia.urls_with_error")
def test_server_error_page_is_styled_calm_and_passes_axe(phone, screenshot, axe_check):
    response = phone.goto("/broken/")

    assert response.status == 500
    expect(phone.get_by_role("heading", name="Sorry, something went wrong on our side")).to_be_visible()
    # The site's own stylesheet loaded (the brand colour), though the page needs no database.
    assert phone.locator(".site-brand").evaluate("e => getComputedStyle(e).color") == "rgb(7, 63, 62)"
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "server-error")
    axe_check(phone)
