"""Today and the week: the pharmacy's day in time order, what each role may see of it, and the
quick actions (arrived, attended, no-show, the video link)."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from backoffice import today
from consultations import selectors, services
from consultations.models import Appointment
from patients.models import AuditEvent, Intake
from tests.factories import (
    AppointmentFactory,
    PatientFactory,
    PharmacistFactory,
    ScreeningFlagFactory,
    UserFactory,
)
from tests.staff import SENTINEL_EXPLANATION, SENTINEL_MEDICATION, assert_nothing_clinical, flagged_intake

TODAY = reverse("admin:consultations_appointment_today")
WEEK = reverse("admin:consultations_appointment_week")
# Friday 27 November 2026, 10:00 in Chicago (CST, UTC-6).
NOW = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
LOCAL_TODAY = date(2026, 11, 27)


def cst(day: date, hour: int, minute: int = 0) -> datetime:
    """A Chicago wall-clock time on a day in standard time (UTC-6), as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour + 6, minutes=minute)


def action_url(appointment, action):
    return reverse("admin:consultations_appointment_quick_action", args=[appointment.pk, action])


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def colleague(db):
    return PharmacistFactory(display_name="Dana Diaz, PharmD")


def booked(pharmacist, start, *, last_name="Anders", intake="clear", **fields):
    """An appointment at ``start``; intake "clear", "flagged" (the sentinel intake) or None."""
    patient = PatientFactory(first_name="Alice", last_name=last_name, phone="+16085550123", preferred_contact="phone")
    if intake == "flagged":
        fields["intake"] = flagged_intake(patient=patient)
    elif intake is None:
        fields["intake"] = None
        fields["patient"] = patient
    else:
        fields["intake__patient"] = patient
    return AppointmentFactory(pharmacist=pharmacist, start=start, **fields)


def page(client, url=TODAY, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


# --- Which consultations, in what order --------------------------------------------------------------
def test_today_lists_the_days_consultations_in_time_order_in_chicago_time(pharmacist_client, pharmacist):
    booked(pharmacist, cst(LOCAL_TODAY, 14, 30), last_name="Afternoon")
    booked(pharmacist, cst(LOCAL_TODAY, 9), last_name="Morning")
    booked(pharmacist, cst(LOCAL_TODAY, 11, 15), last_name="Midday")
    booked(pharmacist, cst(LOCAL_TODAY + timedelta(days=1), 9), last_name="Tomorrow")
    booked(pharmacist, cst(LOCAL_TODAY, 0, 0) - timedelta(minutes=1), last_name="Yesterday")

    html = page(pharmacist_client)

    assert "Today, Fri Nov 27, 2026" in html
    positions = [html.index(name) for name in ("Morning", "Midday", "Afternoon")]
    assert positions == sorted(positions)
    assert "Tomorrow" not in html and "Yesterday" not in html
    assert "9:00 AM" in html and "11:15 AM" in html and "2:30 PM" in html and "to 3:00 PM" in html
    assert "(608) 555-0123" in html and "prefers phone call" in html
    assert "Phone · Charlie Chen, PharmD" in html
    assert "3 consultations" in html


@pytest.mark.parametrize(
    "day, times",
    [
        # Spring forward: 2:00 AM CST becomes 3:00 AM CDT, a 23-hour day.
        (date(2026, 3, 8), [
            (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), "12:30 AM"),
            (datetime(2026, 3, 8, 7, 30, tzinfo=UTC), "1:30 AM"),
            (datetime(2026, 3, 8, 8, 30, tzinfo=UTC), "3:30 AM"),
            (datetime(2026, 3, 9, 4, 30, tzinfo=UTC), "11:30 PM"),
        ]),
        # Fall back: 2:00 AM CDT becomes 1:00 AM CST, a 25-hour day.
        (date(2026, 11, 1), [
            (datetime(2026, 11, 1, 5, 30, tzinfo=UTC), "12:30 AM"),
            (datetime(2026, 11, 1, 6, 30, tzinfo=UTC), "1:30 AM"),
            (datetime(2026, 11, 1, 7, 30, tzinfo=UTC), "1:30 AM"),
            (datetime(2026, 11, 2, 5, 30, tzinfo=UTC), "11:30 PM"),
        ]),
    ],
    ids=["spring forward", "fall back"],
)
def test_a_day_when_the_clocks_change_holds_exactly_its_local_consultations(
    pharmacist_client, pharmacist, day, times
):
    inside = [booked(pharmacist, start, last_name=f"Inside{n}") for n, (start, _) in enumerate(times)]
    before = booked(pharmacist, times[0][0] - timedelta(hours=1), last_name="DayBefore")
    after = booked(pharmacist, times[-1][0] + timedelta(hours=1), last_name="DayAfter")

    on_day = list(selectors.appointments_on_days(first_day=day, last_day=day))
    html = page(pharmacist_client, day=day.isoformat())

    assert on_day == inside
    assert before not in on_day and after not in on_day
    assert "DayBefore" not in html and "DayAfter" not in html
    positions = [html.index(f"Inside{n}") for n in range(len(times))]
    assert positions == sorted(positions)
    for _, shown in times:
        assert shown in html


