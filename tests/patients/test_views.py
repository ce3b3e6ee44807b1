import logging
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.views.debug import ExceptionReporter

from patients.models import Intake, Patient
from tests.factories import LocationFactory
from tests.patients.intake_data import intake_post, years_ago

INTAKE_URL = "/intake/"
SUMMARY_URL = "/intake/summary/"


def test_the_urls_are_named_in_the_patients_namespace():
    assert reverse("patients:intake_start") == INTAKE_URL
    assert reverse("patients:intake_summary") == SUMMARY_URL


@pytest.mark.django_db
class TestIntakePage:
    def test_it_shows_the_form_at_step_one_and_is_never_cached(self, client):
        response = client.get(INTAKE_URL)

        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        # The current step is "Your details" (templates/includes/progress.html).
        assert re.search(r'aria-current="step"[^>]*>(?:(?!</li>).)*Your details', html, re.S)
        assert 'name="add_row"' in html
        assert "I take no medications or supplements" in html
        assert "You can list up to 40" in html
        assert 'id="error-summary"' not in html

    def test_it_gives_the_row_script_an_empty_row_the_limit_and_its_message(self, client):
        LocationFactory(phone="+1 608-555-0142")

        html = client.get(INTAKE_URL).content.decode()

        template = html[html.index('<template id="med-row-template">'):html.index("</template>")]
        assert 'name="med-__prefix__-text"' in template and 'for="id_med-__prefix__-text"' in template
        assert "Medication __number__" in template
        assert 'data-max-rows="40"' in html
        assert re.search(r'id="med-status" role="status" data-full-message="[^"]*up to 40[^"]*555-0142', html)
        assert '<script src="/static/js/medication_rows.js' in html or "js/medication_rows." in html

    def test_the_opioid_question_comes_before_the_medicines_with_its_follow_up_under_i_stopped(self, client):
        html = client.get(INTAKE_URL).content.decode()

        question = html.index("Have you taken any opioid recently?")
        assert html.index("Pregnancy and breastfeeding") < question < html.index("Medicines and supplements")
        answers = [html.index(f'value="{value}"', question) for value in ("now", "stopped", "no", "not_sure")]
        assert answers == sorted(answers)
        follow_up = html.index('id="opioid-follow-up"')
        assert answers[1] < follow_up < answers[2], "the follow-up sits under \u201cI stopped\u201d"
        assert "Only if you stopped" in html
        assert html.index("Which one?") > follow_up and html.index("Date of your last dose") > follow_up
        assert 'value="not_asked"' not in html

    def test_an_error_under_i_stopped_keeps_the_answer_and_what_was_typed(self, client):
        data = intake_post(
            **{"intake-opioid_use": "stopped", "intake-opioid_stopped_what": "Sentinel-opioid",
               "intake-opioid_last_dose": "2099-01-01"}
        )

        html = client.post(INTAKE_URL, data).content.decode()

        assert 'value="Sentinel-opioid"' in html
        assert 'value="2099-01-01"' in html
        assert re.search(r'value="stopped"[^>]*checked', html)
        assert not Intake.objects.exists()

    def test_add_another_at_40_rows_adds_none_and_says_so_beside_the_list(self, client):
        LocationFactory(phone="+1 608-555-0142")
        medications = [(f"medicine {n}", f"{n} mg", "daily", "otc") for n in range(1, 41)]

        response = client.post(INTAKE_URL, intake_post(medications=medications) | {"add_row": "1"})

        html = response.content.decode()
        assert response.status_code == 200
        assert 'name="med-39-text"' in html and 'name="med-40-text"' not in html
        assert all(f'value="medicine {n}"' in html and f'value="{n} mg"' in html for n in range(1, 41))
        limit = html[html.index('id="med-limit"'):html.index('name="add_row"')]
        assert "up to 40" in limit and "(608) 555-0142" in limit
        assert not Intake.objects.exists()

    def test_a_post_with_41_rows_is_refused_clearly_and_keeps_every_row(self, client):
        medications = [(f"medicine {n}", f"{n} mg", "daily", "otc") for n in range(1, 42)]

        response = client.post(INTAKE_URL, intake_post(medications=medications))

        html = response.content.decode()
        assert response.status_code == 200
        assert not Intake.objects.exists()
        assert 'id="error-summary"' in html and "up to 40 medicines" in html
        assert all(f'value="medicine {n}"' in html for n in range(1, 42))

    def test_a_complete_intake_is_stored_and_the_patient_sees_the_summary(self, client):
        response = client.post(INTAKE_URL, intake_post())

        assert response.status_code == 302
        assert response["Location"] == SUMMARY_URL
        intake = Intake.objects.get()
        assert client.session["intake_reference"] == str(intake.reference)
        assert intake.patient.email == "dana@example.com"
        assert intake.patient.phone == "+16085550123"
        assert list(intake.medications.values_list("text", flat=True)) == ["metformin"]
        summary = client.get(SUMMARY_URL)
        assert summary.status_code == 200
        assert "no-store" in summary["Cache-Control"]
        assert 'href="/book/"' in summary.content.decode()

    def test_an_intake_without_medications_saying_none_is_accepted(self, client):
        response = client.post(INTAKE_URL, intake_post(medications=()))

        assert response.status_code == 302
        assert Intake.objects.get().takes_no_medications

    @pytest.mark.parametrize(
        ("overrides", "field_id", "message"),
        [
            ({"intake-consent_privacy": None}, "id_intake-consent_privacy", "privacy notice"),
            ({"intake-consent_not_diagnosis": None}, "id_intake-consent_not_diagnosis", "not a diagnosis"),
            ({"intake-consent_contact": None}, "id_intake-consent_contact", "contact you"),
            ({"patient-date_of_birth": "2099-01-01"}, "id_patient-date_of_birth", "can&#x27;t be in the future"),
            ({"patient-date_of_birth": str(years_ago(16))}, "id_patient-date_of_birth", "for adults"),
            ({"patient-phone": "12345"}, "id_patient-phone", "for example 608-555-0123"),
            ({"med-0-text": "", "med-0-dose": "", "med-0-frequency": ""}, "id_intake-takes_no_medications", "or tick"),
            ({"intake-takes_no_medications": "on"}, "id_intake-takes_no_medications", "Untick the box"),
            ({"intake-conditions": ["other"]}, "id_intake-condition_other", "tell us briefly"),
            ({"intake-has_ldn_prescription": "yes"}, "id_intake-prescriber_name", "prescriber&#x27;s name"),
            ({"intake-opioid_use": None}, "id_intake-opioid_use_0", "is a fine answer"),
            (
                {"intake-opioid_use": "stopped", "intake-opioid_last_dose": "2020-01-02"},
                "id_intake-opioid_stopped_what", "tell us which one",
            ),
            (
                {"intake-opioid_use": "stopped", "intake-opioid_stopped_what": "oxycodone"},
                "id_intake-opioid_last_dose", "the date of your last dose",
            ),
            (
                {"intake-opioid_use": "stopped", "intake-opioid_stopped_what": "oxycodone",
                 "intake-opioid_last_dose": "2099-01-01"},
                "id_intake-opioid_last_dose", "can\u2019t be in the future",
            ),
        ],
    )
    def test_bad_input_is_explained_beside_the_field_and_in_the_summary_and_nothing_typed_is_lost(
        self, client, overrides, field_id, message
    ):
        data = intake_post(medications=[("Sentinel-med", "5 mg", "daily", "otc")], **overrides)
        data["intake-allergies"] = "penicillin rash"

        response = client.post(INTAKE_URL, data)

        assert response.status_code == 200
        assert not Intake.objects.exists()
        html = response.content.decode()
        start = html.index('<div id="error-summary"')
        summary = html[start:html.index("</div>", start)]
        assert 'role="alert" tabindex="-1"' in summary
        assert f'href="#{field_id}"' in summary
        assert message in summary
        assert html.count(message) >= 2, "the message is also shown beside the field"
        assert 'value="Dana"' in html
        assert 'value="dana@example.com"' in html
        assert "penicillin rash" in html
        if "med-0-dose" not in overrides:
            assert 'value="Sentinel-med"' in html and 'value="5 mg"' in html
        assert response.context["submission"].error_summary()

    def test_the_under_18_message_gives_the_pharmacy_phone(self, client):
        LocationFactory(phone="+1 608-555-0142")

        response = client.post(INTAKE_URL, intake_post(**{"patient-date_of_birth": str(years_ago(17))}))

        assert "call the pharmacy on (608) 555-0142" in response.content.decode()

    def test_the_error_page_title_starts_with_error(self, client):
        response = client.post(INTAKE_URL, intake_post(**{"patient-phone": ""}))

        assert "<title>Error: " in response.content.decode()

    def test_add_another_medication_keeps_everything_typed_and_adds_an_empty_row(self, client):
        data = intake_post(medications=[("tramadol", "50 mg", "at night", "prescription")])
        data["intake-allergies"] = "latex"

        response = client.post(INTAKE_URL, data | {"add_row": "1"})

        assert response.status_code == 200
        assert not Intake.objects.exists()
        html = response.content.decode()
        assert 'id="error-summary"' not in html
        assert 'value="tramadol"' in html and 'value="50 mg"' in html and 'value="at night"' in html
        assert "latex" in html and 'value="Dana"' in html
        assert 'name="med-1-text"' in html and 'name="med-2-text"' not in html
        assert 'name="med-TOTAL_FORMS" value="2"' in html

    def test_rows_can_be_added_then_removed_and_the_intake_submitted_without_javascript(self, client):
        first = intake_post(medications=[("tramadol", "", "", "prescription")])
        page = client.post(INTAKE_URL, first | {"add_row": "1"})
        assert 'name="med-1-text"' in page.content.decode()

        second = intake_post(medications=[("tramadol", "", "", "prescription"), ("vitamin D", "", "", "otc")])
        second["med-0-DELETE"] = "on"
        page = client.post(INTAKE_URL, second | {"add_row": "1"})
        html = page.content.decode()
        assert 'value="tramadol"' not in html
        assert 'name="med-0-text"' in html and 'value="vitamin D"' in html

        final = intake_post(medications=[("vitamin D", "", "", "otc")])
        response = client.post(INTAKE_URL, final)
        assert response.status_code == 302
        intake = Intake.objects.get()
        assert list(intake.medications.values_list("text", flat=True)) == ["vitamin D"]
        assert intake.screening_outcome == Intake.Outcome.CLEAR

    @pytest.mark.parametrize(
        "garbage",
        [
            {},
            {"med-TOTAL_FORMS": "abc"},
            {"med-TOTAL_FORMS": "100000", "med-INITIAL_FORMS": "-4"},
            {"med-TOTAL_FORMS": "3"},
            "drop_management_form",
            {"patient-date_of_birth": "99999-99-99", "intake-conditions": ["nonsense"], "med-0-kind": "poison"},
            {"intake-pregnancy_status": "x" * 5000, "patient-email": "\x00@\x00"},
            {"add_row": "1", "med-TOTAL_FORMS": "zzz"},
            {"add_row": "1", "med-TOTAL_FORMS": "100000"},
        ],
    )
    def test_garbage_posts_never_cause_a_server_error(self, client, garbage):
        if garbage == "drop_management_form":
            data = {k: v for k, v in intake_post().items() if not k.startswith("med-") or "-0-" in k}
        elif garbage == {}:
            data = {}
        else:
            data = intake_post() | garbage

        response = client.post(INTAKE_URL, data)

        assert response.status_code == 200
        assert not Intake.objects.exists()

    def test_other_methods_are_refused(self, client):
        assert client.put(INTAKE_URL).status_code == 405


