"""The fixed-window limiter itself, on the local-memory cache and on Redis (as in production)."""

import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from tests.conftest import ROOT, require
from welltopia.client_ip import client_ip
from welltopia.ratelimit import Rate, parse_rate, rate_hit, wait_words

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-tests"}


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request, settings):
    """The limiter on each kind of cache we run: locmem on a laptop, Redis (CACHE_URL) in production."""
    configured = settings.CACHES["default"]
    if request.param == "redis":
        require("redis" in configured["BACKEND"].lower(), "needs Redis as the cache (set CACHE_URL=redis://...)")
    else:
        settings.CACHES = {"default": LOCMEM}
    cache.clear()
    yield request.param
    cache.clear()


def test_rates_read_as_count_per_window():
    assert parse_rate("10/h") == Rate(count=10, seconds=3600)
    assert parse_rate(" 30 / 15m ") == Rate(count=30, seconds=900)
    assert parse_rate("5/s") == Rate(count=5, seconds=1)
    assert parse_rate("0/h") is None
    assert parse_rate("") is None
    with pytest.raises(ValueError, match="10/h"):
        parse_rate("ten per hour")


def test_the_request_after_the_limit_is_refused_until_the_window_ends(any_cache):
    rate = Rate(count=3, seconds=3600)
    start = 7200.0 + 600  # ten minutes into a window

    decisions = [rate_hit(scope="t", client="203.0.113.5", rate=rate, now=start + i) for i in range(4)]

    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert decisions[-1].retry_after == 3600 - 600 - 3
    assert rate_hit(scope="t", client="203.0.113.5", rate=rate, now=start + 2000).allowed is False
    assert rate_hit(scope="t", client="203.0.113.5", rate=rate, now=10800.0).allowed is True


def test_clients_and_scopes_are_counted_apart(any_cache):
    rate = Rate(count=1, seconds=60)

    assert rate_hit(scope="intake", client="203.0.113.5", rate=rate, now=0).allowed
    assert not rate_hit(scope="intake", client="203.0.113.5", rate=rate, now=1).allowed
    assert rate_hit(scope="intake", client="203.0.113.6", rate=rate, now=1).allowed
    assert rate_hit(scope="booking", client="203.0.113.5", rate=rate, now=1).allowed


CHILD_HIT = """
import django, json
django.setup()
from welltopia.ratelimit import Rate, rate_hit
d = rate_hit(scope="shared", client="198.51.100.7", rate=Rate(count=2, seconds=3600), now=1800.0)
print(json.dumps(d.allowed))
"""


def test_on_redis_another_web_process_sees_the_same_count(settings):
    """Two gunicorn hosts share CACHE_URL: the limit is per client, not per process."""
    require("redis" in settings.CACHES["default"]["BACKEND"].lower(), "needs Redis as the cache (CACHE_URL)")
    cache.clear()
    rate = Rate(count=2, seconds=3600)
    assert rate_hit(scope="shared", client="198.51.100.7", rate=rate, now=1800.0).allowed
    assert rate_hit(scope="shared", client="198.51.100.7", rate=rate, now=1800.0).allowed

    out = subprocess.run(
        [sys.executable, "-c", CHILD_HIT], cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": "welltopia.settings"},
        capture_output=True, text=True, timeout=60,
    )

    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "false"


def test_the_wait_is_told_in_words():
    assert wait_words(20) == "a minute"
    assert wait_words(25 * 60) == "about 25 minutes"
    assert wait_words(3500) == "about 59 minutes"
    assert wait_words(3590) == "about 1 hour"
    assert wait_words(3 * 3600) == "about 3 hours"


def test_the_client_is_the_proxy_written_forwarded_entry(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")

    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.9"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(request) == "6.6.6.6"
    settings.TRUSTED_PROXY_COUNT = 3  # shorter header than our proxies write: not through them
    assert client_ip(request) == "10.0.0.2"
