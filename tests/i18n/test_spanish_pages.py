"""Issue #18: every patient page, reached the way a patient reaches it with Spanish chosen, says
everything in Spanish and declares <html lang="es">.

Each page is its own test, so a run lists the pages still holding English and, in each failure,
every English segment with the page it is on (tests/i18n/english.py says what counts).
"""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path, reverse
from django.utils import timezone

from consultations import records
from consultations.models import Appointment, ConsultationRecord, FollowUp
from patients.continuation import continue_link_token
from patients.models import Intake
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory, PatientFactory
from tests.i18n.conftest import SWITCH_URL, first_link, hidden_fields, spanish_client, spanish_intake_post
from tests.i18n.english import (
    contractions_missed,
    english_in_html,
    html_lang,
    template_syntax_shown,
    visible_text,
)
from welltopia.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db

INTAKE = "/intake/"
SUMMARY = "/intake/summary/"


# --- A URLconf with a page that is refused and one that fails (403.html and 500.html) -----------
def refused_view(request):
    raise PermissionDenied


def broken_view(request):
    raise RuntimeError("a deliberate failure for the Spanish 500 page")


handler500 = "welltopia.views.server_error"
urlpatterns = [*site_urlpatterns, path("refused/", refused_view), path("broken/", broken_view)]


# --- How a patient reaches each page -------------------------------------------------------------
def summary_after(client, data):
    submitted = client.post(INTAKE, data)
    assert submitted.status_code == 302, "the intake was not accepted"
    return client.get(SUMMARY)


def booked(client, pharmacy, *, mode="phone"):
    """Intake, then every booking step, as the links and buttons lead; the responses by step."""
    steps = {"summary": summary_after(client, spanish_intake_post())}
    steps["start"] = client.get(reverse("consultations:book_start"))
    steps["start_errors"] = client.get(reverse("consultations:book_start"), {"pharmacist": "any"})
    choice = {"type": pharmacy.kind.slug, "mode": mode, "pharmacist": "any"}
    steps["day"] = client.get(reverse("consultations:book_day"), choice)
    steps["time"] = client.get(first_link(steps["day"].content.decode(), "/book/time/"))
    steps["review"] = client.get(first_link(steps["time"].content.decode(), "/book/review/"))
    confirm = reverse("consultations:book_confirm")
    steps["confirmed"] = client.post(confirm, hidden_fields(steps["review"].content.decode(), form_action=confirm), follow=True)
    steps["already"] = client.get(reverse("consultations:book_start"))
    return steps, Appointment.objects.get(patient__email="dolores@example.com")


def manage_url(appointment, name="manage"):
    return reverse(f"consultations:{name}", args=[appointment.manage_token])


def follow_up_for(pharmacist):
    """A follow-up two weeks after a signed "suitable" record, its invitation due (as in
    tests/consultations/test_follow_up_checkin.py)."""
    from tests.conftest import role

    pharmacist.user.groups.add(role("Pharmacist"))
    now = timezone.now()
    patient = PatientFactory(first_name="Dolores", last_name="Díaz", email="dolores@example.com")
    intake = IntakeFactory(patient=patient, takes_no_medications=False, submitted_at=now - timedelta(days=20))
    MedicationEntryFactory(intake=intake, position=0, text="metformina", dose="500 mg", frequency="dos veces al día")
    appointment = AppointmentFactory(intake=intake, pharmacist=pharmacist, start=now - timedelta(days=14))
    record = records.record_save(
        appointment=appointment, by=pharmacist.user,
        values={
            "outcome": ConsultationRecord.Outcome.SUITABLE, "patient_reported": "Dolor.", "medicines_reviewed": "Lista.",
            "advice": "Por la noche.", "plan": "Subir la dosis.", "recommendation": "Empezar LDN.",
        },
    )
    record = records.record_sign(record=record, by=pharmacist.user, now=now - timedelta(days=14))
    [follow_up] = records.follow_ups_plan(record=record, weeks=[2], by=pharmacist.user)
    return follow_up


def follow_up_link(follow_up):
    return reverse("consultations:follow_up_checkin", args=[follow_up.token])


def checkin_answers(**fields):
    return {"med_0": "same", "pregnancy_status": "not_applicable", "opioid_use": "no", "still_agree": "on", **fields}


