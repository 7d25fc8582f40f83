"""Anonymous browsing from the cache (events.browse_cache): seats left never staler than a second, an
organizer's edit at once, never a signed-in viewer's page from it, and pages still served when the
cache is down."""

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


@pytest.fixture
def clock(monkeypatch):
    """The cache's clock, moved by hand: ``clock.now += seconds``."""

    class Clock:
        now = time.time()

    monkeypatch.setattr(browse_cache, "_now", lambda: Clock.now)
    return Clock


def test_a_visitors_second_look_is_served_without_a_query(
    client, api_client, event, clock, django_assert_num_queries
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


def test_a_booking_shows_everywhere_a_visitor_looks_within_a_second(
    client, api_client, event, attendee, clock, django_capture_on_commit_callbacks
):
    assert api_seats_left(api_client, event) == 10
    assert seats_text(event) in client.get(LIST).text
    assert seats_text(event) in client.get(event.get_absolute_url()).text

    with django_capture_on_commit_callbacks(execute=True):
        make_booking(user=attendee, event=event)

    clock.now += browse_cache.FRESH_FOR * 0.9
    assert api_seats_left(api_client, event) == 10  # served from the cache: a sale does not empty it
    clock.now += browse_cache.FRESH_FOR * 0.2
    event.refresh_from_db()
    assert api_seats_left(api_client, event) == 9
    assert seats_text(event) in client.get(LIST).text
    assert seats_text(event) in client.get(event.get_absolute_url()).text


def test_a_page_is_as_old_as_its_reading_not_its_keeping(api_client, event, attendee, clock, monkeypatch):
    """A page that took long to render is kept from when its rows were read: no longer than FRESH_FOR."""
    served = browse_cache.served

    def slow(request, render, **options):
        def render_slowly():
            response = render()
            clock.now += browse_cache.FRESH_FOR * 0.6
            return response

        return served(request, render_slowly, **options)

    monkeypatch.setattr(browse_cache, "served", slow)
    assert api_seats_left(api_client, event) == 10
    make_booking(user=attendee, event=event)
    monkeypatch.setattr(browse_cache, "served", served)
    clock.now += browse_cache.FRESH_FOR * 0.5  # 1.1 x FRESH_FOR after the read, 0.5 after the keeping
    assert api_seats_left(api_client, event) == 9


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


def test_a_booking_leaves_the_cache_alone(event, attendee, django_capture_on_commit_callbacks):
    """Under the event's row lock nothing waits on the cache; after the commit, a sale does not empty it."""
    before = cache.get(browse_cache.VERSION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        make_booking(user=attendee, event=event)
    assert cache.get(browse_cache.VERSION_KEY) == before


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


def test_an_organizer_on_the_api_is_not_served_the_visitors_list(api_client, organizer):
    EventFactory(organizer=organizer, status="published", title="Open night")
    EventFactory(organizer=organizer, status="draft", title="My draft")
    titles = [item["title"] for item in api_client.get(API_LIST).json()["results"]]
    assert titles == ["Open night"]
    api_client.force_authenticate(organizer)
    titles = {item["title"] for item in api_client.get(API_LIST).json()["results"]}
    assert titles == {"Open night", "My draft"}


def test_a_signed_in_attendee_on_the_api_shares_the_visitors_list(
    api_client, event, attendee, clock, django_assert_num_queries
):
    """An attendee's API list shows no booking of theirs: the visitors' copy serves them too."""
    visitors = api_client.get(API_LIST).content
    api_client.force_authenticate(attendee)
    with django_assert_num_queries(0):
        assert api_client.get(API_LIST).content == visitors


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
