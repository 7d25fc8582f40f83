"""Races that only the event row lock wins: each test fails when the lock is taken away.

Every round starts real threads on a fresh event, released together by a
barrier (``race``), and then checks the rows and the counter itself rather than
trusting the database's check constraints alone. PostgreSQL only: SQLite's
IMMEDIATE write lock queues whole transactions, so a missing row lock would not
show there.
"""

from collections import Counter
from types import SimpleNamespace

import pytest

from accounts.services import delete_account
from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import assert_counter_exact, fill
from bookings.tests.test_concurrency import book_action, cancel_action, race, statuses
from events.models import Event
from events.services import cancel_event, change_capacity
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.postgres, pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

# Rounds per race: enough that a missing lock shows reliably, few enough for a quick run.
ROUNDS = 4
CHECK_IN_ROUNDS = 20

DONE = SimpleNamespace(status="done")  # what a service that returns no booking reports in a race


def done(service, **kwargs):
    """An action for ``race`` that reports "done" when ``service`` goes through."""

    def action():
        service(**kwargs)
        return DONE

    return action


def confirmed_user_ids(event) -> set[int]:
    return set(Booking.objects.filter(event=event).confirmed().values_list("user_id", flat=True))


def waitlisted_user_ids_in_order(event) -> list[int]:
    return list(Booking.objects.filter(event=event).in_waitlist_order().values_list("user_id", flat=True))


def emailed(mailoutbox) -> Counter:
    """How many promotion emails each address received (whoever leaves also hears of their cancellation)."""
    return Counter(a for message in mailoutbox if message.subject.startswith("You're in") for a in message.to)


def test_five_cancels_of_one_booking_cancel_it_once_and_promote_one_person(mailoutbox):
    for _ in range(ROUNDS):
        event = EventFactory(capacity=1)
        seated, *waiting = fill(event, users=UserFactory.create_batch(4))
        mailoutbox.clear()

        outcomes = race([cancel_action(seated)] * 5)

        assert Counter(outcomes) == {"cancelled": 1, "already_cancelled": 4}, outcomes
        first_in_line = waiting[0].user
        assert confirmed_user_ids(event) == {first_in_line.pk}
        assert waitlisted_user_ids_in_order(event) == [b.user_id for b in waiting[1:]]
        assert statuses(event) == {"cancelled": 1, "confirmed": 1, "waitlisted": 2}
        assert emailed(mailoutbox) == {first_in_line.email: 1}
        assert_counter_exact(event)


def test_lowering_capacity_while_fifty_book_never_leaves_more_booked_than_seats():
    for _ in range(ROUNDS):
        organizer = OrganizerFactory()
        event = EventFactory(organizer=organizer, capacity=60)
        books = [book_action(user, event) for user in UserFactory.create_batch(50)]
        lower = done(change_capacity, event=event, capacity=30, by=organizer)

        outcomes = race([*books[:25], lower, *books[25:]])

        change = outcomes.pop(25)
        assert change in {"done", "capacity_below_booked"}, change
        assert set(outcomes) <= {"confirmed", "event_full"}, outcomes
        assert_counter_exact(event)
        assert event.capacity == (30 if change == "done" else 60)
        assert event.booked_seats <= event.capacity
        # Everyone tried: a lowered event fills its thirty seats, an unchanged one seats all fifty.
        assert outcomes.count("confirmed") == event.booked_seats == min(50, event.capacity)


