"""/api/users/: your profile and password; staff list accounts; deleting an account."""

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings.models import Booking
from bookings.tests.factories import make_booking

pytestmark = pytest.mark.django_db

ME = "/api/users/me/"
PASSWORD = "/api/users/me/password/"
LIST = "/api/users/"
USER_FIELDS = {
    "id",
    "username",
    "email",
    "email_verified",
    "role",
    "first_name",
    "last_name",
    "timezone",
    "email_reminders",
    "email_announcements",
    "display_name",
    "bio",
    "friends_see_my_events",
    "searchable",
    "calendar_feed_url",
    "date_joined",
}


def detail(user):
    return f"/api/users/{user.pk}/"


# Your profile ------------------------------------------------------------------


def test_me_shows_your_profile(api_client, attendee):
    api_client.force_authenticate(attendee)

    body = api_client.get(ME).json()

    assert set(body) == USER_FIELDS
    assert body["username"] == attendee.username
    assert body["role"] == "attendee"


def test_me_changes_the_time_zone_but_not_username_or_role(api_client, attendee):
    api_client.force_authenticate(attendee)

    response = api_client.patch(ME, {"timezone": "Europe/Paris", "username": "new", "role": "organizer"})

    assert response.status_code == 200
    attendee.refresh_from_db()
    assert attendee.timezone == "Europe/Paris"
    assert attendee.username != "new"
    assert attendee.role == "attendee"


def test_me_refuses_an_unknown_time_zone(api_client, attendee):
    api_client.force_authenticate(attendee)

    response = api_client.patch(ME, {"timezone": "Mars/Olympus"})

    assert response.status_code == 400
    assert list(response.json()) == ["timezone"]


# Password ----------------------------------------------------------------------


def test_password_change_needs_the_current_password(api_client, attendee):
    api_client.force_authenticate(attendee)

    response = api_client.post(PASSWORD, {"old_password": "wrong", "new_password": "brand-new-secret-42"})

    assert response.status_code == 400
    assert list(response.json()) == ["old_password"]


def test_password_change_validates_the_new_password(api_client, attendee):
    api_client.force_authenticate(attendee)

    response = api_client.post(PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": "123"})

    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]


def test_password_change_keeps_a_browser_session_signed_in(api_client, attendee):
    api_client.login(username=attendee.username, password=DEFAULT_PASSWORD)

    response = api_client.post(
        PASSWORD, {"old_password": DEFAULT_PASSWORD, "new_password": "brand-new-secret-42"}
    )

    assert response.status_code == 204
    attendee.refresh_from_db()
    assert attendee.check_password("brand-new-secret-42")
    assert api_client.get(ME).status_code == 200


def test_session_writes_need_the_csrf_token(attendee):
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=attendee.username, password=DEFAULT_PASSWORD)

    response = client.patch(ME, {"timezone": "Europe/Paris"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# Staff: the list -----------------------------------------------------------------


def test_staff_list_accounts_with_search(api_client, staff):
    UserFactory(username="grace", email="hopper@example.com")
    UserFactory(username="ada", email="ada@example.com")
    api_client.force_authenticate(staff)

    by_name = api_client.get(LIST, {"search": "GRA"}).json()
    by_email = api_client.get(LIST, {"search": "hopper"}).json()

    assert [u["username"] for u in by_name["results"]] == ["grace"]
    assert [u["username"] for u in by_email["results"]] == ["grace"]


def test_staff_list_is_paginated_with_fixed_queries(api_client, staff, django_assert_max_num_queries):
    UserFactory.create_batch(30)
    api_client.force_authenticate(staff)

    with django_assert_max_num_queries(2):
        body = api_client.get(LIST, {"page_size": 10}).json()

    assert body["count"] == 31
    assert len(body["results"]) == 10


@pytest.mark.parametrize("viewer", ["attendee", "organizer"])
def test_only_site_staff_list_accounts(request, api_client, viewer):
    api_client.force_authenticate(request.getfixturevalue(viewer))

    response = api_client.get(LIST)

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


# One account -------------------------------------------------------------------


def test_someone_elses_account_is_404(api_client, attendee, other_attendee):
    api_client.force_authenticate(other_attendee)

    assert api_client.get(detail(attendee)).status_code == 404
    assert api_client.patch(detail(attendee), {"timezone": "UTC"}).status_code == 404
    assert api_client.delete(detail(attendee)).status_code == 404


def test_staff_change_someone_elses_profile(api_client, staff, attendee):
    api_client.force_authenticate(staff)

    response = api_client.patch(detail(attendee), {"first_name": "Ada"})

    assert response.json()["first_name"] == "Ada"


def test_deleting_your_account_gives_your_seats_back(api_client, attendee, published_event):
    make_booking(user=attendee, event=published_event)
    api_client.force_authenticate(attendee)

    response = api_client.delete(detail(attendee))

    assert response.status_code == 204
    assert not User.objects.filter(pk=attendee.pk).exists()
    assert not Booking.objects.filter(user_id=attendee.pk).exists()
    published_event.refresh_from_db()
    assert published_event.booked_seats == 0


def test_organizer_with_events_cannot_delete_their_account(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.delete(detail(organizer))

    assert response.status_code == 409
    assert response.json()["code"] == "has_events"
