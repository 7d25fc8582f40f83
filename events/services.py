"""Writes for events: the one place an event is created, changed, published, cancelled or deleted.

Every write that decides on an event's seats takes the event's row lock through
events.locks, once per transaction. Where bookings must follow (a capacity raise
confirms the waitlist), the bookings app listens to events.signals inside the same
transaction, so this app never imports the bookings app.

Each rule is one function that names its refusal. The writing services raise
it; ``new_event_refusals`` and ``event_change_refusals`` gather every refusal
the services would give without writing anything, so a form can show them
all beside their fields before it saves.
"""

import logging
from copy import copy
from datetime import datetime
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from eventhub.errors import DomainError, ErrorCode
from events.locks import event_not_found, lock_event
from events.models import CAPACITY_RANGE_MESSAGE, MAX_CAPACITY, MIN_CAPACITY, Event
from events.signals import capacity_changed

logger = logging.getLogger("eventhub.events")

# Fields an organizer edits directly; capacity and status have their own services.
EDITABLE_FIELDS = ("title", "description", "location", "starts_at", "ends_at", "timezone")
NEW_EVENT_STATUSES = (Event.Status.DRAFT, Event.Status.PUBLISHED)

Refusal = DomainError | ValidationError


class EventChanges(TypedDict, total=False):
    """What an organizer may change on an event; update_event refuses any other name."""

    title: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    capacity: int
    status: str


def _start_refusal(event: Event) -> ValidationError | None:
    if event.starts_at and event.starts_at <= timezone.now():
        return ValidationError({"starts_at": "The event must start in the future."})
    return None


def _new_status_refusal(status: str) -> DomainError | None:
    if status not in NEW_EVENT_STATUSES:
        return DomainError(ErrorCode.INVALID_STATUS, "A new event is a draft or published.", field="status")
    return None


def _back_to_draft() -> DomainError:
    return DomainError(
        ErrorCode.INVALID_STATUS_CHANGE,
        "A published or cancelled event cannot go back to draft.",
        field="status",
    )


def _change_not_allowed() -> DomainError:
    return DomainError(ErrorCode.NOT_ALLOWED, "Only the event's organizer or staff can change it.")


def _moves(event: Event, changes: EventChanges) -> bool:
    return "starts_at" in changes and changes["starts_at"] != event.starts_at


def _raise_if(refusal: Refusal | None) -> None:
    if refusal is not None:
        raise refusal


def create_event(
    *,
    organizer,
    title: str,
    location: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    description: str = "",
    timezone: str | None = None,
    status: str = Event.Status.DRAFT,
) -> Event:
    """Create an event (a draft unless told otherwise) run by ``organizer``, in their time zone by default."""
    _raise_if(_new_status_refusal(status))
    event = Event(
        organizer=organizer,
        title=title,
        description=description,
        location=location,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone or organizer.timezone,
        capacity=capacity,
    )
    event.full_clean()
    _raise_if(_start_refusal(event))
    with transaction.atomic():
        event.save()
        if status == Event.Status.PUBLISHED:
            event = publish_event(event=event, by=organizer)
    return event


def update_event(*, event: Event, by, **changes: Unpack[EventChanges]) -> Event:
    """Change an event's details, capacity and status, deciding each under the event's one lock."""
    unknown = changes.keys() - EventChanges.__annotations__.keys()
    if unknown:
        raise TypeError(f"update_event() got unexpected fields: {sorted(unknown)}")
    if not event.is_managed_by(by):
        raise _change_not_allowed()
    capacity = changes.pop("capacity", None)
    status = changes.pop("status", None)
    with transaction.atomic():
        # Compare with the locked row, not the caller's copy, which may be stale.
        event = lock_event(event.pk)
        if capacity is not None and capacity != event.capacity:
            _change_capacity_locked(event=event, capacity=capacity, by=by)
        moved = _moves(event, changes)
        for name in EDITABLE_FIELDS:
            if name in changes:
                setattr(event, name, changes[name])
        event.full_clean()
        if moved:
            _raise_if(_start_refusal(event))
        # Only the edited fields: capacity and booked_seats are written by their own rules.
        event.save(update_fields=[*EDITABLE_FIELDS, "updated_at"])
        if status is not None and status != event.status:
            _set_status_locked(event=event, status=status, by=by)
    return event


