"""A pharmacist signs in to the admin with a password and a TOTP code, and records a review."""

from playwright.sync_api import expect

from patients.models import Intake
from tests.e2e.journey import Answers, fill_intake, pharmacist_with_device, sign_in_to_admin, submit_intake


def test_pharmacist_signs_in_with_two_factors_and_records_a_review(phone, desktop, clinic, screenshot):
    phone.goto("/intake/")
    fill_intake(phone, Answers(email="frank@example.com", first_name="Frank", last_name="Fischer",
                               medications=[("Norco 5/325", "1 tablet", "as needed")]))
    submit_intake(phone)
    phone.wait_for_url("**/intake/summary/")
    intake = Intake.objects.get(patient__email="frank@example.com")
    user, device = pharmacist_with_device(clinic.pharmacist)

    desktop.goto("/admin/")
    expect(desktop.locator("#id_otp_token"), "the admin login asks for the second factor").to_be_visible()
    sign_in_to_admin(desktop, username=user.username, device=device, screenshot=screenshot)

    expect(desktop.get_by_role("heading", name="Today's work")).to_be_visible()
    screenshot(desktop, "admin-index")
    desktop.get_by_role("link", name="Intakes", exact=True).first.click()
    screenshot(desktop, "intake-queue")
    desktop.get_by_role("link", name="Frank Fischer").click()
    # Read the intake page once it has loaded, not the page the click leaves (a fresh-clone run read '').
    desktop.wait_for_url(f"**/admin/patients/intake/{intake.pk}/change/")

    page_text = desktop.locator("#content").inner_text()
    assert "Norco 5/325" in page_text
    assert "Contraindication" in page_text
    assert "hydrocodone" in page_text.lower()  # the flag explains what it matched
    screenshot(desktop, "intake-detail")

    desktop.get_by_label("Review status").select_option(label="Not a candidate")
    desktop.get_by_label("Review notes").fill("Takes hydrocodone daily; discussed by phone.")
    desktop.locator('input[name="_save"]').click()

    expect(desktop.locator(".messagelist .success")).to_be_visible()
    screenshot(desktop, "review-saved")
    intake.refresh_from_db()
    assert intake.review_status == Intake.ReviewStatus.NOT_CANDIDATE
    assert intake.reviewed_by == user


def test_a_wrong_code_with_the_right_password_does_not_sign_in(desktop, clinic, screenshot):
    user, device = pharmacist_with_device(clinic.pharmacist)

    desktop.goto("/admin/")
    desktop.locator("#id_username").fill(user.username)
    desktop.locator("#id_password").fill("correct horse battery staple")
    desktop.locator("#id_otp_token").fill("000000")
    desktop.locator('#login-form input[type="submit"][value="Log in"]').click()

    expect(desktop.locator("#id_otp_token")).to_be_visible()
    expect(desktop.locator(".errornote, .errorlist").first).to_be_visible()
    screenshot(desktop, "wrong-code")
