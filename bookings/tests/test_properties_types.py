"""Random sequences over ticket types and numbered seats against a plain-Python model of the rules.

One event capped below the sum of its two types: General (no seats) and Stalls
(numbered seats). After every step each counter equals its rows, no limit is
passed, no seat is held twice, and the waitlist is served first come, first
served among those whose type has room.
"""

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.test_properties import RolledBackMachine
from eventhub.errors import DomainError
from events import services as event_services
from events.models import Seat
from events.tests.factories import EventFactory

PEOPLE = 5
TYPES = ("general", "stalls")
SEATS = 4  # Stalls: row A, seats 1-4

people = st.integers(0, PEOPLE - 1)
types = st.sampled_from(TYPES)
seat_numbers = st.one_of(st.none(), st.integers(1, SEATS))


class Model:
    """What the rules say the event's bookings should be: who holds which type, who waits for which."""

    def __init__(self, event_capacity, general_capacity):
        self.event_capacity = event_capacity
        self.capacity = {"general": general_capacity, "stalls": SEATS}
        self.holding = {}  # person -> type
        self.seats = {}  # person -> seat number, for stalls
        self.queue = []  # (person, type), first come first

    def count(self, kind):
        return sum(1 for held in self.holding.values() if held == kind)

    def has_room(self, kind):
        return len(self.holding) < self.event_capacity and self.count(kind) < self.capacity[kind]

    def waiting(self, person):
        return any(p == person for p, _ in self.queue)

    def has(self, person):
        return person in self.holding or self.waiting(person)

    def pick(self, choice, *, holding):
        """Person number ``choice`` in a line that starts with those who hold (or lack) a place.

        Small choices, which Hypothesis draws most, land on the people for whom the
        step does something; larger ones still reach everyone.
        """
        first = [p for p in range(PEOPLE) if (p in self.holding) == holding]
        return (first + [p for p in range(PEOPLE) if p not in first])[choice]

    def promote(self):
        """Confirm the oldest waiting person whose type has room, again and again."""
        for entry in list(self.queue):
            person, kind = entry
            if self.has_room(kind):
                self.queue.remove(entry)
                self.holding[person] = kind


class TypedBookingRules(RolledBackMachine):
    def __init__(self):
        super().__init__()
        self.organizer = UserFactory(role="organizer")
        self.people = UserFactory.create_batch(PEOPLE)

    @initialize(event_capacity=st.integers(2, 6), general_capacity=st.integers(1, 2))
    def create_event(self, event_capacity, general_capacity):
        self.event = EventFactory(organizer=self.organizer, capacity=event_capacity, ticket_types=True)
        self.types = {
            "general": event_services.create_ticket_type(
                event=self.event, by=self.organizer, name="General", capacity=general_capacity
            ),
            "stalls": event_services.create_ticket_type(
                event=self.event,
                by=self.organizer,
                name="Stalls",
                layout=event_services.SeatLayout(rows=1, seats_per_row=SEATS),
            ),
        }
        self.model = Model(event_capacity, general_capacity)

    def outcome(self, action):
        try:
            return action().status
        except DomainError as refusal:
            return refusal.code

    def seat(self, number):
        return None if number is None else Seat.objects.get(ticket_type=self.types["stalls"], number=number)

    def seat_taken(self, kind, number):
        return kind == "stalls" and number is not None and number in self.model.seats.values()

    @rule(person=people, kind=types, number=seat_numbers, waitlist=st.booleans())
    def book(self, person, kind, number, waitlist):
        person = self.model.pick(person, holding=False)
        number = number if kind == "stalls" else None
        got = self.outcome(
            lambda: services.book(
                user=self.people[person],
                event=self.event,
                ticket_type=self.types[kind],
                seat=self.seat(number),
                waitlist=waitlist,
            )
        )
        model = self.model
        if model.has(person):
            assert got == "already_booked"
        elif not model.has_room(kind):
            # A full event is said first: the flash sale's answer comes before any other read.
            expected = "event_full" if len(model.holding) >= model.event_capacity else "ticket_type_full"
            assert got == ("waitlisted" if waitlist else expected)
            if waitlist:
                model.queue.append((person, kind))
        elif self.seat_taken(kind, number):
            assert got == "seat_taken"
        else:
            assert got == "confirmed"
            model.holding[person] = kind

    @rule(person=people)
    def cancel(self, person):
        person = self.model.pick(person, holding=True)
        booking = Booking.objects.filter(event=self.event, user=self.people[person]).first()
        if booking is None:
            return
        got = self.outcome(lambda: services.cancel_booking(booking=booking, by=self.people[person]))
        model = self.model
        if not model.has(person):
            assert got == "already_cancelled"
            return
        assert got == "cancelled"
        if person in model.holding:
            del model.holding[person]
            model.promote()
        else:
            model.queue = [(p, k) for p, k in model.queue if p != person]

    @rule(person=people, kind=types, number=seat_numbers)
    def move(self, person, kind, number):
        person = self.model.pick(person, holding=True)
        number = number if kind == "stalls" else None
        booking = Booking.objects.filter(event=self.event, user=self.people[person]).first()
        if booking is None:
            return
        got = self.outcome(
            lambda: services.change_ticket_type(
                booking=booking, ticket_type=self.types[kind], seat=self.seat(number), by=self.people[person]
            )
        )
        model = self.model
        held = model.holding.get(person)
        if held is None:
            assert got == "not_confirmed"
        elif held == kind and (kind == "general" or number is None or model.seats.get(person) == number):
            assert got == "confirmed"  # already there
        elif held != kind and model.count(kind) >= model.capacity[kind]:
            assert got == "ticket_type_full"
        elif self.seat_taken(kind, number):
            assert got == "seat_taken"
        else:
            assert got == "confirmed"
            model.holding[person] = kind
            model.promote()

    @precondition(lambda self: hasattr(self, "model") and self.model.queue)
    @rule(step=st.sampled_from([1, -1, 2]))
    def change_general_capacity(self, step):
        model = self.model
        capacity = max(model.capacity["general"] + step, 1)
        got = self.outcome(
            lambda: (
                event_services.change_ticket_type_capacity(
                    ticket_type=self.types["general"], capacity=capacity, by=self.organizer
                )
                and self.event
            )
        )
        if capacity < model.count("general"):
            assert got == "capacity_below_booked"
            return
        model.capacity["general"] = capacity
        model.promote()

    @invariant()
    def rows_counters_and_seats_match_the_model(self):
        if not hasattr(self, "model"):
            return
        assert services.counter_mismatches() == []
        bookings = Booking.objects.filter(event=self.event).select_related("user", "ticket_type", "seat")
        holding = {self.people.index(b.user): b for b in bookings.confirmed()}
        assert {p: b.ticket_type.name.lower() for p, b in holding.items()} == self.model.holding
        queue = [
            (self.people.index(b.user), b.ticket_type.name.lower()) for b in bookings.in_waitlist_order()
        ]
        assert queue == self.model.queue, "the waitlist is served first come, first served"
        seats = {p: b.seat.number for p, b in holding.items() if b.seat is not None}
        assert len(set(seats.values())) == len(seats)
        assert set(seats) == {p for p, kind in self.model.holding.items() if kind == "stalls"}
        self.model.seats = seats  # seats the hall gave (best free seat) are read back


TypedBookingRules.tried(max_examples=40, steps=30)


@pytest.mark.django_db
def test_random_sequences_over_types_and_seats_keep_every_limit_and_seat():
    TypedBookingRules.TestCase().runTest()
