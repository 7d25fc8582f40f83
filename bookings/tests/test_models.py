"""The database backs the booking rules even when a service is bypassed."""

import pytest
from django.db import IntegrityError, transaction

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import make_booking
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _row(user, event, **fields):
    """A booking written straight to the table, past the service, as a bug or a hand-written SQL would."""
    return Booking.objects.create(user=user, event=event, ticket_type=event.ticket_types.get(), **fields)


def test_one_booking_per_person_and_event_is_enforced_by_the_database(attendee, published_event):
    _row(attendee, published_event, status=Booking.Status.CANCELLED)

    with pytest.raises(IntegrityError), transaction.atomic():
        _row(attendee, published_event, status=Booking.Status.CANCELLED)

    assert Booking.objects.filter(user=attendee, event=published_event).count() == 1


def test_an_unknown_booking_status_is_refused_by_the_database(attendee, published_event):
    with pytest.raises(IntegrityError), transaction.atomic():
        _row(attendee, published_event, status="maybe")

    assert not Booking.objects.filter(user=attendee).exists()


def test_visible_to_is_ones_own_bookings_and_those_of_the_events_one_runs(attendee, organizer, staff):
    own_event = EventFactory(organizer=organizer)
    elsewhere = EventFactory()
    mine = make_booking(user=attendee, event=elsewhere)
    at_own_event = make_booking(user=UserFactory(), event=own_event)
    unrelated = make_booking(user=UserFactory(), event=elsewhere)

    assert set(Booking.objects.visible_to(attendee)) == {mine}
    assert set(Booking.objects.visible_to(organizer)) == {at_own_event}
    assert set(Booking.objects.managed_by(organizer)) == {at_own_event}
    assert set(Booking.objects.visible_to(staff)) == {mine, at_own_event, unrelated}
