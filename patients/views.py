"""The patient's intake pages. Thin: validate, call one service, redirect or re-render.

The answers are health data: POST values are hidden from error reports, pages are never cached,
and only the intake's random reference goes into the session, never into a URL.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from welltopia.honeypot import honeypot_checked
from welltopia.ratelimit import rate_limit_refund, rate_limited, wait_words

from .forms import ADD_ROW, IntakeSubmission
from .selectors import flags_for_patient, outcome_for_patient
from .services import intake_submit
from .session import intake_from_session, intake_remember


def pharmacy_phone() -> str:
    """The pharmacy's phone, for under-18s: from the function the project names in
    ``settings.PHARMACY_PHONE_FUNCTION`` (``patients`` knows nothing of where it is kept)."""
    return import_string(settings.PHARMACY_PHONE_FUNCTION)()


@sensitive_variables()
def intake_refused(request, *, refusal: str, status: int, **context):
    """The intake page again with everything posted, above it why nothing was saved.

    For refusals the patient did nothing wrong in (the rate limit, an expired CSRF cookie): the
    answers stay on this page, only in the page itself, never in a log line or a URL.
    """
    response = render(
        request,
        "patients/intake_form.html",
        {
            "submission": IntakeSubmission.kept(request.POST, pharmacy_phone=pharmacy_phone()),
            "refusal": refusal,
            **context,
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


def intake_rate_limited(request, *, retry_after: int):
    response = intake_refused(request, refusal="rate_limited", status=429, wait=wait_words(retry_after))
    response["Retry-After"] = str(retry_after)
    return response


@sensitive_post_parameters()
@sensitive_variables()
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited(
    "intake",
    setting="RATE_LIMIT_INTAKE",
    methods=("POST",),
    when=lambda request: ADD_ROW not in request.POST,
    refused=intake_rate_limited,
)
@honeypot_checked
def intake_start(request):
    submission = IntakeSubmission(request.POST if request.method == "POST" else None, pharmacy_phone=pharmacy_phone())
    if submission.is_valid():
        intake = intake_submit(**submission.service_kwargs())
        intake_remember(request, intake)
        return redirect("patients:intake_summary")
    if submission.is_bound:
        # Answers sent back to be corrected saved nothing: they do not count toward the limit.
        rate_limit_refund(request)
    return render(request, "patients/intake_form.html", {"submission": submission})


@never_cache
@require_http_methods(["GET"])
def intake_summary(request):
    intake = intake_from_session(request)
    if intake is None:
        return redirect("patients:intake_start")
    return render(
        request,
        "patients/intake_summary.html",
        {
            "intake": intake,
            # Only what this intake's answers raised: what an earlier intake said is for staff.
            "flags": flags_for_patient(intake=intake),
            "outcome": outcome_for_patient(intake=intake),
            "booking_url": reverse(settings.INTAKE_NEXT_URL_NAME),
        },
    )
