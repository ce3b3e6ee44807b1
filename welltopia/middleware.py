"""Middleware for staff pages: idle sessions end, and admin pages are never cached."""

import time

from django.conf import settings
from django.contrib.auth import logout
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


class AdminNoStoreMiddleware:
    """Every admin response (clinical pages included) carries Cache-Control: no-store."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/" + settings.ADMIN_URL.lstrip("/")):
            add_never_cache_headers(response)
        return response
