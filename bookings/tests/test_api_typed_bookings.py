"""Booking a ticket type and a seat through /api/bookings/, moving with /change/, how bookings show them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import fill, make_booking
from events import services
from events.models import DEFAULT_TICKET_TYPE_NAME, TicketType
from events.tests.factories import EventFactory, TicketTypeFactory
from payments.tests.factories import pay

pytestmark = pytest.mark.django_db

LIST = "/api/bookings/"


def change_url(booking):
    return f"/api/bookings/{booking.pk}/change/"


def general_admission(event) -> TicketType:
    return event.ticket_types.get(name=DEFAULT_TICKET_TYPE_NAME)


def seated_type(event, *, rows=2, seats_per_row=5, name="Stalls") -> TicketType:
    layout = services.SeatLayout(rows=rows, seats_per_row=seats_per_row)
    return services.create_ticket_type(
        event=event, by=event.organizer, name=name, price=Decimal("30.00"), layout=layout
    )


@pytest.fixture
def vip(published_event):
    return TicketTypeFactory(
        event=published_event, name="VIP", price=Decimal("25.00"), capacity=2, position=1
    )


@pytest.fixture
def stalls(published_event):
    return seated_type(published_event)


@pytest.fixture
def as_attendee(api_client, attendee):
    api_client.force_authenticate(attendee)
    return api_client


def book(client, event, **choice):
    return client.post(LIST, {"event": event.pk, **choice}, format="json")


# Booking a type ------------------------------------------------------------------


def test_booking_names_its_ticket_type_and_price(as_attendee, published_event, vip):
    response = book(as_attendee, published_event, ticket_type=vip.pk)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ticket_type"] == {"id": vip.pk, "name": "VIP", "price": "25.00", "currency": "EUR"}
    assert body["seat"] is None
    vip.refresh_from_db()
    assert vip.booked_seats == 1


def test_an_old_client_books_the_one_type_on_sale_without_naming_it(as_attendee, published_event):
    response = book(as_attendee, published_event)

    assert response.status_code == 201
    assert response.json()["ticket_type"]["name"] == DEFAULT_TICKET_TYPE_NAME


def test_a_type_off_sale_does_not_count_when_none_is_named(as_attendee, published_event):
    TicketTypeFactory(event=published_event, name="Early bird", sales_end=timezone.now() - timedelta(days=1))

    assert book(as_attendee, published_event).json()["ticket_type"]["name"] == DEFAULT_TICKET_TYPE_NAME


def test_several_types_on_sale_and_none_named_is_400_ticket_type_required(as_attendee, published_event, vip):
    response = book(as_attendee, published_event)

    assert response.status_code == 400
    assert response.json() == {"ticket_type": ["Choose a ticket type: this event sells several."]}
    assert not Booking.objects.exists()


def test_a_type_of_another_event_is_400_invalid_ticket_type(as_attendee, published_event):
    elsewhere = general_admission(EventFactory())

    response = book(as_attendee, published_event, ticket_type=elsewhere.pk)

    assert response.status_code == 400
    assert response.json() == {"ticket_type": ["This ticket type is not sold at this event."]}


def test_a_type_not_on_sale_yet_is_400_not_on_sale(as_attendee, published_event):
    later = TicketTypeFactory(
        event=published_event, name="Late", sales_start=timezone.now() + timedelta(days=1)
    )

    response = book(as_attendee, published_event, ticket_type=later.pk)

    assert response.status_code == 400
    assert list(response.json()) == ["ticket_type"]
    assert "go on sale on" in response.json()["ticket_type"][0]


def test_a_sold_out_type_is_409_ticket_type_full(as_attendee, published_event, vip):
    fill(published_event, users=UserFactory.create_batch(2), ticket_type=vip)

    response = book(as_attendee, published_event, ticket_type=vip.pk)

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_type_full"
    assert "VIP is sold out" in response.json()["detail"]


def test_a_sold_out_type_takes_you_on_its_waitlist_when_asked(as_attendee, published_event, vip):
    fill(published_event, users=UserFactory.create_batch(2), ticket_type=vip)

    response = book(as_attendee, published_event, ticket_type=vip.pk, waitlist=True)

    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"
    assert response.json()["ticket_type"]["id"] == vip.pk


def test_a_place_freed_in_a_type_goes_to_that_types_waitlist(
    as_attendee, api_client, attendee, published_event, vip
):
    first, _ = fill(published_event, users=UserFactory.create_batch(2), ticket_type=vip)
    book(as_attendee, published_event, ticket_type=vip.pk, waitlist=True)
    api_client.force_authenticate(first.user)

    api_client.post(f"/api/bookings/{first.pk}/cancel/")

    assert Booking.objects.get(user=attendee).status == "pending"  # VIP is priced: held for payment


# Booking a seat ------------------------------------------------------------------


def test_booking_a_chosen_seat_names_it(as_attendee, published_event, stalls):
    seat = stalls.seats.get(row="B", number=3)

    response = book(as_attendee, published_event, ticket_type=stalls.pk, seat=seat.pk)

    assert response.status_code == 201, response.json()
    assert response.json()["seat"] == {"id": seat.pk, "label": "Row B, seat 3"}
    seat.refresh_from_db()
    assert seat.held


def test_a_seated_type_without_a_seat_gets_the_best_free_one(as_attendee, published_event, stalls):
    response = book(as_attendee, published_event, ticket_type=stalls.pk)

    assert response.json()["seat"]["label"] == "Row A, seat 1"


def test_a_seat_of_another_type_is_400_invalid_seat(as_attendee, published_event, stalls):
    balcony = seated_type(published_event, name="Balcony")

    response = book(as_attendee, published_event, ticket_type=stalls.pk, seat=balcony.seats.first().pk)

    assert response.status_code == 400
    assert list(response.json()) == ["seat"]
    assert not Booking.objects.exists()


def test_a_seat_for_a_type_without_seats_is_400_invalid_seat(as_attendee, published_event, vip, stalls):
    response = book(as_attendee, published_event, ticket_type=vip.pk, seat=stalls.seats.first().pk)

    assert response.status_code == 400
    assert list(response.json()) == ["seat"]


def test_a_taken_seat_is_409_seat_taken_naming_free_seats_nearby(as_attendee, published_event, stalls):
    seat = stalls.seats.get(row="A", number=3)
    make_booking(user=UserFactory(), event=published_event, ticket_type=stalls, seat=seat)

    response = book(as_attendee, published_event, ticket_type=stalls.pk, seat=seat.pk)

    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "seat_taken"
    assert body["detail"].startswith("Row A, seat 3 has just been taken.")
    assert "nearby" in body["detail"]


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        ({"ticket_type": "vip"}, "ticket_type"),
        ({"ticket_type": 0}, "ticket_type"),
        ({"ticket_type": -3}, "ticket_type"),
        ({"ticket_type": 10**30}, "ticket_type"),
        ({"ticket_type": 1.5}, "ticket_type"),
        ({"ticket_type": [1]}, "ticket_type"),
        ({"ticket_type": {"id": 1}}, "ticket_type"),
        ({"seat": "A1"}, "seat"),
        ({"seat": 10**30}, "seat"),
        ({"seat": True}, "seat"),
        ({"waitlist": "perhaps"}, "waitlist"),
    ],
)
def test_malformed_choice_is_a_field_error(as_attendee, published_event, choice, field):
    response = book(as_attendee, published_event, **choice)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_ids_as_strings_of_digits_are_read_as_ids(as_attendee, published_event, vip):
    response = as_attendee.post(
        LIST, {"event": str(published_event.pk), "ticket_type": str(vip.pk)}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["ticket_type"]["id"] == vip.pk


def test_null_type_and_seat_are_as_if_left_out(as_attendee, published_event):
    response = book(as_attendee, published_event, ticket_type=None, seat=None)

    assert response.status_code == 201


def test_ids_no_row_has_are_refused_without_a_server_error(as_attendee, published_event):
    assert book(as_attendee, published_event, ticket_type=2**63 - 1).status_code == 400
    assert book(as_attendee, published_event, seat=2**63 - 1).status_code == 400


# Changing type or seat --------------------------------------------------------


@pytest.fixture
def booked(attendee, published_event, stalls, vip):
    return make_booking(user=attendee, event=published_event, ticket_type=general_admission(published_event))


@pytest.fixture
def booked_vip(attendee, published_event, stalls, vip):
    """A paid VIP ticket: the owner may move it to any type of the same price."""
    booking = make_booking(user=attendee, event=published_event, ticket_type=vip)
    pay(booking)
    return booking


@pytest.fixture
def box(published_event, vip):
    return TicketTypeFactory(event=published_event, name="Box", price=vip.price, capacity=2, position=2)


def test_owner_moves_their_booking_to_another_type(as_attendee, booked_vip, vip, box):
    response = as_attendee.post(change_url(booked_vip), {"ticket_type": box.pk})

    assert response.status_code == 200, response.json()
    assert response.json()["ticket_type"]["name"] == "Box"
    assert response.json()["id"] == booked_vip.pk
    booked_vip.refresh_from_db()
    assert booked_vip.ticket_type == box
    vip.refresh_from_db()
    assert vip.booked_seats == 0


def test_owner_cannot_move_to_a_type_of_another_price_400(as_attendee, booked, vip):
    response = as_attendee.post(change_url(booked), {"ticket_type": vip.pk})

    assert response.status_code == 400
    assert "different price" in response.json()["ticket_type"][0]
    booked.refresh_from_db()
    assert booked.ticket_type == general_admission(booked.event)


@pytest.fixture
def seated(attendee, published_event, stalls):
    """A paid ticket in the stalls, on the seat the hall chose (A1)."""
    booking = make_booking(user=attendee, event=published_event, ticket_type=stalls)
    pay(booking)
    return booking


def test_owner_moves_to_a_chosen_seat_then_to_another(as_attendee, seated, stalls):
    was = seated.seat
    first, second = stalls.seats.get(row="A", number=4), stalls.seats.get(row="B", number=5)

    as_attendee.post(change_url(seated), {"ticket_type": stalls.pk, "seat": first.pk})
    response = as_attendee.post(change_url(seated), {"ticket_type": stalls.pk, "seat": second.pk})

    assert response.status_code == 200, response.json()
    assert response.json()["seat"] == {"id": second.pk, "label": "Row B, seat 5"}
    for seat in (was, first, second):
        seat.refresh_from_db()
    assert (was.held, first.held, second.held) == (False, False, True)


def test_organizer_moves_a_booking_of_their_event(api_client, organizer, booked, vip):
    api_client.force_authenticate(organizer)

    assert api_client.post(change_url(booked), {"ticket_type": vip.pk}).status_code == 200


def test_moving_to_a_sold_out_type_is_409_and_leaves_the_booking(
    as_attendee, booked_vip, published_event, vip, box
):
    fill(published_event, users=UserFactory.create_batch(2), ticket_type=box)

    response = as_attendee.post(change_url(booked_vip), {"ticket_type": box.pk})

    assert response.status_code == 409
    assert response.json()["code"] == "ticket_type_full"
    booked_vip.refresh_from_db()
    assert booked_vip.ticket_type == vip


def test_moving_to_a_taken_seat_is_409_seat_taken(as_attendee, seated, published_event, stalls):
    seat = stalls.seats.get(row="B", number=2)
    make_booking(user=UserFactory(), event=published_event, ticket_type=stalls, seat=seat)  # held, unpaid

    response = as_attendee.post(change_url(seated), {"ticket_type": stalls.pk, "seat": seat.pk})

    assert response.status_code == 409
    assert response.json()["code"] == "seat_taken"
    seated.refresh_from_db()
    assert seated.seat.label == "Row A, seat 1"


def test_moving_to_a_type_of_another_event_is_400(as_attendee, booked):
    response = as_attendee.post(change_url(booked), {"ticket_type": general_admission(EventFactory()).pk})

    assert response.status_code == 400
    assert list(response.json()) == ["ticket_type"]


def test_a_waitlisted_booking_cannot_move_400_not_confirmed(as_attendee, attendee, published_event, vip):
    fill(published_event, users=UserFactory.create_batch(2), ticket_type=vip)
    waiting = make_booking(user=attendee, event=published_event, ticket_type=vip, waitlist=True)

    response = as_attendee.post(change_url(waiting), {"ticket_type": general_admission(published_event).pk})

    assert response.status_code == 400
    assert response.json()["code"] == "not_confirmed"


@pytest.mark.parametrize("body", [{}, {"ticket_type": None}, {"ticket_type": "x"}, {"ticket_type": 10**30}])
def test_a_move_names_the_type_to_move_to(as_attendee, booked, body):
    response = as_attendee.post(change_url(booked), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["ticket_type"]


@pytest.mark.parametrize(
    ("mover", "status"), [(None, 401), ("other_attendee", 404), ("other_organizer", 404)]
)
def test_someone_elses_booking_cannot_be_moved(request, api_client, booked, vip, mover, status):
    if mover:
        api_client.force_authenticate(request.getfixturevalue(mover))

    assert api_client.post(change_url(booked), {"ticket_type": vip.pk}).status_code == status
    booked.refresh_from_db()
    assert booked.ticket_type != vip


# How bookings show their place ----------------------------------------------------


def seated_bookings(organizer, count):
    """``count`` bookings at one event, half on numbered seats: an N+1 on types or seats would show."""
    event = EventFactory(organizer=organizer, capacity=count)
    stalls = seated_type(event, rows=count // 10 + 1, seats_per_row=10)
    people = UserFactory.create_batch(count)
    fill(event, users=people[: count // 2], ticket_type=stalls)
    fill(event, users=people[count // 2 :], ticket_type=general_admission(event))
    return event


def test_booking_list_shows_type_and_seat_in_a_fixed_number_of_queries(
    api_client, organizer, django_assert_max_num_queries
):
    seated_bookings(organizer, 60)
    api_client.force_authenticate(organizer)

    # The count, the page with event, type, seat; the answers; the payments.
    with django_assert_max_num_queries(4):
        response = api_client.get(LIST, {"page_size": 100})

    results = response.json()["results"]
    assert len(results) == 60
    assert sum(item["seat"] is not None for item in results) == 30
    assert {item["ticket_type"]["currency"] for item in results} == {"EUR"}


def test_event_bookings_show_type_and_seat_in_a_fixed_number_of_queries(
    api_client, organizer, django_assert_max_num_queries
):
    event = seated_bookings(organizer, 60)
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(4):  # the event, the count, the page with its joins, the answers
        response = api_client.get(f"/api/events/{event.pk}/bookings/", {"page_size": 100})

    results = response.json()["results"]
    assert len(results) == 60
    assert {item["ticket_type"]["name"] for item in results} == {"Stalls", DEFAULT_TICKET_TYPE_NAME}
    assert results[0]["seat"] == {"id": results[0]["seat"]["id"], "label": "Row A, seat 1"}
