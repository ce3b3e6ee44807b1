from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("intake/", views.intake_start, name="intake_start"),
    path("intake/summary/", views.intake_summary, name="intake_summary"),
    path("intake/continue/", views.intake_continue, name="intake_continue"),
    # The token is a path segment so welltopia/log_filters.py can redact it from log lines.
    path("intake/continue/<str:token>/", views.intake_continue_open, name="intake_continue_open"),
]
