"""The consultation record page, its amendments, the letter to the prescriber and follow-ups.

Mixed into the schedule's ``AppointmentAdmin``: ``…/appointment/<pk>/record/`` and
``…/record/letter.pdf``. Pharmacists only (``consultations.sign_consultationrecord``): anyone
else gets 403, and the front desk sees only the appointment's status, attended or no-show. Each
look, download and change is audited; the rules are in ``consultations.records``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path

from consultations import records, selectors
from consultations.letter import letter_filename, prescriber_letter_pdf
from consultations.models import Appointment, ConsultationRecord
from patients.audit import audit_record
from patients.models import AuditEvent

from .. import formatting as fmt
from ..roles import RECORD

Outcome = ConsultationRecord.Outcome
RESOLVE = "resolve_"


class RecordForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect, label="Outcome")
    not_suitable_reason = forms.CharField(
        label="Why not now (for “not suitable now”)", max_length=300, required=False,
        help_text="For example: opioid washout not finished.",
    )
    review_after = forms.DateField(
        label="Review again after (for “not suitable now”)", required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    patient_reported = forms.CharField(label="What the patient reported", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    medicines_reviewed = forms.CharField(label="Medicines reviewed", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    advice = forms.CharField(label="What was advised", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    plan = forms.CharField(label="Plan", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    recommendation = forms.CharField(
        label="Recommendation to the prescriber", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    titration = forms.CharField(label="Proposed titration", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    prescriber_name = forms.CharField(label="Prescriber", max_length=200, required=False)
    prescriber_clinic = forms.CharField(label="Prescriber's clinic", max_length=200, required=False)

    def __init__(self, *args, flags=(), amend=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.flag_fields = []
        for flag in flags:
            name = f"{RESOLVE}{flag.pk}"
            self.fields[name] = forms.CharField(
                label=f"How was this resolved? {flag.explanation}", required=False, max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.flag_fields.append(name)
        if amend:
            self.fields["reason"] = forms.CharField(
                label="Reason for the amendment", widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": "Say why the signed record is changed."},
            )

    def values(self) -> dict:
        data = {name: self.cleaned_data.get(name) for name in records.CONTENT_FIELDS if name in self.fields}
        data["flag_resolutions"] = {
            name[len(RESOLVE):]: self.cleaned_data.get(name) or "" for name in self.flag_fields
        }
        return data


def initial_for(record: ConsultationRecord | None, appointment: Appointment) -> dict:
    if record is None:
        intake = appointment.intake
        return {
            "titration": ConsultationRecord._meta.get_field("titration").default,
            # The prescriber the patient named on the intake, if any.
            "prescriber_name": intake.prescriber_name if intake else "",
            "prescriber_clinic": intake.prescriber_clinic if intake else "",
        }
    initial = {name: getattr(record, name) for name in records.CONTENT_FIELDS if name != "flag_resolutions"}
    initial.update({f"{RESOLVE}{k}": v for k, v in record.flag_resolutions.items()})
    return initial


def _attach(form: forms.Form, error: ValidationError) -> None:
    for field, messages_ in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages_)


class RecordViews:
    """The record page and the letter, for an admin of appointments."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/record/", wrap(self.record_view), name="consultations_appointment_record"),
            path("<int:pk>/record/letter.pdf", wrap(self.letter_view), name="consultations_appointment_letter"),
        ] + super().get_urls()

    def _appointment(self, request, pk) -> Appointment:
        if not request.user.has_perm(RECORD):
            raise PermissionDenied
        return get_object_or_404(
            Appointment.objects.select_related("patient", "pharmacist", "intake", "consultation_type"), pk=pk
        )

    def record_view(self, request, pk):
        appointment = self._appointment(request, pk)
        record = records.record_for(appointment)
        flags = list(appointment.intake.flags.filter(staff_only=False).order_by("id")) if appointment.intake else []
        signed = record is not None and record.is_signed
        action = request.POST.get("action", "") if request.method == "POST" else ""
        form = RecordForm(
            request.POST if action in ("save", "sign", "amend") else None,
            initial=initial_for(record, appointment), flags=flags, amend=signed,
        )
        weeks_text = request.POST.get("weeks", "2, 6, 12") if action == "follow_ups" else "2, 6, 12"
        weeks_error = ""
        if action:
            try:
                done = self._act(request, action, appointment, record, form, weeks_text)
            except records.RecordError as refused:
                self.message_user(request, refused.message, messages.WARNING)
                done = False
            except ValidationError as error:
                if action == "follow_ups":
                    weeks_error = " ".join(error.message_dict.get("weeks", error.messages))
                else:
                    _attach(form, error)
                done = False
            if done:
                return redirect("admin:consultations_appointment_record", appointment.pk)
            record = records.record_for(appointment)
        if record is not None:
            audit_record(user=request.user, action=AuditEvent.Action.VIEW, obj=record, request=request)
        amendments = list(record.amendments.all()) if record is not None else []
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": appointment,
            "title": f"Consultation record: {appointment.patient.full_name}",
            "appointment": appointment,
            "when": fmt.when(appointment.start),
            "born": fmt.day(appointment.patient.date_of_birth),
            "record": record,
            "form": form,
            "flags": flags,
            "content": _content(record) if signed else [],
            "original_content": _content_from(records.record_original(record)) if amendments else [],
            "amendments": [_amendment(a) for a in amendments],
            "signed_at": fmt.when(record.signed_at) if signed else "",
            "letter_refusal": records.letter_refusal(record),
            "consent_at": fmt.when(record.prescriber_consent_at) if record and record.prescriber_consent_at else "",
            "follow_ups": [(f, selectors.follow_up_state(f)) for f in record.follow_ups.all()] if record else [],
            "may_plan_follow_ups": signed and record.outcome == Outcome.SUITABLE,
            "weeks_text": weeks_text,
            "weeks_error": weeks_error,
        }
        return TemplateResponse(request, "admin/consultations/record.html", context)

    def _act(self, request, action, appointment, record, form, weeks_text) -> bool:
        user = request.user
        if action in ("save", "sign"):
            if not form.is_valid():
                return False
            record = records.record_save(appointment=appointment, by=user, values=form.values(), request=request)
            if action == "sign":
                records.record_sign(record=record, by=user, request=request)
                self.message_user(request, "Signed and locked. Later changes are amendments.", messages.SUCCESS)
            else:
                self.message_user(request, "Draft saved.", messages.SUCCESS)
            return True
        if record is None:
            raise records.RecordError("Write the record first.")
        if action == "amend":
            if not form.is_valid():
                return False
            records.record_amend(
                record=record, by=user, values=form.values(), reason=form.cleaned_data["reason"], request=request
            )
            self.message_user(request, "Amendment recorded; the signed original stays readable.", messages.SUCCESS)
            return True
        if action == "consent":
            if request.POST.get("consent") != "yes":
                raise records.RecordError("Tick the box once the patient has agreed.")
            records.record_prescriber_consent(record=record, by=user, request=request)
            self.message_user(request, "The patient's consent to contact their prescriber is recorded.", messages.SUCCESS)
            return True
        if action == "follow_ups":
            weeks = records.parse_weeks(weeks_text)
            planned = records.follow_ups_plan(record=record, weeks=weeks, by=user, request=request)
            count = len(planned)
            self.message_user(request, f"{count} follow-up{pluralize(count)} planned.", messages.SUCCESS)
            return True
        raise records.RecordError("Unknown action.")

    def letter_view(self, request, pk):
        appointment = self._appointment(request, pk)
        record = records.record_for(appointment)
        refusal = records.letter_refusal(record)
        if refusal:
            self.message_user(request, refusal, messages.WARNING)
            return redirect("admin:consultations_appointment_record", appointment.pk)
        pdf = prescriber_letter_pdf(record=record)
        audit_record(user=request.user, action=AuditEvent.Action.EXPORT, obj=record, request=request)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{letter_filename(record)}"'
        return response


def _content_from(snapshot: dict) -> list[tuple[str, str]]:
    rows = []
    for name in records.CONTENT_FIELDS:
        value = snapshot.get(name)
        if name == "flag_resolutions":
            value = "; ".join(v for v in (value or {}).values())
        elif name == "outcome" and value:
            value = Outcome(value).label
        if value:
            rows.append((str(ConsultationRecord._meta.get_field(name).verbose_name).capitalize(), str(value)))
    return rows


def _content(record: ConsultationRecord) -> list[tuple[str, str]]:
    return _content_from(records.record_snapshot(record))


def _amendment(amendment) -> dict:
    changed = [
        (str(ConsultationRecord._meta.get_field(name).verbose_name).capitalize(), amendment.before.get(name), amendment.after.get(name))
        for name in records.CONTENT_FIELDS
        if amendment.before.get(name) != amendment.after.get(name)
    ]
    return {"at": fmt.when(amendment.at), "by": amendment.by_name, "reason": amendment.reason, "changed": changed}
