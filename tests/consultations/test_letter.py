"""The letter to the prescriber, read back from the PDF: one page, every section, and nothing
clinical the patient did not give."""

import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from pypdf import PdfReader

from consultations import records
from consultations.letter import prescriber_letter_pdf
from consultations.models import ConsultationRecord
from patients.models import ScreeningFlag
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory, ScreeningFlagFactory

NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def pdf_text(data: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), " ".join(text.split())


@pytest.fixture
def record(pharmacist, pharmacist_user, patient):
    intake = IntakeFactory(
        patient=patient, takes_no_medications=False, prescriber_name="Dr. Ruth Mendel",
        prescriber_clinic="Lakeside Family Clinic", review_notes="Private desk note 5521",
    )
    tramadol = MedicationEntryFactory(intake=intake, position=0, text="Tramadol", dose="50 mg", frequency="stopped 3 weeks ago")
    MedicationEntryFactory(intake=intake, position=1, text="Vitamin D", dose="1000 IU", frequency="daily")
    flag = ScreeningFlagFactory(
        medication=tramadol, severity=ScreeningFlag.Severity.REVIEW, code="opioid_not_current",
        explanation="An opioid is mentioned but not taken now.",
    )
    # What an earlier intake raised is for staff only: it never reaches the letter.
    ScreeningFlagFactory(
        medication=tramadol, staff_only=True, code="earlier_intake", explanation="Earlier-intake-sentinel 4410",
    )
    appointment = AppointmentFactory(intake=intake, pharmacist=pharmacist, start=NOW - timedelta(hours=1))
    record = records.record_save(
        appointment=appointment, by=pharmacist_user,
        values={
            "outcome": ConsultationRecord.Outcome.SUITABLE,
            "patient_reported": "Chronic widespread pain.",
            "medicines_reviewed": "Both medicines as listed.",
            "advice": "Take at bedtime.",
            "plan": "Letter to the prescriber.",
            "recommendation": "Suitable to start low dose naltrexone.",
            "flag_resolutions": {str(flag.pk): "Last dose confirmed as 3 weeks ago; washout complete."},
        },
    )
    record = records.record_sign(record=record, by=pharmacist_user)
    return records.record_prescriber_consent(record=record, by=pharmacist_user)


def test_the_letter_is_one_page_with_every_section(record, patient):
    pages, text = pdf_text(prescriber_letter_pdf(record=record))
    assert pages == 1
    for expected in [
        "Welltopia Compounding Pharmacy",  # the pharmacy
        "Charlie Chen, PharmD",  # the pharmacist who signed
        "Dr. Ruth Mendel, Lakeside Family Clinic",  # to whom
        f"{patient.full_name}, born April 12, 1980",
        "Current medications, as the patient listed them",
        "Tramadol 50 mg stopped 3 weeks ago",
        "Vitamin D 1000 IU daily",
        "What screening raised and how it was resolved",
        "Raised: An opioid is mentioned but not taken now.",
        "Resolved: Last dose confirmed as 3 weeks ago; washout complete.",
        "Pharmacist's recommendation",
        "Suitable to start low dose naltrexone.",
        "Proposed titration, for you to confirm",
        "Start 1.5 mg",
        "4.5 mg",
        "fax or Direct messaging",
    ]:
        assert expected in text, expected


def test_the_letter_holds_nothing_the_patient_did_not_give(record):
    _, text = pdf_text(prescriber_letter_pdf(record=record))
    for private in ["Earlier-intake-sentinel 4410", "Private desk note 5521", "Breastfeeding", "Pregnan"]:
        assert private not in text
    # Nor the note's other parts, which stay in the pharmacy's record.
    assert "Chronic widespread pain" not in text


def test_a_very_long_record_still_fits_one_page_and_odd_characters_do_not_break_it(record):
    ConsultationRecord.objects.filter(pk=record.pk).update(
        recommendation="Start slowly — “as tolerated” ✓ 漢字. " * 120, titration="1.5 mg → 4.5 mg. " * 60
    )
    record.refresh_from_db()
    pages, text = pdf_text(prescriber_letter_pdf(record=record))
    assert pages == 1
    assert 'Start slowly - "as tolerated"' in text
