"""The client's address, trusting X-Forwarded-For only as far as our own proxies wrote it."""

from django.conf import settings


def client_ip(request) -> str | None:
    trusted = settings.TRUSTED_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR") or None
    if trusted <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted:
        # Our proxies always append; a shorter header means the request did not pass them all.
        return remote
    return forwarded[-trusted]
