"""Personas and real services for the suite.

Services are real: PostgreSQL and Redis when DATABASE_URL / CELERY_BROKER_URL point at them,
the embedded defaults otherwise. A test that needs a service which is not configured is skipped
on a laptop and fails in CI (CI=true), so a green CI run always exercised it.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import PatientFactory, PharmacistFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition, reason):
    """Skip when a real service is absent, unless we are in CI where absence is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI needs this service: {reason}")
    pytest.skip(reason)


@pytest.fixture
def on_postgres():
    require(connection.vendor == "postgresql", "needs PostgreSQL (set DATABASE_URL)")


@pytest.fixture
def on_redis():
    require(settings.CELERY_BROKER_URL.startswith("redis"), "needs Redis (set CELERY_BROKER_URL)")


# --- Personas -------------------------------------------------------------------------------------
@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Alice", last_name="Anders", email="alice@example.com")


@pytest.fixture
def other_patient(db):
    return PatientFactory(first_name="Bob", last_name="Brandt", email="bob@example.com")


@pytest.fixture
def pharmacist(db):
    return PharmacistFactory(
        user=UserFactory(username="charlie", first_name="Charlie", is_staff=True),
        display_name="Charlie Chen, PharmD",
    )


# --- A real Celery worker process -----------------------------------------------------------------
def database_url_for_workers():
    """The URL of the database this test run uses (the test database), for child processes."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = db.get("USER") or ""
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_worker(*, name, extra_env=None, beat=False):
    env = {**os.environ, "DATABASE_URL": database_url_for_workers(), **(extra_env or {})}
    args = [
        sys.executable, "-m", "celery", "-A", "welltopia", "worker",
        "--pool=solo", "--without-mingle", "--without-gossip", "--loglevel=WARNING",
        f"--hostname={name}@%h",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
    ]
    if beat:
        args.append("--beat")
    return subprocess.Popen(args, cwd=ROOT, env=env)


def stop_worker(process, timeout=15):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def celery_worker_process(transactional_db):
    """One real worker consuming from the configured broker (Redis in CI)."""
    process = start_worker(name=f"test-{os.getpid()}-{time.monotonic_ns()}")
    yield process
    stop_worker(process)


# --- Rate limits ----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache (Redis in CI): every test starts with none counted."""
    from django.core.cache import cache

    cache.clear()
