"""Staff screens for issue 14, points 3 and 4: the video links (the pharmacist's own, one
consultation's override) and people shown by name, phone numbers as people read them, times in
the pharmacy's zone."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from consultations.models import Appointment
from patients.models import AuditEvent
from tests.factories import AppointmentFactory, PatientFactory
from tests.staff import flagged_intake

NOW = datetime(2026, 3, 17, 20, 0, tzinfo=UTC)  # Tuesday 15:00 in Chicago (CDT)
START = datetime(2026, 3, 18, 20, 0, tzinfo=UTC)  # Wednesday 15:00 in Chicago
LINK = "https://meet.google.com/abc-defg-hij"


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def video(pharmacist):
    return AppointmentFactory(pharmacist=pharmacist, start=START, mode=Appointment.Mode.VIDEO)


def pharmacist_url(pharmacist):
    return reverse("admin:consultations_pharmacist_change", args=[pharmacist.pk])


def pharmacist_post(pharmacist, **fields):
    return {
        "display_name": pharmacist.display_name,
        "location": str(pharmacist.location_id),
        "is_active": "on",
        "working_hours-TOTAL_FORMS": "0",
        "working_hours-INITIAL_FORMS": "0",
        "exceptions-TOTAL_FORMS": "0",
        "exceptions-INITIAL_FORMS": "0",
        **fields,
    }


def video_link_url(appointment):
    return reverse("admin:consultations_appointment_video_link", args=[appointment.pk])


def field_row(html, name):
    return html.split(f"field-{name}", 1)[1].split("</div>\n", 3)[0] if f"field-{name}" in html else ""


# --- The pharmacist's own link ------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["desk", "pharmacist_client"])
def test_the_front_desk_and_the_pharmacist_keep_the_pharmacist_s_link(request, pharmacist, who):
    client = request.getfixturevalue(who)

    response = client.post(pharmacist_url(pharmacist), pharmacist_post(pharmacist, meeting_link=LINK))

    assert response.status_code == 302
    pharmacist.refresh_from_db()
    assert pharmacist.meeting_link == LINK


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("http://meet.google.com/abc-defg-hij", "Enter the meeting link starting with https://."),
        ("https://meet.example.com/abc", "Use a link from one of the video services the pharmacy allows"),
        ("https://evil.example/zoom.us", "Use a link from one of the video services the pharmacy allows"),
        ("https://zoom.us.evil.example/j/1", "Use a link from one of the video services the pharmacy allows"),
    ],
)
def test_a_link_on_another_host_or_without_https_is_refused_beside_the_field(desk, pharmacist, link, message):
    response = desk.post(pharmacist_url(pharmacist), pharmacist_post(pharmacist, meeting_link=link))

    assert response.status_code == 200
    html = response.content.decode()
    row = html.split("field-meeting_link", 1)[1].split("field-", 1)[0]
    assert message in row
    pharmacist.refresh_from_db()
    assert pharmacist.meeting_link == ""


# --- One consultation's own link ----------------------------------------------------------------------
def test_the_appointment_page_shows_which_link_applies_and_offers_to_change_it(desk, video):
    html = desk.get(reverse("admin:consultations_appointment_change", args=[video.pk])).content.decode()
    assert "No video link" in html
    assert video_link_url(video) in html

    video.pharmacist.meeting_link = LINK
    video.pharmacist.save()
    html = desk.get(reverse("admin:consultations_appointment_change", args=[video.pk])).content.decode()
    assert LINK in html and "Charlie Chen, PharmD&#x27;s link" in html


def test_staff_set_a_consultation_s_own_link_and_the_change_is_audited(desk, video, front_desk):
    override = "https://us02web.zoom.us/j/123456789"

    response = desk.post(video_link_url(video), {"meeting_link": override})

    assert response.status_code == 302
    video.refresh_from_db()
    assert video.meeting_link == override
    assert video.version == 1  # nothing the patient was told has changed
    assert AuditEvent.objects.filter(user=front_desk, action=AuditEvent.Action.CHANGE, object_id=str(video.pk)).exists()

    desk.post(video_link_url(video), {"meeting_link": ""})
    video.refresh_from_db()
    assert video.meeting_link == ""


@pytest.mark.parametrize(
    ("link", "message"),
    [
        ("http://meet.google.com/abc-defg-hij", "Enter the meeting link starting with https://."),
        ("https://video.example.org/room", "Use a link from one of the video services the pharmacy allows"),
        ("not a link", "Enter a valid URL."),
    ],
)
def test_a_refused_override_is_explained_beside_the_field(desk, video, link, message):
    response = desk.post(video_link_url(video), {"meeting_link": link})

    assert response.status_code == 200
    html = response.content.decode()
    row = html.split('class="form-row errors"', 1)[1].split("</fieldset>", 1)[0]
    assert message in row
    video.refresh_from_db()
    assert video.meeting_link == ""


def test_a_phone_consultation_has_no_video_link_to_set(desk, pharmacist):
    phone = AppointmentFactory(pharmacist=pharmacist, start=START, mode=Appointment.Mode.PHONE)

    change = desk.get(reverse("admin:consultations_appointment_change", args=[phone.pk])).content.decode()
    response = desk.post(video_link_url(phone), {"meeting_link": LINK})

    assert video_link_url(phone) not in change
    assert "Only a video consultation has a video link." in response.content.decode()
    phone.refresh_from_db()
    assert phone.meeting_link == ""


# --- Names, phones, the pharmacy's zone ------------------------------------------------------------------
def test_reviewed_by_and_overridden_by_show_the_person_s_name(pharmacist_client, pharmacist_user):
    pharmacist_user.last_name = "Chen"
    pharmacist_user.save()
    intake = flagged_intake()
    intake.reviewed_by = intake.override_by = pharmacist_user
    intake.reviewed_at = intake.override_at = NOW
    intake.save()

    html = pharmacist_client.get(reverse("admin:patients_intake_change", args=[intake.pk])).content.decode()

    for field in ("reviewed_by_name", "override_by_name"):
        row = html.split(f"field-{field}", 1)[1].split("field-", 1)[0]
        assert "Charlie Chen" in row
        assert "charlie<" not in row


def test_phone_numbers_are_shown_as_people_read_them(desk, pharmacist):
    patient = PatientFactory(phone="+16085550142")
    appointment = AppointmentFactory(pharmacist=pharmacist, intake=flagged_intake(patient=patient), start=START)

    schedule = desk.get(reverse("admin:consultations_appointment_changelist")).content.decode()
    change = desk.get(reverse("admin:consultations_appointment_change", args=[appointment.pk])).content.decode()
    patients = desk.get(reverse("admin:patients_patient_changelist")).content.decode()

    for html in (schedule, change, patients):
        assert "(608) 555-0142" in html
        assert "+16085550142" not in html


def test_the_appointment_heading_is_in_the_pharmacy_s_zone(desk, video):
    html = desk.get(reverse("admin:consultations_appointment_change", args=[video.pk])).content.decode()

    assert "2026-03-18 15:00 CDT" in html
    assert "UTC" not in html
