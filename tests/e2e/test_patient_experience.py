"""Issue #17 in the browser, at 375 and 1280 px: what a patient needs to know, the privacy notice,
no dead ends, the wording, and WCAG 2.2 AA beyond axe's default run.

Every patient page here (the emails and error pages included) passes axe with the WCAG 2.2 tags
(conftest.WCAG22_TAGS) and is kept as a screenshot under artifacts/screenshots/.
"""

import re

import pytest
from playwright.sync_api import expect

from consultations.models import Notification
from consultations.notifications.messages import notification_message
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.journey import (
    Answers,
    choose_a_free_day,
    choose_consultation,
    confirm_booking,
    ensure_staff_groups,
    fill_intake,
    sign_in_to_admin,
    submit_intake,
)

SLOT_NAME = re.compile(r"^(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} [A-Z][a-z]+, \d{1,2}:\d{2} (am|pm), Central Time$")

# The focused element, whether any part of it is on screen, and whether something else (a sticky
# bar, a banner) is drawn over its middle.
FOCUS_STATE = r"""() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const r = e.getClientRects()[0] || e.getBoundingClientRect();  // a link wrapped over lines: its first part
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const hit = document.elementFromPoint(x, y);
  const mine = hit && (hit === e || e.contains(hit) || [...(e.labels || [])].some(l => l.contains(hit)));
  return {what: e.outerHTML.slice(0, 120), onScreen: r.bottom > 0 && r.top < innerHeight && r.width > 0,
          covered: !mine};
}"""

# Targets a finger or a shaky hand must hit (WCAG 2.2, 2.5.8): the site's links outside running
# text, its buttons and the booking grid; each at least 24 x 24 CSS px.
SMALL_TARGETS = r"""() => [...document.querySelectorAll(
    '.site-header a, .site-footer a, .btn, a.day-free, a.time-button, input[type=submit]')]
  .filter(e => e.offsetParent !== null)
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.outerHTML.slice(0, 100), width: r.width, height: r.height}; })
  .filter(t => t.width < 24 || t.height < 24)"""


def page_for(request, viewport):
    return request.getfixturevalue(viewport)


def check_page(page, screenshot, axe_check, name):
    """What holds on every patient page: no sideways scroll, targets big enough, help in the
    header, axe clean with the WCAG 2.2 tags; and a screenshot."""
    page.wait_for_load_state("load")
    assert_no_horizontal_scroll(page)
    assert page.evaluate(SMALL_TARGETS) == []
    screenshot(page, name)
    axe_check(page)
    return help_position(page)


def help_position(page):
    """Where the "Questions? <phone>" help is: in the header, its box on the page."""
    help_link = page.locator("header .site-help")
    expect(help_link).to_have_count(1)
    assert help_link.inner_text().startswith("Questions?")
    box = help_link.evaluate(
        "e => { const r = e.getBoundingClientRect(); return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }"
    )
    return tuple(round(value) for value in box)


def assert_focus_never_hidden(page, *, stops=60):
    """Tab through the page: each focused element is on screen and nothing is drawn over it.

    Scrolling is made instant (Bootstrap scrolls smoothly otherwise), so the check sees where the
    browser put the element rather than a frame of the animation."""
    page.emulate_media(reduced_motion="reduce")
    page.evaluate("window.scrollTo(0, 0); document.activeElement && document.activeElement.blur()")
    seen = 0
    for _ in range(stops):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE)
        if state is None:
            break
        seen += 1
        assert state["onScreen"] and not state["covered"], f"focus hidden on {page.url}: {state}"
    assert seen > 3


