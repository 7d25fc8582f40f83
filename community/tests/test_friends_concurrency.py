"""Two changes to one pair at the same instant, on real threads: the pair lock puts them in a row.

They run on SQLite (IMMEDIATE transactions queue the writers) and on PostgreSQL (the two
accounts' row locks do).
"""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from community import friends
from community.models import Block, Friendship
from eventhub.errors import DomainError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

JOIN_TIMEOUT = 30
PAIRS = 8


def race(actions) -> list:
    """Run every action in its own thread, released together; what each returned or refused with."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[index] = action()
        except DomainError as refusal:
            outcomes[index] = refusal.code
        except Exception as error:  # anything else is a failure the test reports
            outcomes[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    return outcomes


def people_in_pairs():
    return [(UserFactory(), UserFactory()) for _ in range(PAIRS)]


def asks(sender, recipient):
    return lambda: friends.request_friendship(by=sender, to=recipient)


def blocks(blocker, blocked):
    return lambda: friends.block(by=blocker, whom=blocked)


def test_two_people_asking_each_other_at_once_become_friends_in_one_row():
    pairs = people_in_pairs()

    outcomes = race([action for a, b in pairs for action in (asks(a, b), asks(b, a))])

    assert all(isinstance(outcome, Friendship) for outcome in outcomes), outcomes
    for a, b in pairs:
        assert list(Friendship.objects.between(a, b).values_list("status", flat=True)) == ["accepted"]


def test_a_request_racing_a_block_never_outlives_it():
    pairs = people_in_pairs()

    outcomes = race([action for a, b in pairs for action in (blocks(a, b), asks(b, a))])

    assert not [outcome for outcome in outcomes if str(outcome).startswith("error")], outcomes
    assert Block.objects.count() == PAIRS
    assert not Friendship.objects.exists()
