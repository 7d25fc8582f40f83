"""The one exception type that services raise to refuse a request, and the one table of its codes."""

from enum import StrEnum
from http import HTTPStatus


class ErrorCode(StrEnum):
    """Every refusal's stable code, beside the HTTP status the API answers it with.

    A code that is not listed here cannot be raised: DomainError takes only these.
    """

    def __new__(cls, value: str, http_status: HTTPStatus):
        member = str.__new__(cls, value)
        member._value_ = value
        member.http_status = http_status
        return member

    # 400: the request cannot be done as asked
    NOT_BOOKABLE = "not_bookable", HTTPStatus.BAD_REQUEST
    NOT_CANCELLABLE = "not_cancellable", HTTPStatus.BAD_REQUEST
    NOT_PUBLISHABLE = "not_publishable", HTTPStatus.BAD_REQUEST
    NOT_CONFIRMED = "not_confirmed", HTTPStatus.BAD_REQUEST
    INVALID_STATUS = "invalid_status", HTTPStatus.BAD_REQUEST
    INVALID_STATUS_CHANGE = "invalid_status_change", HTTPStatus.BAD_REQUEST
    INVALID_CAPACITY = "invalid_capacity", HTTPStatus.BAD_REQUEST
    CAPACITY_BELOW_BOOKED = "capacity_below_booked", HTTPStatus.BAD_REQUEST
    USERNAME_TAKEN = "username_taken", HTTPStatus.BAD_REQUEST
    INVALID_TICKET_TYPE = "invalid_ticket_type", HTTPStatus.BAD_REQUEST
    TICKET_TYPE_REQUIRED = "ticket_type_required", HTTPStatus.BAD_REQUEST
    NOT_ON_SALE = "not_on_sale", HTTPStatus.BAD_REQUEST
    INVALID_SEAT = "invalid_seat", HTTPStatus.BAD_REQUEST
    INVALID_LAYOUT = "invalid_layout", HTTPStatus.BAD_REQUEST
    INVALID_TAGS = "invalid_tags", HTTPStatus.BAD_REQUEST
    INVALID_ANSWERS = "invalid_answers", HTTPStatus.BAD_REQUEST
    EMAIL_TAKEN = "email_taken", HTTPStatus.BAD_REQUEST
    NOT_PAYABLE = "not_payable", HTTPStatus.BAD_REQUEST
    INVALID_PROVIDER = "invalid_provider", HTTPStatus.BAD_REQUEST
    INVALID_BUYER = "invalid_buyer", HTTPStatus.BAD_REQUEST
    INVALID_WEBHOOK = "invalid_webhook", HTTPStatus.BAD_REQUEST
    INVALID_AMOUNT = "invalid_amount", HTTPStatus.BAD_REQUEST
    NOT_REFUNDABLE = "not_refundable", HTTPStatus.BAD_REQUEST
    INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key", HTTPStatus.BAD_REQUEST
    INVALID_TOKEN = "invalid_token", HTTPStatus.BAD_REQUEST
    INVALID_MESSAGE = "invalid_message", HTTPStatus.BAD_REQUEST
    INVALID_BODY = "invalid_body", HTTPStatus.BAD_REQUEST
    INVALID_REPORT = "invalid_report", HTTPStatus.BAD_REQUEST
    INVALID_IMAGE = "invalid_image", HTTPStatus.BAD_REQUEST
    YOURSELF = "yourself", HTTPStatus.BAD_REQUEST
    INVALID_NOTE = "invalid_note", HTTPStatus.BAD_REQUEST
    INVALID_RECURRENCE = "invalid_recurrence", HTTPStatus.BAD_REQUEST
    TOO_MANY_DATES = "too_many_dates", HTTPStatus.BAD_REQUEST
    NOT_REPEATABLE = "not_repeatable", HTTPStatus.BAD_REQUEST
    INVALID_SCOPE = "invalid_scope", HTTPStatus.BAD_REQUEST
    # 402: the money did not come
    PAYMENT_DECLINED = "payment_declined", HTTPStatus.PAYMENT_REQUIRED
    # 401: who is asking is unknown or gone
    NOT_AUTHENTICATED = "not_authenticated", HTTPStatus.UNAUTHORIZED
    TOKEN_NOT_VALID = "token_not_valid", HTTPStatus.UNAUTHORIZED
    NO_ACTIVE_ACCOUNT = "no_active_account", HTTPStatus.UNAUTHORIZED
    # 403: known, but not allowed
    NOT_ATTENDEE = "not_attendee", HTTPStatus.FORBIDDEN
    NOT_ALLOWED = "not_allowed", HTTPStatus.FORBIDDEN
    EMAIL_NOT_VERIFIED = "email_not_verified", HTTPStatus.FORBIDDEN
    # 404: does not exist, or not for you to see
    NOT_FOUND = "not_found", HTTPStatus.NOT_FOUND
    UNKNOWN_TICKET = "unknown_ticket", HTTPStatus.NOT_FOUND
    # 409: conflicts with the current state
    EVENT_FULL = "event_full", HTTPStatus.CONFLICT
    TICKET_TYPE_FULL = "ticket_type_full", HTTPStatus.CONFLICT
    SEAT_TAKEN = "seat_taken", HTTPStatus.CONFLICT
    LAST_TICKET_TYPE = "last_ticket_type", HTTPStatus.CONFLICT
    ALREADY_BOOKED = "already_booked", HTTPStatus.CONFLICT
    ALREADY_CANCELLED = "already_cancelled", HTTPStatus.CONFLICT
    HAS_EVENTS = "has_events", HTTPStatus.CONFLICT
    HAS_BOOKINGS = "has_bookings", HTTPStatus.CONFLICT
    PROTECTED = "protected", HTTPStatus.CONFLICT
    HOLD_EXPIRED = "hold_expired", HTTPStatus.CONFLICT
    ALREADY_PAID = "already_paid", HTTPStatus.CONFLICT
    HAS_PAYMENTS = "has_payments", HTTPStatus.CONFLICT
    REQUEST_IN_PROGRESS = "request_in_progress", HTTPStatus.CONFLICT
    ALREADY_VERIFIED = "already_verified", HTTPStatus.CONFLICT
    ALREADY_CHECKED_IN = "already_checked_in", HTTPStatus.CONFLICT
    WRONG_EVENT = "wrong_event", HTTPStatus.CONFLICT
    TICKET_CANCELLED = "ticket_cancelled", HTTPStatus.CONFLICT
    NO_TICKET = "no_ticket", HTTPStatus.CONFLICT
    NO_RECIPIENTS = "no_recipients", HTTPStatus.CONFLICT
    ALREADY_FRIENDS = "already_friends", HTTPStatus.CONFLICT
    ALREADY_REQUESTED = "already_requested", HTTPStatus.CONFLICT
    ALREADY_ORGANIZER = "already_organizer", HTTPStatus.CONFLICT
    DECLINED_RECENTLY = "declined_recently", HTTPStatus.CONFLICT
    ALREADY_DECIDED = "already_decided", HTTPStatus.CONFLICT
    ALREADY_IN_SERIES = "already_in_series", HTTPStatus.CONFLICT
    # 422: a key sent again with a different request
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", HTTPStatus.UNPROCESSABLE_ENTITY
    # 429 and 503: try again later
    LOGIN_LOCKED = "login_locked", HTTPStatus.TOO_MANY_REQUESTS
    THROTTLED = "throttled", HTTPStatus.TOO_MANY_REQUESTS
    TOO_MANY_MESSAGES = "too_many_messages", HTTPStatus.TOO_MANY_REQUESTS
    SERVICE_UNAVAILABLE = "service_unavailable", HTTPStatus.SERVICE_UNAVAILABLE


class DomainError(Exception):
    """A refusal by a service: a stable machine-readable ``code`` and a plain-words message.

    ``field`` names the input the refusal is about, when there is one, so that
    forms and serializers can show the message beside that field.
    """

    def __init__(self, code: ErrorCode, message: str, *, field: str | None = None):
        if not isinstance(code, ErrorCode):
            raise TypeError(f"DomainError needs an ErrorCode, not {code!r}: add it to eventhub.errors.")
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self):
        return self.message


def raise_if(refusal: Exception | None) -> None:
    """Raise the refusal a check returned, if any: checks return refusals so pages can ask them first."""
    if refusal is not None:
        raise refusal
