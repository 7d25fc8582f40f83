"""Organizers' messages racing for an event's last places of the day: the event's row lock lets through
exactly as many as the daily limit allows.

PostgreSQL only: SQLite's IMMEDIATE write lock queues whole transactions, so a
missing row lock would not show there.
"""

from collections import Counter
from types import SimpleNamespace

import pytest
from django.test import override_settings

from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings.tests.factories import fill
from bookings.tests.test_concurrency import race
from events.tests.factories import EventFactory
from notifications.messages import send_organizer_message
from notifications.models import OrganizerMessage

pytestmark = [pytest.mark.postgres, pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

ROUNDS = 4
SENT = SimpleNamespace(status="sent")  # what a send that went through reports in a race


def send_action(event, by):
    def action():
        send_organizer_message(
            event=event, audience="confirmed", subject="Doors", body="Open at 18:30.", by=by
        )
        return SENT

    return action


@override_settings(ORGANIZER_MESSAGES_PER_DAY=3)
def test_sends_racing_for_the_last_message_of_the_day_leave_exactly_the_limit(staff):
    for _ in range(ROUNDS):
        organizer = OrganizerFactory()
        event = EventFactory(organizer=organizer)
        fill(event, users=UserFactory.create_batch(2))
        for _earlier in range(2):
            send_action(event, organizer)()

        # The organizer and a member of staff press Send at the same moment, each twice.
        outcomes = race([send_action(event, by) for by in (organizer, staff, organizer, staff)])

        assert Counter(outcomes) == {"sent": 1, "too_many_messages": 3}, outcomes
        assert OrganizerMessage.objects.filter(event=event).count() == 3
