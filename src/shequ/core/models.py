"""Core holds no domain models; only the bookkeeping that makes writes safe to repeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class SubmissionKey(models.Model):
    """A form's one-time key: a double-submitted form finds its key taken and is sent to the
    result of the first submission instead of creating a second record."""

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True)
    result_url = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
