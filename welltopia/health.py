"""Checks that the services the site depends on answer. Messages name the service, never a URL."""

from django.db import connection


def database_status():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return "down"
    return "ok"


def broker_status():
    from welltopia.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return "down"
    return "ok"


def cache_status():
    """The shared cache (Redis in production) that holds the rate-limit counters."""
    from django.core.cache import cache

    try:
        cache.set("healthz:probe", "ok", timeout=10)
        if cache.get("healthz:probe") != "ok":
            return "down"
    except Exception:
        return "down"
    return "ok"
