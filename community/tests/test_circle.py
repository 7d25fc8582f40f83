"""A person's circle (their friends and blocks) read once for a page says what the subqueries say."""

import pytest

from accounts.models import User
from accounts.tests.factories import UserFactory
from community import selectors
from community.selectors import Circle
from community.tests.factories import BlockFactory, make_friends, make_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Me between two friends (one stored either side of the pair), a pending request, a block either
    way, and a friendship and a block that are not mine."""
    below, me, above, asking, blocker, blocked, x, y = UserFactory.create_batch(8)
    make_friends(below, me)
    make_friends(me, above)
    make_request(asking, me)
    BlockFactory(blocker=blocker, blocked=me)
    BlockFactory(blocker=me, blocked=blocked)
    make_friends(x, y)
    BlockFactory(blocker=x, blocked=y)
    return {"me": me, "friends": {below.pk, above.pk}, "blocks": {blocker.pk, blocked.pk}}


def test_a_read_circle_lists_accepted_friends_either_side_and_blocks_either_way(people):
    circle = Circle.read(people["me"])

    assert (circle.friend_ids, circle.blocked_ids) == (people["friends"], people["blocks"])


@pytest.mark.parametrize("listed", [500, 1, 0], ids=["ids", "friends past the limit", "both past it"])
def test_a_read_circle_filters_as_the_subqueries_do(people, monkeypatch, listed):
    monkeypatch.setattr(selectors, "CIRCLE_LISTED", listed)
    me = people["me"]

    read, subqueries = Circle.read(me), Circle(me)

    for circle in (read, subqueries):
        assert set(User.objects.filter(circle.friends()).values_list("pk", flat=True)) == people["friends"]
        unblocked = set(User.objects.filter(circle.unblocked()).values_list("pk", flat=True))
        assert unblocked == set(User.objects.values_list("pk", flat=True)) - people["blocks"]
    assert (read.friend_ids is None) == (listed < 2)


def test_nobody_blocked_filters_nobody_out(people):
    friend = User.objects.get(pk=min(people["friends"]))

    circle = Circle.read(friend)

    assert circle.blocked_ids == frozenset()
    assert User.objects.filter(circle.unblocked()).count() == User.objects.count()
