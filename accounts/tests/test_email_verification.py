"""A new address is proven by opening the link sent to it; until then the site asks, and no publishing."""

import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from accounts import links, services
from accounts.models import User
from accounts.tests.factories import OrganizerFactory, UserFactory
from accounts.tests.mailbox import html_of, link_in, sent_to
from events.models import Event
from events.tests.factories import EventFactory
from events.tests.test_admin import change_data, change_url, messages_of, run_action

pytestmark = pytest.mark.django_db

BANNER = "Confirm your email address — we sent a link to"
RESEND = reverse("accounts:verify_resend")
STRONG = "plum-orchard-42-sunrise"
NOT_VERIFIED = "Confirm your email address before publishing"


@pytest.fixture
def unverified(db):
    return UserFactory(email_verified_at=None)


@pytest.fixture
def unverified_organizer(db):
    return OrganizerFactory(email_verified_at=None)


def verification_link(user: User) -> str:
    return reverse("accounts:verify_email", args=[links.email_verification_token(user)])


def sign_up(client, sends, **overrides):
    data = {"username": "newperson", "email": "new@example.com", "role": "attendee", "password1": STRONG}
    with sends():
        return client.post(
            reverse("accounts:signup"), {**data, "password2": STRONG, **overrides}, follow=True
        )


# The link ------------------------------------------------------------------------


def test_signing_up_on_the_site_emails_a_link_that_confirms_the_address(client, sends):
    page = sign_up(client, sends)
    user = User.objects.get(username="newperson")
    assert not user.email_verified
    assert BANNER in page.text
    [message] = sent_to("new@example.com")
    assert message.subject == "Confirm your email address on eventhub"
    assert "new@example.com" in message.body and "new@example.com" in html_of(message)

    confirmed = client.get(link_in(message))

    assert confirmed.status_code == 200
    assert "Your email address is confirmed" in confirmed.text
    assert BANNER not in confirmed.text
    user.refresh_from_db()
    assert user.email_verified


def test_an_organizer_is_told_the_email_opens_publishing(client, sends):
    sign_up(client, sends, role="organizer")
    [message] = mail.outbox
    assert "your events cannot be published" in message.body
    assert "your events cannot be published" in html_of(message)


def test_signing_up_on_the_api_emails_the_link_too(api_client, sends):
    body = {"username": "apiperson", "email": "api@example.com", "password": STRONG, "role": "organizer"}
    with sends():
        assert api_client.post("/api/auth/register/", body).status_code == 201
    [message] = sent_to("api@example.com")
    assert link_in(message).startswith("/accounts/verify/")


def test_the_link_works_signed_out_and_opening_it_again_changes_nothing(client, unverified):
    link = verification_link(unverified)
    assert "Your email address is confirmed" in client.get(link).text
    unverified.refresh_from_db()
    first = unverified.email_verified_at

    assert client.get(link).status_code == 200
    unverified.refresh_from_db()
    assert unverified.email_verified_at == first


def test_the_banner_shows_until_the_address_is_confirmed(client, unverified):
    client.force_login(unverified)
    page = client.get(reverse("events:list")).text
    assert BANNER in page and unverified.email in page
    assert f'action="{RESEND}"' in page

    client.get(verification_link(unverified))

    assert BANNER not in client.get(reverse("events:list")).text


def test_a_tampered_link_says_so_plainly(client, unverified):
    link = verification_link(unverified).replace("/verify/", "/verify/x")
    response = client.get(link)
    assert response.status_code == 400
    assert escape(services.VERIFY_LINK_INVALID) in response.text
    assert "Log in" in response.text  # signed out: sign in, then the banner offers a new link
    unverified.refresh_from_db()
    assert not unverified.email_verified


def test_an_expired_link_says_so_and_a_new_one_is_offered(client, unverified):
    four_days_ago = time.time() - timedelta(days=4).total_seconds()
    with mock.patch("time.time", return_value=four_days_ago):
        link = verification_link(unverified)
    client.force_login(unverified)

    response = client.get(link)

    assert response.status_code == 400
    assert escape(services.VERIFY_LINK_INVALID) in response.text
    assert "Send it again" in response.text
    unverified.refresh_from_db()
    assert not unverified.email_verified


def test_a_link_for_an_old_address_does_not_confirm_the_new_one(client, unverified):
    link = verification_link(unverified)
    unverified.email = "moved@example.com"
    unverified.save()

    assert client.get(link).status_code == 400
    unverified.refresh_from_db()
    assert not unverified.email_verified


def test_a_link_for_another_purpose_does_not_confirm(client, unverified):
    token = links.email_change_token(unverified, unverified.email)
    assert client.get(reverse("accounts:verify_email", args=[token])).status_code == 400


# Sending it again ----------------------------------------------------------------


