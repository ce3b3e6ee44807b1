"""The consultation record page and the letter: pharmacists write, sign, amend and download; the
front desk sees only whether the patient attended."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from consultations import records
from consultations.models import Appointment, ConsultationRecord, FollowUp
from patients.models import AuditEvent
from tests.factories import AppointmentFactory
from tests.staff import SENTINEL_MEDICATION, assert_nothing_clinical, flagged_intake

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
NOTE_WORD = "Sentinel-note-3381"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def appointment(pharmacist, patient):
    return AppointmentFactory(intake=flagged_intake(patient=patient), pharmacist=pharmacist, start=NOW - timedelta(hours=1))


def record_url(appointment):
    return reverse("admin:consultations_appointment_record", args=[appointment.pk])


def letter_url(appointment):
    return reverse("admin:consultations_appointment_letter", args=[appointment.pk])


def form_data(action, **fields):
    return {
        "action": action,
        "outcome": "suitable",
        "patient_reported": f"Pain most days. {NOTE_WORD}",
        "medicines_reviewed": "As listed.",
        "advice": "Bedtime dosing.",
        "plan": "Write to the prescriber.",
        "recommendation": "Suitable to start LDN.",
        "titration": "1.5 mg rising to 4.5 mg",
        **fields,
    }


def test_a_pharmacist_writes_and_signs_the_record_on_its_page(pharmacist_client, appointment):
    page = pharmacist_client.get(record_url(appointment))
    assert page.status_code == 200
    assert "Sign and lock" in page.content.decode()

    response = pharmacist_client.post(record_url(appointment), form_data("sign"))

    assert response.status_code == 302
    record = ConsultationRecord.objects.get(appointment=appointment)
    assert record.signed_name == "Charlie Chen, PharmD"
    html = pharmacist_client.get(record_url(appointment)).content.decode()
    assert "Signed by Charlie Chen, PharmD" in html
    assert NOTE_WORD in html
    assert "fax or Direct secure messaging is not part of this system" in html


def test_signing_with_a_part_missing_says_so_next_to_it_and_keeps_what_was_typed(pharmacist_client, appointment):
    response = pharmacist_client.post(record_url(appointment), form_data("sign", advice=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Write what was advised before signing." in html
    assert NOTE_WORD in html  # nothing typed is lost
    assert not ConsultationRecord.objects.get(appointment=appointment).is_signed


def test_an_amendment_without_a_reason_is_refused_and_with_one_keeps_the_original(pharmacist_client, appointment):
    pharmacist_client.post(record_url(appointment), form_data("sign"))

    refused = pharmacist_client.post(record_url(appointment), form_data("amend", plan="Wait a month."))
    assert "Say why the signed record is changed." in refused.content.decode()

    pharmacist_client.post(record_url(appointment), form_data("amend", plan="Wait a month.", reason="Patient travelling in December"))
    html = pharmacist_client.get(record_url(appointment)).content.decode()
    assert "Patient travelling in December" in html
    assert "The record as first signed" in html
    assert "Write to the prescriber." in html and "Wait a month." in html


def test_the_letter_asks_for_consent_first_then_downloads_and_is_audited(pharmacist_client, appointment):
    pharmacist_client.post(record_url(appointment), form_data("sign"))
    assert pharmacist_client.get(letter_url(appointment)).status_code == 302  # no consent yet

    pharmacist_client.post(record_url(appointment), {"action": "consent", "consent": "yes"})
    response = pharmacist_client.get(letter_url(appointment))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "attachment" in response["Content-Disposition"] and "Anders" not in response["Content-Disposition"]
    record = ConsultationRecord.objects.get(appointment=appointment)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.EXPORT, object_type="consultations.consultationrecord", object_id=str(record.pk)
    ).exists()


def test_follow_ups_are_set_from_the_page_and_bad_weeks_get_a_message(pharmacist_client, appointment):
    pharmacist_client.post(record_url(appointment), form_data("sign"))
    refused = pharmacist_client.post(record_url(appointment), {"action": "follow_ups", "weeks": "2, soon"})
    html = refused.content.decode()
    assert "whole numbers" in html and 'value="2, soon"' in html

    pharmacist_client.post(record_url(appointment), {"action": "follow_ups", "weeks": "2, 6, 12"})
    assert list(FollowUp.objects.values_list("weeks_after", flat=True)) == [2, 6, 12]


def test_viewing_the_record_is_audited(pharmacist_client, appointment, pharmacist_user):
    record = records.record_save(appointment=appointment, by=pharmacist_user, values={"outcome": "no_show"})
    pharmacist_client.get(record_url(appointment))
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.VIEW, object_type="consultations.consultationrecord", object_id=str(record.pk)
    ).exists()


def test_the_front_desk_sees_only_attended_or_no_show(desk, pharmacist_client, appointment):
    pharmacist_client.post(record_url(appointment), form_data("sign"))
    pharmacist_client.post(record_url(appointment), {"action": "consent", "consent": "yes"})

    assert desk.get(record_url(appointment)).status_code == 403
    assert desk.get(letter_url(appointment)).status_code == 403
    assert desk.post(record_url(appointment), form_data("amend", reason="Front desk trying")).status_code == 403

    html = desk.get(reverse("admin:consultations_appointment_change", args=[appointment.pk])).content.decode()
    assert Appointment.Status.COMPLETED.label in html
    assert "Consultation record" not in html
    for word in [NOTE_WORD, "Suitable", "suitable", "Write to the prescriber", SENTINEL_MEDICATION]:
        assert word not in html
    assert_nothing_clinical(html)


def test_today_marks_a_follow_up_for_pharmacists_only(pharmacist_client, desk, pharmacist, patient, appointment, pharmacist_user):
    record = records.record_save(
        appointment=appointment, by=pharmacist_user,
        values={"outcome": "suitable", "patient_reported": "P", "medicines_reviewed": "M", "advice": "A", "plan": "P",
                "recommendation": "R"},
    )
    records.record_sign(record=record, by=pharmacist_user)
    [follow_up] = records.follow_ups_plan(record=record, weeks=[6], by=pharmacist_user)
    checkin_intake = flagged_intake(patient=patient)
    FollowUp.objects.filter(pk=follow_up.pk).update(checkin_intake=checkin_intake, status=FollowUp.Status.CHECKED_IN)
    AppointmentFactory(intake=checkin_intake, pharmacist=pharmacist, start=NOW + timedelta(hours=2))
    today = reverse("admin:consultations_appointment_today") + "?pharmacist=all"

    assert "Follow-up, 6 weeks" in pharmacist_client.get(today).content.decode()
    assert "Follow-up" not in desk.get(today).content.decode()


def test_the_form_starts_with_the_prescriber_the_patient_named(pharmacist_client, pharmacist, patient):
    intake = flagged_intake(patient=patient, prescriber_name="Dr. Ruth Mendel", prescriber_clinic="Lakeside Clinic")
    appointment = AppointmentFactory(intake=intake, pharmacist=pharmacist, start=NOW - timedelta(hours=1))
    html = pharmacist_client.get(record_url(appointment)).content.decode()
    assert 'value="Dr. Ruth Mendel"' in html and 'value="Lakeside Clinic"' in html


def test_a_follow_up_shows_booked_once_the_patient_booked_after_the_check_in(pharmacist_client, pharmacist, patient, appointment):
    pharmacist_client.post(record_url(appointment), form_data("sign"))
    pharmacist_client.post(record_url(appointment), {"action": "follow_ups", "weeks": "2"})
    follow_up = FollowUp.objects.get()
    checkin_intake = flagged_intake(patient=patient)
    FollowUp.objects.filter(pk=follow_up.pk).update(checkin_intake=checkin_intake, status=FollowUp.Status.CHECKED_IN)
    assert "Check-in done" in pharmacist_client.get(record_url(appointment)).content.decode()

    AppointmentFactory(intake=checkin_intake, pharmacist=pharmacist, start=NOW + timedelta(days=13))
    html = pharmacist_client.get(record_url(appointment)).content.decode()
    assert "<td>Booked</td>" in html
