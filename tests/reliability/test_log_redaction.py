"""No manage-link or continue-link token reaches a log line: through the handlers LOGGING
configures and those a Celery worker sets up, not caplog (caplog's handler sits beside ours and
never runs our filters)."""

import io
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest
from celery.signals import after_setup_logger, after_setup_task_logger
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.core.wsgi import get_wsgi_application
from django.test import Client

from tests.conftest import start_worker, stop_worker
from welltopia.log_filters import RedactTokens, redact

TOKEN = secrets.token_urlsafe(32)
# What a continue link's token looks like (django.core.signing): payload, timestamp, signature.
CONTINUE_TOKEN = f"Ij{secrets.token_urlsafe(20)}Ig:1vQk2x:{secrets.token_urlsafe(32)}"


@contextmanager
def configured_log():
    """What the handler LOGGING configured for Django's loggers writes, read back as text."""
    handler = logging.getLogger("django").handlers[0]
    assert any(isinstance(f, RedactTokens) for f in handler.filters)
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    try:
        yield buffer
    finally:
        handler.setStream(previous)


def test_every_configured_handler_redacts_tokens():
    assert all("redact_tokens" in h.get("filters", []) for h in settings.LOGGING["handlers"].values())
    for name in ("", "django", "django.request", "django.security.csrf", "django.server"):
        logger = logging.getLogger(name)
        while logger is not None:
            for handler in logger.handlers:
                if type(handler).__module__.startswith("_pytest"):
                    continue  # pytest's own capture, beside the configured handlers
                assert any(isinstance(f, RedactTokens) for f in handler.filters), (name, handler)
            logger = logger.parent if logger.propagate else None


@pytest.mark.django_db
def test_a_404_on_a_manage_link_logs_no_token():
    with configured_log() as log:
        response = Client().get(f"/appointments/{TOKEN}/")

    assert response.status_code == 404
    assert "Not Found: /appointments/[redacted]/" in log.getvalue()
    assert TOKEN not in log.getvalue()


@pytest.mark.django_db
def test_a_csrf_403_on_a_manage_link_logs_no_token():
    with configured_log() as log:
        response = Client(enforce_csrf_checks=True).post(f"/appointments/{TOKEN}/cancel/")

    assert response.status_code == 403
    assert "Forbidden (CSRF cookie not set.): /appointments/[redacted]/cancel/" in log.getvalue()
    assert TOKEN not in log.getvalue()


@pytest.mark.django_db(transaction=True)  # the server answers from its own thread
def test_the_development_servers_request_line_logs_no_token():
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(get_wsgi_application())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    with configured_log() as log:
        try:
            url = f"http://127.0.0.1:{server.server_port}/appointments/{TOKEN}/no-such-page/"
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(url, timeout=10)  # noqa: S310 (our own server)
        finally:
            server.shutdown()  # returns once the request, and its log line, is done
            server.server_close()

    assert refused.value.code == 404
    assert '"GET /appointments/[redacted]/no-such-page/' in log.getvalue()
    assert TOKEN not in log.getvalue()


def test_an_exception_logged_with_a_manage_path_is_redacted():
    with configured_log() as log:
        try:
            raise RuntimeError(f"failed on /appointments/{TOKEN}/cancel/")
        except RuntimeError:
            logging.getLogger("django.request").exception("Internal Server Error: %s", f"/appointments/{TOKEN}/")

    assert TOKEN not in log.getvalue()
    assert "RuntimeError: failed on /appointments/[redacted]/cancel/" in log.getvalue()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (f"/appointments/{TOKEN}/", "/appointments/[redacted]/"),
        (f"/appointments/{TOKEN}/calendar.ics", "/appointments/[redacted]/calendar.ics"),
        (f'"GET /appointments/{TOKEN}?x=1 HTTP/1.1" 404', '"GET /appointments/[redacted]?x=1 HTTP/1.1" 404'),
        ("/appointments/short/", "/appointments/[redacted]/"),  # a token cut short is still secret
        ("/admin/consultations/appointment/12/change/", "/admin/consultations/appointment/12/change/"),
        (f"/intake/continue/{CONTINUE_TOKEN}/", "/intake/continue/[redacted]/"),
        (f'"POST /intake/continue/{CONTINUE_TOKEN}/ HTTP/1.1" 302', '"POST /intake/continue/[redacted]/ HTTP/1.1" 302'),
        ('"POST /intake/continue/ HTTP/1.1" 200', '"POST /intake/continue/ HTTP/1.1" 200'),  # the form: no token
    ],
    # Named, not shown: the tokens are new on every run, and pytest-xdist needs every worker to
    # collect the same test ids.
    ids=[
        "manage-path", "calendar-path", "access-log-line", "short-token", "admin-path",
        "continue-path", "continue-access-log-line", "continue-form-no-token",
    ],
)
def test_redact_keeps_everything_but_the_token(line, expected):
    assert redact(line) == expected


# --- Continue links (patients/continuation.py) ----------------------------------------------------
@pytest.mark.django_db
def test_a_refused_continue_link_logs_no_token():
    with configured_log() as log:
        response = Client().get(f"/intake/continue/{CONTINUE_TOKEN}/")

    assert response.status_code == 410
    assert "Gone: /intake/continue/[redacted]/" in log.getvalue()
    assert CONTINUE_TOKEN not in log.getvalue()


@pytest.mark.django_db
def test_a_csrf_403_on_a_continue_link_logs_no_token():
    with configured_log() as log:
        response = Client(enforce_csrf_checks=True).post(f"/intake/continue/{CONTINUE_TOKEN}/")

    assert response.status_code == 403
    assert "Forbidden (CSRF cookie not set.): /intake/continue/[redacted]/" in log.getvalue()
    assert CONTINUE_TOKEN not in log.getvalue()


# --- Celery workers set up handlers of their own ----------------------------------------------------
@pytest.mark.parametrize("signal", [after_setup_logger, after_setup_task_logger])
def test_the_handlers_a_worker_sets_up_get_the_filter(signal):
    logger = logging.getLogger(f"tests.worker-{signal.name}")
    logger.propagate = False
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    logger.addHandler(handler)
    try:
        signal.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False)
        signal.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False)
        logger.warning("Task failed: %s", f"/appointments/{TOKEN}/")
    finally:
        logger.removeHandler(handler)

    assert [type(f) for f in handler.filters] == [RedactTokens], "once, however often the worker sets up"
    assert buffer.getvalue() == "Task failed: /appointments/[redacted]/\n"


@pytest.mark.django_db(transaction=True)  # the worker reads the test database from its own process
def test_a_real_worker_logs_no_token(tmp_path):
    """A task that fails on a manage path: the worker's own error line and traceback, redacted."""
    from consultations.tasks import send_notification

    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = start_worker(name=f"redact-{os.getpid()}-{time.monotonic_ns()}", log=log)
        try:
            send_notification.delay(f"/appointments/{TOKEN}/")
            deadline = time.monotonic() + 60
            while "raised unexpected" not in log_path.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
        finally:
            stop_worker(worker)

    written = log_path.read_text()
    assert "raised unexpected" in written, written[-2000:]
    assert "/appointments/[redacted]/" in written
    assert TOKEN not in written
