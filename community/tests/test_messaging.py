"""Private messages: only between friends, never across a block, one conversation per pair, unread counts."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from accounts.tests.factories import UserFactory
from community import limits, messaging
from community.messaging import conversations_of, mark_read, send_message, unread_count
from community.models import MESSAGE_MAX_LENGTH, Conversation, Friendship, Message
from community.tests.factories import BlockFactory, make_friends, make_request
from eventhub.errors import DomainError, ErrorCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def friend(attendee):
    friend = UserFactory()
    make_friends(attendee, friend)
    return friend


def refusal_of(sender, to, body="Hello") -> DomainError:
    with pytest.raises(DomainError) as refused:
        send_message(sender=sender, to=to, body=body)
    return refused.value


def test_friends_write_to_each_other_in_one_conversation(attendee, friend):
    first = send_message(sender=attendee, to=friend, body="Coming on Saturday?")
    reply = send_message(sender=friend, to=attendee, body="Yes!")

    conversation = Conversation.objects.get()
    assert first.conversation == reply.conversation == conversation
    assert conversation.last_message_at == reply.sent_at
    assert list(conversation.messages.values_list("body", flat=True)) == ["Coming on Saturday?", "Yes!"]


def test_the_last_message_time_never_goes_back(attendee, friend):
    send_message(sender=attendee, to=friend, body="First")
    later = timezone.now() + timedelta(minutes=5)  # as if a message sent at the same time had committed first
    Conversation.objects.update(last_message_at=later)

    send_message(sender=friend, to=attendee, body="Second")

    assert Conversation.objects.get().last_message_at == later


def test_strangers_cannot_write(attendee, other_attendee):
    refusal = refusal_of(attendee, other_attendee)

    assert refusal.code == ErrorCode.NOT_ALLOWED
    assert refusal.message == messaging.ONLY_FRIENDS
    assert not Message.objects.exists()


def test_a_pending_request_is_not_a_friendship(attendee, other_attendee):
    make_request(attendee, other_attendee)

    assert refusal_of(attendee, other_attendee).code == ErrorCode.NOT_ALLOWED


def test_nobody_writes_to_themselves(attendee):
    assert refusal_of(attendee, attendee).code == ErrorCode.NOT_ALLOWED


def test_nobody_writes_to_a_closed_account(attendee, friend):
    friend.is_active = False
    friend.save()

    assert refusal_of(attendee, friend).code == ErrorCode.NOT_ALLOWED


@pytest.mark.parametrize("sender_blocks", [True, False], ids=["sender blocks", "recipient blocks"])
def test_a_block_either_way_stops_messages_in_the_words_for_strangers(attendee, friend, sender_blocks):
    # The friendship row is left in place: the block alone must stop the message.
    blocker, blocked = (attendee, friend) if sender_blocks else (friend, attendee)
    BlockFactory(blocker=blocker, blocked=blocked)
    stranger_refusal = refusal_of(attendee, UserFactory())

    refusal = refusal_of(attendee, friend)

    assert (refusal.code, refusal.message) == (stranger_refusal.code, stranger_refusal.message)
    assert not Message.objects.exists()


def test_a_conversation_stays_readable_after_the_friendship_ends_but_takes_no_more_messages(attendee, friend):
    send_message(sender=friend, to=attendee, body="See you there")
    Friendship.objects.all().delete()

    assert refusal_of(attendee, friend).code == ErrorCode.NOT_ALLOWED
    assert [c.last_message_body for c in conversations_of(attendee)] == ["See you there"]
    assert unread_count(attendee) == 1


@pytest.mark.parametrize("body", ["", "   \n\t "])
def test_a_message_needs_words(attendee, friend, body):
    refusal = refusal_of(attendee, friend, body)

    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_MESSAGE, "body")


def test_a_message_is_at_most_five_thousand_characters(attendee, friend):
    send_message(sender=attendee, to=friend, body="x" * MESSAGE_MAX_LENGTH)

    refusal = refusal_of(attendee, friend, "x" * (MESSAGE_MAX_LENGTH + 1))

    assert (refusal.code, refusal.field) == (ErrorCode.INVALID_MESSAGE, "body")
    assert Message.objects.count() == 1


def test_sending_is_limited_per_person(attendee, friend, settings):
    settings.COMMUNITY_MESSAGES_PER_WINDOW = 3
    for number in range(3):
        send_message(sender=attendee, to=friend, body=f"Message {number}")

    refusal = refusal_of(attendee, friend)

    assert refusal.code == ErrorCode.THROTTLED
    assert Message.objects.count() == 3
    send_message(sender=friend, to=attendee, body="My own count")  # the other person's is their own


def test_the_limit_lets_messages_through_when_the_cache_is_down(attendee, friend, monkeypatch):
    def down(*args, **kwargs):
        raise RedisConnectionError("cache down")

    monkeypatch.setattr(limits.cache, "add", down)

    send_message(sender=attendee, to=friend, body="Still works")

    assert Message.objects.count() == 1


# Unread counts and reading ---------------------------------------------------------


@pytest.fixture
def two_conversations(attendee, friend):
    """``attendee`` has 2 unread from ``friend`` (and wrote 1 back) and 1 unread from another friend."""
    other_friend = UserFactory()
    make_friends(attendee, other_friend)
    send_message(sender=friend, to=attendee, body="One")
    send_message(sender=attendee, to=friend, body="Mine")
    send_message(sender=friend, to=attendee, body="Two")
    send_message(sender=other_friend, to=attendee, body="Hi from me")
    return other_friend


def test_unread_counts_per_conversation_and_in_total(attendee, friend, two_conversations):
    listed = {c.other(attendee): c for c in conversations_of(attendee)}

    assert {person: c.unread_count for person, c in listed.items()} == {friend: 2, two_conversations: 1}
    assert unread_count(attendee) == 3
    assert unread_count(friend) == 1  # "Mine"


def test_conversations_come_latest_first_with_their_last_message(attendee, friend, two_conversations):
    first, second = conversations_of(attendee)

    assert (first.other(attendee), first.last_message_body) == (two_conversations, "Hi from me")
    assert first.last_message_sender_id == two_conversations.pk
    assert (second.other(attendee), second.last_message_body) == (friend, "Two")


def test_the_conversation_list_and_the_total_are_one_query_each(
    attendee, two_conversations, django_assert_num_queries
):
    with django_assert_num_queries(1):
        conversations = [(c.other(attendee).username, c.unread_count) for c in conversations_of(attendee)]
    with django_assert_num_queries(1):
        unread_count(attendee)

    assert len(conversations) == 2


def test_reading_marks_the_other_persons_messages_read_in_one_update(
    attendee, friend, two_conversations, django_assert_num_queries
):
    conversation = Conversation.objects.between(attendee, friend).get()

    with django_assert_num_queries(1):
        marked = mark_read(conversation=conversation, reader=attendee)

    assert marked == 2
    assert unread_count(attendee) == 1  # the other conversation's
    assert unread_count(friend) == 1  # what attendee wrote stays unread until friend reads it
    assert mark_read(conversation=conversation, reader=attendee) == 0


def test_only_its_two_people_read_a_conversation(attendee, friend, two_conversations):
    conversation = Conversation.objects.between(attendee, friend).get()

    with pytest.raises(DomainError) as refused:
        mark_read(conversation=conversation, reader=two_conversations)

    assert refused.value.code == ErrorCode.NOT_FOUND
    assert unread_count(attendee) == 3


# PostgreSQL: two first messages at once --------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_first_messages_at_once_share_one_conversation():
    a, b = UserFactory(), UserFactory()
    make_friends(a, b)
    barrier = threading.Barrier(2)
    errors = []

    def write(sender, to):
        try:
            barrier.wait()
            send_message(sender=sender, to=to, body=f"Hello from {sender.username}")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=pair) for pair in ((a, b), (b, a))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert Conversation.objects.count() == 1
    assert Message.objects.filter(conversation=Conversation.objects.get()).count() == 2
