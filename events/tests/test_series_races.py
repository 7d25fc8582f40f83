"""Series writes under real concurrent requests: one series per event, and a change to every later date
never leaves a date with fewer seats than it has booked."""

from types import SimpleNamespace

import pytest

from accounts.tests.factories import UserFactory
from bookings import services as booking_services
from bookings.tests.factories import assert_counter_exact
from bookings.tests.test_concurrency import race
from events.models import Event, Series
from events.series import Frequency, Repeat, Scope, create_series, local_start, update_series
from events.tests.factories import make_series

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_two_requests_repeating_one_event_make_one_series(published_event):
    repeat = Repeat(frequency=Frequency.WEEKLY, weekdays=(local_start(published_event).weekday(),), count=4)

    def repeat_it():
        create_series(event=published_event, by=published_event.organizer, repeat=repeat)
        return SimpleNamespace(status="made")

    assert sorted(race([repeat_it, repeat_it])) == ["already_in_series", "made"]
    assert (Series.objects.count(), Event.objects.count()) == (1, 4)


def test_lowering_every_later_capacity_while_someone_books_keeps_each_date_within_its_seats(published_event):
    organizer = published_event.organizer
    dates = list(make_series(published_event, count=3).occurrences.order_by("starts_at"))
    booking_services.book(user=UserFactory(role="attendee"), event=dates[2])
    late = UserFactory(role="attendee")

    def shrink():
        update_series(event=dates[0], by=organizer, scope=Scope.FUTURE, capacity=1)
        return SimpleNamespace(status="shrunk")

    outcomes = race([shrink, lambda: booking_services.book(user=late, event=dates[2], waitlist=True)])
    assert outcomes[0] in ("shrunk", "capacity_below_booked")
    for date in dates:
        assert_counter_exact(date)
    capacities = set(Event.objects.values_list("capacity", flat=True))
    assert capacities == ({1} if outcomes[0] == "shrunk" else {published_event.capacity})
