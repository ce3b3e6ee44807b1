"""Send 5,000 due reminders through the sending service to a local SMTP sink, and compare with
a plain smtplib loop sending the same messages to the same sink in the same run.

Run from the repository root:  python bench/reminders.py             (figures)
                                python bench/reminders.py --profile   (and cProfile's top costs)
                                python bench/reminders.py --profile FILE   (and the stats kept in FILE)

The database: PostgreSQL when DATABASE_URL names one that answers (a throwaway database
`<name>_bench_reminders_<pid>` is created beside it, migrated, seeded and dropped at the end),
otherwise a throwaway SQLite file under var/bench. A line on stderr says which. SQLite runs in WAL
mode without an fsync per commit (with one, this machine's disk sets the pace: about 40 emails/s),
and the PostgreSQL database with synchronous_commit off for the same reason (each email is one
transaction, and one WAL flush costs about 2.8 ms on this machine's disk, more than the rest of
the email); BENCH_DURABLE=1 keeps PostgreSQL's flush per commit.
The sink is aiosmtpd in a process of its own, as a mail server is (BENCH_SINK=thread runs it in
a thread of this process, as this bench did until 2026-11-28: its GIL hand-offs then weigh on
whichever sender waits on it); both senders keep one SMTP connection open and take turns, 500
messages at a time (our scan, then smtplib resending what it just sent).
Prints reminders_per_s, reminder_queries_per_email (every statement the scan sends, BEGIN
included where Django sends it as one: SQLite's BEGIN IMMEDIATE) and reminders_vs_smtplib_ratio,
the median of the rounds' ratios (on a 2-core machine shared with other jobs single rounds range
widely); stderr gives their range and the ratio of all rounds together.
"""

from __future__ import annotations

