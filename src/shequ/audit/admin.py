"""The whole audit log for superusers, read-only (events without a community appear only here)."""

from django.contrib import admin

from shequ.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_username", "action", "community", "object_type", "object_id", "ip_address"]
    list_filter = ["action", "community"]
    search_fields = ["actor_username", "summary", "object_id"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
