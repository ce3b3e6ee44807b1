"""A pharmacist's decision on an intake: new → in review → cleared / not a candidate / needs information.

Clearing an intake that carries a contraindication needs a written reason; the reason is kept
with who gave it and when. Every decision is written to the audit trail.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .audit import audit_record
from .models import AuditEvent, Intake, ScreeningFlag

Status = Intake.ReviewStatus
DECISIONS = {Status.CLEARED, Status.NOT_CANDIDATE, Status.NEEDS_INFORMATION}
MIN_OVERRIDE_REASON = 15


def intake_carries_contraindication(intake: Intake) -> bool:
    return (
        intake.has_contraindication
        or intake.flags.filter(severity=ScreeningFlag.Severity.CONTRAINDICATION).exists()
    )


def intake_review_check(*, intake: Intake, status: str, override_reason: str = "") -> None:
    """Raise ValidationError (keyed by field) when this decision may not be recorded."""
    if status not in Status.values:
        raise ValidationError({"review_status": "Choose one of the review statuses."})
    if status == Status.NEW and intake.review_status != Status.NEW:
        raise ValidationError(
            {"review_status": "An intake that has been opened for review cannot go back to “New”."}
        )
    if status == Status.CLEARED and intake_carries_contraindication(intake):
        reason = (override_reason or "").strip()
        if not reason and intake.override_reason:
            return  # already overridden, with a reason on record
        if len(reason) < MIN_OVERRIDE_REASON:
            raise ValidationError(
                {
                    "override_reason": (
                        "This intake carries a contraindication. To clear it, write why it is safe "
                        f"to discuss LDN (at least {MIN_OVERRIDE_REASON} characters)."
                    )
                }
            )


@transaction.atomic
def intake_review(
    *, intake: Intake, by, status: str, notes: str, override_reason: str = "", request=None
) -> Intake:
    """Record a review decision. `request` is optional and only gives the audit trail an address."""
    intake = Intake.objects.select_for_update().get(pk=intake.pk)
    intake_review_check(intake=intake, status=status, override_reason=override_reason)
    now = timezone.now()
    intake.review_status = status
    intake.review_notes = notes or ""
    if status in DECISIONS:
        intake.reviewed_by = by
        intake.reviewed_at = now
    reason = (override_reason or "").strip()
    overriding = status == Status.CLEARED and reason and intake_carries_contraindication(intake)
    if overriding:
        intake.override_reason = reason
        intake.override_by = by
        intake.override_at = now
    intake.full_clean()
    intake.save()
    audit_record(user=by, action=AuditEvent.Action.REVIEW, obj=intake, request=request)
    if overriding:
        audit_record(user=by, action=AuditEvent.Action.OVERRIDE, obj=intake, request=request)
    return intake
