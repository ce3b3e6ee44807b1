from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from . import views

handler500 = views.server_error

urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("healthz", views.healthz, name="healthz"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("patients.urls")),
    path("", include("consultations.urls")),
]
