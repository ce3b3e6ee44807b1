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
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models.signals import post_migrate

from tests.factories import PatientFactory, PharmacistFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config):
    """Spanish pages and emails read locale/*/LC_MESSAGES/django.mo, which is built, never committed
    (`make install`). Built here as well, so a plain `pytest` right after a pull reads the catalog
    it has, not the one compiled before (each xdist worker renames its own copy into place)."""
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_translations.py")], check=True, stdout=subprocess.DEVNULL
    )


# --- Order: the long waits start first, the short pure tests fill the end ------------------------
def run_order(item):
    """0: the live server and a browser (chains of seconds each); 1: other transactional tests
    (real worker, beat, SMTP and Redis processes: mostly waiting on them); 2: other database
    tests; 3: tests without a database (the many short screening cases)."""
    names = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    transactional = marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
    if "live_server" in names:
        return 0
    if transactional or "transactional_db" in names:
        return 1
    if marker is not None or "db" in names:
        return 2
    return 3


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """pytest-django puts database tests first and transactional ones after them, and under
    pytest-xdist (`make test`) the tests are handed out in this order: a long wait near the end
    (a browser journey, a Redis outage, four worker processes) kept one worker busy while the
    others had finished. Those start first now, while the other workers take the CPU-bound
    tests, and the short tests without a database come last, where they even the workers out.
    A stable sort: within each kind the order stays pytest-django's and the files'."""
    items.sort(key=run_order)


