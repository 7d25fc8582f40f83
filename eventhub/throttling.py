"""API throttles: counted against eventhub.net's client address, and decided when the cache is down.

DRF's own throttles key anonymous callers on X-Forwarded-For as sent, so a client that changes
the header at will is never throttled; these count the address that TRUSTED_PROXY_COUNT allows.

The counts live in the cache. When it cannot be reached, the general throttles fail open
(browsing goes on unthrottled, and a warning is logged), while the "auth" scope, which guards
password guessing and sign-ups, fails closed: 503 service_unavailable with Retry-After (the
API's exception handler maps that code).
"""

import logging

from rest_framework import throttling

from eventhub.cache import CACHE_ERRORS
from eventhub.errors import DomainError, ErrorCode
from eventhub.net import client_address
from eventhub.views import SERVICE_UNAVAILABLE_MESSAGE

logger = logging.getLogger("eventhub.throttling")


class ClientAddressMixin:
    def get_ident(self, request):
        return client_address(request)


class FailOpenMixin:
    """Let the request through when the cache is unreachable: an outage must not stop browsing."""

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            _warn_once_per_request(request, error, outcome="allowed")
            return True


class AnonRateThrottle(ClientAddressMixin, FailOpenMixin, throttling.AnonRateThrottle):
    """The "anon" rate per client address."""


class UserRateThrottle(ClientAddressMixin, FailOpenMixin, throttling.UserRateThrottle):
    """The "user" rate per signed-in user (per client address for anonymous callers)."""


class AuthRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    """The view's ``throttle_scope`` rate ("auth": sign-in, register, refresh), failing closed.

    Unthrottled password guessing is worse than a minute without signing in.
    """

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except CACHE_ERRORS as error:
            _warn_once_per_request(request, error, outcome="refused")
            raise DomainError(ErrorCode.SERVICE_UNAVAILABLE, SERVICE_UNAVAILABLE_MESSAGE) from None


def _warn_once_per_request(request, error, *, outcome: str) -> None:
    """One warning per request, however many of its throttles find the cache down."""
    if getattr(request, "_throttle_cache_warned", False):
        return
    request._throttle_cache_warned = True
    logger.warning(
        "throttle.cache_unavailable",
        extra={
            "event_data": {"action": "throttle.cache_unavailable", "outcome": outcome, "error": str(error)}
        },
    )