def test_cancelled_and_finished_consultations_stay_in_the_list_with_their_status(desk, pharmacist):
    booked(pharmacist, cst(LOCAL_TODAY, 8), status=Appointment.Status.COMPLETED, last_name="Done")
    booked(pharmacist, cst(LOCAL_TODAY, 13), status=Appointment.Status.CANCELLED, last_name="Called")

    html = page(desk)

    assert "Done" in html and "Completed" in html
    assert "Called" in html and "Cancelled" in html


# --- Whose day -------------------------------------------------------------------------------------
def test_a_pharmacist_opens_on_their_own_day_and_may_choose_everyones(pharmacist_client, pharmacist, colleague):
    booked(pharmacist, cst(LOCAL_TODAY, 9), last_name="Mine")
    booked(colleague, cst(LOCAL_TODAY, 10), last_name="Theirs")

    own = page(pharmacist_client)
    everyone = page(pharmacist_client, pharmacist="all")
    colleagues = page(pharmacist_client, pharmacist=str(colleague.pk))

    assert "Mine" in own and "Theirs" not in own
    assert "with Charlie Chen, PharmD" in own
    assert "Mine" in everyone and "Theirs" in everyone
    assert "Theirs" in colleagues and "Mine" not in colleagues


def test_the_front_desk_opens_on_everyones_day(desk, pharmacist, colleague):
    booked(pharmacist, cst(LOCAL_TODAY, 9), last_name="Mine")
    booked(colleague, cst(LOCAL_TODAY, 10), last_name="Theirs")

    html = page(desk)
    filtered = page(desk, pharmacist=str(colleague.pk))

    assert "Mine" in html and "Theirs" in html and "for all pharmacists" in html
    assert "Theirs" in filtered and "Mine" not in filtered


@pytest.mark.parametrize(
    "params",
    [{"day": "9999-12-31"}, {"day": "0001-01-01"}, {"day": "2026-02-30"}, {"day": "nonsense\x00"},
     {"pharmacist": "abc"}, {"pharmacist": str(2**70)}, {"pharmacist": "\x00"}],
)
@pytest.mark.parametrize("url", [TODAY, WEEK], ids=["today", "week"])
def test_a_crafted_day_or_pharmacist_shows_today_for_everyone(desk, pharmacist, url, params):
    booked(pharmacist, cst(LOCAL_TODAY, 9), last_name="Present")

    html = page(desk, url, **params)

    assert "Present" in html


# --- Navigation and the week -----------------------------------------------------------------------
def test_day_navigation_links_the_previous_and_next_day_and_today(desk):
    html = page(desk, day="2026-12-01", pharmacist="all")

    assert "Tue Dec 1, 2026" in html
    assert "?day=2026-11-30&amp;pharmacist=all" in html
    assert "?day=2026-12-02&amp;pharmacist=all" in html
    assert "?day=2026-11-27&amp;pharmacist=all" in html
    assert f"{WEEK}?day=2026-12-01&amp;pharmacist=all" in html


