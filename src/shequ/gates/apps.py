from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "shequ.gates"
    label = "gates"
    verbose_name = _("Gates")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.gates import alert_kinds

        kinds.register(*alert_kinds.KINDS)

        # A device token's gate binding is part of what accounts.tokencache remembers for it.
        from django.db.models.signals import post_delete, post_save

        from shequ.accounts import tokencache
        from shequ.gates.models import Gate, GateDevice

        # ...and so is the row of the gate it records at (gates.selectors.gate_for_recording).
        for model in (Gate, GateDevice):
            post_save.connect(tokencache.forget_all, sender=model, dispatch_uid=f"tokencache-save-{model.__name__}")
            post_delete.connect(tokencache.forget_all, sender=model, dispatch_uid=f"tokencache-delete-{model.__name__}")

        from importlib import import_module

        from django.core import checks

        from shequ.core import bulkwrite
        from shequ.core.checks import trigger_vendors_check
        from shequ.gates.models import Passage

        bulkwrite.writers_in("shequ.gates.services")  # the passage's INSERT
        checks.register(trigger_vendors_check(
            what="the trigger that moves Presence on each passage (gates migration 0002)", model=Passage,
            vendors=lambda: import_module("shequ.gates.migrations.0002_presence_trigger").CREATE, id="gates.E001",
        ))
