"""The seat map marks the seats the viewer's friends hold, so friends can sit together: only friends
who let friends see the events they go to, never across a block, nothing for the signed out; one
query, however many friends are there."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings import services
from community.selectors import friends_seats
from community.tests.factories import BlockFactory, make_friends
from events import services as event_services
from events.models import Seat
from events.services import SeatLayout
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

FRIEND_MARK = "seat--friend"


@pytest.fixture
def stalls(organizer):
    """Free stalls, rows A and B of seats 1 to 5: booked on the spot, no checkout."""
    event = EventFactory(organizer=organizer, title="Hamlet", capacity=20)
    return event_services.create_ticket_type(
        event=event,
        by=organizer,
        name="Stalls",
        price=Decimal("0.00"),
        layout=SeatLayout(rows=2, seats_per_row=5),
    )


@pytest.fixture
def ada(attendee):
    """The attendee's friend Ada, in seat A1."""
    friend = UserFactory(username="ada_l", display_name="Ada")
    make_friends(attendee, friend)
    return friend


def sit(user, stalls, row: str, number: int) -> None:
    seat = Seat.objects.get(ticket_type=stalls, row=row, number=number)
    services.book(user=user, event=stalls.event, ticket_type=stalls, seat=seat)


def seat_map_of(client, stalls):
    return client.get(
        reverse("bookings:seats", kwargs={"event_id": stalls.event_id, "ticket_type_id": stalls.pk})
    )


def seat_input(response, label: str) -> str:
    """The whole <input> tag of the seat whose screen-reader name starts with ``label``."""
    return re.search(rf'<input [^>]*aria-label="{label}[,"][^>]*>', response.text).group(0)


def test_a_friends_seat_is_marked_with_their_name(client, attendee, ada, stalls):
    sit(ada, stalls, "A", 1)
    client.force_login(attendee)

    response = seat_map_of(client, stalls)

    tag = seat_input(response, "Row A, seat 1")
    assert 'class="taken seat--friend"' in tag
    assert 'aria-label="Row A, seat 1, held by your friend Ada"' in tag
    assert "Your friends" in response.text  # the key explains the mark


def test_a_strangers_seat_is_only_taken(client, attendee, stalls):
    sit(UserFactory(display_name="Stranger"), stalls, "A", 2)
    client.force_login(attendee)

    response = seat_map_of(client, stalls)

    assert 'aria-label="Row A, seat 2, taken"' in seat_input(response, "Row A, seat 2")
    assert FRIEND_MARK not in response.text


@pytest.mark.parametrize("ada_blocks", [True, False], ids=["ada blocks", "ada is blocked"])
def test_a_friend_in_a_block_either_way_is_not_marked(client, attendee, ada, stalls, ada_blocks):
    sit(ada, stalls, "A", 1)
    BlockFactory(blocker=ada, blocked=attendee) if ada_blocks else BlockFactory(blocker=attendee, blocked=ada)
    client.force_login(attendee)

    response = seat_map_of(client, stalls)

    assert 'aria-label="Row A, seat 1, taken"' in seat_input(response, "Row A, seat 1")
    assert FRIEND_MARK not in response.text and "Ada" not in response.text


def test_a_friend_who_keeps_their_events_to_themselves_is_not_marked(client, attendee, ada, stalls):
    sit(ada, stalls, "A", 1)
    ada.friends_see_my_events = False
    ada.save(update_fields=["friends_see_my_events"])
    client.force_login(attendee)

    response = seat_map_of(client, stalls)

    assert FRIEND_MARK not in response.text and "Ada" not in response.text


def test_the_signed_out_see_no_marks(client, ada, stalls):
    sit(ada, stalls, "A", 1)

    response = seat_map_of(client, stalls)

    assert 'aria-label="Row A, seat 1, taken"' in seat_input(response, "Row A, seat 1")
    assert FRIEND_MARK not in response.text


def test_a_friends_name_is_shown_as_text(client, attendee, ada, stalls):
    ada.display_name = '"><script>alert(1)</script>'
    ada.save(update_fields=["display_name"])
    sit(ada, stalls, "A", 1)
    client.force_login(attendee)

    response = seat_map_of(client, stalls)

    assert "<script>alert(1)" not in response.text
    assert "held by your friend &quot;&gt;&lt;script&gt;" in seat_input(response, "Row A, seat 1")


def test_friends_seats_are_read_in_two_queries_however_many_friends_sit(
    attendee, stalls, django_assert_num_queries
):
    for number in range(1, 6):
        friend = UserFactory()
        make_friends(attendee, friend)
        sit(friend, stalls, "B", number)

    with django_assert_num_queries(2):  # the viewer's friends and blocks, then their seats
        seats = friends_seats(attendee, ticket_type_id=stalls.pk)

    assert len(seats) == 5


def test_someone_without_friends_has_no_seats_read(attendee, stalls, django_assert_num_queries):
    sit(UserFactory(), stalls, "B", 1)

    with django_assert_num_queries(1):  # only the viewer's circle: nobody in it to look for
        assert friends_seats(attendee, ticket_type_id=stalls.pk) == {}


def test_the_map_costs_the_same_queries_with_one_friend_or_many(
    client, attendee, ada, stalls, django_assert_max_num_queries
):
    sit(ada, stalls, "A", 1)
    client.force_login(attendee)
    with CaptureQueriesContext(connection) as few:
        seat_map_of(client, stalls)
    for number in range(1, 6):
        friend = UserFactory()
        make_friends(attendee, friend)
        sit(friend, stalls, "B", number)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = seat_map_of(client, stalls)

    assert response.text.count(FRIEND_MARK) == 6 + 1  # six seats and the key