# Each visit takes (client, pharmacy, settings) and returns (response, expected status).
def home(client, pharmacy, settings):
    return client.get("/"), 200


def privacy(client, pharmacy, settings):
    return client.get("/privacy/"), 200


def intake_blank(client, pharmacy, settings):
    return client.get(INTAKE), 200


def intake_with_errors(client, pharmacy, settings):
    bad = spanish_intake_post(
        **{"patient-first_name": "", "patient-email": "not-an-address", "patient-phone": "12",
           "intake-consent_privacy": None, "intake-opioid_use": "stopped", "intake-opioid_stopped_what": ""}
    )
    return client.post(INTAKE, bad), 200


def intake_under_18(client, pharmacy, settings):
    born = timezone.localdate().replace(year=timezone.localdate().year - 17)
    return client.post(INTAKE, spanish_intake_post(**{"patient-date_of_birth": born.isoformat()})), 200


def intake_too_many_rows(client, pharmacy, settings):
    rows = [(f"suplemento {n}", "", "", "otc") for n in range(41)]
    return client.post(INTAKE, spanish_intake_post(medications=rows)), 200


def summary_clear(client, pharmacy, settings):
    response = summary_after(client, spanish_intake_post(medications=()))
    assert Intake.objects.get().screening_outcome == Intake.Outcome.CLEAR
    return response, 200


def summary_opioid(client, pharmacy, settings):
    response = summary_after(client, spanish_intake_post(medications=[("oxycodone", "5 mg", "cuando lo necesito", "prescription")]))
    assert Intake.objects.get().screening_outcome == Intake.Outcome.CONTRAINDICATION
    return response, 200


def summary_opioid_stopped(client, pharmacy, settings):
    last_dose = timezone.localdate() - timedelta(days=3)
    response = summary_after(
        client,
        spanish_intake_post(**{"intake-opioid_use": "stopped", "intake-opioid_stopped_what": "tramadol",
                               "intake-opioid_last_dose": last_dose.isoformat()}),
    )
    assert Intake.objects.get().screening_outcome == Intake.Outcome.CONTRAINDICATION
    return response, 200


def summary_opioid_treatment(client, pharmacy, settings):
    response = summary_after(client, spanish_intake_post(medications=[("methadone", "40 mg", "cada día", "prescription")]))
    assert Intake.objects.get().screening_outcome == Intake.Outcome.CONTRAINDICATION
    return response, 200


def summary_pregnancy(client, pharmacy, settings):
    response = summary_after(client, spanish_intake_post(medications=(), **{"intake-pregnancy_status": "pregnant"}))
    assert Intake.objects.get().screening_outcome == Intake.Outcome.CAUTION
    return response, 200


def summary_pharmacist_review(client, pharmacy, settings):
    response = summary_after(client, spanish_intake_post(medications=[("zorblatex", "", "", "otc")]))
    assert Intake.objects.get().screening_outcome == Intake.Outcome.REVIEW
    return response, 200


def booking_needs_intake_first(client, pharmacy, settings):
    return client.get(reverse("consultations:book_start"), follow=True), 200


def booking_step(name):
    def visit(client, pharmacy, settings):
        steps, _ = booked(client, pharmacy)
        return steps[name], 200

    visit.__name__ = f"book_{name}"
    return visit


def booking_time_taken(client, pharmacy, settings):
    """The time picked is booked by someone else before the patient confirms."""
    summary_after(client, spanish_intake_post())
    choice = {"type": pharmacy.kind.slug, "mode": "phone", "pharmacist": "any"}
    day = client.get(reverse("consultations:book_day"), choice)
    review = client.get(first_link(client.get(first_link(day.content.decode(), "/book/time/")).content.decode(), "/book/review/"))
    confirm = reverse("consultations:book_confirm")
    fields = hidden_fields(review.content.decode(), form_action=confirm)
    other = spanish_client()
    summary_after(other, spanish_intake_post(**{"patient-email": "otra@example.com"}))
    other.post(confirm, fields)
    return client.post(confirm, fields), 200


def with_booking(visit_booking):
    def visit(client, pharmacy, settings):
        _, appointment = booked(client, pharmacy)
        return visit_booking(client, appointment, pharmacy)

    visit.__name__ = visit_booking.__name__
    return visit


@with_booking
def manage_detail(client, appointment, pharmacy):
    return client.get(manage_url(appointment)), 200


