from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "shequ.notices"
    label = "notices"
    verbose_name = _("Notices")

    def ready(self) -> None:
        from shequ.notices import access

        access.register()  # its capabilities and scope paths (core/scoping.py)
        from shequ.audit import words
        from shequ.notices import audit_words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
