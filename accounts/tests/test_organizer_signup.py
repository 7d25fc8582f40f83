"""ORGANIZER_SIGNUP: organizers sign up at once ("open", the default) or on staff's approval ("approval").

With approval, choosing the organizer role (the sign-up page, the API) makes an attendee
account with a pending request, which an attendee may also make later from the profile
(page and API); staff approve or decline it once, and the person is emailed once.
"""

import io
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts import services, tasks
from accounts.models import ASK_AGAIN_AFTER_DECLINE, OrganizerRequest, User
from accounts.services import ORGANIZERS_GROUP
from accounts.tests.mailbox import html_of, sent_to
from eventhub.errors import DomainError

pytestmark = pytest.mark.django_db

STRONG = "plum-orchard-42-sunrise"
REGISTER = "/api/auth/register/"
MY_REQUEST = "/api/users/me/organizer-request/"
APPROVED_SUBJECT = "You are an organizer on eventhub"
DECLINED_SUBJECT = "Your request to become an organizer on eventhub"


@pytest.fixture
def approval(settings):
    settings.ORGANIZER_SIGNUP = "approval"


@pytest.fixture
def open_signup(settings):
    settings.ORGANIZER_SIGNUP = "open"


def sign_up_page(client, **overrides):
    data = {"username": "newhost", "email": "newhost@example.com", "role": "organizer"}
    data |= {"password1": STRONG, "password2": STRONG, **overrides}
    return client.post(reverse("accounts:signup"), data, follow=True)


def sign_up_api(api_client, **overrides):
    data = {"username": "newhost", "email": "newhost@example.com", "role": "organizer", "password": STRONG}
    return api_client.post(REGISTER, {**data, **overrides})


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def declined_request(user, *, days_ago: int) -> OrganizerRequest:
    decided = timezone.now() - timedelta(days=days_ago)
    return OrganizerRequest.objects.create(user=user, status="declined", decided_at=decided)


def is_organizer_with_group(user) -> bool:
    user.refresh_from_db()
    return user.is_organizer and user.is_staff and user.groups.filter(name=ORGANIZERS_GROUP).exists()


# The setting -------------------------------------------------------------------------------------


def run_check(value: str) -> subprocess.CompletedProcess:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "ORGANIZER_SIGNUP": value}
    command = [sys.executable, "manage.py", "check"]
    return subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=120)


def test_the_site_refuses_to_start_with_an_unknown_organizer_signup_value():
    result = run_check("whenever")
    assert result.returncode != 0
    assert "ORGANIZER_SIGNUP is 'whenever': it must be open" in result.stderr


def test_the_site_starts_with_approval():
    assert run_check("approval").returncode == 0


def test_open_is_the_default(settings):
    assert settings.ORGANIZER_SIGNUP == "open"


# Sign-up: open ---------------------------------------------------------------------------------


def test_open_sign_up_page_makes_an_organizer_at_once_and_asks_nothing_more(client, open_signup):
    form = client.get(reverse("accounts:signup")).context["form"]
    assert "organizer_note" not in form.fields

    response = sign_up_page(client)

    assert is_organizer_with_group(User.objects.get(username="newhost"))
    assert services.AWAITS_APPROVAL not in page_messages(response)
    assert not OrganizerRequest.objects.exists()


def test_open_api_sign_up_answers_as_it_always_did(api_client, open_signup):
    response = sign_up_api(api_client, organizer_note="Ignored while organizers sign up openly")

    assert response.status_code == 201
    assert set(response.json()) == {"id", "username", "email", "role"}
    assert response.json()["role"] == "organizer"
    assert not OrganizerRequest.objects.exists()


# Sign-up: approval -----------------------------------------------------------------------------


def test_approval_sign_up_page_says_staff_approve_organizers(client, approval):
    page = client.get(reverse("accounts:signup"))
    assert "the staff approve each new organizer" in page.text
    assert "organizer_note" in page.context["form"].fields


