"""Who may open which community page: one table over every page and every kind of visitor.

The kinds: anonymous, a stranger, the author's friend, someone the author blocks, the author,
the organizer of the event the posts are about, and site staff. A page someone may not see
answers 404, exactly as for something that does not exist; public posts and an event's
discussion are open to everyone, and signed-out visitors are asked to sign in wherever only
people can go.
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from community.tests.factories import BlockFactory, PostFactory, make_friends
from events.tests.factories import EventFactory

ROLES = ("anonymous", "stranger", "friend", "blocked", "author", "organizer", "staff")


@dataclass
class World:
    people: dict
    public: object
    friends_only: object
    event: object


@pytest.fixture
def world(organizer, staff):
    author = UserFactory(username="author")
    friend, stranger, blocked = UserFactory(), UserFactory(), UserFactory()
    make_friends(author, friend)
    BlockFactory(blocker=author, blocked=blocked)
    event = EventFactory(organizer=organizer, status="published")
    public = PostFactory(author=author, event=event, body="Open to all")
    friends_only = PostFactory(author=author, event=event, body="Just us", visibility="friends")
    people = {
        "stranger": stranger,
        "friend": friend,
        "blocked": blocked,
        "author": author,
        "organizer": organizer,
        "staff": staff,
    }
    return World(people=people, public=public, friends_only=friends_only, event=event)


PAGES = {
    "feed": lambda w: reverse("community:feed"),
    "public post": lambda w: reverse("community:post", args=[w.public.pk]),
    "friends-only post": lambda w: reverse("community:post", args=[w.friends_only.pk]),
    "event discussion": lambda w: reverse("community:event_posts", args=[w.event.pk]),
    "people search": lambda w: reverse("community:people") + "?q=auth",
    "author's profile": lambda w: reverse("community:profile", args=["author"]),
    "friends": lambda w: reverse("community:friends"),
    "friend requests": lambda w: reverse("community:friend_requests"),
    "blocked": lambda w: reverse("community:blocked"),
    "messages": lambda w: reverse("community:conversations"),
    "conversation with the author": lambda w: reverse("community:conversation", args=["author"]),
}

LOGIN = 302
# Each page's answer for each kind of visitor, in ROLES order.
EXPECTED = {
    "feed": (LOGIN, 200, 200, 200, 200, 200, 200),
    "public post": (200, 200, 200, 404, 200, 200, 200),
    "friends-only post": (404, 404, 200, 404, 200, 404, 200),
    "event discussion": (200, 200, 200, 200, 200, 200, 200),
    "people search": (LOGIN, 200, 200, 200, 200, 200, 200),
    "author's profile": (LOGIN, 200, 200, 404, 200, 200, 200),
    "friends": (LOGIN, 200, 200, 200, 200, 200, 200),
    "friend requests": (LOGIN, 200, 200, 200, 200, 200, 200),
    "blocked": (LOGIN, 200, 200, 200, 200, 200, 200),
    "messages": (LOGIN, 200, 200, 200, 200, 200, 200),
    "conversation with the author": (LOGIN, 404, 200, 404, 404, 404, 404),
}


@pytest.mark.parametrize("page", PAGES)
def test_each_kind_of_visitor_gets_what_the_rules_allow(client, world, page):
    answers = []
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(world.people[role])
        answers.append(client.get(PAGES[page](world)).status_code)

    assert tuple(answers) == EXPECTED[page], dict(zip(ROLES, answers, strict=True))


def test_the_blocked_see_nothing_of_the_blocker_on_pages_they_may_open(client, world):
    client.force_login(world.people["blocked"])
    profile = reverse("community:profile", args=["author"])

    for page in ("feed", "event discussion", "people search"):
        content = client.get(PAGES[page](world)).content.decode()
        assert "Open to all" not in content and profile not in content, page
