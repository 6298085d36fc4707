from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shequ.reports"
    label = "reports"
    verbose_name = _("Daily reports")

    def ready(self) -> None:
        from shequ.reports import access

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.reports import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
