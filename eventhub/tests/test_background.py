"""Background work is enqueued after commit, never fails the caller, and chains without recursion."""

import logging

import pytest
from celery import shared_task
from django.db import transaction

from eventhub.background import enqueue

ran = []


@shared_task
def record(value):
    ran.append(value)


@shared_task
def count_down(n):
    """A chain like the organizer messages' batches: each run enqueues the next."""
    ran.append(n)
    if n:
        enqueue(count_down, n - 1)


@shared_task
def explode():
    raise RuntimeError("the task failed")


@pytest.fixture(autouse=True)
def _clean():
    ran.clear()


@pytest.mark.django_db(transaction=True)
def test_a_task_runs_only_once_its_transaction_commits():
    with transaction.atomic():
        enqueue(record, "committed")
        assert ran == []
    assert ran == ["committed"]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_enqueues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(record, "rolled back")
        raise RuntimeError
    assert ran == []


@pytest.mark.django_db(transaction=True)
def test_a_long_chain_of_eager_tasks_runs_as_a_loop_not_a_deep_stack():
    enqueue(count_down, 3000)  # far beyond Python's recursion limit if each ran inside the last

    assert ran == list(range(3000, -1, -1))


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_logged_and_never_raised_to_the_caller(caplog):
    with caplog.at_level(logging.ERROR):
        enqueue(explode)
        enqueue(record, "after")
    assert ran == ["after"]


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_is_logged_and_never_raised_to_the_caller(caplog, monkeypatch):
    from eventhub.celery import app

    def refuse(*args, **kwargs):
        raise OSError("Connection refused")

    monkeypatch.setattr(record, "delay", refuse)
    app.conf.task_always_eager = False
    try:
        with caplog.at_level(logging.ERROR, logger="eventhub.background"):
            enqueue(record, "lost")
    finally:
        app.conf.task_always_eager = True
    assert ran == []
    assert "task.enqueue_failed" in caplog.text