# --- Data the migrations write, put back after a transactional test --------------------------------
# Left in place by the flush (`emptying_every_table`): the content types and permissions, which
# post_migrate would make again row for row (no test adds any; one a test deleted, it makes again),
# and the staff groups with their permissions, which `put_back_staff_roles` compares with the state
# the migrations left and rebuilds when a test changed them.
KEPT_BY_FLUSH = {"django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}
ROLES_AS_MIGRATED = []


def staff_roles_now():
    """Every group with each of its permissions (or none), as (name, app label, codename): one query."""
    from django.contrib.auth.models import Group

    rows = Group.objects.values_list("name", "permissions__content_type__app_label", "permissions__codename")
    return sorted(rows, key=lambda row: tuple(value or "" for value in row))


CONTENT_TYPES_AND_PERMISSIONS_AS_MIGRATED = []


def content_types_and_permissions_now(database=DEFAULT_DB_ALIAS):
    """Every content type and every permission, row for row (ids included): two queries."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    return [
        sorted(ContentType.objects.using(database).values_list("id", "app_label", "model")),
        sorted(Permission.objects.using(database).values_list("id", "content_type_id", "codename", "name")),
    ]


def commits_without_waiting_for_the_disk():
    """PostgreSQL: the test database's commits no longer wait for the WAL to reach the disk
    (``synchronous_commit = off``), for this connection and, set on the database, for every
    session opened later: the live server's threads, the Celery workers, beat and ``manage.py``
    processes the tests start. A commit is visible to every other session at once either way, so
    what a test sees (races, locks, the exclusion constraint, SKIP LOCKED) is unchanged; only a
    crash of the PostgreSQL server could lose the last commits, and no test crashes it. A commit
    took 3.3-3.9 ms with it on, 0.16-0.20 ms off (300 INSERTs, this machine); the transactional
    tests commit on every write outside a transaction (the browser tests' requests, the workers'
    claims and sends, each flush), the others never commit."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} SET synchronous_commit TO off"
        )
        cursor.execute("SET synchronous_commit TO off")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, its commits not waiting for the disk, and what its migrations
    wrote that a flush keeps: the staff roles, the content types and the permissions."""
    with django_db_blocker.unblock():
        commits_without_waiting_for_the_disk()
        ROLES_AS_MIGRATED[:] = staff_roles_now()
        CONTENT_TYPES_AND_PERMISSIONS_AS_MIGRATED[:] = content_types_and_permissions_now()


def put_back_staff_roles(sender, **kwargs):
    """A test with ``transactional_db`` (the browser tests, the real workers) ends by emptying the
    tables; Django then sends post_migrate, as after a migrate (on PostgreSQL only when a test
    changed the content types or permissions: `flush_then_post_migrate_only_if_needed`)."""
    from django.apps import apps

    # Once, for the last app: by then Django has made every content type and permission, which
    # sync_roles would otherwise add one by one for the apps whose post_migrate had not come yet.
    if sender is not [config for config in apps.get_app_configs() if config.models_module is not None][-1]:
        return
    staff_roles_put_back()


def staff_roles_put_back():
    """The staff groups a data migration made are checked here, so a later test in the same
    pytest-xdist worker finds them as migrated: one query when nothing changed them (every flush on
    PostgreSQL, which keeps them). Otherwise (SQLite's flush empties them too, or a test changed a
    group) every other group goes and sync_roles makes the roles again, in one transaction: it makes
    the content types and permissions it needs one get_or_create at a time, each its own commit
    outside one."""
    from django.apps import apps
    from django.contrib.auth.models import Group
    from django.db import transaction

    from backoffice.roles import ROLES, sync_roles

    if not ROLES_AS_MIGRATED or staff_roles_now() != ROLES_AS_MIGRATED:
        with transaction.atomic():
            Group.objects.exclude(name__in=ROLES).delete()
            sync_roles(apps)


post_migrate.connect(put_back_staff_roles, dispatch_uid="tests.put_back_staff_roles")


def emptying_every_table(style, connection, reset_sequences=True, allow_cascade=False):
    """What a transactional test's flush runs on PostgreSQL: DELETE FROM every table, where Django
    TRUNCATEs them all in one statement. The tables are left as empty either way, with their
    sequences where they were (pytest-django flushes without resetting them), but TRUNCATE makes
    new files for every table and index and writes them to disk: 0.13 s a flush on a quiet machine,
    0.23 s in the full suite, against 0.03 s for the DELETEs of a few rows. The foreign keys Django
    makes are deferred, so the order does not matter within the flush's transaction. A table
    with a trigger of ours (the audit trail's, which refuses DELETE) is still truncated: nothing
    references it. The tables of KEPT_BY_FLUSH stay (above: deleting and making them again was most
    of a flush). Anything else (SQLite, a test that resets sequences): Django's own."""
    from django.core.management.sql import sql_flush

    if connection.vendor != "postgresql" or reset_sequences or allow_cascade:
        return sql_flush(style, connection, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    tables = [table for table in tables if table not in KEPT_BY_FLUSH]
    with connection.cursor() as cursor:
        cursor.execute("SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal")
        with_triggers = {name.strip('"') for (name,) in cursor.fetchall()}
    quote = connection.ops.quote_name
    statements = [f"DELETE FROM {quote(table)}" for table in tables if table not in with_triggers]
    truncated = [quote(table) for table in tables if table in with_triggers]
    if truncated:
        statements.append(f"TRUNCATE {', '.join(truncated)}")
    return statements


def flush_then_post_migrate_only_if_needed(handle):
    """Django's flush ends by sending post_migrate, as after a migrate: create_contenttypes and
    create_permissions read every app's content types and permissions again (about 60 queries) to
    make any that are missing, and `put_back_staff_roles` checks the roles: over the 60 browser
    tests a flush took 0.148 s, 0.098 s without that (shared machine, no coverage). On PostgreSQL the flush keeps those tables
    (`emptying_every_table`), so nothing is missing unless a test changed them: the flush runs
    without the signal, then two queries compare the content types and permissions, row for row,
    with what the migrations (or the last post_migrate) left. The same: the roles are checked as
    before, and any difference sends post_migrate exactly as the flush would have. Anything else
    (SQLite, a flush that resets sequences): the flush as it was."""

    def flush_handle(self, **options):
        database = options.get("database", DEFAULT_DB_ALIAS)
        kept = (
            connections[database].vendor == "postgresql"
            and not options.get("reset_sequences", True)
            and not options.get("allow_cascade", False)
            and not options.get("inhibit_post_migrate", False)
        )
        if not kept:
            return handle(self, **options)
        handle(self, **{**options, "inhibit_post_migrate": True})
        if not CONTENT_TYPES_AND_PERMISSIONS_AS_MIGRATED or (
            content_types_and_permissions_now(database) != CONTENT_TYPES_AND_PERMISSIONS_AS_MIGRATED
        ):
            from django.core.management.sql import emit_post_migrate_signal

            emit_post_migrate_signal(options.get("verbosity", 1), options.get("interactive", False), database)
            # What post_migrate left (made again with new ids) is what it would leave next time.
            CONTENT_TYPES_AND_PERMISSIONS_AS_MIGRATED[:] = content_types_and_permissions_now(database)
        else:
            staff_roles_put_back()

    return flush_handle


@pytest.fixture(autouse=True, scope="session")
def quick_flush_after_transactional_tests():
    """Every transactional test (browser tests, real workers) ends with Django's flush command;
    on PostgreSQL it empties the tables by DELETE (`emptying_every_table` says why) and sends
    post_migrate only when it has something to make (`flush_then_post_migrate_only_if_needed`)."""
    from django.core.management.commands import flush

    handle = flush.Command.handle
    flush.sql_flush = emptying_every_table
    flush.Command.handle = flush_then_post_migrate_only_if_needed(handle)
    yield
    from django.core.management.sql import sql_flush

    flush.sql_flush = sql_flush
    flush.Command.handle = handle


# --- pytest-xdist: each worker process gets services of its own -----------------------------------
def redis_db_offset(urls, worker_number):
    """How far to move every Redis db number for xdist worker ``worker_number``: past all the dbs
    the configured URLs use, once per worker before it (CI's 0-2 give gw1 3-5, gw2 6-8...)."""
    dbs = [int(urlsplit(url).path.strip("/") or 0) for url in urls if urlsplit(url).scheme in ("redis", "rediss")]
    if not dbs:
        return 0
    offset = (max(dbs) - min(dbs) + 1) * worker_number
    if max(dbs) + offset > 15:
        raise pytest.UsageError(
            f"Redis has dbs 0-15: {len(dbs)} per xdist worker from db {min(dbs)} leaves no room for "
            f"worker {worker_number}; run fewer workers (-n)"
        )
    return offset


def with_redis_db(url, offset):
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss") or not offset:
        return url
    return parts._replace(path=f"/{int(parts.path.strip('/') or 0) + offset}").geturl()


def own_services_for_xdist_worker(environ):
    """The environment of an xdist worker, changed so its tests share nothing with another worker's.

    pytest-django gives each worker its own test database (test_<name>_gw0...). The rest is ours:
    the Celery queue (a worker started by one process must not take another's tasks), the Redis
    dbs (the cache is flushed before every test, so two processes cannot share its db), and
    VAR_DIR (the embedded broker's folders, beat's schedule file, the SQLite test file).
    Returns the variables to set; none outside xdist.
    """
    worker = environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return {}
    names = ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")
    offset = redis_db_offset([environ[name] for name in names if name in environ], int(worker.removeprefix("gw")))
    changed = {name: with_redis_db(environ[name], offset) for name in names if name in environ}
    changed["CELERY_TASK_DEFAULT_QUEUE"] = f"{environ.get('CELERY_TASK_DEFAULT_QUEUE', 'celery')}-{worker}"
    changed["VAR_DIR"] = str(Path(environ.get("VAR_DIR", "var")) / worker)
    changed["TEST_SERVICES_OF"] = worker
    return changed


def _give_this_xdist_worker_its_own_services():
    """pytest-django has read the settings before any conftest is imported, so the settings module
    is read again from the changed environment and its values replace the ones in use (what apps
    added to the settings stays). Nothing has used the cache or the Celery app yet; the child
    processes the tests start (Celery workers, manage.py) inherit the environment. DATABASES is
    left alone: Django's connections already hold it, and pytest-django adds the worker's suffix
    to the test database's name there."""
    if os.environ.get("TEST_SERVICES_OF") == os.environ.get("PYTEST_XDIST_WORKER"):
        return  # not in xdist, or done already
    import importlib

    from django.conf import ENVIRONMENT_VARIABLE, settings
    from django.core.cache import caches

    from welltopia.celery import app

    assert "settings" not in caches.__dict__ and not app.configured, "the cache or Celery was set up too early"
    os.environ.update(own_services_for_xdist_worker(os.environ))
    module = importlib.reload(importlib.import_module(os.environ[ENVIRONMENT_VARIABLE]))
    for name in dir(module):
        if name.isupper() and name != "DATABASES":
            setattr(settings, name, getattr(module, name))


_give_this_xdist_worker_its_own_services()


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


@pytest.fixture(autouse=True, scope="session")
def fast_password_hasher():
    """MD5 for the suite's passwords, as cookiecutter-django's test settings do.

    Production keeps Django's default (PBKDF2, slow on purpose: half a second or more per hash on
    this machine), and every staff user a test creates or signs in would pay that. Only this
    process is affected: Celery workers and other child processes hash no passwords.
    tests/welltopia/test_settings.py checks that production settings never use MD5.
    """
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


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


def start_worker(*, name, extra_env=None, beat=False, log=None):
    """A real worker process; ``log``: an open file for what it writes (its log), else ours."""
    env = {**os.environ, "DATABASE_URL": database_url_for_workers(), **(extra_env or {})}
    args = [
        sys.executable, "-m", "celery", "-A", "welltopia", "worker",
        "--pool=solo", "--without-mingle", "--without-gossip", "--loglevel=WARNING",
        f"--hostname={name}@%h",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE,
    ]
    if beat:
        args.append("--beat")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=log)


def stop_worker(process, timeout=15):
    stop_workers([process], timeout=timeout)


def stop_workers(processes, timeout=15):
    """TERM to every process first, then wait for each: their warm shutdowns (a second or more
    each under coverage) overlap instead of adding up."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + timeout
    for process in running:
        try:
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def celery_worker_process(transactional_db):
    """One real worker consuming from the configured broker (Redis in CI)."""
    process = start_worker(name=f"test-{os.getpid()}-{time.monotonic_ns()}")
    yield process
    stop_worker(process)


def start_beat(*, name, schedule_dir, extra_env=None):
    """A real `celery beat` process, with its own schedule file so several can run at once."""
    env = {**os.environ, "DATABASE_URL": database_url_for_workers(), **(extra_env or {})}
    args = [
        sys.executable, "-m", "celery", "-A", "welltopia", "beat", "--loglevel=WARNING",
        f"--schedule={Path(schedule_dir) / f'{name}-schedule'}",
    ]
    return subprocess.Popen(args, cwd=ROOT, env=env)


# --- A real SMTP server (aiosmtpd) ----------------------------------------------------------------
class SmtpSink:
    """Collects every message a client completes; `mode` makes it refuse or stall.

    mode "accept": 250 to everything. "refuse": 451 (a temporary failure) to every RCPT.
    "stall_rcpt" / "stall_data": the first RCPT / the first DATA waits `stall_seconds` before
    answering (a slow server, so a test can kill the client mid-send); `stalled` is set then.
    A message is recorded when its data is complete, as a real server would queue it.
    """

    def __init__(self, mode="accept", stall_seconds=30.0):
        import threading

        self.mode = mode
        self.stall_seconds = stall_seconds
        self.messages = []
        self.rcpt_attempts = 0
        self.stalled = threading.Event()
        self._lock = threading.Lock()

    async def _stall_once(self):
        import asyncio

        if not self.stalled.is_set():
            self.stalled.set()
            await asyncio.sleep(self.stall_seconds)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            self.rcpt_attempts += 1
        if self.mode == "refuse":
            return "451 4.3.0 Try again later"
        if self.mode == "stall_rcpt":
            await self._stall_once()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        with self._lock:
            self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        if self.mode == "stall_data":
            await self._stall_once()
        return "250 Message accepted for delivery"

    def recipients(self):
        with self._lock:
            return [address for message in self.messages for address in message.get_all("To", [])]


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _smtp_server(settings, mode):
    from aiosmtpd.controller import Controller

    sink = SmtpSink(mode=mode)
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    sink.port = controller.port
    # Child processes (workers) read EMAIL_URL; this process reads the settings.
    sink.worker_env = {"EMAIL_URL": f"smtp://127.0.0.1:{controller.port}"}
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 60
    return sink, controller


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on a free local port that accepts and keeps every message."""
    sink, controller = _smtp_server(settings, "accept")
    yield sink
    controller.stop()


@pytest.fixture
def refusing_smtp_server(settings):
    """A real SMTP server that answers 451 (try again later) to every recipient."""
    sink, controller = _smtp_server(settings, "refuse")
    yield sink
    controller.stop()


@pytest.fixture(params=["stall_rcpt", "stall_data"])
def stalling_smtp_server(request, settings):
    """A real SMTP server that stalls once, before (RCPT) or after (DATA) it has the message."""
    sink, controller = _smtp_server(settings, request.param)
    yield sink
    controller.stop()


# --- Staff in the admin (two factors) -------------------------------------------------------------
def role(name):
    """The staff group ``name``. A data migration makes the groups, but a test with
    ``transactional_db`` empties every table when it ends, so a later test in the same run makes
    them again the way the migration does."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from backoffice.roles import sync_roles

    if not Group.objects.filter(name=name).exists():
        sync_roles(apps)
    return Group.objects.get(name=name)


@pytest.fixture
def pharmacist_user(pharmacist):
    """The pharmacist persona's login, in the Pharmacist group."""
    pharmacist.user.groups.add(role("Pharmacist"))
    return pharmacist.user


@pytest.fixture
def front_desk(db):
    user = UserFactory(username="dora", first_name="Dora", is_staff=True)
    user.groups.add(role("Front desk"))
    return user


@pytest.fixture
def superuser(db):
    return UserFactory(username="olga", first_name="Olga", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(db):
    """sign_in(user) -> a test Client signed in to the admin with both factors."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def sign_in(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, name="test", defaults={"confirmed": True})
        client = Client()
        client.force_login(user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return sign_in


@pytest.fixture
def desk(staff_client, front_desk):
    """The front desk, signed in to the admin."""
    return staff_client(front_desk)


@pytest.fixture
def pharmacist_client(staff_client, pharmacist_user):
    """A pharmacist, signed in to the admin."""
    return staff_client(pharmacist_user)


# --- Languages ------------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def language_put_back():
    """A request through LocaleMiddleware leaves its language active in the test's thread after the
    response: put back what was active, so a test that asked for Spanish never leaves it to the
    tests that run after it (in another order under xdist)."""
    from django.utils import translation

    before = translation.get_language()
    yield
    if before:
        translation.activate(before)
    else:
        translation.deactivate()


# --- Rate limits ----------------------------------------------------------------------------------
@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache (Redis in CI): every test starts with none counted."""
    from django.core.cache import cache

    cache.clear()


# --- Coverage under pytest-xdist ------------------------------------------------------------------
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """An xdist worker process ends without running Python's exit handlers, where coverage.py
    (started in every child process by pyproject's `patch = ["subprocess"]`) writes its data, so
    it is written here; without it `make coverage` lost every line only those workers ran."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    try:
        import coverage
    except ImportError:
        return
    current = coverage.Coverage.current()
    if current is not None:
        current.stop()
        current.save()
