"""Enqueueing background work: after the transaction commits, and never at a request's expense."""

import logging
import threading
from collections import deque

from django.db import transaction

logger = logging.getLogger("eventhub.background")

# Eager tasks (no broker) that were enqueued while another eager task ran, waiting their turn.
_eager = threading.local()


def enqueue(task, *args) -> None:
    """Run ``task`` with ``args`` once the current transaction commits (at once outside one).

    A rolled-back change enqueues nothing. With a broker the task goes to a worker;
    without one it runs here, eagerly. Either way a failure to enqueue (the broker
    is down) or an error in an eager task is logged and never turns the caller's
    response into an error: the change it follows has committed already, and the
    periodic jobs catch up with what they cover.
    """
    transaction.on_commit(lambda: _send(task, args))


def _send(task, args) -> None:
    if not task.app.conf.task_always_eager:
        _deliver(task, args)
        return
    waiting = getattr(_eager, "waiting", None)
    if waiting is not None:
        # Inside an eager task (one batch handing on to the next): run after it, not within
        # it, so a long chain is a loop here as it is a queue on a worker, never a deep stack.
        waiting.append((task, args))
        return
    _eager.waiting = deque([(task, args)])
    try:
        while _eager.waiting:
            _deliver(*_eager.waiting.popleft())
    finally:
        _eager.waiting = None


def _deliver(task, args) -> None:
    try:
        task.delay(*args)
    except Exception:
        logger.exception("task.enqueue_failed", extra={"event_data": {"task": task.name, "args": list(args)}})
