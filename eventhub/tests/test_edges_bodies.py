"""Malformed and oversized bodies get a 400 or 413 in plain words: never a 500, never an ERROR line."""

import io
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import RequestDataTooBig
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from accounts.tests.factories import UserFactory
from bookings.tests.factories import make_booking
from eventhub.parsers import FormParser, JSONParser
from events.models import Question
from events.tests.factories import TicketTypeFactory
from payments.services import confirm_payment, start_payment

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"

# Every API operation that reads a body, with who calls it so that the body is actually read.
BODY_OPERATIONS = [
    ("POST", "/api/auth/register/", None),
    ("POST", "/api/auth/token/", None),
    ("POST", "/api/auth/token/refresh/", None),
    ("POST", "/api/auth/logout/", None),
    ("POST", "/api/auth/password-reset/", None),
    ("POST", "/api/auth/password-reset/confirm/", None),
    ("POST", "/api/bookings/", "attendee"),
    ("POST", "/api/bookings/{id}/change/", "attendee"),
    ("POST", "/api/bookings/{id}/answers/", "attendee"),
    ("POST", "/api/bookings/{id}/pay/", "attendee"),
    ("POST", "/api/payments/{id}/refund/", "organizer"),
    ("POST", "/api/events/", "organizer"),
    ("PUT", "/api/events/{id}/", "organizer"),
    ("PATCH", "/api/events/{id}/", "organizer"),
    ("PUT", "/api/events/{id}/image/", "organizer"),
    ("POST", "/api/events/{event_id}/ticket-types/", "organizer"),
    ("PATCH", "/api/events/{event_id}/ticket-types/{id}/", "organizer"),
    ("POST", "/api/events/{event_id}/questions/", "organizer"),
    ("PATCH", "/api/events/{event_id}/questions/{id}/", "organizer"),
    ("POST", "/api/events/{event_id}/check-ins/", "organizer"),
    ("POST", "/api/series/", "organizer"),
    ("PATCH", "/api/users/{id}/", "attendee"),
    ("PATCH", "/api/users/me/", "attendee"),
    ("POST", "/api/users/me/password/", "attendee"),
    ("POST", "/api/users/me/organizer-request/", "attendee"),
    ("POST", "/api/friends/requests/", "attendee"),
    ("POST", "/api/blocks/", "attendee"),
    ("POST", "/api/posts/", "attendee"),
    ("PATCH", "/api/posts/{id}/", "attendee"),
    ("POST", "/api/posts/{id}/share/", "attendee"),
    ("POST", "/api/posts/{post_id}/comments/", "attendee"),
    ("PATCH", "/api/comments/{id}/", "attendee"),
    ("POST", "/api/conversations/", "attendee"),
    ("POST", "/api/conversations/{conversation_id}/messages/", "attendee"),
    ("POST", "/api/reports/", "attendee"),
]

DEEP_JSON = b"[" * 100_000 + b"]" * 100_000


def form_fields(count: int) -> str:
    return "&".join(f"field{n}=x" for n in range(count))


def multipart_fields(count: int) -> bytes:
    part = '--edge\r\nContent-Disposition: form-data; name="field{}"\r\n\r\nx\r\n'
    return ("".join(part.format(n) for n in range(count)) + "--edge--\r\n").encode()


MALFORMED = {
    "json nested 100,000 deep": ("application/json", DEEP_JSON, 400, "parse_error"),
    "1,001 form fields": ("application/x-www-form-urlencoded", form_fields(1001), 400, "too_many_fields"),
    "1,001 multipart fields": (
        "multipart/form-data; boundary=edge",
        multipart_fields(1001),
        400,
        "too_many_fields",
    ),
    "json past the upload limit": (
        "application/json",
        b'{"a": "' + b"x" * 3_000_000 + b'"}',
        413,
        "request_too_large",
    ),
    "form past the upload limit": (
        "application/x-www-form-urlencoded",
        "a=" + "x" * 3_000_000,
        413,
        "request_too_large",
    ),
}


