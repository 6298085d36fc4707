from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PassesConfig(AppConfig):
    name = "shequ.passes"
    label = "passes"
    verbose_name = _("Passes")

    def ready(self) -> None:
        from shequ.passes import access

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.passes import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