def test_approval_sign_up_page_makes_an_attendee_with_a_pending_request(client, approval):
    response = sign_up_page(client, organizer_note="  Jazz nights in Lyon  ")

    user = User.objects.get(username="newhost")
    assert (user.role, user.is_staff, user.groups.exists()) == ("attendee", False, False)
    [request] = OrganizerRequest.objects.filter(user=user)
    assert (request.status, request.note) == ("pending", "Jazz nights in Lyon")
    assert services.AWAITS_APPROVAL in page_messages(response)
    assert client.get(reverse("admin:index")).status_code == 302  # not in the console yet


def test_approval_sign_up_as_an_attendee_makes_no_request(client, approval):
    response = sign_up_page(client, role="attendee", organizer_note="Nothing")

    assert User.objects.get(username="newhost").is_attendee
    assert not OrganizerRequest.objects.exists()
    assert services.AWAITS_APPROVAL not in page_messages(response)


def test_approval_sign_up_page_refuses_a_note_too_long_beside_it(client, approval):
    response = sign_up_page(client, organizer_note="x" * (services.NOTE_MAX_LENGTH + 1))

    assert "organizer_note" in response.context["form"].errors
    assert not User.objects.exists()


def test_approval_api_sign_up_says_the_request_awaits_approval(api_client, approval):
    response = sign_up_api(api_client, organizer_note="Chess tournaments")

    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "attendee"
    assert body["detail"] == services.AWAITS_APPROVAL
    assert body["organizer_request"]["status"] == "pending"
    assert body["organizer_request"]["note"] == "Chess tournaments"
    assert User.objects.get(username="newhost").organizer_requests.get().status == "pending"


def test_approval_api_sign_up_refuses_a_note_too_long_as_a_field_error(api_client, approval):
    response = sign_up_api(api_client, organizer_note="x" * (services.NOTE_MAX_LENGTH + 1))

    assert response.status_code == 400
    assert "organizer_note" in response.json()
    assert not User.objects.exists()


def test_the_service_refuses_a_note_too_long_with_its_code(approval):
    with pytest.raises(DomainError) as refusal:
        services.register_account(
            username="x",
            email="x@example.com",
            password=STRONG,
            role="organizer",
            organizer_note="x" * (services.NOTE_MAX_LENGTH + 1),
        )
    assert (refusal.value.code, refusal.value.field) == ("invalid_note", "organizer_note")
    assert not User.objects.exists()


# Asking later: the profile page and the API ----------------------------------------------------


def test_open_profile_shows_nothing_of_requests_and_asking_is_not_found(client, attendee, open_signup):
    client.force_login(attendee)

    page = client.get(reverse("accounts:profile"))

    assert "Running events" not in page.text
    assert "organizer_request_form" not in page.context
    assert client.post(reverse("accounts:organizer_request"), {"note": "Hi"}).status_code == 404
    assert not OrganizerRequest.objects.exists()


def test_open_api_has_no_organizer_request(api_client, attendee, open_signup):
    api_client.force_authenticate(attendee)
    for response in (api_client.get(MY_REQUEST), api_client.post(MY_REQUEST, {"note": "Hi"})):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert not OrganizerRequest.objects.exists()


def test_an_attendee_asks_from_the_profile_page_and_sees_it_pending(client, attendee, approval):
    client.force_login(attendee)
    assert "organizer_request_form" in client.get(reverse("accounts:profile")).context

    response = client.post(reverse("accounts:organizer_request"), {"note": "Book club"}, follow=True)

    assert services.AWAITS_APPROVAL in page_messages(response)
    assert "awaits approval" in response.text
    assert "organizer_request_form" not in response.context  # once
    assert attendee.organizer_requests.get().note == "Book club"


def test_asking_twice_from_the_page_says_the_request_awaits_approval(client, attendee, approval):
    client.force_login(attendee)
    client.post(reverse("accounts:organizer_request"), {"note": "Book club"})

    response = client.post(reverse("accounts:organizer_request"), {"note": "Again"}, follow=True)

    assert any("your request awaits approval" in text for text in page_messages(response))
    assert attendee.organizer_requests.count() == 1


