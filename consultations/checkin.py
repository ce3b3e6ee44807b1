"""A check-in from the last medication list: for a follow-up, and for a returning patient.

A follow-up's invitation and a returning patient's "book again" link (from an earlier email's
manage page) both start here, so nobody types their medicines again from scratch.

No new full intake: the page shows the medicines the patient listed last time and asks, for each,
whether it is the same, changed (new dose or how often) or stopped, and which are new; it asks the
opioid and pregnancy questions again, since both can change in weeks. ``checkin_submit`` then
stores a complete intake through ``patients.services.intake_submit`` — the other answers carried
from the last intake — so it is screened exactly as a new intake would be (earlier intakes'
flags carried forward included), and the patient goes on to book as after any intake.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django import forms
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from patients.forms import IntakeForm
from patients.models import Intake, MedicationEntry
from patients.services import INTAKE_FIELDS, intake_submit

from .models import FollowUp

SAME, CHANGED, STOPPED = "same", "changed", "stopped"
NEW_ROWS = 3
OPEN_STATUSES = (FollowUp.Status.PLANNED, FollowUp.Status.INVITED)


def follow_up_by_token(token: str) -> FollowUp | None:
    return FollowUp.objects.select_related("patient").filter(token=token or "").first()


def last_intake(patient) -> Intake | None:
    """The patient's latest intake, with its medicines: where a returning patient starts from."""
    return patient.intakes.order_by("-submitted_at").prefetch_related("medications").first()


def medication_rows(intake: Intake | None) -> list[MedicationEntry]:
    return list(intake.medications.all()) if intake is not None else []


class CheckinForm(forms.Form):
    """One choice per medicine listed last time, rows for new ones, the two questions again."""

    pregnancy_status = IntakeForm.base_fields["pregnancy_status"]
    opioid_use = IntakeForm.base_fields["opioid_use"]
    opioid_stopped_what = IntakeForm.base_fields["opioid_stopped_what"]
    opioid_last_dose = IntakeForm.base_fields["opioid_last_dose"]
    still_agree = forms.BooleanField(
        label=_("My answers are true as far as I know, and what I agreed to with my first answers still applies."),
        error_messages={"required": _("Please confirm this to go on.")},
    )

    def __init__(self, *args, previous: Sequence[MedicationEntry] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.previous = list(previous)
        self.rows = []
        for index, entry in enumerate(self.previous):
            said = " ".join(p for p in (entry.text, entry.dose, entry.frequency) if p)
            self.fields[f"med_{index}"] = forms.ChoiceField(
                label=said,
                choices=[(SAME, _("Same as before")), (CHANGED, _("Changed")), (STOPPED, _("Stopped"))],
                widget=forms.RadioSelect, initial=SAME,
                error_messages={"required": gettext("Tell us whether you still take %(medicine)s.") % {"medicine": entry.text}},
            )
            self.fields[f"med_{index}_dose"] = forms.CharField(label=_("New dose"), max_length=100, required=False)
            self.fields[f"med_{index}_frequency"] = forms.CharField(label=_("New how often"), max_length=100, required=False)
            self.rows.append((f"med_{index}", f"med_{index}_dose", f"med_{index}_frequency"))
        self.new_rows = []
        for index in range(NEW_ROWS):
            names = (f"new_{index}_text", f"new_{index}_dose", f"new_{index}_frequency")
            self.fields[names[0]] = forms.CharField(label=_("New medication or supplement"), max_length=200, required=False)
            self.fields[names[1]] = forms.CharField(label=_("Dose"), max_length=100, required=False)
            self.fields[names[2]] = forms.CharField(label=_("How often"), max_length=100, required=False)
            self.new_rows.append(names)

    def clean(self):
        data = super().clean()
        IntakeForm._clean_opioid_follow_up(self, data)
        for choice, dose, frequency in self.rows:
            if data.get(choice) == CHANGED and not (data.get(dose) or "").strip() and not (data.get(frequency) or "").strip():
                self.add_error(dose, gettext("You said this changed: give the new dose or how often you take it."))
        for text, dose, frequency in self.new_rows:
            if not (data.get(text) or "").strip() and ((data.get(dose) or "").strip() or (data.get(frequency) or "").strip()):
                self.add_error(text, gettext("Give the name of the new medicine or supplement."))
        return data

    def medications(self) -> list[dict[str, str]]:
        """The list as it is now: what stays, with changes, then what is new."""
        data = self.cleaned_data
        now_taking = []
        for entry, (choice, dose, frequency) in zip(self.previous, self.rows, strict=True):
            if data[choice] == STOPPED:
                continue
            row = {"text": entry.text, "dose": entry.dose, "frequency": entry.frequency, "kind": entry.kind}
            if data[choice] == CHANGED:
                row["dose"] = (data.get(dose) or "").strip() or entry.dose
                row["frequency"] = (data.get(frequency) or "").strip() or entry.frequency
            now_taking.append(row)
        for text, dose, frequency in self.new_rows:
            if (data.get(text) or "").strip():
                now_taking.append({"text": data[text], "dose": data.get(dose) or "", "frequency": data.get(frequency) or ""})
        return now_taking


@sensitive_variables()
@transaction.atomic
def checkin_submit(
    *, patient, previous: Intake | None, answers: Mapping[str, Any], medications: Sequence[Mapping],
    follow_up: FollowUp | None = None, now: datetime | None = None,
) -> Intake:
    """Store the check-in as a full intake, screened as any new intake, and tie it to the follow-up
    when there is one (a returning patient booking again has none)."""
    now = now or timezone.now()
    if follow_up is not None:
        follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    carried = {name: getattr(previous, name) for name in INTAKE_FIELDS} if previous is not None else {}
    intake_data = {
        **carried,
        **{name: answers[name] for name in ("pregnancy_status", "opioid_use", "opioid_stopped_what", "opioid_last_dose")},
        "takes_no_medications": not medications,
        "consent_privacy": True,
        "consent_not_diagnosis": True,
        "consent_contact": True,
    }
    patient_data = {
        name: getattr(patient, name)
        for name in ("first_name", "last_name", "date_of_birth", "email", "phone", "preferred_contact")
    }
    intake = intake_submit(patient_data=patient_data, intake_data=intake_data, medications=medications, now=now)
    if follow_up is not None:
        follow_up.checkin_intake = intake
        follow_up.status = FollowUp.Status.CHECKED_IN
        follow_up.save(update_fields=["checkin_intake", "status"])
    return intake
