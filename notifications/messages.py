"""Organizer messages to an event's attendees: the rules and the background sending.

The event's organizer (or staff) writes to its confirmed attendees or to its
waitlist. The message is recorded under the event's row lock, which keeps the
daily limit however many people press Send at once, and is sent after commit by a
chain of tasks, ORGANIZER_MESSAGE_BATCH people a run, each person once by key.
People who turned organizers' messages off in their profile are never written to.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from smtplib import SMTPRecipientsRefused

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.text import normalize_newlines
from django.utils.timesince import timeuntil

from bookings.models import Booking
from eventhub.background import enqueue
from eventhub.emails import RETRYING, absolute, build_email
from eventhub.errors import DomainError, ErrorCode, raise_if
from events.locks import lock_event
from events.models import Event
from events.services import ensure_manages
from notifications.delivery import send_once
from notifications.models import OrganizerMessage

logger = logging.getLogger("eventhub.notifications")

Audience = OrganizerMessage.Audience
KIND = "organizer_message"
AUDIENCE_STATUS = {
    Audience.CONFIRMED: Booking.Status.CONFIRMED,
    Audience.WAITLISTED: Booking.Status.WAITLISTED,
}
ACCEPTS_MESSAGES = Q(user__email_announcements=True)
LIMIT_WINDOW = timedelta(days=1)


@dataclass(frozen=True)
class Preview:
    """What sending would do: how many it reaches, how many opted out, and the email the first one gets."""

    recipients: int
    opted_out: int
    email: EmailMultiAlternatives


def preview_organizer_message(*, event: Event, audience: str, subject: str, body: str, by) -> Preview:
    """The email send_organizer_message would send, refused as it would be; writes nothing.

    The daily limit is read without the lock: sending decides it again under the lock.
    """
    message = compose(event=event, audience=audience, subject=subject, body=body, by=by)
    first = addressed(message).select_related("user").order_by("pk").first()
    if first is None:
        raise nobody_to_write_to(message)
    raise_if(daily_limit_refusal(event))
    recipients, opted_out = audience_counts(message)
    return Preview(recipients, opted_out, organizer_message_email(message, first.user))


def send_organizer_message(*, event: Event, audience: str, subject: str, body: str, by) -> OrganizerMessage:
    """Write to everyone in ``audience`` at ``event``: recorded now, emailed in the background.

    Only the event's organizer and staff may, at most ORGANIZER_MESSAGES_PER_DAY times
    per event in any 24 hours. The limit is decided under the event's row lock, so
    two sends at once cannot both take the last one. Whom it reaches is counted
    before the lock (bookings are never counted under it); each batch reads its
    people afresh, so someone who cancels meanwhile is not written to.
    """
    message = compose(event=event, audience=audience, subject=subject, body=body, by=by)
    message.recipients, _ = audience_counts(message)
    if not message.recipients:
        raise nobody_to_write_to(message)
    with transaction.atomic():
        lock_event(event.pk)
        raise_if(daily_limit_refusal(event))
        message.save()
        enqueue(send_organizer_message_batch, message.pk)
    return message


def compose(*, event: Event, audience: str, subject: str, body: str, by) -> OrganizerMessage:
    """The message as written, unsaved; refuses anyone who does not run the event, and text out of bounds."""
    ensure_manages(event=event, by=by)
    if audience not in AUDIENCE_STATUS:
        raise DomainError(
            ErrorCode.INVALID_MESSAGE,
            "Choose who gets the message: the confirmed attendees or the waitlist.",
            field="audience",
        )
    return OrganizerMessage(
        event=event,
        audience=audience,
        subject=bounded_text(subject, field="subject"),
        body=bounded_text(body, field="body"),
        sent_by=by,
    )


def bounded_text(value: str, *, field: str) -> str:
    """The subject or body as sent: trimmed, with one kind of line break; refused when empty or too long."""
    text = normalize_newlines(value).strip()
    limit = OrganizerMessage._meta.get_field(field).max_length
    if not text:
        raise DomainError(ErrorCode.INVALID_MESSAGE, f"The message needs a {field}.", field=field)
    if len(text) > limit:
        raise DomainError(
            ErrorCode.INVALID_MESSAGE, f"The {field} can be at most {limit} characters long.", field=field
        )
    return text


def in_audience(message: OrganizerMessage):
    """The bookings of the message's event in its audience's status, whether or not they accept messages."""
    return Booking.objects.filter(event_id=message.event_id, status=AUDIENCE_STATUS[message.audience])


def addressed(message: OrganizerMessage):
    """The bookings whose holders the message is for: in its audience and accepting organizers' messages."""
    return in_audience(message).filter(ACCEPTS_MESSAGES)


