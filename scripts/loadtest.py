"""`make loadtest`: the booking flow under 50 concurrent patients, and a trivial page for scale.

1. A fresh PostgreSQL database `welltopia_load` on 127.0.0.1 (dropped again at the end), migrated
   and seeded: seed_demo, LOADTEST_INTAKES intakes and some booked consultations further out.
2. gunicorn (LOADTEST_WORKERS sync workers) on 127.0.0.1:LOADTEST_PORT with production settings
   except https (DEBUG off, no SSL redirect, cookies over http), Redis as cache and broker.
   Rate limits are switched off for the run (RATE_LIMIT_*=0/h): every simulated patient comes
   from 127.0.0.1 and would otherwise be refused after a few bookings.
3. locust headless: BookingPatient (scripts/locustfile.py) for LOADTEST_SECONDS, then
   TrivialVisitor (the home page) for as long, each with LOADTEST_USERS users.
4. Prints requests per second, p50/p95/p99, errors, 5xx, bookings, lost races, double bookings
   (overlapping booked rows of one pharmacist, from SQL) and the ratio app rps / trivial rps.

Only 127.0.0.1 is contacted. Every child is stopped, the Redis db flushed and the database
dropped on the way out, even after Ctrl-C or a failure.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUT = ROOT / "var" / "loadtest"

DB = os.environ.get("LOADTEST_DB", "welltopia_load")
PG = os.environ.get("LOADTEST_PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("LOADTEST_REDIS", "redis://127.0.0.1:6379/15")
PORT = int(os.environ.get("LOADTEST_PORT", "8109"))
USERS = int(os.environ.get("LOADTEST_USERS", "50"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "3"))
INTAKES = int(os.environ.get("LOADTEST_INTAKES", "500"))
HOST = f"http://127.0.0.1:{PORT}"

DOUBLE_BOOKINGS_SQL = """
SELECT count(*) FROM consultations_appointment a
JOIN consultations_appointment b
  ON a.pharmacist_id = b.pharmacist_id AND a.id < b.id
 AND a.start < b."end" AND b.start < a."end"
WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
"""

SEED = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from consultations import availability
from consultations.models import ConsultationType
from consultations.services import appointment_book
from patients.services import intake_submit

call_command("seed_demo", stdout=open("/dev/null", "w"))
intakes = []
for n in range({intakes}):
    intakes.append(intake_submit(
        patient_data={{"first_name": "Seed", "last_name": f"Patient{{n}}", "date_of_birth": "1975-01-01",
                      "email": f"seed{{n}}@example.com", "phone": "+16085550123", "preferred_contact": "email"}},
        intake_data={{"pregnancy_status": "not_applicable", "conditions": ["chronic_pain"],
                     "takes_no_medications": False, "has_ldn_prescription": False,
                     "consent_privacy": True, "consent_not_diagnosis": True, "consent_contact": True}},
        medications=[{{"text": ["metformin", "vitamin d", "oxycodone 5 mg", "sertraline"][n % 4], "dose": "",
                      "frequency": "daily", "kind": "prescription"}}],
    ))
# Booked consultations from the third week on, so the slot engine has busy times to work around
# while the first days stay open for the simulated patients to race for.
kind = ConsultationType.objects.get(slug="ldn-consultation")
now = timezone.now()
days = availability.free_times_by_day(consultation_type=kind, pharmacist=None, now=now,
                                      first_day=(now + timedelta(days=21)).date())
booked = 0
for day, times in sorted(days.items()):
    for free in times[::3]:
        if booked >= min(len(intakes), 150):
            break
        appointment_book(intake=intakes[booked], consultation_type=kind, mode="phone", start=free.start)
        booked += 1
print(f"seeded: {{len(intakes)}} intakes, {{booked}} consultations")
"""


def run(args, **kwargs):
    return subprocess.run(args, cwd=ROOT, check=True, **kwargs)


