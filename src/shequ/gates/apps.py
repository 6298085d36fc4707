from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "shequ.gates"
    label = "gates"
    verbose_name = _("Gates")

    def ready(self) -> None:
        # A device token's gate binding is part of what accounts.tokencache remembers for it.
        from django.db.models.signals import post_delete, post_save

        from shequ.accounts import tokencache
        from shequ.gates.models import Gate, GateDevice

        # ...and so is the row of the gate it records at (gates.selectors.gate_for_recording).
        for model in (Gate, GateDevice):
            post_save.connect(tokencache.forget_all, sender=model, dispatch_uid=f"tokencache-save-{model.__name__}")
            post_delete.connect(tokencache.forget_all, sender=model, dispatch_uid=f"tokencache-delete-{model.__name__}")

        from shequ.core import bulkwrite

        bulkwrite.writers_in("shequ.gates.services")  # the passage's INSERT
