"""What the pharmacist sees of the opioid question, the washout timing and earlier intakes."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from patients.models import AuditEvent, Intake, ScreeningFlag
from patients.review import intake_review
from tests.factories import IntakeFactory, PatientFactory
from tests.staff import assert_nothing_clinical, flagged_intake, intake_url, review_post

Severity = ScreeningFlag.Severity
Status = Intake.ReviewStatus
CHANGELIST = reverse("admin:patients_intake_changelist")
READING = "\u201cstopped\u201d \u2026 \u201c3 days ago\u201d \u2192 last dose Nov 24, 2026"
RULE = "Short-acting opioids: at least 7 days opioid-free (naltrexone label)"


def flag(intake, code, severity, **fields):
    return ScreeningFlag.objects.create(
        intake=intake, code=code, severity=severity, rules_version="test",
        explanation=fields.pop("explanation", f"Explanation of {code}"), **fields,
    )


def intake_with(last_name, code, severity, **intake_fields):
    intake = IntakeFactory(patient=PatientFactory(last_name=last_name), screening_outcome=severity, **intake_fields)
    flag(intake, code, severity, ingredient="oxycodone")
    return intake


def text(html):
    return unescape(re.sub(r"<[^>]+>", " ", html))


class TestQueue:
    def test_an_opioid_mentioned_but_not_current_comes_straight_after_contraindications(self, pharmacist_client):
        intake_with("Reviewish", "thyroid", Severity.REVIEW)
        intake_with("Cautious", "pregnancy", Severity.CAUTION)
        intake_with("Pastuse", "opioid_not_current", Severity.REVIEW)
        intake_with("Answerstopped", "opioid_answer", Severity.REVIEW)
        intake_with("Nowtaker", "opioid", Severity.CONTRAINDICATION)
        IntakeFactory(patient=PatientFactory(last_name="Plain"))

        html = pharmacist_client.get(CHANGELIST).content.decode()

        order = [html.index(name) for name in ("Nowtaker", "Answerstopped", "Pastuse", "Cautious", "Reviewish", "Plain")]
        # Within a band the newest comes first: Answerstopped was submitted after Pastuse.
        assert order == sorted(order)

    def test_a_past_opioid_outranks_a_caution_on_the_same_intake_too(self, pharmacist_client):
        intake_with("Cautious", "pregnancy", Severity.CAUTION)
        both = intake_with("Bothflags", "opioid_not_current", Severity.REVIEW)
        flag(both, "pregnancy", Severity.CAUTION)
        both.screening_outcome = Severity.CAUTION
        both.save()

        html = pharmacist_client.get(CHANGELIST).content.decode()

        assert html.index("Bothflags") < html.index("Cautious")

    def test_an_opioid_answer_inside_the_washout_is_a_contraindication_not_a_past_use(self, pharmacist_client):
        intake_with("Pastuse", "opioid_not_current", Severity.REVIEW)
        intake_with("Recentstop", "opioid_answer", Severity.CONTRAINDICATION)

        html = pharmacist_client.get(CHANGELIST).content.decode()

        assert html.index("Recentstop") < html.index("Pastuse")

    def test_the_list_filter_finds_opioids_mentioned_but_not_current(self, pharmacist_client):
        intake_with("Pastuse", "opioid_not_current", Severity.REVIEW)
        intake_with("Answerstopped", "opioid_answer", Severity.REVIEW)
        intake_with("Reviewish", "thyroid", Severity.REVIEW)
        intake_with("Nowtaker", "opioid", Severity.CONTRAINDICATION)

        queue = pharmacist_client.get(CHANGELIST).content.decode()
        html = pharmacist_client.get(CHANGELIST, {"severity": "opioid_not_current"}).content.decode()

        assert "Opioid mentioned, not current" in queue
        assert "Pastuse" in html and "Answerstopped" in html
        assert "Reviewish" not in html and "Nowtaker" not in html

    def test_the_queue_badge_says_opioid_mentioned_not_current(self, pharmacist_client):
        intake_with("Pastuse", "opioid_not_current", Severity.REVIEW)

        html = pharmacist_client.get(CHANGELIST).content.decode()

        assert 'wt-badge--opioid-past">Opioid mentioned, not current<' in html


class TestIntakePage:
    def test_it_shows_the_direct_answer_what_was_read_the_rule_and_the_earliest_start(self, pharmacist_client):
        intake = IntakeFactory(
            opioid_use=Intake.OpioidUse.STOPPED, opioid_stopped_what="oxycodone",
            opioid_last_dose=date(2026, 11, 24), screening_outcome=Severity.CONTRAINDICATION,
        )
        flag(
            intake, "opioid_answer", Severity.CONTRAINDICATION, field="opioid_question",
            last_dose=date(2026, 11, 24), earliest_start=date(2026, 12, 1), washout_rule=RULE, reading=READING,
            explanation="The pharmacist will go through the timing with you.",
        )

        page = text(pharmacist_client.get(intake_url(intake)).content.decode())

        assert "I stopped — which one: oxycodone; last dose: Tue Nov 24, 2026" in page
        assert READING in page
        assert f"Washout: {RULE}" in page
        assert "Earliest LDN start:  Tue Dec 1, 2026" in page
        assert "The pharmacist will go through the timing with you." in page

    def test_an_intake_from_before_the_question_says_it_was_not_asked(self, pharmacist_client):
        intake = IntakeFactory(opioid_use=Intake.OpioidUse.NOT_ASKED)

        page = text(pharmacist_client.get(intake_url(intake)).content.decode())

        assert "Not asked (intake before this question existed)" in page

    def test_it_lists_the_same_persons_earlier_intakes_with_links_and_the_flag_carried_from_them(
        self, pharmacist_client
    ):
        patient = PatientFactory(last_name="Returning")
        earlier = flagged_intake(patient=patient, submitted_at=timezone.now() - timedelta(days=7))
        other_email = IntakeFactory(
            patient=PatientFactory(first_name=patient.first_name, last_name="RETURNING", email="new@example.com"),
            submitted_at=timezone.now() - timedelta(days=3),
        )
        IntakeFactory(patient=patient, submitted_at=timezone.now() - timedelta(days=91))
        stranger = IntakeFactory(submitted_at=timezone.now() - timedelta(days=2))
        later = IntakeFactory(patient=patient, screening_outcome=Severity.CONTRAINDICATION)
        flag(
            later, "earlier_intake", Severity.CONTRAINDICATION, staff_only=True, earlier_intake=earlier,
            ingredient="oxycodone", explanation="An earlier intake on Nov 20, 2026 mentioned oxycodone (Contraindication).",
        )

        html = pharmacist_client.get(intake_url(later)).content.decode()

        section = html[html.index("Earlier intakes</h2>"):]
        assert intake_url(earlier) in section and intake_url(other_email) in section
        assert intake_url(stranger) not in html
        assert re.findall(r'href="(/admin/patients/intake/\d+/change/)"', section) == [
            intake_url(other_email), intake_url(earlier)
        ], "newest first; not the one from 91 days ago"
        assert html.count(intake_url(earlier)) == 2, "listed, and linked from the flag it raised"
        page = text(html)
        assert "An earlier intake on Nov 20, 2026 mentioned oxycodone (Contraindication)." in page
        assert "Staff only: not shown to the patient" in page
        assert "Open the earlier intake" in page

    def test_with_no_earlier_intake_it_says_none(self, pharmacist_client):
        html = text(pharmacist_client.get(intake_url(IntakeFactory())).content.decode())

        assert re.search(r"the same person in the 90 days before:?\s+None", html, re.I)

    def test_following_the_link_to_an_earlier_intake_is_audited(self, pharmacist_client, pharmacist_user):
        earlier = flagged_intake(submitted_at=timezone.now() - timedelta(days=1))
        later = IntakeFactory(patient=earlier.patient)

        pharmacist_client.get(intake_url(later))
        pharmacist_client.get(intake_url(earlier))

        viewed = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, user=pharmacist_user)
        assert {str(earlier.pk), str(later.pk)} <= set(viewed.values_list("object_id", flat=True))


class TestClearing:
    def earlier_contraindication(self):
        earlier = flagged_intake(submitted_at=timezone.now() - timedelta(days=1))
        later = IntakeFactory(patient=earlier.patient, screening_outcome=Severity.CONTRAINDICATION)
        flag(later, "earlier_intake", Severity.CONTRAINDICATION, staff_only=True, earlier_intake=earlier)
        return later

    def test_a_contraindication_carried_from_an_earlier_intake_needs_a_reason_to_clear(self, pharmacist_client):
        intake = self.earlier_contraindication()

        response = pharmacist_client.post(intake_url(intake), review_post(intake, review_status=Status.CLEARED))

        assert response.status_code == 200
        assert "This intake carries a contraindication" in response.content.decode()
        intake.refresh_from_db()
        assert intake.review_status == Status.NEW

    def test_even_when_only_the_flag_says_so(self, pharmacist_user):
        intake = self.earlier_contraindication()
        Intake.objects.filter(pk=intake.pk).update(screening_outcome=Intake.Outcome.CLEAR)

        with pytest.raises(ValidationError):
            intake_review(intake=intake, by=pharmacist_user, status=Status.CLEARED, notes="")


def test_front_desk_cannot_open_an_intake_with_opioid_details(staff_client, front_desk):
    intake = IntakeFactory(
        opioid_use=Intake.OpioidUse.STOPPED, opioid_stopped_what="Sentinel-opioid-5521",
        opioid_last_dose=date(2026, 11, 24),
    )
    flag(intake, "opioid_answer", Severity.REVIEW, reading="Sentinel-reading-5521", washout_rule=RULE)
    desk = staff_client(front_desk)

    for url in (intake_url(intake), CHANGELIST, CHANGELIST + "?severity=opioid_not_current"):
        response = desk.get(url)
        assert response.status_code == 403
        html = response.content.decode()
        assert "Sentinel" not in html and "Opioid mentioned" not in html
        assert_nothing_clinical(html)
