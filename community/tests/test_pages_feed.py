"""The feed page and the buttons under each post: like, share, delete and report, through the pages."""

import re
from html import unescape

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.tests.factories import make_booking
from community import selectors
from community.models import Comment, Like, Post, Report
from community.tests.factories import BlockFactory, PostFactory, make_friends
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

FEED = reverse("community:feed")
FRIENDS = Post.Visibility.FRIENDS


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, entities read, runs of white space made one space."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def shown(response) -> list[Post]:
    return list(response.context["page_obj"].object_list)


@pytest.fixture
def me(client):
    me = UserFactory(username="me", display_name="Mia")
    client.force_login(me)
    return me


@pytest.fixture
def friend(me):
    friend = UserFactory(username="friend", display_name="Fred")
    make_friends(me, friend)
    return friend


# Who reads what ----------------------------------------------------------------------


def test_the_feed_asks_signed_out_visitors_to_sign_in(client):
    response = client.get(FEED)

    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={FEED}"


@pytest.fixture(params=["listed", "subqueries"])
def circle_read_as(request, monkeypatch):
    """The feed reads my friends and blocks as lists of ids, or (past CIRCLE_LISTED) as subqueries."""
    if request.param == "subqueries":
        monkeypatch.setattr(selectors, "CIRCLE_LISTED", 0)


def test_the_feed_shows_mine_my_friends_and_my_events_posts_and_nobody_elses(
    client, me, friend, circle_read_as
):
    event = EventFactory()
    make_booking(user=me, event=event)
    mine, friends = PostFactory(author=me), PostFactory(author=friend, visibility=FRIENDS)
    about_my_event = PostFactory(author=UserFactory(), event=event)
    PostFactory(author=UserFactory())  # a stranger's, about nothing I follow

    response = client.get(FEED)

    assert set(shown(response)) == {mine, friends, about_my_event}
    assert "Fred" in text_of(response)


def test_the_feed_leaves_out_anyone_in_a_block_with_me(client, me, friend, circle_read_as):
    PostFactory(author=friend)
    shared = PostFactory(author=UserFactory(), body="Blocked words")
    PostFactory(author=me, shared_post=shared, body="")
    BlockFactory(blocker=friend, blocked=me)
    BlockFactory(blocker=me, blocked=shared.author)

    response = client.get(FEED)

    assert [post.author for post in shown(response)] == [me]
    assert "Blocked words" not in text_of(response)
    assert "The shared post is no longer available." in text_of(response)


def test_the_feed_shows_twenty_posts_a_page_newest_first(client, me):
    posts = [PostFactory(author=me) for _ in range(21)]

    first, second = client.get(FEED), client.get(FEED, {"page": 2})

    assert shown(first) == posts[:0:-1]
    assert shown(second) == [posts[0]]
    assert 'rel="next"' in first.content.decode()
    assert "Page 1 of 2" in text_of(first) and "Page 2 of 2" in text_of(second)


@pytest.mark.parametrize(("asked", "page"), [("9", 2), ("0", 2), ("-1", 2), ("two", 1), ("", 1)])
def test_a_page_number_past_the_end_shows_the_last_page_and_a_wrong_one_the_first(client, me, asked, page):
    posts = [PostFactory(author=me) for _ in range(21)]

    response = client.get(FEED, {"page": asked})

    assert response.status_code == 200
    assert shown(response) == (posts[:0:-1] if page == 1 else [posts[0]])
    assert f"Page {page} of 2" in text_of(response)


def test_an_empty_feed_says_how_to_fill_it(client, me):
    response = client.get(FEED)

    assert shown(response) == []
    assert "Nothing here yet." in text_of(response)


def test_each_post_shows_its_three_newest_comments_and_links_to_the_rest(client, me, friend):
    post = PostFactory(author=me)
    for n in range(5):
        Comment.objects.create(post=post, author=friend, body=f"Comment {n}")
    Post.objects.filter(pk=post.pk).update(comment_count=5)

    page = text_of(client.get(FEED))

    assert "Comment 2" in page and "Comment 4" in page
    assert "Comment 1" not in page
    assert "5 comments" in page


