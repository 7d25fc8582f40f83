"""Faults, abuse and bad input meet a clear answer; nothing is half written."""

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD
from bookings import services
from bookings.models import Booking
from eventhub.logging import JsonFormatter

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
LOGIN = reverse("accounts:login")


def test_unknown_page_is_a_404_in_the_site_look(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "We couldn't find that page" in response.text
    assert "css/site.css" in response.text


def test_a_bad_host_gets_the_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "didn't make sense" in response.text


def test_a_crash_gets_the_friendly_500_page(client, monkeypatch):
    client.raise_request_exception = False
    monkeypatch.setattr("events.views.EventListView.get_queryset", lambda self: 1 / 0)
    response = client.get("/")
    assert response.status_code == 500
    assert "something went wrong on our side" in response.text
    assert "Traceback" not in response.text


def test_a_form_without_csrf_gets_a_plain_403(attendee, published_event):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(attendee)
    response = client.post(reverse("bookings:book", kwargs={"event_id": published_event.pk}))
    assert response.status_code == 403
    assert "That form had expired" in response.text


def test_database_down_mid_booking_shows_503_and_writes_nothing(
    client, attendee, published_event, monkeypatch
):
    def database_gone(*args):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("bookings.services._lock_event_noting_booking", database_gone)
    client.force_login(attendee)
    response = client.post(reverse("bookings:book", kwargs={"event_id": published_event.pk}))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "nothing was half-done" in response.text
    assert not Booking.objects.exists()
    call_command("check_booking_counters")


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/")["X-Request-ID"]) == 32
    assert client.get("/", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    assert client.get("/", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"] != "bad id\nwith newline"


def test_security_headers_on_pages(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy


def test_pages_need_no_inline_styles_or_scripts(client, attendee, published_event):
    client.force_login(attendee)
    for url in (
        "/",
        published_event.get_absolute_url(),
        reverse("bookings:mine"),
        reverse("accounts:profile"),
    ):
        html = client.get(url).text
        assert "style=" not in html, url
        assert "<script" not in html, url


def log_lines(caplog, action):
    return [r for r in caplog.records if getattr(r, "event_data", {}).get("action") == action]


def test_booking_cancel_and_promotion_each_log_one_structured_line(
    attendee, other_attendee, caplog, django_capture_on_commit_callbacks
):
    from events.tests.factories import EventFactory

    event = EventFactory(capacity=1)
    caplog.set_level(logging.INFO, logger="eventhub")
    with django_capture_on_commit_callbacks(execute=True):
        mine = services.book(user=attendee, event=event)
        services.book(user=other_attendee, event=event, waitlist=True)
        services.cancel_booking(booking=mine, by=attendee)
    created = log_lines(caplog, "booking.created")
    assert [r.event_data["user_id"] for r in created] == [attendee.pk, other_attendee.pk]
    assert log_lines(caplog, "booking.cancelled")[0].event_data["event_id"] == event.pk
    assert log_lines(caplog, "booking.promoted")[0].event_data["user_id"] == other_attendee.pk
    line = json.loads(JsonFormatter().format(created[0]))
    assert {"time", "level", "message", "request_id", "user_id", "event_id", "booking_id"} <= line.keys()


def test_failed_sign_in_is_logged_without_the_password(client, attendee, caplog):
    caplog.set_level(logging.INFO, logger="eventhub")
    client.post(LOGIN, {"username": attendee.username, "password": "wrong-password"})
    (record,) = log_lines(caplog, "login.failed")
    assert record.event_data["username"] == attendee.username
    assert "wrong-password" not in json.dumps(record.event_data)


def failed_login(client, username, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": "nope"}, REMOTE_ADDR=address)


def test_repeated_failures_lock_the_username_out(client, attendee, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    for _ in range(3):
        failed_login(client, attendee.username)
    response = client.post(
        LOGIN, {"username": attendee.username, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_address_out(client, attendee, other_attendee, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    for n in range(3):
        failed_login(client, f"someone{n}", address="10.0.0.7")
    response = client.post(
        LOGIN, {"username": attendee.username, "password": DEFAULT_PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert "Too many failed sign-in attempts" in response.text
    ok = client.post(LOGIN, {"username": other_attendee.username, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302  # another address is not locked out


def test_a_successful_sign_in_clears_the_failures(client, attendee, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    failed_login(client, attendee.username)
    failed_login(client, attendee.username)
    client.post(LOGIN, {"username": attendee.username, "password": DEFAULT_PASSWORD})
    client.post(reverse("accounts:logout"))
    failed_login(client, attendee.username)
    failed_login(client, attendee.username)
    ok = client.post(LOGIN, {"username": attendee.username, "password": DEFAULT_PASSWORD})
    assert ok.status_code == 302


REDIS = os.environ.get("CACHE_URL", "").startswith("redis")


def run_in_another_process(code):
    """Run Django code in a separate process with the same environment (and so the same cache)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "eventhub.settings"}
    env.setdefault("SECRET_KEY", "insecure-key-for-the-test-suite-only")
    setup = "import django; django.setup()\n"
    result = subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.redis
def test_login_lockout_is_shared_between_app_processes(attendee, settings, rf):
    from accounts.services import sign_in
    from eventhub.errors import DomainError

    limit = settings.LOGIN_FAILURES_PER_USERNAME
    # The other process counts attempts the way sign_in does before it checks a password.
    run_in_another_process(
        "from accounts.services import _take_attempt\n"
        f"for _ in range({limit}): _take_attempt(username={attendee.username!r}, address='10.1.1.1')\n"
    )
    request = rf.post("/accounts/login/", REMOTE_ADDR="10.2.2.2")
    with pytest.raises(DomainError) as refusal:
        sign_in(request=request, username=attendee.username, password=DEFAULT_PASSWORD)
    assert refusal.value.code == "login_locked"


def test_database_down_mid_booking_gives_the_api_a_json_503(
    api_client, attendee, published_event, monkeypatch
):
    def database_gone(*args):
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr("bookings.services._lock_event_noting_booking", database_gone)
    api_client.force_authenticate(attendee)
    response = api_client.post("/api/bookings/", {"event": published_event.pk}, format="json")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json()["code"] == "service_unavailable"
    assert not Booking.objects.exists()
    call_command("check_booking_counters")


def test_public_event_data_names_the_organizer_by_username_only(client, api_client, published_event):
    email = published_event.organizer.email
    assert email not in client.get(published_event.get_absolute_url()).text
    assert email not in client.get("/").text
    assert email not in api_client.get("/api/events/").content.decode()
    assert email not in api_client.get(f"/api/events/{published_event.pk}/").content.decode()


def test_an_attendees_email_is_shown_only_to_them_their_events_organizer_and_staff(
    api_client, attendee, other_attendee, other_organizer, staff, published_event
):
    booking = services.book(user=attendee, event=published_event)
    seen_by = {}
    for viewer in (attendee, other_attendee, published_event.organizer, other_organizer, staff):
        api_client.force_authenticate(viewer)
        bodies = [
            api_client.get("/api/bookings/").content,
            api_client.get(f"/api/bookings/{booking.pk}/").content,
            api_client.get(f"/api/events/{published_event.pk}/bookings/").content,
            api_client.get(f"/api/users/{attendee.pk}/").content,
        ]
        seen_by[viewer.username] = any(attendee.email.encode() in body for body in bodies)
    assert seen_by == {
        attendee.username: True,
        other_attendee.username: False,
        published_event.organizer.username: True,
        other_organizer.username: False,
        staff.username: True,
    }


@pytest.mark.redis
def test_api_throttle_counts_are_shared_between_app_processes(api_client):
    """Another process uses up this address's anonymous allowance; this process then refuses it."""
    run_in_another_process(
        "from django.test import RequestFactory\n"
        "from rest_framework.request import Request\n"
        "from eventhub.throttling import AnonRateThrottle\n"
        "request = Request(RequestFactory().get('/api/events/', REMOTE_ADDR='10.9.9.9'))\n"
        "limit = AnonRateThrottle().num_requests\n"
        "allowed = [AnonRateThrottle().allow_request(request, None) for _ in range(limit)]\n"
        "assert all(allowed), allowed\n"
    )
    response = api_client.get("/api/events/", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert api_client.get("/api/events/", REMOTE_ADDR="10.9.9.8").status_code == 200
