from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisinfectionConfig(AppConfig):
    name = "shequ.disinfection"
    label = "disinfection"
    verbose_name = _("Disinfection")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.core import bulkwrite
        from shequ.disinfection import access, alert_kinds

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.disinfection import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        kinds.register(*alert_kinds.KINDS)
        bulkwrite.writers_in("shequ.disinfection.services")  # a round's INSERT
