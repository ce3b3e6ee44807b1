from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from patients.models import Intake, MedicationEntry, Patient, ScreeningFlag
from patients.screening import RULES_VERSION
from patients.selectors import (
    flags_for_patient,
    intake_get_by_reference,
    intakes_earlier_of,
    outcome_for_patient,
)
from patients.services import intake_submit, screening_outcome
from tests.factories import PatientFactory

NOW = datetime(2026, 3, 8, 15, 30, tzinfo=UTC)


def patient_data(**overrides):
    return {
        "first_name": "Dana",
        "last_name": "Doe",
        "date_of_birth": date(1980, 4, 12),
        "email": "dana@example.com",
        "phone": "+16085550123",
        "preferred_contact": Patient.ContactMethod.EMAIL,
        **overrides,
    }


def intake_data(**overrides):
    return {
        "pregnancy_status": Intake.PregnancyStatus.NOT_PREGNANT,
        "conditions": [Intake.Condition.CHRONIC_PAIN],
        "condition_other": "",
        "takes_no_medications": False,
        "allergies": "",
        "has_ldn_prescription": False,
        "prescriber_name": "",
        "prescriber_clinic": "",
        "prescriber_phone": "",
        "consent_privacy": True,
        "consent_not_diagnosis": True,
        "consent_contact": True,
        **overrides,
    }


def med(text, dose="", frequency="", kind="prescription"):
    return {"text": text, "dose": dose, "frequency": frequency, "kind": kind}


def submit(medications=(), patient=None, **intake_overrides):
    if not medications:
        intake_overrides.setdefault("takes_no_medications", True)
    return intake_submit(
        patient_data=patient or patient_data(),
        intake_data=intake_data(**intake_overrides),
        medications=list(medications),
        now=NOW,
    )


