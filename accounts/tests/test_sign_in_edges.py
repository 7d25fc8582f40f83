"""One lockout for every way in, one spelling per account, refresh tokens redeemed once, no 500s."""

import threading
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import IntegrityError, connection
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.models import User, fold
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/auth/token/"
REFRESH = "/api/auth/token/refresh/"
REGISTER = "/api/auth/register/"
LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
BROKEN_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}
FULLWIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(ord("a"), ord("z") + 1)})


def fail_on_the_site(client, username, n=1):
    for _ in range(n):
        client.post(LOGIN, {"username": username, "password": "nope"})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# One lockout for every way in ----------------------------------------------------------------


def test_the_admin_sign_in_page_is_locked_with_the_site(client, organizer, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    fail_on_the_site(client, organizer.username, 3)
    response = client.post(ADMIN_LOGIN, {"username": organizer.username, "password": DEFAULT_PASSWORD})
    assert response.status_code == 200
    assert "Too many failed sign-in attempts" in response.text
    assert not signed_in(client)


def test_wrong_passwords_on_the_admin_page_lock_the_site_and_the_api(client, api_client, organizer, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    for _ in range(30):
        client.post(ADMIN_LOGIN, {"username": organizer.username, "password": "nope"})
    response = client.post(ADMIN_LOGIN, {"username": organizer.username, "password": DEFAULT_PASSWORD})
    assert not signed_in(client)
    assert "Too many failed sign-in attempts" in response.text
    api = api_client.post(TOKEN, {"username": organizer.username, "password": DEFAULT_PASSWORD})
    assert api.status_code == 429
    assert api.json()["code"] == "login_locked"


def test_a_fullwidth_spelling_counts_against_the_same_lockout(client, settings):
    UserFactory(username="alice")
    settings.LOGIN_FAILURES_PER_USERNAME = 3
    for spelling in ("ALICE", "alice".translate(FULLWIDTH), "Alice"):
        fail_on_the_site(client, spelling)
    response = client.post(LOGIN, {"username": "alice", "password": DEFAULT_PASSWORD})
    assert "Too many failed sign-in attempts" in response.text
    assert not signed_in(client)


def test_the_fullwidth_spelling_signs_in_to_the_same_account(api_client):
    UserFactory(username="alice")
    response = api_client.post(
        TOKEN, {"username": "alice".translate(FULLWIDTH), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 200


def test_the_api_password_change_is_limited_like_a_sign_in(api_client, attendee, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    api_client.force_authenticate(attendee)
    change = {"new_password": "plum-orchard-42-sunrise"}
    for _ in range(5):
        wrong = api_client.post("/api/users/me/password/", {**change, "old_password": "guess"})
        assert wrong.status_code == 400
    right = api_client.post("/api/users/me/password/", {**change, "old_password": DEFAULT_PASSWORD})
    assert right.status_code == 429
    assert right.json()["code"] == "login_locked"
    attendee.refresh_from_db()
    assert attendee.check_password(DEFAULT_PASSWORD)


@pytest.mark.parametrize("page", ["/accounts/password/", "/admin/password_change/"])
def test_the_site_and_admin_password_changes_are_limited_like_a_sign_in(client, organizer, settings, page):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    client.force_login(organizer)
    new = {"new_password1": "plum-orchard-42-sunrise", "new_password2": "plum-orchard-42-sunrise"}
    for _ in range(2):
        assert client.post(page, {**new, "old_password": "guess"}).status_code == 200
    response = client.post(page, {**new, "old_password": DEFAULT_PASSWORD})
    assert "Too many failed sign-in attempts" in response.text
    organizer.refresh_from_db()
    assert organizer.check_password(DEFAULT_PASSWORD)
    client.logout()
    client.post(LOGIN, {"username": organizer.username, "password": DEFAULT_PASSWORD})
    assert not signed_in(client)


def test_the_admin_password_change_still_changes_a_password(client, organizer):
    client.force_login(organizer)
    new = {"new_password1": "plum-orchard-42-sunrise", "new_password2": "plum-orchard-42-sunrise"}

    response = client.post("/admin/password_change/", {**new, "old_password": DEFAULT_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/admin/password_change/done/"
    organizer.refresh_from_db()
    assert organizer.check_password("plum-orchard-42-sunrise")


@override_settings(CACHES=BROKEN_CACHE)
def test_the_admin_sign_in_fails_closed_with_a_503_when_the_cache_is_down(client, organizer):
    response = client.post(ADMIN_LOGIN, {"username": organizer.username, "password": DEFAULT_PASSWORD})

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert not signed_in(client)


def test_password_guesses_from_one_address_lock_it_out_whatever_x_forwarded_for_says(client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    UserFactory(username="grace")
    for n in range(3):
        client.post(LOGIN, {"username": f"someone{n}", "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.9.0.{n}")
    response = client.post(
        LOGIN, {"username": "grace", "password": DEFAULT_PASSWORD}, HTTP_X_FORWARDED_FOR="10.9.9.9"
    )
    assert "Too many failed sign-in attempts" in response.text


@override_settings(CACHES=BROKEN_CACHE)
def test_sign_in_fails_closed_with_a_503_when_the_cache_is_down(client, api_client, attendee):
    page = client.post(LOGIN, {"username": attendee.username, "password": DEFAULT_PASSWORD})
    assert page.status_code == 503
    assert page["Retry-After"]
    assert "briefly unavailable" in page.text
    assert not signed_in(client)


@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_guesses_never_get_past_the_limit(attendee, settings):
    """16 guesses at once: exactly the limit are checked, every other one is refused as locked."""
    settings.LOGIN_FAILURES_PER_USERNAME = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 100
    statuses = race(16, lambda: APIClient().post(TOKEN, {"username": attendee.username, "password": "x"}))
    assert sorted(statuses) == [401] * 5 + [429] * 11


# One account per spelling; sign-up races ------------------------------------------------------


LOOK_ALIKES = [("tilda", "t\u0131LDA"), ("strasse", "STRA\u00dfE"), ("bob", "bob".translate(FULLWIDTH))]


@pytest.mark.parametrize(("first", "second"), LOOK_ALIKES)
def test_look_alike_usernames_are_taken(api_client, first, second):
    UserFactory(username=first)
    response = api_client.post(
        REGISTER,
        {
            "username": second,
            "email": "new@example.com",
            "password": "plum-orchard-42-sunrise",
            "role": "attendee",
        },
    )
    assert response.status_code == 400
    assert response.json() == {"username": ["That username is taken."]}


def test_the_database_refuses_two_accounts_with_one_folded_username():
    UserFactory(username="tilda")
    with pytest.raises(IntegrityError):
        UserFactory(username="tıLDA")  # noqa: RUF001 - the dotless i is the point


def test_the_database_refuses_two_accounts_with_one_folded_email():
    UserFactory(email="ada@example.com")
    with pytest.raises(IntegrityError):
        UserFactory(email="ADA@EXAMPLE.COM")


@pytest.mark.parametrize("spelling", ["TILDA", "tıLDA", "tılda"])  # noqa: RUF001
def test_sign_in_with_any_folding_spelling_never_crashes(client, spelling):
    UserFactory(username="tilda")
    response = client.post(LOGIN, {"username": spelling, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302


def test_fold_joins_the_spellings_databases_join():
    assert fold("ＡＬＩＣＥ") == fold("alice") == fold("Alice")  # noqa: RUF001
    assert fold("tıLDA") == fold("tilda")  # noqa: RUF001
    assert fold("STRAßE") == fold("strasse")


def test_a_sign_up_that_loses_the_race_is_told_the_name_is_taken(client):
    """Validation looked before the other sign-up committed: the database's unique key decides."""
    UserFactory(username="dana")
    data = {"username": "DANA", "email": "dana2@example.com", "password1": "plum-orchard-42-sunrise"}
    data |= {"password2": data["password1"], "role": "attendee"}
    with mock.patch("accounts.models.User.clean"):
        response = client.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"username": ["That username is taken."]}


def test_an_api_sign_up_that_loses_the_race_is_told_the_email_is_taken(api_client):
    UserFactory(username="erin", email="erin@example.com")
    body = {"username": "erin2", "email": "ERIN@example.com", "password": "plum-orchard-42-sunrise"}
    with mock.patch("accounts.serializers.RegisterSerializer.validate_email", side_effect=lambda v: v):
        response = api_client.post(REGISTER, {**body, "role": "attendee"})
    assert response.status_code == 400
    assert response.json() == {"email": ["An account with this email address already exists."]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_simultaneous_sign_ups_in_different_case_get_one_account_and_one_taken():
    for round_ in range(5):
        names = [f"racer{round_}", f"RACER{round_}"]
        responses = race(2, lambda i, names=names: sign_up_as(names[i]), raw=True, indexed=True)
        assert sorted(r.status_code for r in responses) == [201, 400]
        loser = next(r for r in responses if r.status_code == 400)
        assert loser.json() == {"username": ["That username is taken."]}


# Refresh tokens ---------------------------------------------------------------------------------


def token_pair(user):
    response = APIClient().post(TOKEN, {"username": user.username, "password": DEFAULT_PASSWORD})
    return response.json()


def test_a_refresh_token_works_once(api_client, attendee):
    refresh = token_pair(attendee)["refresh"]
    first = api_client.post(REFRESH, {"refresh": refresh})
    assert first.status_code == 200
    assert {"access", "refresh"} <= first.json().keys()
    second = api_client.post(REFRESH, {"refresh": refresh})
    assert second.status_code == 401
    assert api_client.post(REFRESH, {"refresh": first.json()["refresh"]}).status_code == 200


def test_a_refresh_token_replayed_past_the_blacklist_check_is_refused(api_client, attendee):
    """The blacklist row decides, even when the early check was passed (as a racing twin does)."""
    refresh = token_pair(attendee)["refresh"]
    assert api_client.post(REFRESH, {"refresh": refresh}).status_code == 200
    with mock.patch("rest_framework_simplejwt.tokens.RefreshToken.check_blacklist"):
        replay = api_client.post(REFRESH, {"refresh": refresh})
    assert replay.status_code == 401
    assert replay.json()["code"] == "token_not_valid"


def test_refreshing_the_token_of_a_deleted_account_is_401(api_client, attendee):
    refresh = token_pair(attendee)["refresh"]
    attendee.delete()
    response = api_client.post(REFRESH, {"refresh": refresh})
    assert response.status_code == 401
    assert response.json()["code"] == "no_active_account"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_refreshes_of_one_token_give_one_new_pair(attendee):
    for _ in range(10):
        cache.clear()  # the strict sign-in rate would stop the rounds, not the rule under test
        refresh = token_pair(attendee)["refresh"]
        statuses = race(2, lambda token=refresh: APIClient().post(REFRESH, {"refresh": token}))
        assert sorted(statuses) == [200, 401]


# Helpers ----------------------------------------------------------------------------------------


def sign_up_as(name):
    body = {"username": name, "email": f"{name}@example.com", "password": "plum-orchard-42-sunrise"}
    return APIClient().post(REGISTER, {**body, "role": "attendee"})


def race(n, call, raw=False, indexed=False):
    """Run ``call`` in ``n`` threads released together (given the thread's index when ``indexed``)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = call(i) if indexed else call()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results if raw else [r.status_code for r in results]


# Coming back to where you were ------------------------------------------------------------------


def test_signing_up_from_an_event_page_comes_back_to_it(client, published_event):
    page = client.get(published_event.get_absolute_url())
    signup_link = f"/accounts/signup/?next={published_event.get_absolute_url()}"
    assert f'href="{signup_link}"' in page.text
    form = client.get(signup_link)
    assert f'name="next" value="{published_event.get_absolute_url()}"' in form.text
    data = {"username": "newcomer", "email": "newcomer@example.com", "password1": "plum-orchard-42-sunrise"}
    data |= {"password2": data["password1"], "role": "attendee", "next": published_event.get_absolute_url()}
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 302
    assert response["Location"] == published_event.get_absolute_url()
    assert signed_in(client)


def test_sign_up_ignores_a_next_page_on_another_site(client):
    data = {"username": "newcomer", "email": "newcomer@example.com", "password1": "plum-orchard-42-sunrise"}
    data |= {"password2": data["password1"], "role": "attendee", "next": "https://evil.example.com/"}
    response = client.post("/accounts/signup/", data)
    assert response["Location"] == "/"


def test_bulk_created_accounts_get_their_folded_keys():
    User.objects.bulk_create(
        [User(username="Bulk1", email="B1@example.com"), User(username="bulk2", email="b2@x.org")]
    )
    assert User.objects.get_by_natural_key("BULK1").email == "B1@example.com"
    assert User.objects.is_taken("email", "b2@X.ORG")
