"""Book for a caller: the front desk or a pharmacist books a consultation for a patient on the phone.

Find the patient (name, phone, email or date of birth) or enter their contact details; choose the
consultation, how and with whom; pick a time from the same free times patients see online (plus
the ones inside the minimum notice, which need a written reason); confirm. The booking goes
through ``consultations.services.appointment_book_for_caller``, so the same guard against double
booking decides when a patient online takes the time first. The patient is emailed the usual
confirmation, with a link to fill in the intake when there is none yet.

A pharmacist may instead enter the intake with the patient on the phone (``enter_intake_view``).
Nothing clinical is shown on these pages: the front desk reads only contact details and times.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from consultations import availability, selectors, services
from consultations.forms import FIRST_AVAILABLE, ConsultationChoiceForm, StartForm, iso_start
from consultations.intake_forms import intake_for_patient, is_the_booked_patient
from consultations.models import Appointment
from patients.audit import audit_record
from patients.forms import IntakeSubmission, PatientForm, one_line
from patients.models import AuditEvent, Patient
from patients.retention import REMOVED_BIRTH_DATE, REMOVED_NAME
from patients.staff_entry import patient_register

from .. import formatting as fmt
from .base import phone_digits, sees_clinical

BOOK = "consultations.add_appointment"
ADD_PATIENT = "patients.add_patient"
MAX_RESULTS = 25
DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m.%d.%Y")


# --- Finding the caller -------------------------------------------------------------------------
def typed_date(term: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(term, pattern).date()
        except ValueError:
            continue
    return None


def patients_matching(term: str) -> QuerySet[Patient]:
    """Patients whose name, phone, email or date of birth matches what the caller said.

    A date (2026-04-12 or 04/12/1980) finds by birth date, seven digits or more by phone (typed
    any way: we store E.164), an "@" by email, anything else by every word in the first or last
    name. Records anonymised by the retention purge are never offered.
    """
    term = one_line(term)
    if not term:
        return Patient.objects.none()
    if (born := typed_date(term)) is not None:
        found = Q(date_of_birth=born)
    elif digits := phone_digits(term):
        found = Q(phone__contains=digits)
    elif "@" in term:
        found = Q(email__icontains=term)
    else:
        found = Q()
        for word in term.split():
            found &= Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word)
    return (
        Patient.objects.filter(found)
        .exclude(first_name=REMOVED_NAME, date_of_birth=REMOVED_BIRTH_DATE)
        .order_by("last_name", "first_name", "id")
    )


class FindForm(forms.Form):
    q = forms.CharField(
        label="Name, phone, email or date of birth",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autofocus": True, "size": 40}),
    )


class CallerContactForm(PatientForm):
    """The patient form's fields and checks, for a caller staff enter. Staff may book someone
    under 18 (online booking sends them to call the pharmacy), so that check alone is left out.
    Staff also ask which language the caller reads: their emails are written in it."""

    class Meta(PatientForm.Meta):
        fields = [*PatientForm.Meta.fields, "language"]
        labels = {**PatientForm.Meta.labels, "language": "Language for emails"}
        help_texts = {**PatientForm.Meta.help_texts, "language": "Confirmations and reminders are written in it."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].required = False  # English unless staff choose another

    def clean_language(self):
        return self.cleaned_data.get("language") or "en"

    def clean_date_of_birth(self):
        try:
            return super().clean_date_of_birth()
        except forms.ValidationError as error:
            if error.code == "under_age":
                return self.cleaned_data["date_of_birth"]
            raise


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why at such short notice?",
        required=False,
        max_length=Appointment._meta.get_field("booking_note").max_length,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Needed for a time inside the consultation's minimum notice. Staff read it; the patient does not.",
    )


# --- The views ------------------------------------------------------------------------------------
class CallerBooking:
    """The steps of booking for a caller, as admin views of the schedule (``AppointmentAdmin``)."""

    def __init__(self, model_admin):
        self.model_admin = model_admin
        self.admin_site = model_admin.admin_site

    def urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("book/", wrap(self.find_view), name="consultations_appointment_book"),
            path("book/new-patient/", wrap(self.new_patient_view), name="consultations_appointment_book_patient"),
            path("book/<int:patient_id>/", wrap(self.choose_view), name="consultations_appointment_book_choose"),
            path("book/<int:patient_id>/time/", wrap(self.time_view), name="consultations_appointment_book_time"),
            path(
                "book/<int:patient_id>/review/",
                wrap(sensitive_post_parameters()(self.review_view)),
                name="consultations_appointment_book_review",
            ),
            path(
                "<int:pk>/intake/",
                wrap(sensitive_post_parameters()(self.enter_intake_view)),
                name="consultations_appointment_enter_intake",
            ),
        ]

    # --- helpers ---------------------------------------------------------------------------------
    def _require(self, request, *permissions):
        if not all(request.user.has_perm(permission) for permission in permissions):
            raise PermissionDenied

    def _render(self, request, template, title, **context):
        return TemplateResponse(
            request,
            f"admin/consultations/book/{template}.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model_admin.opts,
                "title": title,
                "may_add_patient": request.user.has_perm(ADD_PATIENT),
                "patient_phone": fmt.phone(context["patient"].phone) if "patient" in context else "",
                **context,
            },
        )

    def _patient(self, request, patient_id) -> Patient:
        self._require(request, BOOK)
        return get_object_or_404(
            Patient.objects.exclude(first_name=REMOVED_NAME, date_of_birth=REMOVED_BIRTH_DATE), pk=patient_id
        )

    @staticmethod
    def _url(name, patient, **params):
        url = reverse(f"admin:consultations_appointment_book_{name}", args=[patient.pk])
        return f"{url}?{urlencode(params)}" if params else url

    def _choice_or_back(self, data, patient):
        choice = ConsultationChoiceForm(data)
        if choice.is_valid():
            return choice, None
        picked = {key: data[key] for key in ("type", "mode", "pharmacist") if data.get(key)}
        return None, redirect(self._url("choose", patient, **picked))

    # --- 1. who is calling -------------------------------------------------------------------------
    def find_view(self, request):
        self._require(request, BOOK)
        form = FindForm(request.GET or None)
        results = None
        if form.is_valid() and form.cleaned_data["q"].strip():
            found = list(patients_matching(form.cleaned_data["q"])[: MAX_RESULTS + 1])
            now = timezone.now()
            results = [
                {
                    "patient": patient,
                    "born": fmt.day(patient.date_of_birth),
                    "phone": fmt.phone(patient.phone),
                    "upcoming": selectors.appointments_upcoming(now=now).filter(patient=patient).count(),
                    "url": self._url("choose", patient),
                }
                for patient in found[:MAX_RESULTS]
            ]
            more = len(found) > MAX_RESULTS
        else:
            more = False
        return self._render(
            request, "find", "Book for a caller", form=form, results=results, more=more, max_results=MAX_RESULTS
        )

    def new_patient_view(self, request):
        self._require(request, BOOK, ADD_PATIENT)
        form = CallerContactForm(request.POST or None, prefix="patient", pharmacy_phone=selectors.pharmacy_phone())
        if request.method == "POST" and form.is_valid():
            patient = patient_register(patient_data=form.cleaned_data, by=request.user, request=request)
            self.model_admin.message_user(request, f"{patient.full_name}: contact details saved.", messages.SUCCESS)
            return redirect(self._url("choose", patient))
        return self._render(request, "new_patient", "New patient", form=form)

    # --- 2. what, how and with whom ----------------------------------------------------------------
    def choose_view(self, request, patient_id):
        patient = self._patient(request, patient_id)
        if request.GET:
            form = ConsultationChoiceForm(request.GET)
            if form.is_valid():
                return redirect(self._url("time", patient, **form.querystring_values()))
        else:
            form = ConsultationChoiceForm(initial={"pharmacist": FIRST_AVAILABLE})
        return self._render(request, "choose", "Book for a caller: the consultation", patient=patient, form=form)

    # --- 3. when -------------------------------------------------------------------------------------
    def time_view(self, request, patient_id):
        patient = self._patient(request, patient_id)
        choice, back = self._choice_or_back(request.GET, patient)
        if back:
            return back
        kind = choice.cleaned_data["type"]
        now = timezone.now()
        days = selectors.booking_days(
            consultation_type=kind,
            pharmacist=choice.cleaned_data["pharmacist"],
            now=now,
            min_notice=selectors.STAFF_NOTICE,
        )
        open_days = [day for day, times in days.items() if times]
        wanted = typed_date(request.GET.get("day", ""))
        day = wanted if wanted in open_days else (open_days[0] if open_days else None)
        values = choice.querystring_values()
        times = [
            {
                "label": fmt.clock(free.start),
                "url": self._url("review", patient, **values, start=iso_start(free.start)),
                "short_notice": selectors.inside_notice(consultation_type=kind, start=free.start, now=now),
            }
            for free in (days.get(day, []) if day else [])
        ]
        return self._render(
            request,
            "time",
            "Book for a caller: the time",
            patient=patient,
            choice=choice.cleaned_data,
            values=values,
            days=[(d.isoformat(), f"{fmt.day(d)} ({len(days[d])} free)") for d in open_days],
            day=day and day.isoformat(),
            day_label=day and fmt.day(day),
            times=times,
            change_url=self._url("choose", patient, **values),
        )

    # --- 4. confirm ----------------------------------------------------------------------------------
    def review_view(self, request, patient_id):
        patient = self._patient(request, patient_id)
        data = request.POST if request.method == "POST" else request.GET
        choice, back = self._choice_or_back(data, patient)
        if back:
            return back
        start_form = StartForm(data)
        if not start_form.is_valid():
            return redirect(self._url("time", patient, **choice.querystring_values()))
        start = start_form.cleaned_data["start"]
        kind, values = choice.cleaned_data["type"], choice.querystring_values()
        now = timezone.now()
        intake = selectors.intake_for_caller_booking(patient=patient, now=now)
        reason_form = ReasonForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and reason_form.is_valid():
            try:
                appointment = services.appointment_book_for_caller(
                    patient=patient,
                    intake=intake,
                    consultation_type=kind,
                    mode=choice.cleaned_data["mode"],
                    start=start,
                    pharmacist=choice.cleaned_data["pharmacist"],
                    by=request.user,
                    reason=reason_form.cleaned_data["reason"],
                    now=now,
                )
            except services.SlotUnavailable:
                messages.warning(request, "Sorry, that time was just taken. Here are the times still free.")
                return redirect(self._url("time", patient, **values, day=availability.local_day(start).isoformat()))
            except services.ReasonRequired as refusal:
                reason_form.add_error("reason", refusal.message)
            except services.BookingError as refusal:
                reason_form.add_error(None, refusal.message)
            else:
                audit_record(user=request.user, action=AuditEvent.Action.ADD, obj=appointment, request=request)
                emailed = "The patient is emailed a confirmation"
                if appointment.intake_id is None:
                    emailed += " with a link to fill in the intake before the consultation"
                self.model_admin.message_user(
                    request, f"Booked for {patient.full_name}, {fmt.when(appointment.start)}. {emailed}.", messages.SUCCESS
                )
                return redirect("admin:consultations_appointment_change", appointment.pk)
        pharmacist = selectors.booking_pharmacist_at(
            consultation_type=kind,
            start=start,
            pharmacist=choice.cleaned_data["pharmacist"],
            now=now,
            min_notice=selectors.STAFF_NOTICE,
        )
        if pharmacist is None:
            messages.warning(request, "That time is no longer free. Here are the times still free.")
            return redirect(self._url("time", patient, **values, day=availability.local_day(start).isoformat()))
        return self._render(
            request,
            "review",
            "Book for a caller: confirm",
            patient=patient,
            choice=choice.cleaned_data,
            values={**values, "start": iso_start(start)},
            when=fmt.when(start),
            ends=fmt.clock(start + kind.duration),
            pharmacist=pharmacist,
            short_notice=selectors.inside_notice(consultation_type=kind, start=start, now=now),
            notice=kind.notice_display,
            intake_sent_at=intake and fmt.when(intake.submitted_at),
            form=reason_form,
            times_url=self._url("time", patient, **values, day=availability.local_day(start).isoformat()),
        )

    # --- A pharmacist enters the intake with the patient on the phone ----------------------------------
    def enter_intake_view(self, request, pk):
        appointment = get_object_or_404(Appointment.objects.select_related("patient"), pk=pk)
        if not (sees_clinical(request) and self.model_admin.has_change_permission(request, appointment)):
            raise PermissionDenied
        change_url = reverse("admin:consultations_appointment_change", args=[appointment.pk])
        if appointment.intake_id is not None or not appointment.is_active:
            self.model_admin.message_user(request, "This consultation needs no intake now.", messages.INFO)
            return redirect(change_url)
        phone = selectors.pharmacy_phone()
        if request.method == "POST":
            submission = IntakeSubmission(request.POST, pharmacy_phone=phone)
            if submission.is_valid() and is_the_booked_patient(
                submission, appointment.patient, how_to_change="Change it on the patient's page first."
            ):
                try:
                    services.appointment_intake_submit(
                        appointment=appointment, **submission.service_kwargs(), entered_by=request.user, request=request
                    )
                except services.BookingError as refusal:
                    self.model_admin.message_user(request, refusal.message, messages.ERROR)
                else:
                    self.model_admin.message_user(
                        request, "Intake entered and screened; it is in the review queue.", messages.SUCCESS
                    )
                return redirect(change_url)
        else:
            submission = intake_for_patient(appointment.patient, pharmacy_phone=phone)
        return self._render(
            request,
            "enter_intake",
            "Enter the intake with the patient",
            appointment=appointment,
            when=fmt.when(appointment.start),
            submission=submission,
            change_url=change_url,
        )

