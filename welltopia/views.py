import logging

from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from patients.services import patient_language_set
from patients.session import intake_from_session
from patients.views import intake_refused

from .health import broker_status, cache_status, database_status

logger = logging.getLogger(__name__)


def privacy(request):
    """The privacy notice the intake's consent points to: what is kept, who sees it, for how long."""
    days = settings.RETENTION_DAYS
    years = round(days / 365.25)
    return render(
        request,
        "privacy.html",
        {
            "retention": (
                ngettext("%(count)d year", "%(count)d years", years) % {"count": years}
                if years >= 2
                else ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
            ),
            "contact_email": settings.PRIVACY_CONTACT_EMAIL,
        },
    )


@requires_csrf_token
def server_error(request):
    """The 500 page, with the pharmacy's phone when the database still answers (the page asks the
    patient to call); without it when the database is what failed. Never raises."""
    try:
        phone = import_string(settings.PHARMACY_PHONE_FUNCTION)()
    except Exception:  # noqa: BLE001 — the error page must render whatever broke
        logger.warning("500 page without the pharmacy's phone: it could not be read")
        phone = ""
    # The language switch needs a CSRF token (there is no request context); it returns to the
    # Referer, so nothing of the failed request is written into the page.
    context = {"pharmacy_phone": phone, "csrf_token": get_token(request)}
    return HttpResponseServerError(loader.get_template("500.html").render(context))


@require_POST
def set_language(request):
    """The language switch on every patient page: Django's own view (the cookie, back to the same
    page), and when this browser has just sent an intake, the choice is stored with the patient
    too, so the emails that follow are written in it."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if response.cookies.get(settings.LANGUAGE_COOKIE_NAME) is not None:
        intake = intake_from_session(request, with_answers=False)
        if intake is not None:
            patient_language_set(patient=intake.patient, language=language)
    return response


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; the icon is one SVG in static/."""
    return redirect(static("favicon.svg"), permanent=True)


@never_cache
def healthz(request):
    status = {"database": database_status(), "broker": broker_status(), "cache": cache_status()}
    healthy = all(value == "ok" for value in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


def _same_origin(request) -> bool:
    """The POST came from one of our own pages (the browser's Origin header says so).

    Only then is what it carried shown again: a form posted from another site must not be able to
    fill in our page for the patient.
    """
    origin = request.headers.get("Origin", "")
    return bool(origin) and (
        origin == f"{request.scheme}://{request.get_host()}" or origin in settings.CSRF_TRUSTED_ORIGINS
    )


@sensitive_post_parameters()
@never_cache
def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a plain page instead of Django's (whose inline style the CSP blocks).

    Usually the cookie expired or was cleared while the page was open: on the intake, the page
    comes back with the answers (and a fresh token) so the patient only presses send again.
    """
    if request.method == "POST" and request.path == reverse("patients:intake_start") and _same_origin(request):
        return intake_refused(request, refusal="csrf", status=403)
    return render(request, "form_refused.html", status=403)