def test_a_note_too_long_from_the_profile_is_refused_in_plain_words(client, attendee, approval):
    client.force_login(attendee)
    note = "x" * (services.NOTE_MAX_LENGTH + 1)

    response = client.post(reverse("accounts:organizer_request"), {"note": note}, follow=True)

    assert f"Say it in at most {services.NOTE_MAX_LENGTH:,} characters." in page_messages(response)
    assert not OrganizerRequest.objects.exists()


def test_an_attendee_asks_through_the_api_once(api_client, attendee, approval):
    api_client.force_authenticate(attendee)

    created = api_client.post(MY_REQUEST, {"note": "Board games"})
    again = api_client.post(MY_REQUEST, {})

    assert created.status_code == 201
    assert created.json()["status"] == "pending" and created.json()["note"] == "Board games"
    assert (again.status_code, again.json()["code"]) == (409, "already_requested")
    assert api_client.get(MY_REQUEST).json()["id"] == created.json()["id"]


def test_the_api_has_no_request_to_show_before_one_is_made(api_client, attendee, approval):
    api_client.force_authenticate(attendee)
    response = api_client.get(MY_REQUEST)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_the_api_refuses_a_note_too_long(api_client, attendee, approval):
    api_client.force_authenticate(attendee)
    response = api_client.post(MY_REQUEST, {"note": "x" * (services.NOTE_MAX_LENGTH + 1)})
    assert response.status_code == 400
    assert not OrganizerRequest.objects.exists()


def test_an_organizer_has_nothing_to_ask(api_client, organizer, approval):
    api_client.force_authenticate(organizer)
    response = api_client.post(MY_REQUEST, {})
    assert (response.status_code, response.json()["code"]) == (409, "already_organizer")


def test_a_declined_person_asks_again_only_once_the_wait_is_over(api_client, attendee, approval):
    days = ASK_AGAIN_AFTER_DECLINE.days
    declined = declined_request(attendee, days_ago=days - 1)
    api_client.force_authenticate(attendee)

    too_soon = api_client.post(MY_REQUEST, {})
    assert (too_soon.status_code, too_soon.json()["code"]) == (409, "declined_recently")
    assert "You may ask again from" in too_soon.json()["detail"]
    shown = api_client.get(MY_REQUEST).json()
    assert shown["status"] == "declined"
    assert shown["ask_again_at"] is not None

    declined.decided_at -= timedelta(days=1, minutes=1)
    declined.save()
    assert api_client.post(MY_REQUEST, {}).status_code == 201


def test_the_profile_says_when_a_declined_person_may_ask_again(client, attendee, approval):
    declined_request(attendee, days_ago=1)
    client.force_login(attendee)

    page = client.get(reverse("accounts:profile"))

    assert "<strong>declined</strong>" in page.text
    assert "You may ask again from" in page.text
    assert "organizer_request_form" not in page.context


def test_the_profile_shows_an_approved_request_and_the_console(client, attendee, staff, approval):
    request = services.request_organizer_role(user=attendee)
    services.approve_organizer_request(organizer_request=request, by=staff)
    client.force_login(attendee)

    page = client.get(reverse("accounts:profile"))

    assert "<strong>approved</strong>" in page.text
    assert reverse("admin:index") in page.text


# Deciding ----------------------------------------------------------------------------------------


def test_approving_grants_the_role_the_way_set_role_does_and_emails_once(
    attendee, staff, approval, django_capture_on_commit_callbacks
):
    request = services.request_organizer_role(user=attendee, note="Concerts")

    with django_capture_on_commit_callbacks(execute=True):
        decided = services.approve_organizer_request(organizer_request=request, by=staff)

    assert (decided.status, decided.decided_by, decided.decided_at is not None) == ("approved", staff, True)
    assert is_organizer_with_group(attendee)
    [email] = sent_to(attendee.email)
    assert email.subject == APPROVED_SUBJECT
    assert "/admin/" in email.body and "/admin/" in html_of(email)