@pytest.mark.django_db
class TestIntakeSubmit:
    def test_an_opioid_is_stored_as_a_contraindication_with_its_flag_and_explanation(self):
        intake = submit([med("metformin", "500 mg", "bid"), med("norco 10/325", "", "twice a day")])

        assert intake.screening_outcome == Intake.Outcome.CONTRAINDICATION
        assert intake.has_contraindication
        assert intake.screening_rules_version == RULES_VERSION
        flag = intake.flags.get(code="opioid")
        assert flag.severity == ScreeningFlag.Severity.CONTRAINDICATION
        assert flag.medication == intake.medications.get(position=1)
        assert flag.ingredient == "hydrocodone"
        assert flag.matched.lower() == "norco"
        assert "opioid" in flag.explanation
        assert flag.rules_version == RULES_VERSION

    def test_medications_are_kept_in_the_order_typed_with_dose_frequency_and_kind(self):
        intake = submit([med(" vitamin D ", "2000 IU", "daily", "otc"), med("metformin", "500 mg", "bid")])

        rows = list(intake.medications.values_list("position", "text", "dose", "frequency", "kind"))
        assert rows == [
            (0, "vitamin D", "2000 IU", "daily", MedicationEntry.Kind.OVER_THE_COUNTER),
            (1, "metformin", "500 mg", "bid", MedicationEntry.Kind.PRESCRIPTION),
        ]

    def test_pregnancy_is_a_caution_flag_not_tied_to_a_medication(self):
        intake = submit(pregnancy_status=Intake.PregnancyStatus.BREASTFEEDING)

        assert intake.screening_outcome == Intake.Outcome.CAUTION
        flag = intake.flags.get()
        assert (flag.code, flag.severity, flag.medication) == ("pregnancy", "caution", None)

    def test_an_entry_the_knowledge_base_does_not_know_goes_to_pharmacist_review(self):
        intake = submit([med("zorblatex")])

        assert intake.screening_outcome == Intake.Outcome.REVIEW
        flag = intake.flags.get()
        assert (flag.code, flag.severity, flag.matched) == ("unrecognised", "review", "zorblatex")

    def test_the_outcome_is_the_most_serious_flag(self):
        intake = submit(
            [med("zorblatex"), med("tramadol 50mg"), med("humira")],
            pregnancy_status=Intake.PregnancyStatus.PREGNANT,
        )

        assert set(intake.flags.values_list("severity", flat=True)) == {"review", "contraindication", "caution"}
        assert intake.screening_outcome == Intake.Outcome.CONTRAINDICATION

    def test_caution_outranks_review(self):
        intake = submit([med("humira")], pregnancy_status=Intake.PregnancyStatus.TRYING_TO_CONCEIVE)

        assert intake.screening_outcome == Intake.Outcome.CAUTION

    def test_nothing_noticed_is_clear(self):
        intake = submit([med("metformin", "500 mg", "twice daily")])

        assert intake.screening_outcome == Intake.Outcome.CLEAR
        assert not intake.flags.exists()
        assert intake.screening_rules_version == RULES_VERSION

    def test_past_use_written_in_the_how_often_box_is_review_not_contraindication(self):
        intake = submit([med("oxycodone", "", "stopped in 2019")])

        assert intake.screening_outcome == Intake.Outcome.REVIEW
        assert intake.flags.get().code == "opioid_not_current"

    def test_every_consent_is_stamped_with_the_submission_time(self):
        intake = submit()

        assert intake.submitted_at == NOW
        assert intake.consent_privacy_at == intake.consent_not_diagnosis_at == intake.consent_contact_at == NOW

    @pytest.mark.parametrize("consent", ["consent_privacy", "consent_not_diagnosis", "consent_contact"])
    def test_an_intake_without_a_consent_is_refused_and_nothing_is_stored(self, consent):
        with pytest.raises(ValidationError) as refused:
            submit(**{consent: False})

        assert consent in refused.value.message_dict
        assert not Intake.objects.exists()
        assert not Patient.objects.exists()

    def test_an_empty_medication_list_without_saying_none_is_refused(self):
        with pytest.raises(ValidationError):
            submit([med("   ")], takes_no_medications=False)
        assert not Intake.objects.exists()

    def test_medications_and_none_together_are_refused(self):
        with pytest.raises(ValidationError):
            submit([med("metformin")], takes_no_medications=True)

    def test_a_returning_patient_is_matched_on_email_in_any_case_and_birth_date_and_updated(self):
        existing = PatientFactory(email="Dana@Example.com", date_of_birth=date(1980, 4, 12), phone="+16085550100")

        intake = submit(patient=patient_data(email="dana@EXAMPLE.com", last_name="Doe-Smith", phone="+16085550199"))

        assert intake.patient == existing
        existing.refresh_from_db()
        assert (existing.last_name, existing.phone) == ("Doe-Smith", "+16085550199")
        assert Patient.objects.count() == 1

    def test_same_email_with_another_birth_date_is_another_patient(self):
        existing = PatientFactory(email="dana@example.com", date_of_birth=date(1979, 1, 1))

        intake = submit()

        assert intake.patient != existing
        assert Patient.objects.count() == 2

    def test_a_failure_while_screening_leaves_nothing_half_stored(self, monkeypatch):
        def broken(**kwargs):
            raise RuntimeError("engine down")

        monkeypatch.setattr("patients.services.screen_intake", broken)
        with pytest.raises(RuntimeError):
            submit([med("metformin")])

        assert not Intake.objects.exists()
        assert not MedicationEntry.objects.exists()
        assert not Patient.objects.exists()

    def test_a_very_long_unrecognised_entry_is_stored_within_the_column_sizes(self):
        words = ("zorblatex quintaphrine " * 8).strip()  # 183 characters the engine does not know
        intake = submit([med(words, "zorblatex " * 10, "quintaphrine " * 7)])

        assert 0 < len(intake.flags.get().matched) <= 200


def test_screening_outcome_orders_contraindication_caution_review_clear():
    assert screening_outcome([]) == "clear"
    assert screening_outcome(["review"]) == "review"
    assert screening_outcome(["review", "caution"]) == "caution"
    assert screening_outcome(["caution", "contraindication", "review"]) == "contraindication"


@pytest.mark.django_db
class TestIntakeGetByReference:
    def test_it_finds_the_intake_by_its_reference(self):
        intake = submit()

        assert intake_get_by_reference(reference=str(intake.reference)) == intake

    @pytest.mark.parametrize("reference", [None, "", "not-a-uuid", "00000000-0000-0000-0000-000000000000", 42])
    def test_anything_else_finds_nothing_without_raising(self, reference):
        submit()

        assert intake_get_by_reference(reference=reference) is None


