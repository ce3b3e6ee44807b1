"""Issue #18: each email is written in the language stored with its patient, whoever sends it.

A worker has no request: the language comes from ``Patient.language`` (patients/language.py), and
``notification_message`` renders each email inside ``translation.override`` of it. Dates are
Spanish words in Spanish order, on a 24-hour clock, and still in the pharmacy's zone (Chicago).
tests/i18n/test_spanish_emails.py checks that no English is left in any of them; these tests check
what a patient reads, that one recipient's language never leaks into the next email, and the
real worker.
"""

import os
import re
import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar

from consultations.models import Notification
from consultations.notifications.delivery import notifications_send_due
from consultations.tasks import send_notification
from patients.continuation import continue_link_send
from tests.conftest import start_worker, stop_worker
from tests.consultations.test_notifications import NOW, START, book, cancel, ics_of, reschedule
from tests.consultations.test_views_booking import CHOICE, url, with_intake
from tests.factories import AppointmentFactory, IntakeFactory, PatientFactory
from tests.waiting import wait_for
from welltopia.celery import app

# START is Friday, December 4, 2026 at 9:00 AM CST (15:00 UTC); the consultation lasts 30 minutes.
SPANISH_WHEN = "viernes 4 de diciembre de 2026, 9:00 CST"
ENGLISH_WHEN = "Friday, December 4, 2026 at 9:00 AM CST"
CLINICAL = ["ldn", "naltrexon", "metformin", "dosis", "dose", "opioid", "opioide", "embaraz", "pregnan", " mg"]


def spanish(**fields):
    return PatientFactory(first_name="Dolores", language="es", **fields)


