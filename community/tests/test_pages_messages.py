"""Message pages: the conversation list with unread counts, a conversation (read, write, read-only once
the friendship ended), and who may open one."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from community import messaging
from community.friends import remove_friend
from community.messaging import send_message
from community.models import Message
from community.tests.factories import BlockFactory, make_friends
from community.views_people import MESSAGES_PER_PAGE

pytestmark = pytest.mark.django_db

CONVERSATIONS = reverse("community:conversations")


def conversation(person) -> str:
    return reverse("community:conversation", args=[person.username])


def test_message_pages_ask_to_sign_in(client, friend):
    client.logout()
    for url in (CONVERSATIONS, conversation(friend)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))


def test_the_list_shows_each_conversation_with_its_unread_count_and_last_message(client, me, friend):
    send_message(sender=friend, to=me, body="Coming tonight?")
    send_message(sender=friend, to=me, body="The jazz one")
    other = UserFactory(display_name="Ben")
    make_friends(me, other)
    send_message(sender=me, to=other, body="See you")

    page = client.get(CONVERSATIONS).text

    assert "2 unread" in page
    assert "The jazz one" in page
    assert "You: See you" in page
    assert page.index("Ben") < page.index("Zoë")  # the latest first
    assert "Messages (2)" in page


def test_the_list_query_count_does_not_grow(client, me, django_assert_max_num_queries):
    for person in UserFactory.create_batch(25):
        make_friends(me, person)
        send_message(sender=person, to=me, body="Hello")

    with django_assert_max_num_queries(6):
        response = client.get(CONVERSATIONS)

    assert len(response.context["page_obj"]) == 20


def test_opening_a_conversation_shows_it_and_marks_it_read(client, me, friend):
    send_message(sender=friend, to=me, body="Coming tonight?")

    page = client.get(conversation(friend)).text

    assert "Coming tonight?" in page
    assert "Messages (" not in page  # read now, so the navigation counts none
    assert messaging.unread_count(me) == 0


def test_sending_redirects_to_the_conversation_with_the_message(client, me, friend):
    response = client.post(conversation(friend), {"body": "Yes, at eight"})

    assert response.status_code == 302
    assert response.url == conversation(friend)
    assert "Yes, at eight" in client.get(response.url).text
    assert Message.objects.get().sender == me


def test_an_empty_message_is_refused_in_the_services_words(client, me, friend):
    response = client.post(conversation(friend), {"body": "   "})

    assert response.status_code == 400
    assert messaging.BODY_REQUIRED in response.text
    assert not Message.objects.exists()


def test_too_many_messages_are_refused_in_the_services_words(client, me, friend, settings):
    settings.COMMUNITY_MESSAGES_PER_WINDOW = 1
    client.post(conversation(friend), {"body": "One"})

    response = client.post(conversation(friend), {"body": "Two"})

    assert response.status_code == 400
    assert messaging.TOO_FAST in response.text
    assert "Two" in response.text  # kept in the form to send later
    assert Message.objects.count() == 1


@pytest.mark.parametrize("case", ["stranger", "blocks me", "I block", "unknown", "myself"])
def test_with_nothing_to_read_and_no_right_to_write_there_is_no_page(client, me, case):
    person = UserFactory(username="someone")
    if case == "blocks me":
        make_friends(me, person)
        BlockFactory(blocker=person, blocked=me)
    elif case == "I block":
        BlockFactory(blocker=me, blocked=person)
    name = {"unknown": "nobody_here", "myself": me.username}.get(case, person.username)
    url = reverse("community:conversation", args=[name])

    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Hello"}).status_code == 404
    assert not Message.objects.exists()


@pytest.mark.parametrize("ended_by", ["removing", "a block"])
def test_after_the_friendship_ends_the_conversation_is_read_only(client, me, friend, ended_by):
    send_message(sender=friend, to=me, body="Old times")
    if ended_by == "removing":
        remove_friend(by=friend, friend=me)
    else:
        BlockFactory(blocker=friend, blocked=me)

    page = client.get(conversation(friend))
    refused = client.post(conversation(friend), {"body": "Still there?"})

    assert "Old times" in page.text
    assert messaging.ONLY_FRIENDS in page.text
    assert 'name="body"' not in page.text
    assert refused.status_code == 400
    assert messaging.ONLY_FRIENDS in refused.text
    assert Message.objects.count() == 1


def test_the_newest_page_shows_first_and_older_ones_are_a_link_away(client, me, friend):
    for number in range(MESSAGES_PER_PAGE + 5):
        send_message(sender=friend, to=me, body=f"Message number {number}.")

    newest = client.get(conversation(friend)).text
    oldest = client.get(conversation(friend), {"page": 2}).text

    assert f"Message number {MESSAGES_PER_PAGE + 4}." in newest
    assert "Message number 0." not in newest
    assert "Older messages" in newest
    assert "Message number 0." in oldest
    assert "Newer messages" in oldest
    assert newest.index("Message number 33.") < newest.index("Message number 34.")  # oldest first


def test_the_conversation_query_count_does_not_grow(client, me, friend, django_assert_max_num_queries):
    for number in range(MESSAGES_PER_PAGE + 5):
        send_message(sender=friend if number % 2 else me, to=me if number % 2 else friend, body=f"{number}")

    with django_assert_max_num_queries(12):
        response = client.get(conversation(friend))

    assert len(response.context["page_obj"]) == MESSAGES_PER_PAGE


def test_xss_in_a_message_renders_inert_and_links_are_marked(client, me, friend):
    send_message(sender=friend, to=me, body="<script>alert(1)</script> see https://example.com/x")

    page = client.get(conversation(friend)).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;" in page
    assert 'href="https://example.com/x" rel="nofollow ugc noopener"' in page


def test_a_message_received_can_be_reported_once_and_nobody_elses(client, me, friend):
    from community.models import Report

    received = send_message(sender=friend, to=me, body="Buy cheap watches")
    url = reverse("community:message_report", args=[received.pk])
    someone = UserFactory()
    make_friends(friend, someone)
    other = send_message(sender=friend, to=someone, body="Hi")

    response = client.post(url, {"reason": "Spam"})
    client.post(url, {"reason": "Spam again"})

    assert response.status_code == 302 and response["Location"] == conversation(friend)
    assert list(Report.objects.values_list("message", "reason")) == [(received.pk, "Spam")]
    assert "Report" in client.get(conversation(friend)).content.decode()
    assert (
        client.post(reverse("community:message_report", args=[other.pk]), {"reason": "x"}).status_code == 404
    )
