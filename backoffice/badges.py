"""How staff screens show what screening noticed: one badge per severity, words first.

Shared by the intake review queue and the Today page, so a contraindication looks the same on
both. Only for users with the clinical permission: callers check ``sees_clinical`` first.
"""

from django.utils.html import format_html, format_html_join

from patients.models import ScreeningFlag
from patients.selectors import flag_is_opioid_not_current

Severity = ScreeningFlag.Severity
OPIOID_NOT_CURRENT_LABEL = "Opioid mentioned, not current"


def badge(severity: str, count: int | None = None):
    label = Severity(severity).label
    text = f"{label} ×{count}" if count and count > 1 else label
    return format_html('<span class="wt-badge wt-badge--{}">{}</span>', severity, text)


def screening_badges(intake):
    """The intake's severities, most serious first, counted; "Nothing noticed" when none.

    Reads ``intake.flags.all()``: prefetch the flags when showing many intakes.
    """
    flags = list(intake.flags.all())
    counts: dict[str, int] = {}
    for flag in flags:
        counts[flag.severity] = counts.get(flag.severity, 0) + 1
    if intake.screening_outcome in Severity.values and intake.screening_outcome not in counts:
        counts[intake.screening_outcome] = 1
    if not counts:
        return format_html('<span class="wt-badge wt-badge--clear">{}</span>', "Nothing noticed")
    ordered = [s for s in Severity.values if s in counts]
    badges = format_html_join(" ", "{}", ((badge(s, counts[s]),) for s in ordered))
    if Severity.CONTRAINDICATION not in counts and any(flag_is_opioid_not_current(f) for f in flags):
        badges = format_html(
            '<span class="wt-badge wt-badge--opioid-past">{}</span> {}', OPIOID_NOT_CURRENT_LABEL, badges
        )
    return badges
