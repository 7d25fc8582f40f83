"""The site's error answers outside DRF views: handler400 and the answers middleware gives.

Under /api/ they take the API's shape, ``{"detail", "code"}``; elsewhere they are a page in the
site's look. Either way they never need the database, the session or the cache.
"""

from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousMultipartForm,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import HttpResponse, JsonResponse
from django.template import loader

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = "30"
SERVICE_UNAVAILABLE_MESSAGE = "The service is briefly unavailable. Nothing was changed; please retry."

# How a request Django refuses while reading it is answered: (status, code, plain words).
BAD_REQUEST = (400, "bad_request", "The request could not be understood. Please check it and try again.")
CLIENT_FAULTS = {
    RequestDataTooBig: (413, "request_too_large", "The request is larger than this site accepts."),
    TooManyFieldsSent: (400, "too_many_fields", "The request has more fields than this site accepts."),
    TooManyFilesSent: (400, "too_many_files", "The request has more files than this site accepts."),
    SuspiciousMultipartForm: (400, "bad_request", "The form data could not be read."),
}


def client_fault(exception) -> tuple[int, str, str]:
    """Status, code and message for a malformed request (a bad Host, an oversized or overlong body)."""
    return CLIENT_FAULTS.get(type(exception), BAD_REQUEST)


def error_response(request, *, status: int, code: str, detail: str) -> HttpResponse:
    """``{"detail", "code"}`` under /api/; elsewhere templates/<status>.html in the site's look.

    The page is rendered without the request's context processors, as Django renders its own
    400 and 500 pages: it needs neither the session nor the database, which may be what failed.
    """
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    return HttpResponse(loader.render_to_string(f"{status}.html"), status=status)


def bad_request(request, exception=None):
    """handler400, for what Django refuses before a view runs: 413 for a body that is too large."""
    status, code, detail = client_fault(exception)
    return error_response(request, status=status, code=code, detail=detail)
