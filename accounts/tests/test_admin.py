import pytest
from django.urls import reverse

from accounts.models import User
from accounts.services import ORGANIZERS_GROUP

CHANGELIST = reverse("admin:accounts_user_changelist")
ADD = reverse("admin:accounts_user_add")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def change_data(user, **overrides):
    data = {
        "username": user.username,
        "email": user.email,
        "role": user.role,
        "timezone": user.timezone,
        "is_active": "on",
        "date_joined_0": f"{user.date_joined:%Y-%m-%d}",
        "date_joined_1": f"{user.date_joined:%H:%M:%S}",
    }
    return {**data, **overrides}


def test_user_list_shows_role_and_staff_columns(staff_client, organizer):
    response = staff_client.get(CHANGELIST)
    assert response.context["cl"].list_display == [
        "action_checkbox",
        "username",
        "email",
        "role",
        "is_staff",
        "is_superuser",
    ]
    assert organizer.email in response.content.decode()


def test_user_list_filters_by_role(staff_client, organizer, attendee):
    page = staff_client.get(CHANGELIST, {"role__exact": "organizer"}).content.decode()
    assert organizer.email in page
    assert attendee.email not in page


def test_superuser_adds_an_organizer_with_their_time_zone(staff_client):
    data = {
        "username": "newhost",
        "email": "newhost@example.com",
        "role": "organizer",
        "timezone": "Europe/Paris",
        "usable_password": "true",
        "password1": "a-long-and-unusual-pass",
        "password2": "a-long-and-unusual-pass",
    }
    assert staff_client.post(ADD, data).status_code == 302
    user = User.objects.get(username="newhost")
    assert (user.role, user.timezone, user.is_staff) == ("organizer", "Europe/Paris", True)
    assert user.groups.filter(name=ORGANIZERS_GROUP).exists()


def test_an_unknown_time_zone_is_a_form_error(staff_client, attendee):
    url = reverse("admin:accounts_user_change", args=[attendee.pk])
    response = staff_client.post(url, change_data(attendee, timezone="Mars/Olympus"))
    assert response.status_code == 200
    assert "timezone" in response.context["adminform"].form.errors


def test_making_someone_an_organizer_keeps_the_organizers_group(staff_client, attendee):
    url = reverse("admin:accounts_user_change", args=[attendee.pk])
    assert staff_client.post(url, change_data(attendee, role="organizer")).status_code == 302
    attendee.refresh_from_db()
    assert attendee.is_staff
    assert attendee.groups.filter(name=ORGANIZERS_GROUP).exists()


def test_organizers_cannot_manage_users(client, organizer, attendee):
    client.force_login(organizer)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(reverse("admin:accounts_user_change", args=[attendee.pk])).status_code == 403
