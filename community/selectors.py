"""Who is whose friend and who blocks whom: the reads every community rule starts from."""

from django.db.models import Q

from community.models import Block, Friendship


def is_friend_of(user, field: str = "pk") -> Q:
    """A filter: the row's ``field`` (a user id: "pk", "author") is one of ``user``'s friends.

    Two indexed subqueries (the pair is stored lowest id first), so a list filtered
    by it stays one query.
    """
    accepted = Friendship.objects.filter(status=Friendship.Status.ACCEPTED)
    return Q(**{f"{field}__in": accepted.filter(user_high=user).values("user_low_id")}) | Q(
        **{f"{field}__in": accepted.filter(user_low=user).values("user_high_id")}
    )


def friend_id_set(user) -> set[int]:
    """The ids of ``user``'s friends, read at once (one query)."""
    rows = Friendship.objects.involving(user).filter(status=Friendship.Status.ACCEPTED)
    return {
        pair[0] if pair[1] == user.pk else pair[1] for pair in rows.values_list("user_low_id", "user_high_id")
    }


def blocked_id_set(user) -> set[int]:
    """Everyone ``user`` blocks or is blocked by: hidden from each other both ways (one query)."""
    rows = Block.objects.filter(Q(blocker=user) | Q(blocked=user)).values_list("blocker_id", "blocked_id")
    return {blocked if blocker == user.pk else blocker for blocker, blocked in rows}


def are_friends(a, b) -> bool:
    return Friendship.objects.between(a, b).filter(status=Friendship.Status.ACCEPTED).exists()


def blocked_between(a, b) -> bool:
    """Whether either of the two blocks the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()
