"""Redis gone: patients still submit intakes and book, /healthz says the cache is down.

The cache is Django's real Redis backend pointed at a port on 127.0.0.1 where nothing listens,
so every cache call fails the way it does when Redis is stopped — no mock.
"""

import logging

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from consultations.models import Appointment
from patients.models import Intake
from tests.conftest import free_port
from tests.consultations.conftest import chicago
from tests.patients.intake_data import intake_post
from welltopia import ratelimit

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_down():
    location = f"redis://127.0.0.1:{free_port()}/0"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": location,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    with override_settings(CACHES=caches):
        ratelimit.fallback_cache.clear()
        yield location
    ratelimit.fallback_cache.clear()


def test_the_closed_port_really_is_unreachable(redis_down):
    with pytest.raises(Exception):  # noqa: B017 - redis' own ConnectionError, whatever its class
        cache.get("anything")


def test_an_intake_is_saved_while_redis_is_down(client, redis_down, caplog):
    data = intake_post(**{"intake-opioid_use": "no"})

    with caplog.at_level(logging.WARNING, logger="welltopia.ratelimit"):
        response = client.post(reverse("patients:intake_start"), data)

    assert response.status_code == 302, response.content.decode()[:500]
    assert Intake.objects.count() == 1
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "rate limit cache unreachable" in logged
    for private in ("Dana", "Doe", "dana@example.com", "metformin", "127.0.0.1"):
        assert private not in logged


def test_a_booking_is_confirmed_while_redis_is_down(client, redis_down, intake, ldn, rx, monday_morning):
    session = client.session
    session["intake_reference"] = str(intake.reference)
    session.save()

    response = client.post(
        reverse("consultations:book_confirm"),
        {"type": "ldn-consultation", "mode": "phone", "pharmacist": "any", "start": "2026-06-02T15:00:00Z"},
    )

    assert response.status_code == 302 and response["Location"] == reverse("consultations:book_confirmed")
    appointment = Appointment.objects.get()
    assert (appointment.intake, appointment.start) == (intake, chicago(2026, 6, 2, 10))


def test_while_redis_is_down_one_process_still_counts_a_flood(redis_down):
    rate = ratelimit.Rate(count=3, seconds=3600)

    decisions = [ratelimit.rate_hit(scope="intake", client="203.0.113.9", rate=rate, now=1000.0) for _ in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]


def test_healthz_names_the_cache_when_redis_is_down(client, redis_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert "127.0.0.1" not in response.content.decode()
