from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthConfig(AppConfig):
    name = "shequ.health"
    label = "health"
    verbose_name = _("Health")

    def ready(self) -> None:
        from shequ.alerts import kinds
        from shequ.health import access, alert_kinds

        access.register()  # its capabilities, scope paths and grants (core/scoping.py)
        kinds.register(*alert_kinds.KINDS)
