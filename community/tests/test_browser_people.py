"""Two people in real browsers find each other, become friends and exchange messages."""

import pytest

from accounts.tests.browser import sign_in
from accounts.tests.factories import UserFactory
from community.models import Friendship, Message
from eventhub.testing import chromium

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser(monkeypatch):
    with chromium(monkeypatch) as browser:
        yield browser


def signed_in(browser, live_server, username: str):
    """A page of its own (cookies of its own) for ``username``, signed in through the sign-in form."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, username)
    return page


def test_two_people_become_friends_and_write_to_each_other(live_server, browser):
    from playwright.sync_api import expect

    UserFactory(username="robin")
    UserFactory(username="zoe_m", display_name="Zoë Müller", bio="Jazz on Fridays.")
    robin = signed_in(browser, live_server, "robin")
    zoe = signed_in(browser, live_server, "zoe_m")

    robin.get_by_role("link", name="People").click()
    robin.get_by_label("Name or username").fill("zoe muller")
    robin.get_by_role("button", name="Find people").click()
    robin.get_by_role("button", name="Add friend Zoë Müller").click()
    expect(robin.get_by_text("Friend request sent to Zoë Müller.")).to_be_visible()

    zoe.reload()
    zoe.get_by_role("link", name="People (1)").click()
    zoe.get_by_role("link", name="Friend requests (1)").click()
    zoe.get_by_role("button", name="Accept robin's friend request").click()
    expect(zoe.get_by_text("You and robin are now friends.")).to_be_visible()
    assert Friendship.objects.get().status == Friendship.Status.ACCEPTED

    robin.get_by_role("link", name="Zoë Müller").click()
    expect(robin.get_by_text("Jazz on Fridays.")).to_be_visible()
    robin.get_by_role("link", name="Message Zoë Müller").click()
    robin.get_by_label("Write a message").fill("Coming to the **jazz** night?")
    robin.get_by_role("button", name="Send").click()
    expect(robin.locator(".chat strong", has_text="jazz")).to_be_visible()

    zoe.reload()
    zoe.get_by_role("link", name="Messages (1)").click()
    zoe.get_by_role("link", name="robin").click()
    expect(zoe.get_by_text("Coming to the jazz night?")).to_be_visible()
    expect(zoe.get_by_role("link", name="Messages", exact=True)).to_be_visible()  # read now
    assert Message.objects.get().read_at is not None
