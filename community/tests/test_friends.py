"""Friend requests, friendships and blocks: every rule of community.friends."""

import pytest

from accounts.tests.factories import UserFactory
from community import friends
from community.models import Block, Friendship
from community.selectors import are_friends
from community.tests.factories import BlockFactory, make_friends, make_request
from eventhub.errors import DomainError, ErrorCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(db):
    return UserFactory(username="ann")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def refusal(action) -> DomainError:
    with pytest.raises(DomainError) as caught:
        action()
    return caught.value


def rows(a, b):
    return list(Friendship.objects.between(a, b))


# Asking ------------------------------------------------------------------------


def test_a_request_waits_for_an_answer_whichever_id_is_lower(ann, bob):
    for sender, recipient in ((ann, bob), (UserFactory(), ann)):
        request = friends.request_friendship(by=sender, to=recipient)

        assert rows(sender, recipient) == [request]
        assert request.status == Friendship.Status.PENDING
        assert request.requested_by == sender
        assert not are_friends(sender, recipient)


def test_nobody_befriends_themself(ann):
    error = refusal(lambda: friends.request_friendship(by=ann, to=ann))

    assert error.code == ErrorCode.YOURSELF
    assert not Friendship.objects.exists()


@pytest.mark.parametrize("ann_blocks", [True, False], ids=["the sender blocks", "the recipient blocks"])
def test_a_block_either_way_is_refused_as_if_the_person_did_not_exist(ann, bob, ann_blocks):
    BlockFactory(blocker=ann, blocked=bob) if ann_blocks else BlockFactory(blocker=bob, blocked=ann)
    unknown = refusal(lambda: friends.find_person(pk=10**9))

    error = refusal(lambda: friends.request_friendship(by=ann, to=bob))

    assert (error.code, error.message) == (unknown.code, unknown.message)
    assert not Friendship.objects.exists()


def test_a_closed_account_cannot_be_asked(ann, bob):
    bob.is_active = False
    bob.save()

    assert refusal(lambda: friends.request_friendship(by=ann, to=bob)).message == friends.NO_SUCH_PERSON


def test_friends_are_not_asked_again(ann, bob):
    make_friends(ann, bob)

    assert refusal(lambda: friends.request_friendship(by=bob, to=ann)).code == ErrorCode.ALREADY_FRIENDS


def test_a_request_is_sent_once(ann, bob):
    make_request(ann, bob)

    assert refusal(lambda: friends.request_friendship(by=ann, to=bob)).code == ErrorCode.ALREADY_REQUESTED
    assert len(rows(ann, bob)) == 1


def test_asking_someone_who_asked_you_makes_you_friends(ann, bob):
    theirs = make_request(bob, ann)

    friendship = friends.request_friendship(by=ann, to=bob)

    assert friendship.pk == theirs.pk
    assert friendship.status == Friendship.Status.ACCEPTED
    assert friendship.accepted_at is not None
    assert are_friends(ann, bob)


# Answering ---------------------------------------------------------------------


def test_the_person_asked_accepts(ann, bob):
    request = make_request(ann, bob)

    friendship = friends.accept_request(friendship=request, by=bob)

    assert friendship.status == Friendship.Status.ACCEPTED
    assert friendship.accepted_at is not None
    assert are_friends(ann, bob)


@pytest.mark.parametrize("answer", [friends.accept_request, friends.decline_request])
def test_only_the_person_asked_answers(ann, bob, answer):
    request = make_request(ann, bob)

    for someone in (ann, UserFactory()):
        assert refusal(lambda: answer(friendship=request, by=someone)).code == ErrorCode.NOT_ALLOWED  # noqa: B023
    assert rows(ann, bob)[0].status == Friendship.Status.PENDING


def test_the_person_asked_declines_and_may_be_asked_again(ann, bob):
    request = make_request(ann, bob)

    friends.decline_request(friendship=request, by=bob)

    assert rows(ann, bob) == []
    assert friends.request_friendship(by=ann, to=bob).status == Friendship.Status.PENDING


