"""The patient's side of a follow-up: the check-in from the invitation's link, then booking."""

from django.http import Http404


def follow_up_checkin(request, token):
    raise Http404
