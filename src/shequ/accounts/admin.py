"""Django admin for superusers: accounts and their memberships (role, community, grid ...)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from shequ.accounts import tokencache
from shequ.accounts.models import ApiToken, Membership, User


class ForgetsTokens(admin.ModelAdmin):
    """A superuser's change to a user, a membership or a token changes what remembered API tokens
    mean: this process forgets them (accounts/tokencache.py), as the accounts services do."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        tokencache.changed()

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: list[BaseFormSet[Any]],
                     change: bool) -> None:
        super().save_related(request, form, formsets, change)
        tokencache.changed()

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        tokencache.changed()

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        super().delete_queryset(request, queryset)
        tokencache.changed()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    raw_id_fields = ["household"]


@admin.register(User)
class ShequUserAdmin(ForgetsTokens, UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "is_active", "last_login"]


@admin.register(ApiToken)
class ApiTokenAdmin(ForgetsTokens):
    """Tokens are created with `shequ token create`; here they can be seen and revoked."""

    list_display = ["prefix", "user", "purpose", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["purpose"]
    readonly_fields = ["user", "purpose", "prefix", "key_hash", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