def address(path, user, event) -> str:
    """``path`` with ids of rows that exist, so the view gets as far as reading the body."""
    if "ticket-types/{id}" in path:
        row_id = event.ticket_types.first().pk
    elif "questions/{id}" in path:
        row_id = Question.objects.create(event=event, label="Dietary needs").pk
    elif "payments/{id}" in path:
        row_id = paid_payment(event).pk
    elif "bookings/{id}" in path:
        row_id = make_booking(user=user, event=event).pk
    else:
        row_id = event.pk if "events" in path else getattr(user, "pk", 0)
    return path.format(event_id=event.pk, post_id=row_id, conversation_id=row_id, id=row_id)


def paid_payment(event):
    """A card payment for a ticket of ``event``, paid, so its organizer may refund it."""
    priced = TicketTypeFactory(event=event, name="Paid", price=Decimal("10.00"), capacity=5)
    buyer = UserFactory(role="attendee")
    booking = make_booking(user=buyer, event=event, ticket_type=priced)
    checkout = start_payment(booking=booking, provider_name="test_card", buyer={"name": "Ann"}, by=buyer)
    return confirm_payment(payment=checkout.payment)


def no_errors_logged(caplog):
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR] == []


def test_every_api_operation_with_a_body_is_probed():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    with_body = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    }
    assert with_body == {(method, path) for method, path, _ in BODY_OPERATIONS}


@pytest.mark.parametrize(("method", "path", "caller"), BODY_OPERATIONS)
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_gets_a_4xx_in_the_api_error_shape(
    method, path, caller, body, request, published_event, caplog
):
    content_type, data, status, code = body
    client = Client(raise_request_exception=False)
    user = request.getfixturevalue(caller) if caller else None  # "organizer" is published_event's
    if user:
        client.force_login(user)
    response = client.generic(method, address(path, user, published_event), data, content_type=content_type)

    assert response.status_code == status
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == code
    assert no_errors_logged(caplog)


def test_too_many_fields_on_a_page_get_the_400_page_and_no_error_line(client, caplog):
    response = client.post(LOGIN, form_fields(1001), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "didn't make sense" in response.text
    assert "css/site.css" in response.text
    assert no_errors_logged(caplog)
    assert any(record.levelno == logging.WARNING for record in caplog.records)


def test_a_body_too_large_for_a_page_gets_the_413_page_and_no_error_line(client, caplog):
    response = client.post(LOGIN, "a=" + "x" * 3_000_000, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "larger than this site accepts" in response.text
    assert "css/site.css" in response.text
    assert no_errors_logged(caplog)


def test_a_page_refuses_a_charset_that_is_no_text_encoding(caplog):
    body = b'--edge\r\nContent-Disposition: form-data; name="username"\r\n\r\nx\r\n--edge--\r\n'
    client = Client(raise_request_exception=False)
    response = client.generic(
        "POST", LOGIN, body, content_type="multipart/form-data; boundary=edge; charset=rot13"
    )
    assert response.status_code == 400
    assert "didn't make sense" in response.text
    assert no_errors_logged(caplog)


def test_a_bad_host_under_the_api_gets_json_and_no_error_line(api_client, caplog):
    response = api_client.get("/api/events/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The request could not be understood. Please check it and try again.",
        "code": "bad_request",
    }
    assert no_errors_logged(caplog)


@pytest.mark.parametrize("parser", [JSONParser, FormParser])
def test_a_body_without_a_length_is_read_no_further_than_the_limit(parser, settings):
    """A chunked body carries no Content-Length for Django to check first: the parser stops at the limit."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    stream = io.BytesIO(b"1" * 10_000)

    with pytest.raises(RequestDataTooBig):
        parser().parse(stream, parser.media_type, {})

    assert stream.tell() == 1_001


def test_a_body_within_the_limit_parses_as_usual(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    assert JSONParser().parse(io.BytesIO(b'{"event": 1}'), "application/json", {}) == {"event": 1}
