"""How fast one person may post, comment and send messages: counted in the cache, per person."""

import logging

from django.conf import settings
from django.core.cache import cache

from eventhub.cache import CACHE_ERRORS
from eventhub.errors import DomainError, ErrorCode

logger = logging.getLogger("eventhub.community")


def count_against_limit(user, *, kind: str, limit: int, message: str) -> None:
    """Count one ``kind`` ("posts", "comments", "messages") by ``user``; refuse past ``limit`` a window.

    The window is COMMUNITY_LIMIT_WINDOW_SECONDS, shared by every process through the
    cache, counted before any row is locked (a slow cache must not hold one). Fails
    open: a cache outage lets a few more through rather than silencing everyone.
    """
    key = f"community:{kind}:{user.pk}"
    window = settings.COMMUNITY_LIMIT_WINDOW_SECONDS
    try:
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr: this one starts the next window
        cache.set(key, 1, timeout=window)
        return
    except CACHE_ERRORS as error:
        logger.warning(
            "community.limit_unavailable", extra={"event_data": {"kind": kind, "error": str(error)}}
        )
        return
    if count > limit:
        raise DomainError(ErrorCode.THROTTLED, message)
