"""Middleware: staff sessions end when idle, admin pages are never cached, and every page tells
the browser which powerful features it never needs (Permissions-Policy)."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.utils import translation
from django.utils.cache import add_never_cache_headers

STAFF_LAST_SEEN_KEY = "_staff_last_seen"


class StaffIdleTimeoutMiddleware:
    """Log out a staff user who has been idle longer than STAFF_IDLE_MINUTES.

    Only staff sessions are touched: a patient's booking session keeps Django's own age.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff:
            now = time.time()
            last_seen = request.session.get(STAFF_LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.STAFF_IDLE_MINUTES * 60:
                logout(request)
            else:
                request.session[STAFF_LAST_SEEN_KEY] = now
        return self.get_response(request)


def is_staff_path(path: str) -> bool:
    """The staff screens: everything under ADMIN_URL (the admin, sign-in, back office)."""
    return path.startswith("/" + settings.ADMIN_URL.lstrip("/"))


class StaffInEnglishMiddleware:
    """Staff pages in English whatever language the browser or the patient's switch asked for.

    Staff work in English (the pharmacist reads the patient's own words, and the patient's language
    is shown beside them); a pharmacist who once tried the Spanish patient pages on the same browser
    must not find the admin in Spanish. Placed just after LocaleMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if is_staff_path(request.path_info):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


class AdminNoStoreMiddleware:
    """Every admin response (clinical pages included) carries Cache-Control: no-store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if is_staff_path(request.path_info):
            add_never_cache_headers(response)
        return response


# Features no page of ours uses. Denied for the page and anything it could embed, so a script
# slipped into a page could not ask a patient for their camera, microphone or location.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class PermissionsPolicyMiddleware:
    """Every response carries the Permissions-Policy header, unless a view set its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
