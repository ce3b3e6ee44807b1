"""The language switch in a real browser, on the intake: half-typed answers survive it, and Enter
in a text box still sends the form rather than pressing the switch."""

from playwright.sync_api import expect


def test_switching_to_spanish_half_way_through_the_intake_keeps_what_was_typed(phone, screenshot, axe_check):
    phone.goto("/intake/")
    phone.get_by_label("First name").fill("Dolores")
    phone.get_by_label("Medication or supplement").first.fill("metformina")

    phone.get_by_role("button", name="Español").click()

    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Cuéntenos sobre usted")
    assert phone.locator("#id_patient-first_name").input_value() == "Dolores"
    assert phone.get_by_label("Medicamento o suplemento").first.input_value() == "metformina"
    expect(phone.locator("#error-summary")).to_have_count(0)
    screenshot(phone, "intake-switched-to-spanish")
    axe_check(phone)

    phone.locator("#id_patient-first_name").press("Enter")

    expect(phone.locator("#error-summary")).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    assert phone.locator("#id_patient-first_name").input_value() == "Dolores"


def test_switching_back_on_another_page_returns_to_that_page(phone):
    phone.goto("/privacy/")
    phone.get_by_role("button", name="Español").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Aviso de privacidad")

    phone.get_by_role("button", name="English").click()

    assert phone.url.endswith("/privacy/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Privacy notice")
