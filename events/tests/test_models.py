"""Event: the constraints behind the booking invariants, the querysets the pages use, the stored copies."""

from datetime import date, datetime, timedelta
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.services import set_role
from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.models import Event
from events.services import update_event
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


def test_booking_is_open_only_when_published_and_not_started(published_event, draft_event, past_event):
    assert published_event.booking_closed_reason() is None
    assert draft_event.booking_closed_reason() == "This event is not open for booking yet."
    assert past_event.booking_closed_reason() == "This event has already started; booking is closed."
    published_event.status = published_event.Status.CANCELLED
    assert published_event.booking_closed_reason() == "This event has been cancelled."


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


def test_a_demoted_organizer_no_longer_sees_their_drafts(three_events, organizer):
    set_role(user=organizer, role="attendee")

    assert visible(Event.objects.visible_to(organizer)) == {"published", "cancelled"}


def test_managed_by_is_an_organizers_own_events_and_everything_for_staff(three_events, organizer, staff):
    other = EventFactory()

    assert set(Event.objects.managed_by(organizer)) == set(three_events.values())
    assert other in Event.objects.managed_by(staff)
    assert not Event.objects.managed_by(AnonymousUser()).exists()


def test_managed_by_holds_nothing_once_the_organizer_role_is_gone(three_events, organizer):
    set_role(user=organizer, role="attendee")

    assert not Event.objects.managed_by(organizer).exists()
    assert not three_events["published"].is_managed_by(organizer)


def test_past_and_upcoming_split_every_event_once(three_events, past_event):
    upcoming, past = set(Event.objects.upcoming()), set(Event.objects.past())

    assert past == {past_event}
    assert upcoming | past == set(Event.objects.all())


def test_published_upcoming_lists_only_published_future_events(three_events, past_event):
    assert list(Event.objects.published_upcoming()) == [three_events["published"]]


def test_with_seats_left_leaves_out_full_events(published_event):
    full = EventFactory(capacity=1)
    fill(full, users=[UserFactory()])

    assert list(Event.objects.with_seats_left()) == [published_event]


# stored copies: starts_on and search_text -------------------------------------------

NEW_YORK = ZoneInfo("America/New_York")


def new_york_evening(**fields):
    """1 December 2030, 19:00 in New York: already 2 December in UTC."""
    start = datetime(2030, 12, 1, 19, tzinfo=NEW_YORK)
    end = start + timedelta(hours=2)
    return EventFactory(starts_at=start, ends_at=end, timezone="America/New_York", **fields)


def stored(event):
    return Event.objects.values_list("starts_on", "search_text").get(pk=event.pk)


def test_save_stores_the_local_start_day_and_the_folded_words():
    event = new_york_evening(title="Café Jazz", description="Straße-Fest!", location="Hall B")

    assert stored(event) == (date(2030, 12, 1), " cafe jazz strasse fest hall b")


def test_moving_or_rezoning_an_event_through_the_service_moves_its_day(organizer):
    event = new_york_evening(organizer=organizer)
    later = datetime(2030, 12, 3, 23, tzinfo=NEW_YORK)

    update_event(event=event, by=organizer, starts_at=later, ends_at=later + timedelta(hours=1))
    assert stored(event)[0] == date(2030, 12, 3)

    update_event(event=event, by=organizer, timezone="Asia/Tokyo")
    assert stored(event)[0] == date(2030, 12, 4)


def test_renaming_an_event_through_the_service_updates_its_words(organizer):
    event = EventFactory(organizer=organizer, title="Old name")

    update_event(event=event, by=organizer, title="Nouvelle Édition")

    assert stored(event)[1].startswith(" nouvelle edition ")


def test_a_bulk_update_of_the_start_rewrites_the_day():
    event = new_york_evening()

    day = timedelta(days=1)
    Event.objects.filter(pk=event.pk).update(starts_at=F("starts_at") + day, ends_at=F("ends_at") + day)

    assert stored(event)[0] == date(2030, 12, 2)


def test_bulk_create_fills_the_copies(organizer):
    start = datetime(2030, 12, 1, 19, tzinfo=NEW_YORK)
    (event,) = Event.objects.bulk_create(
        [
            Event(
                organizer=organizer,
                title="Bulk Café",
                location="Pier",
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                timezone="America/New_York",
                capacity=5,
            )
        ]
    )

    assert stored(event) == (date(2030, 12, 1), " bulk cafe pier")


def test_the_migration_fills_the_copies_of_existing_events():
    event = new_york_evening(title="Ölfest")
    Event.objects.filter(pk=event.pk).update(starts_on=date(2000, 1, 1), search_text="")
    migration = import_module("events.migrations.0003_event_starts_on_and_search_text")

    migration.fill_copies(django_apps, schema_editor=None)

    assert stored(event)[0] == date(2030, 12, 1)
    assert stored(event)[1].startswith(" olfest ")
