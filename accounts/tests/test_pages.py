import pytest
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "plum-orchard-42-sunrise"


def signup(client, **overrides):
    data = {
        "username": "newperson",
        "email": "new@example.com",
        "role": "attendee",
        "password1": STRONG,
        "password2": STRONG,
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data)


def test_signup_creates_the_account_and_signs_in(client):
    response = signup(client)
    assert response.status_code == 302
    user = User.objects.get(username="newperson")
    assert user.role == "attendee"
    assert not user.is_staff
    page = client.get(reverse("events:list"))
    assert "newperson" in page.text
    assert "Welcome to eventhub" in page.text


def test_signup_as_organizer_opens_the_admin(client):
    signup(client, role="organizer")
    user = User.objects.get(username="newperson")
    assert user.is_staff
    assert user.groups.filter(name="Organizers").exists()
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "TAKEN"}, "username", "That username is taken"),
        ({"email": "Taken@Example.com"}, "email", "An account with this email address already exists"),
        ({"email": "not-an-email"}, "email", "Enter a valid email address"),
        ({"email": ""}, "email", "This field is required"),
        ({"password1": "12345678", "password2": "12345678"}, "password1", "entirely numeric"),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"password2": "something-else-entirely"}, "password2", "fields didn\u2019t match"),
        ({"role": "superhero"}, "role", "Select a valid choice"),
    ],
)
def test_signup_shows_each_bad_input_beside_its_field(client, overrides, field, message):
    UserFactory(username="taken", email="taken@example.com")
    response = signup(client, **overrides)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in e for e in errors[field]), errors[field]
    assert message in response.text.replace("&#x27;", "'")
    assert not User.objects.filter(username="newperson").exists()


def test_login_and_logout(client, attendee):
    response = client.post(
        reverse("accounts:login"), {"username": attendee.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:profile")).status_code == 200
    page = client.get(reverse("accounts:logout"))  # typed in: a page with the button, still signed in
    assert page.status_code == 200
    assert 'action="/accounts/logout/"' in page.text
    assert client.get(reverse("accounts:profile")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_login_accepts_the_username_in_any_case(client, attendee):
    response = client.post(
        reverse("accounts:login"), {"username": attendee.username.upper(), "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302


def test_login_with_a_wrong_password_says_so(client, attendee):
    response = client.post(reverse("accounts:login"), {"username": attendee.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text


def test_profile_changes_the_timezone(client, attendee):
    client.force_login(attendee)
    response = client.post(
        reverse("accounts:profile"), {"email": attendee.email, "timezone": "Europe/Paris"}, follow=True
    )
    attendee.refresh_from_db()
    assert attendee.timezone == "Europe/Paris"
    assert "Your profile is saved." in response.text


def test_profile_refuses_an_unknown_timezone_and_a_taken_email(client, attendee, other_attendee):
    client.force_login(attendee)
    response = client.post(
        reverse("accounts:profile"), {"email": other_attendee.email.upper(), "timezone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "timezone" in errors
    assert "An account with this email address already exists." in errors["email"]


def test_password_change(client, attendee):
    client.force_login(attendee)
    url = reverse("accounts:password_change")
    bad = client.post(url, {"old_password": "wrong", "new_password1": STRONG, "new_password2": STRONG})
    assert "old_password" in bad.context["form"].errors
    good = client.post(
        url, {"old_password": DEFAULT_PASSWORD, "new_password1": STRONG, "new_password2": STRONG}
    )
    assert good.status_code == 302
    attendee.refresh_from_db()
    assert attendee.check_password(STRONG)


def test_navigation_shows_who_is_signed_in_and_as_what(client, organizer):
    client.force_login(organizer)
    page = client.get(reverse("events:list")).text
    assert organizer.username in page
    assert "Organizer" in page
    assert "Manage my events" in page
