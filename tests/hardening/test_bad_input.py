"""Arbitrary input to every public form and the manage links: never a 500, always a clear answer
(a 4xx, a redirect to the step that explains, or the form again with its errors), and nothing
half-saved (row counts unchanged whenever a submission is refused).

Hypothesis drives the Django test client; example counts stay modest so the suite stays quick.
On PostgreSQL (CI) this also proves that nothing the database refuses (a NUL byte, an
out-of-range number) reaches it.
"""

import secrets
import string
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from consultations.models import Appointment, Notification
from patients.models import Intake, MedicationEntry, Patient, ScreeningFlag
from tests.hardening.conftest import CHOICE, TUESDAY_10_ISO, confirm_url
from tests.patients.intake_data import intake_post

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

# Text as people and robots send it. No lone surrogates: a browser cannot encode them in UTF-8.
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
awkward = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "Dana\x00Doe",
        "\u202eevil\u202c",  # right-to-left override
        "\u200f\u200e\u061c",  # RTL / LTR / Arabic letter marks
        "😀" * 40,
        "👩🏽‍⚕️ pharmacist",
        "x" * 10_000,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "9" * 400,
        "-1",
        "1e309",
        "NaN",
        "0001-01-01",
        "9999-12-31",
        "2026-02-30",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "2026-06-02T15:00:00",
        "2026-06-02T15:00:00+99:00",
        "%00",
        "../../etc/passwd",
        "ldn-consultation",
        "any",
        "phone",
    ]
)
value = st.one_of(awkward, any_text)
# A field's value may also be missing, or sent several times (a list where one value is expected).
posted_value = st.one_of(value, st.just(None), st.lists(value, min_size=2, max_size=3))


def table_counts():
    return tuple(
        model.objects.count() for model in (Patient, Intake, MedicationEntry, ScreeningFlag, Appointment, Notification)
    )


def assert_clear_refusal_or_success(response):
    assert response.status_code < 500, response.status_code
    assert response.status_code in (200, 302, 400, 403, 404, 405, 429), response.status_code
    if response.status_code == 200:
        assert response["Content-Type"].startswith(("text/html", "text/calendar"))


def mutated(base: dict, changes: dict) -> dict:
    data = dict(base)
    for key, new in changes.items():
        if new is None:
            data.pop(key, None)
        else:
            data[key] = new
    return data


@pytest.fixture
def no_rate_limits(settings):
    """These tests are about input, not abuse: the per-client limits would stop them early."""
    settings.RATE_LIMIT_INTAKE = settings.RATE_LIMIT_BOOKING = settings.RATE_LIMIT_MANAGE = "0/h"


# --- the intake -----------------------------------------------------------------------------------

INTAKE_KEYS = sorted(set(intake_post()) | {"med-1-text", "med-0-DELETE", "add_row", "homepage"})


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(INTAKE_KEYS), posted_value, min_size=1, max_size=6))
@example(changes={"patient-first_name": "Dana\x00Doe"})
@example(changes={"med-0-text": "\x00"})
@example(changes={"intake-allergies": "x" * 10_000})
@example(changes={"med-TOTAL_FORMS": "9" * 400})
@example(changes={"med-TOTAL_FORMS": "1000", "add_row": "1"})
@example(changes={"med-TOTAL_FORMS": "-1"})
@example(changes={"med-TOTAL_FORMS": None, "add_row": "1"})
@example(changes={"patient-date_of_birth": "0001-01-01"})
@example(changes={"patient-date_of_birth": "9" * 400})
@example(changes={"intake-conditions": ["other", "other", "\x00"]})
@example(changes={"patient-phone": "+" + "9" * 400})
@example(changes={"intake-prescriber_phone": "\u202e0123", "intake-has_ldn_prescription": "yes"})
def test_any_intake_post_is_answered_clearly_and_never_half_saved(client, no_rate_limits, changes):
    before = table_counts()

    response = client.post("/intake/", mutated(intake_post(), changes))

    assert_clear_refusal_or_success(response)
    after = table_counts()
    if response.status_code == 302 and response["Location"] == reverse("patients:intake_summary"):
        assert after[1] == before[1] + 1  # exactly one intake, with everything that belongs to it
        intake = Intake.objects.order_by("-id").first()
        assert intake.consent_privacy_at and intake.screening_rules_version
        assert client.get(response["Location"]).status_code == 200
    else:
        assert after == before
        if response.status_code == 200:
            page = response.content.decode()
            assert "Tell us about you" in page
            if "add_row" not in changes or changes["add_row"] is None:
                assert "a second look" in page or 'class="invalid-feedback' in page or "alert-danger" in page


