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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.text import slugify

from eventhub.errors import DomainError, ErrorCode, raise_if
from eventhub.money import default_currency
from events import images
from events.browse_cache import catalogue_changed
from events.locks import event_not_found, lock_event
from events.models import (
    CAPACITY_RANGE_MESSAGE,
    DEFAULT_TICKET_TYPE_NAME,
    MAX_CAPACITY,
    MIN_CAPACITY,
    TAG_MAX_LENGTH,
    Category,
    Event,
    Question,
    Seat,
    Tag,
    TicketType,
    row_label,
)
from events.signals import capacity_changed, event_cancelled, event_changed

logger = logging.getLogger("eventhub.events")

# Fields an organizer edits directly; capacity and status have their own services.
EDITABLE_FIELDS = (
    "title",
    "description",
    "location",
    "attendance",
    "address",
    "city",
    "map_url",
    "online_url",
    "category",
    "starts_at",
    "ends_at",
    "timezone",
    "currency",
    "hold_minutes",
    "payment_providers",
    "refund_cutoff_hours",
)
# What a calendar entry shows: a change to one of these is a new revision of the entry.
CALENDAR_FIELDS = (
    "title",
    "description",
    "location",
    "attendance",
    "address",
    "city",
    "starts_at",
    "ends_at",
    "timezone",
)
# What booked people are told about when it changes (events.signals.event_changed).
ANNOUNCED_FIELDS = ("starts_at", "ends_at", "location", "attendance", "address", "city", "timezone")
NEW_EVENT_STATUSES = (Event.Status.DRAFT, Event.Status.PUBLISHED)
MAX_TAGS = 10

Refusal = DomainError | ValidationError


class EventChanges(TypedDict, total=False):
    """What an organizer may change on an event; update_event refuses any other name."""

    title: str
    description: str
    location: str
    attendance: str
    address: str
    city: str
    map_url: str
    online_url: str
    category: Category | None
    tags: list[str]
    starts_at: datetime
    ends_at: datetime
    timezone: str
    currency: str
    capacity: int
    status: str
    hold_minutes: int
    payment_providers: list[str]
    refund_cutoff_hours: int


class Place(TypedDict, total=False):
    """Where an event happens and how it is listed, beside its location (create_event's own arguments)."""

    attendance: str
    address: str
    city: str
    map_url: str
    online_url: str
    category: Category | None


def clean_tags(names: list[str]) -> list[str]:
    """The tags as they will be kept: trimmed, each once whatever its case, at most MAX_TAGS of them.

    Refuses (field ``tags``) a tag too long or with nothing to link by (no letter or digit).
    """
    kept: dict[str, str] = {}
    for name in names:
        name = " ".join(str(name).split())
        if not name:
            continue
        slug = slugify(name)
        if max(len(name), len(slug)) > TAG_MAX_LENGTH:  # a link may spell it longer ("ﬃ" is "ffi")
            raise _tags_refusal(f"A tag has at most {TAG_MAX_LENGTH} characters: “{name[:50]}” is longer.")
        if not slug:
            raise _tags_refusal(f"“{name}” cannot be a tag: use letters or digits.")
        kept.setdefault(slug, name)
    if len(kept) > MAX_TAGS:
        raise _tags_refusal(f"An event has at most {MAX_TAGS} tags.")
    return list(kept.values())


def _tags_refusal(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_TAGS, message, field="tags")


def _set_tags(event: Event, names: list[str]) -> None:
    """File ``event`` under exactly the tags ``names`` (already cleaned), adding the tags new to the site."""
    slugs = {slugify(name): name for name in names}
    Tag.objects.bulk_create(
        [Tag(name=name, slug=slug) for slug, name in slugs.items()], ignore_conflicts=True
    )
    event.tags.set(Tag.objects.filter(slug__in=slugs))


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


