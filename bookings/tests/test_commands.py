"""check_booking_counters: the alarm that an event's booked_seats drifted from its confirmed bookings."""

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.models import Event
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
    assert "All booking counters match" in captured.out
    assert captured.err == ""


def test_check_booking_counters_fails_on_drift(busy_event, capsys):
    Event.objects.filter(pk=busy_event.pk).update(booked_seats=2)

    with pytest.raises(CommandError, match="1 event"):
        call_command("check_booking_counters")

    assert f"Event {busy_event.pk}" in capsys.readouterr().err


def test_check_booking_counters_exits_non_zero_on_drift(busy_event):
    Event.objects.filter(pk=busy_event.pk).update(booked_seats=1)

    with pytest.raises(SystemExit) as exited:
        execute_from_command_line(["manage.py", "check_booking_counters"])

    assert exited.value.code == 1
