"""On a real PostgreSQL streaming replica (DATABASE_REPLICA_URL; CI starts one with .ci/replica): browsing
shows what the replica has replayed, while a booking made in the same moment decides from the primary
and never oversells; a client that has just written reads the primary; with the replica stopped, booking
works and browsing falls back to the primary.
"""

import logging
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import assert_counter_exact
from eventhub import db_router
from eventhub.db_router import BrowsingReads, browsing_reads
from eventhub.errors import DomainError, ErrorCode
from eventhub.testing import skip_unless_ci
from events.models import Event
from events.tests.factories import EventFactory

pytestmark = [
    pytest.mark.replica,
    pytest.mark.postgres,
    pytest.mark.usefixtures("pages_rendered_every_time"),
    pytest.mark.django_db(transaction=True, databases={"default", "replica"}),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_REPLICA_URL"), reason="needs DATABASE_REPLICA_URL (a streaming replica)"
    ),
]

REPLICA_SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "replica"
REPLICA_DIR = Path(os.environ.get("REPLICA_DIR", "/var/lib/postgresql/eventhub-replica"))
REPLAY_TIMEOUT = 20


def sql(alias: str, statement: str, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchone()[0]


def wait_for_replay() -> None:
    """Until the replica has replayed everything the primary has written so far."""
    written = sql("default", "SELECT pg_current_wal_lsn()")
    deadline = time.monotonic() + REPLAY_TIMEOUT
    while not sql("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [written]):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


@contextmanager
def replay_paused():
    """The replica stops applying the primary's changes: it lags, as a busy replica does."""
    wait_for_replay()
    sql("replica", "SELECT pg_wal_replay_pause()::text")
    try:
        yield
    finally:
        sql("replica", "SELECT pg_wal_replay_resume()::text")
        wait_for_replay()


@pytest.fixture(autouse=True)
def a_real_replica():
    assert sql("replica", "SELECT pg_is_in_recovery()"), "DATABASE_REPLICA_URL must name a standby"
    db_router.forget_replica_failure()
    yield
    db_router.forget_replica_failure()


def book_url(event) -> str:
    return reverse("bookings:book", kwargs={"event_id": event.pk})


def listed_titles(client) -> list[str]:
    response = client.get(reverse("events:list"))
    assert response.status_code == 200
    return [event.title for event in response.context["page_obj"].object_list]


def test_browsing_shows_the_replicas_state_while_booking_decides_on_the_primary(client):
    event = EventFactory(status="published", capacity=1, title="Before")
    first, second = UserFactory(role="attendee"), UserFactory(role="attendee")
    with replay_paused():
        Event.objects.filter(pk=event.pk).update(title="After")
        first_client, second_client = client.__class__(), client.__class__()
        first_client.force_login(first)
        second_client.force_login(second)
        assert first_client.post(book_url(event)).status_code == 302

        # The list page still shows what the replica has: the old title, and a free place...
        assert listed_titles(client) == ["Before"]
        assert Event.objects.using("replica").get(pk=event.pk).booked_seats == 0
        # ...but the booking made now decides from the primary's locked row: the place is gone.
        second_client.post(book_url(event))
        assert not Booking.objects.filter(event=event, user=second).holding().exists()
        # Even a booking service called while a request browses, given the event as the replica has
        # it (a place free), decides from the primary and reads nothing from the replica.
        token = browsing_reads.set(BrowsingReads(browsing=True))
        try:
            stale = Event.objects.get(pk=event.pk)
            assert stale.booked_seats == 0
            with (
                CaptureQueriesContext(connections["replica"]) as replica,
                pytest.raises(DomainError) as refusal,
            ):
                services.book(user=UserFactory(role="attendee"), event=stale)
        finally:
            browsing_reads.reset(token)
        assert refusal.value.code == ErrorCode.EVENT_FULL
        assert replica.captured_queries == []
        assert_counter_exact(event)
        assert event.booked_seats == 1
    assert listed_titles(client) == ["After"]


def test_a_client_that_wrote_reads_the_primary_while_others_read_the_replica(client):
    event = EventFactory(status="published", capacity=5, title="Before")
    client.force_login(UserFactory(role="attendee"))
    with replay_paused():
        Event.objects.filter(pk=event.pk).update(title="After")
        assert client.post(book_url(event)).status_code == 302
        assert listed_titles(client) == ["After"]
        assert listed_titles(client.__class__()) == ["Before"]


@pytest.fixture
def replica_stopped():
    """The replica server stopped for the test, and started again after it."""
    try:
        started_by_the_script = (REPLICA_DIR / "postmaster.pid").exists()
    except PermissionError:
        started_by_the_script = False
    if not started_by_the_script:
        skip_unless_ci(f"a replica started by .ci/replica in {REPLICA_DIR}, and the right to stop it")
    connections["replica"].close()
    subprocess.run([str(REPLICA_SCRIPT), "halt"], check=True, timeout=60)
    try:
        yield
    finally:
        subprocess.run([str(REPLICA_SCRIPT), "resume"], check=True, timeout=90)
        db_router.forget_replica_failure()
        wait_for_replay()


def test_a_stopped_replica_breaks_neither_booking_nor_browsing(client, replica_stopped, caplog):
    event = EventFactory(status="published", capacity=1, title="Open")
    client.force_login(UserFactory(role="attendee"))
    assert client.post(book_url(event)).status_code == 302
    assert_counter_exact(event)
    assert event.booked_seats == 1

    anonymous = client.__class__()
    with caplog.at_level(logging.WARNING, logger="eventhub.db"):
        assert listed_titles(anonymous) == ["Open"]
        assert anonymous.get(reverse("event-list")).status_code == 200
    assert "read replica unavailable" in caplog.text
