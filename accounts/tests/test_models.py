"""User: case-insensitive identity, time zones, and the role that drives admin access."""

from importlib import import_module

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User, validate_timezone
from accounts.services import ORGANIZERS_GROUP, set_role
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def in_organizers_group(user):
    return user.groups.filter(name=ORGANIZERS_GROUP).exists()


def reloaded(user):
    return User.objects.get(pk=user.pk)


# identity -------------------------------------------------------------------


def test_email_clash_in_another_case_fails_clean():
    UserFactory(email="Alice@Example.com")
    newcomer = User(username="alice2", email="alice@example.com")

    with pytest.raises(ValidationError) as refused:
        newcomer.full_clean(exclude=["password"])

    assert "email" in refused.value.message_dict


def test_own_email_does_not_clash_with_itself():
    user = UserFactory(email="bob@example.com")
    user.email = "BOB@example.com"

    user.full_clean(exclude=["password"])


def test_email_clash_in_another_case_is_rejected_by_the_database():
    UserFactory(email="carol@example.com")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="carol2", email="CAROL@EXAMPLE.COM")


def test_username_clash_in_another_case_fails_validation():
    UserFactory(username="dave")
    newcomer = User(username="DAVE", email="dave2@example.com")

    with pytest.raises(ValidationError) as refused:
        newcomer.full_clean(exclude=["password"])

    assert "That username is taken." in str(refused.value)


def test_username_clash_in_another_case_is_rejected_by_the_database():
    UserFactory(username="erin")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="Erin", email="erin2@example.com")


def test_natural_key_lookup_ignores_case():
    user = UserFactory(username="frank")

    assert User.objects.get_by_natural_key("FRANK") == user


def test_factory_users_log_in_with_the_default_or_given_password():
    assert UserFactory().check_password(DEFAULT_PASSWORD)
    custom = UserFactory(password="another-long-passphrase")
    assert custom.check_password("another-long-passphrase")
    assert not custom.check_password(DEFAULT_PASSWORD)


# time zone ------------------------------------------------------------------


def test_timezone_validator_rejects_unknown_zone():
    with pytest.raises(ValidationError) as refused:
        validate_timezone("Mars/Olympus")

    assert refused.value.code == "invalid_timezone"


def test_timezone_validator_accepts_iana_zone():
    validate_timezone("Europe/Paris")


def test_user_with_unknown_timezone_fails_validation(attendee):
    attendee.timezone = "Mars/Olympus"

    with pytest.raises(ValidationError) as refused:
        attendee.full_clean()

    assert "timezone" in refused.value.message_dict


# role, is_staff and the Organizers group ------------------------------------


def test_new_organizer_is_staff_and_in_organizers_group(organizer):
    organizer = reloaded(organizer)

    assert organizer.is_staff
    assert in_organizers_group(organizer)
    assert not organizer.is_site_staff


def test_new_attendee_is_neither_staff_nor_in_organizers_group(attendee):
    attendee = reloaded(attendee)

    assert not attendee.is_staff
    assert not in_organizers_group(attendee)


def test_role_change_toggles_staff_and_group_both_ways(attendee):
    set_role(user=attendee, role=User.Role.ORGANIZER)
    user = reloaded(attendee)
    assert (user.is_staff, in_organizers_group(user)) == (True, True)

    set_role(user=user, role=User.Role.ATTENDEE)
    user = reloaded(user)
    assert (user.is_staff, in_organizers_group(user)) == (False, False)


def test_saving_the_model_alone_does_no_role_wiring(attendee):
    """The rule lives in the service; the model only keeps its own fields."""
    attendee.role = User.Role.ORGANIZER
    with pytest.raises(IntegrityError), transaction.atomic():
        attendee.save()  # the database refuses an organizer who is not staff


def test_the_database_refuses_staff_status_that_does_not_follow_the_role(attendee):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=attendee.pk).update(is_staff=True)
    assert not reloaded(attendee).is_staff


@pytest.mark.parametrize("is_staff", [True, False])
def test_superuser_keeps_its_is_staff_whatever_the_role(is_staff):
    superuser = UserFactory(role="organizer", is_superuser=True, is_staff=is_staff)

    set_role(user=superuser, role=User.Role.ATTENDEE)

    assert reloaded(superuser).is_staff is is_staff
    assert not in_organizers_group(superuser)


def test_organizers_group_has_the_admin_permissions_organizers_need():
    group = Group.objects.get(name=ORGANIZERS_GROUP)

    granted = set(group.permissions.values_list("content_type__app_label", "codename"))

    assert granted == {
        ("events", "add_event"),
        ("events", "change_event"),
        ("events", "delete_event"),
        ("events", "view_event"),
        ("bookings", "change_booking"),
        ("bookings", "view_booking"),
        ("payments", "view_payment"),
        ("payments", "change_payment"),
        ("payments", "view_refund"),
        ("payments", "change_refund"),
        ("payments", "view_invoice"),
        ("payments", "add_invoiceprofile"),
        ("payments", "change_invoiceprofile"),
        ("payments", "view_invoiceprofile"),
        ("notifications", "add_organizermessage"),
        ("notifications", "view_organizermessage"),
        ("community", "view_post"),
        ("community", "change_post"),
        ("community", "view_comment"),
        ("community", "change_comment"),
    }


def test_organizer_gets_event_permissions_through_the_group(organizer):
    organizer = reloaded(organizer)  # permission caches are per instance

    assert organizer.has_perm("events.change_event")
    assert organizer.has_perm("bookings.view_booking")
    assert not organizer.has_perm("bookings.delete_booking")
    assert not organizer.has_perm("accounts.change_user")


def test_each_person_sees_their_own_account_and_staff_see_all(attendee, organizer, staff):
    assert list(User.objects.visible_to(attendee)) == [attendee]
    assert set(User.objects.visible_to(staff)) == {attendee, organizer, staff}
    assert not User.objects.visible_to(AnonymousUser()).exists()


def test_the_key_migration_renames_a_later_look_alike_account_instead_of_failing():
    migration = import_module("accounts.migrations.0003_folded_username_and_email_keys")
    dotless = "t\u0131LDA"
    rows = [(1, "tilda", "t@example.com"), (2, dotless, "T@example.com"), (3, "ben", "ben@example.com")]

    keys = list(migration.unique_keys(rows))

    assert [username for _, username, _, _ in keys] == ["tilda", f"{dotless}-2", "ben"]
    assert len({username_key for _, _, username_key, _ in keys}) == 3
    assert len({email_key for _, _, _, email_key in keys}) == 3
