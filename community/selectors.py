"""Who is whose friend and who blocks whom: the reads every community rule starts from."""

from django.contrib.auth import get_user_model
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


def friends_seats(viewer, *, ticket_type_id: int) -> dict[int, str]:
    """The seats of a seated ticket type that ``viewer``'s friends hold, each with the friend's name,
    so friends can sit together (one query; none for the signed out).

    Only friends who let friends see the events they go to, with open accounts; never anyone in a
    block with ``viewer`` either way.
    """
    if not viewer.is_authenticated:
        return {}
    bookings = (
        Booking.objects.holding()
        .filter(
            is_friend_of(viewer, "user"),
            ticket_type_id=ticket_type_id,
            seat__isnull=False,
            user__friends_see_my_events=True,
            user__is_active=True,
        )
        .exclude(in_a_block_with(viewer, "user"))
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
