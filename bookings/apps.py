from django.apps import AppConfig


class BookingsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "bookings"

    def ready(self):
        # The apps below announce changes; the booking rules that follow them live here.
        from accounts.signals import account_deleting
        from bookings.services import fill_from_waitlist, release_bookings_of
        from events.signals import capacity_changed

        capacity_changed.connect(fill_from_waitlist, dispatch_uid="bookings.fill_from_waitlist")
        account_deleting.connect(release_bookings_of, dispatch_uid="bookings.release_bookings_of")
