"""A honeypot on the public forms: a text box people never see, which form-filling robots fill.

The box is in ``templates/includes/honeypot.html`` (include it inside a ``<form>``): hidden by the
``hp-field`` class in site.css (no inline style, so a strict Content-Security-Policy holds), out
of the tab order, and skipped by screen readers. A POST with anything in it is refused with a
plain message before the view runs, so nothing is saved; nothing it carried is logged.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.shortcuts import render

FIELD_NAME = "homepage"

logger = logging.getLogger(__name__)


def honeypot_filled(request) -> bool:
    return request.method == "POST" and bool(request.POST.get(FIELD_NAME, "").strip())


def honeypot_checked(view):
    """Refuse, quietly and before the view runs, a POST whose honeypot box has anything in it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if honeypot_filled(request):
            logger.info("form refused: honeypot filled on %s", request.resolver_match.view_name
                        if request.resolver_match else "a form")
            return render(request, "form_refused.html", status=400)
        return view(request, *args, **kwargs)

    return wrapper