def test_the_week_lists_monday_to_sunday_with_their_consultations(desk, pharmacist):
    monday = date(2026, 11, 23)
    booked(pharmacist, cst(monday, 9), last_name="OnMonday")
    booked(pharmacist, cst(monday + timedelta(days=6), 16), last_name="OnSunday")
    booked(pharmacist, cst(monday + timedelta(days=7), 9), last_name="NextMonday")
    booked(pharmacist, cst(monday, 0) - timedelta(minutes=5), last_name="LastSunday")

    html = page(desk, WEEK, day=LOCAL_TODAY.isoformat())

    assert "Week of Mon Nov 23, 2026" in html
    sections = html[html.index("<section"):]
    headings = ["Mon Nov 23", "Tue Nov 24", "Wed Nov 25", "Thu Nov 26", "Fri Nov 27", "Sat Nov 28", "Sun Nov 29"]
    positions = [sections.index(h) for h in headings]
    assert positions == sorted(positions)
    assert sections.index("OnMonday") < sections.index("Tue Nov 24")
    assert sections.index("Sun Nov 29") < sections.index("OnSunday")
    assert "NextMonday" not in html and "LastSunday" not in html
    assert "(today)" in html
    assert "?day=2026-11-20&amp;pharmacist=all" in html  # the previous week
    assert "?day=2026-12-04&amp;pharmacist=all" in html  # the next week


# --- What a pharmacist sees, and what the front desk never sees -----------------------------------
def test_a_pharmacist_sees_the_screening_badge_and_the_earliest_ldn_start(pharmacist_client, pharmacist):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 9), intake="flagged")
    ScreeningFlagFactory(
        medication=appointment.intake.medications.get(), severity="caution", earliest_start=date(2026, 12, 4)
    )
    ScreeningFlagFactory(
        medication=appointment.intake.medications.get(), severity="review", earliest_start=date(2026, 12, 1)
    )
    booked(pharmacist, cst(LOCAL_TODAY, 10), last_name="Clear")

    html = page(pharmacist_client)

    assert "wt-badge--contraindication" in html and "Contraindication" in html
    assert "Nothing noticed" in html  # the clear intake
    assert "Earliest LDN start: <strong>Fri Dec 4, 2026</strong>" in html  # the latest washout wins
    assert "Fri Dec 1, 2026" not in html


def test_flagged_and_unreviewed_consultations_stand_out_in_words(pharmacist_client, pharmacist):
    booked(pharmacist, cst(LOCAL_TODAY, 9), intake="flagged", last_name="Unreviewed")
    decided = booked(pharmacist, cst(LOCAL_TODAY, 10), intake="flagged", last_name="Decided")
    Intake.objects.filter(pk=decided.intake_id).update(review_status=Intake.ReviewStatus.NOT_CANDIDATE)
    booked(pharmacist, cst(LOCAL_TODAY, 11), last_name="Unflagged")

    html = page(pharmacist_client)
    rows = html.split('<li class="wt-consultation')[1:]

    assert "Unreviewed" in rows[0] and today.NEEDS_ATTENTION in rows[0] and "wt-consultation--attention" in rows[0]
    assert "Decided" in rows[1] and today.NEEDS_ATTENTION not in rows[1] and "Not a candidate" in rows[1]
    assert "Unflagged" in rows[2] and today.NEEDS_ATTENTION not in rows[2]
    assert "1 flagged, not reviewed yet" in html


def test_intake_not_done_is_shown_to_every_role(pharmacist_client, desk, pharmacist):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 9), intake=None)

    for client in (pharmacist_client, desk):
        html = page(client)
        assert today.INTAKE_NOT_DONE in html
        # Without an intake the name opens the appointment, for a pharmacist too.
        assert reverse("admin:consultations_appointment_change", args=[appointment.pk]) in html


