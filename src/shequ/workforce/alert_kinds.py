"""The alerts the workforce raises (registered in WorkforceConfig.ready; see alerts/kinds.py)."""

from __future__ import annotations

from shequ.alerts.kinds import AlertKind

KINDS: tuple[AlertKind, ...] = ()
