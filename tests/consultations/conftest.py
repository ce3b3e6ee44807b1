"""Shared set-up for the booking tests: a type, a pharmacist who works every day, fixed clocks."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from consultations.models import WorkingHours
from tests.factories import ConsultationTypeFactory, IntakeFactory

CHICAGO = ZoneInfo("America/Chicago")
# A Monday in summer (CDT): 08:00 in Madison.
MONDAY_MORNING = datetime(2026, 6, 1, 8, 0, tzinfo=CHICAGO)


def chicago(year, month, day, hour, minute=0, *, fold=0):
    """The UTC instant of a wall-clock time in Chicago."""
    return datetime(year, month, day, hour, minute, fold=fold, tzinfo=CHICAGO).astimezone(UTC)


def works_every_day(pharmacist, start=time(9), end=time(17)):
    WorkingHours.objects.bulk_create(
        WorkingHours(pharmacist=pharmacist, weekday=weekday, start=start, end=end) for weekday in range(7)
    )
    return pharmacist


@pytest.fixture
def ldn(db):
    return ConsultationTypeFactory(
        name="LDN consultation", slug="ldn-consultation", duration_minutes=30, buffer_minutes=0,
        min_notice_minutes=120, max_advance_days=60,
    )


@pytest.fixture
def rx(pharmacist):
    """The pharmacist persona, working 09:00-17:00 Chicago time every day."""
    return works_every_day(pharmacist)


@pytest.fixture
def intake(patient):
    return IntakeFactory(patient=patient)


@pytest.fixture
def monday_morning():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller
