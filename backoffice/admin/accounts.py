"""Staff logins, groups, two-factor devices and sign-in lockouts: Django's, django-otp's and
django-axes' own admins, each given the back office's input guard (no 500 on crafted filters)."""

from django.contrib import admin

from .base import AdminInputGuard

GUARDED_APPS = ("auth", "otp_totp", "axes")


def guard_third_party_admins(site: admin.AdminSite) -> None:
    """Register again, with AdminInputGuard first in line, every admin these apps registered."""
    for model, model_admin in list(site._registry.items()):
        if model._meta.app_label not in GUARDED_APPS or isinstance(model_admin, AdminInputGuard):
            continue
        guarded = type(
            f"Guarded{type(model_admin).__name__}", (AdminInputGuard, type(model_admin)), {"__module__": __name__}
        )
        site.unregister(model)
        site.register(model, guarded)


guard_third_party_admins(admin.site)
