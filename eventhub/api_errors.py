"""One error shape for the whole API.

Errors that are not about a field read ``{"detail": "...", "code": "..."}``;
validation errors are DRF's ``{field: [messages]}``. Services refuse with
``DomainError``, whose code carries its HTTP status (eventhub.errors.ErrorCode,
the one table of codes). Nothing under /api/ answers with HTML or a traceback.
"""

import logging

from django.core.exceptions import NON_FIELD_ERRORS, BadRequest, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import ProtectedError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from eventhub.errors import DomainError, ErrorCode
from eventhub.views import RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE_MESSAGE, client_fault

logger = logging.getLogger("eventhub.api")

SERVER_ERROR = {
    "detail": "Something went wrong on our side. Please try again later.",
    "code": "server_error",
}


class Refusal(exceptions.APIException):
    """A refusal that is not about a field, with the status its code carries (eventhub.errors.ErrorCode)."""

    def __init__(self, code: ErrorCode, message: str):
        self.status_code = code.http_status
        super().__init__(detail=message, code=str(code))


class ClientFault(exceptions.APIException):
    """A malformed request that Django refused while reading it: too large (413), too many fields (400)."""

    def __init__(self, exception):
        self.status_code, code, message = client_fault(exception)
        super().__init__(detail=message, code=code)


class ServiceUnavailable(exceptions.APIException):
    """The database is unreachable or a statement timed out; the transaction was rolled back."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = SERVICE_UNAVAILABLE_MESSAGE
    default_code = "service_unavailable"


def exception_handler(exc, context):
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]: translate, let DRF build the response, then even out its shape."""
    if isinstance(exc, OperationalError | InterfaceError):
        logger.error("database unavailable: %s", exc)
    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        logger.error("Unhandled error in %s", context.get("view").__class__.__name__, exc_info=exc)
        set_rollback()
        return Response(SERVER_ERROR, status=status.HTTP_500_INTERNAL_SERVER_ERROR)
    response.data = _body(exc, response.data)
    if response.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
        response["Retry-After"] = RETRY_AFTER_SECONDS
    return response


@csrf_exempt  # nothing happens here, and a POST must get this 404 rather than the HTML CSRF page
def api_not_found(request):
    """Unknown addresses under /api/ answer in JSON too, not with the HTML 404 page."""
    body = {"detail": "There is no API endpoint at this address.", "code": "not_found"}
    return JsonResponse(body, status=status.HTTP_404_NOT_FOUND)


def _as_api_exception(exc):
    if isinstance(exc, DomainError):
        # A conflict (a seat just taken) keeps its own status even when it names the field it is about.
        if exc.field and exc.code.http_status == status.HTTP_400_BAD_REQUEST:
            return exceptions.ValidationError({exc.field: [exc.message]}, code=exc.code)
        return Refusal(exc.code, exc.message)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(_field_errors(exc))
    if isinstance(exc, OperationalError | InterfaceError):
        return ServiceUnavailable()
    if isinstance(exc, SuspiciousOperation | BadRequest):
        # The client's fault, not the site's: a warning in plain words, not an error with a traceback.
        logger.warning("malformed request refused: %s", exc)
        return ClientFault(exc)
    if isinstance(exc, ProtectedError):
        return Refusal(ErrorCode.PROTECTED, "Other records depend on this one, so it cannot be deleted.")
    if isinstance(exc, Http404):
        return exceptions.NotFound(*exc.args)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(*exc.args)
    return exc


def _field_errors(exc: DjangoValidationError) -> dict:
    """Model full_clean errors, keyed like DRF's (``non_field_errors`` rather than ``__all__``)."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    non_field = api_settings.NON_FIELD_ERRORS_KEY
    return {(non_field if key == NON_FIELD_ERRORS else key): messages for key, messages in errors.items()}


def _body(exc, data):
    if isinstance(exc, exceptions.ValidationError):
        return data if isinstance(data, dict) else {api_settings.NON_FIELD_ERRORS_KEY: data}
    message = _first_message(exc.detail)
    return {"detail": str(message), "code": getattr(message, "code", None) or exc.default_code}


def _first_message(detail):
    """The one message of an error; simplejwt nests it in a dict with extra keys."""
    if isinstance(detail, dict):
        return _first_message(detail.get("detail") or next(iter(detail.values()), ""))
    if isinstance(detail, list):
        return _first_message(detail[0]) if detail else ""
    return detail


# Schema ---------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The body of every error that is not about a field."""

    detail = serializers.CharField(help_text="What went wrong, in plain words.")
    code = serializers.CharField(help_text="A stable machine-readable code, e.g. event_full.")


class FieldErrorsSerializer(serializers.Serializer):
    """Validation errors: each input field (or non_field_errors) with its messages."""


class FieldErrorsExtension(OpenApiSerializerExtension):
    """Describes FieldErrorsSerializer as the map it is; a serializer cannot declare arbitrary keys."""

    target_class = FieldErrorsSerializer

    def map_serializer(self, auto_schema, direction):
        return {
            "type": "object",
            "description": FieldErrorsSerializer.__doc__,
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }


BAD_REQUEST = PolymorphicProxySerializer(
    component_name="BadRequest",
    serializers=[ErrorSerializer, FieldErrorsSerializer],
    resource_type_field_name=None,
)

ERROR_DESCRIPTIONS = {
    400: "Invalid input: field errors, or {detail, code} for a refusal such as not_bookable, or a malformed "
    "request (bad_request, parse_error).",
    401: "Not signed in, or the token is invalid or expired.",
    403: "Signed in, but not allowed to do this.",
    404: "Not found, or not visible to you.",
    402: "The payment was declined (payment_declined).",
    409: "Conflicts with the current state (for example event_full, already_booked).",
    422: "This Idempotency-Key was used with a different request (idempotency_key_reused).",
    413: "The body is larger than this site accepts (request_too_large).",
    415: "The body's Content-Type is not one this endpoint reads (unsupported_media_type): send JSON, "
    "a form, or multipart/form-data.",
    429: "Too many requests; the Retry-After header says how many seconds to wait.",
    503: "The database (or, for sign-in and sign-up, the cache) is briefly unavailable; nothing was changed. "
    "Retry after Retry-After seconds.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """OpenAPI responses for these error statuses; 400 (a malformed request: a NUL byte in the address,
    a body that is no JSON), 401 (a bad token), 429 and 503 apply to every endpoint."""
    return {
        code: OpenApiResponse(BAD_REQUEST if code == 400 else ErrorSerializer, ERROR_DESCRIPTIONS[code])
        for code in sorted({*statuses, 400, 401, 429, 503})
    }


def document_unsupported_media(result, generator, request, public):
    """drf-spectacular postprocessing hook: every operation that reads a body may answer 415, when the
    body comes with a Content-Type no parser of the site reads (or none at all)."""
    unsupported = {
        "description": ERROR_DESCRIPTIONS[415],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["responses"].setdefault("415", unsupported)
    return result
