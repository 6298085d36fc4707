from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkforceConfig(AppConfig):
    name = "shequ.workforce"
    label = "workforce"
    verbose_name = _("Workforce")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.workforce import access, alert_kinds

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.workforce import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        kinds.register(*alert_kinds.KINDS)