@pytest.mark.django_db
class TestSummaryPage:
    def test_without_an_intake_in_the_session_it_sends_the_patient_to_the_form(self, client):
        response = client.get(SUMMARY_URL)

        assert response.status_code == 302
        assert response["Location"] == INTAKE_URL

    def test_a_stale_or_forged_reference_sends_the_patient_to_the_form(self, client):
        session = client.session
        session["intake_reference"] = "not-a-reference"
        session.save()

        assert client.get(SUMMARY_URL)["Location"] == INTAKE_URL

    def test_an_opioid_is_explained_calmly_and_booking_stays_open(self, client):
        client.post(INTAKE_URL, intake_post(medications=[("Norco 10/325", "", "bid", "prescription")]))

        response = client.get(SUMMARY_URL)

        html = response.content.decode()
        assert Intake.objects.get().screening_outcome == "contraindication"
        assert "LDN and opioids are not taken together" in html
        assert "pharmacist will talk it through" in html
        assert "hydrocodone" in html
        assert "not a diagnosis" in html
        assert 'href="/book/"' in html
        assert 'aria-current="step"' in html

    def test_pregnancy_and_unknown_entries_are_shown_as_things_to_discuss(self, client):
        client.post(
            INTAKE_URL,
            intake_post(medications=[("zorblatex", "", "", "otc")], **{"intake-pregnancy_status": "pregnant"}),
        )

        html = client.get(SUMMARY_URL).content.decode()

        assert "You told us that you are pregnant" in html
        assert "zorblatex" in html
        assert "LDN is not taken together with opioid" not in html

    def test_methadone_written_only_under_something_else_gets_the_opioid_notice(self, client):
        client.post(
            INTAKE_URL,
            intake_post(
                medications=(),
                **{"intake-conditions": ["other"], "intake-condition_other": "coming off methadone (40 mg a day)"},
            ),
        )

        html = client.get(SUMMARY_URL).content.decode()

        assert Intake.objects.get().screening_outcome == "contraindication"
        assert "Something to talk through first" in html
        assert "methadone" in html

    def test_stopped_three_days_ago_tells_the_patient_the_pharmacist_will_go_through_the_timing(self, client):
        last_dose = timezone.localdate() - timedelta(days=3)
        client.post(
            INTAKE_URL,
            intake_post(
                **{"intake-opioid_use": "stopped", "intake-opioid_stopped_what": "oxycodone",
                   "intake-opioid_last_dose": str(last_dose)}
            ),
        )

        html = client.get(SUMMARY_URL).content.decode()

        assert "Something to talk through first" in html
        assert "go through the timing with you" in html
        assert "you answered &ldquo;I stopped&rdquo;: oxycodone, last dose on" in html
        assert "not a diagnosis" in html

    def test_pregnancy_not_sure_is_a_calm_check(self, client):
        client.post(INTAKE_URL, intake_post(**{"intake-pregnancy_status": "not_sure"}))

        html = client.get(SUMMARY_URL).content.decode()

        assert "The pharmacist will check a few things with you" in html
        assert "That is fine" in html

    def test_what_an_earlier_intake_said_is_not_shown_to_the_patient(self, client):
        client.post(INTAKE_URL, intake_post(medications=[("oxycodone", "5 mg", "twice a day", "prescription")]))
        client.post(INTAKE_URL, intake_post(medications=[("ibuprofen", "200 mg", "as needed", "otc")]))

        html = client.get(SUMMARY_URL).content.decode()

        latest = Intake.objects.order_by("-submitted_at", "-pk").first()
        assert latest.screening_outcome == "contraindication", "staff rank it by what the first one said"
        assert latest.flags.get().staff_only
        assert "Nothing on your list needs special attention" in html
        assert "oxycodone" not in html.lower() and "earlier" not in html.lower()
        assert 'id="noticed-title"' not in html

    def test_nothing_noticed_says_so_without_promising_anything(self, client):
        client.post(INTAKE_URL, intake_post(medications=()))

        html = client.get(SUMMARY_URL).content.decode()

        assert "Nothing on your list needs special attention" in html
        assert 'id="noticed-title"' not in html


