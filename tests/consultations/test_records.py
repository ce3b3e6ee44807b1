"""The consultation record: draft, sign, amend; follow-ups from a "suitable" record; invitations."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from consultations import records
from consultations.models import Appointment, ConsultationRecord, FollowUp
from patients.models import AuditEvent
from tests.factories import AppointmentFactory, MedicationEntryFactory

# Friday 27 November 2026, 10:00 in Chicago; the consultation began at 9:00.
NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
Outcome = ConsultationRecord.Outcome

NOTE = {
    "patient_reported": "Widespread pain for three years, poor sleep.",
    "medicines_reviewed": "Metformin and vitamin D as listed; no opioids.",
    "advice": "Take at bedtime; vivid dreams usually settle.",
    "plan": "Letter to the prescriber; follow up along the titration.",
    "recommendation": "Suitable to start LDN 1.5 mg.",
}


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def appointment(pharmacist):
    return AppointmentFactory(pharmacist=pharmacist, start=NOW - timedelta(hours=1))


def signed(appointment, by, **values):
    record = records.record_save(appointment=appointment, by=by, values={"outcome": Outcome.SUITABLE, **NOTE, **values})
    return records.record_sign(record=record, by=by)


def events_for(record, action):
    return AuditEvent.objects.filter(
        object_type="consultations.consultationrecord", object_id=str(record.pk), action=action
    ).count()


def test_signing_locks_the_record_with_the_pharmacist_s_name_and_time_and_marks_attended(appointment, pharmacist_user):
    record = records.record_save(appointment=appointment, by=pharmacist_user, values={"outcome": Outcome.SUITABLE, **NOTE})
    assert not record.is_signed

    record = records.record_sign(record=record, by=pharmacist_user)

    assert record.signed_at == NOW
    assert record.signed_name == "Charlie Chen, PharmD"
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.COMPLETED
    with pytest.raises(records.RecordError):
        records.record_save(appointment=appointment, by=pharmacist_user, values={"plan": "Changed quietly"})
    record.refresh_from_db()
    assert record.plan == NOTE["plan"]


def test_a_no_show_needs_no_note_and_marks_the_appointment_a_no_show(appointment, pharmacist_user):
    record = records.record_save(appointment=appointment, by=pharmacist_user, values={"outcome": Outcome.NO_SHOW})
    records.record_sign(record=record, by=pharmacist_user)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.NO_SHOW


def test_not_suitable_now_needs_the_reason_and_a_later_review_date(appointment, pharmacist_user):
    record = records.record_save(
        appointment=appointment, by=pharmacist_user,
        values={"outcome": Outcome.NOT_SUITABLE_NOW, **NOTE, "review_after": date(2026, 11, 27)},
    )
    with pytest.raises(ValidationError) as refused:
        records.record_sign(record=record, by=pharmacist_user)
    assert set(refused.value.message_dict) == {"not_suitable_reason", "review_after"}

    record = records.record_save(
        appointment=appointment, by=pharmacist_user,
        values={"not_suitable_reason": "Opioid washout: tramadol stopped 4 days ago", "review_after": date(2026, 12, 8)},
    )
    record = records.record_sign(record=record, by=pharmacist_user)
    assert record.review_after == date(2026, 12, 8)


def test_signing_needs_each_part_of_the_note(appointment, pharmacist_user):
    record = records.record_save(
        appointment=appointment, by=pharmacist_user, values={"outcome": Outcome.SUITABLE, **NOTE, "advice": " "}
    )
    with pytest.raises(ValidationError) as refused:
        records.record_sign(record=record, by=pharmacist_user)
    assert list(refused.value.message_dict) == ["advice"]
    record.refresh_from_db()
    assert record.signed_at is None


def test_a_record_cannot_be_signed_before_the_consultation_starts(pharmacist, pharmacist_user):
    later = AppointmentFactory(pharmacist=pharmacist, start=NOW + timedelta(hours=2))
    record = records.record_save(appointment=later, by=pharmacist_user, values={"outcome": Outcome.SUITABLE, **NOTE})
    with pytest.raises(records.RecordError):
        records.record_sign(record=record, by=pharmacist_user)


def test_an_amendment_needs_a_reason_and_the_signed_original_stays_readable(appointment, pharmacist_user):
    record = signed(appointment, pharmacist_user)
    with pytest.raises(ValidationError) as refused:
        records.record_amend(record=record, by=pharmacist_user, values={"plan": "Start after the holidays"}, reason="")
    assert "reason" in refused.value.message_dict

    amendment = records.record_amend(
        record=record, by=pharmacist_user, values={"plan": "Start after the holidays"},
        reason="Patient called back: travelling until January",
    )

    record.refresh_from_db()
    assert record.plan == "Start after the holidays"
    assert amendment.before["plan"] == NOTE["plan"]
    assert records.record_original(record)["plan"] == NOTE["plan"]
    assert record.signed_at == NOW  # the signature stays; the change is on the amendment


def test_an_amendment_that_changes_nothing_is_refused(appointment, pharmacist_user):
    record = signed(appointment, pharmacist_user)
    with pytest.raises(ValidationError):
        records.record_amend(record=record, by=pharmacist_user, values={"plan": NOTE["plan"]}, reason="No change at all")
    assert not record.amendments.exists()


def test_every_change_to_a_record_is_audited(appointment, pharmacist_user):
    record = signed(appointment, pharmacist_user)
    records.record_amend(record=record, by=pharmacist_user, values={"advice": "Take in the morning"}, reason="Corrected the time")
    assert events_for(record, AuditEvent.Action.ADD) == 1
    assert events_for(record, AuditEvent.Action.CHANGE) == 2  # signed, amended


def test_no_record_for_a_cancelled_consultation(appointment, pharmacist_user):
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    with pytest.raises(records.RecordError):
        records.record_save(appointment=appointment, by=pharmacist_user, values={"outcome": Outcome.NO_SHOW})


def test_the_letter_needs_a_signed_record_and_the_consent_to_contact_the_prescriber(appointment, pharmacist_user):
    record = records.record_save(appointment=appointment, by=pharmacist_user, values={"outcome": Outcome.SUITABLE, **NOTE})
    assert "Sign" in records.letter_refusal(record)
    record = records.record_sign(record=record, by=pharmacist_user)
    assert "consent" in records.letter_refusal(record)
    records.record_prescriber_consent(record=record, by=pharmacist_user)
    record.refresh_from_db()
    assert records.letter_refusal(record) == ""


# --- Follow-ups ------------------------------------------------------------------------------------
def test_a_suitable_record_plans_follow_ups_at_2_6_and_12_weeks(appointment, pharmacist_user):
    record = signed(appointment, pharmacist_user)
    planned = records.follow_ups_plan(record=record, weeks=records.DEFAULT_FOLLOW_UP_WEEKS, by=pharmacist_user)
    assert [f.due_on for f in planned] == [date(2026, 12, 11), date(2027, 1, 8), date(2027, 2, 19)]
    # The invitation goes at 9:00 in Chicago, 10 days before the day (3 before the window opens).
    assert planned[0].invite_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert all(f.patient_id == appointment.patient_id for f in planned)


def test_follow_ups_are_editable_and_those_already_invited_stay(appointment, pharmacist_user):
    record = signed(appointment, pharmacist_user)
    first, *_ = records.follow_ups_plan(record=record, weeks=[2, 6, 12], by=pharmacist_user)
    FollowUp.objects.filter(pk=first.pk).update(status=FollowUp.Status.INVITED, invite_claimed_at=NOW)

    planned = records.follow_ups_plan(record=record, weeks=records.parse_weeks("4, 8"), by=pharmacist_user)

    assert [f.weeks_after for f in planned] == [2, 4, 8]


def test_follow_ups_only_from_a_signed_suitable_record(appointment, pharmacist_user):
    record = signed(
        appointment, pharmacist_user, outcome=Outcome.NOT_SUITABLE_NOW,
        not_suitable_reason="Opioid washout", review_after=date(2026, 12, 10),
    )
    with pytest.raises(records.RecordError):
        records.follow_ups_plan(record=record, weeks=[2], by=pharmacist_user)


@pytest.mark.parametrize("text", ["", "two", "0, 6", "2, 60"])
def test_follow_up_weeks_typed_wrong_are_refused_with_a_message(text):
    with pytest.raises(ValidationError) as refused:
        records.parse_weeks(text)
    assert refused.value.message_dict["weeks"]


def test_the_invitation_goes_once_when_due_and_holds_no_clinical_words(appointment, pharmacist_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MedicationEntryFactory(intake=appointment.intake, text="Metformin")
    record = signed(appointment, pharmacist_user, recommendation="Start naltrexone 1.5 mg")
    records.follow_ups_plan(record=record, weeks=[2], by=pharmacist_user)

    assert records.follow_up_invitations_send_due(now=NOW) == 0  # not due yet
    due = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert records.follow_up_invitations_send_due(now=due) == 1
    assert records.follow_up_invitations_send_due(now=due + timedelta(hours=1)) == 0

    [message] = mail.outbox
    assert message.to == [appointment.patient.email]
    follow_up = FollowUp.objects.get()
    assert follow_up.status == FollowUp.Status.INVITED
    everything = " ".join([message.subject, message.body, message.alternatives[0][0]]).lower()
    assert f"/follow-up/{follow_up.token}/".lower() in everything
    assert "december 4" in everything and "december 18" in everything  # the window, in words
    # The link's random token may hold any letters ("…mg…"): look for the words outside it.
    words = everything.replace(follow_up.token.lower(), " ")
    for word in ["ldn", "naltrexone", "mg", "metformin", "suitable", "opioid", "dose", "titration", "prescri"]:
        assert word not in words, word


def test_a_failed_invitation_is_tried_again_at_the_next_scan(appointment, pharmacist_user, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    record = signed(appointment, pharmacist_user)
    records.follow_ups_plan(record=record, weeks=[2], by=pharmacist_user)
    due = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)

    def refuse(self, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    assert records.follow_up_invitations_send_due(now=due) == 0
    monkeypatch.undo()
    assert records.follow_up_invitations_send_due(now=due + timedelta(minutes=1)) == 1
    assert len(mail.outbox) == 1


def test_beat_runs_the_invitation_scan(appointment, pharmacist_user, settings):
    from consultations.tasks import send_follow_up_invitations

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"].endswith("send_follow_up_invitations"))
    assert entry["schedule"] <= 3600
    record = signed(appointment, pharmacist_user)
    records.follow_ups_plan(record=record, weeks=[2], by=pharmacist_user)
    with time_machine.travel(datetime(2026, 12, 1, 15, 5, tzinfo=UTC), tick=False):
        assert send_follow_up_invitations() == 1
    assert len(mail.outbox) == 1
