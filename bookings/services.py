"""The booking service: the only code that writes a booking's status or Event.booked_seats.

Every function here follows the same recipe (see the README, "How an event is
never overbooked"):

1. open a transaction;
2. lock the event row with ``select_for_update`` before reading anything the
   decision depends on (on SQLite the IMMEDIATE transaction holds the write
   lock from BEGIN instead);
3. decide from the locked row's ``booked_seats`` and ``capacity`` — never by
   counting bookings, so the cost of one booking stays flat;
4. write the booking and move the counter with an ``F()`` expression; commit.

Refusals are ``DomainError`` with a stable code. Side effects (log lines,
emails) run on commit, so a rolled-back booking leaves no trace.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.utils import timezone

from bookings.models import Booking
from eventhub.errors import DomainError, ErrorCode
from events.locks import event_not_found, lock_event, lock_events
from events.models import Event
from events.services import ensure_manages

logger = logging.getLogger("eventhub.bookings")


def _booking_of_locked_event(booking_id: int, event_id: int) -> Booking:
    """Re-read a booking after its event is locked: the event's lock guards every booking of it.

    Raises ``not_found`` when it is gone (its account was deleted meanwhile).
    """
    booking = Booking.objects.select_related("user").filter(pk=booking_id, event_id=event_id).first()
    if booking is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This booking does not exist.")
    return booking


def _move_counter(event: Event, delta: int) -> None:
    if delta:
        Event.objects.filter(pk=event.pk).update(booked_seats=F("booked_seats") + delta)
        event.booked_seats += delta  # mirrors the row we hold locked


def _log(action: str, booking: Booking, **extra) -> None:
    fields = {
        "action": action,
        "booking_id": booking.pk,
        "event_id": booking.event_id,
        "user_id": booking.user_id,
        "status": booking.status,
        **extra,
    }
    transaction.on_commit(lambda: logger.info(action, extra={"event_data": fields}))


def booking_refusal(*, user, event: Event) -> DomainError | None:
    """Why ``user`` cannot book ``event`` right now, or None. Pages use it to pick their button."""
    if event.status == Event.Status.DRAFT and not event.is_managed_by(user):
        return event_not_found()  # someone else's draft does not exist, for anyone, whatever their role
    if not user.is_authenticated or not user.is_attendee:
        return DomainError(ErrorCode.NOT_ATTENDEE, "Only attendees can book seats.")
    closed = event.booking_closed_reason()
    return DomainError(ErrorCode.NOT_BOOKABLE, closed) if closed else None


def _lock_event_noting_booking(event_id: int, user) -> Event:
    """Lock the event row and, in the same statement, note ``user``'s booking status on it.

    The noted ``held_status`` comes from the statement's snapshot, which on
    PostgreSQL may predate the wait for the lock. It is used only to refuse
    (already_booked, event_full), where a racing double click changes no more
    than which refusal is given; writes re-read the booking after the lock.
    Saves a round trip on the most common answer of a flash sale: "full".
    """
    held = Booking.objects.filter(event=OuterRef("pk"), user=user).values("status")[:1]
    return lock_event(event_id, also_read={"held_status": Subquery(held)})


def book(*, user, event: Event, waitlist: bool = False) -> Booking:
    """Give ``user`` a seat at ``event``, or a waitlist place when it is full and they asked.

    Guarantees: never more confirmed bookings than seats, however many
    requests race; one booking row per person and event (a cancelled one is
    re-activated). Only ``event.pk`` is used: the row is read under its lock,
    so a caller holding just an id passes ``Event(pk=id)`` and skips a read.
    """
    try:
        return _book(user=user, event_id=event.pk, waitlist=waitlist)
    except IntegrityError:
        refusal = _gone(user=user, event_id=event.pk)
        if refusal is None:
            raise
        raise refusal from None


def _gone(*, user, event_id: int) -> DomainError | None:
    """Why a booking's commit broke a foreign key: its account or its event was deleted meanwhile."""
    if not get_user_model().objects.filter(pk=user.pk).exists():
        return DomainError(ErrorCode.NOT_AUTHENTICATED, "Your account no longer exists.")
    if not Event.objects.filter(pk=event_id).exists():
        return event_not_found()
    return None


def _book(*, user, event_id: int, waitlist: bool) -> Booking:
    with transaction.atomic():
        event = _lock_event_noting_booking(event_id, user if user.is_authenticated else None)
        _refuse_unless_bookable(user=user, event=event, waitlist=waitlist)
        booking = Booking.objects.filter(event=event, user=user).first() or Booking(event=event, user=user)
        if booking.is_active:  # a double click that got the lock first
            raise _already_booked(booking.status)
        if not event.is_full:
            booking.status = Booking.Status.CONFIRMED
            booking.waitlisted_at = None
            _move_counter(event, +1)
        else:
            booking.status = Booking.Status.WAITLISTED
            booking.waitlisted_at = timezone.now()
        booking.cancelled_at = None
        booking.checked_in_at = None
        booking.event = event
        booking.save()
        _log("booking.created", booking)
        return booking


def _refuse_unless_bookable(*, user, event: Event, waitlist: bool) -> None:
    refusal = booking_refusal(user=user, event=event)
    if refusal is not None:
        raise refusal
    if event.held_status in Booking.ACTIVE_STATUSES:
        raise _already_booked(event.held_status)
    if event.is_full and not waitlist:
        raise DomainError(ErrorCode.EVENT_FULL, "This event is full. You can join the waitlist.")