@with_booking
def manage_cancel(client, appointment, pharmacy):
    return client.get(manage_url(appointment, "manage_cancel")), 200


@with_booking
def manage_cancelled(client, appointment, pharmacy):
    return client.post(manage_url(appointment, "manage_cancel"), follow=True), 200


@with_booking
def manage_reschedule_day(client, appointment, pharmacy):
    return client.get(manage_url(appointment, "manage_reschedule_day")), 200


@with_booking
def manage_reschedule_time(client, appointment, pharmacy):
    days = client.get(manage_url(appointment, "manage_reschedule_day")).content.decode()
    return client.get(first_link(days, manage_url(appointment, "manage_reschedule_time"))), 200


def _reschedule_review(client, appointment):
    days = client.get(manage_url(appointment, "manage_reschedule_day")).content.decode()
    times = client.get(first_link(days, manage_url(appointment, "manage_reschedule_time"))).content.decode()
    return client.get(first_link(times, manage_url(appointment, "manage_reschedule_review")))


@with_booking
def manage_reschedule_review(client, appointment, pharmacy):
    return _reschedule_review(client, appointment), 200


@with_booking
def manage_moved(client, appointment, pharmacy):
    review = _reschedule_review(client, appointment)
    action = manage_url(appointment, "manage_reschedule_review")
    start = review.request["QUERY_STRING"].split("start=")[1]
    return client.post(action, {"start": start.replace("%3A", ":")}, follow=True), 200


@with_booking
def manage_too_late(client, appointment, pharmacy):
    pharmacy.clock.move_to(appointment.start - timedelta(minutes=90))
    return client.get(manage_url(appointment)), 200


@with_booking
def manage_too_late_to_cancel(client, appointment, pharmacy):
    pharmacy.clock.move_to(appointment.start - timedelta(minutes=90))
    return client.get(manage_url(appointment, "manage_cancel"), follow=True), 200


@with_booking
def manage_past(client, appointment, pharmacy):
    pharmacy.clock.move_to(appointment.end + timedelta(days=1))
    return client.get(manage_url(appointment)), 200


def _video_booking(client, pharmacy):
    pharmacy.pharmacist.meeting_link = "https://meet.google.com/abc-defg-hij"
    pharmacy.pharmacist.save()
    _, appointment = booked(client, pharmacy, mode="video")
    return appointment


def manage_video_before_the_link_shows(client, pharmacy, settings):
    appointment = _video_booking(client, pharmacy)
    response = client.get(manage_url(appointment))
    assert "meet.google.com" not in response.content.decode()
    return response, 200


def manage_video_time_to_join(client, pharmacy, settings):
    appointment = _video_booking(client, pharmacy)
    pharmacy.clock.move_to(appointment.start - timedelta(minutes=5))
    response = client.get(manage_url(appointment))
    assert "meet.google.com" in response.content.decode(), "the join link is on the page"
    return response, 200


def book_confirmed_in_person(client, pharmacy, settings):
    steps, _ = booked(client, pharmacy, mode="in_person")
    return steps["confirmed"], 200


def appointment_intake(client, pharmacy, settings):
    """A consultation booked by the front desk for a caller: the intake from the manage link."""
    patient = PatientFactory(first_name="Dolores", last_name="Díaz", email="dolores@example.com")
    appointment = AppointmentFactory(
        intake=None, patient=patient, pharmacist=pharmacy.pharmacist, consultation_type=pharmacy.kind,
        start=timezone.now() + timedelta(days=2),
    )
    return client.get(manage_url(appointment, "appointment_intake")), 200


def follow_up_start(client, pharmacy, settings):
    return client.get(follow_up_link(follow_up_for(pharmacy.pharmacist))), 200


def follow_up_wrong_birth_date(client, pharmacy, settings):
    return client.post(follow_up_link(follow_up_for(pharmacy.pharmacist)), {"date_of_birth": "1981-04-12"}), 200


def follow_up_answers(client, pharmacy, settings):
    return client.post(follow_up_link(follow_up_for(pharmacy.pharmacist)), {"date_of_birth": "1980-04-12"}, follow=True), 200


def follow_up_answers_with_errors(client, pharmacy, settings):
    client.post(follow_up_link(follow_up_for(pharmacy.pharmacist)), {"date_of_birth": "1980-04-12"})
    answers = checkin_answers(med_0="changed", opioid_use="stopped", still_agree="")
    return client.post(reverse("consultations:follow_up_answers"), answers), 200


