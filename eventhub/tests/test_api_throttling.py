"""Anonymous and signed-in callers are rate limited; a 429 says when to come back."""

import pytest
from rest_framework.throttling import SimpleRateThrottle

pytestmark = pytest.mark.django_db


def test_anonymous_rate_limit_answers_429_with_retry_after(api_client, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")

    statuses = [api_client.get("/api/events/").status_code for _ in range(3)]
    response = api_client.get("/api/events/")

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["code"] == "throttled"


def test_signed_in_rate_limit_counts_per_user(api_client, monkeypatch, attendee, other_attendee):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "1/min")
    api_client.force_authenticate(attendee)
    api_client.get("/api/bookings/")

    throttled = api_client.get("/api/bookings/")
    api_client.force_authenticate(other_attendee)

    assert throttled.status_code == 429
    assert api_client.get("/api/bookings/").status_code == 200
