"""Bookings are made through the booking service, so counters in tests are always real."""

from bookings import services
from bookings.models import Booking
from events.models import Event


def make_booking(*, user, event, waitlist=False, ticket_type=None, seat=None, answers=None):
    return services.book(
        user=user, event=event, waitlist=waitlist, ticket_type=ticket_type, seat=seat, answers=answers
    )


def fill(event, *, users, ticket_type=None):
    """Book one place per user (the waitlist once the places are gone); returns the bookings."""
    return [services.book(user=user, event=event, ticket_type=ticket_type, waitlist=True) for user in users]


def assert_counter_exact(event: Event) -> None:
    """The invariant every booking rule protects: the counter is the rows holding a place (confirmed
    ones and unpaid holds), within capacity."""
    event.refresh_from_db()
    holding = Booking.objects.filter(event=event).holding().count()
    assert event.booked_seats == holding
    assert 0 <= event.booked_seats <= event.capacity
