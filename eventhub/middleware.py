"""Request-wide concerns: the request id and client address on every log line, junk refused early,
and a clear answer when the database is down."""

import logging
import re
import uuid
from urllib.parse import unquote

from django.db import InterfaceError, OperationalError

from eventhub.net import client_address
from eventhub.request_context import client_address_var, request_id_var
from eventhub.views import RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE_MESSAGE, error_response

logger = logging.getLogger("eventhub.request")

# Accept a caller's id only when it is short and plain, so it is safe to log.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Give each request an id (the caller's X-Request-ID, or a new one) and echo it back.

    The id and the client's address (eventhub.net) are stamped on every log line written while
    the request is served.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        id_token = request_id_var.set(request.id)
        address_token = client_address_var.set(client_address(request))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(id_token)
            client_address_var.reset(address_token)
        response["X-Request-ID"] = request.id
        return response


class MalformedRequestMiddleware:
    """Refuse with a 400 what no browser or API client sends, before anything below reads it.

    A NUL byte in the address or the query string (PostgreSQL refuses it in a query, which
    would surface as a crash deep in a filter or the admin), and a body charset that is no text
    encoding at all (such as rot13 or zlib, which Django accepts and then fails to decode with).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = _malformation(request)
        if problem:
            logger.warning(
                "malformed request refused: %s",
                problem,
                extra={"event_data": {"path": _loggable_path(request)}},
            )
            return error_response(request, status=400, code="bad_request", detail=problem)
        return self.get_response(request)


def _malformation(request) -> str:
    """What is wrong with the request in plain words, or "" when nothing is."""
    if request.encoding and not is_text_encoding(request.encoding):
        return "The request's charset is not a text encoding."
    if "\x00" in request.path or "\x00" in unquote(request.META.get("QUERY_STRING", "")):
        return "The address contains a NUL character."
    return ""


def _loggable_path(request) -> str:
    """The path, short and escaped: it may hold line breaks or NUL bytes."""
    return request.path[:200].encode("unicode_escape").decode("ascii")


def is_text_encoding(name: str) -> bool:
    try:
        "".encode(name)  # refuses codecs that are not text encodings (rot13, zlib, base64...)
    except LookupError:
        return False
    return True


class DatabaseUnavailableMiddleware:
    """When the database is unreachable or a statement times out, answer 503, not a crash.

    The transaction that failed has been rolled back, so nothing is half written.
    The API answers {"detail", "code"}; pages show a friendly error page, rendered without
    touching the database (so without the signed-in visitor's name in the header).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error(
            "database unavailable: %s", exception, extra={"event_data": {"path": _loggable_path(request)}}
        )
        response = error_response(
            request, status=503, code="service_unavailable", detail=SERVICE_UNAVAILABLE_MESSAGE
        )
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
