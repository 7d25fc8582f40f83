"""Event writes: creating, editing, publishing and status moves."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import assert_counter_exact, fill
from eventhub.errors import DomainError
from events import services
from events.models import Event
from events.tests.factories import EventFactory, start_event

pytestmark = pytest.mark.django_db


def in_days(days, hours=0):
    return timezone.now() + timedelta(days=days, hours=hours)


def event_fields(**overrides):
    fields = {
        "title": "Django meetup",
        "description": "Talks and pizza.",
        "location": "Town hall, Springfield",
        "starts_at": in_days(10),
        "ends_at": in_days(10, hours=3),
        "capacity": 50,
    }
    return fields | overrides


def refresh(obj):
    obj.refresh_from_db()
    return obj


# create_event ---------------------------------------------------------------


def test_create_event_is_a_draft_in_the_organizers_time_zone():
    organizer = UserFactory(role="organizer", timezone="Europe/Paris")

    event = services.create_event(organizer=organizer, **event_fields())

    event = refresh(event)
    assert event.status == Event.Status.DRAFT
    assert event.timezone == "Europe/Paris"
    assert event.organizer == organizer
    assert event.booked_seats == 0


def test_create_event_keeps_an_explicit_time_zone(organizer):
    event = services.create_event(organizer=organizer, **event_fields(timezone="Asia/Tokyo"))

    assert refresh(event).timezone == "Asia/Tokyo"


def test_create_event_can_publish_at_once(organizer):
    event = services.create_event(organizer=organizer, status="published", **event_fields())

    assert refresh(event).status == Event.Status.PUBLISHED


def test_create_event_rejects_a_start_in_the_past(organizer):
    with pytest.raises(ValidationError) as refused:
        services.create_event(organizer=organizer, **event_fields(starts_at=in_days(-1), ends_at=in_days(1)))

    assert "starts_at" in refused.value.message_dict
    assert not Event.objects.exists()


def test_create_event_rejects_an_end_before_the_start(organizer):
    with pytest.raises(ValidationError) as refused:
        services.create_event(organizer=organizer, **event_fields(ends_at=in_days(9)))

    assert "ends_at" in refused.value.message_dict
    assert not Event.objects.exists()


def test_create_event_rejects_an_end_equal_to_the_start(organizer):
    start = in_days(10)

    with pytest.raises(ValidationError) as refused:
        services.create_event(organizer=organizer, **event_fields(starts_at=start, ends_at=start))

    assert "ends_at" in refused.value.message_dict


def test_create_event_rejects_an_attendee_as_organizer(attendee):
    with pytest.raises(ValidationError) as refused:
        services.create_event(organizer=attendee, **event_fields())

    assert "organizer" in refused.value.message_dict
    assert not Event.objects.exists()


@pytest.mark.parametrize("capacity", [0, 100_001])
def test_create_event_rejects_capacity_out_of_range(organizer, capacity):
    with pytest.raises(ValidationError) as refused:
        services.create_event(organizer=organizer, **event_fields(capacity=capacity))

    assert "capacity" in refused.value.message_dict


# update_event ---------------------------------------------------------------


def test_update_event_changes_the_editable_fields(organizer, published_event):
    new_start = in_days(20)

    services.update_event(
        event=published_event,
        by=organizer,
        title="Renamed",
        location="Elsewhere",
        starts_at=new_start,
        ends_at=new_start + timedelta(hours=1),
    )

    event = refresh(published_event)
    assert (event.title, event.location, event.starts_at) == ("Renamed", "Elsewhere", new_start)


def test_update_event_by_staff(staff, published_event):
    services.update_event(event=published_event, by=staff, title="Fixed by staff")

    assert refresh(published_event).title == "Fixed by staff"


@pytest.mark.parametrize("by", ["attendee", "other_organizer"])
def test_update_event_refused_for_others(request, by, published_event):
    with pytest.raises(DomainError) as refused:
        services.update_event(event=published_event, by=request.getfixturevalue(by), title="Hijacked")

    assert refused.value.code == "not_allowed"
    assert refresh(published_event).title != "Hijacked"


def test_update_event_refuses_capacity_below_booked_seats(organizer, published_event):
    fill(published_event, users=UserFactory.create_batch(4))

    with pytest.raises(DomainError) as refused:
        services.update_event(event=published_event, by=organizer, capacity=3)

    assert refused.value.code == "capacity_below_booked"
    assert refused.value.field == "capacity"
    assert refresh(published_event).capacity == 10


def test_update_event_capacity_raise_promotes_the_waitlist(organizer):
    event = EventFactory(organizer=organizer, capacity=2)
    bookings = fill(event, users=UserFactory.create_batch(5))

    services.update_event(event=event, by=organizer, capacity=4)

    assert [refresh(b).status for b in bookings] == ["confirmed"] * 4 + ["waitlisted"]
    assert refresh(event).capacity == 4
    assert_counter_exact(event)


def test_update_event_with_a_stale_instance_still_sets_the_capacity_asked_for(organizer, published_event):
    stale = Event.objects.get(pk=published_event.pk)
    services.update_event(event=published_event, by=organizer, capacity=20)

    services.update_event(event=stale, by=organizer, capacity=10)

    assert refresh(published_event).capacity == 10


def test_update_event_rolls_back_capacity_when_another_change_is_invalid(organizer, published_event):
    with pytest.raises(ValidationError):
        services.update_event(
            event=published_event, by=organizer, capacity=30, ends_at=published_event.starts_at
        )

    assert refresh(published_event).capacity == 10


def test_update_event_refuses_moving_the_start_into_the_past(organizer, published_event):
    original = published_event.starts_at

    with pytest.raises(ValidationError) as refused:
        services.update_event(event=published_event, by=organizer, starts_at=in_days(-1))

    assert "starts_at" in refused.value.message_dict
    assert refresh(published_event).starts_at == original


def test_update_event_can_edit_a_started_event_without_moving_it(organizer, published_event):
    start_event(published_event)

    services.update_event(event=published_event, by=organizer, description="Slides are online.")

    assert refresh(published_event).description == "Slides are online."


def test_update_event_refuses_an_end_before_the_start(organizer, published_event):
    with pytest.raises(ValidationError) as refused:
        services.update_event(event=published_event, by=organizer, ends_at=published_event.starts_at)

    assert "ends_at" in refused.value.message_dict


def test_update_event_cancels_through_the_booking_service(organizer, published_event):
    booking = fill(published_event, users=[UserFactory()])[0]

    services.update_event(event=published_event, by=organizer, status="cancelled")

    assert refresh(published_event).status == Event.Status.CANCELLED
    assert refresh(booking).status == Booking.Status.CONFIRMED


def test_update_event_refuses_going_back_to_draft(organizer, published_event):
    with pytest.raises(DomainError) as refused:
        services.update_event(event=published_event, by=organizer, status="draft", title="Renamed")

    assert refused.value.code == "invalid_status_change"
    event = refresh(published_event)
    assert (event.status, event.title) == (Event.Status.PUBLISHED, published_event.title)


# publish_event and set_status -----------------------------------------------


def test_publish_event_opens_a_draft(organizer, draft_event):
    services.publish_event(event=draft_event, by=organizer)

    assert refresh(draft_event).status == Event.Status.PUBLISHED


@pytest.mark.parametrize("missing", ["title", "location"])
def test_publish_event_needs_title_and_location(organizer, missing):
    event = EventFactory(organizer=organizer, status="draft", **{missing: "  "})

    with pytest.raises(DomainError) as refused:
        services.publish_event(event=event, by=organizer)

    assert refused.value.code == "not_publishable"
    assert missing in refused.value.message
    assert refresh(event).status == Event.Status.DRAFT


def test_publish_event_refuses_a_cancelled_event(organizer, draft_event):
    services.set_status(event=draft_event, status="cancelled", by=organizer)

    with pytest.raises(DomainError) as refused:
        services.publish_event(event=draft_event, by=organizer)

    assert refused.value.code == "not_publishable"
    assert refresh(draft_event).status == Event.Status.CANCELLED


def test_publish_event_refuses_a_started_event(organizer, draft_event):
    start_event(draft_event)

    with pytest.raises(DomainError) as refused:
        services.publish_event(event=draft_event, by=organizer)

    assert refused.value.code == "not_publishable"
    assert refresh(draft_event).status == Event.Status.DRAFT


@pytest.mark.parametrize("by", ["attendee", "other_organizer"])
def test_publish_event_only_for_organizer_or_staff(request, by, draft_event):
    with pytest.raises(DomainError) as refused:
        services.publish_event(event=draft_event, by=request.getfixturevalue(by))

    assert refused.value.code == "not_allowed"
    assert refresh(draft_event).status == Event.Status.DRAFT


def test_publish_event_by_staff(staff, draft_event):
    services.publish_event(event=draft_event, by=staff)

    assert refresh(draft_event).status == Event.Status.PUBLISHED


@pytest.mark.parametrize("fixture", ["draft_event", "published_event"])
def test_set_status_refuses_going_back_to_draft(request, organizer, fixture):
    event = request.getfixturevalue(fixture)
    if fixture == "published_event":
        services.set_status(event=event, status="cancelled", by=organizer)

    with pytest.raises(DomainError) as refused:
        services.set_status(event=event, status="draft", by=organizer)

    assert refused.value.code == "invalid_status_change"
    assert refused.value.field == "status"


def test_set_status_published_to_draft_refused(organizer, published_event):
    with pytest.raises(DomainError) as refused:
        services.set_status(event=published_event, status="draft", by=organizer)

    assert refused.value.code == "invalid_status_change"
    assert refresh(published_event).status == Event.Status.PUBLISHED


def test_create_event_refuses_to_start_cancelled(organizer):
    with pytest.raises(DomainError) as refused:
        services.create_event(
            organizer=organizer,
            title="Born cancelled",
            location="Nowhere",
            starts_at=timezone.now() + timedelta(days=3),
            ends_at=timezone.now() + timedelta(days=3, hours=1),
            capacity=5,
            status="cancelled",
        )
    assert (refused.value.code, refused.value.field) == ("invalid_status", "status")
    assert not Event.objects.exists()
