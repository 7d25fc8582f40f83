"""Random sequences of booking operations against a plain-Python model of the rules.

After every step: each event's booked_seats equals its confirmed rows and never
exceeds its capacity, the confirmed people are the ones the model expects, and
the waitlist is served first come, first served.
"""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from eventhub.errors import DomainError
from events import services as event_services
from events.tests.factories import EventFactory

PEOPLE = 6
EVENTS = 2

people = st.integers(0, PEOPLE - 1)
events = st.integers(0, EVENTS - 1)


class ModelEvent:
    """What the rules say an event's bookings should be."""

    def __init__(self, capacity):
        self.capacity = capacity
        self.cancelled = False
        self.confirmed = set()
        self.queue = []  # waitlisted people, first come first

    def has(self, person):
        return person in self.confirmed or person in self.queue

    def is_full(self):
        return len(self.confirmed) >= self.capacity

    def promote(self):
        while not self.cancelled and self.queue and not self.is_full():
            self.confirmed.add(self.queue.pop(0))

    def pick(self, choice, *, holding):
        """Person number ``choice`` in a line that starts with those who hold (or lack) a booking.

        Small choices, which Hypothesis draws most, land on the people for whom the
        step does something; larger ones still reach everyone.
        """
        first = [p for p in range(PEOPLE) if self.has(p) == holding]
        return (first + [p for p in range(PEOPLE) if p not in first])[choice]


class RolledBackMachine(RuleBasedStateMachine):
    """A state machine whose every example runs in a savepoint that teardown rolls back."""

    def __init__(self):
        super().__init__()
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    @classmethod
    def tried(cls, *, max_examples: int, steps: int) -> None:
        """How many examples of how many steps: bounded, and the same on every run."""
        cls.TestCase.settings = settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )


class BookingRules(RolledBackMachine):
    def __init__(self):
        super().__init__()
        self.organizer = UserFactory(role="organizer")
        self.people = UserFactory.create_batch(PEOPLE)
        self.events, self.model = [], []

    @initialize(capacities=st.lists(st.integers(1, 3), min_size=EVENTS, max_size=EVENTS))
    def create_events(self, capacities):
        for capacity in capacities:
            self.events.append(EventFactory(organizer=self.organizer, capacity=capacity))
            self.model.append(ModelEvent(capacity))

    def outcome(self, action):
        try:
            return action().status
        except DomainError as refusal:
            return refusal.code

    @rule(choice=people, which=events, waitlist=st.sampled_from([True, False]))
    def book(self, choice, which, waitlist):
        model = self.model[which]
        person = model.pick(choice, holding=False)
        got = self.outcome(
            lambda: services.book(user=self.people[person], event=self.events[which], waitlist=waitlist)
        )
        if model.cancelled:
            expected = "not_bookable"
        elif model.has(person):
            expected = "already_booked"
        elif not model.is_full():
            expected = "confirmed"
            model.confirmed.add(person)
        elif waitlist:
            expected = "waitlisted"
            model.queue.append(person)
        else:
            expected = "event_full"
        assert got == expected

    @rule(choice=people, which=events)
    def cancel(self, choice, which):
        model = self.model[which]
        person = model.pick(choice, holding=True)
        booking = Booking.objects.filter(event=self.events[which], user=self.people[person]).first()
        if booking is None:
            return
        got = self.outcome(lambda: services.cancel_booking(booking=booking, by=self.people[person]))
        if not model.has(person):
            assert got == "already_cancelled"
            return
        assert got == "cancelled"
        if person in model.queue:
            model.queue.remove(person)
        else:
            model.confirmed.remove(person)
            model.promote()

    # Only once an event is full (when it matters), and in small steps that keep it nearly full.
    @precondition(lambda self: any(m.is_full() for m in self.model))
    @rule(which=events, step=st.sampled_from([1, -1, 2, -2]))
    def change_capacity(self, which, step):
        model = self.model[which]
        capacity = max(model.capacity + step, 1)
        got = self.outcome(
            lambda: event_services.change_capacity(
                event=self.events[which], capacity=capacity, by=self.organizer
            )
        )
        if capacity < len(model.confirmed):
            assert got == "capacity_below_booked"
            return
        assert got == ("cancelled" if model.cancelled else "published")
        model.capacity = capacity
        model.promote()

    # Only the last event may be cancelled, and only once it has a waitlist: the others keep
    # their whole story of cancels and promotions, this one shows that nothing moves after it.
    @precondition(lambda self: self.model[-1].queue and not self.model[-1].cancelled)
    @rule()
    def cancel_event(self):
        got = self.outcome(lambda: event_services.cancel_event(event=self.events[-1], by=self.organizer))
        assert got == "cancelled"
        self.model[-1].cancelled = True

    @invariant()
    def rows_and_counter_match_the_model(self):
        for event, model in zip(self.events, self.model, strict=True):
            event.refresh_from_db()
            bookings = Booking.objects.filter(event=event).select_related("user")
            confirmed = {self.people.index(b.user) for b in bookings.confirmed()}
            queue = [self.people.index(b.user) for b in bookings.in_waitlist_order()]
            assert event.booked_seats == len(confirmed) == bookings.confirmed().count()
            assert event.booked_seats <= event.capacity == model.capacity
            assert confirmed == model.confirmed
            assert queue == model.queue, "the waitlist is served first come, first served"


BookingRules.tried(max_examples=50, steps=40)


@pytest.mark.django_db
def test_random_booking_sequences_keep_the_counter_exact_and_the_waitlist_fair():
    BookingRules.TestCase().runTest()
