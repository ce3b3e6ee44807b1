"""The patient's intake pages. Thin: validate, call one service, redirect or re-render.

The answers are health data: POST values are hidden from error reports, pages are never cached,
and only the intake's random reference goes into the session, never into a URL.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from welltopia.honeypot import honeypot_checked
from welltopia.ratelimit import rate_limit_refund, rate_limited, wait_words

from .continuation import (
    CONTINUE_DAYS,
    CONTINUE_LINK_HOURS,
    continue_link_check,
    continue_link_request,
    continue_link_use,
)
from .forms import ADD_ROW, SWITCH_LANGUAGE, ContinueLinkForm, IntakeSubmission
from .selectors import flags_shown_to_patient, opioid_treatment_noticed, outcome_for_patient, pharmacy_phone
from .services import intake_submit, patient_language_set
from .session import intake_from_session, intake_remember


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


@sensitive_variables()
def intake_language_switched(request):
    """The language switch pressed on the intake page: the same page in the language chosen, with
    every answer typed so far (the header's buttons post the intake form here). Nothing is saved;
    the choice is remembered in the same cookie Django's set_language writes."""
    language = request.POST[SWITCH_LANGUAGE]
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    response = render(
        request,
        "patients/intake_form.html",
        {"submission": IntakeSubmission.kept(request.POST, pharmacy_phone=pharmacy_phone())},
    )
    add_never_cache_headers(response)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
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
    when=lambda request: ADD_ROW not in request.POST and SWITCH_LANGUAGE not in request.POST,
    refused=intake_rate_limited,
)
@honeypot_checked
def intake_start(request):
    if request.method == "POST" and SWITCH_LANGUAGE in request.POST:
        return intake_language_switched(request)
    # The phone is read only when the page is drawn or an answer is refused: a submission that
    # goes through never shows it.
    submission = IntakeSubmission(
        request.POST if request.method == "POST" else None, pharmacy_phone=SimpleLazyObject(pharmacy_phone)
    )
    if submission.is_valid():
        intake = intake_submit(**submission.service_kwargs(), language=translation.get_language())
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
            "flags": flags_shown_to_patient(intake=intake),
            "outcome": outcome_for_patient(intake=intake),
            "opioid_treatment": opioid_treatment_noticed(intake=intake),
            "booking_url": reverse(settings.INTAKE_NEXT_URL_NAME),
        },
    )


# --- Picking up a saved intake from a link by email (continuation.py) ----------------------------
# The link's page carries the token in its path: the browser sends only our origin as Referer
# from it (the page's own CSS and scripts, the form's POST), never the path.
LINK_PAGE_REFERRER_POLICY = "strict-origin"


def _continue_page(request, *, status: int = 200, **context):
    response = render(
        request,
        "patients/intake_continue.html",
        {
            "form": ContinueLinkForm(),
            "days": CONTINUE_DAYS,
            "hours": CONTINUE_LINK_HOURS,
            **context,
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


def continue_link_rate_limited(request, *, retry_after: int):
    """The request page again, with the address as typed, saying how long to wait."""
    kept = ContinueLinkForm(initial={"email": request.POST.get("email", "")})
    response = _continue_page(request, status=429, form=kept, refusal="rate_limited", wait=wait_words(retry_after))
    response["Retry-After"] = str(retry_after)
    return response


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "POST"])
@rate_limited("intake_link", setting="RATE_LIMIT_INTAKE_LINK", methods=("POST",), refused=continue_link_rate_limited)
@honeypot_checked
def intake_continue(request):
    form = ContinueLinkForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        continue_link_request(email=form.cleaned_data["email"])
        # The same page whether or not we have answers from this address.
        return render(
            request,
            "patients/intake_continue_sent.html",
            {"email": form.cleaned_data["email"], "days": CONTINUE_DAYS, "hours": CONTINUE_LINK_HOURS},
        )
    if form.is_bound:
        rate_limit_refund(request)  # a mistyped address sent nothing
    return _continue_page(request, form=form)


@sensitive_variables("token")
@never_cache
@require_http_methods(["GET", "POST"])
def intake_continue_open(request, token: str):
    """GET shows a button, POST spends the link: a mail scanner's GET must not use it up."""
    if request.method == "POST":
        link = continue_link_use(token=token)
        if link.intake is not None:
            intake_remember(request, link.intake)
            # Picked up in this language: the emails about the booking that follows use it too.
            patient_language_set(patient=link.intake.patient, language=translation.get_language())
            return redirect("patients:intake_summary")
    else:
        link = continue_link_check(token=token)
    if link.intake is None:
        response = _continue_page(
            request,
            status=410,
            link_problem=link.problem,
            resumed=intake_from_session(request, with_answers=False) is not None,
            booking_url=reverse(settings.INTAKE_NEXT_URL_NAME),
        )
    else:
        response = render(request, "patients/intake_continue_open.html", {"first_name": link.intake.patient.first_name})
    response["Referrer-Policy"] = LINK_PAGE_REFERRER_POLICY
    return response
