"""After the consultation: the pharmacist's record, its signature and amendments, and follow-ups.

- A record is a draft until it is signed; ``record_save`` writes a draft, ``record_sign`` checks
  that what the outcome needs is there and locks it with the pharmacist's name and the time.
  Signing also closes the appointment as attended or no-show, which is all the front desk sees.
- A signed record changes only through ``record_amend``: a reason, and the content before and
  after kept on an amendment row, so the signed original stays readable (``record_original``).
- ``follow_ups_plan`` turns a signed "suitable" record into follow-up consultations (2, 6 and 12
  weeks by default); ``follow_up_invitations_send_due`` emails each patient when the time comes.

Every change is written to the audit trail (who, when, which record, never the content). The
record is health data: nothing here is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import pgettext

from patients.audit import audit_record
from patients.language import email_language
from patients.models import AuditEvent
from welltopia.phones import phone_for_people

from . import selectors
from .models import Appointment, ConsultationRecord, ConsultationRecordAmendment, FollowUp
from .services import appointment_mark

logger = logging.getLogger(__name__)

Outcome = ConsultationRecord.Outcome
# What a signature covers and an amendment may change.
CONTENT_FIELDS = (
    "outcome",
    "not_suitable_reason",
    "review_after",
    "patient_reported",
    "medicines_reviewed",
    "advice",
    "plan",
    "recommendation",
    "titration",
    "flag_resolutions",
    "prescriber_name",
    "prescriber_clinic",
)
NOTE_FIELDS = ("patient_reported", "medicines_reviewed", "advice", "plan")
MIN_AMENDMENT_REASON = 10
DEFAULT_FOLLOW_UP_WEEKS = (2, 6, 12)
FOLLOW_UP_WINDOW_DAYS = 7
# The invitation goes this many days before the window opens, at INVITE_HOUR in the pharmacy's zone.
INVITE_LEAD_DAYS = 3
INVITE_HOUR = 9


class RecordError(Exception):
    """A change the rules refuse; ``message`` is written for the pharmacist."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Reading ----------------------------------------------------------------------------------------
def record_for(appointment: Appointment) -> ConsultationRecord | None:
    return ConsultationRecord.objects.filter(appointment=appointment).first()


def record_snapshot(record: ConsultationRecord) -> dict[str, Any]:
    """The signed content as plain JSON values (a date as YYYY-MM-DD)."""
    snapshot: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        value = getattr(record, name)
        snapshot[name] = value.isoformat() if isinstance(value, date) else value
    return snapshot


def record_original(record: ConsultationRecord) -> dict[str, Any]:
    """What was signed first: before the first amendment, or the record as it is when never amended."""
    first = record.amendments.order_by("at", "id").first()
    return first.before if first is not None else record_snapshot(record)


def signer_name(user) -> str:
    pharmacist = getattr(user, "pharmacist", None)
    if pharmacist is not None:
        return pharmacist.display_name
    return user.get_full_name() or user.get_username()


def record_problems(values: Mapping[str, Any], *, consultation_day: date) -> dict[str, str]:
    """What the outcome needs and is missing, by field: empty when the record may be signed."""
    problems: dict[str, str] = {}
    outcome = values.get("outcome")
    if outcome not in Outcome.values:
        return {"outcome": "Choose the outcome of the consultation."}
    if outcome == Outcome.NO_SHOW:
        return problems
    if outcome == Outcome.NOT_SUITABLE_NOW:
        if not (values.get("not_suitable_reason") or "").strip():
            problems["not_suitable_reason"] = "Say why LDN is not suitable now (for example, an opioid washout)."
        review_after = values.get("review_after")
        if isinstance(review_after, str) and review_after:
            review_after = date.fromisoformat(review_after)
        if not review_after:
            problems["review_after"] = "Give the date after which to review again."
        elif review_after <= consultation_day:
            problems["review_after"] = "The review date must be after the consultation's day."
    for name in NOTE_FIELDS:
        if not (values.get(name) or "").strip():
            label = ConsultationRecord._meta.get_field(name).verbose_name
            problems[name] = f"Write {label} before signing."
    if outcome in (Outcome.SUITABLE, Outcome.NEEDS_PRESCRIBER) and not (values.get("recommendation") or "").strip():
        problems["recommendation"] = "Write the recommendation to the prescriber before signing."
    return problems


def _consultation_day(record: ConsultationRecord) -> date:
    return timezone.localdate(record.appointment.start)


# --- Writing a draft, signing, amending -----------------------------------------------------------
def _apply(record: ConsultationRecord, values: Mapping[str, Any]) -> None:
    for name in CONTENT_FIELDS:
        if name in values:
            value = values[name]
            if name == "review_after" and isinstance(value, str):
                value = date.fromisoformat(value) if value else None
            if name == "flag_resolutions":
                value = {str(k): (v or "").strip() for k, v in (value or {}).items() if (v or "").strip()}
            elif isinstance(value, str):
                value = value.strip()
            setattr(record, name, value)
    if record.outcome != Outcome.NOT_SUITABLE_NOW:
        record.not_suitable_reason = ""
        record.review_after = None