def follow_up_summary(client, pharmacy, settings):
    client.post(follow_up_link(follow_up_for(pharmacy.pharmacist)), {"date_of_birth": "1980-04-12"})
    return client.post(reverse("consultations:follow_up_answers"), checkin_answers(), follow=True), 200


def follow_up_closed(client, pharmacy, settings):
    follow_up = follow_up_for(pharmacy.pharmacist)
    FollowUp.objects.filter(pk=follow_up.pk).update(status=FollowUp.Status.CHECKED_IN)
    return client.get(follow_up_link(follow_up)), 200


def follow_up_link_lost(client, pharmacy, settings):
    return client.get(reverse("consultations:follow_up_answers"), follow=True), 200


def book_again(client, pharmacy, settings):
    past = follow_up_for(pharmacy.pharmacist).record.appointment
    return client.get(manage_url(past, "book_again")), 200


def continue_request(client, pharmacy, settings):
    return client.get("/intake/continue/"), 200


def continue_request_with_errors(client, pharmacy, settings):
    return client.post("/intake/continue/", {"email": "no es una dirección"}), 200


def continue_sent(client, pharmacy, settings):
    return client.post("/intake/continue/", {"email": "dolores@example.com"}), 200


def continue_open(client, pharmacy, settings):
    intake = IntakeFactory(patient=PatientFactory(first_name="Dolores", email="dolores@example.com"))
    return client.get(f"/intake/continue/{continue_link_token(intake_id=intake.pk)}/"), 200


def continue_link_used(client, pharmacy, settings):
    """410: a link already spent (opened in another tab)."""
    intake = IntakeFactory(patient=PatientFactory(first_name="Dolores", email="dolores@example.com"))
    link = f"/intake/continue/{continue_link_token(intake_id=intake.pk)}/"
    Client().post(link)
    return client.get(link), 410


def continue_link_expired(client, pharmacy, settings):
    intake = IntakeFactory(patient=PatientFactory(first_name="Dolores", email="dolores@example.com"))
    link = f"/intake/continue/{continue_link_token(intake_id=intake.pk)}/"
    pharmacy.clock.shift(timedelta(hours=3))
    return client.get(link), 410


def continue_link_invalid(client, pharmacy, settings):
    return client.get("/intake/continue/not-a-real-link/"), 410


def not_found(client, pharmacy, settings):
    return client.get("/no-such-page/"), 404


def unknown_manage_link(client, pharmacy, settings):
    return client.get("/appointments/" + "x" * 43 + "/"), 404


def refused_403(client, pharmacy, settings):
    settings.ROOT_URLCONF = __name__
    return client.get("/refused/"), 403


def form_refused_csrf(client, pharmacy, settings):
    strict = spanish_client(enforce_csrf_checks=True)
    return strict.post("/intake/continue/", {"email": "dolores@example.com"}), 403


def intake_refused_csrf(client, pharmacy, settings):
    """The intake posted with an expired CSRF cookie: the answers come back to be sent again."""
    strict = spanish_client(enforce_csrf_checks=True)
    return strict.post(INTAKE, spanish_intake_post(), headers={"Origin": "http://testserver"}), 403


def too_many_manage(client, pharmacy, settings):
    _, appointment = booked(client, pharmacy)
    settings.RATE_LIMIT_MANAGE = "1/h"
    client.get(manage_url(appointment))
    return client.get(manage_url(appointment)), 429


def too_many_intakes(client, pharmacy, settings):
    settings.RATE_LIMIT_INTAKE = "1/h"
    client.post(INTAKE, spanish_intake_post())
    return client.post(INTAKE, spanish_intake_post()), 429


def too_many_link_requests(client, pharmacy, settings):
    settings.RATE_LIMIT_INTAKE_LINK = "1/h"
    client.post("/intake/continue/", {"email": "dolores@example.com"})
    return client.post("/intake/continue/", {"email": "dolores@example.com"}), 429


