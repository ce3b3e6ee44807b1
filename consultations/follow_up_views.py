"""The patient's side of a follow-up: the invitation's link, a check-in, then booking as usual.

The link (``/follow-up/<token>/``) shows nothing clinical: the patient first gives their date of
birth, so a forwarded email opens nothing; then the follow-up is kept in the session and the
check-in page (no token in its address) shows the last medication list. The answers become a new
intake, screened as any other (``checkin.checkin_submit``), and the patient goes on to the usual
summary and booking pages.
"""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from patients.session import intake_remember
from welltopia.ratelimit import rate_limited

from . import checkin

SESSION_KEY = "follow_up_checkin"
LINK_PAGE_REFERRER_POLICY = "strict-origin"


class BirthDateForm(forms.Form):
    date_of_birth = forms.DateField(
        label="Your date of birth",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter your date of birth.", "invalid": "Enter your date of birth, for example 04/12/1980."},
    )


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
    form = BirthDateForm(request.POST or None)
    if form.is_valid():
        if form.cleaned_data["date_of_birth"] == follow_up.patient.date_of_birth:
            request.session.cycle_key()
            request.session[SESSION_KEY] = follow_up.pk
            return redirect("consultations:follow_up_answers")
        form.add_error("date_of_birth", "That date of birth does not match our records. Please check it, or call the pharmacy.")
    start, end = follow_up.window
    response = render(
        request,
        "consultations/follow_up_start.html",
        {"form": form, "first_name": follow_up.patient.first_name, "window_start": start, "window_end": end},
    )
    response["Referrer-Policy"] = LINK_PAGE_REFERRER_POLICY
    return response


@sensitive_post_parameters()
@sensitive_variables()
@never_cache
@require_http_methods(["GET", "POST"])
def follow_up_answers(request):
    follow_up = checkin.FollowUp.objects.select_related("patient").filter(pk=request.session.get(SESSION_KEY)).first()
    if follow_up is None:
        messages.info(request, "Please open the link in your follow-up email again.")
        return redirect("home")
    if follow_up.status not in checkin.OPEN_STATUSES:
        return _closed(request, follow_up)
    previous = checkin.last_intake(follow_up.patient)
    rows = checkin.medication_rows(previous)
    form = checkin.CheckinForm(request.POST or None, previous=rows)
    if form.is_valid():
        intake = checkin.checkin_submit(
            follow_up=follow_up, previous=previous, answers=form.cleaned_data, medications=form.medications()
        )
        del request.session[SESSION_KEY]
        intake_remember(request, intake)
        return redirect("patients:intake_summary")
    start, end = follow_up.window
    return render(
        request,
        "consultations/follow_up_answers.html",
        {
            "form": form,
            "rows": [(entry, form[choice], form[dose], form[frequency]) for entry, (choice, dose, frequency) in zip(rows, form.rows, strict=True)],
            "new_rows": [tuple(form[name] for name in names) for names in form.new_rows],
            "first_name": follow_up.patient.first_name,
            "window_start": start,
            "window_end": end,
        },
    )
