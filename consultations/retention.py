"""The data lifecycle: past RETENTION_DAYS, a patient's personal and clinical data goes.

A patient is past retention when nothing has happened for them since the cut-off: no intake
submitted and no consultation ending after it. Then

- intakes without a consultation are deleted (their medications and flags with them);
- intakes with a consultation keep their row (the consultation points at it) with every answer
  blanked and their medications and flags deleted;
- the patient is deleted when no consultation refers to them, otherwise anonymised (name
  "Removed", email and phone blank, date of birth set to a sentinel).

- the pharmacist's records of their consultations keep their outcome and signature, with the
  note, the recommendation, the prescriber and every amendment's content blanked; follow-ups not
  yet sent out are cancelled.

Consultations stay untouched, so counts by date, type, mode, status and pharmacist still add up.
Nothing here prints or logs a name or an answer: only counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from patients.models import Intake, MedicationEntry, Patient, ScreeningFlag
from patients.retention import REMOVED_NAME, intakes_strip, patients_anonymise

from .models import Appointment, ConsultationRecord, ConsultationRecordAmendment, FollowUp


@dataclass(frozen=True)
class PurgeCounts:
    patients_deleted: int = 0
    patients_anonymised: int = 0
    intakes_deleted: int = 0
    intakes_stripped: int = 0
    medications_deleted: int = 0
    flags_deleted: int = 0
    appointments_kept: int = 0


def retention_cutoff(*, now: datetime | None = None, days: int | None = None) -> datetime:
    now = now or timezone.now()
    return now - timedelta(days=settings.RETENTION_DAYS if days is None else days)


def patients_past_retention(*, cutoff: datetime):
    """Patients not yet anonymised with no intake and no consultation end after ``cutoff``."""
    recent_intake = Intake.objects.filter(patient=OuterRef("pk"), submitted_at__gt=cutoff)
    recent_appointment = Appointment.objects.filter(patient=OuterRef("pk"), end__gt=cutoff)
    return (
        Patient.objects.filter(created_at__lte=cutoff)
        .exclude(first_name=REMOVED_NAME, email="")
        .exclude(Exists(recent_intake))
        .exclude(Exists(recent_appointment))
    )


def records_purge_expired(*, now: datetime | None = None, dry_run: bool = False) -> PurgeCounts:
    """Purge or anonymise every patient past retention. With ``dry_run`` nothing changes."""
    cutoff = retention_cutoff(now=now)
    with transaction.atomic():
        patient_ids = list(patients_past_retention(cutoff=cutoff).select_for_update().values_list("id", flat=True))
        has_appointment = Exists(Appointment.objects.filter(intake=OuterRef("pk")))
        intakes = Intake.objects.filter(patient_id__in=patient_ids)
        kept_intakes = intakes.filter(has_appointment)
        lone_intakes = intakes.exclude(has_appointment)
        with_appointments = set(
            Appointment.objects.filter(patient_id__in=patient_ids).values_list("patient_id", flat=True)
        )
        counts = PurgeCounts(
            patients_deleted=len(set(patient_ids) - with_appointments),
            patients_anonymised=len(with_appointments),
            intakes_deleted=lone_intakes.count(),
            intakes_stripped=kept_intakes.count(),
            medications_deleted=MedicationEntry.objects.filter(intake__patient_id__in=patient_ids).count(),
            flags_deleted=ScreeningFlag.objects.filter(intake__patient_id__in=patient_ids).count(),
            appointments_kept=Appointment.objects.filter(patient_id__in=patient_ids).count(),
        )
        if dry_run:
            return counts
        intakes_strip(intakes=kept_intakes)
        _records_strip(patient_ids)
        lone_intakes.delete()
        Patient.objects.filter(id__in=set(patient_ids) - with_appointments).delete()
        patients_anonymise(patient_ids=with_appointments)
    return counts


def _records_strip(patient_ids: list[int]) -> None:
    records = ConsultationRecord.objects.filter(appointment__patient_id__in=patient_ids)
    blank = dict.fromkeys(
        (
            "not_suitable_reason", "patient_reported", "medicines_reviewed", "advice", "plan", "recommendation",
            "titration", "prescriber_name", "prescriber_clinic",
        ),
        "",
    )
    records.update(**blank, flag_resolutions={}, review_after=None)
    ConsultationRecordAmendment.objects.filter(record__in=records).update(reason="", before={}, after={})
    FollowUp.objects.filter(patient_id__in=patient_ids, status=FollowUp.Status.PLANNED).update(
        status=FollowUp.Status.CANCELLED
    )
