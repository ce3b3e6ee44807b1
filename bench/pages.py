"""Server time of each patient page at one user, measured in-process with Django's test Client.

Run from the repository root:  python bench/pages.py             (figures)
                                python bench/pages.py --profile   (and cProfile's top costs per page)

Simulated patients, a new one each visit, walk the whole visit as scripts/locustfile.py does: the
intake form, its submission, the summary, the day page, a day's times, the review, the
confirmation and the confirmed page; then the home page for scale. Each request is timed from the
test Client's call to its return: the WSGI handler, every middleware, the view, the templates and
the database, cache and broker round trips (no HTTP parsing, no gunicorn). Prints, per page:

  page_ms_<name>       median wall time over the timed visits (after a few untimed warm-ups)
  page_cpu_ms_<name>   median CPU time of this process's thread in that request: the site's own
                       Python work, which a machine busy with other jobs inflates far less than
                       wall time (the database server's time is not in it)
  page_queries_<name>  SQL statements of the last visit's request (BEGIN, COMMIT, savepoints
                       included; not the connection health check)

Backends: PostgreSQL when DATABASE_URL names one that answers (a throwaway database
`<name>_bench_pages_<pid>` is created beside it, migrated, seeded, and dropped at the end), and
Redis as cache and broker when CACHE_URL / CELERY_BROKER_URL name one that answers (rate limits
counted there, confirmation emails queued on a queue of their own, deleted at the end). Otherwise
the embedded defaults: SQLite under var/bench, local-memory cache, the file broker. A line on
stderr says which. Production settings otherwise: DEBUG off (cached templates), rate limits on
(set high enough never to refuse one client address). BENCH_PAGE_VISITS sets the visits (40).
"""

from __future__ import annotations

import cProfile
import io
import logging
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import time
import warnings
from datetime import date, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
VISITS = int(os.environ.get("BENCH_PAGE_VISITS", "40"))
WARMUP = 5
INTAKES = 60
QUEUE = f"welltopia-bench-pages-{os.getpid()}"

PAGES = ("intake_form", "intake_submit", "intake_summary", "book_day", "book_time", "book_review",
         "book_confirm", "book_confirmed", "home")
CHOICE = "type=ldn-consultation&mode=phone&pharmacist=any"
DAY_LINK = re.compile(r'href="(/book/time/\?[^"]+)"')
TIME_LINK = re.compile(r'href="(/book/review/\?[^"]+)"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _reachable_postgres(url: str) -> bool:
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=2):
            return True
    except Exception:
        return False


