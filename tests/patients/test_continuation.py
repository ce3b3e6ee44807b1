"""patients/continuation.py: a link by email to the newest recent intake, signed, for two hours, once."""

import re
from datetime import timedelta

import pytest
import time_machine
from celery.utils.time import get_exponential_backoff_interval
from django.core import mail, signing
from django.utils import timezone

from patients.continuation import (
    CONTINUE_LINK_SALT,
    continue_link_check,
    continue_link_request,
    continue_link_send,
    continue_link_token,
    continue_link_use,
    intake_newest_for_email,
)
from patients.models import Intake
from patients.selectors import pharmacy_phone
from patients.tasks import send_continue_link
from tests.factories import IntakeFactory, LocationFactory, MedicationEntryFactory, PatientFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"<>]+/intake/continue/([^/\s\"<>]+)/")


def token_in(message) -> str:
    return LINK.search(message.body).group(1)


@pytest.fixture
def intake(patient):
    return IntakeFactory(patient=patient, submitted_at=timezone.now() - timedelta(days=2))


# --- Which intake --------------------------------------------------------------------------------
def test_the_newest_intake_from_the_address_in_any_case_is_the_one(patient):
    IntakeFactory(patient=patient, submitted_at=timezone.now() - timedelta(days=3))
    newer = IntakeFactory(
        patient=PatientFactory(email="Alice@Example.com", date_of_birth=patient.date_of_birth.replace(year=1990)),
        submitted_at=timezone.now() - timedelta(days=1),
    )
    IntakeFactory(submitted_at=timezone.now())  # someone else's

    assert intake_newest_for_email(email="  ALICE@example.COM ") == newer


def test_an_intake_older_than_seven_days_gets_no_link(patient, django_capture_on_commit_callbacks):
    IntakeFactory(patient=patient, submitted_at=timezone.now() - timedelta(days=7, minutes=1))

    with django_capture_on_commit_callbacks() as callbacks:
        continue_link_request(email=patient.email)

    assert intake_newest_for_email(email=patient.email) is None
    assert callbacks == []


def test_an_unknown_address_queues_nothing(intake, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        continue_link_request(email="nobody@example.com")

    assert callbacks == []


# --- The link ------------------------------------------------------------------------------------
def test_a_request_emails_one_link_that_works_once(intake, tasks_run_here, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        continue_link_request(email="alice@example.com")

    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    token = token_in(mail.outbox[0])
    assert continue_link_check(token=token).intake == intake  # looking does not spend it
    assert continue_link_use(token=token).intake == intake
    assert continue_link_use(token=token).problem == "used"
    assert continue_link_check(token=token).problem == "used"


def test_every_link_sent_before_is_spent_with_the_first_one_opened(intake):
    first, second = continue_link_token(intake_id=intake.pk), continue_link_token(intake_id=intake.pk)

    assert continue_link_use(token=second).intake == intake
    assert continue_link_use(token=first).problem == "used"
    assert continue_link_use(token=continue_link_token(intake_id=intake.pk)).intake == intake  # a new one works


def test_a_link_works_for_two_hours_and_not_a_second_more(intake):
    sent = timezone.now()
    with time_machine.travel(sent, tick=False):
        token = continue_link_token(intake_id=intake.pk)

    with time_machine.travel(sent + timedelta(hours=1, minutes=59), tick=False):
        assert continue_link_check(token=token).intake == intake
    with time_machine.travel(sent + timedelta(hours=2, seconds=1), tick=False):
        assert continue_link_use(token=token).problem == "expired"
    intake.refresh_from_db()
    assert intake.continue_link_nonce, "an expired link spends nothing"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
        lambda token: "x" + token[1:],  # the payload
        lambda token: token.split(":")[0],  # cut short
        lambda token: "",
        lambda token: "not-a-token",
        lambda token: signing.dumps(signing.loads(token, salt=CONTINUE_LINK_SALT), salt="another-purpose"),
        lambda token: signing.dumps("", salt=CONTINUE_LINK_SALT),
        lambda token: signing.dumps(["a", "list"], salt=CONTINUE_LINK_SALT),
    ],
)
def test_a_tampered_or_foreign_token_leads_nowhere(intake, tamper):
    token = continue_link_token(intake_id=intake.pk)

    assert continue_link_use(token=tamper(token)) == continue_link_use(token=tamper(token))
    assert continue_link_use(token=tamper(token)).intake is None
    assert continue_link_use(token=tamper(token)).problem in ("invalid", "used")
    assert continue_link_use(token=token).intake == intake, "the real link still works"


