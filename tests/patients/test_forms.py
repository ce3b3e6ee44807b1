from datetime import timedelta

import pytest
from django.utils import timezone

from patients.forms import IntakeForm, IntakeSubmission, PatientForm
from tests.patients.intake_data import intake_post, years_ago


def patient_form(**overrides):
    data = {key[len("patient-"):]: value for key, value in intake_post(**overrides).items() if key.startswith("patient-")}
    return PatientForm(data, pharmacy_phone="+1 608-555-0142")


def intake_form(**overrides):
    data = intake_post(**overrides)
    return IntakeForm(data, prefix="intake")


class TestDateOfBirth:
    def test_a_date_in_the_future_is_refused(self):
        form = patient_form(**{"patient-date_of_birth": str(timezone.localdate() + timedelta(days=1))})

        assert form.errors["date_of_birth"] == ["Your date of birth can't be in the future."]

    def test_an_age_over_120_is_refused_as_unrealistic(self):
        form = patient_form(**{"patient-date_of_birth": str(years_ago(121))})

        assert "check the year" in form.errors["date_of_birth"][0]

    def test_an_under_18_is_told_online_booking_is_for_adults_with_the_pharmacy_phone(self):
        form = patient_form(**{"patient-date_of_birth": str(years_ago(18, days=1))})

        (message,) = form.errors["date_of_birth"]
        assert "for adults" in message
        assert "+1 608-555-0142" in message

    def test_someone_turning_18_today_may_book(self):
        form = patient_form(**{"patient-date_of_birth": str(years_ago(18))})

        assert form.is_valid(), form.errors

    def test_a_date_that_is_not_a_date_says_so(self):
        form = patient_form(**{"patient-date_of_birth": "31/02/1980"})

        assert "date of birth" in form.errors["date_of_birth"][0]


class TestPhone:
    @pytest.mark.parametrize(
        ("typed", "stored"),
        [("608-555-0123", "+16085550123"), ("(608) 555 0199", "+16085550199"), ("+44 20 7946 0958", "+442079460958")],
    )
    def test_a_phone_number_is_stored_in_e164(self, typed, stored):
        form = patient_form(**{"patient-phone": typed})

        assert form.is_valid(), form.errors
        assert form.cleaned_data["phone"] == stored

    @pytest.mark.parametrize("typed", ["12345", "555-0123", "call me", "+1 000 000 0000"])
    def test_a_number_we_could_not_call_is_refused_with_an_example(self, typed):
        form = patient_form(**{"patient-phone": typed})

        assert "for example 608-555-0123" in form.errors["phone"][0]


class TestIntakeForm:
    def test_something_else_needs_a_few_words(self):
        form = intake_form(**{"intake-conditions": ["other"], "intake-condition_other": "  "})

        assert "Something else" in form.errors["condition_other"][0]

    def test_something_else_with_words_is_accepted(self):
        form = intake_form(**{"intake-conditions": ["other"], "intake-condition_other": "migraines"})

        assert form.is_valid(), form.errors
        assert form.cleaned_data["condition_other"] == "migraines"

    def test_with_a_prescription_the_prescriber_is_required(self):
        form = intake_form(**{"intake-has_ldn_prescription": "yes"})

        assert set(form.errors) == {"prescriber_name", "prescriber_clinic", "prescriber_phone"}

    def test_the_prescribers_phone_is_validated_and_stored_in_e164(self):
        form = intake_form(
            **{
                "intake-has_ldn_prescription": "yes",
                "intake-prescriber_name": "Dr Lee",
                "intake-prescriber_clinic": "Lakeside Clinic",
                "intake-prescriber_phone": "608 555 0111",
            }
        )

        assert form.is_valid(), form.errors
        assert form.cleaned_data["has_ldn_prescription"] is True
        assert form.cleaned_data["prescriber_phone"] == "+16085550111"

    def test_prescriber_details_are_dropped_when_there_is_no_prescription(self):
        form = intake_form(**{"intake-prescriber_name": "Dr Lee"})

        assert form.is_valid(), form.errors
        assert form.cleaned_data["has_ldn_prescription"] is False
        assert form.cleaned_data["prescriber_name"] == ""

    @pytest.mark.parametrize(
        ("consent", "message"),
        [
            ("intake-consent_privacy", "privacy notice"),
            ("intake-consent_not_diagnosis", "not a diagnosis"),
            ("intake-consent_contact", "contact you"),
        ],
    )
    def test_each_consent_is_required_with_its_own_message(self, consent, message):
        form = intake_form(**{consent: None})

        (error,) = form.errors[consent.removeprefix("intake-")]
        assert message in error


