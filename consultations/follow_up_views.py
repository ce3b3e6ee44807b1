"""The patient's side of a follow-up, and a returning patient booking again: a check-in from the
last medication list, then booking as usual.

The link (``/follow-up/<token>/``) shows nothing clinical: the patient first gives their date of
birth, so a forwarded email opens nothing; then the follow-up is kept in the session and the
check-in page (no token in its address) shows the last medication list. The answers become a new
intake, screened as any other (``checkin.checkin_submit``), and the patient goes on to the usual
summary and booking pages.

A returning patient comes the same way from a past consultation's manage page ("Book another
consultation", ``/appointments/<token>/book-again/``): date of birth, then the same check-in
without a follow-up. Someone who never sent an intake gets the usual intake form instead.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from patients.forms import DATE_INPUT_FORMATS
from patients.models import Patient
from patients.session import intake_remember
from welltopia.ratelimit import rate_limited

from . import checkin, selectors
from .models import FollowUp

SESSION_KEY = "follow_up_checkin"
RETURNING_KEY = "returning_patient"
LINK_PAGE_REFERRER_POLICY = "strict-origin"


class BirthDateForm(forms.Form):
    date_of_birth = forms.DateField(
        label=_("Your date of birth"),
        input_formats=DATE_INPUT_FORMATS,  # month first in every language, as the hint says
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={
            "required": _("Enter your date of birth."),
            "invalid": _("Enter your date of birth, for example 04/12/1980."),
        },
    )


def _date_of_birth_step(request, patient, remember, context):
    """What both emailed links ask first: the date of birth, before any medicine is shown. On a
    match the session gets a new key and ``remember`` marks it; then the check-in."""
    form = BirthDateForm(request.POST or None)
    if form.is_valid():
        if form.cleaned_data["date_of_birth"] == patient.date_of_birth:
            request.session.cycle_key()
            remember(request.session)
            return redirect("consultations:follow_up_answers")
        form.add_error(
            "date_of_birth",
            gettext("That date of birth does not match our records. Please check it, or call the pharmacy."),
        )
    response = render(
        request, "consultations/follow_up_start.html", {"form": form, "first_name": patient.first_name, **context}
    )
    response["Referrer-Policy"] = LINK_PAGE_REFERRER_POLICY
    return response


def _closed(request, follow_up):
    return render(request, "consultations/follow_up_closed.html", {"follow_up": follow_up})


@sensitive_post_parameters()
@sensitive_variables()
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def follow_up_checkin(request, token):
    follow_up = checkin.follow_up_by_token(token)
    if follow_up is None:
        raise Http404
    if follow_up.status not in checkin.OPEN_STATUSES:
        return _closed(request, follow_up)

    def remember(session):
        session[SESSION_KEY] = follow_up.pk

    start, end = follow_up.window
    return _date_of_birth_step(request, follow_up.patient, remember, {"window_start": start, "window_end": end})


@sensitive_post_parameters()
@sensitive_variables()
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("manage", setting="RATE_LIMIT_MANAGE")
def book_again(request, token):
    appointment = selectors.appointment_by_token(token)
    if appointment is None:
        raise Http404
    patient = appointment.patient
    if checkin.last_intake(patient) is None:
        return redirect("patients:intake_start")

    def remember(session):
        session[RETURNING_KEY] = patient.pk
        session.pop(SESSION_KEY, None)

    return _date_of_birth_step(request, patient, remember, {"returning": True})


@sensitive_post_parameters()
@sensitive_variables()
@never_cache
@require_http_methods(["GET", "POST"])
def follow_up_answers(request):
    follow_up = FollowUp.objects.select_related("patient").filter(pk=request.session.get(SESSION_KEY)).first()
    patient = follow_up.patient if follow_up is not None else None
    if follow_up is None:
        patient = Patient.objects.filter(pk=request.session.get(RETURNING_KEY)).first()
    if patient is None:
        messages.info(request, gettext("Please open the link in your email again."))
        return redirect("home")
    if follow_up is not None and follow_up.status not in checkin.OPEN_STATUSES:
        return _closed(request, follow_up)
    previous = checkin.last_intake(patient)
    rows = checkin.medication_rows(previous)
    form = checkin.CheckinForm(request.POST or None, previous=rows)
    if form.is_valid():
        intake = checkin.checkin_submit(
            patient=patient, follow_up=follow_up, previous=previous, answers=form.cleaned_data,
            medications=form.medications(),
        )
        request.session.pop(SESSION_KEY, None)
        request.session.pop(RETURNING_KEY, None)
        intake_remember(request, intake)
        return redirect("patients:intake_summary")
    window = follow_up.window if follow_up is not None else (None, None)
    return render(
        request,
        "consultations/follow_up_answers.html",
        {
            "form": form,
            "rows": [(entry, form[choice], form[dose], form[frequency]) for entry, (choice, dose, frequency) in zip(rows, form.rows, strict=True)],
            "new_rows": [tuple(form[name] for name in names) for names in form.new_rows],
            "first_name": patient.first_name,
            "window_start": window[0],
            "window_end": window[1],
        },
    )