def psql(sql, database="postgres", *, capture=False):
    out = run(["psql", f"{PG}/{database}", "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=capture, text=True)
    return out.stdout.strip() if capture else None


def redis_flush():
    db = REDIS.rsplit("/", 1)[-1]
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-n", db, "flushdb"], capture_output=True, check=False)


def site_env():
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "welltopia.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",  # plain http on 127.0.0.1: Secure cookies would never come back
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "DATABASE_URL": f"{PG}/{DB}",
        "CACHE_URL": REDIS,
        "CELERY_BROKER_URL": REDIS,
        "CELERY_RESULT_BACKEND": REDIS,
        "CELERY_TASK_DEFAULT_QUEUE": "welltopia-loadtest",
        "EMAIL_URL": "dummymail://",
        "LOG_LEVEL": "WARNING",
        # Every simulated patient is 127.0.0.1: the per-client limits would stop them all.
        "RATE_LIMIT_INTAKE": "0/h",
        "RATE_LIMIT_BOOKING": "0/h",
        "RATE_LIMIT_MANAGE": "0/h",
        "MAX_ACTIVE_APPOINTMENTS_PER_EMAIL": "2",
        "VAR_DIR": "var/loadtest/site",
    }


def wait_until_up(timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{HOST}/healthz", timeout=2) as answer:  # noqa: S310 (127.0.0.1 only)
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer on {HOST} within {timeout} s")


def locust(user_class, prefix):
    env = {**os.environ, "LOADTEST_OUTCOMES": str(OUT / f"{prefix}_outcomes.json")}
    run(
        [
            str(BIN / "locust"), "-f", "scripts/locustfile.py", user_class,
            "--headless", "--host", HOST, "--users", str(USERS), "--spawn-rate", str(USERS),
            "--run-time", f"{SECONDS}s", "--stop-timeout", "10", "--only-summary",
            "--csv", str(OUT / prefix), "--loglevel", "WARNING", "--exit-code-on-error", "0",
        ],
        env=env,
        timeout=SECONDS + 90,
        stdout=subprocess.DEVNULL,
        stderr=open(OUT / f"{prefix}_locust.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    with open(OUT / f"{prefix}_stats.csv") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    outcomes_file = OUT / f"{prefix}_outcomes.json"
    outcomes = json.loads(outcomes_file.read_text()) if outcomes_file.exists() else {}
    return total, outcomes


def report(label, total, outcomes):
    print(f"{label}_rps: {float(total['Requests/s']):.1f} req/s")
    for pct in ("50%", "95%", "99%"):
        print(f"{label}_p{pct[:-1]}: {total[pct]} ms")
    print(f"{label}_requests: {total['Request Count']} requests")
    print(f"{label}_errors: {total['Failure Count']} requests")
    print(f"{label}_5xx: {outcomes.get('5xx', 0)} responses")


def main():
    if not shutil.which("psql") or not shutil.which("redis-cli"):
        raise SystemExit("The load test needs PostgreSQL and Redis on 127.0.0.1 (psql and redis-cli).")
    OUT.mkdir(parents=True, exist_ok=True)
    for stale in OUT.glob("*.csv"):
        stale.unlink()
    env = site_env()
    server = None
    try:
        psql(f'DROP DATABASE IF EXISTS "{DB}"')
        psql(f'CREATE DATABASE "{DB}"')
        redis_flush()
        run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], env=env)
        run([sys.executable, "-c", SEED.format(intakes=INTAKES)], env=env)

        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "welltopia.wsgi", "--bind", f"127.0.0.1:{PORT}", "--workers", str(WORKERS),
             "--timeout", "30", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True,
        )
        wait_until_up()

        print(f"load test: {USERS} users, {SECONDS} s each run, gunicorn {WORKERS} workers, rate limits off")
        app, app_outcomes = locust("BookingPatient", "app")
        trivial, trivial_outcomes = locust("TrivialVisitor", "trivial")

        report("loadtest_app", app, app_outcomes)
        print(f"loadtest_bookings: {app_outcomes.get('booked', 0)} bookings")
        print(f"loadtest_lost_races: {app_outcomes.get('just taken (told kindly)', 0)} told kindly")
        print(f"loadtest_taken_before_review: {app_outcomes.get('taken before review', 0)} visits")
        print(f"loadtest_double_bookings: {psql(DOUBLE_BOOKINGS_SQL, DB, capture=True)} overlaps")
        report("loadtest_trivial", trivial, trivial_outcomes)
        ratio = float(app["Requests/s"]) / max(float(trivial["Requests/s"]), 1e-9)
        print(f"loadtest_app_to_trivial_rps_ratio: {ratio:.2f}")
        failures = OUT / "app_failures.csv"
        if failures.exists() and failures.read_text().count("\n") > 1:
            print(f"failures: see {failures.relative_to(ROOT)}")
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        redis_flush()
        if os.environ.get("LOADTEST_KEEP_DB", "").lower() != "true":
            psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


if __name__ == "__main__":
    main()
