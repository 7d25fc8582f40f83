"""Password reset by email: the site's pages, the API, the same answer for every address, the limits."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.throttling import SimpleRateThrottle

from accounts import links, services
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from accounts.tests.mailbox import html_of, link_in, sent_to
from eventhub.tests.test_edges_outages import CACHE_DOWN

pytestmark = pytest.mark.django_db

RESET = reverse("accounts:password_reset")
NEW_PASSWORD = "plum-orchard-42-sunrise"
API_RESET = "/api/auth/password-reset/"
API_CONFIRM = "/api/auth/password-reset/confirm/"


def ask(client, email, sends, **extra):
    with sends():
        return client.post(RESET, {"email": email}, follow=True, **extra)


def choose_password(client, link, password=NEW_PASSWORD):
    """Open the emailed link, as Django moves its token to the session, then send the new password twice."""
    form = client.get(link, follow=True)
    return client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def uid_and_token(link: str) -> dict:
    uid, token = link.strip("/").split("/")[-2:]
    return {"uid": uid, "token": token}


# Pages ---------------------------------------------------------------------------


def test_the_login_page_offers_a_password_reset(client):
    page = client.get(reverse("accounts:login"))
    assert f'href="{RESET}"' in page.text
    assert "Forgot your password?" in page.text


def test_the_reset_pages_have_the_sites_look(client):
    page = client.get(RESET)
    assert page.status_code == 200
    assert "css/site.css" in page.text
    assert "Forgot your password?" in page.text


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, attendee, sends):
    known = ask(client, attendee.email, sends)
    unknown = ask(client, "nobody@example.com", sends)

    assert known.redirect_chain == unknown.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    assert known.text == unknown.text
    assert services.RESET_LINK_SENT in known.text
    assert [message.to for message in mail.outbox] == [[attendee.email]]


def test_the_email_links_to_a_new_password_that_works(client, attendee, sends):
    ask(client, attendee.email.upper(), sends)  # any spelling of the address finds the account
    [message] = sent_to(attendee.email)
    assert message.subject == "Choose a new password for eventhub"
    assert attendee.username in message.body and attendee.username in html_of(message)
    assert "3\xa0days" in message.body

    done = choose_password(client, link_in(message))

    assert done.url == reverse("accounts:password_reset_complete")
    attendee.refresh_from_db()
    assert attendee.check_password(NEW_PASSWORD)
    signed_in = client.post(
        reverse("accounts:login"), {"username": attendee.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_a_used_link_is_refused(client, attendee, sends):
    ask(client, attendee.email, sends)
    link = link_in(mail.outbox[0])
    choose_password(client, link)

    again = client.get(link, follow=True)

    assert "This link does not work" in again.text
    assert services.RESET_LINK_INVALID in again.text
    assert f'href="{RESET}"' in again.text


def test_a_weak_password_is_refused_beside_its_field(client, attendee, sends):
    ask(client, attendee.email, sends)
    response = choose_password(client, link_in(mail.outbox[0]), password="12345678")
    assert "new_password2" in response.context["form"].errors
    attendee.refresh_from_db()
    assert attendee.check_password(DEFAULT_PASSWORD)


def test_inactive_accounts_and_accounts_without_a_password_get_nothing(client, sends):
    inactive = UserFactory(is_active=False)
    no_password = UserFactory(password=None)  # unusable: no password signs in
    for user in (inactive, no_password):
        assert services.RESET_LINK_SENT in ask(client, user.email, sends).text
    assert mail.outbox == []


def test_a_link_for_an_account_deactivated_since_does_not_work(client, attendee, sends):
    ask(client, attendee.email, sends)
    attendee.is_active = False
    attendee.save()
    assert "This link does not work" in client.get(link_in(mail.outbox[0]), follow=True).text


def test_a_reset_lifts_the_sign_in_lockout_of_the_username(client, attendee, sends, settings):
    settings.LOGIN_FAILURES_PER_USERNAME = 2
    login = reverse("accounts:login")
    for _ in range(3):
        client.post(login, {"username": attendee.username, "password": "wrong"})
    locked = client.post(login, {"username": attendee.username, "password": DEFAULT_PASSWORD})
    assert "Too many failed sign-in attempts" in locked.text

    ask(client, attendee.email, sends)
    choose_password(client, link_in(mail.outbox[0]))

    assert client.post(login, {"username": attendee.username, "password": NEW_PASSWORD}).status_code == 302


def test_the_reset_is_limited_per_address_asked_for_with_the_same_answer(client, attendee, sends, settings):
    settings.ACCOUNT_EMAILS_PER_RECIPIENT = 2
    answers = {ask(client, attendee.email, sends).text for _ in range(3)}
    assert len(answers) == 1
    assert len(mail.outbox) == 2


def test_the_reset_is_limited_per_client_address(client, sends, settings):
    settings.ACCOUNT_EMAILS_PER_ADDRESS = 2
    people = UserFactory.create_batch(3)
    for person in people:
        ask(client, person.email, sends, REMOTE_ADDR="203.0.113.7")
    ask(client, people[2].email, sends, REMOTE_ADDR="198.51.100.1")  # another address is not held back
    assert [message.to for message in mail.outbox] == [
        [people[0].email],
        [people[1].email],
        [people[2].email],
    ]


def test_the_reset_fails_closed_when_the_limits_cannot_be_counted(client, attendee, settings, sends):
    settings.CACHES = CACHE_DOWN
    response = ask(client, attendee.email, sends)
    assert response.status_code == 503
    assert services.EMAILS_UNAVAILABLE in response.text
    assert mail.outbox == []


# API -----------------------------------------------------------------------------


def test_api_reset_answers_202_with_one_body_whoever_asks(api_client, attendee, sends):
    with sends():
        known = api_client.post(API_RESET, {"email": attendee.email})
        unknown = api_client.post(API_RESET, {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json() == {"detail": services.RESET_LINK_SENT}
    assert [message.to for message in mail.outbox] == [[attendee.email]]


def test_api_reset_refuses_what_is_not_an_address(api_client):
    response = api_client.post(API_RESET, {"email": "not-an-address"})
    assert response.status_code == 400
    assert list(response.json()) == ["email"]


def test_api_confirm_sets_the_password_from_the_links_parts(api_client, attendee, sends):
    with sends():
        api_client.post(API_RESET, {"email": attendee.email})
    parts = uid_and_token(link_in(mail.outbox[0]))

    response = api_client.post(API_CONFIRM, {**parts, "new_password": NEW_PASSWORD})

    assert response.status_code == 204
    attendee.refresh_from_db()
    assert attendee.check_password(NEW_PASSWORD)
    again = api_client.post(API_CONFIRM, {**parts, "new_password": "another-" + NEW_PASSWORD})
    assert again.status_code == 400
    assert again.json() == {"detail": services.RESET_LINK_INVALID, "code": "invalid_token"}


@pytest.mark.parametrize("uid", ["attendee", "MTIzNDU2Nzg5", "!!", "A" * 64])
def test_api_confirm_refuses_a_made_up_link(api_client, attendee, uid):
    uid = links.password_reset_uid(attendee) if uid == "attendee" else uid
    response = api_client.post(API_CONFIRM, {"uid": uid, "token": "made-up", "new_password": NEW_PASSWORD})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_token"


def test_api_confirm_says_what_is_wrong_with_a_weak_password(api_client, attendee, sends):
    with sends():
        api_client.post(API_RESET, {"email": attendee.email})
    parts = uid_and_token(link_in(mail.outbox[0]))

    response = api_client.post(API_CONFIRM, {**parts, "new_password": "12345678"})

    assert response.status_code == 400
    assert "entirely numeric" in " ".join(response.json()["new_password"])


def test_api_reset_endpoints_share_the_strict_auth_rate(api_client, monkeypatch):
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "2/min")
    statuses = [api_client.post(API_RESET, {"email": "someone@example.com"}).status_code for _ in range(3)]
    statuses.append(api_client.post(API_CONFIRM, {}).status_code)
    assert statuses == [202, 202, 429, 429]
