"""Issue #18, the infrastructure: the language switch on the patient pages, the choice stored with
the patient, the staff pages kept in English, and the patient's language shown to staff."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from patients.models import Patient
from tests.factories import AppointmentFactory, IntakeFactory, PatientFactory
from tests.patients.intake_data import intake_post

pytestmark = pytest.mark.django_db

SWITCH = "/i18n/setlang/"


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]*)"', response.content.decode()).group(1)


def switch_form(response) -> str:
    html = response.content.decode()
    return re.search(rf'<form[^>]*action="{SWITCH}".*?</form>', html, re.S).group(0)


def press_switch(client, response, language):
    """Submit the switch form found on ``response`` the way the browser would."""
    form = switch_form(response)
    data = {"language": language}
    next_field = re.search(r'name="next" value="([^"]*)"', form)
    if next_field:
        data["next"] = next_field.group(1).replace("&amp;", "&")
    return client.post(SWITCH, data, HTTP_REFERER="http://testserver" + response.wsgi_request.get_full_path())


@pytest.fixture
def summary_client(db):
    """A browser that has just sent an intake, in English."""
    client = Client()
    client.post("/intake/", intake_post())
    return client


@pytest.mark.parametrize("url", ["/", "/privacy/", "/intake/", "/intake/continue/", "/no-such-page/"])
def test_the_switch_on_a_page_keeps_the_page_and_sets_the_language(url):
    client = Client()
    page = client.get(url)
    assert html_lang(page) == "en"
    form = switch_form(page)
    assert 'lang="es"' in form and "Español" in form, "the other language is offered, named in itself"

    answer = press_switch(client, page, "es")

    assert answer.status_code == 302
    assert answer["Location"].endswith(url)
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    again = client.get(url)
    assert html_lang(again) == "es"
    assert 'lang="en"' in switch_form(again) and "English" in switch_form(again)


def test_the_switch_on_the_summary_keeps_the_page_and_stores_the_choice_with_the_patient(summary_client):
    page = summary_client.get("/intake/summary/")
    assert Patient.objects.get().language == "en"

    answer = press_switch(summary_client, page, "es")

    assert answer["Location"] == "/intake/summary/"
    assert Patient.objects.get().language == "es"
    assert "Gracias, Dana" in summary_client.get("/intake/summary/").content.decode()


def test_a_browser_without_an_intake_changes_no_patient(summary_client):
    Client().post(SWITCH, {"language": "es", "next": "/"})

    assert Patient.objects.get().language == "en"


def test_an_unknown_language_is_refused_and_stores_nothing(summary_client):
    answer = summary_client.post(SWITCH, {"language": "xx", "next": "/intake/summary/"})

    assert answer.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in summary_client.cookies
    assert Patient.objects.get().language == "en"


def test_the_switch_does_not_answer_a_get():
    assert Client().get(SWITCH, {"language": "es"}).status_code == 405


def test_an_intake_sent_in_spanish_stores_spanish_with_the_patient_and_a_later_one_in_english_updates_it():
    client = Client()
    client.post(SWITCH, {"language": "es", "next": "/intake/"})
    client.post("/intake/", intake_post())
    assert Patient.objects.get().language == "es"

    Client().post("/intake/", intake_post())  # the same person again, English this time

    assert Patient.objects.get().language == "en"


def test_the_intake_form_sent_back_with_errors_in_spanish_keeps_everything_typed():
    client = Client()
    client.post(SWITCH, {"language": "es", "next": "/intake/"})
    typed = intake_post(
        medications=(("metformina", "500 mg", "dos veces al día", "prescription"),),
        **{"patient-phone": "12", "intake-allergies": "penicilina", "patient-first_name": "Dolores"},
    )

    page = client.post("/intake/", typed)

    html = page.content.decode()
    assert page.status_code == 200
    assert html_lang(page) == "es"
    assert "Una respuesta necesita una segunda revisión" in html
    assert "Escriba un número de teléfono en el que podamos localizarle" in html
    for value in ('value="Dolores"', 'value="Doe"', 'value="1980-04-12"', 'value="12"', 'value="metformina"',
                  'value="500 mg"', 'value="dos veces al día"', "penicilina</textarea>"):
        assert value in html, f"{value} was lost"
    assert Patient.objects.count() == 0


def test_a_date_typed_by_hand_reads_month_first_in_spanish_as_in_english():
    client = Client()
    client.post(SWITCH, {"language": "es", "next": "/intake/"})

    client.post("/intake/", intake_post(**{"patient-date_of_birth": "04/12/1980"}))

    assert Patient.objects.get().date_of_birth.isoformat() == "1980-04-12"


def test_the_admin_stays_english_with_a_spanish_cookie(pharmacist_client):
    pharmacist_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    IntakeFactory(patient=PatientFactory(language="es"))

    for url in ("/admin/", reverse("admin:patients_intake_changelist"), reverse("admin:patients_patient_changelist")):
        page = pharmacist_client.get(url)
        assert page.status_code == 200
        assert re.search(r'<html lang="en"', page.content.decode()), url
        assert page["Content-Language"] == "en"
    login = Client(HTTP_ACCEPT_LANGUAGE="es")
    assert 'lang="en"' in login.get("/admin/login/").content.decode()


def test_a_patient_page_follows_the_cookie_even_for_a_signed_in_pharmacist(pharmacist_client):
    pharmacist_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    assert html_lang(pharmacist_client.get("/")) == "es"


def test_staff_see_the_patients_language_in_the_queue_the_intake_and_the_patient_list(pharmacist_client):
    intake = IntakeFactory(patient=PatientFactory(first_name="Dolores", language="es"))

    queue = pharmacist_client.get(reverse("admin:patients_intake_changelist")).content.decode()
    detail = pharmacist_client.get(reverse("admin:patients_intake_change", args=[intake.pk])).content.decode()
    patients = pharmacist_client.get(reverse("admin:patients_patient_changelist")).content.decode()

    for page in (queue, detail, patients):
        assert "Español" in page
    assert "language" in queue.lower() and "language" in detail.lower()


def test_the_switch_on_the_intake_page_keeps_every_answer_typed_so_far_and_saves_nothing():
    client = Client()
    page = client.get("/intake/")
    spanish_button = re.search(r'<button[^>]*value="es"[^>]*>', page.content.decode()).group(0)
    assert 'form="intake-form"' in spanish_button and 'formaction="/intake/"' in spanish_button
    typed = intake_post(**{"patient-first_name": "Dolores", "intake-allergies": "penicilina"})
    typed.pop("intake-consent_contact")  # half-way through the form

    switched = client.post("/intake/", {**typed, "switch_language": "es"})

    html = switched.content.decode()
    assert switched.status_code == 200
    assert html_lang(switched) == "es"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    for value in ('value="Dolores"', 'value="metformin"', "penicilina</textarea>"):
        assert value in html
    assert "segunda revisión" not in html, "nothing is reported missing: the patient has not sent the form"
    assert Patient.objects.count() == 0
    assert html_lang(client.get("/privacy/")) == "es"


def test_enter_in_a_text_box_on_the_intake_still_sends_the_form_not_the_language_switch():
    """Enter presses the form's first submit button in the page: the header's hidden Continue."""
    html = Client().get("/intake/").content.decode()
    first = re.search(r'<button[^>]*type="submit"[^>]*form="intake-form"[^>]*>|<form[^>]*id="intake-form"', html)

    assert "<button" in first.group(0) and "switch_language" not in first.group(0)


def test_the_consultation_page_says_which_language_to_speak(pharmacist_client, desk):
    appointment = AppointmentFactory(intake=IntakeFactory(patient=PatientFactory(language="es")))

    for client in (pharmacist_client, desk):
        page = client.get(reverse("admin:consultations_appointment_change", args=[appointment.pk])).content.decode()
        assert "Español" in page
