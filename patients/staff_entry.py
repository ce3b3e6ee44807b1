"""What staff enter for a patient who calls: their contact details, and (a pharmacist, with the
patient on the line) their intake.

The same services as the patient's own pages, so the same validation and the same screening; the
audit trail records the staff user who entered it (action "Added" by a staff login: a patient's
own intake is never audited as added by anyone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.views.decorators.debug import sensitive_variables

from .audit import audit_record
from .models import AuditEvent, Intake, Patient
from .services import intake_submit, patient_find_or_create


@sensitive_variables()
def patient_register(*, patient_data: Mapping, by, request=None) -> Patient:
    """The patient with this email and date of birth (their other details updated), or a new one."""
    with transaction.atomic():
        patient = patient_find_or_create(patient_data=patient_data)
        audit_record(user=by, action=AuditEvent.Action.ADD, obj=patient, request=request)
        return patient


@sensitive_variables()
def intake_enter_for_patient(
    *,
    patient_data: Mapping,
    intake_data: Mapping,
    medications: Sequence[Mapping],
    by,
    request=None,
) -> Intake:
    """An intake a pharmacist fills in with the patient on the phone: stored and screened exactly
    as the patient's own (``intake_submit``), and recorded as added by ``by``."""
    with transaction.atomic():
        intake = intake_submit(patient_data=patient_data, intake_data=intake_data, medications=medications)
        audit_record(user=by, action=AuditEvent.Action.ADD, obj=intake, request=request)
        return intake
