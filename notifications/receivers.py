"""What the lower apps announce, turned into emails enqueued on commit (never inside their locks)."""

from django.dispatch import receiver

from bookings.signals import booking_cancelled, booking_status_changed
from eventhub.background import enqueue
from events.models import Event
from events.signals import event_cancelled, event_changed
from notifications import emails, tasks
from payments.signals import payment_confirmed


@receiver(booking_status_changed, dispatch_uid="notifications.booking_status_changed")
def email_about_booking(sender, *, booking, was, **kwargs):
    kind = emails.booking_email_kind(status=booking.status, was=was)
    if kind is not None:
        _enqueue_booking_email(kind, booking)


@receiver(booking_cancelled, dispatch_uid="notifications.booking_cancelled")
def email_about_cancellation(sender, *, booking, event, by, **kwargs):
    # A cancelled event cancels its paid and held tickets one by one: its own email tells everyone once.
    if event.status != Event.Status.CANCELLED:
        _enqueue_booking_email("booking_cancelled", booking, by_owner=by.pk == booking.user_id)


@receiver(payment_confirmed, dispatch_uid="notifications.payment_confirmed")
def email_receipt(sender, *, payment, **kwargs):
    _enqueue_booking_email("payment_received", payment.booking, payment_id=payment.pk)


@receiver(event_changed, dispatch_uid="notifications.event_changed")
def email_about_event_change(sender, *, event, changes, **kwargs):
    enqueue(tasks.send_event_changed, event.pk, event.calendar_sequence, emails.plain_changes(changes))


@receiver(event_cancelled, dispatch_uid="notifications.event_cancelled")
def email_about_event_cancellation(sender, *, event, **kwargs):
    # The moment it was cancelled: the bookings it goes on to cancel were still active then.
    enqueue(tasks.send_event_cancelled, event.pk, event.updated_at.isoformat())


def _enqueue_booking_email(kind: str, booking, **details) -> None:
    enqueue(tasks.send_booking_email, kind, booking.pk, emails.booking_email_key(kind, booking), details)
