"""Booking a time costs a fixed, small number of queries, however full the diary is.

Everything after the pharmacist's row is locked makes the next patient for that pharmacist
wait, so the guard rails the database enforces by itself (foreign keys, the unique manage token,
the CHECK constraints) are not asked again from Python there.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from consultations.services import appointment_book
from tests.consultations.conftest import chicago, works_every_day
from tests.factories import AppointmentFactory, PharmacistFactory

pytestmark = pytest.mark.django_db

TUESDAY_10 = chicago(2026, 6, 2, 10)
# In the transaction (a savepoint here, inside the test's own): the intake's lock (and the window
# of the follow-up it checked in for), its upcoming consultation, the email's lock and count, the
# read of availability, the pharmacist's lock, the insert, the outbox rows and their ids.
# Before issue #16 full_clean() added eleven more, all made under the pharmacist's lock; until
# November 2026 the insert had a savepoint of its own even when no other pharmacist was left to
# try, and availability read the hours, the exceptions and the appointments in three queries.
QUERIES_TO_BOOK = 11
# With a second pharmacist free at that time, the first one's insert is in a savepoint (two more
# statements), so that a refusal by the exclusion constraint leaves the second to try.
QUERIES_TO_BOOK_WITH_ANOTHER_TO_TRY = QUERIES_TO_BOOK + 2


def book(intake, ldn, pharmacist=None):
    return appointment_book(
        intake=intake, consultation_type=ldn, mode="phone", start=TUESDAY_10, pharmacist=pharmacist
    )


def test_booking_makes_no_more_queries_than_its_steps_need(ldn, rx, intake, monday_morning, django_assert_max_num_queries):
    with django_assert_max_num_queries(QUERIES_TO_BOOK):
        appointment = book(intake, ldn)

    assert (appointment.pharmacist, appointment.start, appointment.location) == (rx, TUESDAY_10, rx.location)


def test_a_busy_diary_and_more_pharmacists_cost_no_extra_query(
    ldn, rx, intake, monday_morning, django_assert_max_num_queries
):
    colleague = works_every_day(PharmacistFactory())
    for day in range(1, 30):
        for hour in (9, 11, 14):
            start = chicago(2026, 6, 1, hour) + timedelta(days=day)
            AppointmentFactory(pharmacist=rx, consultation_type=ldn, start=start)
    assert timezone.now() < TUESDAY_10

    with django_assert_max_num_queries(QUERIES_TO_BOOK_WITH_ANOTHER_TO_TRY):
        appointment = book(intake, ldn)

    assert appointment.pharmacist in (rx, colleague)


@pytest.mark.django_db(transaction=True)
def test_the_confirmation_and_the_session_that_remembers_it_are_one_commit(
    client, ldn, rx, intake, monday_morning, monkeypatch
):
    """A durable commit waits for the disk (about 4 ms on PostgreSQL here, a statement 0.1 ms): the
    session's write goes in the booking's transaction instead of a commit of its own after it."""
    session = client.session
    session["intake_reference"] = str(intake.reference)
    session.save()
    commits = []
    real_commit = connection.commit
    monkeypatch.setattr(connection, "commit", lambda: commits.append("commit") or real_commit())
    session_writes = []

    def watch(execute, sql, params, many, context):
        if sql.startswith('UPDATE "django_session"'):
            session_writes.append((connection.in_atomic_block, len(commits)))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        response = client.post(
            reverse("consultations:book_confirm"),
            {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any", "start": "2026-06-02T15:00:00Z"},
        )

    assert response.status_code == 302 and response["Location"] == reverse("consultations:book_confirmed")
    assert session_writes == [(True, 0)]  # in the open booking transaction, before its commit
    assert commits == ["commit"]
    assert client.get(response["Location"]).status_code == 200