SENTINEL = "Zqxsentinel"


def sentinel_post():
    """Every clinical answer carries the sentinel, so any leak of any answer is caught."""
    return intake_post(
        medications=[(f"{SENTINEL} tablets", f"{SENTINEL} mg", f"{SENTINEL} daily", "otc")],
        **{
            "intake-conditions": ["other"],
            "intake-condition_other": f"{SENTINEL} condition",
            "intake-allergies": f"{SENTINEL} allergy",
            "intake-has_ldn_prescription": "yes",
            "intake-prescriber_name": f"Dr {SENTINEL}",
            "intake-prescriber_clinic": f"{SENTINEL} clinic",
            "intake-prescriber_phone": "608-555-0111",
        },
    )


@pytest.mark.django_db
class TestPrivacy:
    def test_submitting_an_intake_logs_no_answer_even_at_debug_level(self, client, caplog, settings):
        settings.DEBUG = True  # the setting under which Django would log SQL with its parameters
        caplog.set_level(logging.DEBUG)
        caplog.set_level(logging.DEBUG, logger="django")  # as verbose as a developer could make it

        response = client.post(INTAKE_URL, sentinel_post())
        client.get(SUMMARY_URL)
        client.post(INTAKE_URL, sentinel_post() | {"patient-phone": "1"})  # an error page too

        assert response.status_code == 302
        assert Intake.objects.get().condition_other == f"{SENTINEL} condition"
        logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
        assert SENTINEL.lower() not in logged.lower()

    def test_no_answer_appears_in_any_url(self, client):
        response = client.post(INTAKE_URL, sentinel_post(), follow=True)

        urls = [url for url, _ in response.redirect_chain] + [response.request["PATH_INFO"]]
        assert response.status_code == 200
        assert not any(SENTINEL.lower() in url.lower() or "@" in url for url in urls)
        assert set(client.session.keys()) >= {"intake_reference"}
        assert SENTINEL not in str(dict(client.session.items()))

    def test_an_error_report_of_a_failed_submission_hides_every_answer(self, client, monkeypatch, caplog):
        def broken(**kwargs):
            raise RuntimeError("storage failed")

        monkeypatch.setattr("patients.views.intake_submit", broken)
        client.raise_request_exception = False

        response = client.post(INTAKE_URL, sentinel_post())

        assert response.status_code == 500
        (record,) = [r for r in caplog.records if r.name == "django.request"]
        assert SENTINEL not in record.getMessage()
        report = ExceptionReporter(record.request, *record.exc_info).get_traceback_text()
        assert "storage failed" in report
        assert SENTINEL not in report
        assert not Patient.objects.exists()

    def test_the_summary_is_only_shown_to_the_session_that_submitted(self, client):
        client.post(INTAKE_URL, intake_post(medications=[("tramadol", "", "", "prescription")]))

        stranger = Client()
        assert stranger.get(SUMMARY_URL)["Location"] == INTAKE_URL


