"""The direct opioid question, every typed answer screened, earlier intakes kept in view for the
pharmacist, and the 40-row medication list, in a real browser at phone and desktop widths."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from consultations.models import Appointment
from patients.models import Intake
from tests.e2e.conftest import assert_no_horizontal_scroll
from tests.e2e.journey import (
    Answers,
    book_from_the_summary,
    fill_intake,
    opioid_question,
    pharmacist_with_device,
    sign_in_to_admin,
    submit_intake,
)

NOTICE = "Something to talk through first"
CLEAR = "Nothing on your list needs special attention before you book"


@pytest.mark.parametrize(
    ("answer", "viewport", "heading", "outcome", "says"),
    [
        ("Yes, I take one now", "phone", NOTICE, "contraindication", "You told us you take an opioid now"),
        ("No", "desktop", CLEAR, "clear", "you answered \u201cNo\u201d"),
        ("I'm not sure", "phone", NOTICE, "contraindication", "You were not sure"),
    ],
    ids=["now", "no", "not-sure"],
)
def test_each_answer_to_the_direct_question(request, screenshot, axe_check, answer, viewport, heading, outcome, says):
    page = request.getfixturevalue(viewport)
    email = f"{outcome}-{viewport}@example.com"
    page.goto("/intake/")

    fill_intake(page, Answers(email=email, opioid_use=answer))
    screenshot(page, "answered")
    submit_intake(page)

    page.wait_for_url("**/intake/summary/")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    assert says in page.locator("main").inner_text()
    expect(page.get_by_role("link", name="Continue to choose a time")).to_be_visible()
    assert_no_horizontal_scroll(page)
    screenshot(page, "summary")
    axe_check(page)
    assert Intake.objects.get(patient__email=email).screening_outcome == outcome


def test_stopped_three_days_ago_asks_which_and_when_then_tells_the_patient_about_the_timing(
    phone, screenshot, axe_check
):
    three_days_ago = (timezone.localdate() - timedelta(days=3)).isoformat()
    phone.goto("/intake/")
    follow_up = phone.locator("#opioid-follow-up")
    expect(follow_up).to_be_hidden()

    fill_intake(phone, Answers(email="stopped@example.com", opioid_use="I stopped", opioid_stopped_what="oxycodone"))
    expect(follow_up).to_be_visible()
    # Changing the answer hides the boxes but keeps what was typed, for a change of mind.
    opioid_question(phone).get_by_role("radio", name="No", exact=True).check()
    expect(follow_up).to_be_hidden()
    opioid_question(phone).get_by_role("radio", name="I stopped", exact=True).check()
    expect(phone.get_by_label("Which one?")).to_have_value("oxycodone")
    screenshot(phone, "stopped-without-a-date")

    submit_intake(phone)

    last_dose = phone.get_by_label("Date of your last dose")
    expect(phone.locator("#error-summary")).to_contain_text("date of your last dose")
    expect(follow_up).to_contain_text("Tell us the date of your last dose")
    expect(last_dose).to_have_attribute("aria-invalid", "true")
    expect(phone.get_by_label("Which one?")).to_have_value("oxycodone")
    expect(opioid_question(phone).get_by_role("radio", name="I stopped", exact=True)).to_be_checked()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "date-asked-for")
    axe_check(phone)

    last_dose.fill(three_days_ago)
    submit_intake(phone)

    phone.wait_for_url("**/intake/summary/")
    expect(phone.get_by_role("heading", name=NOTICE)).to_be_visible()
    noticed = phone.locator(".noticed-list").inner_text()
    assert "oxycodone" in noticed and "go through the timing with you" in noticed
    assert "not a diagnosis" in phone.locator(".summary-note--important").inner_text()
    assert_no_horizontal_scroll(phone)
    screenshot(phone, "timing-note")
    axe_check(phone)
    intake = Intake.objects.get(patient__email="stopped@example.com")
    assert (intake.opioid_use, intake.opioid_stopped_what, intake.opioid_last_dose.isoformat()) == (
        "stopped", "oxycodone", three_days_ago
    )


def test_an_opioid_typed_only_under_something_else_gets_the_notice(desktop, screenshot, axe_check):
    desktop.goto("/intake/")
    fill_intake(desktop, Answers(email="else@example.com", medications=[], conditions=("Something else",)))
    desktop.get_by_label("Tell us a little more").fill("coming off methadone (40 mg a day)")
    screenshot(desktop, "something-else")

    submit_intake(desktop)

    desktop.wait_for_url("**/intake/summary/")
    expect(desktop.get_by_role("heading", name=NOTICE)).to_be_visible()
    assert "methadone" in desktop.locator(".noticed-list").inner_text()
    screenshot(desktop, "notice")
    axe_check(desktop)


def test_going_back_to_replace_an_opioid_leaves_the_earlier_intake_in_view_for_the_pharmacist(
    phone, desktop, clinic, screenshot, axe_check
):
    person = {"email": "hana@example.com", "first_name": "Hana", "last_name": "Holm"}
    phone.goto("/intake/")
    fill_intake(phone, Answers(**person, medications=[("oxycodone", "5 mg", "twice a day")]))
    submit_intake(phone)
    phone.wait_for_url("**/intake/summary/")
    expect(phone.get_by_role("heading", name=NOTICE)).to_be_visible()
    screenshot(phone, "oxycodone-notice")

    phone.go_back()
    phone.wait_for_url("**/intake/")
    fill_intake(phone, Answers(**person, medications=[("ibuprofen", "200 mg", "as needed")]))
    screenshot(phone, "replaced-with-ibuprofen")
    submit_intake(phone)

    phone.wait_for_url("**/intake/summary/")
    expect(phone.get_by_role("heading", name=CLEAR)).to_be_visible()
    assert "oxycodone" not in phone.locator("main").inner_text().lower()
    screenshot(phone, "summary-tells-nothing-new")
    axe_check(phone)
    book_from_the_summary(phone, mode="Phone")
    booked = Appointment.objects.get(patient__email="hana@example.com").intake
    first = Intake.objects.exclude(pk=booked.pk).get(patient__email="hana@example.com")
    assert booked.screening_outcome == Intake.Outcome.CONTRAINDICATION

    user, device = pharmacist_with_device(clinic.pharmacist)
    sign_in_to_admin(desktop, username=user.username, device=device)
    desktop.get_by_role("link", name="Intakes", exact=True).first.click()
    queue = desktop.locator("#result_list")
    expect(queue.locator("tbody tr").first).to_contain_text("Hana Holm")
    screenshot(desktop, "queue")
    desktop.goto(f"/admin/patients/intake/{booked.pk}/change/")
    screening = desktop.get_by_role("group", name="Screening", exact=True)
    expect(screening).to_contain_text(re.compile(r"An earlier intake on \w{3} \d+, \d{4} mentioned oxycodone"))
    expect(screening).to_contain_text("Staff only: not shown to the patient")
    earlier = desktop.get_by_role("group", name="Earlier intakes", exact=True)
    expect(earlier).to_contain_text("Contraindication")
    screenshot(desktop, "booked-intake-with-earlier-flag")

    screening.get_by_role("link", name="Open the earlier intake").click()
    desktop.wait_for_url(f"**/admin/patients/intake/{first.pk}/change/")
    expect(desktop.locator("#content")).to_contain_text("oxycodone")
    screenshot(desktop, "the-earlier-intake")


def test_forty_medicines_fit_and_the_limit_is_explained_without_losing_a_row(phone, screenshot, axe_check):
    # Dose and how often on the first and the last row only: the other boxes are optional, and
    # 80 more fills would only slow the test.
    medications = [(f"medicine {n}", *((f"{n} mg", "daily") if n in (1, 40) else ("", ""))) for n in range(1, 41)]
    phone.goto("/intake/")
    expect(phone.locator("main")).to_contain_text("You can list up to 40")
    fill_intake(phone, Answers(email="forty@example.com", medications=medications))
    rows = phone.get_by_label("Medication or supplement")
    expect(rows).to_have_count(40)

    # The 40th row was added in the page (medication_rows.js): the button says at once why it is off.
    add = phone.get_by_role("button", name="Add another medication")
    limit = phone.locator("#med-limit")
    expect(add).to_be_disabled()
    expect(add).to_have_attribute("aria-describedby", "med-limit")
    expect(limit).to_contain_text("holds up to 40")
    add.focus()
    phone.keyboard.press("Enter")  # still in the Tab order (aria-disabled): pressed, it adds nothing

    expect(rows).to_have_count(40)
    expect(limit).to_contain_text("holds up to 40")
    expect(limit).to_contain_text("tell the pharmacist about the rest")
    assert phone.url.endswith("/intake/"), "nothing was posted"
    assert phone.evaluate("document.activeElement.name") == "add_row", "the focus stays beside the message"
    assert [rows.nth(i).input_value() for i in (0, 19, 39)] == ["medicine 1", "medicine 20", "medicine 40"]
    expect(phone.get_by_label("I have read the privacy notice")).to_be_checked()
    assert_no_horizontal_scroll(phone)
    limit.scroll_into_view_if_needed()
    screenshot(phone, "limit-reached")
    axe_check(phone)

    submit_intake(phone)

    phone.wait_for_url("**/intake/summary/")
    listed = phone.locator("#meds-title + ul li")
    expect(listed).to_have_count(40)
    screenshot(phone, "forty-listed")
    intake = Intake.objects.get(patient__email="forty@example.com")
    assert intake.medications.count() == 40
