"""Steps of the patient's journey, written once for the browser tests.

Each step drives the page the way a patient does (by labels and button names), so a test reads
as the journey: ``fill_intake(page, medications=[...])``, then ``choose_first_time(page)``.
"""

import re
from dataclasses import dataclass, field

from playwright.sync_api import expect


@dataclass
class Answers:
    first_name: str = "Dana"
    last_name: str = "Dorsey"
    date_of_birth: str = "1980-04-12"  # yyyy-mm-dd, what <input type=date> takes from fill()
    email: str = "dana@example.com"
    phone: str = "608-555-0123"
    pregnancy: str = "Not applicable"
    # The direct question, by the label of the answer; after "I stopped", which one and the last
    # dose (yyyy-mm-dd).
    opioid_use: str = "No"
    opioid_stopped_what: str = ""
    opioid_last_dose: str = ""
    medications: list = field(default_factory=lambda: [("metformin", "500 mg", "twice a day")])
    conditions: tuple = ("Chronic pain",)
    has_ldn_prescription: bool = False


def fill_intake(page, answers, *, screenshot=None):
    """Fill the intake with the mouse-free `fill`/`check` calls a fast typist would produce."""
    page.get_by_label("First name").fill(answers.first_name)
    page.get_by_label("Last name").fill(answers.last_name)
    page.get_by_label("Date of birth").fill(answers.date_of_birth)
    page.get_by_label("Email address").fill(answers.email)
    page.get_by_role("textbox", name=re.compile(r"^Phone number")).fill(answers.phone)
    page.get_by_role("radio", name=answers.pregnancy, exact=True).check()
    answer_opioid_question(page, answers)
    for index, (text, dose, how_often) in enumerate(answers.medications):
        if index > 0:
            page.get_by_role("button", name="Add another medication").click()
            # The new row is there before anything is typed: added in the page, or, before the script
            # has run, by the server after the form is posted (a reload that would drop later clicks).
            expect(page.get_by_label("Medication or supplement")).to_have_count(index + 1)
            page.wait_for_load_state()
        page.get_by_label("Medication or supplement").nth(index).fill(text)
        if dose:  # a patient leaves an optional box alone; each fill is a round trip to Chromium
            page.get_by_label("Dose", exact=True).nth(index).fill(dose)
        if how_often:
            page.get_by_label("How often").nth(index).fill(how_often)
    if not answers.medications:
        page.get_by_label("I take no medications or supplements").check()
    for condition in answers.conditions:
        page.get_by_role("checkbox", name=condition, exact=True).check()
    page.get_by_role("group", name=re.compile("prescription for LDN")).get_by_role(
        "radio", name="Yes" if answers.has_ldn_prescription else "No", exact=True
    ).check()
    page.get_by_label("I have read the privacy notice").check()
    page.get_by_label("I understand that the consultation").check()
    page.get_by_label("I agree that the pharmacy may contact me").check()
    if screenshot:
        screenshot(page, "intake-filled")


def opioid_question(page):
    return page.get_by_role("group", name=re.compile("Have you taken any opioid recently"))


def answer_opioid_question(page, answers):
    opioid_question(page).get_by_role("radio", name=answers.opioid_use, exact=True).check()
    if answers.opioid_use == "I stopped":
        page.get_by_label("Which one?").fill(answers.opioid_stopped_what)
        page.get_by_label("Date of your last dose").fill(answers.opioid_last_dose)


def submit_intake(page):
    page.get_by_role("button", name="Continue to choose a time").click()


# --- Keyboard only ------------------------------------------------------------------------------
def focused(page):
    return page.evaluate(
        r"""() => { const e = document.activeElement;
                   return {tag: e.tagName.toLowerCase(), type: e.type || '', name: e.name || '',
                           id: e.id || '', text: (e.innerText || e.value || '').trim(),
                           classes: (typeof e.className === 'string' ? e.className : '').split(/\s+/),
                           checked: !!e.checked}; }"""
    )