def test_a_replayed_intake_makes_a_second_intake_for_the_same_patient_not_a_broken_one(client, no_rate_limits):
    data = intake_post()
    assert client.post("/intake/", data).status_code == 302
    assert client.post("/intake/", data).status_code == 302

    assert Patient.objects.count() == 1
    assert Intake.objects.count() == 2
    assert MedicationEntry.objects.count() == 2


def test_a_stale_csrf_token_is_a_403_and_saves_nothing(db, no_rate_limits):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/intake/")
    data = {**intake_post(), "csrfmiddlewaretoken": "stale" + "x" * 59}

    response = browser.post("/intake/", data)

    assert response.status_code == 403
    assert Intake.objects.count() == 0


# --- the booking steps --------------------------------------------------------------------------

BOOKING_KEYS = ["type", "mode", "pharmacist", "day", "start", "homepage"]
booking_params = st.dictionaries(st.sampled_from(BOOKING_KEYS), posted_value, max_size=5)


@FUZZ
@given(step=st.sampled_from(["book_start", "book_day", "book_time", "book_review"]), params=booking_params)
@example(step="book_time", params={**CHOICE, "day": "9999-12-31"})
@example(step="book_time", params={**CHOICE, "day": "0001-01-01"})
@example(step="book_review", params={**CHOICE, "start": "9999-12-31T23:59:59Z"})
@example(step="book_review", params={**CHOICE, "start": "0001-01-01T00:00:00+14:00"})
@example(step="book_review", params={**CHOICE, "start": "2026-06-02T15:00:00+99:00"})
@example(step="book_review", params={**CHOICE, "start": "\x00"})
@example(step="book_day", params={**CHOICE, "pharmacist": "9" * 400})
@example(step="book_day", params={**CHOICE, "type": "\x00"})
def test_any_booking_step_query_is_answered_clearly(booking, no_rate_limits, step, params):
    before = table_counts()
    response = booking.get(reverse(f"consultations:{step}"), mutated(CHOICE, params))

    assert_clear_refusal_or_success(response)
    assert table_counts() == before


@FUZZ
@given(params=booking_params)
@example(params={"start": "9999-12-31T23:59:59Z"})
@example(params={"start": "0001-01-01T00:00:00+14:00"})
@example(params={"start": "2026-06-02T15:07:00Z"})  # not on the slot grid
@example(params={"start": "2026-06-02T03:00:00Z"})  # outside working hours
@example(params={"start": "2026-06-01T13:30:00Z"})  # inside the minimum notice
@example(params={"start": "2027-06-02T15:00:00Z"})  # beyond how far ahead one may book
@example(params={"mode": "video", "type": "ldn-consultation"})
@example(params={"pharmacist": "0"})
def test_any_booking_confirmation_books_one_consultation_or_refuses_cleanly(booking, no_rate_limits, params):
    before = table_counts()

    response = booking.post(confirm_url(), mutated({**CHOICE, "start": TUESDAY_10_ISO}, params))

    assert_clear_refusal_or_success(response)
    booked_now = Appointment.objects.count() - before[4]
    if booked_now:
        assert booked_now == 1 and response.status_code == 302
        assert response["Location"] == reverse("consultations:book_confirmed")
        Appointment.objects.all().delete()  # the next example starts from the same free slot
    else:
        assert table_counts() == before


def test_a_confirmation_replayed_after_the_time_was_taken_is_told_kindly(booking, intake, other_patient, no_rate_limits):
    from tests.factories import IntakeFactory

    form = {**CHOICE, "start": TUESDAY_10_ISO}
    other = Client()
    session = other.session
    session["intake_reference"] = str(IntakeFactory(patient=other_patient).reference)
    session.save()
    assert other.post(confirm_url(), form).status_code == 302

    response = booking.post(confirm_url(), form)

    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()
    assert Appointment.objects.count() == 1


# --- the manage links ----------------------------------------------------------------------------