def test_declining_leaves_an_attendee_and_emails_when_to_ask_again(
    attendee, staff, approval, django_capture_on_commit_callbacks
):
    request = services.request_organizer_role(user=attendee)

    with django_capture_on_commit_callbacks(execute=True):
        decided = services.decline_organizer_request(organizer_request=request, by=staff)

    attendee.refresh_from_db()
    assert attendee.is_attendee and not attendee.is_staff
    [email] = sent_to(attendee.email)
    assert email.subject == DECLINED_SUBJECT
    ask_again = decided.decided_at + ASK_AGAIN_AFTER_DECLINE
    assert f"You may ask again from {ask_again:%-d %B %Y}" in email.body


@pytest.mark.parametrize("second", ["approve_organizer_request", "decline_organizer_request"])
def test_a_request_is_decided_once(attendee, staff, approval, second, django_capture_on_commit_callbacks):
    request = services.request_organizer_role(user=attendee)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_organizer_request(organizer_request=request, by=staff)

        with pytest.raises(DomainError) as refusal:
            getattr(services, second)(organizer_request=request, by=staff)

    assert refusal.value.code == "already_decided"
    request.refresh_from_db()
    assert request.status == "approved"
    assert len(sent_to(attendee.email)) == 1


@pytest.mark.parametrize("decide", ["approve_organizer_request", "decline_organizer_request"])
def test_only_site_staff_decide(attendee, organizer, approval, decide):
    request = services.request_organizer_role(user=attendee)

    for someone in (organizer, attendee):
        with pytest.raises(DomainError) as refusal:
            getattr(services, decide)(organizer_request=request, by=someone)
        assert refusal.value.code == "not_allowed"

    request.refresh_from_db()
    assert request.status == "pending"


def test_a_rolled_back_decision_sends_nothing(attendee, staff, approval, django_capture_on_commit_callbacks):
    request = services.request_organizer_role(user=attendee)
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        services.approve_organizer_request(organizer_request=request, by=staff)
        raise RuntimeError("something after the decision failed")
    assert callbacks == [] and mail.outbox == []


def test_the_decision_email_goes_once_however_often_its_task_runs(attendee, staff, approval):
    request = services.request_organizer_role(user=attendee)
    services.decline_organizer_request(organizer_request=request, by=staff)  # its email is not sent here

    assert tasks.send_organizer_decision(request.pk) is True
    assert tasks.send_organizer_decision(request.pk) is False
    assert len(sent_to(attendee.email)) == 1


def test_a_failed_send_gives_the_claim_back_for_the_retry(attendee, staff, approval, monkeypatch):
    request = services.request_organizer_role(user=attendee)
    services.approve_organizer_request(organizer_request=request, by=staff)

    def mail_server_down(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", mail_server_down)
    with pytest.raises(OSError):
        tasks.send_organizer_decision(request.pk)
    monkeypatch.undo()

    assert tasks.send_organizer_decision(request.pk) is True
    assert len(sent_to(attendee.email)) == 1


def test_a_pending_request_sends_no_decision_email(attendee, approval):
    request = services.request_organizer_role(user=attendee)
    assert tasks.send_organizer_decision(request.pk) is False
    assert mail.outbox == []


def test_the_database_keeps_one_pending_request_per_person(attendee):
    OrganizerRequest.objects.create(user=attendee)
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizerRequest.objects.create(user=attendee)


# The demo ----------------------------------------------------------------------------------------


def test_the_demo_seed_still_makes_its_organizers_with_approval_on(approval):
    call_command("seed_demo", stdout=io.StringIO())

    for name in ("olivia", "oscar"):
        assert is_organizer_with_group(User.objects.get(username=name))
    assert not OrganizerRequest.objects.exists()
