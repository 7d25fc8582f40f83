"""Fixtures shared by every app's tests."""

import os
from datetime import timedelta
from importlib import import_module

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from eventhub.testing import skip_unless_ci
from events.tests.factories import EventFactory


@pytest.fixture(autouse=True)
def _require_postgres(request):
    """Tests marked postgres run on PostgreSQL; elsewhere they skip, except in CI, where they fail."""
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_unless_ci("PostgreSQL (set DATABASE_URL to a postgres:// URL)")


@pytest.fixture(autouse=True)
def _require_redis(request):
    """Tests marked redis need a shared cache; elsewhere they skip, except in CI, where they fail."""
    if request.node.get_closest_marker("redis") and not os.environ.get("CACHE_URL", "").startswith("redis"):
        skip_unless_ci("Redis (set CACHE_URL to a redis:// URL)")


@pytest.fixture
def attendee(db):
    return UserFactory(role="attendee")


@pytest.fixture
def other_attendee(db):
    return UserFactory(role="attendee")


@pytest.fixture
def organizer(db):
    return UserFactory(role="organizer")


@pytest.fixture
def other_organizer(db):
    return UserFactory(role="organizer")


@pytest.fixture
def staff(db):
    return UserFactory(role="attendee", is_staff=True, is_superuser=True)


@pytest.fixture
def published_event(organizer):
    return EventFactory(organizer=organizer, status="published", capacity=10)


@pytest.fixture
def draft_event(organizer):
    return EventFactory(organizer=organizer, status="draft")


@pytest.fixture
def past_event(organizer):
    start = timezone.now() - timedelta(days=3)
    return EventFactory(organizer=organizer, status="published", starts_at=start)


# The data migrations that give the Organizers group its admin permissions (ORGANIZER_PERMISSIONS each).
ORGANIZER_GRANTS = (
    "accounts.migrations.0002_organizers_group",
    "payments.migrations.0002_organizer_permissions",
    "notifications.migrations.0002_organizer_permissions",
    "community.migrations.0002_organizer_permissions",
)


@pytest.fixture
def organizers_group(transactional_db):
    """The Organizers group with every permission the migrations grant it, made again for a test
    whose database an earlier transactional test flushed (the flush empties data migrations' rows;
    the permissions themselves come back after every flush)."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name="Organizers")
    for module in ORGANIZER_GRANTS:
        for app_label, codename in import_module(module).ORGANIZER_PERMISSIONS:
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return group


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploaded files go to this test's own folder (the run's default is shared by every test)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counts and lockouts live in the cache (Redis in CI): start each test clean."""
    cache.clear()
    yield
    cache.clear()