def tab_to(page, matches, *, limit=80, backwards=False):
    """Press Tab until the focused element satisfies ``matches(focused_info)``; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        info = focused(page)
        if matches(info):
            return info
    raise AssertionError(f"Tab did not reach the wanted element in {limit} presses (last: {focused(page)})")


def by_name(name):
    return lambda info: info["name"] == name


def by_text(text):
    return lambda info: info["text"] == text


def type_into(page, name, text):
    tab_to(page, by_name(name))
    page.keyboard.type(text)


def choose_radio(page, name, value_label):
    """Tab into a radio group, then move with the arrow keys until the wanted option is checked."""
    tab_to(page, by_name(name))
    for _ in range(12):
        label = page.evaluate("document.activeElement.labels[0].innerText.trim()")
        if label == value_label:
            if not focused(page)["checked"]:
                page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {value_label!r} in radio group {name}")


def tick(page, matches):
    tab_to(page, matches)
    if not focused(page)["checked"]:
        page.keyboard.press("Space")


def fill_intake_by_keyboard(page, answers):
    """The whole intake with the keyboard alone: Tab, typing, arrows and Space."""
    type_into(page, "patient-first_name", answers.first_name)
    type_into(page, "patient-last_name", answers.last_name)
    tab_to(page, by_name("patient-date_of_birth"))
    year, month, day = answers.date_of_birth.split("-")
    page.keyboard.type(f"{month}{day}{year}")  # Chromium's en-US date field: mm dd yyyy
    type_into(page, "patient-email", answers.email)
    type_into(page, "patient-phone", answers.phone)
    choose_radio(page, "intake-pregnancy_status", answers.pregnancy)
    choose_radio(page, "intake-opioid_use", answers.opioid_use)
    if answers.opioid_use == "I stopped":
        type_into(page, "intake-opioid_stopped_what", answers.opioid_stopped_what)
        tab_to(page, by_name("intake-opioid_last_dose"))
        year, month, day = answers.opioid_last_dose.split("-")
        page.keyboard.type(f"{month}{day}{year}")
    for index, (text, dose, how_often) in enumerate(answers.medications):
        if index > 0:
            tab_to(page, by_text("Add another medication"))
            page.keyboard.press("Enter")
            # The new row takes the focus (in the page with JavaScript, by autofocus without).
            page.wait_for_function(f"document.activeElement.name === 'med-{index}-text'")
            page.keyboard.type(text)
        else:
            type_into(page, f"med-{index}-text", text)
        type_into(page, f"med-{index}-dose", dose)
        type_into(page, f"med-{index}-frequency", how_often)
    if not answers.medications:
        tick(page, by_name("intake-takes_no_medications"))
    for condition in answers.conditions:
        tick(page, lambda info, c=condition: info["name"] == "intake-conditions" and page.evaluate(
            "document.activeElement.labels[0].innerText.trim()") == c)
    choose_radio(page, "intake-has_ldn_prescription", "Yes" if answers.has_ldn_prescription else "No")
    tick(page, by_name("intake-consent_privacy"))
    tick(page, by_name("intake-consent_not_diagnosis"))
    tick(page, by_name("intake-consent_contact"))
    tab_to(page, by_text("Continue to choose a time"))
    with page.expect_navigation():
        page.keyboard.press("Enter")


# --- Booking ------------------------------------------------------------------------------------
def choose_consultation(page, *, mode="Phone"):
    """book/: the consultation, how to talk, first available pharmacist."""
    kind = page.get_by_role("radio", name=re.compile("^LDN consultation"))
    if not kind.is_checked():
        kind.check()
    page.get_by_role("radio", name=mode, exact=True).check()
    page.get_by_role("button", name="Choose a day").click()


def choose_a_free_day(page):
    """The day grid: the second day with free times, so the earliest time of that day is a day or
    more ahead and cannot slip inside the minimum notice while the test runs."""
    page.locator("a.day-free").nth(1).click()


def choose_first_time(page):
    page.locator("a.time-button").first.click()


def confirm_booking(page):
    page.get_by_role("button", name="Confirm booking").click()


# --- Staff ----------------------------------------------------------------------------------------
STAFF_PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory's password


def book_from_the_summary(page, *, mode="Phone"):
    """From the intake summary to the confirmed page, taking the first free time."""
    page.get_by_role("link", name="Continue to choose a time").click()
    choose_consultation(page, mode=mode)
    choose_a_free_day(page)
    choose_first_time(page)
    confirm_booking(page)
    page.wait_for_url("**/book/confirmed/")


def ensure_staff_groups():
    """The staff groups as their data migration made them. A transactional test's flush leaves them
    so (tests/conftest.py, put_back_staff_roles): one query then, sync_roles only if they differ."""
    from django.apps import apps

    from backoffice.roles import sync_roles
    from tests.conftest import ROLES_AS_MIGRATED, staff_roles_now

    if not ROLES_AS_MIGRATED or staff_roles_now() != ROLES_AS_MIGRATED:
        sync_roles(apps)


def pharmacist_with_device(pharmacist):
    """The pharmacist's login in the Pharmacist group, with a confirmed TOTP device."""
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    ensure_staff_groups()
    user = pharmacist.user
    user.groups.add(Group.objects.get(name="Pharmacist"))
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def current_code(device):
    """What the pharmacist's authenticator app shows now."""
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def sign_in_to_admin(page, *, username, device, password=STAFF_PASSWORD, screenshot=None):
    from django.conf import settings

    page.goto(f"/{settings.ADMIN_URL}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("#id_otp_token").fill(current_code(device))
    if screenshot:
        screenshot(page, "admin-sign-in")
    page.locator('#login-form input[type="submit"][value="Log in"]').click()


def press_enter_and_wait(page):
    with page.expect_navigation():
        page.keyboard.press("Enter")


def by_class(name):
    return lambda info: name in info["classes"]


def book_a_free_time_by_keyboard(page, *, mode="Phone"):
    """From book/ to the confirmation with the keyboard alone."""
    tick(page, by_name("type"))
    choose_radio(page, "mode", mode)
    tab_to(page, by_text("Choose a day"))
    press_enter_and_wait(page)
    tab_to(page, by_class("day-free"))
    tab_to(page, by_class("day-free"))  # the second free day: see choose_a_free_day
    press_enter_and_wait(page)
    tab_to(page, by_class("time-button"))
    press_enter_and_wait(page)
    tab_to(page, by_text("Confirm booking"))
    press_enter_and_wait(page)
