"""Anonymous browsing served from the cache: the event list, an event's page and the API's list.

What a visitor who is not signed in sees is the same for every such visitor, so one rendering
serves them all for at most ``FRESH_FOR`` seconds after it was read from the database: seats left
are never staler than that. Bookings leave the cache alone (a busy sale would otherwise empty it
with every booking, just when the crowd waiting to buy browses most); an organizer's edit, saving
an event or a ticket type or changing an event's tags, moves the catalogue's version
(``catalogue_changed``), and a page kept under another version is not served again: the edit
shows at once.

Signed-in viewers, and visitors with a message waiting, are never served nor stored here: their
pages carry their own bookings and names. A page that put a CSRF token in a form, or set a
cookie, is not stored either. When the cache cannot be reached, pages are rendered as without it.
"""

import hashlib
import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse

from eventhub.cache import CACHE_ERRORS
from events.models import Event, TicketType

logger = logging.getLogger("eventhub.browse_cache")
T = TypeVar("T")

FRESH_FOR = 0.8  # seconds a page served from here may lag behind the database: under a second, door to door
KEEP_FOR = FRESH_FOR + 1  # an entry's own lifetime only frees the memory: freshness is judged by its read_at
VERSION_KEY = "browse:version"


def catalogue_changed(**_signal) -> None:
    """An event or its types changed in this transaction (an organizer's edit): pages are read anew
    now, and again once it commits, since a page read in between still showed the old rows."""
    _new_version()
    transaction.on_commit(_new_version)


for model in (Event, TicketType):
    post_save.connect(catalogue_changed, sender=model, dispatch_uid=f"browse_cache.saved.{model.__name__}")
    post_delete.connect(catalogue_changed, sender=model, dispatch_uid=f"browse_cache.gone.{model.__name__}")
m2m_changed.connect(catalogue_changed, sender=Event.tags.through, dispatch_uid="browse_cache.tags")


def _new_version() -> None:
    try:
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)
    except CACHE_ERRORS as error:
        _warn("browse_cache.version_not_moved", error)  # pages kept before still go after FRESH_FOR


def served(request, render, *, variant: str = ""):
    """The response ``render()`` gives, kept for anonymous visitors under the address (and ``variant``,
    e.g. the API's format) for reuse, or taken from the cache when a fresh one is there."""
    key = "browse:page:" + hashlib.sha256(f"{variant}|{request.build_absolute_uri()}".encode()).hexdigest()
    try:
        found = cache.get_many([VERSION_KEY, key])
    except CACHE_ERRORS as error:
        _warn("browse_cache.unavailable", error)
        return render()
    version, kept = found.get(VERSION_KEY), found.get(key)
    if kept is not None and kept[0] == version and _fresh(kept[1]):
        return HttpResponse(kept[2], content_type=kept[3])
    read_at = _now()  # before the first query: the page shows the database as of then, or later
    response = render()
    if response.status_code == 200 and hasattr(response, "add_post_render_callback"):
        # The version read before rendering: an edit committed meanwhile makes this copy stale.
        response.add_post_render_callback(lambda rendered: _keep(request, key, (version, read_at), rendered))
    return response


def kept_fresh(key: str, draw: Callable[[], T]) -> T:
    """What ``draw()`` gives (the same for everyone ``key`` covers), kept under ``key`` and reused for
    FRESH_FOR seconds from when it read the database; drawn anew each time the cache cannot be reached."""
    try:
        kept = cache.get(key)
    except CACHE_ERRORS as error:
        _warn("browse_cache.unavailable", error)
        return draw()
    if kept is not None and _fresh(kept[0]):
        return kept[1]
    read_at = _now()
    drawn = draw()
    try:
        cache.set(key, (read_at, drawn), timeout=KEEP_FOR)
    except CACHE_ERRORS as error:
        _warn("browse_cache.not_kept", error)
    return drawn


def is_anonymous_visit(request) -> bool:
    """A visitor not signed in, with no message waiting to be shown to them alone."""
    from django.contrib.messages import get_messages

    return not request.user.is_authenticated and not len(get_messages(request))


def _keep(request, key: str, stamp: tuple, response) -> None:
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE") or response.cookies:
        return  # a form token or a cookie belongs to this visitor alone
    try:
        cache.set(key, (*stamp, response.content, response["Content-Type"]), timeout=KEEP_FOR)
    except CACHE_ERRORS as error:
        _warn("browse_cache.not_kept", error)


def _fresh(read_at: float) -> bool:
    return _now() - read_at < FRESH_FOR


def _now() -> float:
    return time.time()


def _warn(action: str, error: BaseException) -> None:
    logger.warning(action, extra={"event_data": {"action": action, "error": str(error)}})
