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
        from shequ.gates.models import GateDevice

        post_save.connect(tokencache.forget_all, sender=GateDevice, dispatch_uid="tokencache-save-GateDevice")
        post_delete.connect(tokencache.forget_all, sender=GateDevice, dispatch_uid="tokencache-delete-GateDevice")
