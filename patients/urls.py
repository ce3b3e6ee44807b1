from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("intake/", views.intake_start, name="intake_start"),
    path("intake/summary/", views.intake_summary, name="intake_summary"),
]
