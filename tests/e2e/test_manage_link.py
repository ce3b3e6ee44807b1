"""Reschedule and cancel through the link in the confirmation email, at phone width."""

import re

from playwright.sync_api import expect

from consultations.models import Appointment
from tests.e2e.conftest import assert_no_horizontal_scroll, plain_text, wait_for_mail
from tests.e2e.journey import (
    Answers,
    book_from_the_summary,
    choose_a_free_day,
    fill_intake,
    submit_intake,
)


def book(page, email):
    page.goto("/intake/")
    fill_intake(page, Answers(email=email))
    submit_intake(page)
    book_from_the_summary(page, mode="Video")


def manage_link(message):
    found = re.search(r"https?://\S+/appointments/[A-Za-z0-9_-]+/", plain_text(message))
    assert found, "the email has no manage link"
    return found.group(0)


def test_patient_reschedules_then_cancels_through_the_link_in_the_email(
    phone, clinic, celery_e2e_worker, mailbox, screenshot, axe_check
):
    book(phone, "hana@example.com")
    appointment = Appointment.objects.get(patient__email="hana@example.com")
    first_start = appointment.start
    confirmation = wait_for_mail(mailbox, to="hana@example.com")
    assert len(confirmation) == 1, "no confirmation email arrived"

    phone.goto(manage_link(confirmation[0]))
    expect(phone.get_by_role("heading", name="Your consultation")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "manage")
    axe_check(phone)

    phone.get_by_role("link", name="Change the time").click()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "reschedule-day")
    axe_check(phone)
    choose_a_free_day(phone)
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "reschedule-time")
    axe_check(phone)
    # Any time but the one already booked.
    phone.locator("a.time-button").nth(1).click()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "reschedule-review")
    axe_check(phone)
    phone.get_by_role("button", name=re.compile("^(Confirm|Change|Move)", re.I)).click()

    expect(phone.get_by_role("heading", name="Your consultation")).to_be_visible()
    screenshot(phone, "rescheduled")
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED and appointment.start != first_start
    rescheduled = wait_for_mail(mailbox, to="hana@example.com", count=2)
    assert len(rescheduled) == 2, "no reschedule notice arrived"

    phone.goto(manage_link(rescheduled[-1]))
    phone.get_by_role("link", name="Cancel the consultation").click()
    expect(phone.get_by_role("heading", name="Cancel your consultation?")).to_be_visible()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED, "opening the cancel page only asks"
    screenshot(phone, "cancel-confirm")
    axe_check(phone)
    phone.get_by_role("button", name="Yes, cancel it").click()

    expect(phone.get_by_text("This consultation is cancelled")).to_be_visible()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "cancelled")
    axe_check(phone)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED
    cancelled = wait_for_mail(mailbox, to="hana@example.com", subject_contains="cancel")
    assert len(cancelled) == 1, "no cancellation notice arrived"
