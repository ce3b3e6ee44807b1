"""A fixed-window rate limit per client address, kept in Django's cache.

Each (scope, client, window) pair is one cache counter: ``cache.add`` creates it at 0 with the
window's length as its lifetime, ``cache.incr`` counts the request. With Redis as the cache
(CACHE_URL) the counters are shared by every web host; with the local-memory default they are
per process, which is fine on a laptop.

A fixed window lets a client send up to twice the limit across a window boundary; for slowing
down form abuse and token guessing that is good enough, and it costs one round trip.

A view can give a request back (``rate_limit_refund(request)``): the intake does for a form it
sends back with errors, so a patient correcting answers is never held up by the limit, which is
there to slow down intakes saved, not typing mistakes.

Limits are settings such as ``RATE_LIMIT_INTAKE = "10/h"``, read on every request so tests and
the load test can change them. "0/h" or an empty value turns a limit off.

The limiter fails open: when the cache cannot be reached (Redis down), refusing every patient
would be a worse outage than the abuse it prevents, so the request is counted in a per-process
memory instead, a warning is logged (scope and error type only, never an address or form data)
and the patient goes on. The per-process count still slows one client hammering one web host.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.shortcuts import render
from django.utils.translation import gettext, ngettext

from .client_ip import client_ip

logger = logging.getLogger(__name__)

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RATE_PATTERN = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: int  # seconds until the window ends; 0 when allowed
    key: str = ""  # the counter this request was counted in, to give it back


def parse_rate(value: str) -> Rate | None:
    """"10/h", "30/15m", "5/s" → Rate; "" or a zero count → None (no limit)."""
    if not value or not value.strip():
        return None
    match = RATE_PATTERN.match(value)
    if match is None:
        raise ValueError(f"A rate looks like 10/h or 30/15m, not {value!r}")
    count, multiplier, unit = match.groups()
    if int(count) == 0:
        return None
    return Rate(count=int(count), seconds=int(multiplier or 1) * UNITS[unit])


# Used only while the shared cache is unreachable; one per process, like the locmem default.
fallback_cache = LocMemCache("welltopia-ratelimit-fallback", {"OPTIONS": {"MAX_ENTRIES": 10000}})


def _count(counter_cache, key: str, timeout: int) -> int:
    counter_cache.add(key, 0, timeout=timeout)
    try:
        return counter_cache.incr(key)
    except ValueError:
        # The counter expired between add and incr (the window just ended): start again.
        counter_cache.add(key, 0, timeout=timeout)
        return counter_cache.incr(key)


def rate_hit(*, scope: str, client: str, rate: Rate, now: float | None = None) -> Decision:
    """Count one request of ``client`` in ``scope``; refuse once the window's count is exceeded."""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    # Hashed: an IPv6 address or a proxy's odd header makes no odd cache key, and no address is stored.
    digest = hashlib.sha256(client.encode()).hexdigest()[:24]
    key = f"ratelimit:{scope}:{digest}:{window}"
    try:
        count = _count(cache, key, rate.seconds + 1)
    except Exception as error:  # any cache failure must let the patient through
        logger.warning(
            "rate limit cache unreachable, counting in this process only: scope=%s error=%s",
            scope,
            type(error).__name__,
        )
        count = _count(fallback_cache, key, rate.seconds + 1)
    if count <= rate.count:
        return Decision(allowed=True, retry_after=0, key=key)
    return Decision(allowed=False, retry_after=max(1, math.ceil((window + 1) * rate.seconds - now)), key=key)


def rate_give_back(key: str) -> None:
    """Uncount one request counted in ``key``; nothing when its window has ended meanwhile."""
    for counter_cache in (cache, fallback_cache):
        try:
            counter_cache.decr(key)
            return
        except ValueError:  # not in this cache (window over, or counted in the other one)
            continue
        except Exception as error:  # the shared cache is down: the count may be in the fallback
            logger.warning("rate limit cache unreachable on give-back: error=%s", type(error).__name__)
            continue


REFUND_ATTRIBUTE = "_rate_limit_refund"


def rate_limit_refund(request) -> None:
    """Ask the ``rate_limited`` wrapper to give this request back once the view has answered."""
    setattr(request, REFUND_ATTRIBUTE, True)


def wait_words(seconds: int) -> str:
    """"about 25 minutes", "about 1 hour", "a minute" — for the 429 page."""
    minutes = math.ceil(seconds / 60)
    if minutes <= 1:
        return gettext("a minute")
    if minutes < 60:
        return ngettext("about %(count)d minute", "about %(count)d minutes", minutes) % {"count": minutes}
    hours = round(minutes / 60)
    return ngettext("about %(count)d hour", "about %(count)d hours", hours) % {"count": hours}


def too_many_requests(request, *, retry_after: int):
    response = render(request, "429.html", {"wait": wait_words(retry_after)}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(
    scope: str, *, setting: str, methods: tuple[str, ...] | None = None, when=None, refused=too_many_requests
):
    """Limit a view per client address with the rate in ``settings.<setting>``.

    ``methods``: only these HTTP methods count (None: all). ``when(request)``: only requests for
    which it is true count (e.g. not the intake's "add a medication row" button).
    ``refused(request, retry_after=...)``: the 429 response (the intake's keeps the answers).
    The view may call ``rate_limit_refund(request)`` to give its request back.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            rate = parse_rate(getattr(settings, setting, ""))
            counts = (
                rate is not None
                and (methods is None or request.method in methods)
                and (when is None or when(request))
            )
            if not counts:
                return view(request, *args, **kwargs)
            decision = rate_hit(scope=scope, client=client_ip(request) or "unknown", rate=rate)
            if not decision.allowed:
                logger.warning("rate limit reached: scope=%s", scope)
                return refused(request, retry_after=decision.retry_after)
            response = view(request, *args, **kwargs)
            if getattr(request, REFUND_ATTRIBUTE, False):
                rate_give_back(decision.key)
            return response

        return wrapper

    return decorator
