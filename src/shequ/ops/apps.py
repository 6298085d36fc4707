from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: the demo and serve commands. Depends on every domain app; nothing depends on it."""

    name = "shequ.ops"
    label = "ops"
