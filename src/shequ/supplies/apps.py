from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "shequ.supplies"
    label = "supplies"
    verbose_name = _("Supplies")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.supplies import access, alert_kinds

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.supplies import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        kinds.register(*alert_kinds.KINDS)
        from shequ.core import bulkwrite

        bulkwrite.writers_in("shequ.supplies.services")  # an order's and its items' INSERTs
