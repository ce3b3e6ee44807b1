"""A patient with an ordinary medication list books a consultation on a phone, and the email arrives."""

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from consultations.forms import StartForm, iso_start
from consultations.models import Appointment
from tests.e2e.conftest import assert_no_horizontal_scroll, plain_text, wait_for_mail
from tests.e2e.journey import (
    Answers,
    book_a_free_time_by_keyboard,
    choose_a_free_day,
    choose_consultation,
    choose_first_time,
    confirm_booking,
    fill_intake,
    fill_intake_by_keyboard,
    press_enter_and_wait,
    submit_intake,
    tab_to,
)
from tests.factories import AppointmentFactory


def check_step(page, screenshot, axe_check, name):
    """What holds on every page of the journey: it fits the phone, passes axe, and is recorded."""
    assert_no_horizontal_scroll(page)
    screenshot(page, name)
    axe_check(page)


def test_patient_books_a_time_on_a_phone_and_the_confirmation_email_arrives(
    phone, clinic, celery_e2e_worker, mailbox, screenshot, axe_check
):
    answers = Answers(email="erin@example.com", first_name="Erin",
                      medications=[("metformin", "500 mg", "twice a day"), ("vitamin D3", "2000 IU", "daily")])
    phone.goto("/")
    check_step(phone, screenshot, axe_check, "home")
    phone.get_by_role("link", name="Start your intake").first.click()

    check_step(phone, screenshot, axe_check, "intake")
    fill_intake(phone, answers)
    submit_intake(phone)

    phone.wait_for_url("**/intake/summary/")
    check_step(phone, screenshot, axe_check, "intake-summary")
    phone.get_by_role("link", name="Continue to choose a time").click()

    phone.wait_for_url("**/book/")
    check_step(phone, screenshot, axe_check, "choose-consultation")
    phone.get_by_role("button", name="Choose a day").click()  # nothing chosen yet
    expect(phone.locator("#error-summary")).to_be_focused()
    assert phone.title().startswith("Error:")
    summary_links = phone.locator("#error-summary").get_by_role("link")
    expect(summary_links).to_have_count(2)  # which consultation, and how
    for href in summary_links.evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        assert phone.locator(href).count() == 1, f"the summary links to {href}, which is not on the page"
    check_step(phone, screenshot, axe_check, "choose-consultation-errors")
    choose_consultation(phone, mode="Phone")

    phone.wait_for_url("**/book/day/**")
    check_step(phone, screenshot, axe_check, "choose-day")
    choose_a_free_day(phone)

    phone.wait_for_url("**/book/time/**")
    check_step(phone, screenshot, axe_check, "choose-time")
    chosen = phone.locator("a.time-button").first.inner_text()
    choose_first_time(phone)

    phone.wait_for_url("**/book/review/**")
    check_step(phone, screenshot, axe_check, "review")
    confirm_booking(phone)

    phone.wait_for_url("**/book/confirmed/")
    expect(phone.get_by_role("heading", name="Your consultation is booked")).to_be_visible()
    assert phone.locator('[aria-current="step"]').inner_text().strip().endswith("Confirmed")
    check_step(phone, screenshot, axe_check, "confirmed")

    appointment = Appointment.objects.get(patient__email="erin@example.com")
    assert appointment.status == Appointment.Status.BOOKED
    mail = wait_for_mail(mailbox, to="erin@example.com")
    assert len(mail) == 1, f"expected one confirmation, the SMTP server has {len(mailbox.messages)} message(s)"
    body = plain_text(mail[0])
    assert f"/appointments/{appointment.manage_token}/" in body
    assert chosen.split()[0] in body  # the time the patient picked, e.g. 9:30
    for private in ("metformin", "vitamin", "Chronic pain"):
        assert private.lower() not in mail[0].as_string().lower()
    assert re.search(r"booked|confirm", str(mail[0]["Subject"]), re.I)


def test_the_journey_from_home_to_confirmation_by_keyboard_alone(phone, clinic, screenshot):
    answers = Answers(email="ivan@example.com", first_name="Ivan", medications=[("lisinopril", "10 mg", "daily")])
    phone.goto("/")

    tab_to(phone, lambda info: info["text"] == "Start your intake")
    press_enter_and_wait(phone)
    fill_intake_by_keyboard(phone, answers)
    phone.wait_for_url("**/intake/summary/")
    screenshot(phone, "summary")
    tab_to(phone, lambda info: info["text"] == "Continue to choose a time")
    press_enter_and_wait(phone)
    book_a_free_time_by_keyboard(phone, mode="In person")

    phone.wait_for_url("**/book/confirmed/")
    expect(phone.get_by_role("heading", name="Your consultation is booked")).to_be_visible()
    screenshot(phone, "confirmed")
    appointment = Appointment.objects.get(patient__email="ivan@example.com")
    assert appointment.mode == Appointment.Mode.IN_PERSON


def test_a_time_taken_while_the_patient_reviews_is_refused_kindly_with_fresh_times(
    phone, clinic, screenshot, axe_check
):
    phone.goto("/intake/")
    fill_intake(phone, Answers(email="jo@example.com", first_name="Jo"))
    submit_intake(phone)
    phone.get_by_role("link", name="Continue to choose a time").click()
    choose_consultation(phone, mode="Phone")
    choose_a_free_day(phone)
    choose_first_time(phone)
    phone.wait_for_url("**/book/review/**")
    start = StartForm({"start": parse_qs(urlsplit(phone.url).query)["start"][0]})
    assert start.is_valid()
    AppointmentFactory(  # someone else books that very time first
        pharmacist=clinic.pharmacist, consultation_type=clinic.kind, start=start.cleaned_data["start"],
    )

    confirm_booking(phone)

    expect(phone.get_by_text(re.compile("just (been )?taken|no longer free|was taken", re.I))).to_be_visible()
    taken = phone.locator(f'a.time-button[href*="{iso_start(start.cleaned_data["start"])}"]')
    expect(taken).to_have_count(0)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "time-taken")
    axe_check(phone)

    choose_first_time(phone)
    confirm_booking(phone)
    phone.wait_for_url("**/book/confirmed/")
    assert Appointment.objects.filter(patient__email="jo@example.com", status=Appointment.Status.BOOKED).count() == 1


def test_the_journey_reads_well_on_a_desktop(desktop, clinic, screenshot, axe_check):
    desktop.goto("/intake/")
    check_step(desktop, screenshot, axe_check, "intake")
    fill_intake(desktop, Answers(email="kim@example.com", first_name="Kim", pregnancy="Breastfeeding"))
    submit_intake(desktop)
    desktop.wait_for_url("**/intake/summary/")
    check_step(desktop, screenshot, axe_check, "intake-summary")
    desktop.get_by_role("link", name="Continue to choose a time").click()
    check_step(desktop, screenshot, axe_check, "choose-consultation")
    choose_consultation(desktop, mode="In person")
    check_step(desktop, screenshot, axe_check, "choose-day")
    choose_a_free_day(desktop)
    check_step(desktop, screenshot, axe_check, "choose-time")
    choose_first_time(desktop)
    check_step(desktop, screenshot, axe_check, "review")
    confirm_booking(desktop)
    desktop.wait_for_url("**/book/confirmed/")
    check_step(desktop, screenshot, axe_check, "confirmed")
