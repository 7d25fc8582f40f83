"""An event's news reaches everyone booked, once: a new time or place goes to each person holding a
place (what changed, old to new, in their own zone); a cancellation to each person with an active
booking (a paid ticket is told it is refunded), with no booking-cancelled email besides. The tasks
walk the bookings in batches, in a number of queries that does not grow per booking beyond the
email's own send-once claim."""

from datetime import timedelta

import pytest
from django.core import mail

from accounts.tests.factories import UserFactory
from bookings.services import book, cancel_booking
from bookings.tests.factories import fill
from events.services import cancel_event, update_event
from events.tests.factories import EventFactory
from notifications import emails, tasks
from notifications.tests.test_booking_emails import committed, mails_to, only_mail_to
from payments.tests.factories import hold, pay, priced_type

pytestmark = pytest.mark.django_db

# Queries for each email sent by a batch task: the send-once claim (a savepoint, its insert, its release).
PER_EMAIL = 3


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, title="Night market", location="Old harbour", capacity=3)


@pytest.fixture
def people(event):
    """Someone who left, then a free ticket, a priced one held, a priced one paid: full; someone waiting."""
    left, confirmed, held, paid, waiting = UserFactory.create_batch(5)
    cancel_booking(booking=book(user=left, event=event), by=left)
    book(user=confirmed, event=event)
    table = priced_type(event, name="Table", capacity=2)
    hold(user=held, event=event, ticket_type=table)
    pay(hold(user=paid, event=event, ticket_type=table))
    book(user=waiting, event=event, ticket_type=table, waitlist=True)
    mail.outbox.clear()
    return {"left": left, "confirmed": confirmed, "held": held, "paid": paid, "waiting": waiting}


HOLDING = ("confirmed", "held", "paid")


def move(event, *, hours=1, **changes):
    starts = event.starts_at + timedelta(hours=hours)
    return update_event(
        event=event, by=event.organizer, starts_at=starts, ends_at=starts + timedelta(hours=2), **changes
    )


def test_moving_an_event_emails_everyone_holding_a_place_once_with_what_changed(event, people):
    people["held"].timezone = "Asia/Tokyo"
    people["held"].save()
    old_start = event.starts_at
    with committed():
        move(event, hours=3)

    assert sorted(m.to[0] for m in mail.outbox) == sorted(people[name].email for name in HOLDING)
    for name in HOLDING:
        assert mails_to(people[name]) == ["Changed: Night market (starts, ends)"]
    tokyo = only_mail_to(people["held"]).body
    old, new = (f"{(t + timedelta(hours=9)):%H:%M}" for t in (old_start, old_start + timedelta(hours=3)))
    assert "Starts: " in tokyo and f"{old} -> " in tokyo and f"{new} (Asia/Tokyo)" in tokyo


def test_a_new_place_is_listed_old_to_new(event, people):
    with committed():
        update_event(event=event, by=event.organizer, location="New pier")

    body = only_mail_to(people["confirmed"]).body
    assert "Place: Old harbour -> New pier" in body and "Starts:" not in body


def test_a_change_that_is_neither_time_nor_place_emails_nobody(event, people):
    with committed():
        update_event(event=event, by=event.organizer, title="Night market (food)", description="Street food.")

    assert mail.outbox == []


def test_the_change_task_run_again_sends_nothing_twice_but_the_next_change_goes(event, people):
    with committed():
        moved = move(event)
    changes = emails.plain_changes({"location": ("Old harbour", "New pier")})

    assert tasks.send_event_changed(event.pk, moved.calendar_sequence, changes) == 0
    assert len(mail.outbox) == 3

    with committed():
        move(moved)
    assert len(mail.outbox) == 6


def test_a_change_whose_event_was_cancelled_since_sends_nothing(event, people):
    with committed():
        cancel_event(event=event, by=event.organizer)
    mail.outbox.clear()
    changes = emails.plain_changes({"location": ("Old harbour", "New pier")})

    assert tasks.send_event_changed(event.pk, 99, changes) == 0
    assert mail.outbox == []


def test_cancelling_an_event_emails_each_active_booking_once_and_no_booking_cancellation(event, people):
    with committed():
        cancel_event(event=event, by=event.organizer)

    expected = [people[name].email for name in (*HOLDING, "waiting")]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(expected)
    assert {m.subject for m in mail.outbox} == {"Cancelled: Night market"}
    assert "refunded to you in full" in only_mail_to(people["paid"]).body
    assert "refunded" not in only_mail_to(people["confirmed"]).body
    assert "refunded" not in only_mail_to(people["held"]).body  # held, never paid


def test_the_cancellation_task_run_again_sends_nothing(event, people):
    with committed():
        cancelled = cancel_event(event=event, by=event.organizer)

    assert tasks.send_event_cancelled(event.pk, cancelled.updated_at.isoformat()) == 0
    assert len(mail.outbox) == 4


@pytest.fixture
def crowded(organizer):
    """An event with thirty people booked: enough for an N+1 to show."""
    event = EventFactory(organizer=organizer, capacity=30)
    fill(event, users=UserFactory.create_batch(30))
    return event


def test_the_change_task_reads_thirty_bookings_in_a_bounded_number_of_queries(
    crowded, django_assert_max_num_queries
):
    changes = emails.plain_changes({"location": ("Hall", "Pier")})
    with django_assert_max_num_queries(30 * PER_EMAIL + 3):
        assert tasks.send_event_changed(crowded.pk, 1, changes) == 30


def test_the_cancellation_task_reads_thirty_bookings_in_a_bounded_number_of_queries(
    crowded, django_assert_max_num_queries
):
    with django_assert_max_num_queries(30 * PER_EMAIL + 3):
        assert tasks.send_event_cancelled(crowded.pk, crowded.updated_at.isoformat()) == 30


def test_the_batch_walk_goes_past_a_batch(crowded, monkeypatch):
    monkeypatch.setattr(tasks, "BATCH", 7)
    changes = emails.plain_changes({"location": ("Hall", "Pier")})
    assert tasks.send_event_changed(crowded.pk, 1, changes) == 30
    assert len({m.to[0] for m in mail.outbox}) == 30