def audience_counts(message: OrganizerMessage) -> tuple[int, int]:
    """How many people the message reaches, and how many more turned organizers' messages off."""
    counts = in_audience(message).aggregate(
        reached=Count("pk", filter=ACCEPTS_MESSAGES), opted_out=Count("pk", filter=~ACCEPTS_MESSAGES)
    )
    return counts["reached"], counts["opted_out"]


def nobody_to_write_to(message: OrganizerMessage) -> DomainError:
    audience = message.get_audience_display().lower()
    return DomainError(
        ErrorCode.NO_RECIPIENTS,
        f"Nobody to write to: this event has no {audience} who accept organizers' messages.",
        field="audience",
    )


def daily_limit_refusal(event: Event) -> DomainError | None:
    """Refuses a message beyond ORGANIZER_MESSAGES_PER_DAY for ``event`` in the last 24 hours.

    Reads at most that many rows, along the (event, created_at) index: cheap enough under the lock.
    """
    limit, now = settings.ORGANIZER_MESSAGES_PER_DAY, timezone.now()
    recent = OrganizerMessage.objects.filter(event=event, created_at__gt=now - LIMIT_WINDOW)
    latest = list(recent.order_by("-created_at").values_list("created_at", flat=True)[:limit])
    if len(latest) < limit:
        return None
    # The oldest of those leaves the window first, and frees a place.
    next_one = f" The next one can go in {timeuntil(latest[-1] + LIMIT_WINDOW, now)}." if latest else ""
    return DomainError(
        ErrorCode.TOO_MANY_MESSAGES,
        f"This event's attendees have had the most messages allowed in 24 hours ({limit}).{next_one}",
    )


# The email ---------------------------------------------------------------------


def organizer_message_email(message: OrganizerMessage, recipient) -> EmailMultiAlternatives:
    """The message as ``recipient`` gets it: the organizer's words as plain text, the event, why."""
    event = message.event
    context = {
        "message": message,
        "event": event,
        "event_url": absolute(event.get_absolute_url()),
        "sender": sender_of(message),
        "waitlisted": message.audience == Audience.WAITLISTED,
    }
    return build_email(template=KIND, to=recipient, context=context)


def sender_of(message: OrganizerMessage) -> str:
    """Who wrote, as the email names them: "Olivia Smith (the organizer)", or "Sam (eventhub staff)"."""
    author = message.sent_by
    if author is None:  # the account is gone since
        return "The organizer"
    name = author.name
    return (
        f"{name} (the organizer)" if author.pk == message.event.organizer_id else f"{name} (eventhub staff)"
    )


# Sending in the background ---------------------------------------------------------


@shared_task(**RETRYING)
def send_organizer_message_batch(message_id: int, after: int = 0) -> int:
    """Email the next ORGANIZER_MESSAGE_BATCH people after booking ``after``, then hand on the rest.

    Safe to run again (a retry, a redelivered task): each person's email has its
    key, so nobody gets it twice. Returns how many were sent by this run.
    """
    message = OrganizerMessage.objects.select_related("event", "sent_by").filter(pk=message_id).first()
    if message is None:  # gone with its event
        return 0
    size = settings.ORGANIZER_MESSAGE_BATCH
    batch = list(addressed(message).filter(pk__gt=after).select_related("user").order_by("pk")[:size])
    sent = send_batch(message, batch)
    if len(batch) == size:
        enqueue(send_organizer_message_batch, message.pk, batch[-1].pk)
    else:
        finish(message)
    return sent


def send_batch(message: OrganizerMessage, bookings: list[Booking]) -> int:
    """Email each booking's holder once; what went counts in sent_count even when the mail server stops us."""
    sent = 0
    try:
        for booking in bookings:
            sent += send_to(message, booking.user)
    finally:
        if sent:
            OrganizerMessage.objects.filter(pk=message.pk).update(sent_count=F("sent_count") + sent)
    return sent


def send_to(message: OrganizerMessage, user) -> bool:
    """Email one person unless they had it already; an address the mail server refuses is logged and left out.

    Any other mail failure (the server is down) is raised, so the batch is retried later.
    """
    try:
        return send_once(
            key=f"{KIND}:{message.pk}:{user.pk}",
            kind=KIND,
            user=user,
            build=partial(organizer_message_email, message, user),
        )
    except SMTPRecipientsRefused:
        logger.warning(
            "organizer_message.refused",
            extra={"event_data": {"organizer_message": message.pk, "user": user.pk}},
        )
        return False


def finish(message: OrganizerMessage) -> None:
    """Mark the message done (once, however often the last batch runs) and log how many got it."""
    if OrganizerMessage.objects.filter(pk=message.pk, finished_at=None).update(finished_at=timezone.now()):
        message.refresh_from_db(fields=["sent_count"])
        fields = {
            "organizer_message": message.pk,
            "event": message.event_id,
            "recipients": message.recipients,
            "sent": message.sent_count,
        }
        logger.info("organizer_message.sent", extra={"event_data": fields})