def test_a_post_never_shows_more_than_three_comments_even_when_its_count_is_behind(client, me, friend):
    post = PostFactory(author=me)
    for n in range(5):
        Comment.objects.create(post=post, author=friend, body=f"Comment {n}")
    Post.objects.filter(pk=post.pk).update(comment_count=2)

    page = text_of(client.get(FEED))

    assert all(f"Comment {n}" in page for n in (2, 3, 4))
    assert "Comment 0" not in page and "Comment 1" not in page


def test_a_hidden_comment_shows_under_a_post_to_its_author_only(client, me, friend, staff):
    post = PostFactory(author=friend)
    Comment.objects.create(post=post, author=me, body="My words", hidden_at=post.created_at, hidden_by=staff)
    Comment.objects.create(post=post, author=friend, body="Their words")
    Post.objects.filter(pk=post.pk).update(comment_count=2)

    assert "My words" in text_of(client.get(FEED))
    client.force_login(friend)
    page = text_of(client.get(FEED))
    assert "Their words" in page and "My words" not in page


def test_a_page_whose_posts_have_no_comments_does_not_look_for_them(client, me):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PostFactory(author=me)

    with CaptureQueriesContext(connection) as queries:
        client.get(FEED)

    assert not [query for query in queries.captured_queries if "community_comment" in query["sql"]]


@pytest.mark.parametrize(
    "body",
    [
        "<script>alert('x')</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        "<a href='javascript:alert(1)'>click</a>",
    ],
)
def test_bodies_render_inert(client, me, body):
    PostFactory(author=me, body=body)

    html = client.get(FEED).content.decode()

    assert "<script>alert" not in html
    assert "<img" not in html
    assert not re.search(r"<a [^>]*href=[\"']?javascript:", html)


def test_links_in_bodies_are_clickable_and_marked_as_user_content(client, me):
    PostFactory(author=me, body="See https://example.com/talks")

    html = client.get(FEED).content.decode()

    assert '<a href="https://example.com/talks" rel="nofollow ugc noopener">' in html


# The feed's query count ----------------------------------------------------------------


def add_posts(count, *, author, commenter, event):
    """``count`` posts, a third about an event, a third shares, each with two comments and a like."""
    posts = Post.objects.bulk_create(
        Post(author=author, body=f"Post {n}", event=event if n % 3 == 1 else None) for n in range(count)
    )
    Post.objects.bulk_create(Post(author=commenter, shared_post=post, body="") for post in posts[::3])
    Comment.objects.bulk_create(
        Comment(post=post, author=commenter, body=f"About {post.body}") for post in posts for _ in range(2)
    )
    Like.objects.bulk_create(Like(user=commenter, post=post) for post in posts)


def test_the_feed_reads_the_same_queries_for_10_or_1000_posts(
    client, me, friend, django_assert_max_num_queries
):
    event = EventFactory()
    add_posts(10, author=me, commenter=friend, event=event)
    # 7: session and user, my friends and blocks (then listed in each filter), the page's posts with
    # their count, their newest comments, and the navigation's two counts.
    with django_assert_max_num_queries(7) as few:
        assert client.get(FEED).status_code == 200
    add_posts(990, author=friend, commenter=me, event=event)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(FEED)

    assert len(shown(response)) == 20


# Writing a post -------------------------------------------------------------------------


def test_writing_a_post_puts_it_on_top_of_the_feed(client, me):
    response = client.post(FEED, {"body": "Hello *world*", "visibility": FRIENDS})

    assert response.status_code == 302
    post = Post.objects.get(author=me)
    assert (post.body, post.visibility) == ("Hello *world*", FRIENDS)
    assert "<em>world</em>" in client.get(FEED).content.decode()


def test_an_empty_post_is_sent_back_with_the_reason(client, me):
    response = client.post(FEED, {"body": "   ", "visibility": "public"})

    assert response.status_code == 400
    assert "Write something first." in text_of(response)
    assert not Post.objects.exists()