def _currency_refusal(event: Event, changes: EventChanges) -> DomainError | None:
    """Prices people have booked at stay in the currency they booked them in."""
    if "currency" not in changes or changes["currency"] == event.currency or not event.bookings.exists():
        return None
    return DomainError(
        ErrorCode.HAS_BOOKINGS,
        "People have booked this event: its currency can no longer change.",
        field="currency",
    )


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
    currency: str | None = None,
    status: str = Event.Status.DRAFT,
    hold_minutes: int | None = None,
    payment_providers: list[str] | None = None,
    refund_cutoff_hours: int = 0,
    tags: list[str] | None = None,
    **place: Unpack[Place],
) -> Event:
    """Create an event (a draft unless told otherwise) run by ``organizer``, in their time zone by default.

    It sells one free general admission of its capacity until the organizer adds other ticket types.
    """
    raise_if(_new_status_refusal(status))
    tags = clean_tags(tags or [])
    event = Event(
        organizer=organizer,
        title=title,
        description=description,
        location=location,
        **place,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone or organizer.timezone,
        currency=currency or default_currency(),
        capacity=capacity,
        payment_providers=payment_providers or [],
        refund_cutoff_hours=refund_cutoff_hours,
    )
    if hold_minutes is not None:
        event.hold_minutes = hold_minutes
    event.full_clean()
    raise_if(_start_refusal(event))
    with transaction.atomic():
        event.save()
        _set_tags(event, tags)
        # Every event sells at least one type: until the organizer adds others, this one.
        TicketType.objects.create(event=event, name=DEFAULT_TICKET_TYPE_NAME, capacity=capacity)
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
    tags = changes.pop("tags", None)
    tags = None if tags is None else clean_tags(tags)
    with transaction.atomic():
        # Compare with the locked row, not the caller's copy, which may be stale.
        event = lock_event(event.pk)
        if tags is not None:
            _set_tags(event, tags)
        if capacity is not None and capacity != event.capacity:
            _change_capacity_locked(event=event, capacity=capacity, by=by)
        moved = _moves(event, changes)
        raise_if(_currency_refusal(event, changes))
        if any(name in changes and changes[name] != getattr(event, name) for name in CALENDAR_FIELDS):
            event.calendar_sequence += 1
        announced = {
            name: (getattr(event, name), changes[name])
            for name in ANNOUNCED_FIELDS
            if name in changes and changes[name] != getattr(event, name)
        }
        for name in EDITABLE_FIELDS:
            if name in changes:
                setattr(event, name, changes[name])
        event.full_clean()
        if moved:
            raise_if(_start_refusal(event))
        # Only the edited fields: capacity and booked_seats are written by their own rules.
        event.save(update_fields=[*EDITABLE_FIELDS, "calendar_sequence", "updated_at"])
        if announced and event.status == Event.Status.PUBLISHED:
            event_changed.send(sender=Event, event=event, changes=announced, by=by)
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
    if not (by.email_verified or by.is_site_staff):
        return DomainError(
            ErrorCode.EMAIL_NOT_VERIFIED,
            "Confirm your email address before publishing: open the link we emailed you, or ask for "
            "a new one from your profile.",
        )
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
    raise_if(publish_refusal(event=event, by=by))
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
    raise_if(capacity_refusal(event=event, capacity=capacity))
    was = event.capacity
    Event.objects.filter(pk=event.pk).update(capacity=capacity, updated_at=timezone.now())
    event.capacity = capacity
    _only_type_follows(event, was=was)
    catalogue_changed()  # seats left moved (and the waitlist may fill them): pages are read anew
    # The bookings app fills new seats from the waitlist, under this same lock.
    capacity_changed.send(sender=Event, event=event)


def _only_type_follows(event: Event, *, was: int) -> None:
    """An event that sells one unseated type as large as itself keeps selling it up to its capacity.

    So an event with just its general admission behaves as before types existed.
    The type's booked tickets are the event's, so the new capacity (never below
    the event's booked seats) is never below the type's either.
    """
    types = list(TicketType.objects.filter(event=event).values_list("pk", "seated", "capacity")[:2])
    if len(types) == 1 and types[0][1:] == (False, was):
        TicketType.objects.filter(pk=types[0][0]).update(capacity=event.capacity)


def cancel_event(*, event: Event, by) -> Event:
    """Cancel an event: booking closes for good and its bookings stay on record.

    The apps above settle the money: payments refunds paid and held tickets once this commits.
    """
    with transaction.atomic():
        event = lock_event(event.pk)
        _cancel_locked(event=event, by=by)
        return event


