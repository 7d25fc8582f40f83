"""The demo community: friends, a request, profiles, posts with comments, likes and a share, and a
conversation, seeded once through the services, so counts equal rows; people's changes stay."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Q

from accounts.models import User
from accounts.tests.factories import OrganizerFactory, UserFactory
from community import demo, friends
from community.feeds import visible_posts
from community.messaging import unread_count
from community.models import Comment, Conversation, Friendship, Like, Message, Post
from community.posts import delete_post
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

COMMUNITY_ROWS = (Friendship, Post, Comment, Like, Conversation, Message)


@pytest.fixture
def people():
    """The demo people and the demo events the posts are about, as seed_demo leaves them."""
    organizers = {name: OrganizerFactory(username=name) for name in ("olivia", "oscar")}
    for organizer, title in (demo.MEETUP, demo.JAZZ, demo.SYMPHONY):
        EventFactory(organizer=organizers[organizer], title=title)
    return {name: UserFactory(username=name) for name in demo.PEOPLE}


def row_counts() -> list[int]:
    return [model.objects.count() for model in COMMUNITY_ROWS]


def counters_off_their_rows() -> list:
    """Posts and comments whose like, comment or share count differs from the rows it counts."""
    posts = Post.objects.annotate(
        like_rows=Count("likes", distinct=True),
        comment_rows=Count("comments", distinct=True),
        share_rows=Count("shares", distinct=True),
    ).filter(
        ~Q(like_count=F("like_rows")) | ~Q(comment_count=F("comment_rows")) | ~Q(share_count=F("share_rows"))
    )
    comments = Comment.objects.annotate(like_rows=Count("likes")).exclude(like_count=F("like_rows"))
    return [*posts, *comments]


def status_between(a: User, b: User) -> tuple[str, str]:
    row = Friendship.objects.between(a, b).get()
    return row.status, row.requested_by.username


def test_seed_demo_seeds_the_community_once_with_counters_equal_to_their_rows():
    call_command("seed_demo", stdout=io.StringIO())
    counts = row_counts()

    out = io.StringIO()
    call_command("seed_demo", stdout=out)

    assert row_counts() == counts
    assert "community left as it is" in out.getvalue()
    assert counters_off_their_rows() == []
    meetup = Post.objects.get(event__title=demo.MEETUP[1], shared_post=None)
    assert (meetup.like_count, meetup.comment_count, meetup.share_count) == (2, 3, 1)


def test_the_demo_people_are_friends_and_emma_is_waiting_for_alice(people):
    assert demo.seed_community() is True

    assert status_between(people["alice"], people["ben"]) == ("accepted", "alice")
    assert status_between(people["alice"], people["chloe"]) == ("accepted", "chloe")
    assert status_between(people["ben"], people["dan"]) == ("accepted", "ben")
    assert status_between(people["emma"], people["alice"]) == ("pending", "emma")
    assert Friendship.objects.count() == 4
    chloe = User.objects.get(username="chloe")
    assert chloe.display_name == "Chloé Tanaka" and chloe.bio
    assert User.objects.filter(name_key__contains="chloe tanaka").exists()  # people search finds her


def test_the_friends_only_post_reaches_only_friends_and_ben_has_messages_to_read(people):
    demo.seed_community()

    friends_only = Post.objects.get(visibility=Post.Visibility.FRIENDS)
    assert friends_only.author == people["chloe"]
    assert visible_posts(people["alice"]).filter(pk=friends_only.pk).exists()
    assert not visible_posts(people["dan"]).filter(pk=friends_only.pk).exists()
    assert Comment.objects.filter(reply_to__isnull=False).count() == 1
    assert Post.objects.filter(shared_post__isnull=False).count() == 1
    assert Message.objects.count() == len(demo.CONVERSATION)
    assert (unread_count(people["ben"]), unread_count(people["alice"])) == (2, 0)


def test_seeding_again_keeps_what_people_changed(people):
    demo.seed_community()
    alice, ben = people["alice"], people["ben"]
    friends.remove_friend(by=ben, friend=alice)
    delete_post(post=Post.objects.filter(author=alice).get(), by=alice)
    User.objects.filter(pk=alice.pk).update(display_name="Ali")
    counts = row_counts()

    assert demo.seed_community() is False

    assert row_counts() == counts
    assert not Friendship.objects.between(alice, ben).exists()
    assert not Post.objects.filter(author=alice).exists()
    assert User.objects.get(pk=alice.pk).display_name == "Ali"
    assert counters_off_their_rows() == []