def set_status(*, event: Event, status: str, by) -> Event:
    """Move an event to ``status`` through the rule that owns that move."""
    with transaction.atomic():
        event = lock_event(event.pk)
        _set_status_locked(event=event, status=status, by=by)
        return event


def _set_status_locked(*, event: Event, status: str, by) -> None:
    if status == Event.Status.PUBLISHED:
        _publish_locked(event=event, by=by)
    elif status == Event.Status.CANCELLED:
        _cancel_locked(event=event, by=by)
    else:
        raise _back_to_draft()


def publish_refusal(*, event: Event, by) -> DomainError | None:
    """Why ``by`` cannot publish ``event`` as it stands, or None (also when it is published already)."""
    if not event.is_managed_by(by):
        return DomainError(ErrorCode.NOT_ALLOWED, "Only the event's organizer or staff can publish it.")
    if event.status == Event.Status.CANCELLED:
        return DomainError(ErrorCode.NOT_PUBLISHABLE, "A cancelled event cannot be published again.")
    if event.status == Event.Status.PUBLISHED:
        return None
    missing = [n for n in ("title", "location") if not getattr(event, n).strip()]
    if missing:
        return DomainError(ErrorCode.NOT_PUBLISHABLE, f"Add a {missing[0]} before publishing.")
    if event.starts_at and event.has_started:
        return DomainError(
            ErrorCode.NOT_PUBLISHABLE, "This event has already started; it cannot be published."
        )
    return None


def publish_event(*, event: Event, by) -> Event:
    """Open a draft for booking: it needs a title, a location and times in the future."""
    with transaction.atomic():
        event = lock_event(event.pk)
        _publish_locked(event=event, by=by)
        return event


def _publish_locked(*, event: Event, by) -> None:
    _raise_if(publish_refusal(event=event, by=by))
    if event.status != Event.Status.PUBLISHED:
        event.status = Event.Status.PUBLISHED
        event.save(update_fields=["status", "updated_at"])


def ensure_manages(*, event: Event, by) -> None:
    """Refuse anyone but the event's organizer (holding the role) and site staff."""
    if not event.is_managed_by(by):
        raise DomainError(ErrorCode.NOT_ALLOWED, "Only the event's organizer or staff can do that.")


def capacity_refusal(*, event: Event, capacity: int) -> DomainError | None:
    """Why ``event`` cannot take ``capacity`` seats, or None; decided from the row given (lock it to act)."""
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        return DomainError(ErrorCode.INVALID_CAPACITY, CAPACITY_RANGE_MESSAGE, field="capacity")
    if capacity < event.booked_seats:
        return DomainError(
            ErrorCode.CAPACITY_BELOW_BOOKED,
            f"Capacity cannot be lower than the {event.booked_seats} seats already booked.",
            field="capacity",
        )
    return None


def change_capacity(*, event: Event, capacity: int, by) -> Event:
    """Set an event's capacity: never below booked seats; a raise confirms the waitlist in order."""
    with transaction.atomic():
        event = lock_event(event.pk)
        _change_capacity_locked(event=event, capacity=capacity, by=by)
        return event


def _change_capacity_locked(*, event: Event, capacity: int, by) -> None:
    ensure_manages(event=event, by=by)
    _raise_if(capacity_refusal(event=event, capacity=capacity))
    Event.objects.filter(pk=event.pk).update(capacity=capacity, updated_at=timezone.now())
    event.capacity = capacity
    # The bookings app fills new seats from the waitlist, under this same lock.
    capacity_changed.send(sender=Event, event=event)


def cancel_event(*, event: Event, by) -> Event:
    """Cancel an event: booking closes for good; every booking stays on record as it was."""
    with transaction.atomic():
        event = lock_event(event.pk)
        _cancel_locked(event=event, by=by)
        return event