def test_the_sender_cancels_and_only_the_sender(ann, bob):
    request = make_request(ann, bob)

    assert refusal(lambda: friends.cancel_request(friendship=request, by=bob)).code == ErrorCode.NOT_ALLOWED
    friends.cancel_request(friendship=request, by=ann)

    assert rows(ann, bob) == []


@pytest.mark.parametrize(
    "answer",
    [friends.accept_request, friends.decline_request, friends.cancel_request],
    ids=lambda f: f.__name__,
)
def test_a_withdrawn_request_cannot_be_answered(ann, bob, answer):
    stale = make_request(ann, bob)
    Friendship.objects.filter(pk=stale.pk).delete()
    assert refusal(lambda: answer(friendship=stale, by=bob)).code == ErrorCode.NOT_FOUND

    make_request(bob, ann)  # a new request in its place is not the one answered
    assert refusal(lambda: answer(friendship=stale, by=bob)).code == ErrorCode.NOT_FOUND


def test_accepting_twice_says_you_are_friends(ann, bob):
    request = make_request(ann, bob)
    friends.accept_request(friendship=request, by=bob)

    assert (
        refusal(lambda: friends.accept_request(friendship=request, by=bob)).code == ErrorCode.ALREADY_FRIENDS
    )


# Ending ------------------------------------------------------------------------


@pytest.mark.parametrize("remover", ["ann", "bob"])
def test_either_friend_removes_the_friendship(ann, bob, remover):
    make_friends(ann, bob)
    by, friend = (ann, bob) if remover == "ann" else (bob, ann)

    friends.remove_friend(by=by, friend=friend)

    assert rows(ann, bob) == []


def test_removing_is_for_friends_not_for_requests(ann, bob):
    make_request(ann, bob)

    assert refusal(lambda: friends.remove_friend(by=ann, friend=bob)).code == ErrorCode.NOT_FOUND
    assert refusal(lambda: friends.remove_friend(by=ann, friend=UserFactory())).code == ErrorCode.NOT_FOUND
    assert len(rows(ann, bob)) == 1


# Blocking ----------------------------------------------------------------------


@pytest.mark.parametrize("row", [make_friends, make_request, lambda a, b: make_request(b, a)])
def test_blocking_ends_a_friendship_or_a_request_either_way(ann, bob, row):
    row(ann, bob)

    block = friends.block(by=ann, whom=bob)

    assert (block.blocker, block.blocked) == (ann, bob)
    assert rows(ann, bob) == []


def test_blocking_twice_changes_nothing(ann, bob):
    first = friends.block(by=ann, whom=bob)

    assert friends.block(by=ann, whom=bob) == first
    assert Block.objects.count() == 1


def test_nobody_blocks_themself(ann):
    assert refusal(lambda: friends.block(by=ann, whom=ann)).code == ErrorCode.YOURSELF


def test_the_blocked_person_may_block_back_and_each_block_is_undone_alone(ann, bob):
    friends.block(by=ann, whom=bob)
    friends.block(by=bob, whom=ann)

    friends.unblock(by=bob, whom=ann)

    assert list(Block.objects.values_list("blocker", "blocked")) == [(ann.pk, bob.pk)]
    assert refusal(lambda: friends.request_friendship(by=bob, to=ann)).message == friends.NO_SUCH_PERSON


def test_after_unblocking_the_two_may_be_friends_again(ann, bob):
    friends.block(by=ann, whom=bob)
    friends.unblock(by=ann, whom=bob)
    friends.unblock(by=ann, whom=bob)  # nothing left to undo: changes nothing

    assert friends.request_friendship(by=bob, to=ann).status == Friendship.Status.PENDING


def test_a_block_that_fails_leaves_the_friendship(ann, bob, monkeypatch):
    make_friends(ann, bob)

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Block.objects, "get_or_create", broken)
    with pytest.raises(RuntimeError):
        friends.block(by=ann, whom=bob)

    assert are_friends(ann, bob)


def test_an_unknown_id_names_no_such_person():
    error = refusal(lambda: friends.find_person(pk=10**9))

    assert (error.code, error.message) == (ErrorCode.NOT_FOUND, friends.NO_SUCH_PERSON)
