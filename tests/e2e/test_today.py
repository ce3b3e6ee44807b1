"""Today in a real browser: a pharmacist's own day with what screening noticed, a quick action,
everyone's day, the week; and the front desk's day on a phone, with nothing clinical on it.

The clock is set to 11:05 tomorrow in Chicago (ticking), so the day holds consultations that are
over, one in progress and some to come whatever time the suite runs; tomorrow, so the cookies the
server sets are never already expired for the browser, which keeps the real time.
"""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import Appointment
from patients.models import Intake
from tests.e2e.conftest import _watched_page, assert_no_horizontal_scroll, has_no_horizontal_scroll
from tests.e2e.journey import ensure_staff_groups, pharmacist_with_device, sign_in_to_admin
from tests.factories import (
    AppointmentFactory,
    IntakeFactory,
    PatientFactory,
    PharmacistFactory,
    ScreeningFlagFactory,
    UserFactory,
)
from tests.staff import assert_nothing_clinical, flagged_intake

TODAY = reverse("admin:consultations_appointment_today")
IPHONE = {"width": 390, "height": 844}


@pytest.fixture
def day(clinic):
    """Tomorrow in Chicago, with the clock at 11:05 that morning."""
    tomorrow = timezone.localdate() + timedelta(days=1)
    at = datetime.combine(tomorrow, time(11, 5), tzinfo=timezone.get_current_timezone())
    with time_machine.travel(at, tick=True):
        yield tomorrow


@pytest.fixture
def iphone(browser, live_server, transactional_db):
    """A page 390 px wide, as on a current iPhone."""
    yield from _watched_page(browser, live_server, IPHONE)


