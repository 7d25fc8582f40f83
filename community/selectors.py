"""Who is whose friend and who blocks whom: the reads every community rule starts from."""

from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models import Exists, OuterRef, Q

from bookings.models import Booking
from community.models import Block, Friendship
from events.models import Event


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


def are_friends(a, b) -> bool:
    return Friendship.objects.between(a, b).filter(status=Friendship.Status.ACCEPTED).exists()


def blocked_between(a, b) -> bool:
    """Whether either of the two blocks the other."""
    return Block.objects.filter(Q(blocker=a, blocked=b) | Q(blocker=b, blocked=a)).exists()


def in_a_block_with(user, field: str = "pk") -> Q:
    """A filter: the row's ``field`` (a user id) blocks ``user`` or is blocked by them (two subqueries)."""
    blocks = Block.objects.all()
    return Q(**{f"{field}__in": blocks.filter(blocker=user).values("blocked_id")}) | Q(
        **{f"{field}__in": blocks.filter(blocked=user).values("blocker_id")}
    )


# Up to how many ids a read Circle lists in a filter; past it, that set stays a subquery (a list
# repeated in every filter of a page would cost more to send than the subquery costs to compile).
CIRCLE_LISTED = 500


@dataclass(frozen=True)
class Circle:
    """Whom ``user`` is friends with and whom they are in a block with (either way), as filters on a
    field holding a user id: ``is_friend_of`` and ``in_a_block_with`` as subqueries, or, once read
    (``Circle.read``), as lists of ids, which a page filtering several queries by them compiles
    several times faster. Both say the same."""

    user: object
    friend_ids: frozenset[int] | None = None
    blocked_ids: frozenset[int] | None = None

    @classmethod
    def read(cls, user) -> "Circle":
        """``user``'s friends and blocks, read in one query (a set past CIRCLE_LISTED stays a subquery).

        Plain SQL: building this read through the ORM costs fifteen times what running it does, on
        every page that reads it.
        """
        alias = router.db_for_read(Friendship)
        with connections[alias].cursor() as cursor:
            cursor.execute(_circle_sql(), {"user": user.pk, "accepted": Friendship.Status.ACCEPTED})
            rows = cursor.fetchall()
        found = {0: set(), 1: set()}
        for low, high, is_block in rows:
            found[is_block].add(high if low == user.pk else low)
        listed = {kind: frozenset(ids) if len(ids) <= CIRCLE_LISTED else None for kind, ids in found.items()}
        return cls(user, friend_ids=listed[0], blocked_ids=listed[1])

    def friends(self, field: str = "pk") -> Q:
        if self.friend_ids is None:
            return is_friend_of(self.user, field)
        return Q(**{f"{field}__in": self.friend_ids})

    def unblocked(self, field: str = "pk") -> Q:
        """A filter: the row's ``field`` is no one in a block with the user (no filter when nobody is)."""
        if self.blocked_ids is None:
            return ~in_a_block_with(self.user, field)
        return ~Q(**{f"{field}__in": self.blocked_ids}) if self.blocked_ids else Q()


@cache
def _circle_sql() -> str:
    """A person's accepted friendships (either side of the pair), then their blocks (either way)."""
    friendships, blocks = Friendship._meta.db_table, Block._meta.db_table
    return (
        f"SELECT user_low_id, user_high_id, 0 FROM {friendships} WHERE status = %(accepted)s"
        " AND (user_low_id = %(user)s OR user_high_id = %(user)s)"
        f" UNION ALL SELECT blocker_id, blocked_id, 1 FROM {blocks}"
        " WHERE blocker_id = %(user)s OR blocked_id = %(user)s"
    )


def friends_seats(viewer, *, ticket_type_id: int) -> dict[int, str]:
    """The seats of a seated ticket type that ``viewer``'s friends hold, each with the friend's name,
    so friends can sit together: the viewer's circle, then (when they have friends) their seats, in
    two queries however many sit; none for the signed out.

    Only friends who let friends see the events they go to, with open accounts; never anyone in a
    block with ``viewer`` either way.
    """
    if not viewer.is_authenticated:
        return {}
    circle = Circle.read(viewer)
    if circle.friend_ids == frozenset():
        return {}
    bookings = Booking.objects.holding().filter(
        circle.friends("user"),
        circle.unblocked("user"),
        ticket_type_id=ticket_type_id,
        seat__isnull=False,
        user__friends_see_my_events=True,
        user__is_active=True,
    )
    return {booking.seat_id: booking.user.name for booking in bookings.select_related("user")}


def friends_going_to(event, viewer) -> list:
    """``viewer``'s friends who hold a place at ``event`` (confirmed, or held while they pay) and let
    their friends see the events they go to; never anyone in a block with the viewer (one query)."""
    holding = Booking.objects.filter(event=event, status__in=Booking.HOLDING_STATUSES).values("user_id")
    friends = get_user_model().objects.filter(
        is_friend_of(viewer), pk__in=holding, friends_see_my_events=True, is_active=True
    )
    return list(
        friends.exclude(in_a_block_with(viewer)).only("username", "display_name", "first_name", "last_name")
    )


def requests_to(user):
    """Friend requests sent to ``user`` that wait for their answer."""
    pending = Friendship.objects.involving(user).filter(status=Friendship.Status.PENDING)
    return pending.exclude(requested_by=user)


# "Going to" on a profile: the soonest few.
GOING_TO_SHOWN = 10


def events_going_to(person, *, relation: str):
    """The upcoming events ``person`` has a confirmed place at, for a viewer who is ``relation`` to them
    ("you", "friends", ...): shown to themselves, and to their friends when they let friends see them;
    None for everyone else."""
    if not (relation == "you" or (relation == "friends" and person.friends_see_my_events)):
        return None
    booked = Booking.objects.filter(user=person, event=OuterRef("pk"), status=Booking.Status.CONFIRMED)
    upcoming = Event.objects.published_upcoming().filter(Exists(booked))
    return upcoming.order_by("starts_at", "pk")[:GOING_TO_SHOWN]