def test_a_link_for_an_intake_deleted_meanwhile_sends_nothing(intake):
    intake_id = intake.pk
    Intake.objects.filter(pk=intake_id).delete()

    assert continue_link_send(intake_id=intake_id) is False
    assert mail.outbox == []


# --- The email ---------------------------------------------------------------------------------------
CLINICAL_WORDS = [
    "oxycodone", "methadone", "metformin", "opioid", "naltrexone", "ldn", "pregnan", "breastfeed",
    "pain", "autoimmune", "screen", "contraindicat", "medic", "prescri", "allerg", "diagnos",
]


def test_the_email_through_a_real_smtp_server_has_the_link_and_nothing_clinical(smtp_server, settings):
    settings.SITE_URL = "https://consult.welltopia.example"
    LocationFactory(phone="+1 608-555-0142")
    patient = PatientFactory(first_name="Siobhán", last_name="O'Brien", email="siobhan@example.com")
    intake = IntakeFactory(
        patient=patient,
        pregnancy_status=Intake.PregnancyStatus.PREGNANT,
        opioid_use=Intake.OpioidUse.STOPPED,
        opioid_stopped_what="methadone",
        conditions=[Intake.Condition.CHRONIC_PAIN, Intake.Condition.AUTOIMMUNE],
        takes_no_medications=False,
        allergies="penicillin",
    )
    MedicationEntryFactory(intake=intake, text="oxycodone 5 mg")
    MedicationEntryFactory(intake=intake, text="metformin", position=2)

    assert continue_link_send(intake_id=intake.pk) is True

    [message] = smtp_server.messages
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert message["To"] == "siobhan@example.com"
    assert message["Subject"] == "Your link to continue booking with Welltopia Consult"
    assert "Here is your link to continue booking your consultation" in text
    link = LINK.search(text)
    assert link and link.group(0).startswith("https://consult.welltopia.example/intake/continue/")
    assert continue_link_check(token=link.group(1)).intake == intake
    assert f'href="{link.group(0)}"' in html
    assert pharmacy_phone() and pharmacy_phone() in text and pharmacy_phone() in html
    assert "If you did not ask for this link, you can ignore this email." in text
    assert "It works once, for 2 hours." in text
    everything = f"{message['Subject']}\n{text}\n{html}".lower()
    assert [word for word in CLINICAL_WORDS if word in everything] == []
    assert "o'brien" not in everything and "penicillin" not in everything
    assert not re.search(r"\b\d{1,2}:\d{2}\s*[ap]\.?m\b", everything), "no time in the email"
    assert "&#" not in text and "&amp;" not in text, "plain text is not HTML-escaped"


# --- The task ------------------------------------------------------------------------------------
def test_the_task_takes_an_id_and_sends_the_link(intake, tasks_run_here):
    send_continue_link.delay(intake.pk)

    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert continue_link_check(token=token_in(mail.outbox[0])).intake == intake


def test_the_task_retries_smtp_failures_with_a_capped_backoff_then_gives_up(intake, refusing_smtp_server):
    result = send_continue_link.apply(args=(intake.pk,))  # eager: each retry runs at once

    assert result.failed()
    assert refusing_smtp_server.rcpt_attempts == 1 + send_continue_link.max_retries
    waits = [
        get_exponential_backoff_interval(send_continue_link.retry_backoff, retries, send_continue_link.retry_backoff_max)
        for retries in range(send_continue_link.max_retries)
    ]
    assert waits[:5] == [30, 60, 120, 240, 300] and max(waits) == 300
    assert 30 * 60 <= sum(waits) <= 45 * 60, "the patient is still waiting: retry for about 40 minutes, no longer"
