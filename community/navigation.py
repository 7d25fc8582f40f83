"""The navigation's two counts for someone signed in: their unread messages and the friend requests
waiting for their answer.

Every page a signed-in person opens shows them, so they are kept in the cache per person, read with
one cache call, until a change of theirs: a message written to them, their reading one, a friend
request made, answered or withdrawn, a friendship gone (an account deleted takes its friendships,
and so its messages, with it). Those changes are seen on the rows themselves (a message saved, a
friendship saved or deleted, whoever does it: the services, the console, a deletion's cascade) and
by ``mark_read``, which updates in bulk; the person's counts are then dropped at once and again
when the change commits, so a count read in between is not kept. Whatever slips past is counted
anew after ``KEPT_FOR`` seconds. When the cache cannot be reached, the counts are read from the
database each time.
"""

import logging
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from community.models import Friendship, Message
from community.selectors import requests_to
from eventhub.cache import CACHE_ERRORS

logger = logging.getLogger("eventhub.community.navigation")

KEPT_FOR = 60  # seconds: the longest a count can miss a change made past the rows' signals


class Counts(NamedTuple):
    unread_messages: int
    friend_requests: int


def counts_for(user) -> Counts:
    """``user``'s two counts, from the cache when kept there, else read (two queries) and kept."""
    key = _key(user.pk)
    try:
        kept = cache.get(key)
    except CACHE_ERRORS as error:
        _warn("navigation.cache_unavailable", error)
        return _counted(user)
    if kept is not None:
        return Counts(*kept)
    counted = _counted(user)
    try:
        cache.set(key, tuple(counted), timeout=KEPT_FOR)
    except CACHE_ERRORS as error:
        _warn("navigation.not_kept", error)
    return counted


def counts_changed(*user_ids: int) -> None:
    """These people's counts may have moved in this transaction: drop them now and on commit."""
    _forget(user_ids)
    transaction.on_commit(lambda: _forget(user_ids))


def _counted(user) -> Counts:
    from community.messaging import unread_count  # messaging tells this module when one is read

    return Counts(unread_count(user), requests_to(user).count())


def _forget(user_ids) -> None:
    try:
        cache.delete_many([_key(pk) for pk in user_ids])
    except CACHE_ERRORS as error:
        _warn("navigation.not_forgotten", error)  # counted anew after KEPT_FOR


def _key(user_id: int) -> str:
    return f"navigation:counts:{user_id}"


def _warn(action: str, error: BaseException) -> None:
    logger.warning(action, extra={"event_data": {"action": action, "error": str(error)}})


def _friendship_changed(instance, **_signal) -> None:
    counts_changed(instance.user_low_id, instance.user_high_id)


def _message_written(instance, created: bool, **_signal) -> None:
    if created:
        conversation = instance.conversation  # the one it was written in: no query
        counts_changed(conversation.user_low_id, conversation.user_high_id)


post_save.connect(_friendship_changed, sender=Friendship, dispatch_uid="navigation.friendship_saved")
post_delete.connect(_friendship_changed, sender=Friendship, dispatch_uid="navigation.friendship_gone")
post_save.connect(_message_written, sender=Message, dispatch_uid="navigation.message_written")
