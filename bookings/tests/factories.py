"""Bookings are made through the booking service, so counters in tests are always real."""

from bookings import services


def make_booking(*, user, event, waitlist=False):
    return services.book(user=user, event=event, waitlist=waitlist)


def fill(event, *, users):
    """Book one seat per user; returns the bookings."""
    return [services.book(user=user, event=event, waitlist=True) for user in users]