def _reachable_redis(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


def configure() -> dict:
    """Environment for the run; returns what to clean up afterwards."""
    env = os.environ
    env.setdefault("DJANGO_SETTINGS_MODULE", "welltopia.settings")
    env["DEBUG"] = "false"
    env.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
    env["STATICFILES_STORAGE"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    env["SECURE_SSL_REDIRECT"] = "false"
    env["SECURE_COOKIES"] = "false"
    env["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    env["EMAIL_URL"] = "dummymail://"
    env["LOG_LEVEL"] = "WARNING"
    env["VAR_DIR"] = f"var/bench/pages-{os.getpid()}"
    for scope in ("INTAKE", "BOOKING", "MANAGE"):
        env[f"RATE_LIMIT_{scope}"] = "1000000/h"  # counted as in production, never refused
    cleanup: dict = {}

    database_url = env.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://")) and _reachable_postgres(database_url):
        parts = urlsplit(database_url)
        name = f"{parts.path.lstrip('/') or 'welltopia'}_bench_pages_{os.getpid()}"
        admin_url = parts._replace(path="/postgres").geturl()
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
        cleanup["postgres"] = (admin_url, name)
        database = "PostgreSQL"
    else:
        env["DATABASE_URL"] = f"sqlite:///{ROOT / env['VAR_DIR'] / 'pages.sqlite3'}"
        database = "SQLite"

    cache_url = env.get("CACHE_URL", "")
    if cache_url.startswith("redis") and _reachable_redis(cache_url):
        cache = "Redis cache"
    else:
        env["CACHE_URL"] = "locmemcache://"
        cache = "local-memory cache"
    broker_url = env.get("CELERY_BROKER_URL", "")
    if broker_url.startswith("redis") and _reachable_redis(broker_url):
        env["CELERY_TASK_DEFAULT_QUEUE"] = QUEUE
        env.setdefault("CELERY_RESULT_BACKEND", broker_url)
        cleanup["queue"] = broker_url
        broker = "Redis broker"
    else:
        env["CELERY_BROKER_URL"] = "filesystem://"
        env["CELERY_RESULT_BACKEND"] = f"file://{ROOT / env['VAR_DIR'] / 'celery' / 'results'}"
        broker = "file broker"
    cleanup["label"] = f"{database}, {cache}, {broker}"
    return cleanup


def seed() -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from consultations import availability
    from consultations.models import ConsultationType
    from consultations.services import appointment_book
    from patients.services import intake_submit

    call_command("migrate", verbosity=0, interactive=False)
    call_command("seed_demo", stdout=io.StringIO())
    intakes = [
        intake_submit(
            patient_data={"first_name": "Seed", "last_name": f"Patient{n}", "date_of_birth": "1975-01-01",
                          "email": f"seed{n}@example.com", "phone": "+16085550123", "preferred_contact": "email"},
            intake_data={"pregnancy_status": "not_applicable", "conditions": ["chronic_pain"],
                         "takes_no_medications": False, "has_ldn_prescription": False,
                         "consent_privacy": True, "consent_not_diagnosis": True, "consent_contact": True},
            medications=[{"text": ["metformin", "vitamin d", "oxycodone 5 mg", "sertraline"][n % 4], "dose": "",
                          "frequency": "daily", "kind": "prescription"}],
        )
        for n in range(INTAKES)
    ]
    # Booked consultations from the third week on: busy times for the slot engine to work around.
    kind = ConsultationType.objects.get(slug="ldn-consultation")
    now = timezone.now()
    days = availability.free_times_by_day(consultation_type=kind, pharmacist=None, now=now,
                                          first_day=(now + timedelta(days=21)).date())
    frees = [free for _, times in sorted(days.items()) for free in times[::3]]
    for intake, free in zip(intakes, frees, strict=False):
        appointment_book(intake=intake, consultation_type=kind, mode="phone", start=free.start)


def intake_form(csrf: str, n: int) -> dict:
    return {
        "csrfmiddlewaretoken": csrf, "homepage": "",
        # Each visit a new patient, as in a day's bookings: their own email and birth date. With one
        # birth date for all, every visit was the same person by name and birth date, and each
        # submission read every earlier visit's intake as that person's history.
        "patient-first_name": "Bench", "patient-last_name": "Patient",
        "patient-date_of_birth": (date(1950, 1, 1) + timedelta(days=137 * n)).isoformat(),
        "patient-email": f"bench-{os.getpid()}-{n}@example.com", "patient-phone": "608-555-0123",
        "patient-preferred_contact": "email", "intake-pregnancy_status": "not_applicable",
        "intake-opioid_use": "no", "intake-conditions": "chronic_pain", "intake-has_ldn_prescription": "no",
        "intake-consent_privacy": "on", "intake-consent_not_diagnosis": "on", "intake-consent_contact": "on",
        "med-TOTAL_FORMS": "1", "med-INITIAL_FORMS": "0", "med-MIN_NUM_FORMS": "0", "med-MAX_NUM_FORMS": "30",
        "med-0-text": random.choice(["metformin 500 mg", "vitamin D3", "levothyroxine", "ibuprofen", "fish oil"]),
        "med-0-dose": "", "med-0-frequency": "daily", "med-0-kind": "prescription",
    }


class Timer:
    def __init__(self, profile: bool):
        self.timings: dict[str, list[float]] = {page: [] for page in PAGES}
        self.cpu: dict[str, list[float]] = {page: [] for page in PAGES}
        self.queries: dict[str, int] = {}
        self.profiles = {page: cProfile.Profile() for page in PAGES} if profile else None
        self.recording = False

    def __call__(self, page, call, *args, **kwargs):
        from django.db import connection

        profiler = self.profiles[page] if self.profiles and self.recording else None
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)):
            started, cpu_started = time.perf_counter(), time.thread_time()
            if profiler:
                profiler.enable()
            response = call(*args, **kwargs)
            if profiler:
                profiler.disable()
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.thread_time() - cpu_started) * 1000
        if self.recording:
            self.timings[page].append(elapsed)
            self.cpu[page].append(cpu)
            self.queries[page] = len(queries)
        return response


