"""A very long patient name in the intake queue and the schedule at 1280 px: every column and the
screening badge stay on screen, the name wraps and stays whole (issue #17, point 6)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from patients.models import ScreeningFlag
from tests.e2e.journey import pharmacist_with_device, sign_in_to_admin
from tests.factories import AppointmentFactory, PatientFactory
from tests.staff import flagged_intake

FIRST = "Maximiliana-Alexandrina Konstantina Evangelina"
# One word with no place to break: the hardest case for a table cell.
LAST = "Wolfeschlegelsteinhausenbergerdorffvortkrasteinwoltheranberger-Papadopoulou"
QUEUE = reverse("admin:patients_intake_changelist")
SCHEDULE = reverse("admin:consultations_appointment_changelist")


@pytest.fixture
def long_named(clinic):
    patient = PatientFactory(first_name=FIRST, last_name=LAST)
    intake = flagged_intake(patient=patient, severity=ScreeningFlag.Severity.CONTRAINDICATION)
    AppointmentFactory(
        intake=intake, patient=patient, pharmacist=clinic.pharmacist, consultation_type=clinic.kind
    )
    return patient


def offscreen(page, selector):
    """The elements matching `selector` not wholly in view: outside the window, or cut off by a
    scrolling or clipping box around them (the changelist's table scrolls sideways)."""
    return page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)].filter((el) => {
            const box = el.getBoundingClientRect();
            if (box.left < 0 || box.right > window.innerWidth + 0.5) return true;
            for (let up = el.parentElement; up; up = up.parentElement) {
                const style = getComputedStyle(up);
                if (style.overflowX === "visible") continue;
                const clip = up.getBoundingClientRect();
                if (box.left < clip.left - 0.5 || box.right > clip.left + up.clientWidth + 0.5) return true;
            }
            return false;
        }).map((el) => el.textContent.trim())""",
        selector,
    )


def test_long_names_keep_every_column_of_the_queue_and_the_schedule_on_screen(
    desktop, phone, clinic, long_named, screenshot
):
    user, device = pharmacist_with_device(clinic.pharmacist)
    sign_in_to_admin(desktop, username=user.username, device=device)
    expect(desktop.get_by_role("heading", name="Today's work")).to_be_visible()

    for url, name, columns in (
        (QUEUE, "intake-queue", ["patient", "screening", "submitted", "review status", "upcoming"]),
        (SCHEDULE, "schedule", ["when", "patient", "phone", "pharmacist", "consultation type", "mode", "status", "intake"]),
    ):
        desktop.goto(url)
        name_cell = desktop.locator("#result_list tbody tr").first.get_by_role("link", name=f"{FIRST} {LAST}")
        expect(name_cell).to_be_visible()
        screenshot(desktop, name)

        headers = desktop.locator("#result_list thead th").all_inner_texts()
        for column in columns:
            assert any(column in header.lower() for header in headers), (column, headers)
        assert offscreen(desktop, "#result_list thead th") == [], name
        assert offscreen(desktop, "#result_list tbody td, #result_list tbody th") == [], name
        assert desktop.evaluate("document.documentElement.scrollWidth") <= 1280, name
        # The name is whole in the page, wrapped rather than cut.
        assert name_cell.inner_text().replace("\n", " ").split() == f"{FIRST} {LAST}".split()

    desktop.goto(QUEUE)
    badge = desktop.locator("#result_list .wt-badge").first
    expect(badge).to_be_visible()
    assert offscreen(desktop, "#result_list .wt-badge") == []

    # On a phone the table scrolls sideways, as before; the name's column stays narrow.
    phone.context.add_cookies(desktop.context.cookies())  # the same signed-in session
    phone.goto(QUEUE)
    expect(phone.get_by_role("link", name=f"{FIRST} {LAST}")).to_be_visible()
    screenshot(phone, "intake-queue-phone")
    assert phone.locator("#result_list td.field-patient_name, #result_list th.field-patient_name").first.bounding_box()[
        "width"
    ] <= 16 * 16 + 1
