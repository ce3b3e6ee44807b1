"""/healthz as a load balancer sees it. The 'down' cases run the site in a child process whose
settings point at a port where nothing listens: a real unreachable service, not a mock."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

PROBE = """
import django, json
django.setup()
from django.test import Client
r = Client(HTTP_HOST='localhost').get('/healthz')
print(json.dumps({'status': r.status_code, 'body': r.content.decode()}))
"""


def healthz_in_child_process(**env_overrides):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "welltopia.settings", **env_overrides}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.django_db
def test_healthz_reports_database_broker_and_cache_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_the_broker_when_it_is_down_without_leaking_its_url():
    result = healthz_in_child_process(CELERY_BROKER_URL="redis://:s3cret-word@127.0.0.1:1/0")

    assert result["status"] == 503
    assert json.loads(result["body"])["broker"] == "down"
    assert "s3cret" not in result["body"]


def test_healthz_names_the_database_when_it_is_down():
    result = healthz_in_child_process(DATABASE_URL="postgres://welltopia:s3cret-word@127.0.0.1:1/nothing")

    assert result["status"] == 503
    assert json.loads(result["body"])["database"] == "down"
    assert "s3cret" not in result["body"]
