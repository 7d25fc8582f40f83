"""Anonymous browsing from the cache (events.browse_cache): fresh at once after a booking, never a
signed-in viewer's page from it, and pages still served when the cache is down."""

import time
from unittest import mock

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.test import Client, RequestFactory
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.tests.factories import OrganizerFactory
from bookings.tests.factories import make_booking
from events import browse_cache
from events.models import Event, Tag
from events.services import change_capacity
from events.tests.factories import CategoryFactory, EventFactory

API_LIST = "/api/events/"
LIST = "/"


def api_seats_left(api_client, event) -> int:
    results = api_client.get(API_LIST).json()["results"]
    return next(item["seats_left"] for item in results if item["id"] == event.pk)


def seats_text(event) -> str:
    return f"<strong>{event.capacity - event.booked_seats}</strong> seat"


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, status="published", capacity=10)


def test_a_visitors_second_look_is_served_without_a_query(
    client, api_client, event, django_assert_num_queries
):
    for fetch, path in (
        (client.get, LIST),
        (client.get, event.get_absolute_url()),
        (api_client.get, API_LIST),
    ):
        first = fetch(path)
        with django_assert_num_queries(0):
            again = fetch(path)
        assert again.status_code == 200
        assert again.content == first.content


def test_a_booking_shows_at_once_everywhere_a_visitor_looks(
    client, api_client, event, attendee, django_capture_on_commit_callbacks
):
    assert api_seats_left(api_client, event) == 10
    assert seats_text(event) in client.get(LIST).text
    assert seats_text(event) in client.get(event.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        make_booking(user=attendee, event=event)

    event.refresh_from_db()
    assert api_seats_left(api_client, event) == 9
    assert seats_text(event) in client.get(LIST).text
    assert seats_text(event) in client.get(event.get_absolute_url()).text


def test_a_capacity_change_shows_at_once(api_client, event, organizer):
    assert api_seats_left(api_client, event) == 10
    change_capacity(event=event, capacity=12, by=organizer)
    assert api_seats_left(api_client, event) == 12


def test_a_change_nobody_announced_shows_once_the_page_expires(api_client, event):
    assert api_seats_left(api_client, event) == 10
    Event.objects.filter(pk=event.pk).update(capacity=15)  # no save, no service: nothing moves the version
    assert api_seats_left(api_client, event) == 10
    time.sleep(browse_cache.FRESH_FOR + 0.2)  # a real wait: Redis keeps its own clock
    assert api_seats_left(api_client, event) == 15


def test_the_version_moves_when_the_booking_commits_not_under_its_lock(
    event, attendee, django_capture_on_commit_callbacks
):
    before = cache.get(browse_cache.VERSION_KEY)
    with django_capture_on_commit_callbacks() as callbacks:
        make_booking(user=attendee, event=event)
        during = cache.get(browse_cache.VERSION_KEY)
    for callback in callbacks:
        callback()
    assert during == before  # nothing waits on the cache while the event is locked
    assert cache.get(browse_cache.VERSION_KEY) != during  # a page read before the commit is not reused


def test_a_signed_in_attendee_never_sees_anothers_badge(client, event, attendee, other_attendee):
    make_booking(user=attendee, event=event)
    client.force_login(attendee)
    assert "You're booked" in client.get(LIST).text
    assert "Cancel my booking" in client.get(event.get_absolute_url()).text

    client.force_login(other_attendee)
    assert "You're booked" not in client.get(LIST).text
    assert "Cancel my booking" not in client.get(event.get_absolute_url()).text
    client.logout()
    assert "You're booked" not in client.get(LIST).text
    # And a page a visitor left in the cache is never what a signed-in attendee gets.
    client.force_login(attendee)
    assert "You're booked" in client.get(LIST).text


def test_a_signed_in_api_caller_is_not_served_the_visitors_list(api_client, organizer):
    EventFactory(organizer=organizer, status="published", title="Open night")
    EventFactory(organizer=organizer, status="draft", title="My draft")
    titles = [item["title"] for item in api_client.get(API_LIST).json()["results"]]
    assert titles == ["Open night"]
    api_client.force_authenticate(organizer)
    titles = {item["title"] for item in api_client.get(API_LIST).json()["results"]}
    assert titles == {"Open night", "My draft"}


def test_a_visitor_with_a_message_waiting_gets_it_and_nobody_else_does(client, event):
    client.get(LIST)
    waiting = CookieStorage(RequestFactory().get(LIST))._encode([Message(constants.INFO, "You signed out.")])
    client.cookies[CookieStorage.cookie_name] = waiting
    assert "You signed out." in client.get(LIST).text
    assert "You signed out." not in Client().get(LIST).text


@pytest.mark.parametrize("failing", ["get_many", "set"])
def test_a_cache_that_is_down_still_serves_every_page(client, api_client, event, failing):
    with mock.patch.object(browse_cache.cache, failing, side_effect=RedisConnectionError("down")):
        for fetch, path in (
            (client.get, LIST),
            (client.get, event.get_absolute_url()),
            (api_client.get, API_LIST),
        ):
            assert fetch(path).status_code == 200
            assert fetch(path).status_code == 200


def test_a_booking_with_the_cache_down_still_confirms(event, attendee):
    with mock.patch.object(browse_cache.cache, "set", side_effect=RedisConnectionError("down")):
        booking = make_booking(user=attendee, event=event)
    assert booking.status == "confirmed"


def test_the_visitors_api_list_of_50_keeps_its_queries(db, api_client, django_assert_max_num_queries):
    jazz, music = Tag.objects.create(name="Jazz", slug="jazz"), CategoryFactory()
    for _ in range(50):
        EventFactory(organizer=OrganizerFactory(), category=music, status="published").tags.add(jazz)
    with django_assert_max_num_queries(4):  # the count, the page with organizers, their types, tags
        response = api_client.get(API_LIST, {"page_size": 50})
    assert len(response.json()["results"]) == 50
