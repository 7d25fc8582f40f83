"""Idempotency keys for the API's writes: a request sent again is answered again, not done twice.

A client that may have to retry a POST (a timeout, a dropped connection) sends an
``Idempotency-Key`` header: 1 to 255 visible ASCII characters of its choosing, new for
each distinct request (a UUID does). For 24 hours a repeat with the same key, by the
same user, gets the first answer again, status and body, marked ``Idempotent-Replayed:
true``, and nothing is done a second time. Meanwhile:

- a repeat while the first is still running is 409 request_in_progress;
- the same key with another request (another body or address) is 422 idempotency_key_reused;
- a first attempt that failed on the site's side (a 5xx) gives the key back, so a retry runs afresh;
- a malformed key is 400 invalid_idempotency_key.

The record lives in the cache, keyed by user and key. ``cache.add`` claims a key
atomically (SET NX on Redis), so of two simultaneous requests one runs and the other
gets 409. When the cache cannot be reached, the request is answered without
idempotency and a warning is logged: a lost retry protection beats a refused booking,
and the booking rules themselves (one booking per person and event) still hold.
"""

import functools
import hashlib
import json
import logging
import re

from django.core.cache import cache
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework.response import Response

from eventhub.api_errors import ErrorSerializer
from eventhub.cache import CACHE_ERRORS
from eventhub.errors import DomainError, ErrorCode

logger = logging.getLogger("eventhub.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY = re.compile(r"[\x21-\x7e]{1,255}")
REMEMBER_SECONDS = 24 * 60 * 60
# A claim outlives any request (the database's lock and statement timeouts, the worker's
# timeout), so it is never taken over while its request runs; a worker killed mid-request
# leaves a claim that lapses after this.
RUNNING_SECONDS = 60
RUNNING, DONE = "running", "done"


def idempotent(handler):
    """Answer a DRF view method's repeated ``Idempotency-Key`` once (see the module's notes).

    It runs after authentication, permissions and throttles, so a replay is only
    ever given to the user who made the request, and only while they may still ask.
    """

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return handler(view, request, *args, **kwargs)
        record = _Record(request, key)
        try:
            stored = record.claim()
        except CACHE_ERRORS as error:
            _warn("claim", error)
            return handler(view, request, *args, **kwargs)
        if stored is not None:
            return Response(stored["body"], status=stored["status"], headers={REPLAYED_HEADER: "true"})
        try:
            response = _answer(view, handler, request, *args, **kwargs)
        except BaseException:
            record.release()
            raise
        if response.status_code >= 500 or not isinstance(response, Response):
            record.release()
        else:
            record.store(response)
        return response

    return wrapper


def _answer(view, handler, request, *args, **kwargs) -> Response:
    """The handler's response, refusals included (as the API's exception handler words them)."""
    try:
        return handler(view, request, *args, **kwargs)
    except Exception as exc:
        return view.handle_exception(exc)


class _Record:
    """One request's idempotency record in the cache: claimed while it runs, then its answer."""

    def __init__(self, request, key: str):
        if not KEY.fullmatch(key):
            raise DomainError(
                ErrorCode.INVALID_IDEMPOTENCY_KEY,
                f"The {HEADER} header must be 1 to 255 visible ASCII characters (no spaces), "
                "for example a UUID.",
            )
        digest = hashlib.sha256(key.encode()).hexdigest()
        self.cache_key = f"idempotency:{request.user.pk}:{digest}"
        self.fingerprint = _fingerprint(request)

    def claim(self) -> dict | None:
        """Claim the key for this request, or the stored answer of the request that had it."""
        running = {"state": RUNNING, "fingerprint": self.fingerprint}
        for _attempt in range(2):  # a record that lapses between add and get is claimed on the second pass
            if cache.add(self.cache_key, running, RUNNING_SECONDS):
                return None
            stored = cache.get(self.cache_key)
            if stored is not None:
                return self._judge(stored)
        raise _in_progress()

    def _judge(self, stored: dict) -> dict:
        if stored["fingerprint"] != self.fingerprint:
            raise DomainError(
                ErrorCode.IDEMPOTENCY_KEY_REUSED,
                f"This {HEADER} was used for a different request. Use a new key for each request.",
            )
        if stored["state"] == RUNNING:
            raise _in_progress()
        return stored

    def store(self, response: Response) -> None:
        answer = {
            "state": DONE,
            "fingerprint": self.fingerprint,
            "status": response.status_code,
            # Plain JSON values, so the replay renders byte for byte as the first answer did.
            "body": json.loads(json.dumps(response.data, default=str)),
        }
        try:
            cache.set(self.cache_key, answer, REMEMBER_SECONDS)
        except CACHE_ERRORS as error:
            _warn("store", error)

    def release(self) -> None:
        try:
            cache.delete(self.cache_key)
        except CACHE_ERRORS as error:
            _warn("release", error)


def _fingerprint(request) -> str:
    """What makes two requests the same one: method, address (with its query) and parsed body."""
    data = request.data
    if hasattr(data, "lists"):  # a form: every value of every field
        data = dict(data.lists())
    body = json.dumps(data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.get_full_path()}\n{body}".encode()).hexdigest()


def _in_progress() -> DomainError:
    return DomainError(
        ErrorCode.REQUEST_IN_PROGRESS,
        f"A request with this {HEADER} is still being processed. Try again in a moment.",
    )


def _warn(step: str, error: Exception) -> None:
    logger.warning(
        "idempotency.cache_unavailable",
        extra={"event_data": {"action": "idempotency.cache_unavailable", "step": step, "error": str(error)}},
    )


# Schema ---------------------------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="1 to 255 visible ASCII characters, new for each distinct request (a UUID). A repeat with "
    "the same key within 24 hours gets the first answer again (marked Idempotent-Replayed: true) and "
    "does nothing twice; while the first still runs, 409 request_in_progress; with a different body or "
    "address, 422 idempotency_key_reused; a malformed key is 400 invalid_idempotency_key. A first "
    "attempt that failed with a 5xx may be retried with the same key.",
)

IDEMPOTENCY_ERRORS = {
    422: OpenApiResponse(
        ErrorSerializer, "idempotency_key_reused: the Idempotency-Key was used for a different request."
    ),
}
