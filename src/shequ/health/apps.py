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
        from shequ.audit import words
        from shequ.health import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        words.register_filters(**audit_words.FILTERS)
        kinds.register(*alert_kinds.KINDS)
