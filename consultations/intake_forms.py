"""The intake form for a consultation booked without one (a caller booked by staff): the patients'
own ``IntakeSubmission``, opened with the booked patient's contact details, and checked to be
theirs before it is stored — an intake under another email or birth date would be filed under
another person and never reach this consultation."""

from __future__ import annotations

from django.utils.translation import gettext

from patients.forms import IntakeSubmission, PatientForm
from patients.models import Patient


def intake_for_patient(patient: Patient, *, pharmacy_phone: str) -> IntakeSubmission:
    """An empty intake form with the patient's contact details filled in."""
    submission = IntakeSubmission(pharmacy_phone=pharmacy_phone)
    submission.patient = PatientForm(
        initial={
            "first_name": patient.first_name,
            "last_name": patient.last_name,
            "date_of_birth": patient.date_of_birth,
            "email": patient.email,
            "phone": patient.phone,
            "preferred_contact": patient.preferred_contact,
        },
        prefix="patient",
        pharmacy_phone=pharmacy_phone,
    )
    return submission


def is_the_booked_patient(submission: IntakeSubmission, patient: Patient, *, how_to_change: str) -> bool:
    """Does the valid ``submission`` carry the booked patient's email and date of birth? If not,
    the fields say so (with ``how_to_change``) and nothing should be stored."""
    data = submission.patient.cleaned_data
    same = True
    if data["email"].lower() != patient.email.lower():
        submission.patient.add_error(
            "email", gettext("Use the email address this consultation was booked with.") + " " + how_to_change
        )
        same = False
    if data["date_of_birth"] != patient.date_of_birth:
        submission.patient.add_error(
            "date_of_birth", gettext("Use the date of birth this consultation was booked with.") + " " + how_to_change
        )
        same = False
    return same
