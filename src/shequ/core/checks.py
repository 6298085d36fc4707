"""System checks that apps register from their ``AppConfig.ready()`` (see also core/bulkwrite.py)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from django.core import checks
from django.db import connections, models, router


def trigger_vendors_check(
    *, what: str, model: type[models.Model], vendors: Callable[[], Collection[str]], id: str
) -> Callable[..., list[checks.CheckMessage]]:
    """A check that refuses every database that ``model``'s migrations run on whose vendor has no
    definition of ``what`` (database triggers the app relies on): a migration that installed nothing
    there would leave the guarantee silently missing. ``vendors`` is called when the check runs."""

    def check(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
        known = vendors()
        errors: list[checks.CheckMessage] = []
        for alias in connections:
            vendor = connections[alias].vendor
            if vendor not in known and router.allow_migrate_model(alias, model):
                errors.append(checks.Error(
                    f"No definition of {what} for the {vendor} database {alias!r}", id=id,
                    hint=f"It is written for {', '.join(sorted(known))}; use one of these, or write it "
                         "for this database (with a test) before migrating it.",
                ))
        return errors

    return check
