"""Time the availability selector (database + slot engine) on SQLite.

Run from the repository root:  python bench/slots.py

Prints:
  slots_60d_5rx_ms   60 days, 5 pharmacists working 08:00-18:00 daily, 5,000 appointments spread
                     over the window; "first available" across all five (median of the runs)
  slots_queries      SQL queries that computation made
  slots_60d_1rx_ms   the fixed comparison workload: one pharmacist 09:00-17:00 every day, 15 min
                     step, 30 min consultation, buffer 0, no minimum notice, appointments at 09:00,
                     11:00 and 14:00 Chicago time each day, the next 60 days

Sets up Django itself with a throwaway SQLite database under var/bench, and deletes it after.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
DB_PATH = BENCH_DIR / f"slots-{os.getpid()}.sqlite3"

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welltopia.settings")
# Measured as production runs: DEBUG off (cached templates, no query log kept in memory).
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ["STATICFILES_STORAGE"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ["VAR_DIR"] = "var/bench"
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ["DATABASE_URL"] = f"sqlite:///{DB_PATH}"
os.environ["CELERY_BROKER_URL"] = "memory://"
os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"

RUNS = 7
DAYS = 60


def median_ms(function, runs=RUNS):
    timings = []
    result = None
    for _ in range(runs):
        started = clock.perf_counter()
        result = function()
        timings.append((clock.perf_counter() - started) * 1000)
    return statistics.median(timings), result


def main() -> None:
    created_dir = not BENCH_DIR.exists()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        run()
    finally:
        from django.db import connections

        connections.close_all()
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{DB_PATH}{suffix}").unlink(missing_ok=True)
        if created_dir:
            shutil.rmtree(BENCH_DIR, ignore_errors=True)


def run() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consultations import availability
    from consultations.models import Appointment, ConsultationType, Location, Pharmacist, WorkingHours
    from patients.models import Intake, Patient

    tz = availability.pharmacy_zone()
    location = Location.objects.create(
        name="Bench pharmacy", address_line1="1 Main St", city="Madison", postal_code="53703", phone="+1 608-555-0100"
    )
    patient = Patient.objects.create(
        first_name="Bench", last_name="Patient", date_of_birth=datetime(1980, 1, 1).date(), email="b@example.com"
    )
    now = datetime.now(UTC)
    intake = Intake.objects.create(patient=patient, submitted_at=now, pregnancy_status="not_applicable")

    def pharmacist(name, start, end):
        user = get_user_model().objects.create(username=name, is_staff=True)
        rx = Pharmacist.objects.create(user=user, display_name=name, location=location)
        WorkingHours.objects.bulk_create(
            WorkingHours(pharmacist=rx, weekday=weekday, start=start, end=end) for weekday in range(7)
        )
        return rx

    def appointments(kind, rx_and_starts):
        Appointment.objects.bulk_create(
            Appointment(
                patient=patient, intake=intake, pharmacist=rx, consultation_type=kind, location=location,
                mode="phone", start=start, end=start + kind.duration, blocked_until=start + kind.duration + kind.buffer,
                manage_token=f"bench-{index}",
            )
            for index, (rx, start) in enumerate(rx_and_starts)
        )

    # --- 5 pharmacists, 5,000 appointments, first available ----------------------------------
    busy_kind = ConsultationType.objects.create(
        name="Bench", slug="bench", duration_minutes=30, buffer_minutes=0, min_notice_minutes=0, max_advance_days=DAYS
    )
    team = [pharmacist(f"rx{i}", time(8), time(18)) for i in range(5)]
    today = now.astimezone(tz).date()
    grid = [
        (rx, datetime.combine(today + timedelta(days=d), time(8), tzinfo=tz) + timedelta(minutes=30 * s))
        for rx in team
        for d in range(1, DAYS + 1)
        for s in range(20)
    ]
    random.seed(4)
    appointments(busy_kind, random.sample(grid, 5000))
    with CaptureQueriesContext(connection) as queries:
        availability.free_times_by_day(consultation_type=busy_kind, now=now)
    team_ms, days = median_ms(lambda: availability.free_times_by_day(consultation_type=busy_kind, now=now))
    if not any(days.values()):
        raise SystemExit("the 5-pharmacist workload offered no free time")
    print(f"slots_60d_5rx_ms: {team_ms:.1f} ms")
    print(f"slots_queries: {len(queries)} queries")

    # --- the fixed comparison workload: 1 pharmacist, 3 appointments a day ---------------------
    Appointment.objects.all().delete()
    Pharmacist.objects.update(is_active=False)
    solo = pharmacist("solo", time(9), time(17))
    kind = ConsultationType.objects.create(
        name="Fixed", slug="fixed", duration_minutes=30, buffer_minutes=0, min_notice_minutes=0, max_advance_days=DAYS
    )
    appointments(
        kind,
        [
            (solo, datetime.combine(today + timedelta(days=d), time(hour), tzinfo=tz))
            for d in range(1, DAYS + 1)
            for hour in (9, 11, 14)
        ],
    )
    # "Now" is the end of today, so the next 60 days are covered whole.
    end_of_today = datetime.combine(today, time(23, 59), tzinfo=tz).astimezone(UTC)
    solo_ms, days = median_ms(
        lambda: availability.free_times_by_day(consultation_type=kind, now=end_of_today, pharmacist=solo), runs=21
    )
    found = sum(len(times) for times in days.values())
    if found != DAYS * 23:
        raise SystemExit(f"expected {DAYS * 23} free slots, got {found}")
    print(f"slots_60d_1rx_ms: {solo_ms:.1f} ms")


if __name__ == "__main__":
    main()