def _cancel_locked(*, event: Event, by) -> None:
    ensure_manages(event=event, by=by)
    if event.status == Event.Status.CANCELLED:
        raise DomainError(ErrorCode.ALREADY_CANCELLED, "This event is already cancelled.")
    event.status = Event.Status.CANCELLED
    event.calendar_sequence += 1
    event.save(update_fields=["status", "calendar_sequence", "updated_at"])
    event_cancelled.send(sender=Event, event=event, by=by)
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


# Ticket types and seats ------------------------------------------------------

MAX_ROWS, MAX_SEATS_PER_ROW = 200, 500


class TicketTypeChanges(TypedDict, total=False):
    """What an organizer may change on a ticket type; capacity has its own rule, seats their layout."""

    name: str
    description: str
    price: Decimal
    tax_rate: Decimal
    sales_start: datetime | None
    sales_end: datetime | None
    position: int
    capacity: int


TICKET_TYPE_FIELDS = ("name", "description", "price", "tax_rate", "sales_start", "sales_end", "position")


@dataclass(frozen=True)
class SeatLayout:
    """A hall drawn by rule: ``rows`` rows named A, B, C, ... of seats 1..``seats_per_row``.

    ``gaps`` are seat numbers left out of every row (an aisle, a pillar), so the
    seat map shows a hole there and the numbers on either side stay as printed.
    """

    rows: int
    seats_per_row: int
    gaps: frozenset[int] = field(default_factory=frozenset)

    def refusal(self) -> DomainError | None:
        if not 1 <= self.rows <= MAX_ROWS:
            return _layout_refusal(f"A hall has from 1 to {MAX_ROWS} rows.")
        if not 1 <= self.seats_per_row <= MAX_SEATS_PER_ROW:
            return _layout_refusal(f"A row has from 1 to {MAX_SEATS_PER_ROW} seats.")
        if not self.numbers():
            return _layout_refusal("The gaps leave no seat in a row.")
        if self.rows * len(self.numbers()) > MAX_CAPACITY:
            return _layout_refusal(f"A hall has at most {MAX_CAPACITY:,} seats.")
        return None

    def numbers(self) -> list[int]:
        return [n for n in range(1, self.seats_per_row + 1) if n not in self.gaps]

    def seats(self, ticket_type: TicketType) -> list[Seat]:
        numbers = self.numbers()
        return [
            Seat(ticket_type=ticket_type, row=row_label(index), row_index=index, number=number)
            for index in range(self.rows)
            for number in numbers
        ]


def _layout_refusal(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_LAYOUT, message, field="layout")


def _type_of_locked_event(ticket_type_id: int, event: Event) -> TicketType:
    """Re-read a ticket type after its event is locked: the event's lock guards its types and seats."""
    ticket_type = TicketType.objects.filter(pk=ticket_type_id, event=event).first()
    if ticket_type is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This ticket type does not exist.")
    ticket_type.event = event
    return ticket_type


def create_ticket_type(
    *,
    event: Event,
    by,
    name: str,
    capacity: int | None = None,
    price: Decimal = Decimal("0.00"),
    tax_rate: Decimal = Decimal("0.00"),
    description: str = "",
    sales_start: datetime | None = None,
    sales_end: datetime | None = None,
    position: int | None = None,
    layout: SeatLayout | None = None,
) -> TicketType:
    """Add a ticket type to an event; with a ``layout`` it is seated and sells exactly its seats."""
    if layout is not None:
        raise_if(layout.refusal())
    with transaction.atomic():
        event = lock_event(event.pk)
        ensure_manages(event=event, by=by)
        if position is None:
            position = (
                max(TicketType.objects.filter(event=event).values_list("position", flat=True), default=-1) + 1
            )
        seats = layout.rows * len(layout.numbers()) if layout is not None else capacity
        if seats is None:
            raise DomainError(
                ErrorCode.INVALID_CAPACITY,
                "Say how many tickets of this type are for sale.",
                field="capacity",
            )
        raise_if(_type_capacity_range_refusal(seats))
        ticket_type = TicketType(
            event=event,
            name=name,
            description=description,
            price=price,
            tax_rate=tax_rate,
            capacity=seats,
            sales_start=sales_start,
            sales_end=sales_end,
            position=position,
            seated=layout is not None,
        )
        ticket_type.full_clean()
        ticket_type.save()
        if layout is not None:
            Seat.objects.bulk_create(layout.seats(ticket_type), batch_size=2_000)
        return ticket_type


