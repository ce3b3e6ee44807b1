"""The manage link: see, move or cancel a consultation; nothing clinical; no cancel by a GET."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from consultations.models import Appointment
from tests.consultations.conftest import chicago
from tests.factories import AppointmentFactory, IntakeFactory, MedicationEntryFactory

pytestmark = pytest.mark.django_db

TUESDAY_10 = chicago(2026, 6, 2, 10)
CLINICAL_WORDS = ["metformin", "Chronic pain", "chronic_pain", "pregnan", "opioid", "contraindication", "medication"]


@pytest.fixture
def appointment(patient, ldn, rx, monday_morning):
    intake = IntakeFactory(patient=patient, takes_no_medications=False)
    MedicationEntryFactory(intake=intake, text="metformin")
    return AppointmentFactory(intake=intake, pharmacist=rx, consultation_type=ldn, start=TUESDAY_10)


def manage_url(appointment, name="manage"):
    return reverse(f"consultations:{name}", args=[appointment.manage_token])


def test_the_page_shows_the_appointment_and_nothing_clinical(client, appointment):
    response = client.get(manage_url(appointment))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Tuesday, June 2, 2026" in page and "10:00 AM" in page and "CDT" in page
    assert "Charlie Chen, PharmD" in page and "(608) 555-0142" in page
    for word in CLINICAL_WORDS:
        assert word.lower() not in page.lower()
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("mangle", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:10], lambda t: "1"])
def test_a_tampered_or_unknown_token_gets_a_friendly_404(client, appointment, mangle):
    response = client.get(f"/appointments/{mangle(appointment.manage_token)}/")

    assert response.status_code == 404
    assert "find that page" in response.content.decode()  # templates/404.html


def test_opening_the_cancel_link_only_asks(client, appointment):
    response = client.get(manage_url(appointment, "manage_cancel"))

    assert response.status_code == 200 and "Cancel your consultation?" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED
    assert "no-store" in response["Cache-Control"]


def test_confirming_with_a_post_cancels(client, appointment):
    response = client.post(manage_url(appointment, "manage_cancel"), follow=True)

    appointment.refresh_from_db()
    assert (appointment.status, appointment.version) == (Appointment.Status.CANCELLED, 2)
    assert "Your consultation is cancelled" in response.content.decode()
    assert "Change the time" not in response.content.decode()


def test_inside_the_notice_window_changes_are_refused_with_the_pharmacy_phone(client, appointment):
    with time_machine.travel(TUESDAY_10 - timedelta(minutes=90), tick=False):
        page = client.get(manage_url(appointment)).content.decode()
        refused = client.post(manage_url(appointment, "manage_cancel"), follow=True).content.decode()
        moving = client.get(manage_url(appointment, "manage_reschedule_day"), follow=True).content.decode()

    for text in (page, refused, moving):
        assert "can no longer be changed online" in text and "(608) 555-0142" in text
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_rescheduling_through_the_pages_keeps_the_intake_and_raises_the_version(client, appointment):
    days = client.get(manage_url(appointment, "manage_reschedule_day")).content.decode()
    assert "day=2026-06-03" in days

    times = client.get(manage_url(appointment, "manage_reschedule_time") + "?day=2026-06-03").content.decode()
    assert "2:00 PM" in times

    new_start = "2026-06-03T19:00:00Z"  # 14:00 CDT
    review_url = manage_url(appointment, "manage_reschedule_review")
    review = client.get(f"{review_url}?start={new_start}")
    assert review.status_code == 200 and "Move your consultation?" in review.content.decode()

    moved = client.post(review_url, {"start": new_start}, follow=True)

    fresh = Appointment.objects.get(pk=appointment.pk)
    assert (fresh.start, fresh.version, fresh.intake_id) == (chicago(2026, 6, 3, 14), 2, appointment.intake_id)
    assert "Your consultation has been moved" in moved.content.decode()


def test_rescheduling_into_a_taken_time_keeps_the_original_and_shows_fresh_times(client, appointment, other_patient, ldn, rx):
    AppointmentFactory(intake=IntakeFactory(patient=other_patient), pharmacist=rx, consultation_type=ldn, start=chicago(2026, 6, 3, 14))

    response = client.post(manage_url(appointment, "manage_reschedule_review"), {"start": "2026-06-03T19:00:00Z"})

    assert response.status_code == 200
    assert "That time was just taken" in response.content.decode()
    appointment.refresh_from_db()
    assert (appointment.start, appointment.version) == (TUESDAY_10, 1)


def test_the_manage_link_is_unguessable(appointment):
    assert len(appointment.manage_token) >= 43  # 256 random bits, URL-safe base64
    assert str(appointment.pk) != appointment.manage_token


# --- Joining a video consultation ---------------------------------------------------------------------
JOIN = "Join the video consultation"
LINK = "https://meet.google.com/abc-defg-hij"


@pytest.fixture
def video(patient, ldn, rx, monday_morning):
    rx.meeting_link = LINK
    rx.save()
    return AppointmentFactory(
        intake=IntakeFactory(patient=patient), pharmacist=rx, consultation_type=ldn, start=TUESDAY_10,
        mode=Appointment.Mode.VIDEO,
    )


@pytest.mark.parametrize(
    ("minutes_from_start", "shown"),
    [(-24 * 60, False), (-16, False), (-15, True), (0, True), (29, True), (30, False)],
)
def test_the_join_button_shows_from_15_minutes_before_the_start_until_the_end(client, video, minutes_from_start, shown):
    with time_machine.travel(TUESDAY_10 + timedelta(minutes=minutes_from_start), tick=False):
        page = client.get(manage_url(video)).content.decode()

    assert (JOIN in page) is shown
    assert (LINK in page) is shown
    if minutes_from_start < -15:
        assert "The button to join appears here from Tuesday, June 2, 9:45 AM CDT" in page
    assert "By video – join with the link below" in page


def test_a_video_consultation_without_a_link_says_the_pharmacist_will_get_in_touch(client, video):
    video.pharmacist.meeting_link = ""
    video.pharmacist.save()
    with time_machine.travel(TUESDAY_10, tick=False):
        page = client.get(manage_url(video)).content.decode()

    assert JOIN not in page
    assert "join with the link" not in page and "link to join" not in page and "button to join" not in page
    assert "By video – your pharmacist will contact you with how to join" in page


def test_a_cancelled_video_consultation_offers_nothing_to_join(client, video):
    video.status = Appointment.Status.CANCELLED
    video.save()
    with time_machine.travel(TUESDAY_10, tick=False):
        page = client.get(manage_url(video)).content.decode()

    assert JOIN not in page and LINK not in page


def test_a_phone_consultation_never_shows_the_pharmacist_s_link(client, appointment):
    appointment.pharmacist.meeting_link = LINK
    appointment.pharmacist.save()
    with time_machine.travel(TUESDAY_10, tick=False):
        page = client.get(manage_url(appointment)).content.decode()

    assert JOIN not in page and LINK not in page
