"""A dead database or cache gets a clear answer: the friendly 503, or browsing that carries on."""

import logging

import pytest
from django.db import OperationalError, connection
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import DEFAULT_PASSWORD
from eventhub.errors import DomainError, ErrorCode

pytestmark = pytest.mark.django_db

# A Redis cache on a port where nothing listens: every read and write is refused.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def database_down(execute, sql, params, many, context):
    raise OperationalError("could not connect to server: Connection refused")


def errors_logged(caplog):
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.fixture
def cache_down(settings):
    settings.CACHES = CACHE_DOWN


def test_a_signed_in_visitor_gets_the_503_page_when_the_database_is_down(client, attendee):
    client.force_login(attendee)
    with connection.execute_wrapper(database_down):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "nothing was half-done" in response.text
    assert "css/site.css" in response.text


def test_a_signed_in_api_caller_gets_a_json_503_when_the_database_is_down(client, attendee):
    client.force_login(attendee)
    with connection.execute_wrapper(database_down):
        response = client.get("/api/bookings/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"


def test_browsing_the_api_carries_on_unthrottled_when_the_cache_is_down(api_client, cache_down, caplog):
    response = api_client.get("/api/events/")
    assert response.status_code == 200
    assert errors_logged(caplog) == []
    (warning,) = [r for r in caplog.records if r.getMessage() == "throttle.cache_unavailable"]
    assert warning.levelno == logging.WARNING


def test_signed_in_api_calls_carry_on_when_the_cache_is_down(api_client, attendee, cache_down):
    api_client.force_authenticate(attendee)
    assert api_client.get("/api/bookings/").status_code == 200
    assert api_client.get("/api/users/me/").status_code == 200


def test_browsing_the_site_carries_on_when_the_cache_is_down(client, attendee, published_event, cache_down):
    client.force_login(attendee)
    for path in ("/", published_event.get_absolute_url(), "/bookings/", "/accounts/profile/"):
        assert client.get(path).status_code == 200, path


def auth_requests(attendee):
    return {
        "/api/auth/token/": {"username": attendee.username, "password": DEFAULT_PASSWORD},
        "/api/auth/register/": {
            "username": "newcomer",
            "email": "newcomer@example.com",
            "password": "s3cret-enough!",
            "role": "attendee",
        },
        "/api/auth/token/refresh/": {"refresh": str(RefreshToken.for_user(attendee))},
    }


@pytest.mark.parametrize("path", ["/api/auth/token/", "/api/auth/register/", "/api/auth/token/refresh/"])
def test_signing_in_and_up_fail_closed_when_the_cache_is_down(api_client, attendee, path, settings):
    """Without its counts, the strict "auth" rate cannot hold back password guessing: refuse for now."""
    body = auth_requests(attendee)[path]
    settings.CACHES = CACHE_DOWN
    response = api_client.post(path, body, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"


def test_a_service_that_cannot_reach_the_cache_answers_503_with_retry_after(
    api_client, attendee, published_event, monkeypatch
):
    def cache_gone(*args):
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE, "Booking is briefly unavailable. Please retry.")

    monkeypatch.setattr("bookings.services._lock_event_noting_booking", cache_gone)
    api_client.force_authenticate(attendee)
    response = api_client.post("/api/bookings/", {"event": published_event.pk}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "Booking is briefly unavailable. Please retry.",
        "code": "service_unavailable",
    }
