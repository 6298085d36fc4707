from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "shequ.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")

    def ready(self) -> None:
        from shequ.core import bulkwrite

        bulkwrite.writers_in("shequ.campaigns.services")  # the tube's insert_or_lock