TOKEN_ALPHABET = set(string.ascii_letters + string.digits + "-_")
token_like = st.text(alphabet="".join(sorted(TOKEN_ALPHABET)), min_size=22, max_size=64)
MANAGE_PAGES = [
    "manage", "manage_reschedule_day", "manage_reschedule_time", "manage_reschedule_review", "manage_cancel",
    "manage_ics",
]


@FUZZ
@given(token=st.one_of(token_like, any_text), page=st.sampled_from(MANAGE_PAGES), method=st.sampled_from(["get", "post"]))
@example(token="A" * 22, page="manage_cancel", method="post")
@example(token="\x00" * 22, page="manage", method="get")
@example(token="../../admin/", page="manage", method="get")
def test_an_unknown_or_malformed_manage_token_is_a_friendly_404(client, no_rate_limits, booked, token, page, method):
    if token == booked.manage_token:
        return
    if set(token) <= TOKEN_ALPHABET and len(token) >= 22:
        path = reverse(f"consultations:{page}", args=[token])
    else:  # the URL pattern itself refuses it
        path = f"/appointments/{token}/"
    before = table_counts()

    response = getattr(client, method)(path, {"start": TUESDAY_10_ISO})

    assert response.status_code in (404, 405)
    if response.status_code == 404:
        assert "find that page" in response.content.decode()  # templates/404.html
    assert table_counts() == before
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.BOOKED and booked.version == 1


manage_params = st.dictionaries(st.sampled_from(["start", "day", "confirm", "homepage", "version"]), posted_value, max_size=3)


@FUZZ
@given(page=st.sampled_from(MANAGE_PAGES[1:]), method=st.sampled_from(["get", "post"]), params=manage_params)
@example(page="manage_reschedule_review", method="post", params={"start": "9999-12-31T23:59:59Z"})
@example(page="manage_reschedule_review", method="post", params={"start": "0001-01-01T00:00:00+14:00"})
@example(page="manage_reschedule_review", method="post", params={"start": "2026-06-02T15:00:00Z"})  # its own time
@example(page="manage_reschedule_time", method="get", params={"day": "9999-12-31"})
@example(page="manage_reschedule_time", method="get", params={"day": "0001-01-01"})
def test_any_manage_form_input_changes_the_appointment_wholly_or_not_at_all(
    client, no_rate_limits, booked, page, method, params
):
    booked.refresh_from_db()
    before = (booked.start, booked.status, booked.version)

    response = getattr(client, method)(reverse(f"consultations:{page}", args=[booked.manage_token]), mutated({}, params))

    assert_clear_refusal_or_success(response)
    booked.refresh_from_db()
    after = (booked.start, booked.status, booked.version)
    if after != before:
        assert method == "post" and response.status_code == 302
        assert after[2] == before[2] + 1
        assert (after[0] != before[0]) != (after[1] != before[1])  # moved, or cancelled: one change
        Appointment.objects.filter(pk=booked.pk).update(
            start=before[0], end=before[0] + timedelta(minutes=30), blocked_until=before[0] + timedelta(minutes=30),
            status=before[1], version=before[2],
        )


def test_a_cancel_replayed_from_a_stale_page_changes_nothing_more(client, no_rate_limits, booked):
    cancel = reverse("consultations:manage_cancel", args=[booked.manage_token])
    assert client.post(cancel).status_code == 302

    again = client.post(cancel, follow=True)

    assert again.status_code == 200
    assert "can no longer be changed" in again.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED and booked.version == 2


def test_a_reschedule_replayed_after_cancelling_changes_nothing(client, no_rate_limits, booked):
    assert client.post(reverse("consultations:manage_cancel", args=[booked.manage_token])).status_code == 302
    review = reverse("consultations:manage_reschedule_review", args=[booked.manage_token])

    response = client.post(review, {"start": "2026-06-02T17:00:00Z"}, follow=True)

    assert response.status_code == 200 and "can no longer be changed" in response.content.decode()
    booked.refresh_from_db()
    assert booked.status == Appointment.Status.CANCELLED and booked.start.isoformat().startswith("2026-06-02T15:00")


def test_random_tokens_never_find_an_appointment(client, no_rate_limits, booked):
    for _ in range(50):
        assert client.get(reverse("consultations:manage", args=[secrets.token_urlsafe(16)])).status_code == 404
