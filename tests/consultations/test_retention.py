"""purge_expired_records: past RETENTION_DAYS a patient's data goes; consultation counts stay."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from consultations.models import Appointment
from consultations.retention import records_purge_expired
from patients.models import Intake, MedicationEntry, Patient, ScreeningFlag
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory, PatientFactory

pytestmark = pytest.mark.django_db

LONG_AGO = datetime(2018, 3, 1, 15, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 15, tzinfo=UTC)  # 3,014 days later: past the default 2,555


def flagged_intake(patient):
    intake = IntakeFactory(
        patient=patient, submitted_at=LONG_AGO, takes_no_medications=False, allergies="codeine",
        conditions=["chronic_pain"], condition_other="<private>", pregnancy_status=Intake.PregnancyStatus.PREGNANT,
    )
    entry = MedicationEntryFactory(intake=intake, text="oxycodone 5 mg")
    ScreeningFlag.objects.create(
        intake=intake, medication=entry, code="opioid", severity="contraindication", matched="oxycodone",
        ingredient="oxycodone", explanation="x", rules_version="1",
    )
    return intake


@pytest.fixture
def old_records():
    """Made in 2018: one patient who only filled an intake, one who also had a consultation."""
    with time_machine.travel(LONG_AGO, tick=False):
        lone = PatientFactory(first_name="Lone", email="lone@example.com")
        flagged_intake(lone)
        seen = PatientFactory(first_name="Seen", email="seen@example.com", phone="+16085550199")
        appointment = AppointmentFactory(intake=flagged_intake(seen), patient=seen,
                                         start=LONG_AGO + timedelta(days=3), status=Appointment.Status.COMPLETED)
    return lone, seen, appointment


def test_a_patient_with_only_an_old_intake_is_deleted_with_it(old_records):
    lone, _, _ = old_records

    with time_machine.travel(NOW, tick=False):
        counts = records_purge_expired()

    assert not Patient.objects.filter(pk=lone.pk).exists()
    assert not Intake.objects.filter(patient_id=lone.pk).exists()
    assert counts.patients_deleted == 1 and counts.intakes_deleted == 1


def test_a_patient_with_an_old_consultation_is_anonymised_and_the_consultation_kept(old_records):
    _, seen, appointment = old_records
    before = Appointment.objects.values_list("start", "consultation_type", "mode", "status", "pharmacist").get()

    with time_machine.travel(NOW, tick=False):
        counts = records_purge_expired()

    seen.refresh_from_db()
    assert (seen.first_name, seen.last_name, seen.email, seen.phone) == ("Removed", "", "", "")
    assert seen.date_of_birth == date(1900, 1, 1)
    intake = Intake.objects.get(patient=seen)
    assert (intake.allergies, intake.conditions, intake.condition_other, intake.pregnancy_status) == ("", [], "", "")
    assert intake.screening_outcome == "clear" and intake.submitted_at == LONG_AGO
    assert not MedicationEntry.objects.exists() and not ScreeningFlag.objects.exists()
    assert Appointment.objects.values_list("start", "consultation_type", "mode", "status", "pharmacist").get() == before
    assert counts.patients_anonymised == 1 and counts.intakes_stripped == 1 and counts.appointments_kept == 1


def test_recent_activity_keeps_a_patient_whole(old_records):
    lone, seen, _ = old_records
    with time_machine.travel(NOW - timedelta(days=30), tick=False):
        IntakeFactory(patient=lone)  # came back last month
        AppointmentFactory(intake=IntakeFactory(patient=seen, submitted_at=LONG_AGO), patient=seen,
                           start=NOW + timedelta(days=3))  # an old intake, a consultation still to come

    with time_machine.travel(NOW, tick=False):
        counts = records_purge_expired()

    assert counts == type(counts)()
    assert Patient.objects.filter(email__in=["lone@example.com", "seen@example.com"]).count() == 2
    assert MedicationEntry.objects.count() == 2


def test_nothing_is_removed_before_the_retention_period_ends(old_records, settings):
    settings.RETENTION_DAYS = 4000
    with time_machine.travel(NOW, tick=False):
        counts = records_purge_expired()

    assert counts.patients_deleted == counts.patients_anonymised == 0
    assert Patient.objects.exclude(first_name="Removed").count() == 2
    assert MedicationEntry.objects.count() == 2


def test_a_dry_run_prints_counts_only_and_changes_nothing(old_records):
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge_expired_records", "--dry-run", stdout=out)

    text = out.getvalue()
    assert "Dry run: nothing changed." in text
    assert "patients deleted (would be): 1" in text and "patients anonymised (would be): 1" in text
    assert "medication entries deleted (would be): 2" in text
    assert "consultations kept for statistics: 1" in text
    for private in ("Lone", "Seen", "lone@example.com", "seen@example.com", "oxycodone", "codeine"):
        assert private not in text
    assert Patient.objects.count() == 2 and MedicationEntry.objects.count() == 2


def test_running_it_twice_removes_nothing_more(old_records):
    with time_machine.travel(NOW, tick=False):
        call_command("purge_expired_records", stdout=StringIO())
        out = StringIO()
        call_command("purge_expired_records", stdout=out)

    assert "patients anonymised (were): 0" in out.getvalue()
    assert Appointment.objects.count() == 1 and Patient.objects.count() == 1


def test_a_consultation_record_past_retention_keeps_its_outcome_and_loses_its_note(db):
    from consultations import records
    from consultations.models import ConsultationRecord, FollowUp
    from tests.factories import PharmacistFactory

    patient = PatientFactory()
    Patient.objects.filter(pk=patient.pk).update(created_at=LONG_AGO)
    pharmacist = PharmacistFactory()
    appointment = AppointmentFactory(
        intake=IntakeFactory(patient=patient, submitted_at=LONG_AGO), patient=patient, pharmacist=pharmacist,
        start=LONG_AGO, end=LONG_AGO + timedelta(minutes=30), blocked_until=LONG_AGO + timedelta(minutes=30),
    )
    with time_machine.travel(LONG_AGO + timedelta(hours=1), tick=False):
        record = records.record_save(
            appointment=appointment, by=pharmacist.user,
            values={"outcome": "suitable", "patient_reported": "<private note>", "medicines_reviewed": "m",
                    "advice": "a", "plan": "p", "recommendation": "r"},
        )
        record = records.record_sign(record=record, by=pharmacist.user)
        records.record_amend(record=record, by=pharmacist.user, values={"plan": "<private plan>"}, reason="Corrected it")
        records.follow_ups_plan(record=record, weeks=[2], by=pharmacist.user)
    FollowUp.objects.update(invite_at=NOW + timedelta(days=1))

    with time_machine.travel(NOW, tick=False):
        records_purge_expired()

    record = ConsultationRecord.objects.get()
    assert record.outcome == "suitable" and record.signed_at is not None
    assert record.patient_reported == "" and record.plan == ""
    assert record.amendments.get().before == {}
    assert FollowUp.objects.get().status == FollowUp.Status.CANCELLED
