"""Which reads the read replica serves: only safe requests of the browsing pages and API reads, never a
write, a transaction, sign-in data, or a client that has just written; a dead replica sends browsing back
to the primary. The "replica" alias mirrors the test database (TEST MIRROR), so these run everywhere.
"""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core import signing
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from eventhub import db_router
from eventhub.db_router import BrowsingReads, ReplicaRouter, browsing_reads
from events.models import Event

DATABASES = {"default", "replica"}
pytestmark = [
    pytest.mark.django_db(transaction=True, databases=DATABASES),
    pytest.mark.usefixtures("pages_rendered_every_time"),
]


@pytest.fixture
def routed(settings):
    """The settings DATABASE_REPLICA_URL brings: the router and the browsing middleware."""
    settings.DATABASE_ROUTERS = ["eventhub.db_router.ReplicaRouter"]
    middleware = "eventhub.db_router.BrowsingReadsMiddleware"
    settings.MIDDLEWARE = [*(m for m in settings.MIDDLEWARE if m != middleware), middleware]
    db_router.forget_replica_failure()
    yield
    db_router.forget_replica_failure()


@pytest.fixture
def browsing():
    token = browsing_reads.set(BrowsingReads(browsing=True))
    yield
    browsing_reads.reset(token)


def replica_reads(client, url, **extra):
    """The response to a GET and the SQL that reached the replica while serving it."""
    with CaptureQueriesContext(connections["replica"]) as replica:
        response = client.get(url, **extra)
    return response, [query["sql"] for query in replica.captured_queries]


def reads_events(queries) -> bool:
    return any('"events_event"' in sql for sql in queries)


# The router's decisions ----------------------------------------------------------------------------


def test_reads_go_to_the_primary_outside_a_browsing_request():
    assert ReplicaRouter().db_for_read(Event) == "default"


def test_browsing_reads_go_to_the_replica(browsing):
    assert ReplicaRouter().db_for_read(Event) == "replica"


def test_a_read_inside_a_transaction_goes_to_the_primary(browsing):
    # Every service and every lock runs in a transaction: what decides a booking is never lagging.
    with transaction.atomic():
        assert ReplicaRouter().db_for_read(Event) == "default"


def test_who_is_signed_in_is_always_read_from_the_primary(browsing):
    assert ReplicaRouter().db_for_read(User) == "default"


def test_writes_go_to_the_primary(browsing):
    assert ReplicaRouter().db_for_write(Event) == "default"


def test_only_the_primary_is_migrated_and_relations_span_both():
    router = ReplicaRouter()
    assert router.allow_migrate("default", "events") is True
    assert router.allow_migrate("replica", "events") is False
    assert router.allow_relation(Event(), User()) is True


def test_a_dead_replica_sends_browsing_to_the_primary_with_a_log_line(browsing, monkeypatch, caplog):
    def refuse():
        raise OperationalError("connection refused")

    db_router.forget_replica_failure()
    monkeypatch.setattr(connections["replica"], "ensure_connection", refuse)
    with caplog.at_level(logging.WARNING, logger="eventhub.db"):
        assert ReplicaRouter().db_for_read(Event) == "default"
    assert "read replica unavailable" in caplog.text
    # Remembered: the next browsing request does not wait on it again.
    browsing_reads.get().replica_answers = None
    monkeypatch.undo()
    assert ReplicaRouter().db_for_read(Event) == "default"
    db_router.forget_replica_failure()


# Requests ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("events:list"),
        reverse("events:list") + "?q=jazz",
        reverse("events:calendar_month"),
        reverse("event-list"),
    ],
)
def test_browsing_pages_and_api_reads_come_from_the_replica(routed, client, published_event, url):
    response, queries = replica_reads(client, url)
    assert response.status_code == 200
    assert reads_events(queries)


def test_event_and_organizer_pages_read_events_from_the_replica(routed, client, published_event):
    for url in (
        published_event.get_absolute_url(),
        reverse("events:organizer", kwargs={"username": published_event.organizer.username}),
        reverse("event-detail", kwargs={"pk": published_event.pk}),
    ):
        response, queries = replica_reads(client, url)
        assert response.status_code == 200, url
        assert reads_events(queries), url
        # The organizer and the visitor are people: read from the primary.
        assert not any('"accounts_user"' in sql and '"events_event"' not in sql for sql in queries), url


def test_categories_and_the_feed_read_the_replica(routed, client, attendee, published_event):
    _, queries = replica_reads(client, reverse("category-list"))
    assert any('"events_category"' in sql for sql in queries)
    client.force_login(attendee)
    response, queries = replica_reads(client, reverse("community:feed"))
    assert response.status_code == 200
    assert queries


