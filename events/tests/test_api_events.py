"""GET/POST /api/events/ and /api/events/{id}/: shapes, visibility, filters, ordering, writes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings.models import Booking
from bookings.tests.factories import fill, make_booking
from events.models import Event, Tag
from events.tests.factories import CategoryFactory, EventFactory

pytestmark = pytest.mark.django_db

LIST = "/api/events/"
EVENT_FIELDS = {
    "id",
    "title",
    "description",
    "location",
    "attendance",
    "address",
    "city",
    "map_url",
    "map_link",
    "category",
    "tags",
    "starts_at",
    "ends_at",
    "timezone",
    "capacity",
    "seats_left",
    "currency",
    "hold_minutes",
    "payment_providers",
    "refund_cutoff_hours",
    "series",
    "ticket_types",
    "image",
    "status",
    "organizer",
    "url",
}
# online_url only for those who run the event (ticket holders find it on their ticket)
DETAIL_FIELDS = EVENT_FIELDS | {"questions"}  # one event's page also shows what booking asks


def detail(event):
    return f"/api/events/{event.pk}/"


def in_days(days: float) -> datetime:
    return timezone.now() + timedelta(days=days)


def new_event(**overrides) -> dict:
    starts_at = in_days(10)
    body = {
        "title": "Django meetup",
        "description": "Talks and pizza.",
        "location": "Hall A, 1 Main Street",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=2)).isoformat(),
        "capacity": 50,
    }
    return body | overrides


def titles(response) -> list[str]:
    return [item["title"] for item in response.json()["results"]]


# Reading ---------------------------------------------------------------------


def test_list_item_has_the_contract_shape(api_client, published_event, organizer):
    response = api_client.get(LIST)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    item = body["results"][0]
    assert set(item) == EVENT_FIELDS
    assert item["organizer"] == {"id": organizer.pk, "username": organizer.username}
    assert item["seats_left"] == 10
    assert item["url"] == f"http://testserver{detail(published_event)}"


def test_list_never_shows_the_organizer_email(api_client, published_event, organizer):
    assert organizer.email not in api_client.get(LIST).content.decode()


def test_times_carry_the_offset_of_the_event_time_zone(api_client, organizer):
    start = datetime(2031, 7, 1, 17, 0, tzinfo=UTC)
    event = EventFactory(organizer=organizer, timezone="Europe/Paris", starts_at=start)

    item = api_client.get(detail(event)).json()

    assert item["starts_at"] == "2031-07-01T19:00:00+02:00"
    assert item["ends_at"] == "2031-07-01T21:00:00+02:00"


def test_seats_left_counts_confirmed_bookings(api_client, published_event, attendee, other_attendee):
    fill(published_event, users=[attendee, other_attendee])

    assert api_client.get(detail(published_event)).json()["seats_left"] == 8


@pytest.mark.parametrize(
    ("viewer", "sees_draft"),
    [(None, False), ("attendee", False), ("other_organizer", False), ("organizer", True), ("staff", True)],
)
def test_drafts_are_listed_only_for_their_organizer_and_staff(
    request, api_client, published_event, draft_event, viewer, sees_draft
):
    if viewer:
        api_client.force_authenticate(request.getfixturevalue(viewer))

    ids = {item["id"] for item in api_client.get(LIST).json()["results"]}

    assert published_event.pk in ids
    assert (draft_event.pk in ids) is sees_draft


def test_cancelled_events_are_listed_for_everyone(api_client, organizer):
    cancelled = EventFactory(organizer=organizer, status=Event.Status.CANCELLED)

    assert [item["id"] for item in api_client.get(LIST).json()["results"]] == [cancelled.pk]


def test_someone_elses_draft_is_404(api_client, attendee, draft_event):
    api_client.force_authenticate(attendee)

    response = api_client.get(detail(draft_event))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# Pagination ------------------------------------------------------------------


def test_list_is_paginated_with_page_and_page_size(api_client, organizer):
    EventFactory.create_batch(5, organizer=organizer)

    body = api_client.get(LIST, {"page": 2, "page_size": 2}).json()

    assert body["count"] == 5
    assert len(body["results"]) == 2
    assert "page=3" in body["next"]
    assert body["previous"].endswith("page_size=2")


def test_page_size_is_capped_at_100(api_client, organizer):
    EventFactory.create_batch(101, organizer=organizer)

    body = api_client.get(LIST, {"page_size": 500}).json()

    assert len(body["results"]) == 100
    assert body["next"] is not None


def test_default_page_size_is_20(api_client, organizer):
    EventFactory.create_batch(21, organizer=organizer)

    assert len(api_client.get(LIST).json()["results"]) == 20


def test_page_past_the_end_is_a_404_in_the_error_shape(api_client, published_event):
    response = api_client.get(LIST, {"page": 9})

    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code"}


def test_list_runs_the_same_queries_for_5_or_100_rows(api_client, django_assert_max_num_queries, staff):
    api_client.force_authenticate(staff)
    jazz, music = Tag.objects.create(name="Jazz", slug="jazz"), CategoryFactory()
    for _ in range(100):
        # One organizer each, in a category, with tags: an N+1 would show.
        EventFactory(organizer=OrganizerFactory(), category=music).tags.add(jazz)

    for size in (5, 100):
        with django_assert_max_num_queries(4):  # the count, the page with organizers, their types, tags
            response = api_client.get(LIST, {"page_size": size})
        assert len(response.json()["results"]) == size


# Filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"search": "python"}, ["Python night", "Talks"]),
        ({"search": "  HALL b "}, ["Rust day"]),
        ({"location": "hall a"}, ["Python night", "Talks"]),
        ({"status": "cancelled"}, ["Talks"]),
        ({"has_seats": "true"}, ["Python night", "Talks"]),
        ({"starts_after": "2031-01-02T00:00:00+00:00"}, ["Rust day", "Talks"]),
        ({"starts_before": "2031-01-02T00:00:00Z"}, ["Python night"]),
        ({"starts_after": "2031-01-02", "starts_before": "2031-01-04"}, ["Rust day"]),
    ],
)
def test_filters_narrow_the_list(api_client, organizer, params, expected):
    day = datetime(2031, 1, 1, 18, 0, tzinfo=UTC)
    EventFactory(organizer=organizer, title="Python night", location="Hall A", starts_at=day)
    rust = EventFactory(
        organizer=organizer, title="Rust day", location="Hall B", starts_at=day + timedelta(2)
    )
    EventFactory(
        organizer=organizer,
        title="Talks",
        description="All about Python.",
        location="Hall A",
        starts_at=day + timedelta(5),
        status=Event.Status.CANCELLED,
    )
    Event.objects.filter(pk=rust.pk).update(capacity=1, booked_seats=1)

    response = api_client.get(LIST, params)

    assert response.status_code == 200
    assert sorted(titles(response)) == expected


def test_organizer_filter_keeps_one_organizers_events(api_client, published_event, organizer):
    EventFactory(organizer=OrganizerFactory())

    ids = [item["id"] for item in api_client.get(LIST, {"organizer": organizer.pk}).json()["results"]]

    assert ids == [published_event.pk]


def test_time_filters_accept_any_iso_offset(api_client, published_event):
    response = api_client.get(LIST, {"starts_after": "2001-01-01T00:00:00+21:14"})

    assert response.status_code == 200
    assert response.json()["count"] == 1


def test_time_filter_outside_the_calendar_is_a_field_error(api_client):
    response = api_client.get(LIST, {"starts_before": "0001-01-01T00:00:00+05:00"})

    assert response.status_code == 400
    assert list(response.json()) == ["starts_before"]


def test_invalid_filter_value_is_a_field_error(api_client):
    response = api_client.get(LIST, {"starts_after": "next tuesday", "status": "sold", "organizer": "1e30"})

    assert response.status_code == 400
    assert set(response.json()) == {"starts_after", "status", "organizer"}


# Ordering ----------------------------------------------------------------------


@pytest.fixture
def three_events(organizer):
    """B is oldest listed and soonest; C is past; A was listed last and starts latest."""
    b = EventFactory(organizer=organizer, title="B", starts_at=in_days(1))
    c = EventFactory(organizer=organizer, title="C", starts_at=in_days(-2))
    a = EventFactory(organizer=organizer, title="A", starts_at=in_days(30))
    return a, b, c


def test_default_order_is_upcoming_soonest_first_then_past_most_recent_first(api_client, organizer):
    for title, days in [("past-old", -20), ("later", 9), ("past-recent", -1), ("soon", 1)]:
        EventFactory(organizer=organizer, title=title, starts_at=in_days(days))

    assert titles(api_client.get(LIST)) == ["soon", "later", "past-recent", "past-old"]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("starts_at", ["C", "B", "A"]),
        ("-starts_at", ["A", "B", "C"]),
        ("title", ["A", "B", "C"]),
        ("-title", ["C", "B", "A"]),
        ("created_at", ["B", "C", "A"]),
        ("-created_at", ["A", "C", "B"]),
    ],
)
def test_ordering_parameter_sorts_the_list(api_client, three_events, ordering, expected):
    assert titles(api_client.get(LIST, {"ordering": ordering})) == expected


def test_unknown_ordering_is_a_field_error(api_client):
    response = api_client.get(LIST, {"ordering": "capacity"})

    assert response.status_code == 400
    assert "ordering" in response.json()


# Creating ----------------------------------------------------------------------


def test_organizer_creates_a_draft_and_runs_it(api_client, organizer, other_organizer):
    api_client.force_authenticate(organizer)

    response = api_client.post(LIST, new_event(organizer=other_organizer.pk))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == DETAIL_FIELDS | {"online_url"}  # its organizer sees the joining link
    assert body["status"] == "draft"
    assert body["organizer"]["id"] == organizer.pk
    assert Event.objects.get(pk=body["id"]).organizer == organizer


def test_organizer_can_publish_on_creation(api_client, organizer):
    api_client.force_authenticate(organizer)

    response = api_client.post(LIST, new_event(status="published"))

    assert response.json()["status"] == "published"


def test_new_event_takes_the_organizer_time_zone_by_default(api_client):
    organizer = OrganizerFactory(timezone="Asia/Tokyo")
    api_client.force_authenticate(organizer)

    assert api_client.post(LIST, new_event()).json()["timezone"] == "Asia/Tokyo"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"status": "cancelled"}, "status"),
        ({"starts_at": "2020-01-01T10:00:00+00:00", "ends_at": "2020-01-01T12:00:00+00:00"}, "starts_at"),
        ({"ends_at": "2031-01-01T10:00:00+00:00", "starts_at": "2031-01-01T12:00:00+00:00"}, "ends_at"),
        ({"starts_at": "2031-01-01T10:00:00"}, "starts_at"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"capacity": 0}, "capacity"),
        ({"title": ""}, "title"),
    ],
)
def test_invalid_event_is_a_field_error(api_client, organizer, overrides, field):
    api_client.force_authenticate(organizer)

    response = api_client.post(LIST, new_event(**overrides))

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_attendee_cannot_create_events(api_client, attendee):
    api_client.force_authenticate(attendee)

    response = api_client.post(LIST, new_event())

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_anonymous_cannot_create_events(api_client):
    response = api_client.post(LIST, new_event())

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


# Changing ----------------------------------------------------------------------


def test_organizer_renames_with_patch(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.patch(detail(published_event), {"title": "Renamed"})

    assert response.status_code == 200
    assert response.json()["title"] == "Renamed"


def test_put_replaces_the_details(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.put(detail(published_event), new_event(title="Replaced", capacity=12))

    assert response.status_code == 200
    assert response.json()["title"] == "Replaced"
    assert response.json()["status"] == "published"
    published_event.refresh_from_db()
    assert published_event.capacity == 12


def test_capacity_below_booked_seats_is_a_capacity_error(api_client, organizer, published_event):
    fill(published_event, users=UserFactory.create_batch(3))
    api_client.force_authenticate(organizer)

    response = api_client.patch(detail(published_event), {"capacity": 2})

    assert response.status_code == 400
    assert response.json() == {"capacity": ["Capacity cannot be lower than the 3 seats already booked."]}


def test_raising_capacity_confirms_the_waitlist(api_client, organizer, attendee, other_attendee):
    event = EventFactory(organizer=organizer, capacity=1)
    make_booking(user=attendee, event=event)
    waiting = make_booking(user=other_attendee, event=event, waitlist=True)
    api_client.force_authenticate(organizer)

    response = api_client.patch(detail(event), {"capacity": 2})

    assert response.json()["seats_left"] == 0
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED


def test_status_cancelled_cancels_the_event_and_keeps_bookings(
    api_client, organizer, published_event, attendee
):
    booking = make_booking(user=attendee, event=published_event)
    api_client.force_authenticate(organizer)

    response = api_client.patch(detail(published_event), {"status": "cancelled"})

    assert response.json()["status"] == "cancelled"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_organizer_publishes_a_draft(api_client, organizer, draft_event):
    api_client.force_authenticate(organizer)

    assert api_client.patch(detail(draft_event), {"status": "published"}).json()["status"] == "published"


def test_published_event_cannot_go_back_to_draft(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.patch(detail(published_event), {"status": "draft"})

    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_cancelled_event_cannot_be_published_again(api_client, organizer):
    event = EventFactory(organizer=organizer, status=Event.Status.CANCELLED)
    api_client.force_authenticate(organizer)

    response = api_client.patch(detail(event), {"status": "published"})

    assert response.status_code == 400
    assert response.json()["code"] == "not_publishable"


def test_another_organizer_cannot_change_an_event(api_client, other_organizer, published_event):
    api_client.force_authenticate(other_organizer)

    response = api_client.patch(detail(published_event), {"title": "Mine now"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_staff_can_change_any_event(api_client, staff, published_event):
    api_client.force_authenticate(staff)

    assert api_client.patch(detail(published_event), {"title": "Fixed"}).status_code == 200


# Deleting ----------------------------------------------------------------------


def test_organizer_deletes_an_event_without_bookings(api_client, organizer, draft_event):
    api_client.force_authenticate(organizer)

    assert api_client.delete(detail(draft_event)).status_code == 204
    assert not Event.objects.filter(pk=draft_event.pk).exists()


def test_event_with_bookings_cannot_be_deleted_only_cancelled(
    api_client, organizer, published_event, attendee
):
    make_booking(user=attendee, event=published_event)
    api_client.force_authenticate(organizer)

    response = api_client.delete(detail(published_event))

    assert response.status_code == 409
    assert response.json()["code"] == "has_bookings"
    assert "Cancel it instead" in response.json()["detail"]


@pytest.fixture
def upcoming_and_past(organizer):
    for title, days in [("u1", 1), ("u2", 2), ("u3", 3), ("p1", -1), ("p2", -2), ("p3", -3)]:
        EventFactory(organizer=organizer, title=title, starts_at=timezone.now() + timedelta(days=days))


@pytest.mark.parametrize(("page", "expected"), [(1, ["u1", "u2"]), (2, ["u3", "p1"]), (3, ["p2", "p3"])])
def test_default_order_runs_across_pages_from_upcoming_into_past(
    api_client, upcoming_and_past, page, expected
):
    response = api_client.get(LIST, {"page_size": 2, "page": page})
    assert titles(response) == expected
    assert response.json()["count"] == 6


def test_a_page_of_only_past_events_follows_the_upcoming_ones(api_client, upcoming_and_past):
    assert titles(api_client.get(LIST, {"page_size": 4, "page": 2})) == ["p2", "p3"]
    assert titles(api_client.get(LIST, {"page_size": 3, "page": 2})) == ["p1", "p2", "p3"]


def test_default_order_runs_at_most_eight_queries_on_any_page(
    api_client, upcoming_and_past, django_assert_max_num_queries
):
    for page in (1, 2, 3):
        with django_assert_max_num_queries(8):  # UpcomingThenPast's four, the types and tags of each part
            api_client.get(LIST, {"page_size": 2, "page": page})


def test_an_event_is_created_in_the_currency_asked_and_a_made_up_one_is_refused(api_client, organizer):
    api_client.force_authenticate(organizer)

    created = api_client.post(LIST, new_event(currency="GBP"), format="json")
    refused = api_client.post(LIST, new_event(currency="XYZ"), format="json")

    assert created.status_code == 201 and created.json()["currency"] == "GBP"
    assert refused.status_code == 400 and "currency" in refused.json()


def test_the_currency_cannot_change_once_someone_booked(api_client, organizer, published_event, attendee):
    make_booking(user=attendee, event=published_event)
    api_client.force_authenticate(organizer)

    response = api_client.patch(f"{LIST}{published_event.pk}/", {"currency": "USD"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "has_bookings"


def test_an_organizer_sets_how_long_tickets_are_held_how_people_pay_and_when_refunds_close(
    api_client, organizer, published_event
):
    api_client.force_authenticate(organizer)
    url = f"/api/events/{published_event.pk}/"
    changed = api_client.patch(
        url,
        {"hold_minutes": 30, "payment_providers": ["bank_transfer"], "refund_cutoff_hours": 48},
        format="json",
    )
    assert changed.status_code == 200, changed.content
    published_event.refresh_from_db()
    assert (published_event.hold_minutes, published_event.payment_providers) == (30, ["bank_transfer"])
    assert published_event.refund_cutoff_hours == 48
    unknown = api_client.patch(url, {"payment_providers": ["pigeon"]}, format="json")
    assert unknown.status_code == 400 and "pigeon" in str(unknown.json())
    assert api_client.patch(url, {"hold_minutes": 0}, format="json").status_code == 400
