"""The front desk books a consultation for a caller at 1280 px: finds nobody, enters the caller's
contact details, picks a time (inside the notice only with a reason) and books. Then finds a
known patient by phone number. Nothing clinical appears on any page of the flow."""

from datetime import date

from django.contrib.auth.models import Group
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from consultations import selectors
from consultations.models import Appointment
from patients.models import AuditEvent
from tests.e2e.journey import ensure_staff_groups, sign_in_to_admin
from tests.factories import PatientFactory, UserFactory
from tests.staff import CLINICAL_WORDS, flagged_intake


def front_desk_with_device():
    ensure_staff_groups()
    user = UserFactory(username="dora", first_name="Dora", is_staff=True)
    user.groups.add(Group.objects.get(name="Front desk"))
    return user, TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def assert_nothing_clinical(page):
    text = page.locator("#content").inner_text()
    for word in CLINICAL_WORDS:
        assert word not in text, f"clinical text {word!r} on {page.url}"


def test_front_desk_books_a_new_caller_by_phone(desktop, clinic, screenshot):
    ada = PatientFactory(first_name="Ada", last_name="Lovelace", phone="+16085550188", date_of_birth=date(1980, 4, 12))
    flagged_intake(patient=ada)
    user, device = front_desk_with_device()
    sign_in_to_admin(desktop, username=user.username, device=device)
    desktop.wait_for_url("**/admin/")

    desktop.goto("/admin/consultations/appointment/")
    desktop.get_by_role("link", name="Book for a caller").click()
    desktop.get_by_label("Name, phone, email or date of birth").fill("Mary Somerville")
    desktop.get_by_role("button", name="Find the patient").click()
    expect(desktop.get_by_text("No patient matches")).to_be_visible()
    screenshot(desktop, "nobody-found")

    desktop.get_by_role("link", name="New patient: enter their contact details").click()
    desktop.get_by_label("First name").fill("Mary")
    desktop.get_by_label("Last name").fill("Somerville")
    desktop.get_by_label("Date of birth").fill("1979-12-26")
    desktop.get_by_label("Email address").fill("mary@example.com")
    desktop.get_by_label("Phone number").fill("(608) 555-0177")
    desktop.locator('input[name="patient-preferred_contact"][value="phone"]').check()
    screenshot(desktop, "new-caller")
    desktop.get_by_role("button", name="Save and choose the consultation").click()

    expect(desktop.get_by_text("Booking for Mary Somerville")).to_be_visible()
    desktop.get_by_label("LDN consultation", exact=False).check()
    desktop.locator('input[name="mode"][value="phone"]').check()
    screenshot(desktop, "choose")
    desktop.get_by_role("button", name="Show free times").click()

    expect(desktop.get_by_role("heading", name="Free times on")).to_be_visible()
    screenshot(desktop, "times")
    assert_nothing_clinical(desktop)
    desktop.locator(".wt-book-times a").first.click()

    reason = desktop.get_by_label("Why at such short notice?")
    if reason.count():
        desktop.get_by_role("button", name="Book and email the patient").click()
        expect(desktop.locator(".errorlist")).to_contain_text("write why it is booked at such short notice")
        screenshot(desktop, "reason-needed")
        desktop.get_by_label("Why at such short notice?").fill("Caller starts a new job next week")
    screenshot(desktop, "review")
    assert_nothing_clinical(desktop)
    desktop.get_by_role("button", name="Book and email the patient").click()

    expect(desktop.locator(".messagelist .success")).to_contain_text("with a link to fill in the intake")
    screenshot(desktop, "booked")
    appointment = Appointment.objects.get(patient__email="mary@example.com")
    assert appointment.booked_by == user
    assert appointment.intake is None
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.ADD, object_type="consultations.appointment").exists()

    desktop.goto("/admin/consultations/appointment/book/")
    desktop.get_by_label("Name, phone, email or date of birth").fill("608.555.0188")
    desktop.get_by_role("button", name="Find the patient").click()
    expect(desktop.get_by_role("cell", name="Ada Lovelace")).to_be_visible()
    screenshot(desktop, "found-by-phone")
    assert_nothing_clinical(desktop)


def test_the_caller_fills_in_the_intake_from_the_emailed_link(phone, clinic, screenshot):
    from consultations import services

    desk = UserFactory(username="desk2", is_staff=True)
    mary = PatientFactory(first_name="Mary", email="mary@example.com")
    days = selectors.booking_days(consultation_type=clinic.kind, pharmacist=None, now=timezone.now())
    times = next(free for free in days.values() if free)
    appointment = services.appointment_book_for_caller(
        patient=mary, consultation_type=clinic.kind, mode="phone", start=times[0].start, by=desk
    )

    phone.goto(selectors.appointment_intake_url(appointment))

    expect(phone.get_by_label("Email address")).to_have_value("mary@example.com")
    expect(phone.get_by_role("button", name="Send my answers")).to_be_visible()
    screenshot(phone, "intake-from-the-link")


def test_a_pharmacist_enters_the_intake_with_the_caller(desktop, clinic, screenshot):
    from consultations import services
    from tests.e2e.journey import pharmacist_with_device

    user, device = pharmacist_with_device(clinic.pharmacist)
    mary = PatientFactory(first_name="Mary", last_name="Somerville", email="mary@example.com")
    days = selectors.booking_days(consultation_type=clinic.kind, pharmacist=None, now=timezone.now())
    times = next(free for free in days.values() if free)
    appointment = services.appointment_book_for_caller(
        patient=mary, consultation_type=clinic.kind, mode="phone", start=times[0].start, by=user
    )
    sign_in_to_admin(desktop, username=user.username, device=device)
    desktop.wait_for_url("**/admin/")

    desktop.goto(f"/admin/consultations/appointment/{appointment.pk}/change/")
    expect(desktop.get_by_text("Intake not done")).to_be_visible()
    desktop.get_by_role("link", name="Enter the intake with the patient").click()
    desktop.locator('input[name="intake-pregnancy_status"][value="not_applicable"]').check()
    desktop.locator('input[name="intake-opioid_use"][value="no"]').check()
    desktop.locator('input[name="med-0-text"]').fill("Tramadol 50 mg")
    desktop.locator('input[name="intake-conditions"][value="chronic_pain"]').check()
    desktop.locator('input[name="intake-has_ldn_prescription"][value="no"]').check()
    for consent in ("consent_privacy", "consent_not_diagnosis", "consent_contact"):
        desktop.locator(f'input[name="intake-{consent}"]').check()
    screenshot(desktop, "intake-entered-by-the-pharmacist")
    desktop.get_by_role("button", name="Save and screen the intake").click()

    expect(desktop.locator(".messagelist .success")).to_contain_text("Intake entered and screened")
    screenshot(desktop, "intake-attached")
    appointment.refresh_from_db()
    assert appointment.intake.flags.filter(code="opioid").exists()
    assert AuditEvent.objects.filter(user=user, action=AuditEvent.Action.ADD, object_type="patients.intake").exists()
