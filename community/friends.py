"""Friend requests, friendships, blocks and people search: who may reach whom.

A pair of people has at most one Friendship row, pending while one asked and the
other has not answered, accepted once they are friends. Declining, cancelling,
removing and blocking delete it. Every change to a pair starts by locking the two
people's accounts, so two changes to one pair at once (opposite requests, a block
and a request) happen one after the other and the second sees what the first did.
"""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from community.models import Block, Friendship
from community.selectors import blocked_between
from eventhub.errors import DomainError, ErrorCode
from eventhub.text import search_fold

# The same words for an unknown id, a closed account and a block either way, so a block is not revealed.
NO_SUCH_PERSON = "There is no such person."
SEARCH_MIN_LENGTH = 2


def _no_such_person() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, NO_SUCH_PERSON)


def find_person(*, pk: int) -> User:
    """The account with id ``pk``, named by someone to befriend, block or remove as a friend."""
    person = User.objects.filter(pk=pk).first()
    if person is None:
        raise _no_such_person()
    return person


def lock_pair(a_id: int, b_id: int) -> Friendship | None:
    """Lock the two accounts, lower id first (so no two services deadlock), and read their row.

    FOR NO KEY UPDATE: other writers may still insert rows pointing at these accounts.
    """
    list(User.objects.select_for_update(no_key=True).filter(pk__in=(a_id, b_id)).order_by("pk"))
    low, high = sorted((a_id, b_id))
    return Friendship.objects.filter(user_low_id=low, user_high_id=high).first()


def _refuse_yourself(by: User, whom: User, message: str) -> None:
    if by.pk == whom.pk:
        raise DomainError(ErrorCode.YOURSELF, message)


@transaction.atomic
def request_friendship(*, by: User, to: User) -> Friendship:
    """Ask ``to`` to be friends; if ``to`` had already asked ``by``, that request is accepted instead.

    A block either way is refused in the words used for an unknown person.
    """
    _refuse_yourself(by, to, "You cannot send yourself a friend request.")
    row = lock_pair(by.pk, to.pk)
    if not to.is_active or blocked_between(by, to):
        raise _no_such_person()
    if row is None:
        return Friendship.objects.create(**Friendship.ordered(by, to), requested_by=by)
    if row.status == Friendship.Status.ACCEPTED:
        raise DomainError(ErrorCode.ALREADY_FRIENDS, f"You and {to.username} are already friends.")
    if row.requested_by_id == by.pk:
        raise DomainError(ErrorCode.ALREADY_REQUESTED, f"You already asked {to.username} to be friends.")
    return _accept(row)


def _open_request(friendship: Friendship, by: User, *, side: str) -> Friendship:
    """``friendship`` locked and still pending, when ``by`` is its ``side`` ("sender" or "recipient")."""
    row = lock_pair(friendship.user_low_id, friendship.user_high_id)
    if row is None or row.pk != friendship.pk:
        raise DomainError(ErrorCode.NOT_FOUND, "This friend request was withdrawn or answered.")
    if row.status == Friendship.Status.ACCEPTED:
        raise DomainError(ErrorCode.ALREADY_FRIENDS, "You are already friends.")
    sender = row.requested_by_id
    recipient = row.user_high_id if sender == row.user_low_id else row.user_low_id
    if by.pk != {"sender": sender, "recipient": recipient}[side]:
        raise DomainError(ErrorCode.NOT_ALLOWED, f"Only the request's {side} can do this.")
    return row


def _accept(row: Friendship) -> Friendship:
    row.status, row.accepted_at = Friendship.Status.ACCEPTED, timezone.now()
    row.save(update_fields=["status", "accepted_at"])
    return row


@transaction.atomic
def accept_request(*, friendship: Friendship, by: User) -> Friendship:
    """The person asked says yes: the two are friends."""
    return _accept(_open_request(friendship, by, side="recipient"))


@transaction.atomic
def decline_request(*, friendship: Friendship, by: User) -> None:
    """The person asked says no; the sender may ask again later."""
    _open_request(friendship, by, side="recipient").delete()


@transaction.atomic
def cancel_request(*, friendship: Friendship, by: User) -> None:
    """The sender takes the request back."""
    _open_request(friendship, by, side="sender").delete()


@transaction.atomic
def remove_friend(*, by: User, friend: User) -> None:
    """Either friend ends the friendship."""
    row = lock_pair(by.pk, friend.pk)
    if row is None or row.status != Friendship.Status.ACCEPTED:
        raise DomainError(ErrorCode.NOT_FOUND, f"You and {friend.username} are not friends.")
    row.delete()


@transaction.atomic
def block(*, by: User, whom: User) -> Block:
    """Hide ``by`` and ``whom`` from each other, ending their friendship or request. Blocking twice
    changes nothing."""
    _refuse_yourself(by, whom, "You cannot block yourself.")
    row = lock_pair(by.pk, whom.pk)
    if row is not None:
        row.delete()
    return Block.objects.get_or_create(blocker=by, blocked=whom)[0]


@transaction.atomic
def unblock(*, by: User, whom: User) -> None:
    """Stop blocking ``whom`` (a block ``whom`` holds on ``by`` stays). Nothing to undo changes nothing."""
    lock_pair(by.pk, whom.pk)
    Block.objects.filter(blocker=by, blocked=whom).delete()


def search_people(*, viewer: User, text: str) -> QuerySet[User]:
    """Other people whose username or display name contains ``text``, in any case and with or without
    accents: only those who let others find them, never anyone in a block with ``viewer`` either way.
    Fewer than SEARCH_MIN_LENGTH letters find nobody: one letter would match nearly everyone.

    One query (the blocks are subqueries), ordered by username for stable pages.
    """
    key = search_fold(text.strip())
    if not viewer.is_authenticated or len(key) < SEARCH_MIN_LENGTH:
        return User.objects.none()
    blocks = Block.objects.all()
    return (
        User.objects.filter(is_active=True, searchable=True, name_key__contains=key)
        .exclude(pk=viewer.pk)
        .exclude(pk__in=blocks.filter(blocker=viewer).values("blocked_id"))
        .exclude(pk__in=blocks.filter(blocked=viewer).values("blocker_id"))
        .order_by("username_key")
    )
