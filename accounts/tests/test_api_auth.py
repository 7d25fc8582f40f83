"""/api/auth/: sign-up, JWT sign-in with claims, rotation, sign-out and the strict "auth" rate."""

import pytest
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/auth/register/"
TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
ME = "/api/users/me/"


SIGN_UP = {
    "username": "ada",
    "email": "ada@example.com",
    "password": "analytical-engine-1843",
    "role": "attendee",
}


def sign_up(**overrides) -> dict:
    return SIGN_UP | overrides


def tokens_for(client, user) -> dict:
    response = client.post(TOKEN, {"username": user.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    return response.json()


# Sign-up -----------------------------------------------------------------------


def test_register_creates_an_account_without_echoing_the_password(api_client):
    response = api_client.post(REGISTER, sign_up(role="organizer"))

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "username", "email", "role"}
    assert body["role"] == "organizer"
    user = User.objects.get(pk=body["id"])
    assert user.check_password("analytical-engine-1843")
    assert user.is_organizer


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "12345678"}, "password"),
        ({"password": "ada"}, "password"),
        ({"password": "adalovelace", "username": "adalovelace"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"role": "admin"}, "role"),
        ({"username": "ada lovelace!"}, "username"),
    ],
)
def test_register_refuses_bad_input_with_a_field_error(api_client, overrides, field):
    response = api_client.post(REGISTER, sign_up(**overrides))

    assert response.status_code == 400
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    ("overrides", "field"), [({"username": "ADA"}, "username"), ({"email": "ADA@Example.com"}, "email")]
)
def test_register_refuses_a_taken_username_or_email_in_any_case(api_client, overrides, field):
    UserFactory(username="ada", email="ada@example.com")

    other_person = sign_up(username="grace", email="grace@example.com")

    response = api_client.post(REGISTER, other_person | overrides)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_register_lists_every_missing_field(api_client):
    response = api_client.post(REGISTER, {})

    assert set(response.json()) == {"username", "email", "password", "role"}


# Tokens ------------------------------------------------------------------------


def test_token_carries_role_and_username_claims(api_client, organizer):
    pair = tokens_for(api_client, organizer)

    assert set(pair) == {"access", "refresh"}
    access = AccessToken(pair["access"])
    assert access["role"] == "organizer"
    assert access["username"] == organizer.username
    assert access["user_id"] == str(organizer.pk)


def test_access_token_signs_you_in(api_client, attendee):
    pair = tokens_for(api_client, attendee)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")

    assert api_client.get(ME).json()["username"] == attendee.username


def test_bad_credentials_are_a_401(api_client, attendee):
    response = api_client.post(TOKEN, {"username": attendee.username, "password": "wrong"})

    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"
    assert set(response.json()) == {"detail", "code"}


def test_refresh_rotates_and_the_used_refresh_token_is_refused(api_client, attendee):
    pair = tokens_for(api_client, attendee)

    first = api_client.post(REFRESH, {"refresh": pair["refresh"]})
    again = api_client.post(REFRESH, {"refresh": pair["refresh"]})

    assert first.status_code == 200
    assert set(first.json()) == {"access", "refresh"}
    assert first.json()["refresh"] != pair["refresh"]
    assert AccessToken(first.json()["access"])["role"] == "attendee"
    assert again.status_code == 401
    assert again.json()["code"] == "token_not_valid"
    assert api_client.post(REFRESH, {"refresh": first.json()["refresh"]}).status_code == 200


def test_logout_blacklists_the_refresh_token(api_client, attendee):
    pair = tokens_for(api_client, attendee)

    response = api_client.post(LOGOUT, {"refresh": pair["refresh"]})

    assert response.status_code == 205
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}).status_code == 401


def test_logout_with_a_bad_token_is_a_401(api_client):
    response = api_client.post(LOGOUT, {"refresh": "not-a-token"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_sign_in_ignores_a_stale_access_token(api_client, attendee):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer expired.or.garbage")

    assert (
        api_client.post(TOKEN, {"username": attendee.username, "password": DEFAULT_PASSWORD}).status_code
        == 200
    )


# Throttling ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "body"),
    [(TOKEN, {"username": "nobody", "password": "x"}), (REGISTER, {}), (REFRESH, {"refresh": "x"})],
)
def test_auth_endpoints_share_the_strict_auth_rate(api_client, monkeypatch, url, body):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "2/min")

    statuses = [api_client.post(url, body).status_code for _ in range(3)]

    assert statuses[2] == 429
    assert 429 not in statuses[:2]
    throttled = api_client.post(url, body)
    assert int(throttled["Retry-After"]) > 0
    assert throttled.json()["code"] == "throttled"


def test_jwt_authentication_costs_one_query(api_client, attendee, django_assert_num_queries):
    access = AccessToken.for_user(attendee)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")

    with django_assert_num_queries(1):  # the user lookup; /me/ itself reads nothing more
        response = api_client.get(ME)

    assert response.status_code == 200
