"""One client address for throttles and logs: X-Forwarded-For counts only as far as trusted proxies vouch."""

import json
import logging

import pytest
from rest_framework.throttling import SimpleRateThrottle

from eventhub.logging import JsonFormatter

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_per_minute(monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "2/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "2/min")


def statuses(api_client, forwarded_for, remote_addr="10.0.0.2"):
    return [
        api_client.get("/api/events/", HTTP_X_FORWARDED_FOR=value, REMOTE_ADDR=remote_addr).status_code
        for value in forwarded_for
    ]


def test_a_rotating_x_forwarded_for_is_still_throttled_without_trusted_proxies(
    api_client, settings, two_per_minute
):
    settings.TRUSTED_PROXY_COUNT = 0
    assert statuses(api_client, ["198.51.100.1", "198.51.100.2", "198.51.100.3"]) == [200, 200, 429]


def test_behind_one_trusted_proxy_the_last_forwarded_address_is_the_client(
    api_client, settings, two_per_minute
):
    settings.TRUSTED_PROXY_COUNT = 1
    # What the client wrote to the left of the proxy's entry is ignored...
    same_client = ["6.6.6.6, 203.0.113.7", "7.7.7.7, 203.0.113.7", "203.0.113.7"]
    assert statuses(api_client, same_client) == [200, 200, 429]
    # ...and another client behind the same proxy has its own allowance.
    assert statuses(api_client, ["6.6.6.6, 203.0.113.8"]) == [200]


def test_the_auth_scope_counts_the_same_client_address(api_client, settings, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "1/min")
    settings.TRUSTED_PROXY_COUNT = 0
    tries = [
        api_client.post("/api/auth/token/", {}, HTTP_X_FORWARDED_FOR=forwarded).status_code
        for forwarded in ("198.51.100.1", "198.51.100.2")
    ]
    assert tries == [400, 429]


def test_log_lines_carry_the_client_address(api_client, settings, caplog):
    settings.TRUSTED_PROXY_COUNT = 1
    api_client.get("/api/events/?search=%00", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    (record,) = [r for r in caplog.records if r.getMessage().startswith("malformed request refused")]
    line = json.loads(JsonFormatter().format(record))
    assert line["client_address"] == "203.0.113.9"
    assert line["level"] == logging.getLevelName(logging.WARNING)
