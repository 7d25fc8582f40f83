from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """The emails people get: what happened to their bookings, their events and their payments.

    Sits above accounts, events, bookings and payments: it listens to what they
    announce (their signals) and tells the people concerned, from Celery tasks
    enqueued on commit, never inside a booking's lock.
    """

    name = "notifications"
    verbose_name = "Emails"

    def ready(self):
        from notifications import receivers  # noqa: F401  (connects the signal receivers)
