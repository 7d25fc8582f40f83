from django.apps import AppConfig


class EventhubConfig(AppConfig):
    """The project package as an app, so that its system checks are registered (eventhub/checks.py)."""

    name = "eventhub"
    verbose_name = "eventhub"

    def ready(self):
        from eventhub import checks  # noqa: F401  (registers the checks)
