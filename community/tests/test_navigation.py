"""The navigation's counts (community.navigation): kept per person, yet right on the very next page
after anything that moves them, and read from the database when the cache is down."""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.services import delete_account
from accounts.tests.factories import UserFactory
from community import friends, navigation
from community.messaging import mark_read, send_message
from community.models import Conversation
from community.tests.factories import NAV_QUERIES, make_friends, make_request

pytestmark = pytest.mark.django_db


def badges(client) -> dict[str, int]:
    """What the navigation shows: friend requests beside People, unread messages beside Messages."""
    page = client.get(reverse("events:list")).text
    shown = dict(re.findall(r">(People|Messages)(?: \((\d+)\))?</a>", page))
    return {name: int(count or 0) for name, count in shown.items()}


def test_the_second_page_reads_the_counts_from_the_cache(client, me):
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("events:list"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("events:list"))
    assert len(second.captured_queries) == len(first.captured_queries) - NAV_QUERIES


def test_a_message_shows_at_once_and_reading_it_clears_it_at_once(client, me, friend):
    assert badges(client) == {"People": 0, "Messages": 0}
    send_message(sender=friend, to=me, body="Hi")
    send_message(sender=friend, to=me, body="Still there?")
    assert badges(client)["Messages"] == 2

    mark_read(conversation=Conversation.objects.get(), reader=me)
    assert badges(client)["Messages"] == 0


def test_a_friend_request_shows_at_once_and_goes_when_answered_or_withdrawn(client, me):
    zoe, ann = UserFactory(), UserFactory()
    assert badges(client)["People"] == 0
    from_zoe = friends.request_friendship(by=zoe, to=me)
    from_ann = friends.request_friendship(by=ann, to=me)
    assert badges(client)["People"] == 2

    friends.accept_request(friendship=from_zoe, by=me)
    assert badges(client)["People"] == 1
    friends.cancel_request(friendship=from_ann, by=ann)
    assert badges(client)["People"] == 0


def test_a_request_made_outside_the_services_shows_at_once_too(client, me):
    assert badges(client)["People"] == 0
    make_request(UserFactory(), me)  # as the console or a script would: a row saved
    assert badges(client)["People"] == 1


def test_a_deleted_friends_messages_leave_the_badge_at_once(client, me, friend):
    send_message(sender=friend, to=me, body="Bye")
    assert badges(client)["Messages"] == 1
    delete_account(user=friend, by=friend)
    assert badges(client)["Messages"] == 0


def test_one_persons_change_never_shows_in_anothers_badge(client, me, friend):
    other = UserFactory()
    make_friends(other, friend)
    assert badges(client)["Messages"] == 0
    send_message(sender=friend, to=other, body="Only for you")
    assert badges(client)["Messages"] == 0


@pytest.mark.parametrize("failing", ["get", "set"])
def test_the_counts_are_right_while_the_cache_is_down(client, me, friend, failing):
    with mock.patch.object(navigation.cache, failing, side_effect=RedisConnectionError("down")):
        assert badges(client)["Messages"] == 0
        send_message(sender=friend, to=me, body="Hi")
        assert badges(client)["Messages"] == 1


def test_a_message_is_sent_even_when_the_badge_cannot_be_dropped(client, me, friend, caplog):
    with mock.patch.object(navigation.cache, "delete_many", side_effect=RedisConnectionError("down")):
        send_message(sender=friend, to=me, body="Hi")
    assert "navigation.not_forgotten" in caplog.text