def test_pages_that_are_not_browsing_never_read_the_replica(routed, client, attendee, published_event):
    client.force_login(attendee)
    for url in (reverse("bookings:mine"), reverse("event-seats", kwargs={"pk": published_event.pk})):
        _, queries = replica_reads(client, url)
        assert queries == [], url


def test_a_write_never_reads_the_replica_and_keeps_the_clients_reads_on_the_primary(
    routed, client, attendee, published_event
):
    client.force_login(attendee)
    with CaptureQueriesContext(connections["replica"]) as replica:
        response = client.post(reverse("bookings:book", kwargs={"event_id": published_event.pk}))
    assert response.status_code == 302
    assert replica.captured_queries == []
    assert db_router.STICKY_COOKIE in response.cookies
    assert response.cookies[db_router.STICKY_COOKIE]["max-age"] == settings.DATABASE_REPLICA_STICKY_SECONDS
    # Right after, the same client reads its own booking from the primary...
    _, queries = replica_reads(client, published_event.get_absolute_url())
    assert queries == []
    # ...while anyone else browses the replica.
    _, queries = replica_reads(client.__class__(), published_event.get_absolute_url())
    assert reads_events(queries)


def sticky_cookie(seconds_ago: int) -> str:
    """The sticky cookie as the site would have signed it that many seconds ago."""
    signer = signing.get_cookie_signer(salt=db_router.STICKY_COOKIE + db_router.STICKY_SALT)
    signer.timestamp = lambda: signing.b62_encode(int(time.time()) - seconds_ago)
    return signer.sign("1")


def test_the_stickiness_lasts_the_window_and_then_ends(routed, client, published_event):
    client.cookies[db_router.STICKY_COOKIE] = sticky_cookie(seconds_ago=1)
    _, queries = replica_reads(client, reverse("events:list"))
    assert queries == []
    client.cookies[db_router.STICKY_COOKIE] = sticky_cookie(
        seconds_ago=settings.DATABASE_REPLICA_STICKY_SECONDS + 2
    )
    _, queries = replica_reads(client, reverse("events:list"))
    assert reads_events(queries)


def test_a_forged_sticky_cookie_is_ignored(routed, client, published_event):
    client.cookies[db_router.STICKY_COOKIE] = "1"
    _, queries = replica_reads(client, reverse("events:list"))
    assert reads_events(queries)


def test_a_refused_write_does_not_stick(routed, client, attendee, draft_event):
    client.force_login(attendee)
    response = client.post(reverse("bookings:book", kwargs={"event_id": draft_event.pk}))
    assert response.status_code == 404
    assert db_router.STICKY_COOKIE not in response.cookies


def test_a_post_by_nobody_does_not_stick(routed, client, published_event):
    # No user and no session: nobody comes back expecting to read it.
    response = client.post(reverse("bookings:book", kwargs={"event_id": published_event.pk}))
    assert db_router.STICKY_COOKIE not in response.cookies


def test_a_dead_replica_still_serves_the_list_from_the_primary(routed, client, published_event, monkeypatch):
    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["replica"], "ensure_connection", refuse)
    with CaptureQueriesContext(connections["default"]) as primary:
        response = client.get(reverse("events:list"))
    assert response.status_code == 200
    assert published_event.title in response.content.decode()
    assert reads_events(query["sql"] for query in primary.captured_queries)


# Settings ------------------------------------------------------------------------------------------


def settings_with(**environment) -> str:
    """What the settings module makes of an environment, read in a fresh interpreter."""
    code = (
        "from eventhub import settings as s; "
        "print(sorted(s.DATABASES), getattr(s, 'DATABASE_ROUTERS', []), "
        "[m for m in s.MIDDLEWARE if 'db_router' in m], s.DATABASES.get('replica', {}).get('TEST'), "
        "s.DATABASES.get('replica', {}).get('OPTIONS'))"
    )
    base = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    env = {**base, "SECRET_KEY": "x", "DATABASE_URL": "postgres://u@127.0.0.1:5432/app", **environment}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.mark.django_db(databases=set())
def test_without_a_replica_there_is_one_database_and_no_router():
    assert settings_with() == "['default'] [] [] None None"


@pytest.mark.django_db(databases=set())
def test_a_replica_url_adds_the_alias_the_router_and_the_middleware():
    printed = settings_with(DATABASE_REPLICA_URL="postgres://u@127.0.0.1:5433/app")
    assert printed.startswith(
        "['default', 'replica'] ['eventhub.db_router.ReplicaRouter']"
        " ['eventhub.db_router.BrowsingReadsMiddleware'] {'MIRROR': 'default'}"
    )
    assert "statement_timeout=15000" in printed and "'connect_timeout': 2" in printed
