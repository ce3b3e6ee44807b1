"""A patient who lists an opioid is told calmly, can still book, and the pharmacist sees why."""

from playwright.sync_api import expect

from consultations.models import Appointment
from patients.models import Intake
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.journey import (
    Answers,
    book_from_the_summary,
    fill_intake,
    pharmacist_with_device,
    sign_in_to_admin,
    submit_intake,
)


def test_norco_gets_the_opioid_notice_booking_stays_open_and_the_admin_shows_the_contraindication(
    phone, desktop, clinic, screenshot, axe_check
):
    phone.goto("/intake/")
    fill_intake(phone, Answers(email="gail@example.com", first_name="Gail", last_name="Gruber",
                               medications=[("Norco 5/325", "1 tablet", "twice a day")]))
    submit_intake(phone)

    phone.wait_for_url("**/intake/summary/")
    notice = phone.locator(".summary-note--important")
    expect(notice.get_by_role("heading", name="Something to talk through first")).to_be_visible()
    assert "opioid" in notice.inner_text()
    assert "Norco" in phone.locator(".noticed-list").inner_text()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "opioid-notice")
    axe_check(phone)

    book_from_the_summary(phone, mode="Phone")
    expect(phone.get_by_role("heading", name="Your consultation is booked")).to_be_visible()
    screenshot(phone, "booked-despite-opioid")
    appointment = Appointment.objects.get(patient__email="gail@example.com")
    assert appointment.status == Appointment.Status.BOOKED
    intake = Intake.objects.get(patient__email="gail@example.com")
    assert intake.screening_outcome == Intake.Outcome.CONTRAINDICATION

    user, device = pharmacist_with_device(clinic.pharmacist)
    sign_in_to_admin(desktop, username=user.username, device=device)
    desktop.goto(f"/admin/patients/intake/{intake.pk}/change/")
    screening = desktop.get_by_role("group", name="Screening", exact=True)
    assert "Contraindication" in screening.inner_text()
    medications = desktop.locator("#content").inner_text()
    assert "Norco 5/325" in medications and "hydrocodone" in medications.lower()
    screenshot(desktop, "admin-intake-contraindication")
