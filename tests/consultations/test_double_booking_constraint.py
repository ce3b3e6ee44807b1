"""The database itself refuses overlapping appointments of one pharmacist (PostgreSQL)."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from consultations.models import Appointment
from tests.factories import AppointmentFactory, PharmacistFactory

pytestmark = pytest.mark.django_db


def test_overlapping_appointments_for_one_pharmacist_are_refused_by_the_database(on_postgres):
    first = AppointmentFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            pharmacist=first.pharmacist,
            start=first.start + timedelta(minutes=15),
        )


def test_a_cancelled_appointment_does_not_hold_its_time(on_postgres):
    first = AppointmentFactory(status=Appointment.Status.CANCELLED)

    again = AppointmentFactory(pharmacist=first.pharmacist, start=first.start)

    assert again.pk


def test_the_buffer_after_an_appointment_is_held_too(on_postgres):
    first = AppointmentFactory()
    first.blocked_until = first.end + timedelta(minutes=10)
    first.save()

    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(pharmacist=first.pharmacist, start=first.end + timedelta(minutes=5))


def test_back_to_back_appointments_and_other_pharmacists_are_allowed(on_postgres):
    first = AppointmentFactory()

    back_to_back = AppointmentFactory(pharmacist=first.pharmacist, start=first.end)
    same_time_other_pharmacist = AppointmentFactory(pharmacist=PharmacistFactory(), start=first.start)

    assert back_to_back.pk and same_time_other_pharmacist.pk
