"""The pharmacist's intake review queue and the review decision, in the admin and the service."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.models import Intake, ScreeningFlag
from patients.review import intake_review
from tests.factories import AppointmentFactory, IntakeFactory, PatientFactory, PharmacistFactory
from tests.staff import (
    SENTINEL_EXPLANATION,
    SENTINEL_MEDICATION,
    flagged_intake,
    intake_url,
    review_post,
)

Status = Intake.ReviewStatus
Severity = ScreeningFlag.Severity
CHANGELIST = reverse("admin:patients_intake_changelist")
# 15:00 in Chicago on an ordinary Tuesday.
AFTERNOON = datetime(2026, 3, 17, 20, 0, tzinfo=UTC)


def link(html, text):
    """The href of the link whose text is `text` (what a user would click)."""
    for href, label in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(.*?)</a>', html, re.S):
        if re.sub(r"<[^>]+>", "", label).strip() == text:
            return unescape(href)
    raise AssertionError(f"no link {text!r}")


@pytest.fixture
def at_afternoon():
    with time_machine.travel(AFTERNOON, tick=False):
        yield


def test_pharmacist_finds_todays_flagged_intakes_in_two_clicks(pharmacist_client, at_afternoon):
    today_flagged = flagged_intake(patient=PatientFactory(last_name="Todayflag"))
    flagged_intake(patient=PatientFactory(last_name="Yesterflag"), submitted_at=timezone.now() - timedelta(days=1))
    IntakeFactory(patient=PatientFactory(last_name="Todayclear"))
    # Early this morning in Chicago is still today, though it is another date in UTC... and
    # 23:30 yesterday in Chicago is not today, though it is today in UTC.
    early = flagged_intake(
        severity=Severity.CAUTION, patient=PatientFactory(last_name="Earlybird"),
        submitted_at=datetime(2026, 3, 17, 5, 30, tzinfo=UTC),  # 00:30 CDT
    )

    index = pharmacist_client.get(reverse("admin:index")).content.decode()
    queue = pharmacist_client.get(link(index, "Intakes")).content.decode()  # click 1
    flagged_today = pharmacist_client.get(CHANGELIST + link(queue, "Flagged today")).content.decode()  # click 2

    assert "Todayflag" in flagged_today
    assert "Earlybird" in flagged_today
    assert "Yesterflag" not in flagged_today
    assert "Todayclear" not in flagged_today
    assert flagged_today.index("Todayflag") < flagged_today.index("Earlybird"), "contraindications first"
    assert intake_url(today_flagged) in flagged_today
    assert intake_url(early) in flagged_today


def test_queue_lists_undecided_contraindications_first_with_worded_badges(pharmacist_client):
    decided = flagged_intake(patient=PatientFactory(last_name="Decided"), review_status=Status.NOT_CANDIDATE)
    flagged_intake(severity=Severity.REVIEW, patient=PatientFactory(last_name="Reviewish"))
    flagged_intake(patient=PatientFactory(last_name="Opioidish"))
    IntakeFactory(patient=PatientFactory(last_name="Plain"))

    html = pharmacist_client.get(CHANGELIST).content.decode()

    order = [html.index(name) for name in ("Opioidish", "Reviewish", "Plain", "Decided")]
    assert order == sorted(order)
    assert 'wt-badge--contraindication">Contraindication<' in html
    assert 'wt-badge--review">Pharmacist review<' in html
    assert "Nothing noticed" in html
    assert decided.get_review_status_display() in html


def test_queue_shows_submitted_time_in_chicago_and_the_upcoming_appointment(pharmacist_client, at_afternoon):
    intake = flagged_intake(submitted_at=datetime(2026, 3, 17, 14, 5, tzinfo=UTC))
    AppointmentFactory(
        intake=intake, pharmacist=PharmacistFactory(display_name="Dana Okafor, PharmD"),
        start=datetime(2026, 3, 19, 15, 0, tzinfo=UTC),
    )

    html = pharmacist_client.get(CHANGELIST).content.decode()

    assert "Tue Mar 17, 9:05 AM" in html
    assert "Thu Mar 19, 10:00 AM" in html
    assert "Dana Okafor, PharmD" in html


def test_a_consultation_in_progress_still_shows_in_the_queue(pharmacist_client, at_afternoon):
    """Until November 2026 the queue's column counted only consultations not yet started, so the
    one the pharmacist was holding vanished from it; "upcoming" now means not yet over."""
    intake = flagged_intake()
    AppointmentFactory(
        intake=intake, pharmacist=PharmacistFactory(display_name="Dana Okafor, PharmD"),
        start=AFTERNOON - timedelta(minutes=10),  # started at 2:50 PM, runs until 3:20 PM
    )

    html = pharmacist_client.get(CHANGELIST).content.decode()

    assert "Tue Mar 17, 2:50 PM" in html
    assert "Dana Okafor, PharmD" in html


def test_queue_filters_by_severity_review_status_and_pharmacist(pharmacist_client):
    caution = flagged_intake(severity=Severity.CAUTION, patient=PatientFactory(last_name="Cautious"))
    flagged_intake(patient=PatientFactory(last_name="Opioidish"), review_status=Status.IN_REVIEW)
    dana = PharmacistFactory(display_name="Dana")
    AppointmentFactory(intake=caution, pharmacist=dana)

    by_severity = pharmacist_client.get(CHANGELIST, {"severity": "caution"}).content.decode()
    by_status = pharmacist_client.get(CHANGELIST, {"review_status__exact": "in_review"}).content.decode()
    by_pharmacist = pharmacist_client.get(CHANGELIST, {"pharmacist": str(dana.pk)}).content.decode()

    assert "Cautious" in by_severity and "Opioidish" not in by_severity
    assert "Opioidish" in by_status and "Cautious" not in by_status
    assert "Cautious" in by_pharmacist and "Opioidish" not in by_pharmacist


@pytest.mark.parametrize("term", ["Anders", "alice@example.com", "608-555-0199", "Alice Anders"])
def test_queue_search_finds_by_name_email_or_phone(pharmacist_client, term):
    alice = PatientFactory(first_name="Alice", last_name="Anders", email="alice@example.com", phone="+16085550199")
    flagged_intake(patient=alice)
    flagged_intake(patient=PatientFactory(last_name="Someoneelse", phone="+16085550100"))

    html = pharmacist_client.get(CHANGELIST, {"q": term}).content.decode()

    assert "Anders" in html
    assert "Someoneelse" not in html


def test_pharmacist_reads_why_each_medication_was_flagged(pharmacist_client):
    intake = flagged_intake(review_notes="Call the prescriber first.")

    html = pharmacist_client.get(intake_url(intake)).content.decode()

    assert SENTINEL_MEDICATION in html
    assert SENTINEL_EXPLANATION in html
    assert 'wt-badge--contraindication">Contraindication<' in html
    assert "Breastfeeding" in html
    assert "Chronic pain" in html
    assert "Call the prescriber first." in html
    # The answers are read-only: no input for the medication or the pregnancy status.
    assert 'name="pregnancy_status"' not in html
    assert 'name="medications-0-text"' not in html


def test_pharmacist_records_a_decision(pharmacist_client, pharmacist_user):
    intake = flagged_intake(severity=Severity.CAUTION)

    response = pharmacist_client.post(
        intake_url(intake), review_post(intake, review_status=Status.NEEDS_INFORMATION, review_notes="Ask about due date.")
    )

    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.review_status == Status.NEEDS_INFORMATION
    assert intake.review_notes == "Ask about due date."
    assert intake.reviewed_by == pharmacist_user
    assert intake.reviewed_at is not None


def test_clearing_a_contraindication_without_a_reason_is_refused_beside_the_field(pharmacist_client):
    intake = flagged_intake()

    response = pharmacist_client.post(intake_url(intake), review_post(intake, review_status=Status.CLEARED))

    assert response.status_code == 200
    html = response.content.decode()
    override_row = html.split("field-override_reason", 1)[1].split("form-row", 1)[0]
    assert "This intake carries a contraindication" in override_row
    intake.refresh_from_db()
    assert intake.review_status == Status.NEW
    assert intake.reviewed_by is None


def test_clearing_a_contraindication_keeps_the_reason_with_who_and_when(pharmacist_client, pharmacist_user):
    intake = flagged_intake()
    reason = "Stopped oxycodone six weeks ago; prescriber confirmed by phone."

    with time_machine.travel(AFTERNOON, tick=False):
        response = pharmacist_client.post(
            intake_url(intake), review_post(intake, review_status=Status.CLEARED, override_reason=reason)
        )
        html = pharmacist_client.get(intake_url(intake)).content.decode()

    assert response.status_code == 302
    intake.refresh_from_db()
    assert intake.review_status == Status.CLEARED
    assert intake.override_reason == reason
    assert intake.override_by == pharmacist_user
    assert intake.override_at == AFTERNOON
    assert "Tue Mar 17, 3:00 PM" in html  # when, in Chicago
    assert reason in html


def test_service_refuses_clearing_a_contraindication_with_a_token_reason(pharmacist_user):
    intake = flagged_intake()

    with pytest.raises(ValidationError) as refused:
        intake_review(intake=intake, by=pharmacist_user, status=Status.CLEARED, notes="", override_reason="ok")

    assert "override_reason" in refused.value.message_dict
    intake.refresh_from_db()
    assert intake.review_status == Status.NEW


def test_service_clears_an_intake_without_contraindication_without_a_reason(pharmacist_user):
    intake = flagged_intake(severity=Severity.CAUTION)

    intake = intake_review(intake=intake, by=pharmacist_user, status=Status.CLEARED, notes="Fine to discuss.")

    assert intake.review_status == Status.CLEARED
    assert intake.override_by is None


def test_a_reviewed_intake_cannot_go_back_to_new(pharmacist_user):
    intake = flagged_intake(severity=Severity.REVIEW)
    intake_review(intake=intake, by=pharmacist_user, status=Status.IN_REVIEW, notes="")

    with pytest.raises(ValidationError, match="cannot go back"):
        intake_review(intake=intake, by=pharmacist_user, status=Status.NEW, notes="")


def test_bulk_mark_in_review_moves_only_new_intakes(pharmacist_client, pharmacist_user):
    fresh = flagged_intake()
    decided = flagged_intake(review_status=Status.NOT_CANDIDATE)

    response = pharmacist_client.post(
        CHANGELIST, {"action": "mark_in_review", "_selected_action": [fresh.pk, decided.pk]}
    )

    assert response.status_code == 302
    fresh.refresh_from_db()
    decided.refresh_from_db()
    assert fresh.review_status == Status.IN_REVIEW
    assert decided.review_status == Status.NOT_CANDIDATE


def test_the_queue_reads_each_upcoming_consultation_in_one_lookup_and_few_queries(
    pharmacist_client, at_afternoon, django_assert_num_queries
):
    def queries_for(count):
        for n in range(count):
            intake = flagged_intake(patient=PatientFactory(last_name=f"Row{n}"))
            AppointmentFactory(intake=intake, start=AFTERNOON + timedelta(days=1, hours=n))
        with CaptureQueriesContext(connection) as captured:
            pharmacist_client.get(CHANGELIST)
        return [q["sql"] for q in captured]

    pharmacist_client.get(CHANGELIST)  # the session's and the process's first reads
    few, many = queries_for(1), queries_for(10)

    assert len(few) == len(many)
    (listing,) = [sql for sql in many if 'FROM "patients_intake"' in sql and "LIMIT" in sql]
    assert listing.count('"consultations_appointment"') == 1
    with django_assert_num_queries(15):  # 16 before the outbox warning took one query instead of two
        pharmacist_client.get(CHANGELIST)
    by_upcoming = pharmacist_client.get(CHANGELIST, {"o": "5"}).content.decode()  # the upcoming column, soonest first
    places = [by_upcoming.index(f"Row{n}<") for n in (0, 5, 9)]
    assert places == sorted(places)
