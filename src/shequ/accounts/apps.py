from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "shequ.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from shequ.accounts import access

        access.register()  # its capabilities (core/scoping.py)
        from shequ.accounts import audit_words
        from shequ.audit import words

        words.register(*audit_words.WORDS)  # how its audit events read (audit/words.py)
        words.register_snapshot("user", **audit_words.USER_SNAPSHOT)

        # Login, logout and failed logins go to the audit log (Django's auth signals are the hook).
        from shequ.accounts import signals  # noqa: F401
