"""The no-overbooking guarantee under real concurrent requests.

Each test starts real threads, each with its own database connection, lines
them up on a barrier so they hit the booking service together, and then checks
the rows and the counter. They run on SQLite (the IMMEDIATE write lock queues
the writers) and on PostgreSQL (the event row lock does); the last two tests
prove the PostgreSQL row lock and its timeout directly.
"""

import threading
import time
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import assert_counter_exact, fill
from bookings.tests.test_api_typed_bookings import seated_type
from eventhub.errors import DomainError
from events.models import Event
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

JOIN_TIMEOUT = 30


def outcome(action, *, close: bool = True):
    """What a request ended with: the booking status, the refusal code, or the unexpected error.

    The thread's connection is closed afterwards unless the thread has more requests to make.
    """
    try:
        return action().status
    except DomainError as refusal:
        return refusal.code
    except Exception as error:  # anything else is a failure the test reports
        return f"error: {error!r}"
    finally:
        if close:
            connection.close()


def race(actions):
    """Run every action in its own thread, all released at once; returns their outcomes in order."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        def after_barrier():
            barrier.wait(timeout=JOIN_TIMEOUT)
            return action()

        outcomes[index] = outcome(after_barrier)

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    return outcomes


def book_action(user, event, waitlist=False):
    return lambda: services.book(user=user, event=event, waitlist=waitlist)


def cancel_action(booking):
    return lambda: services.cancel_booking(booking=booking, by=booking.user)


def statuses(event):
    return Counter(Booking.objects.filter(event=event).values_list("status", flat=True))


def test_fifty_attendees_racing_for_ten_seats_get_exactly_ten():
    event = EventFactory(capacity=10)
    users = UserFactory.create_batch(50)

    outcomes = race([book_action(user, event) for user in users])

    assert Counter(outcomes) == {"confirmed": 10, "event_full": 40}
    assert statuses(event) == {"confirmed": 10}
    event.refresh_from_db()
    assert event.booked_seats == 10
    assert_counter_exact(event)


def test_fifty_attendees_racing_with_waitlist_get_ten_seats_and_forty_places_in_line():
    event = EventFactory(capacity=10)
    users = UserFactory.create_batch(50)

    outcomes = race([book_action(user, event, waitlist=True) for user in users])

    assert Counter(outcomes) == {"confirmed": 10, "waitlisted": 40}
    assert statuses(event) == {"confirmed": 10, "waitlisted": 40}
    assert_counter_exact(event)
    waitlisted_at = list(Booking.objects.filter(event=event).in_waitlist_order().values_list("waitlisted_at"))
    assert len(set(waitlisted_at)) == 40, "every place in line has its own moment"


def test_concurrent_cancels_and_books_keep_the_counter_exact(capsys):
    event = EventFactory(capacity=10)
    seated = fill(event, users=UserFactory.create_batch(10))
    waiting = fill(event, users=UserFactory.create_batch(10))
    newcomers = UserFactory.create_batch(20)

    cancels = [cancel_action(b) for b in seated[:8] + waiting[:3]]
    books = [book_action(user, event, waitlist=i % 2 == 0) for i, user in enumerate(newcomers)]
    outcomes = race(cancels + books)

    assert outcomes[: len(cancels)] == ["cancelled"] * len(cancels)
    assert set(outcomes[len(cancels) :]) <= {"confirmed", "waitlisted", "event_full"}, outcomes
    assert_counter_exact(event)
    assert statuses(event)["confirmed"] == 10, "eight seats freed, twenty-seven people wanted one"
    call_command("check_booking_counters")
    assert "match" in capsys.readouterr().out


def test_pressing_book_ten_times_at_once_gives_one_booking():
    event = EventFactory(capacity=10)
    user = UserFactory()

    outcomes = race([book_action(user, event, waitlist=True) for _ in range(10)])

    assert Counter(outcomes) == {"confirmed": 1, "already_booked": 9}
    assert Booking.objects.filter(event=event, user=user).count() == 1
    assert_counter_exact(event)


def test_pressing_book_again_at_once_after_cancelling_reactivates_once():
    """The re-activation path: the one row is confirmed once, and the counter moves once."""
    event = EventFactory(capacity=10)
    user = UserFactory()
    services.cancel_booking(booking=services.book(user=user, event=event), by=user)

    outcomes = race([book_action(user, event) for _ in range(10)])

    assert Counter(outcomes) == {"confirmed": 1, "already_booked": 9}
    assert statuses(event) == {"confirmed": 1}
    assert_counter_exact(event)


def in_background(action):
    """Start ``action`` in a thread; returns the thread, a done flag and a one-item result list."""
    result, done = [], threading.Event()

    def run():
        result.append(outcome(action))
        done.set()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, result


def wait_until_a_session_waits_for_a_lock(seconds=5.0):
    """Poll PostgreSQL until another session of this database is blocked on a lock."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # activity is otherwise frozen per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


