"""Issue #18 in a browser: a patient on a 375 px phone switches to Español on the home page and
books in Spanish — intake, summary, a time, the confirmation, the email (its HTML shown as a mail
app shows it) and its manage link — and every page stays Spanish, fits the phone (Spanish runs
about a fifth longer than English), passes axe with the site's rules and declares lang="es".

The browser's own language is en-US (tests/e2e/conftest.py): only the switch makes it Spanish.
Fields are found by their names, not their English labels; screenshots go to
artifacts/screenshots/<test>/ as for the other browser tests.
"""

import re

from playwright.sync_api import expect

from consultations.models import Appointment
from patients.models import Patient
from tests.e2e.conftest import assert_no_horizontal_scroll, plain_text, wait_for_mail
from tests.i18n.english import english_in_html, english_in_text, report

# Elements whose box reaches past the viewport, or whose text is clipped by their own box
# (overflow hidden or ellipsis): what a wider Spanish word does to a button or a badge.
CUT_OFF = r"""() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const e of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(e);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (e.closest('.visually-hidden, .visually-hidden-focusable, template')) continue;
    const box = e.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // Wholly off the left edge is how the honeypot field hides from people (welltopia/honeypot.py).
    if (box.right <= 0) continue;
    const name = e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                 (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\s+/).join('.') : '');
    if (box.right > width + 1 || box.left < -1) {
      found.push(`${name} reaches ${Math.round(box.left)}..${Math.round(box.right)} px`);
    } else if (['hidden', 'clip'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1
               && (e.innerText || '').trim()) {
      found.push(`${name} clips its text: ${e.scrollWidth} px in ${e.clientWidth} px`);
    }
  }
  return found;
}"""


def check_spanish_page(page, screenshot, axe_check, name):
    """On every page: lang="es", no English left, nothing wider than the phone or cut off, axe."""
    page.wait_for_load_state("load")
    assert page.locator("html").get_attribute("lang") == "es", f"{name}: <html lang> is not es"
    assert_no_horizontal_scroll(page)
    screenshot(page, name)
    cut_off = page.evaluate(CUT_OFF)
    assert not cut_off, f"{name} at 375 px:\n  " + "\n  ".join(cut_off)
    leftovers = english_in_html(page.content(), where=f"{name} ({page.url})")
    assert not leftovers, report(leftovers)
    axe_check(page)


def switch_to_spanish(page):
    """The switch on every patient page, as a patient uses it: the control named in Spanish."""
    page.get_by_role("button", name=re.compile(r"^\s*Español\s*$")).click()
    page.wait_for_load_state("load")


def fill_intake_by_field_names(page, *, email):
    """The intake as a Spanish-speaking patient answers it, fields found by name (the labels are
    in Spanish, and which words is for the translators to choose)."""
    page.locator('[name="patient-first_name"]').fill("Dolores")
    page.locator('[name="patient-last_name"]').fill("Díaz")
    page.locator('[name="patient-date_of_birth"]').fill("1980-04-12")
    page.locator('[name="patient-email"]').fill(email)
    page.locator('[name="patient-phone"]').fill("608-555-0123")
    page.locator('[name="intake-pregnancy_status"][value="not_applicable"]').check()
    page.locator('[name="intake-opioid_use"][value="no"]').check()
    page.locator('[name="med-0-text"]').fill("metformina")
    page.locator('[name="med-0-dose"]').fill("500 mg")
    page.locator('[name="med-0-frequency"]').fill("dos veces al día")
    page.locator('[name="intake-conditions"][value="chronic_pain"]').check()
    page.locator('[name="intake-has_ldn_prescription"][value="no"]').check()
    for consent in ("consent_privacy", "consent_not_diagnosis", "consent_contact"):
        page.locator(f'[name="intake-{consent}"]').check()


def manage_link(message):
    found = re.search(r"https?://\S+/appointments/[A-Za-z0-9_-]+/", plain_text(message))
    assert found, "the email has no manage link"
    return found.group(0)