def visit(timer: Timer, client, n: int) -> None:
    client.cookies.clear()  # a new patient: no session, no CSRF cookie, no language chosen
    page = timer("intake_form", client.get, "/intake/")
    assert page.status_code == 200, page.status_code
    token = CSRF.search(page.content.decode()).group(1)
    submitted = timer("intake_submit", client.post, "/intake/", intake_form(token, n))
    assert submitted.status_code == 302, (submitted.status_code, submitted.content[:2000])
    assert timer("intake_summary", client.get, "/intake/summary/").status_code == 200
    days = timer("book_day", client.get, f"/book/day/?{CHOICE}")
    day_links = [unescape(link) for link in DAY_LINK.findall(days.content.decode())]
    times = timer("book_time", client.get, random.choice(day_links[:3]))
    time_links = [unescape(link) for link in TIME_LINK.findall(times.content.decode())]
    review = timer("book_review", client.get, random.choice(time_links[:4]))
    text = review.content.decode()
    fields = {key: unescape(value) for key, value in HIDDEN.findall(text)}
    form = {"csrfmiddlewaretoken": CSRF.search(text).group(1), "homepage": "", **fields}
    confirm = timer("book_confirm", client.post, "/book/confirm/", form)
    assert confirm.status_code == 302 and confirm["Location"].endswith("/book/confirmed/"), confirm.status_code
    assert timer("book_confirmed", client.get, "/book/confirmed/").status_code == 200
    assert timer("home", client.get, "/").status_code == 200


def cleanup_backends(cleanup: dict) -> None:
    from django.db import connections

    connections.close_all()
    if "queue" in cleanup:
        try:
            import redis

            connection = redis.Redis.from_url(cleanup["queue"], socket_timeout=2)
            # The queue and kombu's bindings of it (_kombu.binding.<queue>, ..._permanent.<queue>).
            leftovers = list(connection.scan_iter(match=f"*{QUEUE}*"))
            if leftovers:
                connection.delete(*leftovers)
        except Exception as error:  # noqa: BLE001 (a leftover queue must not hide the figures)
            sys.stderr.write(f"pages.py: could not delete the bench queue {QUEUE}: {error}\n")
    if "postgres" in cleanup:
        import psycopg

        admin_url, name = cleanup["postgres"]
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    shutil.rmtree(ROOT / os.environ["VAR_DIR"], ignore_errors=True)


def main() -> None:
    # Whitenoise warns that there is no collected static folder: the pages are timed, not their files.
    warnings.filterwarnings("ignore", message="No directory at")
    profile = "--profile" in sys.argv
    random.seed(16)
    cleanup = configure()
    (ROOT / os.environ["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    sys.stderr.write(f"page_ms_* below: {cleanup['label']}; median of {VISITS} visits, one user\n")
    try:
        import django

        django.setup()
        from django.test import Client

        logging.getLogger("kombu").setLevel(logging.ERROR)  # the file broker's "no hostname" notice
        seed()
        timer = Timer(profile)
        # One client for every visit: a Client builds its handler, and so the middleware chain, on
        # its first request, which a server does once per worker, not once per patient.
        client = Client()
        for n in range(WARMUP + VISITS):
            timer.recording = n >= WARMUP
            visit(timer, client, n)
        for page in PAGES:
            print(f"page_ms_{page}: {statistics.median(timer.timings[page]):.1f} ms")
        for page in PAGES:
            print(f"page_cpu_ms_{page}: {statistics.median(timer.cpu[page]):.1f} ms")
        for page in PAGES:
            print(f"page_queries_{page}: {timer.queries[page]} queries")
        if timer.profiles:
            for page in PAGES:
                out = io.StringIO()
                stats = pstats.Stats(timer.profiles[page], stream=out)
                stats.sort_stats("cumulative").print_stats(45)
                if dump := os.environ.get("BENCH_PROFILE_DIR"):
                    stats.dump_stats(Path(dump) / f"{page}.prof")
                sys.stderr.write(f"\n===== {page} (cProfile, {VISITS} requests) =====\n{out.getvalue()}")
    finally:
        cleanup_backends(cleanup)


if __name__ == "__main__":
    main()
