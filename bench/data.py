"""Bench data, written straight through the ORM in bulk: far faster than signing up over HTTP.

Call only after ``database.setup_django``. Rows are built the way the app would build them
(published events in the future, attendees with a usable password, confirmed bookings counted in
``booked_seats``), so ``check_booking_counters`` holds before and after every scenario.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from bookings.models import Booking
from community.models import Comment, Friendship, Like, Post
from events.models import DEFAULT_TICKET_TYPE_NAME, Event, Seat, TicketType

NO_CACHE = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
BATCH = 5_000
PASSWORD = "bench-password-not-secret"
SEATS_PER_ROW = 50  # at most: a hall's rows are as long as this, or shorter so every row is full
TYPE_NAMES = ("Standing", "Balcony", "VIP")
PRICE = Decimal("25.00")
COMMENTS_PER_POST = 2


def create_organizer(username: str = "bench-organizer") -> User:
    """Through the accounts service: an organizer's staff status and group follow the role."""
    from accounts.services import register_account

    return register_account(
        username=username, email=f"{username}@bench.invalid", password=PASSWORD, role="organizer"
    )


def create_attendees(prefix: str, count: int) -> list[User]:
    """Attendees share one password hash, computed once: hashing 100,000 times would take minutes."""
    password = make_password(PASSWORD)
    users = [
        User(username=f"{prefix}{i:06d}", email=f"{prefix}{i:06d}@bench.invalid", password=password)
        for i in range(count)
    ]
    return User.objects.bulk_create(users, batch_size=BATCH)


def access_tokens(users: list[User]) -> list[str]:
    """Access tokens signed with the servers' SECRET_KEY; minting them touches no table."""
    from rest_framework_simplejwt.tokens import AccessToken

    return [str(AccessToken.for_user(user)) for user in users]


def _event(organizer: User, title: str, capacity: int, days_ahead: int) -> Event:
    starts = timezone.now() + timedelta(days=days_ahead)
    return Event(
        organizer=organizer,
        title=title,
        description="A bench event.",
        location="Main hall, 1 Bench Street",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=capacity,
        status=Event.Status.PUBLISHED,
    )


def _general_admission(event: Event) -> TicketType:
    return TicketType(event=event, name=DEFAULT_TICKET_TYPE_NAME, capacity=event.capacity)


def _saved_event(organizer: User, title: str, capacity: int) -> Event:
    event = _event(organizer, title, capacity, days_ahead=30)
    event.save()
    return event


def create_event(organizer: User, *, title: str, capacity: int) -> Event:
    """An event selling its one default type, as most events do."""
    event = _saved_event(organizer, title, capacity)
    _general_admission(event).save()
    return event


def create_typed_event(
    organizer: User,
    *,
    title: str,
    capacity: int,
    names: tuple[str, ...] = TYPE_NAMES,
    price: Decimal = Decimal("0.00"),
) -> tuple[Event, list[TicketType]]:
    """An event selling a type of each of ``names`` at ``price`` (free by default: a priced ticket is
    held until paid) through the events service, each with room for everyone."""
    from events.services import create_ticket_type

    event = _saved_event(organizer, title, capacity)
    types = [
        create_ticket_type(event=event, by=organizer, name=name, capacity=capacity, price=price)
        for name in names
    ]
    return event, types


