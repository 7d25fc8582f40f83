"""Two devices at one door: the event row lock lets a ticket in once, however close the scans.

PostgreSQL only, like bookings/tests/test_lock_races.py: SQLite's IMMEDIATE write lock queues
whole transactions, so a missing row lock would not show there.
"""

from types import SimpleNamespace

import pytest

from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.test_concurrency import race
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.postgres, pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

# Enough rounds that two unlocked check-ins would both get through at least once.
ROUNDS = 20


def scan(event, code: str, by, stamps: list):
    """A device scanning ``code``: reports checked_in and notes the arrival time it was handed back."""

    def action():
        booking = services.check_in_by_code(event=event, code_text=code, by=by)
        stamps.append(booking.checked_in_at)
        return SimpleNamespace(status="checked_in")

    return action


def test_two_devices_scanning_one_ticket_at_once_check_it_in_once():
    for _ in range(ROUNDS):
        organizer = OrganizerFactory()
        staff = UserFactory(is_staff=True, is_superuser=True)
        event = EventFactory(organizer=organizer)
        booking = services.book(user=UserFactory(), event=event)
        stamps = []

        outcomes = race(
            [
                scan(event, booking.ticket_code, organizer, stamps),
                scan(event, booking.ticket_code, staff, stamps),
            ]
        )

        assert sorted(outcomes) == ["already_checked_in", "checked_in"], outcomes
        winner = (organizer, staff)[outcomes.index("checked_in")]
        stored = Booking.objects.get(pk=booking.pk)
        assert stamps == [stored.checked_in_at], "the arrival was stamped twice"
        assert stored.checked_in_by == winner
