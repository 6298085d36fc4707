from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "shequ.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from django.core import checks

        from shequ.audit import triggers
        from shequ.audit.models import AuditEvent
        from shequ.core import bulkwrite
        from shequ.core.checks import trigger_vendors_check

        bulkwrite.writers_in("shequ.audit.services")
        checks.register(trigger_vendors_check(
            what="the audit log's append-only triggers (audit/triggers.py)", model=AuditEvent,
            vendors=lambda: triggers.VENDORS, id="audit.E001",
        ))
