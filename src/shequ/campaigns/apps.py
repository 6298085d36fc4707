from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "shequ.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.audit import words
        from shequ.campaigns import access, alert_kinds, audit_words
        from shequ.core import bulkwrite

        access.register()  # its capabilities and scope paths (core/scoping.py)
        kinds.register(*alert_kinds.KINDS)
        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)

        bulkwrite.writers_in("shequ.campaigns.services")  # the tube's insert_or_lock

        from shequ.campaigns import jobs
        from shequ.jobs import kinds as job_kinds

        job_kinds.register(*jobs.KINDS)  # its background jobs (jobs/kinds.py): the missing list as PDF
