"""/api/bookings/ and /api/events/{id}/bookings/: booking, refusals, who sees what, cancelling."""

import pytest

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import fill, make_booking
from events.models import Event
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

LIST = "/api/bookings/"


def detail(booking):
    return f"/api/bookings/{booking.pk}/"


def cancel_url(booking):
    return f"/api/bookings/{booking.pk}/cancel/"


def event_bookings(event):
    return f"/api/events/{event.pk}/bookings/"


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


# Booking -----------------------------------------------------------------------


@pytest.fixture
def cancelled_event(organizer):
    return EventFactory(organizer=organizer, status=Event.Status.CANCELLED)


def test_attendee_books_a_seat(api_client, attendee, published_event):
    api_client.force_authenticate(attendee)

    response = api_client.post(LIST, {"event": published_event.pk})

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "event",
        "status",
        "event_status",
        "ticket_type",
        "seat",
        "answers",
        "price",
        "hold_expires_at",
        "payment",
        "ticket_code",
        "ticket_qr_url",
        "created_at",
    }
    assert body["event"] == published_event.pk
    assert (body["price"], body["hold_expires_at"], body["payment"]) == ("0.00", None, None)
    assert body["status"] == "confirmed"
    published_event.refresh_from_db()
    assert published_event.booked_seats == 1


def test_full_event_is_a_409_event_full(api_client, attendee):
    event = EventFactory(capacity=1)
    make_booking(user=UserFactory(), event=event)
    api_client.force_authenticate(attendee)

    response = api_client.post(LIST, {"event": event.pk})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "This event is full. You can join the waitlist.",
        "code": "event_full",
    }


def test_full_event_puts_you_on_the_waitlist_when_asked(api_client, attendee):
    event = EventFactory(capacity=1)
    make_booking(user=UserFactory(), event=event)
    api_client.force_authenticate(attendee)

    response = api_client.post(LIST, {"event": event.pk, "waitlist": True})

    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"


def test_booking_twice_is_a_409_already_booked(api_client, attendee, published_event):
    make_booking(user=attendee, event=published_event)
    api_client.force_authenticate(attendee)

    response = api_client.post(LIST, {"event": published_event.pk})

    assert response.status_code == 409
    assert response.json()["code"] == "already_booked"


@pytest.mark.parametrize("event_fixture", ["past_event", "cancelled_event"])
def test_started_or_cancelled_event_is_a_400_not_bookable(request, api_client, attendee, event_fixture):
    event = request.getfixturevalue(event_fixture)
    api_client.force_authenticate(attendee)

    response = api_client.post(LIST, {"event": event.pk})

    assert response.status_code == 400
    assert response.json()["code"] == "not_bookable"


def test_a_draft_you_cannot_see_is_404_like_a_missing_event(api_client, attendee, draft_event):
    api_client.force_authenticate(attendee)

    draft = api_client.post(LIST, {"event": draft_event.pk})
    missing = api_client.post(LIST, {"event": draft_event.pk + 1000})

    assert draft.status_code == missing.status_code == 404
    assert draft.json() == missing.json()


def test_a_draft_you_can_see_is_a_400_not_bookable(api_client, staff, draft_event):
    api_client.force_authenticate(staff)

    response = api_client.post(LIST, {"event": draft_event.pk})

    assert response.status_code == 400
    assert response.json()["code"] == "not_bookable"


def test_organizers_cannot_book(api_client, other_organizer, published_event):
    api_client.force_authenticate(other_organizer)

    response = api_client.post(LIST, {"event": published_event.pk})

    assert response.status_code == 403
    assert response.json()["code"] == "not_attendee"


@pytest.mark.parametrize(
    ("body", "field"), [({}, "event"), ({"event": "x"}, "event"), ({"event": 0}, "event")]
)
def test_bad_booking_input_is_a_field_error(api_client, attendee, body, field):
    api_client.force_authenticate(attendee)

    response = api_client.post(LIST, body)

    assert response.status_code == 400
    assert list(response.json()) == [field]


# Listing -----------------------------------------------------------------------


@pytest.fixture
def bookings(published_event, attendee, other_attendee):
    """The attendee at the organizer's event and at another organizer's; the other attendee at the first."""
    elsewhere = EventFactory()
    return {
        "mine": make_booking(user=attendee, event=published_event),
        "mine_elsewhere": make_booking(user=attendee, event=elsewhere),
        "theirs": make_booking(user=other_attendee, event=published_event),
    }


@pytest.mark.parametrize(
    ("viewer", "expected"),
    [
        ("attendee", {"mine", "mine_elsewhere"}),
        ("other_attendee", {"theirs"}),
        ("organizer", {"mine", "theirs"}),
        ("other_organizer", set()),
        ("staff", {"mine", "mine_elsewhere", "theirs"}),
    ],
)
def test_list_shows_your_bookings_or_those_of_your_events(request, api_client, bookings, viewer, expected):
    api_client.force_authenticate(request.getfixturevalue(viewer))

    response = api_client.get(LIST)

    assert set(ids(response)) == {bookings[name].pk for name in expected}


def test_list_filters_by_event_and_status(api_client, attendee, bookings, published_event):
    api_client.force_authenticate(attendee)
    api_client.post(cancel_url(bookings["mine_elsewhere"]))

    by_event = api_client.get(LIST, {"event": published_event.pk})
    by_status = api_client.get(LIST, {"status": "cancelled"})

    assert ids(by_event) == [bookings["mine"].pk]
    assert ids(by_status) == [bookings["mine_elsewhere"].pk]


