"""check_booking_counters: the alarm that a counter or a seat drifted from the bookings."""

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.models import Event, Seat, TicketType
from events.services import SeatLayout, create_ticket_type
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_event():
    event = EventFactory(capacity=3)
    fill(event, users=UserFactory.create_batch(5))
    return event


def test_check_booking_counters_is_clean_after_real_bookings(busy_event, capsys):
    call_command("check_booking_counters")

    captured = capsys.readouterr()
    assert "All booking counters and seats match" in captured.out
    assert captured.err == ""


def test_check_booking_counters_fails_on_drift(busy_event, capsys):
    Event.objects.filter(pk=busy_event.pk).update(booked_seats=2)

    with pytest.raises(CommandError, match="1 counter"):
        call_command("check_booking_counters")

    assert f"Event {busy_event.pk}" in capsys.readouterr().err


def test_check_booking_counters_exits_non_zero_on_drift(busy_event):
    Event.objects.filter(pk=busy_event.pk).update(booked_seats=1)

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "check_booking_counters"])

    assert exited.value.code == 1


def test_check_booking_counters_names_a_ticket_type_whose_counter_drifted(busy_event, capsys):
    TicketType.objects.filter(event=busy_event).update(booked_seats=1)

    with pytest.raises(CommandError, match="1 counter"):
        call_command("check_booking_counters")

    assert "Ticket type" in capsys.readouterr().err


@pytest.fixture
def seated_event(organizer):
    event = EventFactory(organizer=organizer, capacity=10)
    hall = create_ticket_type(
        event=event, by=organizer, name="Stalls", layout=SeatLayout(rows=2, seats_per_row=3)
    )
    fill(event, users=UserFactory.create_batch(2), ticket_type=hall)
    return event, hall


def test_check_booking_counters_names_a_seat_held_by_nobody(seated_event, capsys):
    _, hall = seated_event
    stray = Seat.objects.filter(ticket_type=hall, held=False).first()
    Seat.objects.filter(pk=stray.pk).update(held=True)

    with pytest.raises(CommandError, match="1 counter"):
        call_command("check_booking_counters")

    assert f"Seat {stray.pk}" in capsys.readouterr().err


def test_check_booking_counters_names_a_booking_of_another_events_type(busy_event, capsys):
    elsewhere = EventFactory().ticket_types.get()
    busy_event.bookings.filter(status="waitlisted").update(ticket_type=elsewhere)

    with pytest.raises(CommandError):
        call_command("check_booking_counters")

    assert "belongs to another event" in capsys.readouterr().err
