"""The one export service: whether an export's personal data go out masked, and its audit event.

Every spreadsheet or PDF of a list with personal data (the registry's person lists and grid list,
the campaigns' missing and re-test lists, a gate's ledger, pass cards) asks ``export_masking``
what to mask and calls ``export_record`` for its event, so that the rule and the wording of the
log are in one place:

- Numbers and names go out in full only when the exporter holds ``export.unmasked`` in *every*
  community the list covers (secretary, staff), and the request did not ask for them masked
  (``?masked=1``: a secretary sending a list to a volunteer team). Everyone else gets them masked.
- The event is ``export``, with the summary ``"<what>: <n> rows, masked|unmasked; <query>"``
  (audit/describe.py reads it back as a sentence; the tests read it as it is).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import HttpRequest

from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record
from shequ.core.masking import mask_id_number, mask_name, mask_phone

ASK_MASKED = ("1", "yes", "true", "on")


@dataclass(frozen=True)
class Masking:
    """What one export shows: full values when ``unmasked``, else the masked forms."""

    unmasked: bool

    @property
    def label(self) -> str:
        return "unmasked" if self.unmasked else "masked"

    def id_number(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_id_number(value)

    def phone(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_phone(value)

    def name(self, value: str | None) -> str:
        return (value or "") if self.unmasked else mask_name(value)


def export_masking(scope: Any, community_ids: Iterable[int], *, request: HttpRequest | None = None) -> Masking:
    """Full values only for a role with ``export.unmasked`` in every community of the list, unless
    the request asks for masked ones; a list over no community is masked."""
    ids = [c for c in community_ids if c is not None]
    may = bool(ids) and all(scope.can("export.unmasked", c) for c in ids)
    asked_masked = request is not None and str(request.GET.get("masked", "")).lower() in ASK_MASKED
    return Masking(unmasked=may and not asked_masked)


@transaction.atomic
def export_record(
    *, actor: Any, community: Any, what: str, count: int, masking: Masking | None, query: Any = None,
    obj: models.Model | None = None, unit: str = "rows", detail: str = "", request: HttpRequest | None = None,
) -> AuditEvent:
    """The audit event of one export: ``"<what>: <count> <unit>[, <detail>][, masked|unmasked][; <query>]"``.
    ``masking`` is None for a list whose values are never masked (counts, pass cards)."""
    summary = f"{what}: {count} {unit}"
    if detail:
        summary += f", {detail}"
    if masking is not None:
        summary += f", {masking.label}"
    if query is not None:
        summary += f"; {query}"
    return audit_record(actor=actor, action=AuditEvent.Action.EXPORT, community=community, obj=obj,
                        summary=summary, request=request)