@pytest.mark.parametrize("event", ["1.5", "-1.8e308", str(2**63)])
def test_list_refuses_an_event_filter_that_is_no_id(api_client, attendee, event):
    api_client.force_authenticate(attendee)

    response = api_client.get(LIST, {"event": event})

    assert response.status_code == 400
    assert list(response.json()) == ["event"]


def test_list_is_paginated(api_client, attendee):
    for event in EventFactory.create_batch(3):
        make_booking(user=attendee, event=event)
    api_client.force_authenticate(attendee)

    body = api_client.get(LIST, {"page_size": 2}).json()

    assert body["count"] == 3
    assert len(body["results"]) == 2
    assert body["next"] is not None


def test_list_runs_a_fixed_number_of_queries(api_client, organizer, django_assert_max_num_queries):
    event = EventFactory(organizer=organizer, capacity=100)
    fill(event, users=UserFactory.create_batch(60))
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(4):  # the count, the page, the answers, the payments
        response = api_client.get(LIST, {"page_size": 100})

    assert response.json()["count"] == 60


def test_booking_reads_and_writes_a_fixed_handful_of_rows(
    api_client, attendee, published_event, django_assert_num_queries
):
    """Lock the event (noting any booking of the person's), read its type, write the booking and both
    counters: the payments of a booking just created are not read, it has none."""
    api_client.force_authenticate(attendee)

    with django_assert_num_queries(5 + 2):  # and, as the test runs in a transaction, a savepoint's two
        response = api_client.post(LIST, {"event": published_event.pk})

    assert response.status_code == 201
    assert response.json() == api_client.get(detail(Booking.objects.get())).json()


def test_someone_elses_booking_is_404(api_client, other_attendee, bookings):
    api_client.force_authenticate(other_attendee)

    assert api_client.get(detail(bookings["mine"])).status_code == 404


def test_attendee_reads_their_booking(api_client, attendee, bookings):
    api_client.force_authenticate(attendee)

    response = api_client.get(detail(bookings["mine"]))

    assert response.json()["id"] == bookings["mine"].pk


# Cancelling --------------------------------------------------------------------


def test_cancel_returns_the_cancelled_booking_and_frees_the_seat(api_client, attendee, other_attendee):
    event = EventFactory(capacity=1)
    booking = make_booking(user=attendee, event=event)
    waiting = make_booking(user=other_attendee, event=event, waitlist=True)
    api_client.force_authenticate(attendee)

    response = api_client.post(cancel_url(booking))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED


def test_cancelling_someone_elses_booking_is_404(api_client, other_attendee, bookings):
    api_client.force_authenticate(other_attendee)

    response = api_client.post(cancel_url(bookings["mine"]))

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_cancelling_twice_is_a_409_already_cancelled(api_client, attendee, bookings):
    api_client.force_authenticate(attendee)
    api_client.post(cancel_url(bookings["mine"]))

    response = api_client.post(cancel_url(bookings["mine"]))

    assert response.status_code == 409
    assert response.json()["code"] == "already_cancelled"


def test_too_late_to_cancel_once_the_event_started(api_client, attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)
    Event.objects.filter(pk=published_event.pk).update(starts_at=published_event.starts_at.replace(year=2001))
    api_client.force_authenticate(attendee)

    response = api_client.post(cancel_url(booking))

    assert response.status_code == 400
    assert response.json()["code"] == "not_cancellable"


def test_organizer_cancels_a_booking_of_their_event(api_client, organizer, bookings):
    api_client.force_authenticate(organizer)

    assert api_client.post(cancel_url(bookings["theirs"])).json()["status"] == "cancelled"


# An event's bookings -------------------------------------------------------------


def test_organizer_sees_who_booked_their_event(api_client, organizer, published_event, attendee):
    booking = make_booking(user=attendee, event=published_event)
    api_client.force_authenticate(organizer)

    body = api_client.get(event_bookings(published_event)).json()

    assert body["count"] == 1
    assert body["results"][0]["id"] == booking.pk
    assert body["results"][0]["status"] == "confirmed"
    assert set(body["results"][0]) == {
        "id",
        "attendee",
        "status",
        "ticket_type",
        "seat",
        "answers",
        "created_at",
    }
    assert body["results"][0]["attendee"] == {
        "id": attendee.pk,
        "username": attendee.username,
        "email": attendee.email,
    }


def test_event_bookings_filter_by_status(api_client, organizer, attendee, other_attendee):
    event = EventFactory(organizer=organizer, capacity=1)
    make_booking(user=attendee, event=event)
    waiting = make_booking(user=other_attendee, event=event, waitlist=True)
    api_client.force_authenticate(organizer)

    assert ids(api_client.get(event_bookings(event), {"status": "waitlisted"})) == [waiting.pk]


@pytest.mark.parametrize(("viewer", "status"), [("attendee", 403), ("other_organizer", 403), ("staff", 200)])
def test_event_bookings_are_for_the_organizer_and_staff(request, api_client, published_event, viewer, status):
    api_client.force_authenticate(request.getfixturevalue(viewer))

    assert api_client.get(event_bookings(published_event)).status_code == status


def test_event_bookings_of_an_invisible_draft_are_404(api_client, other_organizer, draft_event):
    api_client.force_authenticate(other_organizer)

    assert api_client.get(event_bookings(draft_event)).status_code == 404


def test_event_bookings_run_a_fixed_number_of_queries(api_client, organizer, django_assert_max_num_queries):
    event = EventFactory(organizer=organizer, capacity=100)
    fill(event, users=UserFactory.create_batch(60))
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(4):  # the event, the count, the page with attendees, the answers
        response = api_client.get(event_bookings(event), {"page_size": 100})

    assert len(response.json()["results"]) == 60
