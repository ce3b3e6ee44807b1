"""The site's URLs plus one view that fails, to see what a patient gets from a server error."""

from django.urls import path

from welltopia.urls import handler500  # noqa: F401 — the site's 500 handler, as in production
from welltopia.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("a deliberate failure for the 500 page test")


urlpatterns = [*site_urlpatterns, path("broken/", broken_view)]