@pytest.fixture
def fresh_hour():
    """Start just after the top of the hour, so an hourly window cannot roll over mid-test."""
    import time_machine

    start = timezone.now().replace(minute=0, second=1, microsecond=0)
    with time_machine.travel(start, tick=True):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("fresh_hour")
class TestRefusedSubmissions:
    def test_answers_sent_back_with_errors_do_not_count_toward_the_limit(self, client, settings):
        settings.RATE_LIMIT_INTAKE = "2/h"
        for _ in range(5):
            assert client.post(INTAKE_URL, intake_post(**{"patient-phone": "1"})).status_code == 200

        assert client.post(INTAKE_URL, intake_post(**{"patient-email": "a@example.com"})).status_code == 302
        assert client.post(INTAKE_URL, intake_post(**{"patient-email": "b@example.com"})).status_code == 302
        assert client.post(INTAKE_URL, intake_post(**{"patient-email": "c@example.com"})).status_code == 429

    def test_the_default_limit_lets_a_clinic_sharing_one_address_send_thirty_intakes_an_hour(self, client):
        from django.conf import settings as live

        assert live.RATE_LIMIT_INTAKE == "30/h"
        for number in range(30):
            response = client.post(INTAKE_URL, intake_post(**{"patient-email": f"p{number}@example.com"}))
            assert response.status_code == 302

    def test_the_rate_limit_page_keeps_every_answer_and_logs_none(self, client, settings, caplog):
        settings.RATE_LIMIT_INTAKE = "1/h"
        client.post(INTAKE_URL, intake_post(**{"patient-email": "first@example.com"}))
        caplog.set_level(logging.DEBUG)

        response = client.post(INTAKE_URL, sentinel_post())

        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        assert "no-store" in response["Cache-Control"]
        html = response.content.decode()
        assert "Please wait a little before trying again" in html
        assert f'value="{SENTINEL} tablets"' in html and f"{SENTINEL} allergy" in html
        assert 'id="error-summary"' not in html
        assert Intake.objects.count() == 1
        logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
        assert SENTINEL.lower() not in logged.lower()

    def test_a_csrf_failure_from_our_own_page_shows_the_answers_again_with_a_fresh_token(self, caplog):
        browser = Client(enforce_csrf_checks=True)
        caplog.set_level(logging.DEBUG)

        response = browser.post(INTAKE_URL, sentinel_post(), HTTP_ORIGIN="http://testserver")

        assert response.status_code == 403
        html = response.content.decode()
        assert "Please send your answers again" in html and "Nothing was saved yet" in html
        assert f'value="{SENTINEL} tablets"' in html
        assert 'name="csrfmiddlewaretoken"' in html
        assert not Patient.objects.exists()
        logged = "\n".join(f"{record.getMessage()} {record.args!r}" for record in caplog.records)
        assert SENTINEL.lower() not in logged.lower()

    def test_a_csrf_failure_from_another_site_shows_nothing_it_posted(self):
        browser = Client(enforce_csrf_checks=True)

        response = browser.post(INTAKE_URL, sentinel_post(), HTTP_ORIGIN="https://evil.example")

        assert response.status_code == 403
        html = response.content.decode()
        assert "We could not take this form" in html
        assert SENTINEL not in html
