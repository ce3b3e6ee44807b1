"""The audit trail: readable by superusers (whoever runs the servers), never changed by anyone.

On PostgreSQL a trigger refuses any UPDATE or DELETE of an event (patients migration 0002).
"""

from django.contrib import admin

from patients.models import AuditEvent

from .. import formatting as fmt
from .base import AdminInputGuard


@admin.register(AuditEvent)
class AuditEventAdmin(AdminInputGuard, admin.ModelAdmin):
    list_display = ["at_local", "username", "action", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["username", "object_id"]
    fields = list_display
    readonly_fields = list_display
    actions = None

    @admin.display(description="when (Chicago)", ordering="at")
    def at_local(self, event):
        return fmt.stamp(event.at)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
