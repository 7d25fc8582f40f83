"""The periodic count behind "most popular": places taken in the last week, by bookings still holding one."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings import services, tasks
from bookings.models import Booking
from bookings.tests.factories import fill
from events.models import Event
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def popularity(event) -> int:
    return Event.objects.values_list("recent_bookings", flat=True).get(pk=event.pk)


def booked_days_ago(bookings, days: int) -> None:
    Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(
        created_at=timezone.now() - timedelta(days=days)
    )


def test_counts_the_last_weeks_places_and_nothing_older_or_given_back():
    event = EventFactory(capacity=10)
    recent = fill(event, users=UserFactory.create_batch(4))
    old = fill(event, users=UserFactory.create_batch(2))
    booked_days_ago(old, 8)
    services.cancel_booking(booking=recent[0], by=recent[0].user)

    assert services.refresh_popularity() == 1
    assert popularity(event) == 3


def test_waitlisted_bookings_take_no_place_and_do_not_count():
    event = EventFactory(capacity=1)
    fill(event, users=UserFactory.create_batch(3))  # one seat, two on the waitlist
    services.refresh_popularity()
    assert popularity(event) == 1


def test_an_event_with_no_recent_bookings_fades_to_zero():
    event = EventFactory()
    booked = fill(event, users=UserFactory.create_batch(2))
    services.refresh_popularity()
    booked_days_ago(booked, 8)

    assert services.refresh_popularity() == 1
    assert popularity(event) == 0


def test_a_second_run_with_nothing_new_writes_nothing():
    fill(EventFactory(), users=UserFactory.create_batch(2))
    services.refresh_popularity()
    assert services.refresh_popularity() == 0


def test_refreshing_never_touches_what_an_organizer_edited():
    event = EventFactory()
    fill(event, users=[UserFactory()])
    was = Event.objects.get(pk=event.pk).updated_at
    services.refresh_popularity()
    assert Event.objects.get(pk=event.pk).updated_at == was


def test_the_command_runs_the_refresh_and_says_how_many_changed(capsys):
    fill(EventFactory(), users=[UserFactory()])
    call_command("refresh_popularity")
    assert capsys.readouterr().out.strip() == "Updated the popularity of 1 event."


def test_the_periodic_task_runs_the_refresh():
    event = EventFactory()
    fill(event, users=[UserFactory()])
    tasks.refresh_popularity.delay()
    assert popularity(event) == 1
