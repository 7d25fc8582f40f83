"""Celery tasks that send the emails: thin, idempotent, retried with backoff when mail fails.

Each task reads the rows it names afresh (the world may have moved since it was
enqueued), builds its messages with ``notifications.emails`` and sends each once by
its key (``notifications.delivery.send_once``), so a task run twice sends nothing
twice. The tasks about a whole event walk its bookings in batches along the primary
key: a bounded read each, whatever the size of the event.
"""

from datetime import datetime, timedelta
from functools import partial
from smtplib import SMTPRecipientsRefused

from celery import shared_task
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from bookings.models import Booking
from eventhub.emails import RETRYING
from events.models import Event
from notifications import emails
from notifications.delivery import send_once
from payments.models import Payment

# Bookings read at once by the tasks that email a whole event.
BATCH = 200
# What an email about a booking shows besides the booking: read with it, in the same query.
SHOWN_WITH_BOOKING = ("event", "ticket_type", "seat", "user")


@shared_task(**RETRYING)
def send_booking_email(kind: str, booking_id: int, key: str, details: dict | None = None) -> bool:
    """Email a booking's owner about what just happened to it (``kind``: see emails.BOOKING_EMAILS)."""
    booking = Booking.objects.select_related(*SHOWN_WITH_BOOKING).filter(pk=booking_id).first()
    if booking is None or not emails.still_true(kind, booking, key):
        return False
    return send_once(
        key=key, kind=kind, user=booking.user, build=partial(emails.booking_email, kind, booking, details)
    )


@shared_task(**RETRYING)
def send_event_changed(event_id: int, revision: int, changes: dict) -> int:
    """Tell everyone holding a place that the event's time or place changed, once per revision.

    ``changes`` is emails.plain_changes of what changed; ``revision`` the event's
    calendar sequence after the change, so two changes make two emails.
    """
    event = Event.objects.filter(pk=event_id, status=Event.Status.PUBLISHED).first()
    if event is None:  # cancelled since: its cancellation email tells everyone
        return 0
    holders = Booking.objects.filter(event=event, status__in=emails.BOOKING_EMAILS["event_changed"].statuses)
    return _send_each("event_changed", holders, revision=revision, details={"changes": changes})


@shared_task(**RETRYING)
def send_event_cancelled(event_id: int, cancelled_at: str) -> int:
    """Tell everyone who had a booking when the event was cancelled (at ``cancelled_at``), once each.

    The tickets the cancellation went on to cancel and refund (paid ones and unpaid
    holds, by payments, maybe before this task runs) count as they were then.
    """
    was_active = Q(status__in=emails.BOOKING_EMAILS["event_cancelled"].statuses) | Q(
        status=Booking.Status.CANCELLED, cancelled_at__gte=datetime.fromisoformat(cancelled_at)
    )
    paid = Payment.objects.settled().filter(booking=OuterRef("pk"))
    bookings = Booking.objects.filter(was_active, event_id=event_id).annotate(paid=Exists(paid))
    return _send_each("event_cancelled", bookings)


@shared_task(**RETRYING)
def send_reminders() -> int:
    """Celery beat, every five minutes (and ``manage.py send_reminders``): remind people of tomorrow.

    Every confirmed booking of a published event starting within
    REMINDER_HOURS_BEFORE hours, and not started yet, is reminded once for its
    ticket, unless its owner turned reminders off. Bookings reminded already are
    left out by the query itself, so a run after the scheduler was down catches up
    and a second run sends nothing.
    """
    now = timezone.now()
    starting_soon = Event.objects.filter(
        status=Event.Status.PUBLISHED,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=settings.REMINDER_HOURS_BEFORE),
    )
    due = Booking.objects.filter(
        event__in=starting_soon,
        status__in=emails.BOOKING_EMAILS["booking_reminder"].statuses,
        user__email_reminders=True,
    ).exclude(emails.sent_already("booking_reminder"))
    return _send_each("booking_reminder", due)


def _send_each(kind: str, bookings, *, revision: object = None, details: dict | None = None) -> int:
    """Send ``kind`` to the owner of each of ``bookings`` once; returns how many went now.

    An address its server refuses does not hold back the others: the walk goes on
    and the refusal is raised at the end, so the task is retried for it (the keys
    skip everyone served). Any other failure (the server is down) stops the walk
    and the retry takes it up again.
    """
    sent, refused = 0, None
    for booking in _in_batches(bookings.select_related(*SHOWN_WITH_BOOKING)):
        try:
            sent += send_once(
                key=emails.booking_email_key(kind, booking, revision=revision),
                kind=kind,
                user=booking.user,
                build=partial(emails.booking_email, kind, booking, details),
            )
        except SMTPRecipientsRefused as error:
            refused = error
    if refused is not None:
        raise refused
    return sent


def _in_batches(rows):
    """``rows`` a batch at a time along the primary key (no cursor held open between batches)."""
    last = 0
    while True:
        batch = list(rows.filter(pk__gt=last).order_by("pk")[:BATCH])
        yield from batch
        if len(batch) < BATCH:
            return
        last = batch[-1].pk
