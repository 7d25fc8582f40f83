from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from django.utils import timezone as django_timezone

from accounts.models import User
from accounts.services import set_role

DEFAULT_PASSWORD = "correct-horse-battery-staple"


@cache
def hashed(raw_password: str) -> str:
    """Hash each test password once: the production hasher is slow on purpose, tests make many users."""
    return make_password(raw_password)


class UserFactory(factory.django.DjangoModelFactory):
    """A user who can log in with DEFAULT_PASSWORD, or with the ``password=`` given."""

    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = User.Role.ATTENDEE
    timezone = "UTC"
    password = factory.Transformer(DEFAULT_PASSWORD, transform=hashed)
    # Accounts in tests have confirmed their address unless a test says otherwise.
    email_verified_at = factory.LazyFunction(django_timezone.now)

    @classmethod
    def _create(cls, model_class, *args, role=User.Role.ATTENDEE, **kwargs):
        """Saved through the accounts service, so staff status and groups follow the role."""
        return set_role(user=model_class(*args, **kwargs), role=role)


class OrganizerFactory(UserFactory):
    role = User.Role.ORGANIZER