@pytest.mark.django_db
class TestMedicationRows:
    def test_add_row_keeps_every_answer_and_adds_one_empty_row(self):
        data = intake_post(medications=[("tramadol", "50 mg", "at night", "prescription"), ("fish oil", "", "", "otc")])

        submission = IntakeSubmission(data | {"add_row": "1"})

        assert not submission.is_valid()
        assert submission.error_summary() == []
        rows = [(row["text"].value(), row["dose"].value(), row["kind"].value()) for row in submission.medications]
        assert rows == [("tramadol", "50 mg", "prescription"), ("fish oil", "", "otc"), (None, None, "prescription")]
        assert submission.patient["email"].value() == "dana@example.com"
        assert submission.intake["conditions"].value() == ["chronic_pain"]

    def test_add_row_drops_rows_ticked_for_removal(self):
        data = intake_post(medications=[("tramadol", "", "", "prescription"), ("fish oil", "", "", "otc")])
        data["med-0-DELETE"] = "on"

        submission = IntakeSubmission(data | {"add_row": "1"})

        assert [row["text"].value() for row in submission.medications] == ["fish oil", None]

    def test_rows_ticked_for_removal_are_not_submitted(self):
        data = intake_post(medications=[("tramadol", "", "", "prescription"), ("fish oil", "", "", "otc")])
        data["med-0-DELETE"] = "on"

        submission = IntakeSubmission(data)

        assert submission.is_valid(), submission.error_summary()
        assert [m["text"] for m in submission.service_kwargs()["medications"]] == ["fish oil"]

    def test_blank_rows_are_ignored(self):
        data = intake_post(medications=[("", "", "", "prescription"), ("fish oil", "", "", "otc")])

        submission = IntakeSubmission(data)

        assert submission.is_valid(), submission.error_summary()
        assert [m["text"] for m in submission.service_kwargs()["medications"]] == ["fish oil"]

    def test_a_dose_without_a_name_asks_for_the_name(self):
        submission = IntakeSubmission(intake_post(medications=[("", "10 mg", "", "prescription")]))

        assert not submission.is_valid()
        assert any("name of this medication" in message for _, message in submission.error_summary())

    def test_neither_medications_nor_none_is_an_error_on_the_none_box(self):
        data = intake_post(medications=[("", "", "", "prescription")])

        submission = IntakeSubmission(data)

        assert not submission.is_valid()
        assert "or tick" in submission.intake.errors["takes_no_medications"][0]

    def test_medications_and_none_together_is_an_error(self):
        data = intake_post(**{"intake-takes_no_medications": "on"})

        submission = IntakeSubmission(data)

        assert not submission.is_valid()
        assert "Untick the box" in submission.intake.errors["takes_no_medications"][0]

    def test_the_medication_choice_is_checked_even_when_other_answers_are_wrong(self):
        data = intake_post(medications=[("", "", "", "prescription")], **{"intake-consent_privacy": None})

        submission = IntakeSubmission(data)

        assert not submission.is_valid()
        assert {"takes_no_medications", "consent_privacy"} <= set(submission.intake.errors)

    def test_the_error_summary_links_to_each_field_in_page_order(self):
        data = intake_post(**{"patient-phone": "123", "intake-consent_contact": None, "intake-pregnancy_status": None})

        anchors = [anchor for anchor, _ in IntakeSubmission(data).error_summary()]

        assert anchors == ["id_patient-phone", "id_intake-pregnancy_status_0", "id_intake-consent_contact"]
