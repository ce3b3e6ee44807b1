"""The client's address, trusting X-Forwarded-For only as far as our own proxies wrote it.

Proxies differ in what they append: ``203.0.113.7``, ``203.0.113.7:5678``, ``[2001:db8::1]:443``
or ``unknown``. The entry is parsed and checked with ``ipaddress``; anything that is not an
address falls back to the peer (REMOTE_ADDR), because the value goes into django-axes and the
audit trail's PostgreSQL ``inet`` column, where a bad one is a 500 on every staff sign-in.
"""

import ipaddress

from django.conf import settings


def parse_address(entry: str) -> str | None:
    """One X-Forwarded-For entry → a normalised IP address, or None when it is not one."""
    entry = entry.strip().strip('"')
    if entry.startswith("["):
        # [v6] or [v6]:port
        host, bracket, _rest = entry[1:].partition("]")
        entry = host if bracket else ""
    elif entry.count(":") == 1:
        # v4:port (a bare IPv6 address has at least two colons)
        entry = entry.partition(":")[0]
    # A zone index (fe80::1%eth0) is local to the proxy and means nothing to us or to inet.
    entry = entry.partition("%")[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    trusted = settings.TRUSTED_PROXY_COUNT
    remote = parse_address(request.META.get("REMOTE_ADDR") or "")
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        # Our proxies always append; a shorter header means the request did not pass them all.
        return remote
    return parse_address(forwarded[-trusted]) or remote
