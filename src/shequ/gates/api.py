"""JSON API of the gates app (mounted at /api/v1/gates)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["gates"])
