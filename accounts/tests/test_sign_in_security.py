import pytest

from accounts.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"


def test_token_sign_in_locks_out_after_repeated_failures(api_client, attendee, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    for _ in range(3):
        assert api_client.post(TOKEN, {"username": attendee.username, "password": "nope"}).status_code == 401
    response = api_client.post(TOKEN, {"username": attendee.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert response.json()["code"] == "login_locked"
    assert "access" not in response.json()


def test_the_web_and_the_api_share_one_lockout(client, api_client, attendee, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    for _ in range(2):
        client.post("/accounts/login/", {"username": attendee.username, "password": "nope"})
    response = api_client.post(TOKEN, {"username": attendee.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429


def test_a_successful_token_sign_in_clears_the_failures(api_client, attendee, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    api_client.post(TOKEN, {"username": attendee.username, "password": "nope"})
    assert (
        api_client.post(TOKEN, {"username": attendee.username, "password": DEFAULT_PASSWORD}).status_code
        == 200
    )
    api_client.post(TOKEN, {"username": attendee.username, "password": "nope"})
    assert (
        api_client.post(TOKEN, {"username": attendee.username, "password": DEFAULT_PASSWORD}).status_code
        == 200
    )


def refresh_token_for(api_client, user):
    response = api_client.post(TOKEN, {"username": user.username, "password": DEFAULT_PASSWORD})
    return response.json()["refresh"]


def test_changing_the_password_on_the_api_revokes_refresh_tokens(api_client, attendee):
    refresh = refresh_token_for(api_client, attendee)
    api_client.force_authenticate(attendee)
    changed = api_client.post(
        "/api/users/me/password/",
        {"old_password": DEFAULT_PASSWORD, "new_password": "plum-orchard-42-sunrise"},
    )
    assert changed.status_code == 204
    api_client.force_authenticate(None)
    assert api_client.post("/api/auth/token/refresh/", {"refresh": refresh}).status_code == 401


def test_changing_the_password_on_the_site_revokes_refresh_tokens(client, api_client, attendee):
    refresh = refresh_token_for(api_client, attendee)
    client.force_login(attendee)
    new = "plum-orchard-42-sunrise"
    client.post(
        "/accounts/password/", {"old_password": DEFAULT_PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert api_client.post("/api/auth/token/refresh/", {"refresh": refresh}).status_code == 401