def _cancel_locked(*, event: Event, by) -> None:
    ensure_manages(event=event, by=by)
    if event.status == Event.Status.CANCELLED:
        raise DomainError(ErrorCode.ALREADY_CANCELLED, "This event is already cancelled.")
    event.status = Event.Status.CANCELLED
    event.save(update_fields=["status", "updated_at"])
    fields = {"event_id": event.pk, "user_id": by.pk}
    transaction.on_commit(lambda: logger.info("event.cancelled", extra={"event_data": fields}))


def delete_event(*, event: Event, by) -> None:
    """Delete an event that has no bookings on record; one with bookings is cancelled instead.

    Decided under the event's lock, so a booking in flight either commits first
    (and the event is kept: ``has_bookings``) or finds the event gone (``not_found``).
    """
    with transaction.atomic():
        event = lock_event(event.pk)
        ensure_manages(event=event, by=by)
        try:
            event.delete()
        except ProtectedError:  # bookings are records: they protect their event
            raise DomainError(
                ErrorCode.HAS_BOOKINGS,
                "This event has bookings, so it cannot be deleted. Cancel it instead (status=cancelled).",
            ) from None


# Checks that write nothing ----------------------------------------------------


def _capacity_refusal(*, event: Event, capacity: int) -> DomainError | None:
    """The capacity rule, asked of the stored row (asked again under the lock when saving)."""
    stored = Event.objects.filter(pk=event.pk).first()
    return capacity_refusal(event=stored, capacity=capacity) if stored else event_not_found()


def _about_status(refusal: DomainError | None) -> DomainError | None:
    """A refused status move is about the status input, whichever rule refused it."""
    if refusal is not None and refusal.field is None:
        refusal.field = "status"
    return refusal


def _with(event: Event, changes: EventChanges) -> Event:
    """An unsaved copy of ``event`` with the edited fields changed, for the rules to judge."""
    candidate = copy(event)
    for name in EDITABLE_FIELDS:
        if name in changes:
            setattr(candidate, name, changes[name])
    return candidate


def new_event_refusals(*, organizer, **fields: Unpack[EventChanges]) -> list[Refusal]:
    """Every refusal create_event would give these fields, beyond the model's own validation."""
    status = fields.get("status", Event.Status.DRAFT)
    candidate = _with(Event(organizer=organizer, status=Event.Status.DRAFT), fields)
    refusals = [_new_status_refusal(status), _start_refusal(candidate)]
    if status == Event.Status.PUBLISHED:
        refusals.append(_about_status(publish_refusal(event=candidate, by=organizer)))
    return [refusal for refusal in refusals if refusal is not None]


def event_change_refusals(*, event: Event, by, **changes: Unpack[EventChanges]) -> list[Refusal]:
    """Every refusal update_event would give these changes, beyond the model's own validation.

    The services decide again under the event's lock when they write, so a
    change that races this check (a seat booked meanwhile) is refused then.
    """
    if not event.is_managed_by(by):
        return [_change_not_allowed()]
    candidate = _with(event, changes)
    refusals = []
    capacity, status = changes.get("capacity"), changes.get("status")
    if capacity is not None and capacity != event.capacity:
        refusals.append(_capacity_refusal(event=event, capacity=capacity))
    if _moves(event, changes):
        refusals.append(_start_refusal(candidate))
    if status is not None and status != event.status:
        refusals.append(_about_status(_status_refusal(event=candidate, status=status, by=by)))
    return [refusal for refusal in refusals if refusal is not None]


def _status_refusal(*, event: Event, status: str, by) -> DomainError | None:
    """set_status's answer, without moving. Cancelling an event that is not cancelled yet is refused
    only to those who may not change it, which the caller asks first."""
    if status == Event.Status.PUBLISHED:
        return publish_refusal(event=event, by=by)
    if status == Event.Status.CANCELLED:
        return None
    return _back_to_draft()