def _already_booked(status: str) -> DomainError:
    if status == Booking.Status.WAITLISTED:
        return DomainError(ErrorCode.ALREADY_BOOKED, "You are already on the waitlist for this event.")
    return DomainError(ErrorCode.ALREADY_BOOKED, "You already have a seat at this event.")


def cancel_booking(*, booking: Booking, by) -> Booking:
    """Cancel a booking; a freed seat goes to the oldest waitlisted booking in the same transaction.

    The booking's owner may cancel until the event starts; the event's
    organizer and site staff may cancel at any time.
    """
    with transaction.atomic():
        event = lock_event(booking.event_id)
        booking = _booking_of_locked_event(booking.pk, event.pk)
        is_owner = by.is_authenticated and by.pk == booking.user_id
        if not (is_owner or event.is_managed_by(by)):
            raise DomainError(ErrorCode.NOT_ALLOWED, "You cannot cancel someone else's booking.")
        if not booking.is_active:
            raise DomainError(ErrorCode.ALREADY_CANCELLED, "This booking is already cancelled.")
        if event.has_started and not event.is_managed_by(by):
            raise DomainError(ErrorCode.NOT_CANCELLABLE, "This event has started; it is too late to cancel.")
        _cancel_locked(event=event, booking=booking, by=by)
        return booking


def _cancel_locked(*, event: Event, booking: Booking, by) -> None:
    was_confirmed = booking.status == Booking.Status.CONFIRMED
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.waitlisted_at = None
    booking.event = event
    booking.save(update_fields=["status", "cancelled_at", "waitlisted_at", "updated_at"])
    _log("booking.cancelled", booking, by_user_id=by.pk)
    if was_confirmed:
        _move_counter(event, -1)
        _promote_waitlist(event)


def _promote_waitlist(event: Event) -> list[Booking]:
    """Fill the locked event's free seats from its waitlist, first come first served."""
    free = event.capacity - event.booked_seats
    if event.status != Event.Status.PUBLISHED or free <= 0:
        return []
    promoted = list(Booking.objects.filter(event=event).in_waitlist_order().select_related("user")[:free])
    if not promoted:
        return []
    now = timezone.now()
    Booking.objects.filter(pk__in=[b.pk for b in promoted]).update(
        status=Booking.Status.CONFIRMED, waitlisted_at=None, updated_at=now
    )
    _move_counter(event, len(promoted))
    for booking in promoted:
        booking.status = Booking.Status.CONFIRMED
        booking.event = event
        _log("booking.promoted", booking)
        _notify_promoted(booking)
    return promoted


def _notify_promoted(booking: Booking) -> None:
    event = booking.event
    message = (
        f"Hello {booking.user.username},\n\n"
        f"A seat opened up at “{event.title}” and it is now yours: your booking is confirmed.\n"
        f"If you can no longer come, please cancel it so the next person gets the seat.\n"
    )
    recipient = booking.user.email
    transaction.on_commit(
        lambda: send_mail(
            f"You're in: {event.title}",
            message,
            settings.DEFAULT_FROM_EMAIL,
            [recipient],
            fail_silently=True,
        )
    )


def check_in(*, booking: Booking, by) -> Booking:
    """Record that a confirmed attendee has arrived."""
    with transaction.atomic():
        event = lock_event(booking.event_id)
        booking = _booking_of_locked_event(booking.pk, event.pk)
        ensure_manages(event=event, by=by)
        if booking.status != Booking.Status.CONFIRMED:
            raise DomainError(ErrorCode.NOT_CONFIRMED, "Only confirmed bookings can be checked in.")
        if booking.checked_in_at is None:
            booking.checked_in_at = timezone.now()
            booking.save(update_fields=["checked_in_at", "updated_at"])
        return booking


def cancel_all_bookings_of(*, user, by) -> int:
    """Cancel every active booking a user holds, past events included, so their account can go.

    Their events are locked together in id order, so two such calls never deadlock.
    """
    with transaction.atomic():
        events = lock_events(Booking.objects.filter(user=user).active().values_list("event_id", flat=True))
        for event in events:
            booking = Booking.objects.active().filter(event=event, user=user).first()
            if booking is not None:
                _cancel_locked(event=event, booking=booking, by=by)
    return len(events)


def release_bookings_of(sender, *, user, by, **kwargs) -> None:
    """accounts.signals.account_deleting: seats go back, then the account's booking records go."""
    cancel_all_bookings_of(user=user, by=by)
    Booking.objects.filter(user=user, status=Booking.Status.CANCELLED).delete()


def fill_from_waitlist(sender, *, event: Event, **kwargs) -> None:
    """events.signals.capacity_changed: new seats go to the waitlist, first come first served."""
    _promote_waitlist(event)


def counter_mismatches() -> list[tuple[Event, int]]:
    """Events whose booked_seats differs from their confirmed rows, with the real count."""
    annotated = Event.objects.annotate(
        confirmed_rows=Count("bookings", filter=Q(bookings__status=Booking.Status.CONFIRMED))
    )
    return [(e, e.confirmed_rows) for e in annotated if e.confirmed_rows != e.booked_seats]
