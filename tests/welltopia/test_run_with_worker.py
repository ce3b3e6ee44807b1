"""`make run` stops its Celery worker (and the beat inside it) with the server, on a TERM sent to its
process group as on Ctrl-C (issue #17, point 6). The launcher is scripts/run_with_worker.sh; these
tests start it with the real worker command of `make run` and a cheap stand-in for runserver, signal
the whole process group and watch every process of the session go away."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "run_with_worker.sh"
CELERY = Path(sys.executable).with_name("celery")
SERVER = [sys.executable, "-c", "import time; time.sleep(300)"]


def session_processes(sid):
    """Pids of the live processes of session `sid` (the launcher and all it started)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(entry.name))
    return pids


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def kill_session(sid):
    for pid in session_processes(sid):
        with contextlib.suppress(OSError):
            os.killpg(os.getpgid(pid), signal.SIGKILL)


# The launcher starts as from a terminal: with INT and TERM at their defaults, whatever the test
# process's own handlers are by then (bash can never trap a signal ignored when it started). In two
# full runs the INT case failed with the launcher still alive 30 s after the signal; alone it passed.
AS_FROM_A_TERMINAL = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "signal.signal(signal.SIGTERM, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
]


def launch(worker, log, **env):
    environment = {**os.environ, **env}
    return subprocess.Popen(
        [*AS_FROM_A_TERMINAL, "bash", str(SCRIPT), *worker, "--", *SERVER],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def test_make_run_starts_the_server_through_the_launcher():
    plan = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout

    assert "scripts/run_with_worker.sh" in plan
    assert "worker --beat" in plan and "runserver" in plan


def test_a_term_to_the_process_group_stops_the_celery_worker(tmp_path):
    log_path = tmp_path / "run.log"
    worker = [str(CELERY), "-A", "welltopia", "worker", "--beat", "--loglevel=INFO", "--concurrency=2"]
    with log_path.open("w") as log:
        launcher = launch(
            worker,
            log,
            DEBUG="true",
            VAR_DIR=str(tmp_path / "var"),
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            CELERY_BROKER_URL="filesystem://",
            CELERY_RESULT_BACKEND=f"file://{tmp_path / 'var' / 'celery' / 'results'}",
            CELERY_TASK_DEFAULT_QUEUE="run-with-worker-test",
        )
    try:
        assert wait_until(lambda: " ready." in log_path.read_text(), 25), log_path.read_text()[-2000:]
        # The worker's pool is up: the processes a group-wide TERM used to strand.
        assert len(session_processes(launcher.pid)) >= 5

        os.killpg(launcher.pid, signal.SIGTERM)

        assert wait_until(lambda: not session_processes(launcher.pid), 15), log_path.read_text()[-2000:]
        assert launcher.wait(5) == 143
        assert "Warm shutdown" in log_path.read_text()
    finally:
        kill_session(launcher.pid)


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_worker_that_ignores_the_signal_is_killed_after_the_grace_period(tmp_path, signum, status):
    # A stand-in for a worker stuck in warm shutdown: it ignores TERM and INT, and so do its children.
    stubborn = [
        sys.executable,
        "-c",
        "import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); os.fork(); print('ready', flush=True); time.sleep(300)",
    ]
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        launcher = launch(stubborn, log, RUN_STOP_GRACE="1")
    try:
        # Generous waits: on a loaded machine (three test workers and Chromium on two cores) a
        # Python start alone has taken seconds; the grace period is checked by the time below.
        assert wait_until(lambda: log_path.read_text().count("ready") == 2, 30), log_path.read_text()
        started = time.monotonic()

        os.killpg(launcher.pid, signum)

        assert wait_until(lambda: not session_processes(launcher.pid), 30), log_path.read_text()
        assert time.monotonic() - started < 5
        assert launcher.wait(5) == status
        assert "killing the worker" in log_path.read_text()
    finally:
        kill_session(launcher.pid)


def test_the_worker_stops_when_the_server_exits_by_itself(tmp_path):
    log_path = tmp_path / "run.log"
    with log_path.open("w") as log:
        launcher = subprocess.Popen(
            ["bash", str(SCRIPT), sys.executable, "-c", "import time; time.sleep(300)", "--", "false"],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        assert launcher.wait(10) == 1
        assert wait_until(lambda: not session_processes(launcher.pid), 5)
    finally:
        kill_session(launcher.pid)