def test_send_it_again_emails_a_new_link_and_returns_to_the_page(client, unverified, sends):
    client.force_login(unverified)
    with sends():
        response = client.post(RESEND, {"next": "/bookings/"})
    assert response.url == "/bookings/"
    [message] = sent_to(unverified.email)
    client.get(link_in(message))
    unverified.refresh_from_db()
    assert unverified.email_verified


def test_send_it_again_is_limited(client, unverified, sends, settings):
    settings.ACCOUNT_EMAILS_PER_RECIPIENT = 2
    client.force_login(unverified)
    with sends():
        pages = [client.post(RESEND, follow=True).text for _ in range(3)]
    assert len(mail.outbox) == 2
    assert services.EMAILS_THROTTLED in pages[2]
    assert services.EMAILS_THROTTLED not in pages[1]


def test_send_it_again_needs_an_unconfirmed_address(client, attendee, sends):
    client.force_login(attendee)
    with sends():
        page = client.post(RESEND, follow=True)
    assert services.ALREADY_VERIFIED in page.text
    assert mail.outbox == []


def test_the_api_shows_whether_the_address_is_confirmed_and_sends_the_link_again(
    api_client, unverified, sends
):
    api_client.force_authenticate(unverified)
    assert api_client.get("/api/users/me/").json()["email_verified"] is False
    with sends():
        response = api_client.post("/api/users/me/verify-email/")
    assert response.status_code == 202
    assert unverified.email in response.json()["detail"]

    api_client.get(link_in(mail.outbox[0]))  # the page, opened from the email
    unverified.refresh_from_db()

    assert api_client.get("/api/users/me/").json()["email_verified"] is True
    again = api_client.post("/api/users/me/verify-email/")
    assert (again.status_code, again.json()["code"]) == (409, "already_verified")


def test_the_api_limits_sending_it_again(api_client, unverified, settings):
    settings.ACCOUNT_EMAILS_PER_RECIPIENT = 1
    api_client.force_authenticate(unverified)
    statuses = [api_client.post("/api/users/me/verify-email/").status_code for _ in range(2)]
    assert statuses == [202, 429]
    assert api_client.post("/api/users/me/verify-email/").json()["code"] == "throttled"


# Publishing waits for a confirmed address ----------------------------------------


def event_body(**overrides):
    draft = EventFactory.build()
    return {
        "title": "Board games",
        "location": "Library",
        "starts_at": draft.starts_at.isoformat(),
        "ends_at": draft.ends_at.isoformat(),
        "capacity": 20,
        **overrides,
    }


def test_an_unconfirmed_organizer_cannot_publish_on_the_api(api_client, unverified_organizer):
    api_client.force_authenticate(unverified_organizer)
    draft = EventFactory(organizer=unverified_organizer, status=Event.Status.DRAFT)

    created = api_client.post("/api/events/", event_body(status="published"))
    published = api_client.patch(f"/api/events/{draft.pk}/", {"status": "published"})

    for response in (created, published):
        assert response.status_code == 403
        assert response.json()["code"] == "email_not_verified"
        assert NOT_VERIFIED in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT
    assert api_client.post("/api/events/", event_body()).status_code == 201  # drafts are fine


def test_a_confirmed_organizer_publishes_on_the_api(api_client, client, unverified_organizer):
    client.get(verification_link(unverified_organizer))
    unverified_organizer.refresh_from_db()
    api_client.force_authenticate(unverified_organizer)

    response = api_client.post("/api/events/", event_body(status="published"))

    assert response.status_code == 201
    assert response.json()["status"] == "published"


def test_an_unconfirmed_organizer_cannot_publish_in_the_admin(client, unverified_organizer):
    client.force_login(unverified_organizer)
    draft = EventFactory(organizer=unverified_organizer, status=Event.Status.DRAFT)

    form = client.post(change_url(draft), change_data(draft, status="published"))
    action = run_action(client, "publish_selected", [draft])

    assert form.status_code == 200
    assert any(NOT_VERIFIED in error for error in form.context["adminform"].form.errors["status"])
    assert any(NOT_VERIFIED in message for message in messages_of(action))
    draft.refresh_from_db()
    assert draft.status == Event.Status.DRAFT


def test_a_confirmed_organizer_publishes_in_the_admin(client, organizer):
    client.force_login(organizer)
    draft = EventFactory(organizer=organizer, status=Event.Status.DRAFT)
    run_action(client, "publish_selected", [draft])
    draft.refresh_from_db()
    assert draft.status == Event.Status.PUBLISHED


def test_staff_see_in_the_admin_when_an_address_was_confirmed(client, staff, attendee):
    client.force_login(staff)
    page = client.get(reverse("admin:accounts_user_change", args=[attendee.pk]))
    assert "Email verified at" in page.text
    assert 'name="email_verified_at"' not in page.text  # shown, not edited: only the link proves it
