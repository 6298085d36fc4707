from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "shequ.alerts"
    label = "alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from shequ.alerts import access

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.alerts import audit_words
        from shequ.audit import words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)

