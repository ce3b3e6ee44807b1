"""Book for a caller: the front desk or a pharmacist books for a patient on the phone."""

from datetime import date

import pytest
from django.urls import reverse

from consultations.forms import iso_start
from consultations.models import Appointment
from patients.models import AuditEvent, Intake, Patient, ScreeningFlag
from tests.consultations.conftest import chicago, monday_morning, works_every_day  # noqa: F401  (a fixture)
from tests.factories import AppointmentFactory, ConsultationTypeFactory, IntakeFactory, PatientFactory
from tests.patients.intake_data import intake_post
from tests.staff import SENTINEL_MEDICATION, assert_nothing_clinical, flagged_intake

pytestmark = pytest.mark.usefixtures("monday_morning")

FIND = "admin:consultations_appointment_book"


@pytest.fixture
def ldn(db):
    return ConsultationTypeFactory(
        name="LDN consultation", slug="ldn-consultation", duration_minutes=30, buffer_minutes=0,
        min_notice_minutes=120, max_advance_days=60,
    )


@pytest.fixture
def rx(pharmacist):
    return works_every_day(pharmacist)


@pytest.fixture
def ada(db):
    return PatientFactory(
        first_name="Ada", last_name="Lovelace", email="ada@example.com", phone="+16085550188",
        date_of_birth=date(1980, 4, 12),
    )


def choice(ldn, rx, **extra):
    return {"type": ldn.slug, "mode": "phone", "pharmacist": str(rx.pk), **extra}


def review_url(patient):
    return reverse("admin:consultations_appointment_book_review", args=[patient.pk])


# --- finding the caller ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "term",
    ["lovelace", "Ada Lovelace", "(608) 555-0188", "608.555.0188", "+1 608 555 0188", "ADA@example.com",
     "1980-04-12", "04/12/1980"],
)
def test_it_finds_the_caller_by_name_phone_email_or_birth_date(desk, ada, term):
    PatientFactory(first_name="Grace", last_name="Hopper", phone="+16085550999", date_of_birth=date(1975, 1, 2))

    html = desk.get(reverse(FIND), {"q": term}).content.decode()

    assert "Ada Lovelace" in html
    assert "Grace Hopper" not in html
    assert reverse("admin:consultations_appointment_book_choose", args=[ada.pk]) in html


def test_it_says_when_no_one_matches_and_offers_a_new_patient(desk, ada):
    html = desk.get(reverse(FIND), {"q": "Babbage"}).content.decode()

    assert "No patient matches" in html
    assert reverse("admin:consultations_appointment_book_patient") in html


def test_anonymised_records_are_never_offered(desk):
    removed = PatientFactory(first_name="Removed", last_name="Removed", date_of_birth=date(1900, 1, 1))

    html = desk.get(reverse(FIND), {"q": "Removed"}).content.decode()

    assert reverse("admin:consultations_appointment_book_choose", args=[removed.pk]) not in html
    assert "No patient matches" in html


def test_staff_without_the_booking_permission_are_refused(staff_client, db):
    from tests.factories import UserFactory

    assert staff_client(UserFactory(username="nobody", is_staff=True)).get(reverse(FIND)).status_code == 403


# --- a new caller ------------------------------------------------------------------------------------
def new_patient(client, **overrides):
    data = {
        "patient-first_name": "Mary", "patient-last_name": "Somerville", "patient-date_of_birth": "1979-12-26",
        "patient-email": "mary@example.com", "patient-phone": "(608) 555-0177", "patient-preferred_contact": "phone",
        **overrides,
    }
    return client.post(reverse("admin:consultations_appointment_book_patient"), data)


def test_a_new_caller_is_saved_with_contact_details_only(desk, front_desk):
    response = new_patient(desk)

    mary = Patient.objects.get(email="mary@example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consultations_appointment_book_choose", args=[mary.pk])
    assert mary.phone == "+16085550177"
    assert not mary.intakes.exists()
    assert AuditEvent.objects.filter(
        user=front_desk, action=AuditEvent.Action.ADD, object_type="patients.patient", object_id=str(mary.pk)
    ).exists()