def hall(seats: int):
    """A layout of exactly ``seats`` seats in full rows of at most SEATS_PER_ROW."""
    from events.services import SeatLayout

    per_row = next(n for n in range(min(seats, SEATS_PER_ROW), 0, -1) if seats % n == 0)
    return SeatLayout(rows=seats // per_row, seats_per_row=per_row)


def create_seated_event(organizer: User, *, title: str, seats: int) -> tuple[Event, TicketType]:
    """An event selling one seated type of ``seats`` numbered seats, laid out by the events service."""
    from events.services import create_ticket_type

    event = _saved_event(organizer, title, seats)
    return event, create_ticket_type(event=event, by=organizer, name="Stalls", layout=hall(seats))


def create_events(organizer: User, count: int, *, start: int = 0) -> None:
    """Published upcoming events, one a day apart by the hour, so the list pages are full."""
    events = [
        _event(organizer, f"Bench concert {i}", capacity=100, days_ahead=1 + i % 365)
        for i in range(start, count)
    ]
    Event.objects.bulk_create(events, batch_size=BATCH)
    TicketType.objects.bulk_create(map(_general_admission, events), batch_size=BATCH)


@transaction.atomic
def fill_event(event: Event, holders: list[User], *, cancelled: int) -> None:
    """Give each holder a booking: the last ``cancelled`` are cancelled, the rest confirmed and counted."""
    now = timezone.now()
    confirmed = len(holders) - cancelled
    ticket_type = TicketType.objects.get(event=event)
    bookings = [
        Booking(
            event=event,
            ticket_type=ticket_type,
            user=user,
            status=Booking.Status.CONFIRMED if i < confirmed else Booking.Status.CANCELLED,
            cancelled_at=None if i < confirmed else now,
        )
        for i, user in enumerate(holders)
    ]
    Booking.objects.bulk_create(bookings, batch_size=BATCH)
    Event.objects.filter(pk=event.pk).update(booked_seats=confirmed)
    TicketType.objects.filter(pk=ticket_type.pk).update(booked_seats=confirmed)


def make_friends(person: User, friends: list[User]) -> None:
    """Accepted friendships between ``person`` and each of ``friends``, as accepting requests leaves them."""
    now = timezone.now()
    Friendship.objects.bulk_create(
        Friendship(
            **Friendship.ordered(person, friend),
            requested_by=person,
            status=Friendship.Status.ACCEPTED,
            accepted_at=now,
        )
        for friend in friends
    )


@transaction.atomic
def write_posts(friends: list[User], events: list[Event], *, count: int, liked_by: User) -> None:
    """``count`` posts by ``friends`` about ``events`` in turn, every fourth for friends only, each with
    two comments, every third liked by ``liked_by``: all a feed shows of a post, with its counters."""
    posts = Post.objects.bulk_create(
        Post(
            author=friends[i % len(friends)],
            event=events[i % len(events)],
            body=f"Who else is going? ({i})",
            visibility=Post.Visibility.FRIENDS if i % 4 == 0 else Post.Visibility.PUBLIC,
            comment_count=COMMENTS_PER_POST,
            like_count=int(i % 3 == 0),
        )
        for i in range(count)
    )
    Comment.objects.bulk_create(
        Comment(post=post, author=friends[(i + n + 1) % len(friends)], body=f"Me too ({n})")
        for i, post in enumerate(posts)
        for n in range(COMMENTS_PER_POST)
    )
    Like.objects.bulk_create(Like(user=liked_by, post=post) for post in posts if post.like_count)


def session_cookie(user: User) -> dict[str, str]:
    """The Cookie header of a session signed in as ``user``, started in this process as signing in
    would start it: the servers read its row from the same database."""
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return {"Cookie": f"{name}={client.cookies[name].value}"}


def analyze() -> None:
    """Fresh planner statistics after a bulk load, as autovacuum would give a live database."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def confirmed_bookings(event: Event) -> int:
    """Places taken: confirmed bookings and unpaid holds of priced types, as the counters count them."""
    return Booking.objects.filter(event=event).holding().count()


def bookings_held(event: Event) -> int:
    return Booking.objects.filter(event=event).count()


def seat_ids(ticket_type: TicketType) -> list[int]:
    return list(Seat.objects.filter(ticket_type=ticket_type).values_list("pk", flat=True))


def seats_held(ticket_type: TicketType) -> int:
    return Seat.objects.filter(ticket_type=ticket_type, held=True).count()


def distinct_seats_confirmed(event: Event) -> int:
    """Different seats among the event's places taken: fewer than the bookings if one is sold twice."""
    confirmed = Booking.objects.filter(event=event, seat__isnull=False).holding()
    return confirmed.values("seat").distinct().count()


def queries_per_request(path: str, user: User | None = None) -> tuple[int, int]:
    """(status, SQL queries) for one GET, anonymous or signed in as ``user``, served in this process by
    the app's own stack.

    Without the cache, so the count is the page's own rendering, not a copy kept from the first request.
    """
    client = Client(HTTP_HOST="127.0.0.1")
    if user is not None:
        client.force_login(user)
    client.get(path)  # the first request warms caches (content types, templates) that later ones reuse
    with override_settings(CACHES=NO_CACHE), CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    return response.status_code, len(queries)


def open_seats(event: Event, seats: int, *, by: User) -> None:
    """Add seats to a sold-out event through the app's own service, as its organizer would."""
    from events.services import change_capacity

    event.refresh_from_db()
    change_capacity(event=event, capacity=event.booked_seats + seats, by=by)
