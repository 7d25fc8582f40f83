"""Browsing reads go to the read replica; everything else stays on the primary.

Active only when DATABASE_REPLICA_URL is set (settings register the router and the middleware then).
A read goes to the replica only when all of these hold: the request is a GET or HEAD of one of the
BROWSING_VIEWS below, the client has not written in the last DATABASE_REPLICA_STICKY_SECONDS (so it
sees its own change), no transaction is open on the primary (every service, every lock, every booking
decision runs in one), the model is not about who is signed in, and the replica answers. Anything else
-- writes, the admin, payments, sign-in, background tasks, threads -- never sees the replica.
"""

import logging
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger("eventhub.db")

REPLICA = "replica"

# The URL names whose safe requests are browsing: the event list (with its search), event pages,
# organizer pages, the month calendar, the community feed, and the API's reads of events and categories.
BROWSING_VIEWS = frozenset(
    {
        "events:list",
        "events:detail",
        "events:organizer",
        "events:calendar_month",
        "community:feed",
        "event-list",
        "event-detail",
        "category-list",
        "category-detail",
        "feed-list",
    }
)
SAFE_METHODS = ("GET", "HEAD")

# Who is signed in and what they may do is always read from the primary: a new account, a changed
# password or a revoked token is never missed because of lag.
PRIMARY_ONLY_APPS = frozenset({"accounts", "auth", "sessions", "token_blacklist", "contenttypes", "admin"})

# A client that wrote carries this signed cookie for DATABASE_REPLICA_STICKY_SECONDS.
STICKY_COOKIE = "primary_reads"
STICKY_SALT = "eventhub.db_router.sticky"

# Once the replica failed to answer, browsing reads the primary for this long before trying it again.
REPLICA_RETRY_SECONDS = 30


@dataclass
class BrowsingReads:
    """What one request may read from the replica; None until the replica has been tried."""

    browsing: bool = False
    replica_answers: bool | None = None


browsing_reads: ContextVar[BrowsingReads | None] = ContextVar("browsing_reads", default=None)
_replica_down_until = 0.0


class ReplicaRouter:
    """Reads of a browsing request to the replica (when it answers), everything else to the primary."""

    def db_for_read(self, model, **hints):
        reads = browsing_reads.get()
        if (
            reads is None
            or not reads.browsing
            or model._meta.app_label in PRIMARY_ONLY_APPS
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        if reads.replica_answers is None:
            reads.replica_answers = replica_answers()
        return REPLICA if reads.replica_answers else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one data set, two servers

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS  # the replica follows the primary's schema by streaming


def replica_answers() -> bool:
    """Whether the replica can be read now: a dead replica sends browsing back to the primary.

    Connects (or runs the health check Django would run on a kept connection); a failure is logged
    and remembered for REPLICA_RETRY_SECONDS so later requests do not wait on it.
    """
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    connection = connections[REPLICA]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as error:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        logger.warning(
            "read replica unavailable, browsing reads the primary for %s s: %s", REPLICA_RETRY_SECONDS, error
        )
        return False
    return True


def forget_replica_failure() -> None:
    """Try the replica again on the next browsing read (tests, and after a replica is brought back)."""
    global _replica_down_until
    _replica_down_until = 0.0


class BrowsingReadsMiddleware:
    """Marks safe requests of BROWSING_VIEWS as browsing, unless the client wrote moments ago; after a
    successful write by a signed-in user or a session, sets the short-lived cookie that keeps its reads
    on the primary (a signed cookie, not the cache, which may be down)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = browsing_reads.set(BrowsingReads())
        try:
            response = self.get_response(request)
        finally:
            browsing_reads.reset(token)
        if request.method not in SAFE_METHODS and response.status_code < 400 and _has_client(request):
            response.set_signed_cookie(
                STICKY_COOKIE,
                "1",
                salt=STICKY_SALT,
                max_age=settings.DATABASE_REPLICA_STICKY_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        reads = browsing_reads.get()
        reads.browsing = (
            request.method in SAFE_METHODS
            and request.resolver_match.view_name in BROWSING_VIEWS
            and not _wrote_recently(request)
        )


def _wrote_recently(request) -> bool:
    return bool(
        request.get_signed_cookie(
            STICKY_COOKIE, default="", salt=STICKY_SALT, max_age=settings.DATABASE_REPLICA_STICKY_SECONDS
        )
    )


def _has_client(request) -> bool:
    """A signed-in user or a session: someone who will come back and expect to see what they wrote."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    return bool((user is not None and user.is_authenticated) or (session is not None and session.session_key))
