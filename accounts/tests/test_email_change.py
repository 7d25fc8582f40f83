"""A new email address takes effect only once the link sent to it is opened; the old address is told."""

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from accounts import links, services
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import ACTION_LINK, html_of, link_in, sent_to

pytestmark = pytest.mark.django_db

PROFILE = reverse("accounts:profile")
ME = "/api/users/me/"
NEW = "fresh@example.com"


def change_on_the_profile(client, user, sends, email=NEW):
    client.force_login(user)
    with sends():
        return client.post(PROFILE, {"email": email, "timezone": user.timezone}, follow=True)


def confirmation_link(user, new_email=NEW) -> str:
    return reverse("accounts:confirm_email_change", args=[links.email_change_token(user, new_email)])


def test_the_profile_asks_the_new_address_to_confirm_and_tells_the_old_one(client, attendee, sends):
    old = attendee.email
    page = change_on_the_profile(client, attendee, sends)

    attendee.refresh_from_db()
    assert attendee.email == old
    assert f"We emailed a link to {NEW}" in page.text
    assert f"Pending change to <strong>{NEW}</strong>" in page.text
    [confirm] = sent_to(NEW)
    assert confirm.subject == "Confirm your new email address on eventhub"
    assert old in confirm.body and old in html_of(confirm)
    [notice] = sent_to(old)
    assert notice.subject == "Your eventhub email address is about to change"
    assert NEW in notice.body and NEW in html_of(notice)
    assert not re.search(ACTION_LINK, notice.body + html_of(notice))  # told, but not given the link


def test_opening_the_link_changes_the_address_and_confirms_it(client, sends):
    person = UserFactory(email_verified_at=None)
    change_on_the_profile(client, person, sends)
    link = link_in(sent_to(NEW)[0])
    client.logout()  # the link is the credential: it works from any browser

    page = client.get(link)

    assert page.status_code == 200
    assert "Your email address is changed" in page.text
    person.refresh_from_db()
    assert person.email == NEW
    assert person.email_verified
    assert client.get(link).status_code == 200  # opened again: nothing more happens
    person.refresh_from_db()
    assert person.email == NEW


def test_the_profile_stops_showing_the_pending_change_once_it_is_made(client, attendee, sends):
    change_on_the_profile(client, attendee, sends)
    client.get(link_in(sent_to(NEW)[0]))
    page = client.get(PROFILE).text
    assert "Pending change" not in page
    assert NEW in page


def test_the_profile_saves_the_other_fields_at_once(client, attendee, sends):
    client.force_login(attendee)
    with sends():
        client.post(PROFILE, {"email": NEW, "timezone": "Europe/Paris"})
    attendee.refresh_from_db()
    assert attendee.timezone == "Europe/Paris"
    assert attendee.email != NEW


def test_an_address_in_use_is_refused_at_once(client, attendee, other_attendee, sends):
    page = change_on_the_profile(client, attendee, sends, email=other_attendee.email.upper())
    assert escape(services.EMAIL_TAKEN) in page.text
    assert mail.outbox == []


def test_an_address_taken_before_the_link_is_opened_is_refused_then(client, attendee, sends):
    link = confirmation_link(attendee)
    UserFactory(email=NEW.upper())

    page = client.get(link)

    assert page.status_code == 400
    assert f"{NEW} is now used by another account." in page.text
    old = attendee.email
    attendee.refresh_from_db()
    assert attendee.email == old


def test_a_link_from_before_another_change_is_refused(client, attendee):
    first = confirmation_link(attendee, "first@example.com")
    client.get(confirmation_link(attendee, "second@example.com"))

    page = client.get(first)

    assert page.status_code == 400
    assert escape(services.CHANGE_LINK_INVALID) in page.text
    attendee.refresh_from_db()
    assert attendee.email == "second@example.com"


def test_a_tampered_link_changes_nothing(client, attendee):
    page = client.get(confirmation_link(attendee)[:-3] + "xyz/")
    assert page.status_code == 400
    attendee.refresh_from_db()
    assert attendee.email != NEW


def test_changes_are_limited_per_new_address(client, attendee, sends, settings):
    settings.ACCOUNT_EMAILS_PER_RECIPIENT = 1
    change_on_the_profile(client, attendee, sends)
    page = change_on_the_profile(client, attendee, sends)
    assert services.EMAILS_THROTTLED in page.text
    assert len(sent_to(NEW)) == 1


# API -----------------------------------------------------------------------------


def test_the_api_asks_for_confirmation_too(api_client, client, attendee, sends):
    old = attendee.email
    api_client.force_authenticate(attendee)
    with sends():
        response = api_client.patch(ME, {"email": NEW, "timezone": "Europe/Paris"})

    assert response.status_code == 200
    assert (response.json()["email"], response.json()["timezone"]) == (old, "Europe/Paris")
    assert len(sent_to(old)) == len(sent_to(NEW)) == 1

    client.get(link_in(sent_to(NEW)[0]))
    attendee.refresh_from_db()
    assert api_client.get(ME).json()["email"] == NEW


def test_the_api_refuses_an_address_in_use_beside_the_field(api_client, attendee, other_attendee):
    api_client.force_authenticate(attendee)
    response = api_client.patch(ME, {"email": other_attendee.email.upper(), "timezone": "Europe/Paris"})
    assert response.status_code == 400
    assert response.json() == {"email": [services.EMAIL_TAKEN]}
    attendee.refresh_from_db()
    assert attendee.timezone == "UTC"  # nothing of a refused change is kept


def test_the_api_limits_changes(api_client, attendee, settings):
    settings.ACCOUNT_EMAILS_PER_RECIPIENT = 1
    api_client.force_authenticate(attendee)
    assert api_client.patch(ME, {"email": NEW}).status_code == 200
    again = api_client.patch(ME, {"email": NEW})
    assert (again.status_code, again.json()["code"]) == (429, "throttled")


def test_sending_the_current_address_sends_nothing(api_client, attendee, sends):
    api_client.force_authenticate(attendee)
    with sends():
        assert api_client.patch(ME, {"email": attendee.email}).status_code == 200
    assert mail.outbox == []