def update_ticket_type(*, ticket_type: TicketType, by, **changes: Unpack[TicketTypeChanges]) -> TicketType:
    """Change a ticket type's details and capacity under its event's lock."""
    unknown = changes.keys() - TicketTypeChanges.__annotations__.keys()
    if unknown:
        raise TypeError(f"update_ticket_type() got unexpected fields: {sorted(unknown)}")
    with transaction.atomic():
        event = lock_event(ticket_type.event_id)
        ensure_manages(event=event, by=by)
        ticket_type = _type_of_locked_event(ticket_type.pk, event)
        capacity = changes.pop("capacity", None)
        if capacity is not None and capacity != ticket_type.capacity:
            _change_type_capacity_locked(ticket_type=ticket_type, capacity=capacity)
        for name in TICKET_TYPE_FIELDS:
            if name in changes:
                setattr(ticket_type, name, changes[name])
        ticket_type.full_clean()
        ticket_type.save(update_fields=TICKET_TYPE_FIELDS)
        return ticket_type


def change_ticket_type_capacity(*, ticket_type: TicketType, capacity: int, by) -> TicketType:
    """Set how many tickets of a type are for sale: never below those booked; a raise serves its waitlist."""
    with transaction.atomic():
        event = lock_event(ticket_type.event_id)
        ensure_manages(event=event, by=by)
        ticket_type = _type_of_locked_event(ticket_type.pk, event)
        _change_type_capacity_locked(ticket_type=ticket_type, capacity=capacity)
        return ticket_type


def _type_capacity_range_refusal(capacity: int) -> DomainError | None:
    if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        return DomainError(ErrorCode.INVALID_CAPACITY, CAPACITY_RANGE_MESSAGE, field="capacity")
    return None


def ticket_type_capacity_refusal(*, ticket_type: TicketType, capacity: int) -> DomainError | None:
    """Why ``ticket_type`` cannot sell ``capacity`` tickets, or None; decided from the row given."""
    if ticket_type.seated:
        return DomainError(
            ErrorCode.INVALID_CAPACITY,
            "A seated type sells its seats: change its seat layout instead.",
            field="capacity",
        )
    if refusal := _type_capacity_range_refusal(capacity):
        return refusal
    if capacity < ticket_type.booked_seats:
        return DomainError(
            ErrorCode.CAPACITY_BELOW_BOOKED,
            f"Capacity cannot be lower than the {ticket_type.booked_seats} tickets of this type booked.",
            field="capacity",
        )
    return None


def _change_type_capacity_locked(*, ticket_type: TicketType, capacity: int) -> None:
    raise_if(ticket_type_capacity_refusal(ticket_type=ticket_type, capacity=capacity))
    TicketType.objects.filter(pk=ticket_type.pk).update(capacity=capacity)
    ticket_type.capacity = capacity
    catalogue_changed()
    capacity_changed.send(sender=TicketType, event=ticket_type.event)


def delete_ticket_type(*, ticket_type: TicketType, by) -> None:
    """Delete a ticket type nobody has booked; an event keeps at least one."""
    with transaction.atomic():
        event = lock_event(ticket_type.event_id)
        ensure_manages(event=event, by=by)
        ticket_type = _type_of_locked_event(ticket_type.pk, event)
        if not TicketType.objects.filter(event=event).exclude(pk=ticket_type.pk).exists():
            raise DomainError(
                ErrorCode.LAST_TICKET_TYPE, "An event sells at least one ticket type: add another first."
            )
        try:
            ticket_type.delete()
        except ProtectedError:
            raise DomainError(
                ErrorCode.HAS_BOOKINGS,
                "This ticket type has bookings, so it cannot be deleted. Stop its sales instead (sales end).",
            ) from None


