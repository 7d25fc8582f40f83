"""Event: the database constraints behind the booking invariants, and the querysets the pages use."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.models import Event
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def violates_constraint(**values):
    """True when writing ``values`` to a fresh event is rejected by the database itself."""
    event = EventFactory(capacity=5)
    try:
        with transaction.atomic():
            Event.objects.filter(pk=event.pk).update(**values)
    except IntegrityError:
        return True
    return False


# constraints ------------------------------------------------------------------


def test_booked_seats_above_capacity_is_rejected_by_the_database():
    assert violates_constraint(booked_seats=6)


def test_booked_seats_equal_to_capacity_is_accepted():
    assert not violates_constraint(booked_seats=5)


def test_ends_at_equal_to_starts_at_is_rejected_by_the_database():
    start = timezone.now() + timedelta(days=1)
    assert violates_constraint(starts_at=start, ends_at=start)


def test_ends_at_before_starts_at_is_rejected_by_the_database():
    start = timezone.now() + timedelta(days=1)
    assert violates_constraint(starts_at=start, ends_at=start - timedelta(minutes=1))


@pytest.mark.parametrize("capacity", [0, 100_001])
def test_capacity_out_of_range_is_rejected_by_the_database(capacity):
    assert violates_constraint(capacity=capacity)


def test_capacity_zero_rejected_on_insert():
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(capacity=0)


def test_negative_booked_seats_is_rejected_by_the_database():
    assert violates_constraint(booked_seats=-1)


# properties -------------------------------------------------------------------


def test_seats_left_counts_down_as_seats_are_booked(published_event):
    assert published_event.seats_left == 10
    fill(published_event, users=UserFactory.create_batch(3))
    published_event.refresh_from_db()

    assert published_event.seats_left == 7
    assert not published_event.is_full


def test_seats_left_is_zero_when_full():
    event = EventFactory(capacity=2)
    fill(event, users=UserFactory.create_batch(3))
    event.refresh_from_db()

    assert event.seats_left == 0
    assert event.is_full


def test_is_bookable_only_when_published_and_not_started(published_event, draft_event, past_event):
    assert published_event.is_bookable
    assert not draft_event.is_bookable
    assert not past_event.is_bookable


# querysets --------------------------------------------------------------------


@pytest.fixture
def three_events(organizer):
    return {
        "draft": EventFactory(organizer=organizer, status="draft"),
        "published": EventFactory(organizer=organizer, status="published"),
        "cancelled": EventFactory(organizer=organizer, status="cancelled"),
    }


def visible(queryset):
    return set(queryset.values_list("status", flat=True))


@pytest.mark.parametrize("viewer", ["anonymous", "other_attendee", "other_organizer"])
def test_visible_to_hides_drafts_from_others(request, three_events, viewer):
    user = AnonymousUser() if viewer == "anonymous" else request.getfixturevalue(viewer)

    assert visible(Event.objects.visible_to(user)) == {"published", "cancelled"}


def test_visible_to_shows_drafts_to_their_organizer(three_events, organizer):
    assert visible(Event.objects.visible_to(organizer)) == {"draft", "published", "cancelled"}


def test_visible_to_shows_drafts_to_superuser(three_events, staff):
    assert visible(Event.objects.visible_to(staff)) == {"draft", "published", "cancelled"}


def test_visible_to_hides_other_organizers_drafts_from_an_organizer(three_events, other_organizer):
    own_draft = EventFactory(organizer=other_organizer, status="draft")

    ids = set(Event.objects.visible_to(other_organizer).values_list("pk", flat=True))

    assert own_draft.pk in ids
    assert three_events["draft"].pk not in ids


def test_published_upcoming_lists_only_published_future_events(three_events, past_event):
    assert list(Event.objects.published_upcoming()) == [three_events["published"]]


def test_with_seats_left_leaves_out_full_events(published_event):
    full = EventFactory(capacity=1)
    fill(full, users=[UserFactory()])

    assert list(Event.objects.with_seats_left()) == [published_event]