def render_email(page, notification):
    """The email's HTML part, shown in the browser as a mail app would (away from the site, whose
    Content-Security-Policy does not apply to an email's inline styles)."""
    message = notification_message(notification=notification)
    (html,) = [body for body, kind in message.alternatives if kind == "text/html"]
    page.goto("about:blank")
    page.set_content(html)
    return page


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_patient_knows_what_to_expect_books_and_cancels_without_a_dead_end(
    request, viewport, live_server, clinic, screenshot, axe_check
):
    page = page_for(request, viewport)
    page.goto("/")
    help_at = {"home": check_page(page, screenshot, axe_check, "home")}
    info = page.locator(".visit-info")
    for label in ("Cost", "How long", "What to have ready", "By phone", "By video", "In person", "Afterwards"):
        expect(info.get_by_text(label, exact=True)).to_be_visible()
    assert "The consultation takes 30 minutes." in info.inner_text()
    minutes = re.search(r"take about (\d+) minutes", page.locator("main").inner_text()).group(1)

    page.goto("/privacy/")
    help_at["privacy"] = check_page(page, screenshot, axe_check, "privacy")
    for heading in ("What we keep", "Who sees it", "How long we keep it", "Asking for a copy, a correction or deletion"):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()

    page.goto("/intake/")
    help_at["intake"] = check_page(page, screenshot, axe_check, "intake")
    assert f"It takes about {minutes} minutes." in page.locator("main").inner_text()
    expect(page.locator("fieldset", has_text="Your agreement").get_by_role("link", name="privacy notice")).to_have_attribute(
        "href", "/privacy/"
    )
    submit_intake(page)  # nothing filled in: the error summary
    expect(page.locator("#error-summary")).to_be_focused()
    help_at["intake-errors"] = check_page(page, screenshot, axe_check, "intake-errors")
    fill_intake(page, Answers(email=f"{viewport}@example.com", phone="608-555-0123"))
    submit_intake(page)
    page.wait_for_url("**/intake/summary/")
    help_at["summary"] = check_page(page, screenshot, axe_check, "intake-summary")

    page.get_by_role("link", name="Continue to choose a time").click()
    choose_consultation(page, mode="Phone")
    choose_a_free_day(page)
    page.wait_for_url("**/book/time/**")
    help_at["times"] = check_page(page, screenshot, axe_check, "choose-time")
    slots = page.locator("a.time-button")
    names = slots.evaluate_all("links => links.map(a => a.getAttribute('aria-label'))")
    assert names and all(SLOT_NAME.match(name) for name in names), names[:3]
    first = slots.first
    visible = first.inner_text().strip().split()[0]  # "9:00", with "AM" after it
    expect(page.get_by_role("link", name=names[0], exact=True)).to_have_count(1)
    assert visible in names[0]
    first.click()
    page.wait_for_url("**/book/review/**")
    # No re-entry: nothing the intake asked is asked again on the way to the booking.
    assert page.locator("main input:not([type=hidden])").evaluate_all(
        "inputs => inputs.filter(i => !i.closest('.hp-field')).length"
    ) == 0
    confirm_booking(page)

    page.wait_for_url("**/book/confirmed/")
    help_at["confirmed"] = check_page(page, screenshot, axe_check, "confirmed")
    before = page.locator(".visit-info")
    assert "The pharmacist calls you on (608) 555-0123, the number you gave us" in before.inner_text()
    assert "What to have ready" in before.inner_text() and "In person" not in before.inner_text()
    assert_focus_never_hidden(page)

    page.go_back()  # to the review page, whose time is now this patient's own booking
    expect(page.get_by_role("heading", name="This is your booking")).to_be_visible()
    expect(page.get_by_text("no longer free")).to_have_count(0)
    help_at["back"] = check_page(page, screenshot, axe_check, "back-after-booking")

    page.get_by_role("link", name="See, change or cancel it").click()
    page.get_by_role("link", name="Change the time").click()
    choose_a_free_day(page)
    page.wait_for_url("**/reschedule/time/**")
    names = page.locator("a.time-button").evaluate_all("links => links.map(a => a.getAttribute('aria-label'))")
    assert names and all(SLOT_NAME.match(name) for name in names), names[:3]
    page.locator("a.time-button").last.click()
    page.get_by_role("button", name="Move my consultation").click()
    expect(page.get_by_text("Your consultation has been moved.")).to_be_visible()
    help_at["moved"] = check_page(page, screenshot, axe_check, "moved")
    manage_url = page.url
    # The emails so far, as the patient reads them (before the cancellation changes what they say).
    for kind, name in ((Notification.Kind.CONFIRMATION, "email-confirmation"),
                       (Notification.Kind.REMINDER, "email-reminder"),
                       (Notification.Kind.RESCHEDULED, "email-moved")):
        row = Notification.objects.filter(appointment__patient__email=f"{viewport}@example.com", kind=kind).last()
        render_email(page, row)
        if kind == Notification.Kind.RESCHEDULED:
            assert re.search(r"has moved from \w+day, .+ to \w+day, ", page.inner_text("body")), page.inner_text("body")
        expect(page.get_by_role("link", name="Change or cancel")).to_be_visible()
        screenshot(page, name)
        axe_check(page)

    page.goto(manage_url)
    page.get_by_role("link", name="Cancel the consultation").click()
    page.get_by_role("button", name="Yes, cancel it").click()
    expect(page.get_by_text("This consultation is cancelled.")).to_be_visible()
    help_at["cancelled"] = check_page(page, screenshot, axe_check, "cancelled")
    # Booking again starts at choosing a time: nothing the patient gave is asked again.
    page.get_by_role("link", name="Book another consultation").click()
    page.wait_for_url("**/book/")
    expect(page.get_by_role("button", name="Choose a day")).to_be_visible()
    assert page.get_by_label("Email address").count() == 0

    page.goto("/no-such-page/")
    help_at["404"] = check_page(page, screenshot, axe_check, "not-found")

    # Help is in the same place, the header's right-hand side, on every page.
    assert len(set(help_at.values())) == 1, help_at

    render_email(page, Notification.objects.get(appointment__patient__email=f"{viewport}@example.com",
                                                kind=Notification.Kind.CANCELLED))
    screenshot(page, "email-cancelled")
    axe_check(page)
    expect(page.get_by_role("link", name="Book again")).to_be_visible()


