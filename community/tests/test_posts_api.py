"""The posts API: who may do what (anonymous, stranger, friend, blocked, author, the event's organizer,
staff), what the answers show, and list query counts that do not grow with the posts."""

from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from bookings.tests.factories import make_booking
from community import posts as services
from community.models import Like, Post
from community.tests.factories import BlockFactory, PostFactory, make_friends
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "stranger", "friend", "blocked", "author", "organizer", "staff")


@pytest.fixture
def world(organizer, staff, published_event):
    """The author's public post about the organizer's event, a friends-only post, and a comment."""
    author, friend, stranger, blocked = UserFactory.create_batch(4)
    make_friends(author, friend)
    BlockFactory(blocker=author, blocked=blocked)
    post = PostFactory(author=author, event=published_event)
    return SimpleNamespace(
        author=author,
        friend=friend,
        stranger=stranger,
        blocked=blocked,
        organizer=organizer,
        staff=staff,
        post=post,
        friends_post=PostFactory(author=author, visibility=Post.Visibility.FRIENDS),
        comment=services.create_comment(post=post, author=author, body="First"),
    )


def body(**fields):
    return lambda world: fields


def no_body(world):
    return None


# (method, address, body, expected status for each of ROLES, in order)
MATRIX = [
    ("get", "/api/posts/{post}/", no_body, (200, 200, 200, 404, 200, 200, 200)),
    ("get", "/api/posts/{friends_post}/", no_body, (404, 404, 200, 404, 200, 404, 200)),
    ("patch", "/api/posts/{post}/", body(body="Edited"), (401, 403, 403, 404, 200, 403, 403)),
    ("delete", "/api/posts/{post}/", no_body, (401, 403, 403, 404, 204, 403, 204)),
    ("post", "/api/posts/{post}/like/", no_body, (401, 200, 200, 404, 200, 200, 200)),
    ("delete", "/api/posts/{post}/like/", no_body, (401, 200, 200, 404, 200, 200, 200)),
    ("post", "/api/posts/{post}/share/", body(body="Look"), (401, 201, 201, 404, 201, 201, 201)),
    ("post", "/api/posts/{friends_post}/share/", no_body, (401, 404, 403, 404, 403, 404, 403)),
    ("post", "/api/posts/{post}/hide/", no_body, (401, 403, 403, 404, 403, 200, 200)),
    ("post", "/api/posts/{post}/unhide/", no_body, (401, 403, 403, 404, 403, 200, 200)),
    ("get", "/api/posts/{post}/comments/", no_body, (200, 200, 200, 404, 200, 200, 200)),
    ("post", "/api/posts/{post}/comments/", body(body="Hi"), (401, 201, 201, 404, 201, 201, 201)),
    ("post", "/api/posts/{friends_post}/comments/", body(body="Hi"), (401, 404, 201, 404, 201, 404, 201)),
    ("patch", "/api/comments/{comment}/", body(body="Edited"), (401, 403, 403, 404, 200, 403, 403)),
    ("delete", "/api/comments/{comment}/", no_body, (401, 403, 403, 404, 204, 403, 204)),
    ("post", "/api/comments/{comment}/like/", no_body, (401, 200, 200, 404, 200, 200, 200)),
    ("delete", "/api/comments/{comment}/like/", no_body, (401, 200, 200, 404, 200, 200, 200)),
    ("post", "/api/comments/{comment}/hide/", no_body, (401, 403, 403, 404, 403, 200, 200)),
    ("post", "/api/comments/{comment}/unhide/", no_body, (401, 403, 403, 404, 403, 200, 200)),
    ("post", "/api/posts/", body(body="Hello"), (401, 201, 201, 201, 201, 201, 201)),
    ("get", "/api/posts/", no_body, (200,) * 7),
    ("get", "/api/feed/", no_body, (401, 200, 200, 200, 200, 200, 200)),
]

