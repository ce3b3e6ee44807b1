"""/healthz while Redis is frozen: it must answer within seconds and name what is down.

A frozen Redis (SIGSTOP: the kernel still accepts connections on its port, nothing ever answers)
is what a swapping, paused or partitioned Redis looks like. A load balancer's health check that
hangs on it is as bad as no health check: it times out instead of taking the host out of service
with a reason, and each hung check holds a web worker.
"""

import os
import signal
import time

import pytest
from django.test import Client

from tests.reliability.test_redis_outage import private_redis, this_process_on  # noqa: F401

pytestmark = pytest.mark.redis

# What a load balancer waits for a health check by default (AWS ALB: 5 s, nginx upstream checks
# and Kubernetes probes: 1-5 s); the answer must come well inside it.
PROMPT_SECONDS = 5


def test_healthz_answers_promptly_and_names_cache_and_broker_when_redis_is_frozen(
    db, private_redis, monkeypatch, capsys  # noqa: F811
):
    with this_process_on(private_redis.env(), monkeypatch):
        warm = Client().get("/healthz")  # this process now holds open connections, as in production
        assert warm.status_code == 200, warm.content

        os.kill(private_redis.process.pid, signal.SIGSTOP)
        try:
            began = time.monotonic()
            response = Client().get("/healthz")
            took = time.monotonic() - began
        finally:
            os.kill(private_redis.process.pid, signal.SIGCONT)

        after = Client().get("/healthz")

    with capsys.disabled():
        print(f"\n/healthz with Redis frozen: {response.status_code} {response.json()} in {took:.1f} s")
    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "down", "cache": "down"}
    assert took < PROMPT_SECONDS, f"/healthz took {took:.1f} s with Redis frozen"
    assert after.status_code == 200, "healthy again once Redis answers"
