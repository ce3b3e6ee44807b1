"""The follow-up check-in: the invitation's link, the date of birth, the last medication list with
what changed, and a new intake screened as any other."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from consultations import records
from consultations.models import ConsultationRecord, FollowUp
from patients.models import Intake
from patients.session import SESSION_KEY as INTAKE_SESSION_KEY
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory, PatientFactory

NOW = datetime(2026, 12, 9, 16, 0, tzinfo=UTC)
ANSWERS = reverse("consultations:follow_up_answers")


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def follow_up(pharmacist, pharmacist_user, patient):
    intake = IntakeFactory(patient=patient, takes_no_medications=False, submitted_at=NOW - timedelta(days=20))
    MedicationEntryFactory(intake=intake, position=0, text="Metformin", dose="500 mg", frequency="twice daily")
    MedicationEntryFactory(intake=intake, position=1, text="Vitamin D", dose="1000 IU", frequency="daily")
    appointment = AppointmentFactory(intake=intake, pharmacist=pharmacist, start=NOW - timedelta(days=14))
    record = records.record_save(
        appointment=appointment, by=pharmacist_user,
        values={
            "outcome": ConsultationRecord.Outcome.SUITABLE, "patient_reported": "Pain.", "medicines_reviewed": "Listed.",
            "advice": "Bedtime.", "plan": "Titrate.", "recommendation": "Start LDN.",
        },
    )
    record = records.record_sign(record=record, by=pharmacist_user, now=NOW - timedelta(days=14))
    [planned] = records.follow_ups_plan(record=record, weeks=[2], by=pharmacist_user)
    return planned


def link(follow_up):
    return reverse("consultations:follow_up_checkin", args=[follow_up.token])


def answers(**fields):
    return {
        "med_0": "same", "med_1": "same", "pregnancy_status": "not_applicable", "opioid_use": "no",
        "still_agree": "on", **fields,
    }


def test_the_link_asks_for_the_date_of_birth_before_showing_any_medicine(client, follow_up):
    page = client.get(link(follow_up)).content.decode()
    assert "date of birth" in page
    assert "Metformin" not in page

    wrong = client.post(link(follow_up), {"date_of_birth": "1981-04-12"})
    assert "does not match" in wrong.content.decode()
    assert client.get(ANSWERS).status_code == 302  # nothing opened

    right = client.post(link(follow_up), {"date_of_birth": "1980-04-12"})
    assert right.status_code == 302 and right["Location"] == ANSWERS
    page = client.get(ANSWERS).content.decode()
    assert "Metformin 500 mg twice daily" in page and "Vitamin D 1000 IU daily" in page


def test_what_changed_becomes_a_new_intake_screened_like_any_other(client, follow_up, patient):
    client.post(link(follow_up), {"date_of_birth": "1980-04-12"})

    response = client.post(
        ANSWERS,
        answers(med_0="changed", med_0_dose="1000 mg", med_1="stopped", new_0_text="oxycodone", new_0_dose="5 mg", new_0_frequency="as needed"),
    )

    assert response.status_code == 302 and response["Location"] == reverse("patients:intake_summary")
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.CHECKED_IN
    intake = follow_up.checkin_intake
    assert intake.patient == patient
    assert [(m.text, m.dose, m.frequency) for m in intake.medications.all()] == [
        ("Metformin", "1000 mg", "twice daily"),
        ("oxycodone", "5 mg", "as needed"),
    ]
    assert intake.screening_outcome == Intake.Outcome.CONTRAINDICATION
    assert client.session[INTAKE_SESSION_KEY] == str(intake.reference)
    # The summary the patient sees next is the one every intake gets.
    assert client.get(reverse("patients:intake_summary")).status_code == 200


def test_a_change_without_the_new_dose_is_asked_for_and_nothing_typed_is_lost(client, follow_up):
    client.post(link(follow_up), {"date_of_birth": "1980-04-12"})
    response = client.post(ANSWERS, answers(med_0="changed", new_0_text="Magnesium glycinate"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "give the new dose or how often" in html
    assert 'value="Magnesium glycinate"' in html
    assert not Intake.objects.filter(medications__text="Magnesium glycinate").exists()


def test_the_opioid_question_is_asked_again(client, follow_up):
    client.post(link(follow_up), {"date_of_birth": "1980-04-12"})
    response = client.post(ANSWERS, answers(opioid_use="stopped"))
    assert "tell us which one" in response.content.decode()


def test_a_used_or_unknown_link_opens_nothing(client, follow_up):
    assert client.get(reverse("consultations:follow_up_checkin", args=["x" * 43])).status_code == 404
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUp.Status.CHECKED_IN)
    page = client.get(link(follow_up)).content.decode()
    assert "already have your answers" in page


# --- A returning patient (point 4): the same check-in from a past consultation's page --------------
def test_a_returning_patient_books_again_starting_from_the_last_medication_list(client, follow_up, patient):
    past = follow_up.record.appointment
    manage = client.get(reverse("consultations:manage", args=[past.manage_token])).content.decode()
    again = reverse("consultations:book_again", args=[past.manage_token])
    assert f'href="{again}"' in manage

    page = client.get(again).content.decode()
    assert "Welcome back" in page and "Metformin" not in page
    assert "does not match" in client.post(again, {"date_of_birth": "1980-04-13"}).content.decode()
    assert client.post(again, {"date_of_birth": "1980-04-12"})["Location"] == ANSWERS
    assert "Metformin 500 mg twice daily" in client.get(ANSWERS).content.decode()

    response = client.post(ANSWERS, answers(med_1="stopped"))

    assert response["Location"] == reverse("patients:intake_summary")
    intake = Intake.objects.order_by("-submitted_at", "-id").first()
    assert intake.patient == patient
    assert [(m.text, m.dose) for m in intake.medications.all()] == [("Metformin", "500 mg")]
    assert intake.screening_rules_version  # screened
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.PLANNED and follow_up.checkin_intake is None


def test_booking_again_without_an_earlier_intake_opens_the_usual_intake_form(client, db):
    staff_booked = AppointmentFactory(intake=None, patient=PatientFactory())
    response = client.get(reverse("consultations:book_again", args=[staff_booked.manage_token]))
    assert response["Location"] == reverse("patients:intake_start")


# --- Booking the follow-up inside its window -------------------------------------------------------
@pytest.fixture
def checked_in(client, follow_up, pharmacist):
    from tests.consultations.conftest import works_every_day

    works_every_day(pharmacist)
    client.post(link(follow_up), {"date_of_birth": "1980-04-12"})
    client.post(ANSWERS, answers())
    follow_up.refresh_from_db()
    return follow_up


def test_the_day_page_offers_only_days_in_the_follow_up_window(client, checked_in):
    kind = checked_in.record.appointment.consultation_type
    page = client.get(
        reverse("consultations:book_day") + f"?type={kind.slug}&mode=phone&pharmacist=any"
    ).content.decode()
    start, end = checked_in.window  # Dec 2 to Dec 16 around Dec 9
    offered = {date.fromisoformat(day) for day in re.findall(r"day=(\d{4}-\d{2}-\d{2})", page)}
    assert offered and min(offered) >= start and max(offered) <= end
    assert "Your follow-up" in page


def test_a_follow_up_cannot_be_booked_outside_its_window(checked_in):
    from consultations import services

    kind = checked_in.record.appointment.consultation_type
    late = datetime(2026, 12, 22, 16, 0, tzinfo=UTC)  # 10:00 in Chicago, after the window
    with pytest.raises(services.SlotUnavailable):
        services.appointment_book(intake=checked_in.checkin_intake, consultation_type=kind, mode="phone", start=late)
    inside = datetime(2026, 12, 14, 16, 0, tzinfo=UTC)
    booked = services.appointment_book(intake=checked_in.checkin_intake, consultation_type=kind, mode="phone", start=inside)
    assert booked.intake == checked_in.checkin_intake


def test_in_spanish_an_answer_to_correct_keeps_everything_typed(client, follow_up):
    """Issue #18: the check-in in Spanish says what to correct in Spanish and loses nothing typed."""
    client.cookies["django_language"] = "es"
    client.post(link(follow_up), {"date_of_birth": "1980-04-12"})

    response = client.post(
        ANSWERS, answers(med_0="changed", new_0_text="ibuprofeno", new_0_frequency="cuando me duele", still_agree=""),
    )

    page = response.content.decode()
    assert response.status_code == 200 and '<html lang="es">' in page
    assert "Algunas respuestas necesitan una revisión" in page
    assert "Nos dijo que esto cambió: escriba la nueva dosis o con qué frecuencia lo toma." in page
    assert "Por favor, confirme esto para continuar." in page
    assert 'value="ibuprofeno"' in page and 'value="cuando me duele"' in page
    assert re.search(r'name="med_0" value="changed"[^>]*checked', page)


def test_in_spanish_a_typed_date_of_birth_is_read_month_first_as_the_hint_says(client, follow_up):
    """The Spanish hint says mes/día/año; Django's Spanish formats alone would read 04/12 as 4 December."""
    client.cookies["django_language"] = "es"
    response = client.post(link(follow_up), {"date_of_birth": "04/12/1980"})  # 12 April 1980
    assert response.status_code == 302 and response["Location"] == ANSWERS