import contextlib
import cProfile
import io
import multiprocessing
import os
import pstats
import shutil
import smtplib
import socket
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
DATABASE = BENCH_DIR / f"reminders-{os.getpid()}.sqlite3"
COUNT = int(os.environ.get("BENCH_REMINDERS", "5000"))
PHARMACISTS = 40
ROUND = 500  # reminders per round; rounds alternate our sender and the plain smtplib loop

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welltopia.settings")
# Measured as production runs: DEBUG off (cached templates, no query log kept in memory).
os.environ["DEBUG"] = "false"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-0123456789")
os.environ["STATICFILES_STORAGE"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("VAR_DIR", "var/bench")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # one INFO line per email would time the console


def configure_database() -> tuple[str, tuple[str, str] | None]:
    """Point DATABASE_URL at a throwaway database; returns its label and what to drop afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        try:
            import psycopg

            parts = urlsplit(url)
            name = f"{parts.path.lstrip('/') or 'welltopia'}_bench_reminders_{os.getpid()}"
            admin_url = parts._replace(path="/postgres").geturl()
            with psycopg.connect(admin_url, autocommit=True, connect_timeout=2) as admin:
                admin.execute(f'CREATE DATABASE "{name}"')
                if os.environ.get("BENCH_DURABLE") != "1":
                    admin.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
            os.environ["DATABASE_URL"] = parts._replace(path=f"/{name}").geturl()
            durable = "" if os.environ.get("BENCH_DURABLE") == "1" else " (synchronous_commit off)"
            return f"PostgreSQL{durable}", (admin_url, name)
        except Exception as error:  # noqa: BLE001 (unreachable: measure on SQLite and say so)
            sys.stderr.write(f"reminders.py: PostgreSQL not usable ({type(error).__name__}), using SQLite\n")
    os.environ["DATABASE_URL"] = f"sqlite:///{DATABASE}"
    return "SQLite", None


def drop_database(postgres: tuple[str, str] | None) -> None:
    if postgres is None:
        return
    import psycopg
    from django.db import connections

    connections.close_all()
    admin_url, name = postgres
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Sink:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def serve_sink(port, requests):
    """The SMTP sink, in a process of its own as a mail server is: both senders wait on its
    replies alike, and its work never competes with theirs for this process's GIL. Answers
    "take" with the messages received since the last one, and "stop" by stopping."""
    from aiosmtpd.controller import Controller

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    requests.send("ready")
    try:
        while (request := requests.recv()) != "stop":
            if request == "take":
                taken, sink.messages = sink.messages, []
                requests.send(taken)
    finally:
        controller.stop()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def seed(count):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from consultations.models import Appointment, ConsultationType, Location, Notification, Pharmacist
    from patients.models import Intake, Patient

    now = timezone.now()
    location = Location.objects.create(
        name="Welltopia Compounding Pharmacy", address_line1="2400 University Avenue",
        city="Madison", postal_code="53726", phone="+1 608-555-0142",
    )
    # Appointments start 10 s apart and last 5 minutes: spread over enough pharmacists that none
    # overlaps another of the same pharmacist (PostgreSQL's exclusion constraint refuses that).
    pharmacists = [
        Pharmacist.objects.create(
            user=get_user_model().objects.create(username=f"bench-pharmacist-{n}", is_staff=True),
            display_name=f"Bench {n}, PharmD", location=location,
        )
        for n in range(PHARMACISTS)
    ]
    kind = ConsultationType.objects.create(name="Check-in", slug="check-in", duration_minutes=5)
    patients = Patient.objects.bulk_create(
        Patient(first_name="Pat", last_name=f"Bench{i}", date_of_birth="1980-01-01",
                email=f"patient{i}@example.com", phone="+16085550123")
        for i in range(count)
    )
    intakes = Intake.objects.bulk_create(
        Intake(patient=p, submitted_at=now, pregnancy_status="not_applicable") for p in patients
    )
    first = now.replace(second=0, microsecond=0) + timedelta(hours=3)
    appointments = Appointment.objects.bulk_create(
        Appointment(
            patient=intake.patient, intake=intake, pharmacist=pharmacists[i % PHARMACISTS], consultation_type=kind,
            location=location, mode=Appointment.Mode.PHONE, start=first + timedelta(seconds=10 * i),
            end=first + timedelta(seconds=10 * i + 300), blocked_until=first + timedelta(seconds=10 * i + 300),
            manage_token=f"bench-reminder-token-{i:06d}",  # 22+ characters, as the manage URLs accept
        )
        for i, intake in enumerate(intakes)
    )
    # Their 24 h reminders are all past due (the appointments are 3 to 17 hours ahead), each held
    # back by a retry time far ahead until its round lets it go.
    Notification.objects.bulk_create(
        Notification(appointment=a, kind=Notification.Kind.REMINDER, appointment_version=1,
                     reminder_offset=timedelta(hours=24), due_at=a.start - timedelta(hours=24),
                     next_attempt_at=now + timedelta(days=365))
        for a in appointments
    )


def main():
    bench_existed = BENCH_DIR.exists()
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    label, postgres = configure_database()
    in_process = os.environ.get("BENCH_SINK") == "thread"
    sys.stderr.write(
        f"reminders_* below: {label}, {COUNT} reminders, the SMTP sink in {'a thread' if in_process else 'its own process'}\n"
    )
    sink, requests = multiprocessing.Pipe()
    port = free_port()
    # BENCH_SINK=thread: the sink in a thread of this process, as before (its GIL hand-offs then
    # weigh on whichever sender waits on it, and more on the one with more to do between replies).
    runner = threading.Thread if in_process else multiprocessing.get_context("spawn").Process
    sink_runner = runner(target=serve_sink, args=(port, requests), daemon=True)
    sink_runner.start()
    try:
        if not sink.poll(30) or sink.recv() != "ready":
            raise SystemExit("the SMTP sink did not start")
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection

        from consultations.models import Notification
        from consultations.notifications.delivery import notifications_send_due

        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False

        from django.db.backends.signals import connection_created

        def relaxed_durability(sender, connection, **kwargs):
            # A throwaway database: write-ahead log without an fsync per commit, so the figure
            # measures our code rather than this disk (PostgreSQL in production has its own).
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.execute("PRAGMA synchronous=NORMAL")

        connection_created.connect(relaxed_durability)
        call_command("migrate", verbosity=0)
        seed(COUNT)

        queries = 0

        def count(execute, sql, params, many, context):
            nonlocal queries
            queries += 1
            return execute(sql, params, many, context)

        profiler = cProfile.Profile() if "--profile" in sys.argv else None
        ids = list(Notification.objects.order_by("id").values_list("id", flat=True))
        ours = plain = 0.0
        ratios = []
        received = 0
        outcomes: dict[str, int] = {}
        # Rounds alternate the two senders, so a machine busier in one minute than the next
        # slows both alike rather than one of them.
        for start in range(0, COUNT, ROUND):
            Notification.objects.filter(id__in=ids[start:start + ROUND]).update(next_attempt_at=None)
            with connection.execute_wrapper(count):
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                for outcome, n in notifications_send_due().items():
                    outcomes[outcome] = outcomes.get(outcome, 0) + n
                if profiler:
                    profiler.disable()
                ours_round = time.perf_counter() - started
            sink.send("take")
            ours_messages = sink.recv()
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as client:
                for mail_from, rcpt_tos, content in ours_messages:
                    client.sendmail(mail_from, rcpt_tos, content)
            plain_round = time.perf_counter() - started
            sink.send("take")
            if len(sink.recv()) != len(ours_messages):
                raise SystemExit("the smtplib loop lost messages")
            received += len(ours_messages)
            ours += ours_round
            plain += plain_round
            ratios.append(plain_round / ours_round)
        if profiler:
            if len(sys.argv) > sys.argv.index("--profile") + 1:
                profiler.dump_stats(sys.argv[sys.argv.index("--profile") + 1])  # for pstats or snakeviz
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            sys.stderr.write(f"\n===== notifications_send_due (cProfile, {COUNT} reminders) =====\n{out.getvalue()}")
        sent = Notification.objects.filter(status=Notification.Status.SENT).count()
        if outcomes != {"sent": COUNT} or sent != COUNT or received != COUNT:
            errors = set(Notification.objects.values_list("last_error", flat=True))
            raise SystemExit(f"expected {COUNT} sent, got {outcomes}, {sent} rows, {received} at the sink; errors {errors}")

        print(f"reminders_per_s: {COUNT / ours:.0f} per s")
        print(f"reminder_queries_per_email: {queries / COUNT:.2f} queries")
        # The median round: one round slowed by something else on the machine does not move it.
        print(f"reminders_vs_smtplib_ratio: {statistics.median(ratios):.2f} ratio")
        sys.stderr.write(
            f"reminders_vs_smtplib_ratio: rounds {min(ratios):.2f}-{max(ratios):.2f}, "
            f"all rounds together {plain / ours:.2f}; smtplib alone {COUNT / plain:.0f} per s\n"
        )
    finally:
        with contextlib.suppress(OSError):  # a sink gone already: the error that brought us here says more
            sink.send("stop")
        sink_runner.join(timeout=10)
        drop_database(postgres)
        for leftover in BENCH_DIR.glob(f"{DATABASE.name}*"):
            leftover.unlink()
        if not bench_existed:
            shutil.rmtree(BENCH_DIR, ignore_errors=True)


if __name__ == "__main__":
    main()
