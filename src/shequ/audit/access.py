"""Who reads the audit log (core/scoping.py). Registered from AuditConfig.ready()."""

from __future__ import annotations

from shequ.core.scoping import Reach, Role, declare_capabilities, declare_scope

CAPABILITIES = {
    # The community's audit log page.
    "audit.read": {Role.SECRETARY},
}


def register() -> None:
    from shequ.audit.models import AuditEvent

    declare_capabilities(CAPABILITIES)
    # The events of the communities the user runs, and there only where they may read the log.
    declare_scope(AuditEvent, community=Reach("community_id", within="audit.read"))
