"""Writes for events. Capacity and cancellation go through the booking service."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from eventhub.errors import DomainError
from events.models import Event

# Fields an organizer edits directly; capacity and status have their own services.
EDITABLE_FIELDS = ("title", "description", "location", "starts_at", "ends_at", "timezone")


def _ensure_future_start(event: Event) -> None:
    if event.starts_at and event.starts_at <= timezone.now():
        raise ValidationError({"starts_at": "The event must start in the future."})


def create_event(*, organizer, **fields) -> Event:
    """Create an event (a draft unless told otherwise) run by ``organizer``."""
    status = fields.pop("status", Event.Status.DRAFT)
    if status not in (Event.Status.DRAFT, Event.Status.PUBLISHED):
        raise DomainError("invalid_status", "A new event is a draft or published.", field="status")
    fields.setdefault("timezone", organizer.timezone)
    event = Event(organizer=organizer, **fields)
    event.full_clean()
    _ensure_future_start(event)
    with transaction.atomic():
        event.save()
        if status == Event.Status.PUBLISHED:
            event = publish_event(event=event, by=organizer)
    return event


def update_event(*, event: Event, by, **changes) -> Event:
    """Change an event's details; a new capacity goes through the booking service's rule."""
    if not event.is_managed_by(by):
        raise DomainError("not_allowed", "Only the event's organizer or staff can change it.")
    capacity = changes.pop("capacity", None)
    status = changes.pop("status", None)
    with transaction.atomic():
        # Compare with the locked row, not the caller's copy, which may be stale.
        event = Event.objects.select_for_update().get(pk=event.pk)
        if capacity is not None and capacity != event.capacity:
            event = booking_services.change_capacity(event=event, capacity=capacity, by=by)
        moved = "starts_at" in changes and changes["starts_at"] != event.starts_at
        for name in EDITABLE_FIELDS:
            if name in changes:
                setattr(event, name, changes[name])
        event.full_clean()
        if moved:
            _ensure_future_start(event)
        # Only the edited fields: capacity and booked_seats belong to the booking service.
        event.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
        if status is not None and status != event.status:
            event = set_status(event=event, status=status, by=by)
    return event


def set_status(*, event: Event, status: str, by) -> Event:
    """Move an event to ``status`` through the service that owns that move."""
    if status == Event.Status.PUBLISHED:
        return publish_event(event=event, by=by)
    if status == Event.Status.CANCELLED:
        return booking_services.cancel_event(event=event, by=by)
    raise DomainError(
        "invalid_status_change",
        "A published or cancelled event cannot go back to draft.",
        field="status",
    )


def publish_event(*, event: Event, by) -> Event:
    """Open a draft for booking: it needs a title, a location and times in the future."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if not event.is_managed_by(by):
            raise DomainError("not_allowed", "Only the event's organizer or staff can publish it.")
        if event.status == Event.Status.CANCELLED:
            raise DomainError("not_publishable", "A cancelled event cannot be published again.")
        if event.status == Event.Status.PUBLISHED:
            return event
        missing = [n for n in ("title", "location") if not getattr(event, n).strip()]
        if missing:
            raise DomainError("not_publishable", f"Add a {missing[0]} before publishing.")
        if event.has_started:
            raise DomainError("not_publishable", "This event has already started; it cannot be published.")
        event.status = Event.Status.PUBLISHED
        event.save(update_fields=["status", "updated_at"])
        return event