def test_a_click_opens_the_intake_for_a_pharmacist_and_the_appointment_for_the_front_desk(
    pharmacist_client, desk, pharmacist
):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 9), intake="flagged")
    intake_url = reverse("admin:patients_intake_change", args=[appointment.intake_id])
    appointment_url = reverse("admin:consultations_appointment_change", args=[appointment.pk])

    pharmacist_html = page(pharmacist_client)
    desk_html = page(desk)

    assert f'<a href="{intake_url}">Alice Anders</a>' in pharmacist_html
    assert appointment_url in pharmacist_html  # "Appointment details" beside it
    assert f'<a href="{appointment_url}">Alice Anders</a>' in desk_html
    assert intake_url not in desk_html


@pytest.mark.parametrize("url", [TODAY, WEEK], ids=["today", "week"])
def test_the_front_desk_sees_contact_details_and_nothing_clinical(desk, pharmacist, url):
    flagged = booked(pharmacist, cst(LOCAL_TODAY, 9), intake="flagged", mode=Appointment.Mode.VIDEO)
    ScreeningFlagFactory(
        medication=flagged.intake.medications.get(), severity="caution", earliest_start=date(2026, 12, 4),
        explanation="Sentinel washout: opioid stopped recently", washout_rule="7 days after the last opioid dose",
    )
    booked(pharmacist, cst(LOCAL_TODAY, 10), intake=None, last_name="Nointake")

    html = page(desk, url)

    assert "Alice Anders" in html and "(608) 555-0123" in html
    assert "Intake done, awaiting review" in html and today.INTAKE_NOT_DONE in html
    assert_nothing_clinical(html)
    for word in ("opioid", "pregnan", "breastfeed", "medication", "washout", "earliest ldn", "flagged",
                 "wt-badge--contraindication", "wt-badge--caution\">caution", "nothing noticed", "dec 4"):
        assert word not in html.lower(), f"{word!r} shown to the front desk"
    assert AuditEvent.objects.filter(object_type="patients.intake").count() == 0


def test_the_pages_a_pharmacist_saw_screening_on_are_recorded_as_viewed(pharmacist_client, pharmacist):
    first = booked(pharmacist, cst(LOCAL_TODAY, 9), intake="flagged")
    second = booked(pharmacist, cst(LOCAL_TODAY, 10))
    booked(pharmacist, cst(LOCAL_TODAY, 11), intake=None)

    page(pharmacist_client)

    viewed = set(
        AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, object_type="patients.intake")
        .values_list("object_id", flat=True)
    )
    assert viewed == {str(first.intake_id), str(second.intake_id)}
    assert SENTINEL_MEDICATION not in page(pharmacist_client)  # the badge, not the medicines
    assert SENTINEL_EXPLANATION not in page(pharmacist_client)


# --- Quick actions --------------------------------------------------------------------------------------
def test_marking_arrived_records_the_time_and_is_audited(desk, pharmacist, front_desk):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 10, 30), mode=Appointment.Mode.IN_PERSON)
    assert f'action="{action_url(appointment, "arrived")}"' in page(desk)

    response = desk.post(action_url(appointment, "arrived"), {"day": "2026-11-27", "pharmacist": "all"})

    assert response.status_code == 302
    assert response["Location"] == f"{TODAY}?day=2026-11-27&pharmacist=all"
    appointment.refresh_from_db()
    assert appointment.arrived_at == NOW
    assert appointment.status == Appointment.Status.BOOKED and appointment.version == 1
    event = AuditEvent.objects.get(object_type="consultations.appointment", action=AuditEvent.Action.CHANGE)
    assert event.object_id == str(appointment.pk) and event.user == front_desk
    html = page(desk, pharmacist="all")
    assert "marked as arrived" in html and "Arrived 10:00 AM" in html
    assert f'action="{action_url(appointment, "arrived")}"' not in html