def submit_at(now, medications=(), patient=None, **intake_overrides):
    if not medications:
        intake_overrides.setdefault("takes_no_medications", True)
    return intake_submit(
        patient_data=patient or patient_data(),
        intake_data=intake_data(**intake_overrides),
        medications=list(medications),
        now=now,
    )


@pytest.mark.django_db
class TestOpioidQuestion:
    def test_stopped_three_days_ago_is_stored_with_the_timing_the_engine_read(self):
        intake = submit(
            opioid_use="stopped", opioid_stopped_what="oxycodone", opioid_last_dose=date(2026, 3, 5)
        )

        assert (intake.opioid_use, intake.opioid_stopped_what, intake.opioid_last_dose) == (
            "stopped", "oxycodone", date(2026, 3, 5)
        )
        assert intake.screening_outcome == Intake.Outcome.CONTRAINDICATION
        flag = intake.flags.get(code="opioid_answer")
        assert (flag.field, flag.medication, flag.staff_only) == ("opioid_question", None, False)
        assert flag.last_dose == date(2026, 3, 5)
        assert flag.earliest_start > date(2026, 3, 8)
        assert "opioid-free" in flag.washout_rule
        assert "oxycodone" in flag.reading and "Mar 5, 2026" in flag.reading
        assert "timing" in flag.explanation

    def test_relative_dates_are_read_against_the_intakes_day_in_chicago(self):
        # 03:00 UTC on Mar 9 is still Mar 8 in Chicago, so "yesterday" is Mar 7.
        intake = submit_at(datetime(2026, 3, 9, 3, 0, tzinfo=UTC), [med("tramadol 50 mg", "", "stopped yesterday")])

        assert intake.flags.get(code="opioid").last_dose == date(2026, 3, 7)

    def test_yes_now_is_a_contraindication_from_the_question_alone(self):
        intake = submit(opioid_use="now")

        assert intake.screening_outcome == Intake.Outcome.CONTRAINDICATION
        assert intake.flags.get().field == "opioid_question"

    def test_no_raises_nothing(self):
        intake = submit(opioid_use="no")

        assert intake.screening_outcome == Intake.Outcome.CLEAR

    def test_an_intake_stored_without_the_question_says_it_was_not_asked(self):
        intake = submit()

        assert intake.opioid_use == Intake.OpioidUse.NOT_ASKED
        assert not intake.flags.exists()


@pytest.mark.django_db
class TestEveryTypedFieldIsScreened:
    def test_methadone_written_under_something_else_is_a_contraindication(self):
        intake = submit(
            conditions=[Intake.Condition.OTHER], condition_other="coming off methadone (40 mg a day)", opioid_use="no"
        )

        assert intake.takes_no_medications
        assert intake.screening_outcome == Intake.Outcome.CONTRAINDICATION
        flag = intake.flags.get(code="opioid")
        assert (flag.field, flag.ingredient, flag.medication) == ("condition_other", "methadone", None)

    def test_an_opioid_allergy_goes_to_the_pharmacist(self):
        intake = submit(allergies="codeine makes me sick", opioid_use="no")

        flag = intake.flags.get()
        assert (flag.code, flag.field, flag.ingredient) == ("opioid_not_current", "allergies", "codeine")

    def test_prescriber_names_are_not_read_as_medicines(self):
        intake = submit(
            opioid_use="no", has_ldn_prescription=True, prescriber_name="Dr Morphy Oxley",
            prescriber_clinic="Methadone Road Clinic", prescriber_phone="+16085550111",
        )

        assert not intake.flags.exists()

    def test_stopped_days_ago_typed_in_how_often_keeps_the_date_read(self):
        intake = submit([med("oxycodone", "5 mg", "stopped 3 days ago")], opioid_use="no")

        flag = intake.flags.get(code="opioid")
        assert flag.medication == intake.medications.get()
        assert flag.last_dose == date(2026, 3, 5)

    @pytest.mark.parametrize("status", ["not_sure", "prefer_not_to_say"])
    def test_pregnancy_not_sure_or_not_said_is_a_calm_review(self, status):
        intake = submit(pregnancy_status=status, opioid_use="no")

        flag = intake.flags.get()
        assert (flag.code, flag.severity) == ("pregnancy_unknown", "review")
        assert "That is fine" in flag.explanation


