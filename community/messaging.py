"""Private messages between friends: who may write to whom, one conversation per pair, unread counts.

Only friends write to each other, and never across a block (either way). A refusal
for a block reads exactly like one for "not friends", so writing cannot reveal who
blocks whom.

A conversation outlives the friendship: once two people are no longer friends (or
one blocks the other) neither can add to it, but both can still read what they
already exchanged. Nothing is revealed by keeping it (both have read it already),
removing it from the blocked person's list would tell them about the block, and
removing it from the blocker's would take away what they may want to report.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from community.friends import lock_pair
from community.limits import count_against_limit
from community.models import MESSAGE_MAX_LENGTH, Conversation, Message
from community.navigation import counts_changed
from community.selectors import are_friends, blocked_between
from eventhub.errors import DomainError, ErrorCode

logger = logging.getLogger("eventhub.community")

ONLY_FRIENDS = "You can send messages only to your friends."
BODY_REQUIRED = "Write a message first."
BODY_TOO_LONG = f"A message can be at most {MESSAGE_MAX_LENGTH:,} characters long."
TOO_FAST = "You are sending messages too fast. Please wait a few minutes and try again."


def send_message(*, sender, to, body: str) -> Message:
    """Send ``body`` from ``sender`` to their friend ``to``, in the pair's one conversation.

    The conversation is made with the first message; two first messages sent at
    once find the same one (get_or_create reads the row the other made when the
    pair's unique constraint refuses a second).
    """
    _check_body(body)
    count_against_limit(
        sender, kind="messages", limit=settings.COMMUNITY_MESSAGES_PER_WINDOW, message=TOO_FAST
    )
    with transaction.atomic():
        # Decided with the pair locked, as friendships and blocks change: a block at the same
        # instant either comes first (refused) or after (the message went before it).
        lock_pair(sender.pk, to.pk)
        if not may_write(sender, to):
            raise DomainError(ErrorCode.NOT_ALLOWED, ONLY_FRIENDS)
        conversation, _ = Conversation.objects.get_or_create(**Conversation.ordered(sender, to))
        message = Message.objects.create(conversation=conversation, sender=sender, body=body)
        # Only ever forward: of two messages sent at once, the later one's time stays.
        later = Q(last_message_at__isnull=True) | Q(last_message_at__lt=message.sent_at)
        Conversation.objects.filter(later, pk=conversation.pk).update(last_message_at=message.sent_at)
    return message


def find_recipient(*, pk: int):
    """The account ``pk`` names, for someone who writes to it; refused in may_write's words when none
    does, so an id reveals nothing (not even that it names nobody)."""
    recipient = User.objects.filter(pk=pk).first()
    if recipient is None:
        raise DomainError(ErrorCode.NOT_ALLOWED, ONLY_FRIENDS)
    return recipient


def may_write(sender, to) -> bool:
    """Whether ``sender`` may send ``to`` a message: friends, ``to``'s account open, no block either way."""
    return sender.pk != to.pk and to.is_active and are_friends(sender, to) and not blocked_between(sender, to)


def _check_body(body: str) -> None:
    if not body.strip():
        raise DomainError(ErrorCode.INVALID_MESSAGE, BODY_REQUIRED, field="body")
    if len(body) > MESSAGE_MAX_LENGTH:
        raise DomainError(ErrorCode.INVALID_MESSAGE, BODY_TOO_LONG, field="body")


def mark_read(*, conversation: Conversation, reader) -> int:
    """Mark the other person's unread messages in ``conversation`` read (one UPDATE): how many were."""
    if reader.pk not in (conversation.user_low_id, conversation.user_high_id):
        raise DomainError(ErrorCode.NOT_FOUND, "No such conversation.")
    read = unread_by(reader).filter(conversation=conversation).update(read_at=timezone.now())
    if read:
        counts_changed(reader.pk)  # the badge goes on the next page
    return read


# Reads ----------------------------------------------------------------------------


def unread_by(reader) -> QuerySet[Message]:
    """Messages others sent ``reader`` that ``reader`` has not read (the partial index covers them)."""
    return Message.objects.filter(read_at__isnull=True).exclude(sender=reader)


def conversations_of(user) -> QuerySet[Conversation]:
    """``user``'s conversations, latest first, each with its unread count and last message (one query)."""
    unread = (
        unread_by(user)
        .filter(conversation=OuterRef("pk"))
        .values("conversation")
        .annotate(count=Count("pk"))
        .values("count")
    )
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-sent_at", "-pk")
    return (
        Conversation.objects.involving(user)
        .filter(last_message_at__isnull=False)
        .select_related("user_low", "user_high")
        .annotate(
            unread_count=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            last_message_body=Subquery(last.values("body")[:1]),
            last_message_sender_id=Subquery(last.values("sender_id")[:1]),
        )
        .order_by("-last_message_at", "-pk")
    )


def messages_of(user) -> QuerySet[Message]:
    """Every message in ``user``'s conversations, sent or received."""
    return Message.objects.filter(conversation__in=Conversation.objects.involving(user))


def unread_count(user) -> int:
    """How many messages ``user`` has not read, in all their conversations (one query)."""
    return unread_by(user).filter(conversation__in=Conversation.objects.involving(user)).count()