@pytest.mark.postgres
def test_booking_waits_for_the_event_row_lock_and_decides_after_it():
    event = EventFactory(capacity=1)
    holder, waiter = UserFactory.create_batch(2)

    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        thread, done, result = in_background(book_action(waiter, event))
        assert wait_until_a_session_waits_for_a_lock(), "book() never queued for the event row"
        assert not done.is_set(), "book() went ahead while another transaction held the event"
        services.book(user=holder, event=event)  # takes the last seat before releasing the lock
    thread.join(JOIN_TIMEOUT)

    assert result == ["event_full"], "the waiting request decided from the row it locked"
    assert Booking.objects.get(event=event).user == holder
    assert_counter_exact(event)


@pytest.mark.postgres
def test_a_double_click_waiting_for_the_lock_sees_the_first_clicks_booking():
    """The second click's lock statement began before the first committed, so the booking it notes
    with the lock is from before the first click's: it must still answer already_booked, not fail."""
    event = EventFactory(capacity=10)
    user = UserFactory()

    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        thread, _, result = in_background(book_action(user, event))
        assert wait_until_a_session_waits_for_a_lock(), "book() never queued for the event row"
        services.book(user=user, event=event)  # the first click, committed as the lock is let go
    thread.join(JOIN_TIMEOUT)

    assert result == ["already_booked"]
    assert statuses(event) == {"confirmed": 1}
    assert_counter_exact(event)


@pytest.mark.postgres
def test_a_double_click_on_a_seat_waiting_for_the_lock_is_already_booked_not_seat_taken():
    """As above, naming a seat: the second click finds the seat held, by the first click's booking."""
    event = EventFactory(capacity=10)
    stalls = seated_type(event)
    chosen = stalls.seats.order_by("row_index", "number").first()
    user = UserFactory()

    def click():
        return services.book(user=user, event=event, ticket_type=stalls, seat=chosen)

    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        thread, _, result = in_background(click)
        assert wait_until_a_session_waits_for_a_lock(), "book() never queued for the event row"
        click()  # the first click, committed as the lock is let go
    thread.join(JOIN_TIMEOUT)

    assert result == ["already_booked"]
    assert Booking.objects.get(event=event, user=user).seat == chosen
    assert_counter_exact(event)


@pytest.mark.postgres
def test_booking_gives_up_after_the_lock_timeout_and_writes_nothing():
    event = EventFactory(capacity=10)
    waiter = UserFactory()

    def book_with_short_lock_timeout():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '200ms'")
            return services.book(user=waiter, event=event)

    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        started = time.monotonic()
        thread, done, result = in_background(book_with_short_lock_timeout)
        assert done.wait(5), "book() waited for the lock beyond its timeout"
        waited = time.monotonic() - started
    thread.join(JOIN_TIMEOUT)

    assert result[0].startswith("error: OperationalError"), result
    assert "lock timeout" in result[0]
    assert waited < 3
    assert not Booking.objects.filter(event=event).exists()
    assert_counter_exact(event)
    assert services.book(user=waiter, event=event).status == "confirmed", "the event is not left locked"
