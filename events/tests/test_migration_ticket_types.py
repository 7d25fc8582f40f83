"""The migration that brought ticket types: existing events and bookings carry on as a general admission."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

ACCOUNTS = ("accounts", "0003_folded_username_and_email_keys")
BEFORE = [ACCOUNTS, ("events", "0003_event_starts_on_and_search_text"), ("bookings", "0001_initial")]
AFTER = [ACCOUNTS, ("events", "0004_ticket_types_and_seats"), ("bookings", "0003_ticket_type_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    """Leave the schema as the rest of the suite expects it, whatever migrations come later."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_latest")
def test_each_event_gets_a_free_general_admission_holding_its_bookings():
    old = migrate(BEFORE)
    User, Event, Booking = (
        old.get_model(*name) for name in (("accounts", "User"), ("events", "Event"), ("bookings", "Booking"))
    )

    def account(name, **fields):  # historical models skip save(): the folded keys are written here
        email = f"{name}@example.com"
        return User.objects.create(username=name, username_key=name, email=email, email_key=email, **fields)

    organizer = account("org", role="organizer", is_staff=True)
    people = [account(f"p{i}") for i in range(3)]
    starts = timezone.now() + timedelta(days=5)
    events = [
        Event.objects.create(
            organizer=organizer,
            title=f"Night {n}",
            location="Hall",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            capacity=capacity,
            booked_seats=booked,
            status="published",
            starts_on=starts.date(),
        )
        for n, (capacity, booked) in enumerate([(2, 2), (40, 0)])
    ]
    Booking.objects.create(event=events[0], user=people[0], status="confirmed")
    Booking.objects.create(event=events[0], user=people[1], status="confirmed")
    Booking.objects.create(event=events[0], user=people[2], status="waitlisted", waitlisted_at=timezone.now())

    new = migrate(AFTER)

    TicketType, Booking = new.get_model("events", "TicketType"), new.get_model("bookings", "Booking")
    full, empty = (TicketType.objects.get(event_id=e.pk) for e in events)
    assert (full.name, full.price, full.capacity, full.booked_seats, full.seated) == (
        "General admission",
        0,
        2,
        2,
        False,
    )
    assert (empty.capacity, empty.booked_seats) == (40, 0)
    assert set(Booking.objects.values_list("ticket_type_id", flat=True)) == {full.pk}
    assert new.get_model("events", "Event").objects.get(pk=events[0].pk).currency == "EUR"