@transaction.atomic
def record_save(*, appointment: Appointment, by, values: Mapping[str, Any], request=None) -> ConsultationRecord:
    """Write the draft record of a consultation (created on first save). A signed record is
    changed only by ``record_amend``."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CANCELLED:
        raise RecordError("This consultation was cancelled: there is nothing to record.")
    record = ConsultationRecord.objects.select_for_update().filter(appointment=appointment).first()
    created = record is None
    if created:
        record = ConsultationRecord(appointment=appointment, created_by=by)
        intake = appointment.intake
        if intake is not None:
            record.prescriber_name = intake.prescriber_name
            record.prescriber_clinic = intake.prescriber_clinic
    elif record.is_signed:
        raise RecordError("This record is signed. Change it with an amendment, giving the reason.")
    _apply(record, values)
    if record.outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose the outcome of the consultation."})
    record.full_clean()
    record.save()
    audit_record(user=by, action=AuditEvent.Action.ADD if created else AuditEvent.Action.CHANGE, obj=record, request=request)
    return record


@transaction.atomic
def record_sign(*, record: ConsultationRecord, by, now: datetime | None = None, request=None) -> ConsultationRecord:
    """Lock the record with the pharmacist's name and the time, and close the appointment as
    attended (completed) or no-show. Raises ValidationError naming what the outcome still needs."""
    now = now or timezone.now()
    record = ConsultationRecord.objects.select_for_update().select_related("appointment").get(pk=record.pk)
    if record.is_signed:
        raise RecordError("This record is already signed.")
    appointment = record.appointment
    if appointment.start > now:
        raise RecordError("A record can be signed once the consultation has started.")
    problems = record_problems(record_snapshot(record), consultation_day=_consultation_day(record))
    if problems:
        raise ValidationError(problems)
    record.signed_by = by
    record.signed_name = signer_name(by)
    record.signed_at = now
    record.full_clean()
    record.save()
    status = Appointment.Status.NO_SHOW if record.outcome == Outcome.NO_SHOW else Appointment.Status.COMPLETED
    if appointment.status == Appointment.Status.BOOKED:
        appointment = appointment_mark(appointment=appointment, status=status, now=now)
        audit_record(user=by, action=AuditEvent.Action.CHANGE, obj=appointment, request=request)
    audit_record(user=by, action=AuditEvent.Action.CHANGE, obj=record, request=request)
    return record


@transaction.atomic
def record_amend(
    *, record: ConsultationRecord, by, values: Mapping[str, Any], reason: str,
    now: datetime | None = None, request=None,
) -> ConsultationRecordAmendment:
    """Change a signed record: the reason and the content before and after are kept."""
    now = now or timezone.now()
    record = ConsultationRecord.objects.select_for_update().select_related("appointment").get(pk=record.pk)
    if not record.is_signed:
        raise RecordError("A draft is changed directly; amendments are for signed records.")
    reason = (reason or "").strip()
    if len(reason) < MIN_AMENDMENT_REASON:
        raise ValidationError(
            {"reason": f"Say why the signed record is changed (at least {MIN_AMENDMENT_REASON} characters)."}
        )
    before = record_snapshot(record)
    _apply(record, values)
    after = record_snapshot(record)
    if after == before:
        raise ValidationError({"reason": "Nothing was changed: edit the record's content, then amend."})
    problems = record_problems(after, consultation_day=_consultation_day(record))
    if problems:
        raise ValidationError(problems)
    if before["outcome"] != after["outcome"] and Outcome.NO_SHOW in (before["outcome"], after["outcome"]):
        raise ValidationError({"outcome": "A no-show cannot become a consultation that happened, or the other way."})
    record.full_clean()
    record.save()
    amendment = ConsultationRecordAmendment.objects.create(
        record=record, at=now, by=by, by_name=signer_name(by), reason=reason, before=before, after=after
    )
    audit_record(user=by, action=AuditEvent.Action.CHANGE, obj=record, request=request)
    return amendment


@transaction.atomic
def record_prescriber_consent(*, record: ConsultationRecord, by, now: datetime | None = None, request=None):
    """The patient agreed, at the consultation, that the pharmacy writes to their prescriber."""
    now = now or timezone.now()
    record = ConsultationRecord.objects.select_for_update().get(pk=record.pk)
    if record.prescriber_consent_at is None:
        record.prescriber_consent_at = now
        record.save(update_fields=["prescriber_consent_at", "updated_at"])
        audit_record(user=by, action=AuditEvent.Action.CHANGE, obj=record, request=request)
    return record


def letter_refusal(record: ConsultationRecord | None) -> str:
    """Why no letter to the prescriber can be written from this record, or "" when it can."""
    if record is None or not record.is_signed:
        return "Sign the record first: the letter is written from a signed record."
    if record.outcome == Outcome.NO_SHOW:
        return "There is no letter for a no-show."
    if record.prescriber_consent_at is None:
        return "Ask the patient whether we may contact their prescriber, and record their consent first."
    return ""


# --- Follow-ups -------------------------------------------------------------------------------------
def parse_weeks(text: str) -> list[int]:
    """"2, 6, 12" → [2, 6, 12]; raises ValidationError with a message for the field."""
    parts = [p for p in text.replace(";", ",").replace(" ", ",").split(",") if p]
    try:
        weeks = sorted({int(p) for p in parts})
    except ValueError:
        raise ValidationError({"weeks": "Give the weeks as whole numbers separated by commas, e.g. 2, 6, 12."}) from None
    if not weeks:
        raise ValidationError({"weeks": "Give at least one follow-up week, e.g. 2, 6, 12."})
    if weeks[0] < 1 or weeks[-1] > 52 or len(weeks) > 8:
        raise ValidationError({"weeks": "Follow-ups are 1 to 52 weeks after the consultation, at most 8 of them."})
    return weeks


def _invite_at(due_on: date, window_days: int, now: datetime) -> datetime:
    day = due_on - timedelta(days=window_days + INVITE_LEAD_DAYS)
    moment = datetime.combine(day, time(INVITE_HOUR), tzinfo=timezone.get_current_timezone())
    return max(moment, now)


@transaction.atomic
def follow_ups_plan(
    *, record: ConsultationRecord, weeks: Iterable[int], by, now: datetime | None = None, request=None
) -> list[FollowUp]:
    """Set the follow-ups of a signed "suitable" record. Follow-ups not yet sent out are replaced;
    those already invited, checked in or booked stay as they are."""
    now = now or timezone.now()
    record = ConsultationRecord.objects.select_for_update().select_related("appointment").get(pk=record.pk)
    if not record.is_signed or record.outcome != Outcome.SUITABLE:
        raise RecordError("Follow-ups are planned from a signed record whose outcome is “suitable”.")
    start_day = _consultation_day(record)
    record.follow_ups.filter(status=FollowUp.Status.PLANNED, invite_claimed_at__isnull=True).delete()
    kept = set(record.follow_ups.values_list("weeks_after", flat=True))
    for week in weeks:
        if week in kept:
            continue
        due_on = start_day + timedelta(weeks=week)
        follow_up = FollowUp(
            record=record,
            patient_id=record.appointment.patient_id,
            weeks_after=week,
            due_on=due_on,
            window_days=FOLLOW_UP_WINDOW_DAYS,
            invite_at=_invite_at(due_on, FOLLOW_UP_WINDOW_DAYS, now),
        )
        follow_up.full_clean()
        follow_up.save()
    audit_record(user=by, action=AuditEvent.Action.CHANGE, obj=record, request=request)
    return list(record.follow_ups.order_by("due_on"))


def follow_up_url(follow_up: FollowUp) -> str:
    return settings.SITE_URL + reverse("consultations:follow_up_checkin", args=[follow_up.token])


def follow_up_invitation(follow_up: FollowUp) -> EmailMultiAlternatives:
    """Time, place and a link: nothing clinical (no outcome, medicine or dose). In the patient's
    language, which the worker sending it takes from the patient, never from a request."""
    with translation.override(email_language(follow_up.patient)):
        return _follow_up_invitation_in_active_language(follow_up)


def _follow_up_invitation_in_active_language(follow_up: FollowUp) -> EmailMultiAlternatives:
    pharmacy = selectors.pharmacy()
    start, end = follow_up.window
    # Translators: a Django date format (see the "date" template filter), e.g. "Tuesday, March 3".
    day_format = pgettext("email day", "l, F j")
    context = {
        "first_name": follow_up.patient.first_name,
        "window_start": dateformat.format(start, day_format),
        "window_end": dateformat.format(end, day_format),
        "pharmacy_name": pharmacy.name,
        "pharmacy_phone": phone_for_people(pharmacy.phone),  # the row just read, not a second query
        "url": follow_up_url(follow_up),
    }
    subject = " ".join(render_to_string("emails/follow-up-invitation-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("emails/follow-up-invitation-body.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[follow_up.patient.email],
    )
    message.attach_alternative(render_to_string("emails/follow-up-invitation-body.html", context), "text/html")
    return message


def follow_up_invitations_send_due(*, now: datetime | None = None) -> int:
    """Email every follow-up whose invitation is due, each once: a row is claimed by a conditional
    update before it is sent, and handed back for the next scan if the send fails."""
    now = now or timezone.now()
    sent = 0
    due = FollowUp.objects.filter(
        status=FollowUp.Status.PLANNED, invite_claimed_at__isnull=True, invite_at__lte=now
    ).values_list("id", flat=True)
    for follow_up_id in list(due):
        claimed = FollowUp.objects.filter(id=follow_up_id, invite_claimed_at__isnull=True).update(invite_claimed_at=now)
        if not claimed:
            continue
        follow_up = FollowUp.objects.select_related("patient").get(id=follow_up_id)
        try:
            follow_up_invitation(follow_up).send()
        except Exception as error:  # any backend fault: the next scan tries again
            FollowUp.objects.filter(id=follow_up_id).update(invite_claimed_at=None)
            logger.info("follow-up %s invitation failed, will retry: %s", follow_up_id, type(error).__name__)
            continue
        FollowUp.objects.filter(id=follow_up_id).update(status=FollowUp.Status.INVITED, invited_at=now)
        sent += 1
    return sent
