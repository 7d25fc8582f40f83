"""Who the community's page tests sign in as, and their friend (a test file may name its own); the
author of the posts a test reads."""

import pytest

from accounts.tests.factories import UserFactory
from community.tests.factories import make_friends


@pytest.fixture
def me(client):
    me = UserFactory(username="myriam")
    client.force_login(me)
    return me


@pytest.fixture
def friend(me):
    friend = UserFactory(username="zoe_m", display_name="Zoë")
    make_friends(me, friend)
    return friend


@pytest.fixture
def author(db):
    return UserFactory(username="author")
