from django.apps import AppConfig
from django.db.models.signals import post_delete


class EventsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "events"

    def ready(self):
        from events import images

        post_delete.connect(images.forget_pictures, sender="events.Event", dispatch_uid="events.pictures")
