from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "shequ.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from shequ.registry import access

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.registry import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)

        from shequ.core import bulkwrite

        bulkwrite.writers_in("shequ.registry.services", "shequ.registry.importer.write")  # the bulk move, the roster import

        from shequ.jobs import kinds
        from shequ.registry import jobs

        kinds.register(*jobs.KINDS)  # its background jobs (jobs/kinds.py): the large roster import