def test_posting_too_fast_is_refused_in_plain_words_and_keeps_the_text(client, me, settings):
    settings.COMMUNITY_WRITES_PER_WINDOW = 1
    client.post(FEED, {"body": "One", "visibility": "public"})

    response = client.post(FEED, {"body": "Two, carefully written", "visibility": "public"})

    assert response.status_code == 400
    assert "You are writing too fast." in text_of(response)
    assert "Two, carefully written" in response.content.decode()
    assert Post.objects.count() == 1


# Buttons ------------------------------------------------------------------------------


def test_like_and_unlike_go_back_where_i_was(client, me, friend):
    post = PostFactory(author=friend)
    like_url, unlike_url = (reverse(f"community:post_{what}", args=[post.pk]) for what in ("like", "unlike"))

    response = client.post(like_url, {"next": f"{FEED}?page=1"})
    assert response.url == f"{FEED}?page=1"
    assert Post.objects.get(pk=post.pk).like_count == 1
    assert ">Unlike</button>" in client.get(FEED).content.decode()

    client.post(unlike_url, {"next": FEED})
    assert Post.objects.get(pk=post.pk).like_count == 0
    assert not Like.objects.exists()


def test_the_way_back_never_leaves_the_site(client, me):
    post = PostFactory(author=me)

    response = client.post(reverse("community:post_like", args=[post.pk]), {"next": "https://evil.example/"})

    assert response.url == reverse("community:post", args=[post.pk])


def test_buttons_are_refused_on_posts_i_cannot_see(client, me):
    hidden_from_me = PostFactory(author=UserFactory(), visibility=FRIENDS)

    for action in ("like", "share", "report", "delete"):
        assert client.post(reverse(f"community:post_{action}", args=[hidden_from_me.pk])).status_code == 404
    assert not Like.objects.exists() and not Report.objects.exists()


def test_buttons_need_signing_in(client):
    post = PostFactory()

    response = client.post(reverse("community:post_like", args=[post.pk]))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Like.objects.exists()


def test_sharing_a_post_with_a_comment_puts_it_on_my_feed(client, me):
    original = PostFactory(author=UserFactory(display_name="Olga"), body="Worth reading")

    client.post(reverse("community:post_share", args=[original.pk]), {"body": "So true", "next": FEED})

    share = Post.objects.get(author=me)
    assert (share.shared_post, share.body) == (original, "So true")
    page = text_of(client.get(FEED))
    assert "Mia shared a post" in page and "Olga" in page and "Worth reading" in page


def test_a_friends_only_post_is_not_shared_and_says_why(client, me, friend):
    post = PostFactory(author=friend, visibility=FRIENDS)

    response = client.post(reverse("community:post_share", args=[post.pk]), follow=True)

    assert "A friends-only post cannot be shared." in text_of(response)
    assert not Post.objects.filter(author=me).exists()


def test_only_the_author_and_staff_delete_a_post(client, me, friend, staff):
    post = PostFactory(author=friend)
    delete = reverse("community:post_delete", args=[post.pk])

    response = client.post(delete, follow=True)
    assert "Only its author or site staff can delete it." in text_of(response)
    assert Post.objects.filter(pk=post.pk).exists()

    client.force_login(staff)
    assert client.post(delete).url == FEED
    assert not Post.objects.filter(pk=post.pk).exists()


def test_reporting_a_post_records_the_reason_for_staff(client, me):
    post = PostFactory()
    report = reverse("community:post_report", args=[post.pk])

    refused = client.post(report, {"reason": " "}, follow=True)
    assert "Say what is wrong with it." in text_of(refused)

    client.post(report, {"reason": "Spam"})
    assert Report.objects.get().reason == "Spam"


def test_the_navigation_links_to_the_feed_for_signed_in_people(client, me):
    assert f'href="{FEED}"' in client.get(reverse("events:list")).content.decode()
    client.logout()
    assert f'href="{FEED}"' not in client.get(reverse("events:list")).content.decode()


def test_authors_link_to_their_profiles_for_the_signed_in(client, attendee):
    author = UserFactory(username="ada_l", display_name="Ada")
    make_friends(attendee, author)
    PostFactory(author=author, body="Hello")
    client.force_login(attendee)

    page = client.get(reverse("community:feed")).content.decode()

    assert f'href="{reverse("community:profile", args=["ada_l"])}">Ada</a>' in page
