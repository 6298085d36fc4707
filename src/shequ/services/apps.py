from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    name = "shequ.services"
    label = "services"
    verbose_name = _("Resident services")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.core import bulkwrite
        from shequ.services import access, alert_kinds

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.services import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        kinds.register(*alert_kinds.KINDS)
        bulkwrite.writers_in("shequ.services.services")  # a care visit's INSERT