EARLIER = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


def earlier_flags(intake):
    return list(intake.flags.filter(code="earlier_intake"))


@pytest.mark.django_db
class TestEarlierIntakes:
    def test_an_opioid_replaced_on_a_second_intake_stays_in_view_for_staff_only(self):
        first = submit_at(EARLIER, [med("oxycodone 5 mg")], opioid_use="no")

        second = submit_at(NOW, [med("ibuprofen 200 mg")], patient=patient_data(email="DANA@example.COM"), opioid_use="no")

        (flag,) = earlier_flags(second)
        assert flag.severity == ScreeningFlag.Severity.CONTRAINDICATION
        assert flag.staff_only
        assert flag.earlier_intake == first
        assert flag.ingredient == "oxycodone"
        assert flag.explanation == "An earlier intake on Mar 1, 2026 mentioned oxycodone (Contraindication)."
        assert second.screening_outcome == Intake.Outcome.CONTRAINDICATION
        assert flags_for_patient(intake=second) == []
        assert outcome_for_patient(intake=second) == "clear"

    def test_the_same_name_and_birth_date_with_another_email_is_the_same_person(self):
        first = submit_at(EARLIER, [med("oxycodone 5 mg")], opioid_use="no")

        second = submit_at(
            NOW, [med("ibuprofen")], patient=patient_data(email="other@example.net", first_name="DANA"), opioid_use="no"
        )

        assert second.patient != first.patient
        assert [f.earlier_intake for f in earlier_flags(second)] == [first]

    def test_the_same_name_with_another_birth_date_and_email_is_someone_else(self):
        submit_at(EARLIER, [med("oxycodone 5 mg")], opioid_use="no")

        second = submit_at(
            NOW, [med("ibuprofen")], patient=patient_data(email="x@example.net", date_of_birth=date(1990, 1, 1)),
            opioid_use="no",
        )

        assert earlier_flags(second) == []

    def test_an_intake_more_than_90_days_before_is_not_carried(self):
        submit_at(NOW - timedelta(days=91), [med("oxycodone 5 mg")], opioid_use="no")
        submit_at(NOW - timedelta(days=89), [med("tramadol 50 mg")], opioid_use="no")

        second = submit_at(NOW, [med("ibuprofen")], opioid_use="no")

        assert [f.ingredient for f in earlier_flags(second)] == ["tramadol"]

    def test_what_the_new_intake_still_shows_and_unrecognised_words_are_not_repeated(self):
        submit_at(EARLIER, [med("oxycodone 5 mg"), med("zorblatex")], opioid_use="no")

        second = submit_at(NOW, [med("oxycodone 5 mg")], opioid_use="no")

        assert earlier_flags(second) == []

    def test_a_chain_of_intakes_carries_each_flag_once_from_where_it_was_raised(self):
        first = submit_at(EARLIER - timedelta(days=10), [med("oxycodone 5 mg")], opioid_use="no")
        submit_at(EARLIER, [med("ibuprofen")], opioid_use="no")

        third = submit_at(NOW, [med("ibuprofen")], opioid_use="no")

        assert [(f.ingredient, f.earlier_intake) for f in earlier_flags(third)] == [("oxycodone", first)]

    def test_the_earlier_severity_and_answer_are_kept(self):
        submit_at(EARLIER, opioid_use="now", pregnancy_status=Intake.PregnancyStatus.PREGNANT)

        second = submit_at(NOW, opioid_use="no")

        flags = {f.explanation: f.severity for f in earlier_flags(second)}
        assert flags == {
            "An earlier intake on Mar 1, 2026 answered \u201cYes, I take one now\u201d to the opioid question "
            "(Contraindication).": "contraindication",
            "An earlier intake on Mar 1, 2026 gave the pregnancy answer \u201cPregnant\u201d (Caution).": "caution",
        }

    def test_the_earlier_intakes_of_an_intake_are_newest_first_and_never_itself_or_later(self):
        a = submit_at(EARLIER - timedelta(days=5), opioid_use="no")
        b = submit_at(EARLIER, opioid_use="no")
        c = submit_at(NOW, opioid_use="no")

        assert list(intakes_earlier_of(intake=c)) == [b, a]
        assert list(intakes_earlier_of(intake=a)) == []
