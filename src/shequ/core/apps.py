from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shequ.core"
    label = "core"

    def ready(self) -> None:
        from django.core import checks

        from shequ.core import bulkwrite

        # Models and databases the bulk-write module cannot write as save() would: refused at start-up.
        checks.register(bulkwrite.check_writers)
