"""Requests to become an organizer in the admin: site staff list, filter, approve and decline them."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts import services
from accounts.models import OrganizerRequest
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import sent_to

pytestmark = pytest.mark.django_db

REQUESTS = reverse("admin:accounts_organizerrequest_changelist")


@pytest.fixture
def approval(settings):
    settings.ORGANIZER_SIGNUP = "approval"


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def pending(attendee, approval):
    return services.request_organizer_role(user=attendee, note="Poetry readings")


def run_action(client, action, rows, **extra):
    data = {"action": action, "_selected_action": [row.pk for row in rows], **extra}
    return client.post(REQUESTS, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_staff_list_requests_with_who_asked_and_what_they_organise(staff_client, pending, attendee):
    page = staff_client.get(REQUESTS)

    assert page.status_code == 200
    assert attendee.email in page.text
    assert "Poetry readings" in page.text


def test_the_list_filters_by_status(staff_client, pending, staff):
    declined_one = services.request_organizer_role(user=UserFactory(email="declined@example.com"))
    services.decline_organizer_request(organizer_request=declined_one, by=staff)

    page = staff_client.get(REQUESTS, {"status__exact": "pending"})

    assert pending.user.email in page.text
    assert "declined@example.com" not in page.text


def test_the_list_reads_a_fixed_number_of_queries(staff_client, approval, django_assert_max_num_queries):
    for _ in range(15):
        services.request_organizer_role(user=UserFactory())
    with django_assert_max_num_queries(6):
        assert staff_client.get(REQUESTS).status_code == 200


def test_an_action_asks_first_and_decides_nothing(staff_client, pending):
    response = run_action(staff_client, "approve_selected", [pending])

    assert "Approve these requests?" in response.text
    assert "Poetry readings" in response.text
    pending.refresh_from_db()
    assert pending.status == "pending"


@pytest.mark.parametrize(
    ("action", "status", "role", "done"),
    [
        ("approve_selected", "approved", "organizer", "Approved 1 request."),
        ("decline_selected", "declined", "attendee", "Declined 1 request."),
    ],
)
def test_each_action_decides_once_confirmed_and_emails_the_person(
    staff_client, pending, staff, action, status, role, done, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, action, [pending], confirmed="yes")

    assert done in messages_of(response)
    pending.refresh_from_db()
    pending.user.refresh_from_db()
    assert (pending.status, pending.decided_by, pending.user.role) == (status, staff, role)
    assert len(sent_to(pending.user.email)) == 1


def test_an_action_reports_a_request_decided_already(staff_client, pending, staff):
    services.decline_organizer_request(organizer_request=pending, by=staff)

    response = run_action(staff_client, "approve_selected", [pending], confirmed="yes")

    assert any("was declined on" in text and "already" in text for text in messages_of(response))
    pending.refresh_from_db()
    assert pending.status == "declined"


def test_a_request_page_is_a_read_only_record(staff_client, pending):
    url = reverse("admin:accounts_organizerrequest_change", args=[pending.pk])

    page = staff_client.get(url)

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert staff_client.get(reverse("admin:accounts_organizerrequest_add")).status_code == 403


def test_organizers_cannot_see_or_decide_requests(client, organizer, pending):
    client.force_login(organizer)

    assert client.get(REQUESTS).status_code == 403
    response = client.post(REQUESTS, {"action": "approve_selected", "_selected_action": [pending.pk]})
    assert response.status_code == 403
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_attendees_are_kept_out_of_the_admin(client, pending):
    client.force_login(pending.user)
    assert client.get(REQUESTS).status_code == 302  # to the admin's sign-in page


def test_with_open_sign_up_the_admin_menus_leave_requests_out(staff_client, settings):
    settings.ORGANIZER_SIGNUP = "open"
    OrganizerRequest.objects.create(user=UserFactory(email="asked-earlier@example.com"))

    assert "Organizer requests" not in staff_client.get(reverse("admin:index")).text
    accounts_app = staff_client.get(reverse("admin:app_list", args=["accounts"]))
    assert "Organizer requests" not in accounts_app.text
    # A request made while approval was on can still be decided from its address.
    assert "asked-earlier@example.com" in staff_client.get(REQUESTS).text


def test_with_approval_the_admin_home_lists_the_requests(staff_client, approval):
    assert "Organizer requests" in staff_client.get(reverse("admin:index")).text
