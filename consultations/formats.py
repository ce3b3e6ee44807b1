"""Dates and times written with Django's date formats, kept once written.

The booking pages write the same days and times for every patient: sixty day names on the day
picker, a day's clock times on the time picker. Django's ``dateformat.format`` parses the format
again on every call and was the largest cost of building those pages; its result depends only on
the value (with its time zone), the format and the language, so it is kept per all three.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from django.utils import dateformat
from django.utils.translation import get_language


def formatted(value: date | datetime, django_format: str) -> str:
    """``dateformat.format(value, django_format)`` in the active language."""
    # A datetime is equal to the same instant in any zone: its zone is part of the key ("CDT").
    return _formatted(value, getattr(value, "tzinfo", None), django_format, get_language())


@lru_cache(maxsize=4096)
def _formatted(value, tzinfo, django_format: str, language: str | None) -> str:
    return dateformat.format(value, django_format)
