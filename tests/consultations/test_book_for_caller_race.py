"""A caller booked by the front desk racing patients booking online for the same time: one wins,
the others get SlotUnavailable (the "just taken" page), never a 500 or a double booking."""

import pytest

from consultations import services
from consultations.models import Appointment
from tests.consultations.test_concurrency import contested, run_together  # noqa: F401  (fixture)
from tests.factories import IntakeFactory, PatientFactory, UserFactory

RACERS = 10


def race(kind, pharmacist, start):
    desk = UserFactory(username="race-desk", is_staff=True)
    callers = [PatientFactory() for _ in range(RACERS // 2)]
    intakes = [IntakeFactory() for _ in range(RACERS - RACERS // 2)]

    def attempt(index):
        try:
            if index % 2 == 0:
                services.appointment_book_for_caller(
                    patient=callers[index // 2], consultation_type=kind, mode="phone", start=start,
                    pharmacist=pharmacist, by=desk,
                )
                return "desk booked"
            services.appointment_book(
                intake=intakes[index // 2], consultation_type=kind, mode="phone", start=start, pharmacist=pharmacist
            )
            return "online booked"
        except services.SlotUnavailable:
            return "refused"

    return run_together(RACERS, attempt)


def test_front_desk_and_online_bookings_racing_for_one_slot_on_postgres(on_postgres, contested):  # noqa: F811
    outcomes = race(*contested)

    assert outcomes.count("refused") == RACERS - 1, outcomes
    assert Appointment.objects.count() == 1


def test_front_desk_and_online_bookings_racing_for_one_slot_on_sqlite(contested):  # noqa: F811
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL test covers this run")
    outcomes = race(*contested)

    assert outcomes.count("refused") == RACERS - 1, outcomes
    assert Appointment.objects.count() == 1