def lay_out_seats(*, ticket_type: TicketType, layout: SeatLayout, by) -> TicketType:
    """Draw a type's hall anew (it becomes seated and sells its seats); only before anyone booked it."""
    raise_if(layout.refusal())
    with transaction.atomic():
        event = lock_event(ticket_type.event_id)
        ensure_manages(event=event, by=by)
        ticket_type = _type_of_locked_event(ticket_type.pk, event)
        if ticket_type.bookings.exists():
            raise DomainError(
                ErrorCode.HAS_BOOKINGS,
                "This ticket type has bookings, so its hall cannot be redrawn. Block single seats instead.",
            )
        Seat.objects.filter(ticket_type=ticket_type).delete()
        Seat.objects.bulk_create(layout.seats(ticket_type), batch_size=2_000)
        ticket_type.seated, ticket_type.capacity = True, layout.rows * len(layout.numbers())
        ticket_type.save(update_fields=["seated", "capacity"])
        return ticket_type


def set_seats_blocked(*, ticket_type: TicketType, seat_ids: list[int], blocked: bool, by) -> int:
    """Keep seats out of sale (or put them back); a seat someone holds cannot be blocked."""
    with transaction.atomic():
        event = lock_event(ticket_type.event_id)
        ensure_manages(event=event, by=by)
        ticket_type = _type_of_locked_event(ticket_type.pk, event)
        seats = Seat.objects.filter(ticket_type=ticket_type, pk__in=seat_ids)
        held = seats.filter(held=True).first() if blocked else None
        if held is not None:
            raise DomainError(
                ErrorCode.SEAT_TAKEN,
                f"{held.label} is booked: move or cancel that booking before blocking it.",
            )
        return seats.update(blocked=blocked)


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
    refusals = [_new_status_refusal(status), _start_refusal(candidate), _tags_check(fields)]
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
    refusals = [_tags_check(changes)]
    capacity, status = changes.get("capacity"), changes.get("status")
    if capacity is not None and capacity != event.capacity:
        refusals.append(_capacity_refusal(event=event, capacity=capacity))
    if _moves(event, changes):
        refusals.append(_start_refusal(candidate))
    refusals.append(_currency_refusal(event, changes))
    if status is not None and status != event.status:
        refusals.append(_about_status(_status_refusal(event=candidate, status=status, by=by)))
    return [refusal for refusal in refusals if refusal is not None]


def _tags_check(fields: EventChanges) -> DomainError | None:
    try:
        clean_tags(fields.get("tags") or [])
    except DomainError as refusal:
        return refusal
    return None


def _status_refusal(*, event: Event, status: str, by) -> DomainError | None:
    """set_status's answer, without moving. Cancelling an event that is not cancelled yet is refused
    only to those who may not change it, which the caller asks first."""
    if status == Event.Status.PUBLISHED:
        return publish_refusal(event=event, by=by)
    if status == Event.Status.CANCELLED:
        return None
    return _back_to_draft()


# Copies ----------------------------------------------------------------------

# What a copy takes over from its event as it is; the times move by the offset, the counters start at zero.
COPIED_EVENT_FIELDS = (
    "organizer",
    *(name for name in EDITABLE_FIELDS if name not in ("starts_at", "ends_at")),
    "capacity",
    "image_alt",
)
COPIED_TYPE_FIELDS = ("name", "description", "price", "tax_rate", "capacity", "position", "seated")
COPIED_SEAT_FIELDS = ("row", "row_index", "number", "blocked")
COPIED_QUESTION_FIELDS = ("label", "kind", "options", "required", "position")


def copy_event(*, event: Event, by, offset: timedelta) -> Event:
    """A new draft of ``event`` ``offset`` later, to run it again (copy_event_to says what it holds)."""
    return copy_event_to(event=event, by=by, starts_at=event.starts_at + offset)


