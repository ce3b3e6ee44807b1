"""Manage-link and continue-link tokens never reach a log line.

A manage link (``/appointments/<token>/…``) is the patient's only key to their booking, a
continue link (``/intake/continue/<token>/``) opens their saved intake once, and
Django's own loggers write request paths: ``django.request`` ("Not Found: /appointments/…"),
``django.security.csrf`` ("Forbidden (CSRF token missing.): /appointments/…/cancel/") and
``django.server`` (the request line). LOGGING installs ``RedactTokens`` on every handler, and
welltopia/celery.py on the handlers a Celery worker sets up itself, so the path segment after
``/appointments/`` or ``/intake/continue/`` becomes ``[redacted]`` in the message, its arguments
and any formatted traceback, whoever logged it. Every segment is redacted, well-formed or not: a token
cut short by a mail client is still most of a real one.
"""

import logging
import re

REDACTED = "[redacted]"
# One pattern per tokenised URL: the manage links (consultations/urls.py) and the links that pick
# up a saved intake (patients/urls.py, /intake/continue/<token>/; the request form at
# /intake/continue/ itself has no segment to redact), and a follow-up's check-in link
# (/follow-up/<token>/). Stops at what ends a path segment in a
# log line: a slash, a query, a quote or a space.
TOKENISED_PATHS = [
    re.compile(rf"({prefix})[^/?#\s\"']+") for prefix in ("/appointments/", "/intake/continue/", "/follow-up/")
]


def redact(text: str) -> str:
    for pattern in TOKENISED_PATHS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


def _redacted_arg(arg):
    if isinstance(arg, str):
        return redact(arg)
    if isinstance(arg, int | float) or arg is None:
        return arg  # keeps %d and %f working
    text = str(arg)
    cleaned = redact(text)
    return arg if cleaned == text else cleaned


class RedactTokens(logging.Filter):
    """A handler filter: rewrites the record (other handlers then see it redacted too) and keeps it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        else:
            record.msg = _redacted_arg(record.msg)
        if isinstance(record.args, dict):
            record.args = {key: _redacted_arg(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the traceback is formatted once, redacted.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
