"""The intake for a consultation booked without one: reached from the manage link in the
confirmation and 24-hour reminder emails (``selectors.appointment_intake_url``).

The same form as the intake page (``patients.forms.IntakeSubmission``), screened the same way,
then attached to the consultation by ``services.appointment_intake_submit``; afterwards the patient
sees the same summary of what was noticed as anyone who sends an intake.
"""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import dateformat, timezone
from django.utils.translation import gettext, pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from patients.forms import ADD_ROW, IntakeSubmission
from patients.session import intake_remember
from welltopia.honeypot import honeypot_checked
from welltopia.ratelimit import rate_limit_refund, rate_limited

from . import selectors, services
from .intake_forms import intake_for_patient, is_the_booked_patient


def _when(appointment) -> str:
    # Translators: a Django date format (see the "date" template filter); \a\t is a literal "at".
    return dateformat.format(timezone.localtime(appointment.start), pgettext("day and time", r"l, F j \a\t g:i A"))


def _counts(request) -> bool:
    # Opening the page counts as a manage-link view (token guessing); so does sending the answers,
    # but not the "Add another medication" button.
    return request.method == "GET" or ADD_ROW not in request.POST


@sensitive_post_parameters()
@sensitive_variables()
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("manage", setting="RATE_LIMIT_MANAGE", when=_counts)
@honeypot_checked
def appointment_intake(request, token):
    appointment = selectors.appointment_by_token(token)
    if appointment is None:
        raise Http404
    if not selectors.appointment_needs_intake(appointment):
        messages.info(
            request,
            gettext("Thank you: we have your answers for this consultation.")
            if appointment.intake_id
            else gettext("This consultation is no longer booked, so no questions are needed for it."),
        )
        return redirect("consultations:manage", token=token)
    phone = selectors.pharmacy_phone()
    if request.method == "POST":
        submission = IntakeSubmission(request.POST, pharmacy_phone=phone)
        if submission.is_valid() and is_the_booked_patient(
            submission,
            appointment.patient,
            how_to_change=(
                gettext("To change it, please call the pharmacy on %(phone)s.") % {"phone": phone}
                if phone
                else gettext("To change it, please call the pharmacy.")
            ),
        ):
            try:
                attached = services.appointment_intake_submit(appointment=appointment, **submission.service_kwargs())
            except services.BookingError as refusal:
                messages.error(request, refusal.message)
                return redirect("consultations:manage", token=token)
            intake_remember(request, attached.intake)
            return redirect("patients:intake_summary")
        if submission.is_bound:
            rate_limit_refund(request)
    else:
        submission = intake_for_patient(appointment.patient, pharmacy_phone=phone)
        messages.info(
            request,
            gettext(
                "Your consultation on %(when)s is booked. Please answer these questions before it: "
                "the pharmacist reads them first."
            )
            % {"when": _when(appointment)},
        )
    return render(
        request,
        "consultations/appointment_intake.html",
        {
            "submission": submission,
            "appointment": appointment,
            "form_action": request.path,
            "submit_label": gettext("Send my answers"),
        },
    )
