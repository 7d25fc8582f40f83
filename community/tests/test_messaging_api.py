"""The conversations API: who may list, start, read and write; reading marks read; fixed query counts."""

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from community.messaging import send_message
from community.models import Conversation, Friendship, Message
from community.tests.factories import BlockFactory, make_friends

pytestmark = pytest.mark.django_db

CONVERSATIONS = "/api/conversations/"


def messages_url(conversation) -> str:
    return f"/api/conversations/{conversation.pk}/messages/"


@pytest.fixture
def friend(attendee):
    friend = UserFactory(display_name="Ada")
    make_friends(attendee, friend)
    return friend


@pytest.fixture
def conversation(attendee, friend):
    send_message(sender=friend, to=attendee, body="Coming on Saturday?")
    return Conversation.objects.get()


def signed_in(api_client, user):
    api_client.force_authenticate(user)
    return api_client


# Who may do what ---------------------------------------------------------------------


def test_anonymous_callers_are_asked_to_sign_in(api_client, conversation):
    assert api_client.get(CONVERSATIONS).status_code == 401
    assert api_client.post(CONVERSATIONS, {"user": 1, "body": "Hi"}).status_code == 401
    assert api_client.get(messages_url(conversation)).status_code == 401
    assert api_client.post(messages_url(conversation), {"body": "Hi"}).status_code == 401


def test_a_friend_starts_a_conversation(api_client, attendee, friend):
    response = signed_in(api_client, attendee).post(CONVERSATIONS, {"user": friend.pk, "body": "Hello"})

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["with_user"] == {"id": friend.pk, "username": friend.username, "name": "Ada"}
    assert body["last_message"]["body"] == "Hello"
    assert body["last_message"]["from_you"] is True
    assert body["unread_count"] == 0
    assert "email" not in str(body)


def test_writing_again_continues_the_same_conversation(api_client, attendee, friend, conversation):
    response = signed_in(api_client, attendee).post(CONVERSATIONS, {"user": friend.pk, "body": "Yes!"})

    assert response.json()["id"] == conversation.pk
    assert conversation.messages.count() == 2


def test_strangers_unknown_ids_and_blocks_all_get_the_same_refusal(api_client, attendee, friend):
    stranger, blocker = UserFactory(), UserFactory()
    make_friends(attendee, blocker)
    BlockFactory(blocker=blocker, blocked=attendee)
    client = signed_in(api_client, attendee)

    answers = [
        client.post(CONVERSATIONS, {"user": pk, "body": "Hi"}) for pk in (stranger.pk, blocker.pk, 999_999)
    ]

    assert {response.status_code for response in answers} == {403}
    assert len({response.content for response in answers}) == 1
    assert answers[0].json()["code"] == "not_allowed"
    assert not Message.objects.exists()


def test_an_empty_message_is_refused_beside_its_field(api_client, attendee, friend):
    response = signed_in(api_client, attendee).post(CONVERSATIONS, {"user": friend.pk, "body": "  "})

    assert response.status_code == 400
    assert "body" in response.json()


@pytest.mark.parametrize("who", ["stranger", "staff"])
def test_only_its_two_people_see_a_conversation(api_client, conversation, staff, who):
    client = signed_in(api_client, staff if who == "staff" else UserFactory())

    assert client.get(CONVERSATIONS).json()["results"] == []
    assert client.get(messages_url(conversation)).status_code == 404
    assert client.post(messages_url(conversation), {"body": "Hi"}).status_code == 404
    assert conversation.messages.count() == 1


def test_the_list_shows_each_conversation_with_its_unread_count(api_client, attendee, friend, conversation):
    response = signed_in(api_client, attendee).get(CONVERSATIONS)

    (listed,) = response.json()["results"]
    assert listed["id"] == conversation.pk
    assert listed["with_user"]["id"] == friend.pk
    assert listed["last_message"]["from_you"] is False
    assert listed["unread_count"] == 1


def test_reading_a_conversation_marks_the_other_persons_messages_read(
    api_client, attendee, friend, conversation
):
    send_message(sender=attendee, to=friend, body="Mine stays unread")
    client = signed_in(api_client, attendee)

    response = client.get(messages_url(conversation))

    assert response.status_code == 200
    results = response.json()["results"]
    assert [m["body"] for m in results] == ["Coming on Saturday?", "Mine stays unread"]  # oldest first
    assert results[0]["read_at"] is not None
    assert Message.objects.get(body="Mine stays unread").read_at is None
    assert client.get(CONVERSATIONS).json()["results"][0]["unread_count"] == 0


def test_a_message_body_is_shown_safe(api_client, attendee, friend):
    send_message(sender=friend, to=attendee, body='<script>alert("x")</script> see example.com')

    response = signed_in(api_client, attendee).get(messages_url(Conversation.objects.get()))

    html = response.json()["results"][0]["body_html"]
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'href="http://example.com"' in html


def test_writing_in_a_conversation(api_client, attendee, friend, conversation):
    response = signed_in(api_client, attendee).post(messages_url(conversation), {"body": "Yes!"})

    assert response.status_code == 201, response.content
    assert response.json()["author"]["id"] == attendee.pk
    assert conversation.messages.last().body == "Yes!"


def test_after_the_friendship_ends_the_conversation_is_read_but_not_written(
    api_client, attendee, conversation
):
    Friendship.objects.all().delete()
    client = signed_in(api_client, attendee)

    assert client.get(messages_url(conversation)).status_code == 200
    response = client.post(messages_url(conversation), {"body": "Still there?"})
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


# Query counts ----------------------------------------------------------------------


def many_conversations(user, count: int) -> None:
    """``count`` conversations of ``user``, each with a message from the other person."""
    people = UserFactory.create_batch(count)
    now = timezone.now()
    conversations = Conversation.objects.bulk_create(
        Conversation(**Conversation.ordered(user, person), last_message_at=now) for person in people
    )
    Message.objects.bulk_create(
        Message(conversation=conversation, sender=person, body="Hi")
        for conversation, person in zip(conversations, people, strict=True)
    )


def many_messages(conversation, sender, count: int) -> None:
    Message.objects.bulk_create(
        Message(conversation=conversation, sender=sender, body=f"Message {n}") for n in range(count)
    )


@pytest.mark.parametrize("count", [10, 200])
def test_the_conversation_list_takes_the_same_queries_however_many(
    api_client, attendee, count, django_assert_max_num_queries
):
    many_conversations(attendee, count)
    client = signed_in(api_client, attendee)

    with django_assert_max_num_queries(2):  # the count for the page, then the page
        response = client.get(CONVERSATIONS, {"page_size": 100})

    assert response.json()["count"] == count


@pytest.mark.parametrize("count", [10, 200])
def test_the_message_list_takes_the_same_queries_however_many(
    api_client, attendee, friend, conversation, count, django_assert_max_num_queries
):
    many_messages(conversation, friend, count)
    client = signed_in(api_client, attendee)

    with django_assert_max_num_queries(4):  # the conversation, marking read, the count, the page
        response = client.get(messages_url(conversation), {"page_size": 100})

    assert response.json()["count"] == count + 1
