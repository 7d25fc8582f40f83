"""Likes racing on one post: the counter always equals the like rows, and nobody likes it twice;
likes and comments racing the post's deletion are refused cleanly, never with a database error.

PostgreSQL only: SQLite's IMMEDIATE write lock queues whole transactions, so a
counter moved outside the like's transaction, or a missing row lock, would not show there.
"""

import threading

import pytest
from django.db import connection

from accounts.tests.factories import UserFactory
from community import posts as services
from community.models import Like, Post
from community.tests.factories import PostFactory
from eventhub.errors import DomainError, ErrorCode

pytestmark = [pytest.mark.postgres, pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

JOIN_TIMEOUT = 30
# PostgreSQL serves 100 connections: the threads all start at once, but at most this many hold one.
DATABASE_SESSIONS = 40


def race(scripts) -> tuple[list[str], list[str]]:
    """Run each script (a list of calls) in its own thread, all released at once.

    Returns the codes of the services' refusals and the other errors raised.
    """
    barrier = threading.Barrier(len(scripts))
    sessions = threading.BoundedSemaphore(DATABASE_SESSIONS)
    refusals, errors = [], []

    def run(script):
        barrier.wait(timeout=JOIN_TIMEOUT)
        with sessions:
            try:
                for call in script:
                    call()
            except DomainError as refusal:
                refusals.append(refusal.code)
            except Exception as error:  # anything else is a failure the test reports
                errors.append(repr(error))
            finally:
                connection.close()

    threads = [threading.Thread(target=run, args=(script,)) for script in scripts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return refusals, errors


def test_a_hundred_threads_liking_and_unliking_leave_the_counter_equal_to_the_likes():
    post = PostFactory()
    steady, fickle = UserFactory.create_batch(20), UserFactory.create_batch(30)

    def like(user):
        return lambda: services.like(by=user, target=post)

    def unlike(user):
        return lambda: services.unlike(by=user, target=post)

    # Two threads per person: the steady like twice in each, the fickle like then take it back.
    scripts = [[like(user), like(user)] for user in steady for _ in range(2)]
    scripts += [[like(user), unlike(user)] for user in fickle for _ in range(2)]
    connection.close()  # the test's own connection waits closed while the threads use theirs

    refusals, errors = race(scripts)

    assert (refusals, errors) == ([], [])
    post.refresh_from_db()
    likes = Like.objects.filter(post=post)
    assert post.like_count == likes.count()
    assert set(likes.filter(user__in=steady).values_list("user", flat=True)) == {user.pk for user in steady}


def test_likes_and_comments_racing_the_posts_deletion_end_in_a_clean_refusal():
    post = PostFactory()
    people = UserFactory.create_batch(20)
    scripts = [[lambda: services.delete_post(post=post, by=post.author)]]
    scripts += [[lambda user=user: services.like(by=user, target=post)] for user in people[:10]]
    scripts += [
        [lambda user=user: services.create_comment(post=post, author=user, body="Hi")] for user in people[10:]
    ]
    connection.close()

    refusals, errors = race(scripts)

    assert errors == []
    assert set(refusals) <= {ErrorCode.NOT_FOUND}
    assert not Post.objects.exists()
