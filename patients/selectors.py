"""Read-only queries over patients and intakes."""

from __future__ import annotations

import uuid

from .models import Intake


def intake_get_by_reference(*, reference: str | uuid.UUID | None) -> Intake | None:
    """The intake with this public reference, or None for anything that is not one (never raises)."""
    if not reference:
        return None
    try:
        reference = uuid.UUID(str(reference))
    except (TypeError, ValueError, AttributeError):
        return None
    return (
        Intake.objects.select_related("patient")
        .prefetch_related("medications", "flags__medication")
        .filter(reference=reference)
        .first()
    )