CASES = [
    pytest.param(method, address, make_body, role, expected[i], id=f"{method.upper()} {address} as {role}")
    for method, address, make_body, expected in MATRIX
    for i, role in enumerate(ROLES)
]


@pytest.mark.parametrize(("method", "address", "make_body", "role", "expected"), CASES)
def test_who_may_do_what(api_client, world, method, address, make_body, role, expected):
    if role != "anonymous":
        api_client.force_authenticate(getattr(world, role))
    url = address.format(**{name: getattr(world, name).pk for name in ("post", "friends_post", "comment")})

    response = getattr(api_client, method)(url, make_body(world))

    assert response.status_code == expected, response.content


# What the answers show ---------------------------------------------------------------


def ids(response) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def test_a_post_shows_its_body_rendered_safe_beside_it(api_client, world):
    api_client.force_authenticate(world.author)

    response = api_client.post(
        "/api/posts/", {"body": "**Hi** <script>alert(1)</script> https://example.com"}
    )

    assert response.status_code == 201
    assert response.json()["body"] == "**Hi** <script>alert(1)</script> https://example.com"
    assert response.json()["body_html"] == (
        "<p><strong>Hi</strong> &lt;script&gt;alert(1)&lt;/script&gt; "
        '<a href="https://example.com" rel="nofollow ugc noopener">https://example.com</a></p>'
    )


def test_the_list_shows_what_each_person_may_see(api_client, world):
    api_client.force_authenticate(world.blocked)
    assert ids(api_client.get("/api/posts/")) == []

    api_client.force_authenticate(world.friend)
    assert ids(api_client.get("/api/posts/")) == [world.friends_post.pk, world.post.pk]


def test_the_list_filters_by_event(api_client, world, published_event):
    PostFactory(event=EventFactory(status="published"))

    response = api_client.get("/api/posts/", {"event": published_event.pk})

    assert ids(response) == [world.post.pk]


def test_each_post_says_whether_you_like_it(api_client, world):
    services.like(by=world.friend, target=world.post)
    api_client.force_authenticate(world.friend)

    liked = {
        item["id"]: (item["liked"], item["like_count"])
        for item in api_client.get("/api/posts/").json()["results"]
    }

    assert liked == {world.post.pk: (True, 1), world.friends_post.pk: (False, 0)}


def test_liking_answers_with_the_new_state_and_twice_is_once(api_client, world):
    api_client.force_authenticate(world.friend)
    url = f"/api/posts/{world.post.pk}/like/"

    assert api_client.post(url).json() == {"liked": True, "like_count": 1}
    assert api_client.post(url).json() == {"liked": True, "like_count": 1}
    assert api_client.delete(url).json() == {"liked": False, "like_count": 0}
    assert api_client.delete(url).json() == {"liked": False, "like_count": 0}
    assert not Like.objects.exists()


def test_a_hidden_post_is_marked_for_its_author_and_gone_for_others(api_client, world):
    services.hide(target=world.post, by=world.organizer)

    assert api_client.get(f"/api/posts/{world.post.pk}/").status_code == 404
    api_client.force_authenticate(world.author)
    assert api_client.get(f"/api/posts/{world.post.pk}/").json()["hidden"] is True


def test_a_share_shows_the_shared_post_only_to_those_who_may_see_it(api_client, world):
    original = PostFactory(author=world.author)
    share = services.share(by=world.friend, post=original)
    services.edit_post(post=original, by=world.author, visibility=Post.Visibility.FRIENDS)

    api_client.force_authenticate(world.stranger)
    assert api_client.get(f"/api/posts/{share.pk}/").json()["shared_post"] is None

    api_client.force_authenticate(world.friend)
    shown = api_client.get(f"/api/posts/{share.pk}/").json()["shared_post"]
    assert (shown["id"], shown["author"]["username"]) == (original.pk, world.author.username)


def test_posting_about_an_event_you_cannot_see_is_a_field_error(api_client, world, draft_event):
    api_client.force_authenticate(world.author)

    response = api_client.post("/api/posts/", {"body": "Hi", "event": draft_event.pk})

    assert response.status_code == 400
    assert set(response.json()) == {"event"}


