from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "payments"

    def ready(self):
        # The apps below announce changes; the money rules that follow them live here.
        from bookings.signals import booking_cancelled
        from events.signals import event_cancelled
        from payments.services import refund_on_cancel
        from payments.tasks import refund_when_event_cancelled

        booking_cancelled.connect(refund_on_cancel, dispatch_uid="payments.refund_on_cancel")
        event_cancelled.connect(refund_when_event_cancelled, dispatch_uid="payments.refund_event")
