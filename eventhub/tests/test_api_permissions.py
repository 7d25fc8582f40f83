"""Who may do what: every API endpoint and method against every kind of caller."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings.tests.factories import make_booking
from community.messaging import send_message
from community.posts import create_comment
from community.tests.factories import PostFactory, make_friends
from events.series import WEEKDAY_NAMES
from events.tests.factories import EventFactory, make_series

ROLES = ("anonymous", "attendee", "other_attendee", "organizer", "other_organizer", "staff")


def event_body(world):
    starts_at = timezone.now() + timedelta(days=10)
    return {
        "title": "Board games",
        "location": "Library",
        "starts_at": starts_at.isoformat(),
        "ends_at": (starts_at + timedelta(hours=3)).isoformat(),
        "capacity": 20,
    }


def no_body(world):
    return None


def weekly_body(event):
    """Repeat ``event`` weekly on its own weekday (the factory's events are on UTC's clock), 3 dates."""
    weekday = WEEKDAY_NAMES[event.starts_at.weekday()].lower()
    return {"event": event.pk, "frequency": "weekly", "weekdays": [weekday], "count": 3}


# (method, address, body, expected status for each of ROLES, in order)
MATRIX = [
    (
        "post",
        "/api/auth/register/",
        lambda w: {
            "username": "newcomer",
            "email": "new@example.com",
            "password": "s3cret-enough!",
            "role": "attendee",
        },
        (201, 201, 201, 201, 201, 201),
    ),
    (
        "post",
        "/api/auth/token/",
        lambda w: {"username": w.attendee.username, "password": DEFAULT_PASSWORD},
        (200, 200, 200, 200, 200, 200),
    ),
    (
        "post",
        "/api/auth/token/refresh/",
        lambda w: {"refresh": str(RefreshToken.for_user(w.attendee))},
        (200, 200, 200, 200, 200, 200),
    ),
    (
        "post",
        "/api/auth/logout/",
        lambda w: {"refresh": str(RefreshToken.for_user(w.attendee))},
        (205, 205, 205, 205, 205, 205),
    ),
    ("post", "/api/auth/password-reset/", lambda w: {"email": "someone@example.com"}, (202,) * 6),
    (
        "post",
        "/api/auth/password-reset/confirm/",
        lambda w: {"uid": "MQ", "token": "made-up", "new_password": "another-long-secret-7"},
        (400,) * 6,
    ),
    ("get", "/api/users/me/", no_body, (401, 200, 200, 200, 200, 200)),
    ("post", "/api/users/me/verify-email/", no_body, (401, 409, 409, 409, 409, 409)),  # all confirmed
    ("post", "/api/users/me/calendar-feed/", no_body, (401, 200, 200, 200, 200, 200)),
    ("patch", "/api/users/me/", lambda w: {"timezone": "Europe/Oslo"}, (401, 200, 200, 200, 200, 200)),
    (
        "post",
        "/api/users/me/password/",
        lambda w: {"old_password": DEFAULT_PASSWORD, "new_password": "another-long-secret-7"},
        (401, 204, 204, 204, 204, 204),
    ),
    ("get", "/api/users/", no_body, (401, 403, 403, 403, 403, 200)),
    ("get", "/api/users/{attendee}/", no_body, (401, 200, 404, 404, 404, 200)),
    ("patch", "/api/users/{attendee}/", lambda w: {"first_name": "Ada"}, (401, 200, 404, 404, 404, 200)),
    ("delete", "/api/users/{attendee}/", no_body, (401, 204, 404, 404, 404, 204)),
    ("get", "/api/users/?search=user", no_body, (401, 200, 200, 200, 200, 200)),
    ("get", "/api/friends/", no_body, (401, 200, 200, 200, 200, 200)),
    ("get", "/api/friends/requests/", no_body, (401, 200, 200, 200, 200, 200)),
    ("post", "/api/friends/requests/", lambda w: {"user": w.attendee.pk}, (401, 400, 201, 201, 201, 201)),
    ("delete", "/api/friends/{attendee}/", no_body, (401, 404, 404, 404, 404, 404)),  # nobody's friend
    ("get", "/api/blocks/", no_body, (401, 200, 200, 200, 200, 200)),
    ("post", "/api/blocks/", lambda w: {"user": w.attendee.pk}, (401, 400, 201, 201, 201, 201)),
    ("delete", "/api/blocks/{attendee}/", no_body, (401, 404, 404, 404, 404, 404)),  # nobody blocks them
    # The attendee wrote a public post about the organizer's event, and a comment on it.
    ("get", "/api/posts/", no_body, (200, 200, 200, 200, 200, 200)),
    ("post", "/api/posts/", lambda w: {"body": "Hello"}, (401, 201, 201, 201, 201, 201)),
    ("get", "/api/posts/{post}/", no_body, (200, 200, 200, 200, 200, 200)),
    ("patch", "/api/posts/{post}/", lambda w: {"body": "Edited"}, (401, 200, 403, 403, 403, 403)),
    ("delete", "/api/posts/{post}/", no_body, (401, 204, 403, 403, 403, 204)),
    ("post", "/api/posts/{post}/like/", no_body, (401, 200, 200, 200, 200, 200)),
    ("delete", "/api/posts/{post}/like/", no_body, (401, 200, 200, 200, 200, 200)),
    ("post", "/api/posts/{post}/share/", no_body, (401, 201, 201, 201, 201, 201)),
    ("post", "/api/posts/{post}/hide/", no_body, (401, 403, 403, 200, 403, 200)),
    ("post", "/api/posts/{post}/unhide/", no_body, (401, 403, 403, 200, 403, 200)),
    ("get", "/api/posts/{post}/comments/", no_body, (200, 200, 200, 200, 200, 200)),
    ("post", "/api/posts/{post}/comments/", lambda w: {"body": "Hi"}, (401, 201, 201, 201, 201, 201)),
    ("patch", "/api/comments/{comment}/", lambda w: {"body": "Edited"}, (401, 200, 403, 403, 403, 403)),
    ("delete", "/api/comments/{comment}/", no_body, (401, 204, 403, 403, 403, 204)),
    ("post", "/api/comments/{comment}/like/", no_body, (401, 200, 200, 200, 200, 200)),
    ("post", "/api/comments/{comment}/hide/", no_body, (401, 403, 403, 200, 403, 200)),
    ("get", "/api/feed/", no_body, (401, 200, 200, 200, 200, 200)),
    # The attendee has a conversation with a friend (pal) who holds none of the roles.
    ("get", "/api/conversations/", no_body, (401, 200, 200, 200, 200, 200)),
    (
        "post",
        "/api/conversations/",
        lambda w: {"user": w.pal.pk, "body": "Hi"},
        (401, 201, 403, 403, 403, 403),
    ),
    ("get", "/api/conversations/{conversation}/messages/", no_body, (401, 200, 404, 404, 404, 404)),
    (
        "post",
        "/api/conversations/{conversation}/messages/",
        lambda w: {"body": "Hi"},
        (401, 201, 404, 404, 404, 404),
    ),
    (
        "post",
        "/api/reports/",
        lambda w: {"post": w.post.pk, "reason": "Spam"},
        (401, 201, 201, 201, 201, 201),
    ),
    (
        "post",
        "/api/reports/?of=message",
        lambda w: {"message": w.message.pk, "reason": "Spam"},
        (401, 201, 400, 400, 400, 400),
    ),
    ("get", "/api/events/", no_body, (200, 200, 200, 200, 200, 200)),
    ("post", "/api/events/", event_body, (401, 403, 403, 201, 201, 403)),
    ("get", "/api/events/{event}/", no_body, (200, 200, 200, 200, 200, 200)),
    ("get", "/api/events/{draft}/", no_body, (404, 404, 404, 200, 404, 200)),
    ("put", "/api/events/{event}/", event_body, (401, 403, 403, 200, 403, 200)),
    ("patch", "/api/events/{event}/", lambda w: {"title": "Renamed"}, (401, 403, 403, 200, 403, 200)),
    ("delete", "/api/events/{empty}/", no_body, (401, 403, 403, 204, 403, 204)),
    # Without a file the organizer and staff get as far as the field error.
    ("put", "/api/events/{event}/image/", no_body, (401, 403, 403, 400, 403, 400)),
    ("delete", "/api/events/{event}/image/", no_body, (401, 403, 403, 204, 403, 204)),
    ("put", "/api/events/{draft}/image/", no_body, (401, 404, 404, 400, 404, 400)),
    ("delete", "/api/events/{draft}/", no_body, (401, 404, 404, 204, 404, 204)),
    ("get", "/api/events/{event}/bookings/", no_body, (401, 403, 403, 200, 403, 200)),
    (
        "post",
        "/api/events/{event}/check-ins/",
        lambda w: {"code": w.booking.ticket_code},
        (401, 403, 403, 201, 403, 201),
    ),
    ("post", "/api/events/{draft}/check-ins/", lambda w: {"code": "x"}, (401, 404, 404, 404, 404, 404)),
    ("delete", "/api/events/{event}/check-ins/{booking}/", no_body, (401, 403, 403, 204, 403, 204)),
    ("post", "/api/bookings/", lambda w: {"event": w.empty.pk}, (401, 201, 201, 403, 403, 201)),
    ("get", "/api/series/", no_body, (200, 200, 200, 200, 200, 200)),
    ("get", "/api/series/{series}/", no_body, (200, 200, 200, 200, 200, 200)),
    ("post", "/api/series/", lambda w: weekly_body(w.empty), (401, 403, 403, 201, 403, 403)),
    ("post", "/api/series/{series}/cancel/", no_body, (401, 403, 403, 200, 403, 200)),
    ("get", "/api/bookings/", no_body, (401, 200, 200, 200, 200, 200)),
    ("get", "/api/bookings/{booking}/", no_body, (401, 200, 404, 200, 404, 200)),
    ("post", "/api/bookings/{booking}/cancel/", no_body, (401, 200, 404, 200, 404, 200)),
    ("get", "/api/schema/", no_body, (200, 200, 200, 200, 200, 200)),
    ("get", "/api/docs/", no_body, (200, 200, 200, 200, 200, 200)),
]

CASES = [
    pytest.param(method, address, body, role, expected[i], id=f"{method.upper()} {address} as {role}")
    for method, address, body, expected in MATRIX
    for i, role in enumerate(ROLES)
]


@pytest.fixture
def world(request, published_event, draft_event, organizer, attendee):
    """The attendee holds a booking at the organizer's published event; `empty` has no bookings yet."""
    people = {role: request.getfixturevalue(role) for role in ROLES[1:]}
    post = PostFactory(author=attendee, event=published_event)
    pal = UserFactory()
    make_friends(attendee, pal)
    message = send_message(sender=pal, to=attendee, body="Hello")
    return SimpleNamespace(
        **people,
        event=published_event,
        draft=draft_event,
        empty=EventFactory(organizer=organizer),
        booking=make_booking(user=attendee, event=published_event),
        post=post,
        comment=create_comment(post=post, author=attendee, body="First"),
        pal=pal,
        message=message,
        conversation=message.conversation,
        series=make_series(EventFactory(organizer=organizer), count=2),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "address", "body", "role", "expected"), CASES)
def test_permission_matrix(api_client, world, method, address, body, role, expected):
    if role != "anonymous":
        api_client.force_authenticate(getattr(world, role))
    url = address.format(
        **{
            name: getattr(world, name).pk
            for name in (
                "attendee",
                "event",
                "draft",
                "empty",
                "booking",
                "post",
                "comment",
                "conversation",
                "series",
            )
        }
    )

    response = getattr(api_client, method)(url, body(world))

    assert response.status_code == expected, response.content
