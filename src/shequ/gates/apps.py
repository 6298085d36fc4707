from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GatesConfig(AppConfig):
    name = "shequ.gates"
    label = "gates"
    verbose_name = _("Gates")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.gates import access, alert_kinds

        kinds.register(*alert_kinds.KINDS)

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.gates import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        words.register_filters(**audit_words.FILTERS)

        from shequ.gates import jobs
        from shequ.jobs import kinds as job_kinds

        job_kinds.register(*jobs.KINDS)  # its background jobs (jobs/kinds.py): a community's pass cards

        from importlib import import_module

        from django.core import checks

        from shequ.core import bulkwrite
        from shequ.core.checks import trigger_vendors_check
        from shequ.gates.models import Passage

        bulkwrite.writers_in("shequ.gates.services")  # the passage's INSERT
        checks.register(trigger_vendors_check(
            what="the trigger that moves Presence on each passage (gates migration 0002)", model=Passage,
            vendors=lambda: import_module("shequ.gates.migrations.0002_presence_trigger").CREATE, id="gates.E001",
        ))