def server_error(client, pharmacy, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client.get("/broken/"), 500


PAGES = [
    home, privacy,
    intake_blank, intake_with_errors, intake_under_18, intake_too_many_rows,
    summary_clear, summary_opioid, summary_opioid_stopped, summary_opioid_treatment, summary_pregnancy,
    summary_pharmacist_review,
    booking_needs_intake_first,
    *(booking_step(name) for name in ("start", "start_errors", "day", "time", "review", "confirmed", "already")),
    booking_time_taken,
    manage_detail, manage_cancel, manage_cancelled, manage_reschedule_day, manage_reschedule_time,
    manage_reschedule_review, manage_moved, manage_too_late, manage_too_late_to_cancel, manage_past,
    manage_video_before_the_link_shows, manage_video_time_to_join, book_confirmed_in_person,
    appointment_intake,
    follow_up_start, follow_up_wrong_birth_date, follow_up_answers, follow_up_answers_with_errors, follow_up_summary,
    follow_up_closed, follow_up_link_lost, book_again,
    continue_request, continue_request_with_errors, continue_sent, continue_open,
    continue_link_used, continue_link_expired, continue_link_invalid,
    not_found, unknown_manage_link, refused_403, form_refused_csrf, intake_refused_csrf,
    too_many_manage, too_many_intakes, too_many_link_requests, server_error,
]


@pytest.mark.parametrize("visit", PAGES, ids=[visit.__name__ for visit in PAGES])
def test_the_page_is_all_spanish(visit, pharmacy, settings):
    settings.DEBUG = False
    client = spanish_client()

    response, status = visit(client, pharmacy, settings)

    assert response.status_code == status, f"{visit.__name__}: expected {status}, got {response.status_code}"
    html = response.content.decode()
    where = f"{visit.__name__} ({response.wsgi_request.path})"
    problems = [str(leftover) for leftover in english_in_html(html, where=where)]
    if html_lang(html) != "es":
        problems.insert(0, f'{where}: <html lang="{html_lang(html)}">, not "es"')
    problems += [f"{where}: template syntax printed: {piece!r}" for piece in template_syntax_shown(html)]
    problems += [f"{where}: 'a el'/'de el' not contracted: {piece!r}" for piece in contractions_missed(visible_text(html))]
    if f'action="{SWITCH_URL}"' not in html:
        problems.insert(0, f"{where}: no language switch (a form posting to {SWITCH_URL})")
    assert not problems, f"{len(problems)} problem(s):\n  - " + "\n  - ".join(problems)


def test_the_calendar_file_from_the_manage_page_is_spanish(pharmacy):
    """The .ics the manage page offers ("add to calendar"), downloaded with Spanish chosen."""
    from icalendar import Calendar

    from tests.i18n.english import english_in_text, report

    client = spanish_client()
    _, appointment = booked(client, pharmacy)
    response = client.get(manage_url(appointment, "manage_ics"))

    assert response.status_code == 200
    event = next(iter(Calendar.from_ical(response.content).walk("VEVENT")))
    found = []
    for field in ("SUMMARY", "DESCRIPTION", "LOCATION"):
        found += english_in_text(str(event.get(field, "")), where=f"calendar.ics {field}")
    assert not found, report(found)


def test_the_walk_reaches_every_patient_url():
    """A patient page added later must be added to the walk too: every named patient URL is in it."""
    from django.urls import get_resolver

    walked = {
        "patients:intake_start", "patients:intake_summary", "patients:intake_continue", "patients:intake_continue_open",
        "consultations:book_start", "consultations:book_day", "consultations:book_time", "consultations:book_review",
        "consultations:book_confirm", "consultations:book_confirmed", "consultations:manage",
        "consultations:manage_reschedule_day", "consultations:manage_reschedule_time",
        "consultations:manage_reschedule_review", "consultations:manage_cancel", "consultations:appointment_intake",
        "consultations:book_again", "consultations:follow_up_answers", "consultations:follow_up_checkin",
        "home", "privacy",
        # Not pages: the calendar file is checked with the emails; the rest are not for people.
        "consultations:manage_ics", "favicon", "healthz", "set_language",
    }
    resolver = get_resolver()
    names = set()
    for pattern in resolver.url_patterns:
        if hasattr(pattern, "url_patterns"):
            if getattr(pattern, "app_name", None) == "admin":
                continue
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            names |= {f"{namespace}{p.name}" for p in pattern.url_patterns if getattr(p, "name", None)}
        elif pattern.name:
            names.add(pattern.name)
    assert names - walked == set(), "patient URLs the Spanish walk does not visit"
