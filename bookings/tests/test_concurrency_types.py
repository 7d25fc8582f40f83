"""No type, no seat and no event oversold when buyers race: real threads, one connection each.

Run on SQLite (the IMMEDIATE write lock queues the writers) and on PostgreSQL (the
event row lock does). Every test ends by checking each counter against its rows and
each seat against the bookings holding it.
"""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import fill
from bookings.tests.test_concurrency import JOIN_TIMEOUT, outcome, race
from events.models import Event, Seat, TicketType
from events.services import SeatLayout, create_ticket_type
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def assert_nothing_oversold(event):
    assert services.counter_mismatches() == []
    event.refresh_from_db()
    assert event.booked_seats <= event.capacity
    for ticket_type in TicketType.objects.filter(event=event):
        assert ticket_type.booked_seats <= ticket_type.capacity
    held = Booking.objects.filter(event=event, seat__isnull=False).active().values_list("seat_id", flat=True)
    assert len(held) == len(set(held))


# Connections a race may open at once: PostgreSQL's default allows 100 clients in all.
WORKERS = 40


def race_in_waves(actions):
    """``actions`` shared among WORKERS threads released together, each working through its share.

    As app servers with a pool of connections would: many buyers in flight at
    once without one database connection per buyer. Outcomes come back per worker.
    """
    barrier = threading.Barrier(WORKERS)
    shares = [actions[i::WORKERS] for i in range(WORKERS)]
    outcomes = [[] for _ in shares]

    def work(index):
        barrier.wait(timeout=JOIN_TIMEOUT)
        outcomes[index] = [outcome(action, close=False) for action in shares[index]]
        connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT * 4)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    return [status for share in outcomes for status in share]


@pytest.fixture
def tiers(organizer):
    """Capped at 50 over all, selling VIP (10) and General (50)."""
    event = EventFactory(organizer=organizer, capacity=50, ticket_types=True)
    vip = create_ticket_type(event=event, by=organizer, name="VIP", capacity=10, price=Decimal("80.00"))
    general = create_ticket_type(event=event, by=organizer, name="General", capacity=50)
    return event, vip, general


def test_three_hundred_buyers_never_pass_the_event_cap_or_a_types_cap(tiers):
    event, vip, general = tiers
    users = UserFactory.create_batch(300)
    choices = [vip if i % 3 == 0 else general for i in range(300)]  # VIP is wanted ten times over

    outcomes = race_in_waves(
        [
            lambda u=u, t=t: services.book(user=u, event=event, ticket_type=t)
            for u, t in zip(users, choices, strict=True)
        ]
    )

    counts = Counter(outcomes)
    assert set(counts) <= {"confirmed", "pending", "event_full", "ticket_type_full"}, counts
    # VIP is priced: its ten places are held for their buyers to pay, and count as taken.
    assert (counts["confirmed"], counts["pending"]) == (40, 10)
    assert Booking.objects.filter(event=event, ticket_type=vip, status="pending").count() == 10
    assert_nothing_oversold(event)


def test_a_hundred_buyers_racing_for_the_same_three_seats_get_each_seat_once(organizer):
    event = EventFactory(organizer=organizer, capacity=500)
    hall = create_ticket_type(
        event=event, by=organizer, name="Hall", layout=SeatLayout(rows=10, seats_per_row=20)
    )
    wanted = list(Seat.objects.filter(ticket_type=hall, row="E", number__in=[9, 10, 11]))
    users = UserFactory.create_batch(100)

    outcomes = race_in_waves(
        [
            lambda u=u, s=wanted[i % 3]: services.book(user=u, event=event, ticket_type=hall, seat=s)
            for i, u in enumerate(users)
        ]
    )

    counts = Counter(outcomes)
    assert counts == {"confirmed": 3, "seat_taken": 97}, counts
    assert set(Booking.objects.filter(event=event).values_list("seat_id", flat=True)) == {
        s.pk for s in wanted
    }
    assert_nothing_oversold(event)


def test_buyers_who_let_the_hall_choose_each_get_a_different_seat(organizer):
    event = EventFactory(organizer=organizer, capacity=500)
    hall = create_ticket_type(
        event=event, by=organizer, name="Hall", layout=SeatLayout(rows=3, seats_per_row=10)
    )
    users = UserFactory.create_batch(40)

    outcomes = race([lambda u=u: services.book(user=u, event=event, ticket_type=hall) for u in users])

    assert Counter(outcomes) == {"confirmed": 30, "ticket_type_full": 10}
    assert_nothing_oversold(event)


def test_concurrent_moves_and_cancels_keep_every_seat_single(organizer):
    event = EventFactory(organizer=organizer, capacity=500)
    hall = create_ticket_type(
        event=event, by=organizer, name="Hall", layout=SeatLayout(rows=2, seats_per_row=10)
    )
    holders = fill(event, users=UserFactory.create_batch(10), ticket_type=hall)  # row A taken
    row_b = list(Seat.objects.filter(ticket_type=hall, row="B"))
    movers, cancellers = holders[:6], holders[6:]
    # Two movers race for each of three seats of row B while four others cancel.
    actions = [
        lambda b=b, s=row_b[i // 2]: services.change_ticket_type(
            booking=b, ticket_type=hall, seat=s, by=b.user
        )
        for i, b in enumerate(movers)
    ]
    actions += [lambda b=b: services.cancel_booking(booking=b, by=b.user) for b in cancellers]

    outcomes = race(actions)

    assert Counter(outcomes[:6]) == {"confirmed": 3, "seat_taken": 3}
    assert outcomes[6:] == ["cancelled"] * 4
    assert_nothing_oversold(event)
    assert Event.objects.get(pk=event.pk).booked_seats == 6
