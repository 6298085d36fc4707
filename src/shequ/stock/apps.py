from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StockConfig(AppConfig):
    name = "shequ.stock"
    label = "stock"
    verbose_name = _("Prevention supplies")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.stock import access, alert_kinds

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.stock import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        kinds.register(*alert_kinds.KINDS)
