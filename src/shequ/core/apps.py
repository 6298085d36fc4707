from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shequ.core"
    label = "core"