def test_an_empty_post_is_a_field_error(api_client, world):
    api_client.force_authenticate(world.author)

    response = api_client.post("/api/posts/", {"body": "   "})

    assert response.status_code == 400
    assert set(response.json()) == {"body"}


def test_posting_too_fast_is_429_throttled(api_client, world, settings):
    settings.COMMUNITY_WRITES_PER_WINDOW = 1
    api_client.force_authenticate(world.author)
    api_client.post("/api/posts/", {"body": "One"})

    response = api_client.post("/api/posts/", {"body": "Two"})

    assert (response.status_code, response.json()["code"]) == (429, "throttled")


def test_comments_leave_out_anyone_in_a_block(api_client, world):
    services.create_comment(post=world.post, author=world.stranger, body="Hello")
    BlockFactory(blocker=world.stranger, blocked=world.friend)
    api_client.force_authenticate(world.friend)

    bodies = [
        item["body"] for item in api_client.get(f"/api/posts/{world.post.pk}/comments/").json()["results"]
    ]

    assert bodies == ["First"]


def test_a_reply_to_a_comment_you_cannot_see_is_a_field_error(api_client, world):
    hidden = services.create_comment(post=world.post, author=world.stranger, body="Spam")
    services.hide(target=hidden, by=world.organizer)
    api_client.force_authenticate(world.friend)

    response = api_client.post(f"/api/posts/{world.post.pk}/comments/", {"body": "No", "reply_to": hidden.pk})

    assert response.status_code == 400
    assert set(response.json()) == {"reply_to"}


def test_a_reply_names_its_thread(api_client, world):
    api_client.force_authenticate(world.friend)

    response = api_client.post(
        f"/api/posts/{world.post.pk}/comments/", {"body": "Yes", "reply_to": world.comment.pk}
    )

    assert (response.status_code, response.json()["reply_to"]) == (201, world.comment.pk)


def test_the_feed_holds_friends_posts_and_posts_about_booked_events(api_client, world, published_event):
    about_event = PostFactory(author=world.stranger, event=published_event)
    PostFactory(author=world.stranger)
    make_booking(user=world.friend, event=published_event)
    api_client.force_authenticate(world.friend)

    assert ids(api_client.get("/api/feed/")) == [about_event.pk, world.friends_post.pk, world.post.pk]


# Query counts ------------------------------------------------------------------------


def add_posts(world, count: int, event) -> None:
    """``count`` posts of every kind the list shows: about an event, shares, friends-only, liked."""
    authors = [world.author, world.friend, world.stranger]
    posts = Post.objects.bulk_create(
        Post(
            author=authors[n % 3],
            body=f"Post {n}",
            event=event if n % 2 else None,
            shared_post=world.post if n % 5 == 0 else None,
            visibility=Post.Visibility.FRIENDS if n % 7 == 0 else Post.Visibility.PUBLIC,
        )
        for n in range(count)
    )
    Like.objects.bulk_create(Like(user=world.friend, post=post) for post in posts[::3])


def queries_for(api_client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", ["/api/posts/", "/api/feed/"])
def test_list_queries_do_not_grow_with_the_posts(api_client, world, published_event, url):
    make_booking(user=world.friend, event=published_event)
    api_client.force_authenticate(world.friend)
    add_posts(world, 10, published_event)
    with_ten = queries_for(api_client, url)

    add_posts(world, 990, published_event)

    assert queries_for(api_client, url) == with_ten
    assert with_ten <= 4  # the blocks (read twice), the count, the page


def test_comment_queries_do_not_grow_with_the_comments(api_client, world):
    api_client.force_authenticate(world.friend)
    url = f"/api/posts/{world.post.pk}/comments/"
    with_one = queries_for(api_client, url)

    for n in range(30):
        services.create_comment(post=world.post, author=UserFactory(), body=f"Comment {n}")

    assert queries_for(api_client, url) == with_one