def parts(message):
    """Subject, text and HTML of a message as received by the SMTP server. (A non-ASCII subject is
    folded onto an encoded second line, which a reader unfolds with a leading space: stripped.)"""
    return (
        str(message["Subject"]).strip(),
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def calendar_words(message):
    _, calendar = ics_of(message)
    (event,) = calendar.walk("VEVENT")
    return str(event["SUMMARY"]), str(event["DESCRIPTION"])


@pytest.mark.django_db
def test_the_confirmation_and_reminders_of_a_spanish_patient_are_spanish_with_the_time_in_chicago(smtp_server):
    book(intake__patient=spanish())
    notifications_send_due(now=NOW)
    notifications_send_due(now=START - timedelta(hours=24))

    confirmation, reminder = smtp_server.messages
    subject, text, html = parts(confirmation)
    assert subject == f"Su consulta farmacéutica está reservada: {SPANISH_WHEN}"
    assert "Hola, Dolores:" in text and "Hola, Dolores:" in html
    assert f"{SPANISH_WHEN} (hasta las 9:30 CST)" in text
    assert '<html lang="es">' in html and "Cambiar o cancelar" in html
    assert calendar_words(confirmation)[0] == "Consulta farmacéutica – Welltopia"
    assert "Cambie o cancele su cita:" in calendar_words(confirmation)[1]

    subject, text, html = parts(reminder)
    assert subject == f"Recordatorio: su consulta farmacéutica, {SPANISH_WHEN}"
    assert "Le recordamos su próxima consulta" in text and "Le recordamos su próxima consulta" in html


@pytest.mark.django_db
def test_the_moved_and_cancelled_emails_of_a_spanish_patient_are_spanish(smtp_server):
    appointment = book(intake__patient=spanish())
    reschedule(appointment, start=START + timedelta(days=1, hours=2), now=NOW + timedelta(minutes=5))
    notifications_send_due(now=NOW + timedelta(minutes=5))
    cancel(appointment, now=NOW + timedelta(minutes=10))
    notifications_send_due(now=NOW + timedelta(minutes=10))

    moved, cancelled = smtp_server.messages[-2:]
    subject, text, html = parts(moved)
    assert subject == "Su consulta farmacéutica cambió de hora: sábado 5 de diciembre de 2026, 11:00 CST"
    assert f"Antes:  {SPANISH_WHEN}" in text
    assert "Ahora:  sábado 5 de diciembre de 2026, 11:00 CST" in text
    assert f"cambió del {SPANISH_WHEN} al <strong>sábado 5 de diciembre de 2026, 11:00 CST</strong>" in html

    subject, text, html = parts(cancelled)
    assert subject == "Su consulta farmacéutica está cancelada"
    assert "está cancelada" in text and "Reservar de nuevo" in html
    summary, description = calendar_words(cancelled)
    assert "Esta consulta está cancelada." in description and "Para reservar otra:" in description


@pytest.mark.django_db
def test_an_english_patient_stays_english_in_a_scan_that_sends_spanish_first(smtp_server):
    """One scan, one worker, two languages: the Spanish email before must not leave Spanish on."""
    first = book(intake__patient=spanish(email="dolores@example.com"))
    book(intake__patient=PatientFactory(first_name="Alice", email="alice@example.com", language="en"),
         pharmacist=first.pharmacist, start=START + timedelta(hours=2))

    with translation.override("es"):  # a worker whose last task ran in Spanish
        notifications_send_due(now=NOW)
        assert translation.get_language() == "es"  # each email's override ends with the email

    by_recipient = {message["To"]: message for message in smtp_server.messages}
    assert str(by_recipient["dolores@example.com"]["Subject"]).strip().startswith("Su consulta farmacéutica está reservada")
    subject, text, html = parts(by_recipient["alice@example.com"])
    assert subject == "Your pharmacist consultation is booked: Friday, December 4, 2026 at 11:00 AM CST"
    assert "Hello Alice," in text and '<html lang="en">' in html
    assert calendar_words(by_recipient["alice@example.com"])[0] == "Pharmacist consultation – Welltopia"


@pytest.mark.django_db
def test_a_patient_with_no_usable_language_is_written_to_in_english(smtp_server):
    patient = PatientFactory(language="")
    book(intake__patient=patient)
    notifications_send_due(now=NOW)

    subject, text, _ = parts(smtp_server.messages[0])
    assert subject == f"Your pharmacist consultation is booked: {ENGLISH_WHEN}"


@pytest.mark.django_db
def test_spanish_emails_carry_only_time_place_and_links(smtp_server):
    appointment = book(intake__patient=spanish(), intake__takes_no_medications=False)
    notifications_send_due(now=NOW)
    notifications_send_due(now=START - timedelta(hours=2))
    cancel(appointment, now=NOW + timedelta(minutes=10))
    notifications_send_due(now=NOW + timedelta(minutes=10))
    assert continue_link_send(intake_id=IntakeFactory(patient=spanish(email="d2@example.com")).pk)

    assert len(smtp_server.messages) == 4
    for message in smtp_server.messages:
        words = list(parts(message))
        if any(part.get_content_type() == "text/calendar" for part in message.walk()):
            words += calendar_words(message)
        # Links carry random tokens ("…mgX…"): only the words around them are read.
        readable = re.sub(r"https?://\S+", " ", " ".join(words)).lower()
        for word in CLINICAL:
            assert word not in readable, (word, message["Subject"])


@pytest.mark.django_db
def test_the_continue_link_email_follows_the_patient_not_the_page_that_asked(smtp_server):
    intake = IntakeFactory(patient=spanish())
    with translation.override("en"):
        assert continue_link_send(intake_id=intake.pk)

    subject, text, html = parts(smtp_server.messages[0])
    assert subject == "Su enlace para seguir reservando con Welltopia Consult"
    assert "Funciona una sola vez, durante 2 horas." in text and '<html lang="es">' in html


# --- The calendar file downloaded from the manage page ------------------------------------------
@pytest.mark.django_db
def test_the_calendar_file_from_the_manage_page_is_in_the_language_of_the_page(client):
    appointment = AppointmentFactory(start=timezone.now() + timedelta(days=3))
    path = reverse("consultations:manage_ics", args=[appointment.manage_token])

    spanish_ics = Calendar.from_ical(client.get(path, HTTP_ACCEPT_LANGUAGE="es").content)
    english_ics = Calendar.from_ical(client.get(path, HTTP_ACCEPT_LANGUAGE="en").content)

    (event,) = spanish_ics.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Consulta farmacéutica – Welltopia"
    assert "¿Preguntas? Llame a la farmacia:" in str(event["DESCRIPTION"])
    (event,) = english_ics.walk("VEVENT")
    assert str(event["SUMMARY"]) == "Pharmacist consultation – Welltopia"


# --- Booking pages in Spanish keep what the patient chose ---------------------------------------
@pytest.mark.django_db
def test_a_refused_choice_on_the_spanish_booking_page_keeps_the_other_choices(client, intake, ldn, rx, monday_morning):
    with_intake(client, intake)
    ldn.allows_video = False
    ldn.save()

    response = client.get(url("book_start", type="ldn-consultation", mode="video", pharmacist=str(rx.pk)),
                          HTTP_ACCEPT_LANGUAGE="es")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Por favor, revise lo que eligió" in page
    assert "Consulta sobre LDN no se ofrece de esta forma (video)." in page
    # What was chosen is still chosen: the type and the pharmacist.
    assert re.search(r'name="type" value="ldn-consultation"[^>]*checked', page)
    assert f'<option value="{rx.pk}" selected>' in page


@pytest.mark.django_db
def test_the_spanish_day_and_time_pages_show_spanish_dates_on_a_24_hour_clock(client, intake, ldn, rx, monday_morning):
    with_intake(client, intake)
    days = client.get(url("book_day", **CHOICE), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Primera hora libre:" in days and "Junio de 2026" in days
    assert "<strong>lunes 1 de junio a las 10:00 CDT</strong>" in days
    assert '<abbr title="lunes">Lun</abbr>' in days and 'aria-label="martes 2 de junio: 31 horas libres"' in days

    times = client.get(url("book_time", **CHOICE, day="2026-06-02"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Martes 2 de junio" in times
    assert '>13:30<span class="visually-hidden"> CDT</span>' in times
    assert 'aria-label="martes 2 de junio, 1:30 de la tarde, hora del Centro"' in times
    assert " PM" not in times and " AM" not in times


# --- A real worker --------------------------------------------------------------------------------

def test_a_real_worker_sends_a_spanish_patient_their_reminder_in_spanish(transactional_db, smtp_server):
    app.control.purge()
    worker = start_worker(name=f"es-reminder-{os.getpid()}-{time.monotonic_ns()}", extra_env=smtp_server.worker_env)
    try:
        start = timezone.now().replace(second=0, microsecond=0) + timedelta(hours=3)
        appointment = AppointmentFactory(patient=spanish(), start=start)
        reminder = Notification.objects.create(
            appointment=appointment, kind=Notification.Kind.REMINDER, appointment_version=1,
            reminder_offset=timedelta(hours=24), due_at=start - timedelta(hours=24),
        )
        with transaction.atomic():
            transaction.on_commit(lambda: send_notification.delay(reminder.id))

        assert wait_for(lambda: Notification.objects.get(id=reminder.id).status == Notification.Status.SENT)
    finally:
        stop_worker(worker)

    (message,) = smtp_server.messages
    subject, text, html = parts(message)
    assert subject.startswith("Recordatorio: su consulta farmacéutica, ")
    local = timezone.localtime(start)
    assert f"{local.hour}:{local:%M} {local.tzname()}" in subject  # 24-hour clock, Chicago time
    assert "Hola, Dolores:" in text and '<html lang="es">' in html
    assert calendar_words(message)[0] == "Consulta farmacéutica – Welltopia"


@pytest.mark.django_db
def test_a_patient_who_changes_language_after_booking_gets_the_next_reminder_in_the_new_one(smtp_server):
    """The language is read when an email is sent, not when the booking wrote the outbox."""
    appointment = book(intake__patient=spanish())
    notifications_send_due(now=NOW)
    appointment.patient.language = "en"
    appointment.patient.save(update_fields=["language"])
    notifications_send_due(now=START - timedelta(hours=24))

    confirmation, reminder = smtp_server.messages
    assert str(confirmation["Subject"]).strip().startswith("Su consulta farmacéutica está reservada")
    assert str(reminder["Subject"]) == f"Reminder: your pharmacist consultation, {ENGLISH_WHEN}"


# --- Choosing a language on the booking's page ----------------------------------------------------
@pytest.mark.django_db
def test_choosing_spanish_on_the_booking_page_makes_the_next_emails_spanish(client, settings):
    appointment = AppointmentFactory(patient=PatientFactory(language="en"), start=timezone.now() + timedelta(days=3))
    page = reverse("consultations:manage", args=[appointment.manage_token])

    client.post("/i18n/setlang/", {"language": "es", "next": page})
    response = client.get(page)

    assert '<html lang="es">' in response.content.decode()
    appointment.patient.refresh_from_db()
    assert appointment.patient.language == "es"


@pytest.mark.django_db
def test_a_browser_that_only_prefers_spanish_does_not_change_the_emails_language(client):
    """Accept-Language alone is no choice: someone else's browser opening the link changes nothing."""
    appointment = AppointmentFactory(patient=PatientFactory(language="en"), start=timezone.now() + timedelta(days=3))

    response = client.get(reverse("consultations:manage", args=[appointment.manage_token]), HTTP_ACCEPT_LANGUAGE="es")

    assert '<html lang="es">' in response.content.decode()
    appointment.patient.refresh_from_db()
    assert appointment.patient.language == "en"
