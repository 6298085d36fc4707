from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "shequ.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from shequ.core import bulkwrite

        bulkwrite.writers_in("shequ.audit.services")
