"""Posting, liking, commenting and sharing in a real browser: Playwright driving Debian's Chromium."""

import pytest

from accounts.tests.browser import sign_in
from accounts.tests.factories import UserFactory
from community.models import Comment, Post
from community.tests.factories import make_friends
from eventhub.testing import chromium
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(monkeypatch):
    with chromium(monkeypatch) as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(15_000)
        yield page


def test_a_friend_posts_on_an_event_page_and_another_likes_comments_and_shares(live_server, page):
    from playwright.sync_api import expect

    ada, ben = (
        UserFactory(username="ada", display_name="Ada"),
        UserFactory(username="ben", display_name="Ben"),
    )
    make_friends(ada, ben)
    event = EventFactory(title="Harbour jazz evening")
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)

    sign_in(page, live_server, "ada")
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    discussion = page.locator("#discussion")
    discussion.get_by_label("Write a post").fill("Who is coming? **Bring** a friend")
    discussion.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_text("Posted.")).to_be_visible()
    expect(discussion.locator("strong", has_text="Bring")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    sign_in(page, live_server, "ben")
    page.get_by_role("link", name="Feed").click()
    post = page.locator(".post", has_text="Who is coming?")
    expect(post.get_by_text("Ada about Harbour jazz evening")).to_be_visible()
    post.get_by_role("button", name="Like").click()
    expect(page.locator(".post", has_text="Who is coming?").get_by_text("1 like", exact=True)).to_be_visible()

    page.locator(".post", has_text="Who is coming?").get_by_role("link", name="0 comments").click()
    page.get_by_label("Write a comment").fill("Count me in")
    page.get_by_role("button", name="Comment").click()
    expect(page.locator(".comment", has_text="Count me in")).to_be_visible()

    page.locator(".post summary", has_text="Share").click()
    page.get_by_label("Add a comment (optional)").fill("Join us")
    page.locator(".post").get_by_role("button", name="Share").click()
    expect(page.get_by_text("Shared on your feed.")).to_be_visible()

    original = Post.objects.get(author=ada)
    assert (original.like_count, original.share_count) == (1, 1)
    assert Comment.objects.get().author == ben
    assert Post.objects.get(author=ben).shared_post == original
    assert refused == []
