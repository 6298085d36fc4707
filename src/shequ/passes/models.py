"""A person's pass (出入证): who someone is at a checkpoint, for the gates and the sampling points
alike. The pages that issue passes and print cards are the gates' (gates/views_passes.py).

The table was the gates app's (``gates_pass``) until issue 11; gates migration 0005 renamed it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Pass(models.Model):
    """A person's pass: the QR carries ``code`` signed with the server's key, never the ID number.

    One active pass per person; reissuing revokes the old one (its QR stops working at once).
    """

    community = models.ForeignKey("registry.Community", on_delete=models.PROTECT)
    person = models.ForeignKey("registry.Person", on_delete=models.CASCADE, related_name="passes",
                               verbose_name=_("person"))
    code = models.CharField(max_length=24, unique=True)
    issued_at = models.DateTimeField(_("issued"), auto_now_add=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+")
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        constraints = [
            models.UniqueConstraint(fields=["person"], condition=Q(revoked_at__isnull=True),
                                    name="pass_one_active_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.code[:6]}…"

