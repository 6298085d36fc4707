"""The audit log: append-only.

The model refuses updates and deletes, and database triggers (audit/triggers.py, installed by
migrations 0002-0004 on SQLite and PostgreSQL) refuse every statement that changes or removes an
existing row below the app, so neither a bug nor a stray ``QuerySet.update()`` nor a ``REPLACE INTO``
can rewrite history.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One thing that happened: who, what, before and after, when, from which address."""

    class Action(models.TextChoices):
        LOGIN = "login", _("login")
        LOGOUT = "logout", _("logout")
        LOGIN_FAILED = "login_failed", _("failed login")
        REVEAL = "reveal", _("revealed a number")
        EXPORT = "export", _("export")
        IMPORT = "import", _("import")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        MOVE = "move", _("moved")
        MOVE_OUT = "move_out", _("moved out")
        TOKEN = "token", _("API token")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    community = models.ForeignKey(
        "registry.Community", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("community")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("who")
    )
    # Kept as text too: a failed login has no user, and the record must read the same later.
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=40, blank=True)
    object_id = models.CharField(_("object"), max_length=40, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["community", "-at"], name="audit_community_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("the audit log is append-only")
