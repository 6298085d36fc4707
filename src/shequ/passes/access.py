"""Who issues passes and who shows them (core/scoping.py). Registered from PassesConfig.ready()."""

from __future__ import annotations

from shequ.core.scoping import Role, declare_capabilities, declare_scope
from shequ.registry.access import person_paths

CAPABILITIES = {
    # Issue, reissue and print passes (grid workers hand them out door to door).
    "passes.manage": {Role.SECRETARY, Role.STAFF, Role.GRID_WORKER},
    # A resident shows their household's passes on their phone.
    "passes.own": {Role.RESIDENT},
}


def register() -> None:
    from shequ.passes.models import Pass

    declare_capabilities(CAPABILITIES)
    declare_scope(Pass, **person_paths("person"))  # seen where its person is
