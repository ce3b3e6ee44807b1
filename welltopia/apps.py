from django.contrib.admin.apps import AdminConfig


class WelltopiaAdminConfig(AdminConfig):
    """django.contrib.admin, with our two-factor site as `admin.site`."""

    default_site = "welltopia.admin_site.WelltopiaAdminSite"