def test_a_new_caller_is_checked_like_the_patient_form(desk):
    response = new_patient(desk, **{"patient-phone": "12", "patient-email": "not-an-email", "patient-date_of_birth": "2099-01-01"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a phone number we can reach you on" in html
    assert "Enter an email address like name@example.com." in html
    assert "can&#x27;t be in the future" in html
    assert not Patient.objects.exists()


def test_staff_may_book_someone_under_18(desk):
    new_patient(desk, **{"patient-date_of_birth": "2012-05-01"})

    assert Patient.objects.filter(email="mary@example.com").exists()


def test_a_caller_already_known_by_email_and_birth_date_is_not_added_twice(desk, ada):
    new_patient(desk, **{"patient-email": "ADA@example.com", "patient-date_of_birth": "1980-04-12",
                          "patient-first_name": "Ada", "patient-last_name": "Lovelace"})

    assert Patient.objects.count() == 1
    ada.refresh_from_db()
    assert ada.phone == "+16085550177"


# --- the consultation and the time ---------------------------------------------------------------------
def test_choosing_leads_to_the_free_times_with_short_notice_ones_marked(desk, ada, ldn, rx):
    response = desk.get(reverse("admin:consultations_appointment_book_choose", args=[ada.pk]), choice(ldn, rx))
    assert response.status_code == 302

    html = desk.get(response["Location"]).content.decode()

    # Monday 08:00: from 9:00 the times before 10:00 are inside the 2-hour notice; 10:00 is not.
    assert "9:00 AM" in html and "10:00 AM" in html
    assert html.index("9:00 AM") < html.index("short notice: reason needed")
    assert html.rindex("short notice: reason needed") < html.index("10:00 AM")


def test_a_mode_the_type_does_not_offer_goes_back_to_the_choice(desk, ada, ldn, rx):
    ldn.allows_video = False
    ldn.save()

    response = desk.get(
        reverse("admin:consultations_appointment_book_time", args=[ada.pk]), choice(ldn, rx, mode="video")
    )

    assert response.status_code == 302
    assert reverse("admin:consultations_appointment_book_choose", args=[ada.pk]) in response["Location"]


# --- confirming ----------------------------------------------------------------------------------------
def test_booking_outside_the_notice_needs_no_reason(desk, front_desk, ada, ldn, rx):
    start = chicago(2026, 6, 2, 10)
    review = desk.get(review_url(ada), choice(ldn, rx, start=iso_start(start)))
    assert "No intake yet" in review.content.decode()
    assert "Why at such short notice?" not in review.content.decode()

    response = desk.post(review_url(ada), choice(ldn, rx, start=iso_start(start)))

    appointment = Appointment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:consultations_appointment_change", args=[appointment.pk])
    assert (appointment.patient, appointment.start, appointment.booked_by) == (ada, start, front_desk)
    assert appointment.intake is None
    assert AuditEvent.objects.filter(
        user=front_desk, action=AuditEvent.Action.ADD, object_type="consultations.appointment"
    ).exists()


def test_booking_inside_the_notice_needs_a_written_reason(desk, ada, ldn, rx):
    soon = iso_start(chicago(2026, 6, 1, 9))

    refused = desk.post(review_url(ada), choice(ldn, rx, start=soon, reason="  "))

    assert refused.status_code == 200
    assert "write why it is booked at such short notice" in refused.content.decode()
    assert not Appointment.objects.exists()

    booked = desk.post(review_url(ada), choice(ldn, rx, start=soon, reason="Leaving the country tomorrow"), follow=True)
    assert Appointment.objects.get().booking_note == "Leaving the country tomorrow"
    # The appointment page says who booked it and why.
    html = booked.content.decode()
    assert "Dora" in html and "(staff)" in html
    assert "Leaving the country tomorrow" in html


def test_a_time_taken_meanwhile_is_refused_kindly_with_the_times_still_free(desk, ada, ldn, rx):
    start = chicago(2026, 6, 2, 10)
    AppointmentFactory(pharmacist=rx, consultation_type=ldn, start=start)

    response = desk.post(review_url(ada), choice(ldn, rx, start=iso_start(start)), follow=True)

    html = response.content.decode()
    assert "that time was just taken" in html
    assert "Free times on" in html
    assert Appointment.objects.count() == 1


def test_the_patients_unused_recent_intake_goes_with_the_booking(desk, ada, ldn, rx):
    intake = flagged_intake(patient=ada)

    review = desk.get(review_url(ada), choice(ldn, rx, start=iso_start(chicago(2026, 6, 2, 10))))
    desk.post(review_url(ada), choice(ldn, rx, start=iso_start(chicago(2026, 6, 2, 10))))

    assert "The intake the patient sent on" in review.content.decode()
    assert_nothing_clinical(review.content.decode())
    assert Appointment.objects.get().intake == intake


def test_front_desk_sees_nothing_clinical_anywhere_in_the_flow(desk, ada, ldn, rx):
    flagged_intake(patient=ada)
    by_medication = desk.get(reverse(FIND), {"q": SENTINEL_MEDICATION}).content.decode()
    pages = [
        desk.get(reverse(FIND), {"q": "Lovelace"}),
        desk.get(reverse("admin:consultations_appointment_book_choose", args=[ada.pk])),
        desk.get(reverse("admin:consultations_appointment_book_time", args=[ada.pk]), choice(ldn, rx)),
        desk.get(review_url(ada), choice(ldn, rx, start=iso_start(chicago(2026, 6, 1, 9)))),
        desk.post(review_url(ada), choice(ldn, rx, start=iso_start(chicago(2026, 6, 1, 9)), reason="urgent"), follow=True),
    ]

    for response in pages:
        assert response.status_code == 200
        assert_nothing_clinical(response.content.decode())
    # The term is echoed in the search box; nobody is found by it.
    assert "Ada Lovelace" not in by_medication
    assert "No patient matches" in by_medication


# --- a pharmacist enters the intake with the patient ----------------------------------------------------
@pytest.fixture
def booked_without_intake(ada, ldn, rx, front_desk):
    from consultations import services

    return services.appointment_book_for_caller(
        patient=ada, consultation_type=ldn, mode="phone", start=chicago(2026, 6, 2, 10), by=front_desk
    )


def enter_url(appointment):
    return reverse("admin:consultations_appointment_enter_intake", args=[appointment.pk])


def ada_intake(**overrides):
    return intake_post(
        medications=(("oxycodone 5 mg", "5 mg", "twice a day", "prescription"),),
        **{"patient-first_name": "Ada", "patient-last_name": "Lovelace", "patient-email": "ada@example.com",
           "patient-date_of_birth": "1980-04-12", "patient-phone": "608 555 0188", **overrides},
    )


def test_front_desk_may_not_enter_an_intake(desk, booked_without_intake):
    change = desk.get(reverse("admin:consultations_appointment_change", args=[booked_without_intake.pk]))

    assert enter_url(booked_without_intake) not in change.content.decode()
    assert desk.get(enter_url(booked_without_intake)).status_code == 403
    assert desk.post(enter_url(booked_without_intake), ada_intake()).status_code == 403
    assert not Intake.objects.exists()


def test_a_pharmacist_enters_the_intake_screened_attached_and_audited_as_entered_by_staff(
    pharmacist_client, pharmacist_user, booked_without_intake
):
    change = pharmacist_client.get(reverse("admin:consultations_appointment_change", args=[booked_without_intake.pk]))
    form = pharmacist_client.get(enter_url(booked_without_intake))
    assert enter_url(booked_without_intake) in change.content.decode()
    assert 'value="ada@example.com"' in form.content.decode()

    response = pharmacist_client.post(enter_url(booked_without_intake), ada_intake())

    assert response.status_code == 302
    booked_without_intake.refresh_from_db()
    intake = booked_without_intake.intake
    assert intake.patient_id == booked_without_intake.patient_id
    assert intake.screening_outcome == ScreeningFlag.Severity.CONTRAINDICATION
    assert intake.flags.filter(code="opioid").exists()
    assert AuditEvent.objects.filter(
        user=pharmacist_user, action=AuditEvent.Action.ADD, object_type="patients.intake", object_id=str(intake.pk)
    ).exists()


def test_an_intake_under_another_email_is_not_filed(pharmacist_client, booked_without_intake):
    response = pharmacist_client.post(enter_url(booked_without_intake), ada_intake(**{"patient-email": "someone@example.com"}))

    assert response.status_code == 200
    assert "Use the email address this consultation was booked with" in response.content.decode()
    assert not Intake.objects.exists()


def test_a_consultation_that_has_an_intake_needs_none_entered(pharmacist_client, ada, ldn, rx):
    appointment = AppointmentFactory(intake=IntakeFactory(patient=ada), pharmacist=rx, consultation_type=ldn)

    response = pharmacist_client.get(enter_url(appointment))

    assert response.status_code == 302
    assert Intake.objects.count() == 1


@pytest.mark.parametrize(
    "url_name, params",
    [
        ("", {"q": "ada\x00"}),
        ("", {"q": "x" * 500}),
        ("_time", {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any", "day": "0001-01-01"}),
        ("_time", {"type": "nope\x00", "mode": "phone", "pharmacist": "99999999999999999999"}),
        ("_review", {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any",
                     "start": "0001-01-01T00:00:00+14:00"}),
    ],
)
def test_crafted_input_is_answered_never_a_500(desk, ada, ldn, rx, url_name, params):
    url = reverse(FIND + url_name, args=[ada.pk] if url_name else [])

    assert desk.get(url, params).status_code in (200, 302)
    if url_name == "_review":
        assert desk.post(url, params).status_code in (200, 302)
        assert not Appointment.objects.exists()


def test_a_spanish_speaking_caller_gets_emails_in_spanish(desk, front_desk):
    new_patient(desk, **{"patient-email": "rosa@example.com", "patient-language": "es"})
    new_patient(desk, **{"patient-email": "ann@example.com"})  # nothing chosen: English

    assert Patient.objects.get(email="rosa@example.com").language == "es"
    assert Patient.objects.get(email="ann@example.com").language == "en"
    html = desk.get(reverse("admin:consultations_appointment_book_patient")).content.decode()
    assert "Language for emails" in html and "Español" in html
