"""Request-wide concerns: a request id on every log line, and a clear answer when the database is down."""

import logging
import re
import uuid

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.template.response import TemplateResponse

from eventhub.request_context import request_id_var

logger = logging.getLogger("eventhub.request")

# Accept a caller's id only when it is short and plain, so it is safe to log.
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RETRY_AFTER_SECONDS = "30"
SERVICE_UNAVAILABLE_MESSAGE = "The service is briefly unavailable. Nothing was changed; please retry."


class RequestIdMiddleware:
    """Give each request an id (the caller's X-Request-ID, or a new one) and echo it back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        request.id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request.id
        return response


class DatabaseUnavailableMiddleware:
    """When the database is unreachable or a statement times out, answer 503, not a crash.

    The transaction that failed has been rolled back, so nothing is half written.
    The API answers {"detail", "code"}; pages show a friendly error page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("database unavailable: %s", exception, extra={"path": request.path})
        if request.path.startswith("/api/"):
            response = JsonResponse(
                {"detail": SERVICE_UNAVAILABLE_MESSAGE, "code": "service_unavailable"},
                status=503,
            )
        else:
            response = TemplateResponse(request, "503.html", status=503)
        response["Retry-After"] = RETRY_AFTER_SECONDS
        return response