def test_a_patient_books_in_spanish_on_a_phone(phone, clinic, celery_e2e_worker, mailbox, screenshot, axe_check):
    phone.goto("/")
    assert phone.locator("html").get_attribute("lang") == "en", "an en-US browser starts in English"
    switch_to_spanish(phone)
    check_spanish_page(phone, screenshot, axe_check, "home")

    phone.locator('main a[href="/intake/"]').first.click()
    phone.wait_for_url("**/intake/")
    check_spanish_page(phone, screenshot, axe_check, "intake")
    phone.locator("form button[type=submit].btn-primary").click()  # nothing typed: the errors
    expect(phone.locator("#error-summary")).to_be_focused()
    check_spanish_page(phone, screenshot, axe_check, "intake-errors")
    fill_intake_by_field_names(phone, email="dolores@example.com")
    screenshot(phone, "intake-filled")
    phone.locator("form button[type=submit].btn-primary").click()

    phone.wait_for_url("**/intake/summary/")
    check_spanish_page(phone, screenshot, axe_check, "summary")
    phone.locator('main a.btn-primary[href="/book/"]').click()

    phone.wait_for_url("**/book/")
    check_spanish_page(phone, screenshot, axe_check, "choose-consultation")
    phone.locator('[name="type"][value="ldn-consultation"]').check()
    phone.locator('[name="mode"][value="phone"]').check()
    phone.locator("form button[type=submit].btn-primary").click()

    phone.wait_for_url("**/book/day/**")
    check_spanish_page(phone, screenshot, axe_check, "choose-day")
    phone.locator("a.day-free").nth(1).click()

    phone.wait_for_url("**/book/time/**")
    check_spanish_page(phone, screenshot, axe_check, "choose-time")
    phone.locator("a.time-button").first.click()

    phone.wait_for_url("**/book/review/**")
    check_spanish_page(phone, screenshot, axe_check, "review")
    phone.locator("form button[type=submit].btn-primary").click()

    phone.wait_for_url("**/book/confirmed/")
    check_spanish_page(phone, screenshot, axe_check, "confirmed")
    assert Patient.objects.get(email="dolores@example.com").language == "es"

    (confirmation,) = wait_for_mail(mailbox, to="dolores@example.com")
    leftovers = english_in_text(str(confirmation["Subject"]), where="confirmation subject")
    leftovers += english_in_text(plain_text(confirmation), where="confirmation text")
    assert not leftovers, report(leftovers)
    # The email's HTML as a mail app on the phone shows it (away from the site and its CSP).
    phone.goto("about:blank")
    phone.set_content(confirmation.get_body(("html",)).get_content())
    check_spanish_page(phone, screenshot, axe_check, "email-confirmation")

    phone.goto(manage_link(confirmation))
    check_spanish_page(phone, screenshot, axe_check, "manage")
    token = Appointment.objects.get(patient__email="dolores@example.com").manage_token
    phone.locator(f'main a[href="/appointments/{token}/reschedule/"]').first.click()
    check_spanish_page(phone, screenshot, axe_check, "reschedule-day")
    phone.locator("a.day-free").nth(1).click()
    check_spanish_page(phone, screenshot, axe_check, "reschedule-time")
    phone.locator("a.time-button").nth(1).click()
    check_spanish_page(phone, screenshot, axe_check, "reschedule-review")
    phone.goto(f"/appointments/{token}/cancel/")
    check_spanish_page(phone, screenshot, axe_check, "cancel")


def test_the_opioid_notice_and_the_error_pages_fit_a_phone_in_spanish(phone, clinic, screenshot, axe_check):
    """The longest Spanish texts: the opioid notice on the summary, and the pages of refusal."""
    phone.goto("/intake/")
    switch_to_spanish(phone)
    fill_intake_by_field_names(phone, email="dolores.opioide@example.com")
    phone.locator('[name="med-0-text"]').fill("oxycodone")
    phone.locator('[name="med-0-frequency"]').fill("cuando lo necesito")
    phone.locator("form button[type=submit].btn-primary").click()
    phone.wait_for_url("**/intake/summary/")
    check_spanish_page(phone, screenshot, axe_check, "summary-opioid")

    phone.goto("/no-such-page/")
    check_spanish_page(phone, screenshot, axe_check, "not-found")
    phone.goto("/intake/continue/not-a-real-link/")
    check_spanish_page(phone, screenshot, axe_check, "continue-link-gone")
    phone.goto("/privacy/")
    check_spanish_page(phone, screenshot, axe_check, "privacy")
