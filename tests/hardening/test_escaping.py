"""HTML and script typed into any field come out as text: in the patient's pages, in the staff
admin and in emails. Never as markup a browser would run."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from consultations.models import Appointment, Notification
from consultations.notifications.messages import notification_message
from patients.models import Intake, MedicationEntry, Patient
from tests.factories import (
    AppointmentFactory,
    IntakeFactory,
    MedicationEntryFactory,
    PatientFactory,
    UserFactory,
)
from tests.patients.intake_data import intake_post

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'
IMG = "<img src=x onerror=alert(1)>"
RAW = (SCRIPT, IMG, "<script>alert", "<img src=x")
ESCAPED_SCRIPT = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def assert_no_raw_markup(text: str):
    for raw in RAW:
        assert raw not in text


def test_markup_in_every_intake_answer_is_shown_as_text_on_the_summary(client):
    data = intake_post(
        medications=((SCRIPT, IMG, SCRIPT, "prescription"),),
        **{
            "patient-first_name": SCRIPT,
            "patient-last_name": IMG,
            "intake-allergies": SCRIPT,
            "intake-conditions": ["other"],
            "intake-condition_other": IMG,
            "intake-has_ldn_prescription": "yes",
            "intake-prescriber_name": SCRIPT,
            "intake-prescriber_clinic": IMG,
            "intake-prescriber_phone": "608-555-0100",
        },
    )
    assert client.post("/intake/", data).status_code == 302

    page = client.get(reverse("patients:intake_summary")).content.decode()

    assert_no_raw_markup(page)
    assert f"Thank you, {ESCAPED_SCRIPT}" in page
    assert Patient.objects.get().first_name == SCRIPT  # stored as typed; escaped when shown


def test_markup_is_escaped_when_the_intake_comes_back_with_errors(client):
    data = intake_post(**{"patient-first_name": SCRIPT, "patient-email": IMG, "intake-allergies": SCRIPT})

    response = client.post("/intake/", data)

    page = response.content.decode()
    assert response.status_code == 200 and "a second look" in page
    assert_no_raw_markup(page)
    assert f'value="{ESCAPED_SCRIPT}"' in page  # kept for the patient, as text


@pytest.fixture
def scripted_appointment():
    patient = PatientFactory(first_name=SCRIPT, last_name=IMG, email="script@example.com")
    intake = IntakeFactory(patient=patient, allergies=SCRIPT, condition_other=IMG, takes_no_medications=False)
    MedicationEntryFactory(intake=intake, text=SCRIPT, dose=IMG, frequency=SCRIPT)
    return AppointmentFactory(intake=intake, patient=patient)


def test_the_manage_pages_never_echo_markup(client, scripted_appointment):
    for name in ("manage", "manage_cancel", "manage_reschedule_day"):
        page = client.get(reverse(f"consultations:{name}", args=[scripted_appointment.manage_token]))
        assert page.status_code == 200
        assert_no_raw_markup(page.content.decode())


def test_emails_show_a_scripted_name_as_text(scripted_appointment):
    notification = Notification.objects.create(
        appointment=scripted_appointment, kind=Notification.Kind.CONFIRMATION, appointment_version=1,
        due_at=scripted_appointment.created_at,
    )

    message = notification_message(notification=notification)

    html = message.alternatives[0][0]
    assert_no_raw_markup(html)
    assert ESCAPED_SCRIPT in html
    assert_no_raw_markup(message.subject)


def staff_admin_client(user) -> Client:
    """The admin signed in as ``user``, with the second factor when django-otp guards the admin."""
    client = Client()
    client.force_login(user)
    if apps.is_installed("django_otp.plugins.otp_totp"):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def test_the_admin_shows_markup_typed_by_patients_as_text(scripted_appointment):
    assert all(admin.site.is_registered(m) for m in (Patient, Intake, Appointment))
    staff = staff_admin_client(UserFactory(username="root", is_staff=True, is_superuser=True))
    objects = {
        Patient: scripted_appointment.patient,
        Intake: scripted_appointment.intake,
        MedicationEntry: scripted_appointment.intake.medications.get(),
        Appointment: scripted_appointment,
    }

    registered = [model for model in objects if admin.site.is_registered(model)]
    for model in registered:
        info = (model._meta.app_label, model._meta.model_name)
        for url in (
            reverse("admin:{}_{}_changelist".format(*info)),
            reverse("admin:{}_{}_change".format(*info), args=[objects[model].pk]),
        ):
            response = staff.get(url)
            assert response.status_code == 200, url
            assert_no_raw_markup(response.content.decode())