def test_a_capacity_raise_racing_cancels_serves_the_waitlist_once_each_in_order(mailoutbox):
    """Seated and waiting people leave while three seats are added: in whatever order the calls
    run, the line moves up in turn, and nobody is served twice or after leaving."""
    for _ in range(ROUNDS):
        organizer = OrganizerFactory()
        event = EventFactory(organizer=organizer, capacity=5)
        seated = fill(event, users=UserFactory.create_batch(5))
        waiting = fill(event, users=UserFactory.create_batch(10))
        leaving = [seated[0], waiting[0], seated[1], waiting[2], seated[2], waiting[4]]
        mailoutbox.clear()

        raise_capacity = done(change_capacity, event=event, capacity=8, by=organizer)
        outcomes = race([*map(cancel_action, leaving[:3]), raise_capacity, *map(cancel_action, leaving[3:])])

        assert outcomes == ["cancelled"] * 3 + ["done"] + ["cancelled"] * 3, outcomes
        # Eight seats: two for those still seated, six for the line without its leavers, first come first.
        line = [booking.user for booking in waiting if booking not in leaving]
        served, still_waiting = line[:6], line[6:]
        assert confirmed_user_ids(event) == {b.user_id for b in seated[3:]} | {user.pk for user in served}
        assert waitlisted_user_ids_in_order(event) == [user.pk for user in still_waiting]
        assert statuses(event) == {"confirmed": 8, "waitlisted": 1, "cancelled": 6}
        emails = emailed(mailoutbox)
        assert set(emails.values()) == {1}, f"someone was told twice: {emails}"
        served_emails = {user.email for user in served}
        promoted_then_left = {b.user.email for b in leaving[1::2]}  # when the raise came first
        assert served_emails <= set(emails) <= served_emails | promoted_then_left
        assert_counter_exact(event)
        assert event.booked_seats == event.capacity == 8


def check_in_recording(booking, by, stamps):
    """A check-in action that notes the arrival time the call handed back."""

    def action():
        checked = services.check_in(booking=booking, by=by)
        stamps.append(checked.checked_in_at)
        return checked

    return action


def test_two_check_ins_at_once_stamp_the_arrival_once():
    for _ in range(CHECK_IN_ROUNDS):
        organizer = OrganizerFactory()
        event = EventFactory(organizer=organizer)
        booking = services.book(user=UserFactory(), event=event)
        stamps = []

        outcomes = race([check_in_recording(booking, organizer, stamps)] * 2)

        assert "confirmed" in outcomes, outcomes
        assert not [o for o in outcomes if o.startswith("error")], outcomes  # the other one: done or refused
        assert len(stamps) == outcomes.count("confirmed")
        booking.refresh_from_db()
        assert booking.checked_in_at is not None
        assert set(stamps) == {booking.checked_in_at}, "the arrival time moved after a call reported it"
        assert_counter_exact(event)


def test_cancelling_an_event_racing_bookings_confirms_nobody_after_it():
    for _ in range(ROUNDS):
        organizer = OrganizerFactory()
        event = EventFactory(organizer=organizer, capacity=10)
        books = [book_action(user, event, waitlist=True) for user in UserFactory.create_batch(20)]

        outcomes = race([*books[:10], done(cancel_event, event=event, by=organizer), *books[10:]])

        assert outcomes.pop(10) == "done"
        assert set(outcomes) <= {"confirmed", "waitlisted", "not_bookable"}, outcomes
        assert_counter_exact(event)
        assert event.status == Event.Status.CANCELLED
        rows = Booking.objects.filter(event=event)
        assert rows.count() == len(outcomes) - outcomes.count("not_bookable")
        assert Counter(rows.values_list("status", flat=True)) == Counter(
            o for o in outcomes if o != "not_bookable"
        )
        # The cancellation is the event's last stamped write: every booking was written before it.
        late = [b.pk for b in rows if b.created_at >= event.updated_at]
        assert not late, f"bookings written after the event was cancelled: {late}"


def test_an_account_deleted_while_its_organizer_cancels_its_seat_frees_the_seat_once(mailoutbox):
    """Account deletion takes its events' locks through lock_events; without them both would free the seat."""
    for _ in range(ROUNDS):
        event = EventFactory(capacity=1)
        seated, *waiting = fill(event, users=UserFactory.create_batch(3))
        mailoutbox.clear()

        outcomes = race(
            [
                done(delete_account, user=seated.user, by=seated.user),
                done(services.cancel_booking, booking=seated, by=event.organizer),
            ]
        )

        assert outcomes[0] == "done", outcomes
        assert outcomes[1] in ("done", "not_found"), outcomes
        first_in_line = waiting[0].user
        assert confirmed_user_ids(event) == {first_in_line.pk}
        assert waitlisted_user_ids_in_order(event) == [waiting[1].user_id]
        assert emailed(mailoutbox) == {first_in_line.email: 1}
        assert_counter_exact(event)
