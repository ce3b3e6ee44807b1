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


def stopped(**overrides):
    """The intake form answering "I stopped", with what and when unless overridden."""
    fields = {
        "intake-opioid_use": "stopped",
        "intake-opioid_stopped_what": "oxycodone",
        "intake-opioid_last_dose": str(timezone.localdate() - timedelta(days=3)),
        **overrides,
    }
    return intake_form(**fields)


class TestOpioidQuestion:
    @pytest.mark.parametrize("answer", ["now", "no", "not_sure"])
    def test_each_answer_without_a_stop_is_accepted_on_its_own(self, answer):
        form = intake_form(**{"intake-opioid_use": answer})

        assert form.is_valid(), form.errors
        assert form.cleaned_data["opioid_use"] == answer

    def test_no_answer_is_refused_with_a_kind_message(self):
        form = intake_form(**{"intake-opioid_use": None})

        (message,) = form.errors["opioid_use"]
        assert "not sure" in message

    def test_not_asked_is_for_old_intakes_and_is_not_offered(self):
        form = intake_form(**{"intake-opioid_use": "not_asked"})

        assert "opioid_use" in form.errors
        assert "not_asked" not in dict(form.fields["opioid_use"].choices)

    def test_the_question_lists_what_counts_as_an_opioid(self):
        help_text = IntakeForm().fields["opioid_use"].help_text

        for word in ("oxycodone", "codeine cough medicine", "methadone", "buprenorphine", "heroin", "fentanyl"):
            assert word in help_text

    def test_stopped_with_what_and_a_date_is_accepted(self):
        form = stopped()

        assert form.is_valid(), form.errors
        assert form.cleaned_data["opioid_stopped_what"] == "oxycodone"
        assert form.cleaned_data["opioid_last_dose"] == timezone.localdate() - timedelta(days=3)

    def test_stopped_without_a_date_asks_for_it(self):
        form = stopped(**{"intake-opioid_last_dose": ""})

        (message,) = form.errors["opioid_last_dose"]
        assert "date of your last dose" in message
        assert "best guess" in message

    def test_stopped_without_saying_which_asks_which(self):
        form = stopped(**{"intake-opioid_stopped_what": "  "})

        assert "which one" in form.errors["opioid_stopped_what"][0]

    def test_a_last_dose_in_the_future_is_refused(self):
        form = stopped(**{"intake-opioid_last_dose": str(timezone.localdate() + timedelta(days=1))})

        assert form.errors["opioid_last_dose"] == ["The date of your last dose can\u2019t be in the future."]

    def test_a_last_dose_today_is_accepted(self):
        assert stopped(**{"intake-opioid_last_dose": str(timezone.localdate())}).is_valid()

    def test_a_date_that_is_not_a_date_says_how_to_write_one(self):
        form = stopped(**{"intake-opioid_last_dose": "last tuesday"})

        assert "for example" in form.errors["opioid_last_dose"][0]

    def test_the_follow_up_means_nothing_after_another_answer_and_is_not_an_error(self):
        form = intake_form(
            **{"intake-opioid_use": "no", "intake-opioid_stopped_what": "oxycodone", "intake-opioid_last_dose": "junk"}
        )

        assert form.is_valid(), form.errors
        assert form.cleaned_data["opioid_stopped_what"] == ""
        assert form.cleaned_data["opioid_last_dose"] is None

    @pytest.mark.django_db
    def test_a_last_dose_before_the_birth_date_is_refused_beside_the_date(self):
        data = intake_post(
            **{
                "intake-opioid_use": "stopped",
                "intake-opioid_stopped_what": "oxycodone",
                "intake-opioid_last_dose": "1979-12-31",
                "patient-date_of_birth": "1980-04-12",
            }
        )

        submission = IntakeSubmission(data)

        assert not submission.is_valid()
        assert "before your date of birth" in submission.intake.errors["opioid_last_dose"][0]
        assert ("id_intake-opioid_last_dose", submission.intake.errors["opioid_last_dose"][0]) in (
            submission.error_summary()
        )


@pytest.mark.django_db
class TestPregnancy:
    def test_not_sure_is_an_answer(self):
        form = intake_form(**{"intake-pregnancy_status": "not_sure"})

        assert form.is_valid(), form.errors
        assert dict(form.fields["pregnancy_status"].choices)["not_sure"] == "Not sure"