def test_focus_is_never_hidden_on_the_long_intake_page(phone, clinic):
    phone.goto("/intake/")
    assert_focus_never_hidden(phone, stops=70)


def test_the_header_phone_link_is_a_big_enough_target_on_a_small_phone(phone, clinic, screenshot):
    phone.goto("/")
    box = phone.locator("header .site-help").bounding_box()
    screenshot(phone, "header")
    assert box["height"] >= 24 and box["width"] >= 24, box


def test_methadone_is_named_as_treatment_and_the_reason_is_given_once(phone, clinic, screenshot, axe_check):
    phone.goto("/intake/")
    fill_intake(phone, Answers(email="meth@example.com", medications=[("methadone", "80 mg", "daily"),
                                                                      ("Norco 5/325", "1 tablet", "at night")]))
    submit_intake(phone)
    phone.wait_for_url("**/intake/summary/")
    main = phone.locator("main").inner_text()
    screenshot(phone, "methadone-notice")
    axe_check(phone)

    assert "in treatment with methadone or buprenorphine" in main
    assert "keep taking your treatment exactly as prescribed" in main
    assert "pain" not in phone.locator(".summary-note--important").inner_text().lower()
    assert main.count("bring on withdrawal") == 1, main


def test_the_front_desk_is_told_what_it_can_do_on_a_403(desktop, clinic, screenshot):
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.factories import IntakeFactory, UserFactory

    ensure_staff_groups()
    user = UserFactory(username="dora", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    intake = IntakeFactory()
    sign_in_to_admin(desktop, username="dora", device=device)
    desktop.wait_for_url("**/admin/**")

    response = desktop.goto(f"/admin/patients/intake/{intake.pk}/change/")

    assert response.status == 403
    expect(desktop.get_by_role("heading", name="This page is not open to your login")).to_be_visible()
    expect(desktop.get_by_text("Book a consultation for a caller")).to_be_visible()
    screenshot(desktop, "staff-403")
    desktop.get_by_role("link", name="Back to Today").click()
    expect(desktop.get_by_role("heading", name=re.compile("Today"))).to_be_visible()


def test_staff_sign_in_takes_pasted_and_saved_passwords(desktop, clinic, screenshot):
    desktop.context.grant_permissions(["clipboard-read", "clipboard-write"])
    desktop.goto("/admin/login/")
    fields = {"#id_username": "username", "#id_password": "current-password", "#id_otp_token": "one-time-code"}
    for selector, autocomplete in fields.items():
        field = desktop.locator(selector)
        expect(field).to_have_attribute("autocomplete", autocomplete)
        desktop.evaluate("text => navigator.clipboard.writeText(text)", "pasted-123456"[:6] if "otp" in selector else "pasted-123456")
        field.focus()
        desktop.keyboard.press("Control+V")
        expect(field).not_to_have_value("")
    screenshot(desktop, "sign-in-pasted")


def test_the_favicon_is_there(desktop, clinic):
    response = desktop.goto("/favicon.ico")
    assert response.ok and "svg" in response.headers["content-type"]
