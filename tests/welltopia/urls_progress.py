"""The site's URLs plus a bare page per progress step, to test the include on its own."""

from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path

from welltopia.urls import urlpatterns as site_urlpatterns

PAGE = engines["django"].from_string(
    '{% extends "base.html" %}'
    '{% block progress %}{% include "includes/progress.html" with step=step %}{% endblock %}'
    "{% block content %}<h1>Step {{ step }}</h1>{% endblock %}"
)


def progress_page(request, step):
    return TemplateResponse(request, PAGE, {"step": step})


urlpatterns = [*site_urlpatterns, path("progress/<int:step>/", progress_page)]
