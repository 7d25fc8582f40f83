"""Which emails one gets, and one's calendar feed address, on the profile page and /api/users/me/."""

import re

import pytest
from django.urls import reverse

from accounts.services import reset_calendar_token

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
ME = "/api/users/me/"
FEED = "/api/users/me/calendar-feed/"


def test_the_profile_offers_both_email_preferences_checked(client, attendee):
    client.force_login(attendee)
    page = client.get(PROFILE).text
    for name in ("email_reminders", "email_announcements"):
        assert re.search(rf'<input type="checkbox" name="{name}"[^>]* checked', page), name
    assert "An email the day before each event you booked." in page


def test_the_profile_turns_them_off_and_on(client, attendee):
    client.force_login(attendee)
    client.post(PROFILE, {"email": attendee.email, "timezone": "UTC", "email_announcements": "on"})
    attendee.refresh_from_db()
    assert (attendee.email_reminders, attendee.email_announcements) == (False, True)

    client.post(PROFILE, {"email": attendee.email, "timezone": "UTC", "email_reminders": "on"})
    attendee.refresh_from_db()
    assert (attendee.email_reminders, attendee.email_announcements) == (True, False)


def test_the_api_reads_and_writes_them(api_client, attendee):
    api_client.force_authenticate(attendee)
    assert api_client.get(ME).json()["email_reminders"] is True

    response = api_client.patch(ME, {"email_reminders": False})

    assert response.status_code == 200
    assert (response.json()["email_reminders"], response.json()["email_announcements"]) == (False, True)
    attendee.refresh_from_db()
    assert not attendee.email_reminders


def test_the_api_refuses_a_preference_that_is_not_a_yes_or_no(api_client, attendee):
    api_client.force_authenticate(attendee)
    response = api_client.patch(ME, {"email_announcements": "perhaps"})
    assert response.status_code == 400
    assert list(response.json()) == ["email_announcements"]


def test_the_calendar_feed_url_is_null_until_made_then_absolute(api_client, client, attendee):
    api_client.force_authenticate(attendee)
    assert api_client.get(ME).json()["calendar_feed_url"] is None

    made = api_client.post(FEED)

    assert made.status_code == 200
    url = made.json()["calendar_feed_url"]
    attendee.refresh_from_db()
    assert url == f"http://testserver/bookings/calendar/{attendee.calendar_token}.ics"
    assert api_client.get(ME).json()["calendar_feed_url"] == url
    assert client.get(url).status_code == 200


def test_making_a_new_feed_address_retires_the_old_one(api_client, client, attendee):
    api_client.force_authenticate(attendee)
    old = api_client.post(FEED).json()["calendar_feed_url"]
    new = api_client.post(FEED).json()["calendar_feed_url"]
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200


def test_the_feed_address_is_shown_to_its_owner_only(api_client, attendee, staff):
    reset_calendar_token(user=attendee)
    api_client.force_authenticate(staff)
    assert api_client.get(f"/api/users/{attendee.pk}/").json()["calendar_feed_url"] is None


def test_the_feed_address_needs_a_sign_in(api_client):
    assert api_client.post(FEED).status_code == 401
