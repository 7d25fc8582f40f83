"""The one error shape: {detail, code} for refusals, DRF's field map for validation, JSON only."""

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError
from django.test import Client

from eventhub.api_errors import exception_handler
from eventhub.errors import DomainError, ErrorCode
from events.api import EventViewSet

CONTEXT = {"view": None, "request": None}


@pytest.mark.parametrize("code", list(ErrorCode))
def test_domain_error_code_maps_to_its_status(code):
    response = exception_handler(DomainError(code, "Plain words."), CONTEXT)

    assert response.status_code == code.http_status
    assert response.data == {"detail": "Plain words.", "code": code.value}


@pytest.mark.parametrize(
    ("code", "status"),
    [("event_full", 409), ("not_found", 404), ("not_attendee", 403), ("token_not_valid", 401)],
)
def test_codes_keep_their_documented_statuses(code, status):
    assert ErrorCode(code).http_status == status


def test_a_code_missing_from_the_table_cannot_be_raised():
    with pytest.raises(TypeError, match="ErrorCode"):
        DomainError("something_new", "No.")


def test_domain_error_about_a_field_is_a_field_error():
    response = exception_handler(
        DomainError(ErrorCode.CAPACITY_BELOW_BOOKED, "Too low.", field="capacity"), CONTEXT
    )

    assert response.status_code == 400
    assert response.data == {"capacity": ["Too low."]}


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (DjangoValidationError({"ends_at": "Too early."}), {"ends_at": ["Too early."]}),
        (DjangoValidationError({"__all__": "Clash."}), {"non_field_errors": ["Clash."]}),
        (DjangoValidationError("Broken."), {"non_field_errors": ["Broken."]}),
    ],
)
def test_model_validation_error_becomes_field_errors(error, expected):
    response = exception_handler(error, CONTEXT)

    assert response.status_code == 400
    assert response.data == expected


def test_protected_error_is_a_409():
    response = exception_handler(ProtectedError("in use", set()), CONTEXT)

    assert response.status_code == 409
    assert response.data["code"] == "protected"


@pytest.mark.django_db
def test_unexpected_error_is_a_json_500_without_traceback(api_client, monkeypatch, caplog):
    def explode(self):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(EventViewSet, "get_queryset", explode)

    response = api_client.get("/api/events/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Something went wrong on our side. Please try again later.",
        "code": "server_error",
    }
    assert "secret internals" in caplog.text


@pytest.mark.parametrize("address", ["/api/no-such-thing/", "/api/bookings/a%0Ab/cancel/"])
def test_unknown_api_address_is_a_json_404(client, address):
    response = client.get(address)

    assert response.status_code == 404
    assert response.json() == {"detail": "There is no API endpoint at this address.", "code": "not_found"}


def test_unknown_api_address_answers_a_post_with_the_json_404_not_the_csrf_page():
    response = Client(enforce_csrf_checks=True).post("/api/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_api_address_without_slash_redirects_then_answers_json(client):
    response = client.get("/api/no-such-thing", follow=True)

    assert response.redirect_chain == [("/api/no-such-thing/", 301)]
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_wrong_method_is_a_405_in_the_error_shape(api_client, attendee):
    api_client.force_authenticate(attendee)

    response = api_client.delete("/api/events/")

    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.', "code": "method_not_allowed"}


@pytest.mark.django_db
def test_malformed_json_is_a_400_parse_error(api_client):
    response = api_client.post("/api/auth/register/", "{oops", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


@pytest.mark.django_db
def test_invalid_bearer_token_is_a_401_in_the_error_shape(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api_client.get("/api/users/me/")

    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "token_not_valid"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.django_db
def test_anonymous_on_a_private_endpoint_is_a_401(api_client):
    response = api_client.get("/api/bookings/")

    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