def local(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


def consult(pharmacist, kind, start, *, first, last, mode, intake="clear", **fields):
    patient = PatientFactory(first_name=first, last_name=last, phone="+16085550100", preferred_contact="text")
    if intake == "flagged":
        fields["intake"] = flagged_intake(patient=patient)
    elif intake is None:
        fields.update(intake=None, patient=patient)
    else:
        fields["intake"] = IntakeFactory(patient=patient, review_status=Intake.ReviewStatus.CLEARED)
    return AppointmentFactory(pharmacist=pharmacist, consultation_type=kind, start=start, mode=mode, **fields)


@pytest.fixture
def the_day(day, clinic):
    charlie = clinic.pharmacist
    charlie.meeting_link = "https://zoom.us/j/5550142"
    charlie.save()
    dana = PharmacistFactory(
        user=UserFactory(username="dana", first_name="Dana", is_staff=True), display_name="Dana Diaz, PharmD",
        location=clinic.location,
    )
    kind = clinic.kind
    flagged = consult(charlie, kind, local(day, 9), first="Alice", last="Anders", mode=Appointment.Mode.IN_PERSON,
                      intake="flagged")
    ScreeningFlagFactory(medication=flagged.intake.medications.get(), severity="caution",
                         earliest_start=day + timedelta(days=6))
    consult(charlie, kind, local(day, 10, 30), first="Ben", last="Brooks", mode=Appointment.Mode.PHONE)
    arriving = consult(charlie, kind, local(day, 11), first="Carla", last="Cruz", mode=Appointment.Mode.IN_PERSON)
    consult(charlie, kind, local(day, 13), first="Dev", last="Desai", mode=Appointment.Mode.VIDEO)
    consult(dana, kind, local(day, 14, 30), first="Erin", last="Ellis", mode=Appointment.Mode.VIDEO)
    consult(charlie, kind, local(day, 15, 30), first="Frank", last="Fox", mode=Appointment.Mode.PHONE, intake=None)
    consult(charlie, kind, local(day, 16), first="Gina", last="Gold", mode=Appointment.Mode.PHONE,
            status=Appointment.Status.CANCELLED)
    return {"arriving": arriving}


def names_in_order(page):
    return [name.strip() for name in page.locator(".wt-consultation__name").all_inner_texts()]


def test_a_pharmacist_runs_the_day_from_today(desktop, clinic, the_day, screenshot, axe_check):
    user, device = pharmacist_with_device(clinic.pharmacist)
    sign_in_to_admin(desktop, username=user.username, device=device)

    expect(desktop.get_by_role("heading", name="Today's work")).to_be_visible()
    screenshot(desktop, "admin-home-with-today")
    desktop.get_by_role("link", name="Open Today").click()

    expect(desktop.locator("#content h1")).to_contain_text("Today,")
    assert names_in_order(desktop) == [
        "Alice Anders", "Ben Brooks", "Carla Cruz", "Dev Desai", "Frank Fox", "Gina Gold",
    ]  # Charlie's own day; Dana's 2:30 PM is not in it
    first = desktop.locator(".wt-consultation").first
    expect(first).to_contain_text("Flagged, not reviewed yet")
    expect(first).to_contain_text("Contraindication")
    expect(first).to_contain_text("Earliest LDN start")
    expect(desktop.locator(".wt-consultation", has_text="Frank Fox")).to_contain_text("Intake not done")
    expect(desktop.locator(".wt-consultation", has_text="Dev Desai").get_by_role("link", name="Open the video link")) \
        .to_have_attribute("href", "https://zoom.us/j/5550142")
    screenshot(desktop, "today-pharmacist-1280")
    axe_check(desktop)

    desktop.get_by_role("button", name="Mark Carla Cruz as arrived").click()
    expect(desktop.locator(".messagelist .success")).to_contain_text("Carla Cruz (11:00 AM) marked as arrived")
    expect(desktop.locator(".wt-consultation", has_text="Carla Cruz")).to_contain_text("Arrived 11:")
    the_day["arriving"].refresh_from_db()
    assert the_day["arriving"].arrived_at is not None
    desktop.get_by_role("button", name="Mark Ben Brooks as attended").click()
    expect(desktop.locator(".wt-consultation", has_text="Ben Brooks")).to_contain_text("Completed")
    screenshot(desktop, "today-after-quick-actions")

    desktop.get_by_label("Pharmacist").select_option(label="All pharmacists")
    desktop.get_by_role("button", name="Show", exact=True).click()
    expect(desktop.locator(".wt-consultation", has_text="Erin Ellis")).to_contain_text(
        "No video link set — add one to the pharmacist or the appointment"
    )
    assert "Erin Ellis" in names_in_order(desktop)
    screenshot(desktop, "today-all-pharmacists-1280")

    desktop.get_by_role("link", name="Show the week (Mon–Sun)").click()
    expect(desktop.locator("#content h1")).to_contain_text("Week of")
    expect(desktop.locator(".wt-week-day")).to_have_count(7)
    screenshot(desktop, "week-1280")
    axe_check(desktop)

    desktop.set_viewport_size(IPHONE)
    desktop.goto(TODAY)
    assert has_no_horizontal_scroll(desktop)
    screenshot(desktop, "today-pharmacist-390")


def test_the_front_desk_sees_the_day_on_a_phone_with_nothing_clinical(iphone, the_day, screenshot, axe_check):
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    ensure_staff_groups()
    desk = UserFactory(username="frontdesk", first_name="Fiona", is_staff=True)
    desk.groups.add(Group.objects.get(name="Front desk"))
    device = TOTPDevice.objects.create(user=desk, name="phone", confirmed=True)
    sign_in_to_admin(iphone, username=desk.username, device=device)
    expect(iphone.get_by_role("link", name="Open Today")).to_be_visible()

    iphone.get_by_role("link", name="Today", exact=True).click()
    assert_no_horizontal_scroll(iphone)

    assert names_in_order(iphone) == [
        "Alice Anders", "Ben Brooks", "Carla Cruz", "Dev Desai", "Erin Ellis", "Frank Fox", "Gina Gold",
    ]  # everyone's day
    html = iphone.content()
    assert_nothing_clinical(html)
    for word in ("opioid", "flagged", "earliest ldn", "wt-badge--contraindication"):
        assert word not in html.lower()
    expect(iphone.locator(".wt-consultation", has_text="Alice Anders")).to_contain_text("(608) 555-0100")
    screenshot(iphone, "today-front-desk-390")
    axe_check(iphone)