@pytest.mark.parametrize(
    "action, status", [("attended", Appointment.Status.COMPLETED), ("no_show", Appointment.Status.NO_SHOW)]
)
def test_attended_and_no_show_mark_a_started_consultation_through_the_services(
    pharmacist_client, pharmacist, pharmacist_user, action, status
):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 9, 45))

    response = pharmacist_client.post(action_url(appointment, action), {"back": "week", "day": "2026-11-27"})

    assert response.status_code == 302 and response["Location"].startswith(WEEK)
    appointment.refresh_from_db()
    assert appointment.status == status and appointment.version == 2
    assert AuditEvent.objects.filter(
        object_type="consultations.appointment", object_id=str(appointment.pk), user=pharmacist_user,
        action=AuditEvent.Action.CHANGE,
    ).count() == 1


@pytest.mark.parametrize("action", ["arrived", "attended", "no_show"])
def test_a_cancelled_consultation_is_refused_kindly_and_left_as_it_was(desk, pharmacist, action):
    appointment = booked(
        pharmacist, cst(LOCAL_TODAY, 9, 45), mode=Appointment.Mode.IN_PERSON, status=Appointment.Status.CANCELLED
    )

    response = desk.post(action_url(appointment, action), {"day": "2026-11-27"}, follow=True)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was changed for Alice Anders (9:45 AM)." in html
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CANCELLED and appointment.arrived_at is None
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.CHANGE).exists()
    assert f'action="{action_url(appointment, action)}"' not in html


def test_attendance_is_refused_before_the_start_and_the_page_says_from_when(desk, pharmacist):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 14))

    html = page(desk)
    response = desk.post(action_url(appointment, "attended"), follow=True)

    assert "Attended or no-show from 2:00 PM." in html
    assert "already started" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_quick_actions_take_only_a_post_with_a_csrf_token(staff_client, front_desk, pharmacist):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 9))
    desk = staff_client(front_desk)
    strict = staff_client(front_desk)
    strict.handler.enforce_csrf_checks = True

    assert desk.get(action_url(appointment, "attended")).status_code == 405
    assert strict.post(action_url(appointment, "attended")).status_code == 403
    assert desk.post(reverse("admin:consultations_appointment_quick_action", args=[appointment.pk, "delete"])).status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_the_pages_and_actions_need_a_signed_in_staff_member(pharmacist):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 9))
    anonymous = Client()
    staff_without_permission = Client()
    staff_without_permission.force_login(UserFactory(username="nobody", is_staff=True))

    for url in (TODAY, WEEK):
        assert anonymous.get(url).status_code == 302  # to the sign-in page
        assert staff_without_permission.get(url).status_code == 302  # no second factor yet
    assert anonymous.post(action_url(appointment, "attended")).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_staff_without_the_schedule_permission_are_refused(staff_client):
    outsider = staff_client(UserFactory(username="nobody", is_staff=True))

    assert outsider.get(TODAY).status_code == 403
    assert outsider.get(WEEK).status_code == 403


# --- Arrival, the rule and the service ---------------------------------------------------------------
@pytest.mark.parametrize(
    "fields, allowed",
    [
        ({"mode": Appointment.Mode.IN_PERSON}, True),
        ({"mode": Appointment.Mode.PHONE}, False),
        ({"mode": Appointment.Mode.VIDEO}, False),
        ({"mode": Appointment.Mode.IN_PERSON, "status": Appointment.Status.CANCELLED}, False),
        ({"mode": Appointment.Mode.IN_PERSON, "start": cst(LOCAL_TODAY + timedelta(days=1), 9)}, False),
        ({"mode": Appointment.Mode.IN_PERSON, "start": cst(LOCAL_TODAY, 9)}, False),  # over at 9:30
        ({"mode": Appointment.Mode.IN_PERSON, "start": cst(LOCAL_TODAY, 16)}, True),  # early is fine
    ],
    ids=["in person", "phone", "video", "cancelled", "tomorrow", "over", "later today"],
)
def test_arrival_is_for_a_booked_in_person_consultation_on_its_day_until_it_ends(pharmacist, fields, allowed):
    appointment = booked(pharmacist, fields.pop("start", cst(LOCAL_TODAY, 9, 45)), **fields)

    assert selectors.staff_may_mark_arrived(appointment, now=NOW) is allowed
    if allowed:
        assert services.appointment_mark_arrived(appointment=appointment).arrived_at == NOW
    else:
        with pytest.raises(services.NotAllowed):
            services.appointment_mark_arrived(appointment=appointment)


