"""Medication screening for LDN intakes: plain Python over plain data, with no web framework.

    screen_intake(medications=["norco 10/325 bid", "vitamin D"], pregnancy_status="not_pregnant")

returns a list of Flag objects; is_opioid(flags) tells whether any is an opioid contraindication.
"""

from .rules import (
    OPIOID_USE_ANSWERS,
    PREGNANCY_STATUSES,
    Flag,
    Severity,
    is_opioid,
    screen_intake,
    screen_medication,
)
from .version import RULES_VERSION

__all__ = [
    "OPIOID_USE_ANSWERS",
    "PREGNANCY_STATUSES",
    "RULES_VERSION",
    "Flag",
    "Severity",
    "is_opioid",
    "screen_intake",
    "screen_medication",
]
