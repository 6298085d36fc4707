"""Once-only form submissions (see SubmissionKey)."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from shequ.core.models import SubmissionKey

FIELD = "submission_key"
_VALID = re.compile(r"^[0-9a-f]{32}$")


def new_key() -> str:
    return uuid.uuid4().hex


def submitted_key(request: HttpRequest, target: str = "") -> str | None:
    """The form's one-time key; with ``target``, the key of that target of the form (one form whose
    buttons send it to several places, as the pass cards of each building: one print per button)."""
    key = request.POST.get(FIELD, "")
    if not _VALID.match(key):
        return None
    return hashlib.md5(f"{key}:{target}".encode(), usedforsecurity=False).hexdigest() if target else key


def earlier_result(request: HttpRequest) -> str | None:
    """The result URL of an earlier submission of this very form (same key), if there was one: a
    form resubmitted after "back" goes there before anything is validated against what the first
    submission created."""
    key = submitted_key(request)
    if key is None:
        return None
    return SubmissionKey.objects.filter(key=key).values_list("result_url", flat=True).first()


def run_once(request: HttpRequest, action: Callable[[], str], *, target: str = "") -> str:
    """Run ``action`` (which returns the result URL) unless this form was submitted before.

    The key is claimed inside the same transaction as the action: two copies arriving at the same
    moment cannot both commit, and the loser is sent to the winner's result. ``target``: see
    submitted_key.
    """
    key = submitted_key(request, target)
    if key is None:
        return action()
    earlier = SubmissionKey.objects.filter(key=key).values_list("result_url", flat=True).first()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            url = action()
            SubmissionKey.objects.create(
                key=key, user=request.user if request.user.is_authenticated else None, result_url=url[:300]
            )
            return url
    except (IntegrityError, ValidationError):
        # A copy of this form that committed meanwhile: either the key's unique constraint met it, or
        # the action refused because of what that copy did (a room's household added meanwhile).
        earlier = SubmissionKey.objects.filter(key=key).values_list("result_url", flat=True).first()
        if earlier is None:
            raise
        return earlier
