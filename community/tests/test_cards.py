"""Posts and comments as every page shows them (community.cards): each viewer sees their own likes
and only the buttons they may use, and every form carries a token the site accepts."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import UserFactory
from community.models import Comment, Like
from community.posts import create_comment, like
from community.tests.factories import PostFactory, make_friends

pytestmark = pytest.mark.django_db

FEED = reverse("community:feed")
POST_BUTTONS = ("like", "unlike", "share", "edit", "delete", "hide", "unhide", "report")


@pytest.fixture
def commenter(author):
    commenter = UserFactory(username="commenter")
    make_friends(author, commenter)
    return commenter


@pytest.fixture
def post(author, published_event):
    return PostFactory(author=author, event=published_event, body="About the show")


def offered(html: str, kind: str, pk: int) -> set[str]:
    """The buttons and links a page offers on one post or comment, by action."""
    return {
        action
        for action in POST_BUTTONS
        if action != "share" or kind == "post"
        if f'"{reverse(f"community:{kind}_{action}", args=[pk])}"' in html
    }


def page_of(post) -> str:
    return reverse("community:post", args=[post.pk])


def test_each_viewer_sees_their_own_likes_and_nobody_else_s(client, author, commenter, post):
    comment = create_comment(post=post, author=commenter, body="Count me in")
    like(by=commenter, target=post)
    like(by=author, target=comment)

    client.force_login(commenter)
    as_commenter = client.get(FEED).content.decode()
    client.force_login(author)
    as_author = client.get(FEED).content.decode()

    assert {"like", "unlike"} & offered(as_commenter, "post", post.pk) == {"unlike"}
    assert {"like", "unlike"} & offered(as_commenter, "comment", comment.pk) == {"like"}
    assert {"like", "unlike"} & offered(as_author, "post", post.pk) == {"like"}
    assert {"like", "unlike"} & offered(as_author, "comment", comment.pk) == {"unlike"}
    assert as_commenter.count('aria-pressed="true"') == as_author.count('aria-pressed="true"') == 1


@pytest.mark.parametrize(
    ("viewer", "on_post", "on_comment"),
    [
        ("anonymous", set(), set()),
        ("author", {"like", "share", "edit", "delete"}, {"like", "report"}),
        ("commenter", {"like", "share", "report"}, {"like", "edit", "delete"}),
        ("organizer", {"like", "share", "hide", "report"}, {"like", "hide", "report"}),
        ("staff", {"like", "share", "delete", "hide", "report"}, {"like", "delete", "hide", "report"}),
    ],
)
def test_each_viewer_is_offered_the_buttons_they_may_use(
    client, request, author, commenter, post, viewer, on_post, on_comment
):
    comment = create_comment(post=post, author=commenter, body="Count me in")
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))

    for page in (page_of(post), reverse("community:event_posts", args=[post.event_id])):
        html = client.get(page).content.decode()
        assert offered(html, "post", post.pk) == on_post, page
    html = client.get(page_of(post)).content.decode()
    assert offered(html, "comment", comment.pk) == on_comment


def test_a_hidden_post_offers_no_like_or_share_and_its_moderator_unhide(client, author, organizer, post):
    post.hidden_at, post.hidden_by = post.created_at, organizer
    post.save()

    client.force_login(organizer)
    assert offered(client.get(page_of(post)).content.decode(), "post", post.pk) == {"unhide", "report"}
    client.force_login(author)
    html = client.get(page_of(post)).content.decode()
    assert offered(html, "post", post.pk) == {"edit", "delete"}
    assert "Hidden by the organizer" in html


def test_every_form_on_the_feed_carries_a_token_the_site_accepts(author, commenter, post):
    create_comment(post=post, author=commenter, body="Count me in")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(commenter)

    html = browser.get(FEED).content.decode()

    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>\s*(.*?)</form>', html, re.S)
    assert len(forms) >= 5
    tokens = [re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', inside) for _, inside in forms]
    assert all(tokens)
    like_url = reverse("community:post_like", args=[post.pk])
    token = dict(zip([action for action, _ in forms], tokens, strict=True))[like_url].group(1)
    assert browser.post(like_url, {"csrfmiddlewaretoken": token}).status_code == 302
    assert Like.objects.filter(user=commenter, post=post).exists()
    assert browser.post(like_url, {"csrfmiddlewaretoken": "x" * 64}).status_code == 403


def test_replies_and_comments_show_under_the_post_they_answer(client, author, commenter, post):
    first = create_comment(post=post, author=commenter, body="First")
    create_comment(post=post, author=author, body="An answer", reply_to=first)
    client.force_login(author)

    html = client.get(page_of(post)).content.decode()

    thread = html[html.index(f'id="comment-{first.pk}"') :]
    assert thread.index("First") < thread.index('<ul class="comments replies">') < thread.index("An answer")
    assert f'name="reply_to" value="{first.pk}"' in html
    assert Comment.objects.count() == 2


def test_a_visitor_s_posts_ask_for_no_form_token_so_the_event_page_stays_cacheable(
    client, post, django_assert_num_queries
):
    page = post.event.get_absolute_url()

    first = client.get(page)
    with django_assert_num_queries(0):
        again = client.get(page)

    assert "About the show" in again.content.decode()
    assert "csrfmiddlewaretoken" not in first.content.decode()
    assert not first.cookies
