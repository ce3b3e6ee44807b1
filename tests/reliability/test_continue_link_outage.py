"""A link to continue is asked for while the broker is unreachable: the patient's page still
answers, and the email goes out at once from the web process (real SMTP server).

The broker is Redis as settings.py configures it for production (socket timeouts, no publish
retries), pointed at a port where nothing listens (Redis stopped) or at a socket that accepts
and never answers (Redis frozen).
"""

import socket
import time

import pytest
from django.test import Client

from tests.conftest import free_port
from tests.factories import IntakeFactory
from tests.reliability.test_redis_outage import records_of, this_process_on

pytestmark = pytest.mark.redis
# A frozen broker costs its 2 s socket timeout, then the SMTP exchange.
PROMPT_SECONDS = 6


@pytest.fixture
def frozen_port():
    """A port that accepts connections (the kernel completes them) and never answers a byte."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    yield listener.getsockname()[1]
    listener.close()


def broker_at(port):
    return {
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{port}/0",
        "CELERY_RESULT_BACKEND": f"redis://127.0.0.1:{port}/1",
        "CACHE_URL": "locmemcache://",
    }


def ask(email):
    began = time.monotonic()
    response = Client().post("/intake/continue/", {"email": email})
    return response, time.monotonic() - began


@pytest.mark.parametrize("broker", ["stopped", "frozen"])
def test_a_link_asked_for_while_the_broker_is_unreachable_is_sent_at_once(
    transactional_db, smtp_server, monkeypatch, frozen_port, broker, capsys
):
    IntakeFactory(patient__email="alice@example.com")
    port = free_port() if broker == "stopped" else frozen_port

    with this_process_on(broker_at(port), monkeypatch), records_of("patients.continuation") as logged:
        response, took = ask("alice@example.com")

    with capsys.disabled():
        print(f"\ncontinue link with the broker {broker}: {response.status_code} in {took:.1f} s, "
              f"{len(smtp_server.messages)} email(s) sent from the web process")
    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert took < PROMPT_SECONDS
    assert [message["To"] for message in smtp_server.messages] == ["alice@example.com"]
    assert [record.getMessage() for record in logged] == [
        f"continue link not queued, sending it now: error={logged[0].args[0]}"
    ]
    assert "alice" not in logged[0].getMessage()


def test_with_the_broker_and_the_mail_server_both_down_the_page_still_answers(
    transactional_db, refusing_smtp_server, monkeypatch
):
    IntakeFactory(patient__email="alice@example.com")

    with this_process_on(broker_at(free_port()), monkeypatch), records_of("patients.continuation") as logged:
        response, took = ask("alice@example.com")

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert refusing_smtp_server.rcpt_attempts == 1
    messages = [record.getMessage() for record in logged]
    assert messages[0].startswith("continue link not queued, sending it now: error=")
    assert messages[1] == "continue link not sent: error=SMTPRecipientsRefused"
    assert not any("alice" in message or "/intake/continue/" in message for message in messages)


def test_an_unknown_address_while_the_broker_is_down_gets_the_same_page(transactional_db, monkeypatch):
    with this_process_on(broker_at(free_port()), monkeypatch), records_of("patients.continuation") as logged:
        response, _ = ask("nobody@example.com")

    assert response.status_code == 200
    assert "Check your email" in response.content.decode()
    assert logged == []
