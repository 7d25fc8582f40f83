"""Background work of the payments app (Celery); each task calls the payment service."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import DatabaseError

from eventhub.background import enqueue
from events.models import Event
from payments import services


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=5, retry_backoff_max=300, max_retries=10)
def refund_cancelled_event(event_id: int, by_id: int) -> str:
    """Cancel and refund a cancelled event's paid and held tickets; resumable, so safe to run again.

    A lock that times out (a busy event) is retried later; each booking is its own
    transaction, so a retry carries on where the last run stopped.
    """
    event = Event.objects.select_related("organizer").get(pk=event_id)
    # Whoever cancelled it may have gone since; the organizer acts then.
    by = get_user_model().objects.filter(pk=by_id).first() or event.organizer
    return str(services.refund_cancelled_event(event=event, by=by))


def refund_when_event_cancelled(sender, *, event: Event, by, **kwargs) -> None:
    """events.signals.event_cancelled: once the cancellation commits, a worker refunds everyone who paid."""
    enqueue(refund_cancelled_event, event.pk, by.pk)