def rows(count, start=1):
    return [(f"medicine {n}", f"{n} mg", "daily", "otc" if n % 2 else "prescription") for n in range(start, start + count)]


def shown_rows(submission):
    return [(row["text"].value(), row["dose"].value()) for row in submission.medications]


@pytest.mark.django_db
class TestFortyRows:
    def test_add_another_at_39_rows_gives_the_40th(self):
        submission = IntakeSubmission(intake_post(medications=rows(39)) | {"add_row": "1"})

        assert shown_rows(submission) == [(f"medicine {n}", f"{n} mg") for n in range(1, 40)] + [(None, None)]
        assert not submission.limit_reached

    def test_add_another_at_40_rows_adds_none_keeps_all_and_says_why(self):
        submission = IntakeSubmission(
            intake_post(medications=rows(40)) | {"add_row": "1"}, pharmacy_phone="+1 608-555-0142"
        )

        assert shown_rows(submission) == [(f"medicine {n}", f"{n} mg") for n in range(1, 41)]
        assert submission.limit_reached
        assert "up to 40" in submission.limit_message()
        assert "+1 608-555-0142" in submission.limit_message()
        assert submission.medications.forms[39]["kind"].value() == "prescription"

    def test_40_rows_are_all_submitted(self):
        submission = IntakeSubmission(intake_post(medications=rows(40)))

        assert submission.is_valid(), submission.error_summary()
        assert [m["text"] for m in submission.service_kwargs()["medications"]] == [f"medicine {n}" for n in range(1, 41)]

    def test_a_41st_row_is_refused_clearly_and_every_row_stays(self):
        submission = IntakeSubmission(intake_post(medications=rows(41)))

        assert not submission.is_valid()
        assert any("up to 40" in message for _, message in submission.error_summary())
        assert shown_rows(submission) == [(f"medicine {n}", f"{n} mg") for n in range(1, 42)]

    def test_add_another_with_41_rows_keeps_all_41(self):
        submission = IntakeSubmission(intake_post(medications=rows(41)) | {"add_row": "1"})

        assert len(shown_rows(submission)) == 41
        assert submission.limit_reached

    def test_add_another_with_an_unreadable_row_count_still_keeps_the_rows_typed(self):
        data = intake_post(medications=rows(3)) | {"add_row": "1", "med-TOTAL_FORMS": "zzz"}

        submission = IntakeSubmission(data)

        assert shown_rows(submission)[:3] == [(f"medicine {n}", f"{n} mg") for n in range(1, 4)]


class TestNames:
    @pytest.mark.parametrize(
        ("typed", "kept"),
        [
            ("Dana\r\nBcc: x@example.com", "Dana Bcc: x@example.com"),
            ("Dana\x07\x1b[31m", "Dana [31m"),
            ("Dana\u2028Doe\u2029", "Dana Doe"),
            ("\u202eanaD", "anaD"),
            ("  Mary\tAnn  ", "Mary Ann"),
            ("O'Brien", "O'Brien"),
        ],
    )
    def test_a_name_is_kept_on_one_line_without_control_characters(self, typed, kept):
        form = patient_form(**{"patient-first_name": typed, "patient-last_name": typed})

        assert form.is_valid(), form.errors
        assert form.cleaned_data["first_name"] == kept
        assert form.cleaned_data["last_name"] == kept

    def test_a_name_of_control_characters_only_is_asked_for_again(self):
        form = patient_form(**{"patient-first_name": "\r\n\x07"})

        assert form.errors["first_name"] == ["Enter your first name."]


def test_the_browser_may_restore_medication_names_on_back():
    """autocomplete="off" would stop Chromium restoring the field after Back from a refused page."""
    html = str(IntakeSubmission().medications.forms[0]["text"]) + str(IntakeSubmission().intake["opioid_stopped_what"])

    assert "autocomplete" not in html


def test_a_refused_submission_is_shown_again_with_every_answer_and_no_error():
    data = intake_post(medications=[(f"medicine {n}", f"{n} mg", "daily", "otc") for n in range(1, 4)])

    kept = IntakeSubmission.kept(data)

    assert [form["text"].value() for form in kept.medications.forms] == ["medicine 1", "medicine 2", "medicine 3"]
    assert kept.patient["first_name"].value() == "Dana"
    assert kept.intake["consent_privacy"].value()
    assert kept.error_summary() == []
