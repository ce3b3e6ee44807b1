"""Issue #18: the language is chosen once and remembered — on every later page, and in every email
the patient gets afterwards, however long afterwards and from whichever process sends it."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import Appointment
from consultations.notifications.delivery import notifications_send_due
from patients.models import Patient
from tests.i18n.conftest import SWITCH_URL, choose_language, first_link, hidden_fields, spanish_intake_post
from tests.i18n.english import english_in_html, english_in_text, html_lang, report

pytestmark = pytest.mark.django_db


def test_spanish_chosen_on_the_home_page_holds_for_the_whole_journey(pharmacy):
    client = Client()
    home = client.get("/")
    assert f'action="{SWITCH_URL}"' in home.content.decode(), "the home page offers the language switch"
    choose_language(client, "es", next_url="/")

    pages = {"home": client.get("/"), "intake": client.get("/intake/")}
    client.post("/intake/", spanish_intake_post())
    pages["summary"] = client.get("/intake/summary/")
    pages["book"] = client.get(reverse("consultations:book_start"))
    pages["day"] = client.get(reverse("consultations:book_day"), {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any"})
    pages["time"] = client.get(first_link(pages["day"].content.decode(), "/book/time/"))
    pages["review"] = client.get(first_link(pages["time"].content.decode(), "/book/review/"))
    confirm = reverse("consultations:book_confirm")
    pages["confirmed"] = client.post(confirm, hidden_fields(pages["review"].content.decode(), form_action=confirm), follow=True)
    appointment = Appointment.objects.get()
    pages["manage"] = client.get(reverse("consultations:manage", args=[appointment.manage_token]))

    not_spanish = {name: html_lang(page.content.decode()) for name, page in pages.items() if html_lang(page.content.decode()) != "es"}
    assert not not_spanish, f"pages not in Spanish after choosing it once: {not_spanish}"
    for name, page in pages.items():
        assert f'action="{SWITCH_URL}"' in page.content.decode(), f"no language switch on the {name} page"


def test_a_patient_who_books_in_spanish_gets_spanish_emails_from_the_outbox(pharmacy, smtp_server):
    client = choose_language(Client(), "es")
    client.post("/intake/", spanish_intake_post())
    # Two days ahead, so both reminders (24 and 2 hours before) are still to come when it is booked.
    times = client.get(
        reverse("consultations:book_time"),
        {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any", "day": "2026-06-03"},
    )
    review = client.get(first_link(times.content.decode(), "/book/review/"))
    confirm = reverse("consultations:book_confirm")
    client.post(confirm, hidden_fields(review.content.decode(), form_action=confirm))

    patient = Patient.objects.get(email="dolores@example.com")
    assert patient.language == "es", "the choice is stored with the patient"
    appointment = Appointment.objects.get(patient=patient)

    # The scan a worker runs, with no request and English active: the patient's language decides.
    with translation.override("en"):
        notifications_send_due(now=timezone.now())
        notifications_send_due(now=appointment.start - timedelta(hours=24))

    assert [m["To"] for m in smtp_server.messages] == ["dolores@example.com"] * 2
    found = []
    for kind, message in zip(["confirmation", "reminder"], smtp_server.messages, strict=True):
        found += english_in_text(str(message["Subject"]), where=f"{kind} subject")
        found += english_in_text(message.get_body(("plain",)).get_content(), where=f"{kind} text")
        found += english_in_html(message.get_body(("html",)).get_content(), where=f"{kind} HTML")
    assert not found, report(found)


def test_switching_back_to_english_is_remembered_too(pharmacy):
    client = choose_language(Client(), "es")
    assert html_lang(client.get("/privacy/").content.decode()) == "es"

    choose_language(client, "en", next_url="/privacy/")

    for url in ("/", "/intake/", "/privacy/"):
        assert html_lang(client.get(url).content.decode()) == "en", url
    client.post("/intake/", spanish_intake_post(**{"patient-email": "dolores.en@example.com"}))
    assert Patient.objects.get(email="dolores.en@example.com").language == "en"


def test_a_browser_set_to_spanish_starts_in_spanish_and_the_switch_still_wins(pharmacy):
    """Before any choice the browser's language decides (i18n_interface.md); a choice made at the
    switch then holds over it."""
    client = Client(headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert html_lang(client.get("/").content.decode()) == "es"

    choose_language(client, "en")

    assert html_lang(client.get("/intake/").content.decode()) == "en"