def copy_event_to(*, event: Event, by, starts_at: datetime) -> Event:
    """A new draft of ``event`` starting at ``starts_at``, to run it again: its ticket types (sales windows
    moved as much as the start), their seats (blocked ones still blocked, none held) and its questions;
    nobody booked yet.

    The copy stays with the event's organizer; it is a new entry in calendars (an entry is its event's).
    """
    ensure_manages(event=event, by=by)
    offset = starts_at - event.starts_at
    draft = Event(
        **{name: getattr(event, name) for name in COPIED_EVENT_FIELDS},
        starts_at=starts_at,
        ends_at=event.ends_at + offset,
        status=Event.Status.DRAFT,
    )
    draft.full_clean()
    raise_if(_start_refusal(draft))
    with transaction.atomic():
        draft.save()
        draft.tags.set(event.tags.all())
        _copy_picture(event, draft)
        types = {kind.pk: _copy_ticket_type(kind, draft, offset) for kind in event.ticket_types.all()}
        _copy_seats(types)
        _copy_questions(event, draft, types)
    return draft


def _copy_picture(event: Event, draft: Event) -> None:
    """The copy gets files of its own (deleting either event's picture leaves the other's in place)."""
    made = images.renditions_of(event)
    with images.stored(made, event=draft) as names:
        for kind, name in names.items():
            setattr(draft, f"image_{kind}", name)
        draft.image_alt = event.image_alt if names else ""
        draft.save(update_fields=PICTURE_FIELDS)


def _moved(moment: datetime | None, offset: timedelta) -> datetime | None:
    return None if moment is None else moment + offset


def _copy_ticket_type(kind: TicketType, event: Event, offset: timedelta) -> TicketType:
    return TicketType.objects.create(
        event=event,
        **{name: getattr(kind, name) for name in COPIED_TYPE_FIELDS},
        sales_start=_moved(kind.sales_start, offset),
        sales_end=_moved(kind.sales_end, offset),
    )


def _copy_seats(types: dict[int, TicketType]) -> None:
    """The seats of the seated types, copied in bulk: a hall holds up to MAX_CAPACITY of them."""
    seats = Seat.objects.filter(ticket_type_id__in=types).values("ticket_type_id", *COPIED_SEAT_FIELDS)
    copies = (
        Seat(ticket_type=types[seat.pop("ticket_type_id")], **seat)
        for seat in seats.iterator(chunk_size=2_000)
    )
    Seat.objects.bulk_create(copies, batch_size=2_000)


def _copy_questions(event: Event, draft: Event, types: dict[int, TicketType]) -> None:
    questions = [
        Question(
            event=draft,
            ticket_type=types.get(question.ticket_type_id),
            **{name: getattr(question, name) for name in COPIED_QUESTION_FIELDS},
        )
        for question in Question.objects.filter(event=event)
    ]
    Question.objects.bulk_create(questions)
    if questions:
        Event.objects.filter(pk=draft.pk).update(asks_questions=True)
        draft.asks_questions = True


# Pictures --------------------------------------------------------------------

PICTURE_FIELDS = ("image_card", "image_banner", "image_alt")


def set_event_image(*, event: Event, by, upload, alt: str) -> Event:
    """Give an event a picture made from ``upload`` (events.images: checked, cut to a card and a
    banner), described by ``alt``; with ``upload=None``, only change the description.

    The upload is read before the event's lock is taken (that takes a while) and its files written
    beside the current ones; the row then points at them, and the files it pointed at are deleted
    once that commits, so no page ever links to a missing file. If the change fails, the new files go.
    """
    ensure_manages(event=event, by=by)
    made = images.renditions(upload) if upload is not None else []
    with images.stored(made, event=event) as names, transaction.atomic():
        event = lock_event(event.pk)
        ensure_manages(event=event, by=by)
        replaced = images.files_of(event) if names else []
        for kind, name in names.items():
            setattr(event, f"image_{kind}", name)
        event.image_alt = alt.strip()
        event.full_clean()  # a picture needs its description
        event.save(update_fields=[*PICTURE_FIELDS, "updated_at"])
        images.delete_after_commit(replaced)
    return event


def remove_event_image(*, event: Event, by) -> Event:
    """Take an event's picture away (nothing happens to an event without one); its files are deleted
    once that commits."""
    with transaction.atomic():
        event = lock_event(event.pk)
        ensure_manages(event=event, by=by)
        replaced = images.files_of(event)
        event.image_card = event.image_banner = event.image_alt = ""
        event.save(update_fields=[*PICTURE_FIELDS, "updated_at"])
        images.delete_after_commit(replaced)
    return event