def test_arriving_twice_keeps_the_first_time(pharmacist):
    appointment = booked(pharmacist, cst(LOCAL_TODAY, 10, 30), mode=Appointment.Mode.IN_PERSON)
    services.appointment_mark_arrived(appointment=appointment)

    again = services.appointment_mark_arrived(appointment=appointment, now=NOW + timedelta(minutes=20))

    assert again.arrived_at == NOW


# --- Video -------------------------------------------------------------------------------------------
def test_a_video_consultation_offers_its_link_or_warns_staff_that_there_is_none(desk, pharmacist, colleague):
    pharmacist.meeting_link = "https://zoom.us/j/111"
    pharmacist.save()
    own_link = booked(pharmacist, cst(LOCAL_TODAY, 9), mode=Appointment.Mode.VIDEO,
                      meeting_link="https://zoom.us/j/222", last_name="Ownlink")
    pharmacists_link = booked(pharmacist, cst(LOCAL_TODAY, 10), mode=Appointment.Mode.VIDEO, last_name="Sharedlink")
    without = booked(colleague, cst(LOCAL_TODAY, 11), mode=Appointment.Mode.VIDEO, last_name="Nolink")
    booked(colleague, cst(LOCAL_TODAY, 12), mode=Appointment.Mode.PHONE, last_name="Byphone")

    html = page(desk)
    rows = html.split('<li class="wt-consultation')[1:]

    assert 'href="https://zoom.us/j/222"' in rows[0] and "Open the video link" in rows[0]
    assert 'href="https://zoom.us/j/111"' in rows[1]
    assert today.NO_VIDEO_LINK in rows[2] and "Open the video link" not in rows[2]
    assert "Open the video link" not in rows[3] and today.NO_VIDEO_LINK not in rows[3]
    assert 'rel="noopener noreferrer"' in rows[0]
    assert today.NO_VIDEO_LINK in page(desk, WEEK)
    assert own_link and pharmacists_link and without


# --- Cost ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [TODAY, WEEK], ids=["today", "week"])
@pytest.mark.parametrize("who", ["pharmacist_client", "desk"])
def test_the_pages_take_the_same_few_queries_however_many_consultations(
    request, pharmacist, colleague, url, who, django_assert_max_num_queries
):
    client = request.getfixturevalue(who)

    def queries_with(count):
        Appointment.objects.all().delete()
        for n in range(count):
            booked(pharmacist if n % 2 else colleague, cst(LOCAL_TODAY, 8) + timedelta(minutes=30 * n),
                   intake="flagged" if n % 3 else None, mode=Appointment.Mode.VIDEO, last_name=f"Row{n}")
        with CaptureQueriesContext(connection) as captured:
            page(client, url, pharmacist="all")
        return len(captured)

    assert queries_with(2) == queries_with(12)
    # One of them is the outbox warning (every admin page asks it once).
    with django_assert_max_num_queries({"pharmacist_client": 14, "desk": 11}[who]):
        page(client, url, pharmacist="all")


# --- The way in -------------------------------------------------------------------------------------------
def test_the_admin_home_and_every_staff_page_lead_to_today(desk):
    home = desk.get(reverse("admin:index")).content.decode()
    schedule = desk.get(reverse("admin:consultations_appointment_changelist")).content.decode()

    assert f'<a class="button default" href="{TODAY}">Open Today</a>' in home
    assert f'href="{TODAY}"><strong>Today</strong></a>' in schedule
    assert f'href="{WEEK}">Week</a>' in schedule
