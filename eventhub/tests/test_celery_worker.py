"""A real Celery worker, with Redis as its broker, sends what a booking enqueues.

The test process books an event with Celery pointed at Redis (not eager); a
worker process started here, on the same test database, picks the task up and
writes the email to a folder (Django's file backend), where the test reads it.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from bookings import services
from eventhub.celery import app as celery_app
from eventhub.tests.production_server import REPO_ROOT, redis_url

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BROKER_DB = 9
WAIT_SECONDS = 30


def database_url() -> str:
    """The test database as a DATABASE_URL, so the worker reads the rows this test commits."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def fresh_connections() -> None:
    """Drop pooled broker connections, so the next task is published to the broker now configured.

    Celery's own after-fork reset does exactly this (the pool and the producer pool).
    """
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._after_fork()


@pytest.fixture
def broker_url():
    """Celery in this process publishes to Redis for the test's length, then runs eagerly again."""
    url = redis_url(BROKER_DB)
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, False
    fresh_connections()
    yield url
    fresh_connections()
    conf.broker_url, conf.task_always_eager = saved


@pytest.fixture
def worker(broker_url, tmp_path):
    """A worker process on the test database; its emails land in the folder it returns."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker_url,
        # django-environ drops the path's first slash, hence the fourth one for an absolute path.
        "EMAIL_URL": f"filemail:///{outbox}",
        "DEBUG": "0",
    }
    command = [sys.executable, "-m", "celery", "-A", "eventhub", "worker", "--pool", "solo"]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
    log = (tmp_path / "worker.log").open("w")
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    yield outbox
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


def wait_for_mail(outbox: Path, needle: str) -> str:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        for message in outbox.glob("*.log"):
            text = message.read_text(errors="replace")
            if needle in text:
                return text
        time.sleep(0.2)
    worker_log = (outbox.parent / "worker.log").read_text(errors="replace")
    pytest.fail(f"no email containing {needle!r} within {WAIT_SECONDS} s; the worker said:\n{worker_log}")


def test_a_worker_sends_the_booking_confirmation(worker, attendee, published_event):
    booking = services.book(user=attendee, event=published_event)

    mail = wait_for_mail(worker, published_event.title)

    assert f"To: {attendee.email}" in mail
    assert booking.ticket_code in mail or "Content-Type: image/png" in mail
