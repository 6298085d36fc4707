"""Django admin for superusers: accounts and their memberships (role, community, grid ...)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from shequ.accounts.models import ApiToken, Membership, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    raw_id_fields = ["household"]


@admin.register(User)
class ShequUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "is_active", "last_login"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `shequ token create`; here they can be seen and revoked."""

    list_display = ["prefix", "user", "purpose", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["purpose"]
    readonly_fields = ["user", "purpose", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
