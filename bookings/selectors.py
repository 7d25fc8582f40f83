"""Reads for bookings: what a viewer holds and which action fits them."""

from dataclasses import dataclass

from bookings.models import Booking
from bookings.services import booking_refusal
from events.models import Event


@dataclass(frozen=True)
class BookingAction:
    """The one button an event page offers a viewer, and why."""

    kind: str  # book, waitlist, cancel, sign_in, manage, closed (with the reason)
    reason: str = ""


def booking_of(*, user, event: Event) -> Booking | None:
    if not user.is_authenticated:
        return None
    return Booking.objects.filter(user=user, event=event).first()


def waitlist_position(booking: Booking) -> int:
    """1 for the next person to get a seat."""
    ahead = Booking.objects.in_waitlist_order().filter(event_id=booking.event_id)
    ahead = ahead.filter(waitlisted_at__lt=booking.waitlisted_at) | ahead.filter(
        waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk
    )
    return ahead.count() + 1


def booking_action(*, user, event: Event, booking: Booking | None) -> BookingAction:
    """The one place that picks the booking button, on an event page and in My bookings."""
    if booking is not None and booking.is_active:
        return _holder_action(event, booking)
    if event.is_managed_by(user) and not user.is_attendee:
        return BookingAction("manage")
    if not user.is_authenticated:
        closed = event.booking_closed_reason()
        return BookingAction("closed", closed) if closed else BookingAction("sign_in")
    refusal = booking_refusal(user=user, event=event)
    if refusal is not None:
        return BookingAction("closed", refusal.message)
    return BookingAction("waitlist" if event.is_full else "book")


def _holder_action(event: Event, booking: Booking) -> BookingAction:
    """Someone with a seat or a waitlist place: they may cancel until it starts, unless it is called off."""
    if event.status == Event.Status.CANCELLED:
        return BookingAction("closed", event.booking_closed_reason())
    if booking.is_cancellable:
        return BookingAction("cancel")
    return BookingAction("closed", "The event has started.")


def has_waitlist(event: Event) -> bool:
    """Whether someone waits for a seat, so a cancelled seat would go to them."""
    return Booking.objects.waitlisted().filter(event=event).exists()


def active_event_ids(*, user, events) -> dict[int, str]:
    """The viewer's booking status for each of ``events`` they hold an active booking for."""
    if not user.is_authenticated:
        return {}
    rows = Booking.objects.active().filter(user=user, event__in=[e.pk for e in events])
    return dict(rows.values_list("event_id", "status"))


def bookings_of(*, user):
    return Booking.objects.filter(user=user).select_related("event", "event__organizer")
