"""/api/events/{id}/ticket-types/ and /api/events/{id}/seats/, and the types embedded in an event."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings.tests.factories import fill, make_booking
from events import services
from events.models import DEFAULT_TICKET_TYPE_NAME, Seat, TicketType, row_label
from events.tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db

TYPE_FIELDS = {
    "id",
    "name",
    "description",
    "price",
    "tax_rate",
    "currency",
    "capacity",
    "seats_left",
    "on_sale",
    "sales_start",
    "sales_end",
    "seated",
    "position",
}
STALLS = {
    "name": "Stalls",
    "price": "30.00",
    "seated": True,
    "layout": {"rows": 6, "seats_per_row": 20, "gaps": [10]},
}


def types_url(event):
    return f"/api/events/{event.pk}/ticket-types/"


def type_url(ticket_type):
    return f"/api/events/{ticket_type.event_id}/ticket-types/{ticket_type.pk}/"


def seats_url(event):
    return f"/api/events/{event.pk}/seats/"


def general_admission(event) -> TicketType:
    return event.ticket_types.get(name=DEFAULT_TICKET_TYPE_NAME)


def seated_type(event, *, rows=3, seats_per_row=4, **fields) -> TicketType:
    layout = services.SeatLayout(rows=rows, seats_per_row=seats_per_row)
    return services.create_ticket_type(
        event=event, by=event.organizer, name=fields.pop("name", "Stalls"), layout=layout, **fields
    )


# The event embeds its types ------------------------------------------------------


def test_event_detail_embeds_its_ticket_types_with_prices_as_decimal_strings(api_client, published_event):
    TicketTypeFactory(event=published_event, name="VIP", price=Decimal("25"), capacity=4, position=1)

    body = api_client.get(f"/api/events/{published_event.pk}/").json()

    assert body["currency"] == "EUR"
    assert [t["name"] for t in body["ticket_types"]] == [DEFAULT_TICKET_TYPE_NAME, "VIP"]
    vip = body["ticket_types"][1]
    assert set(vip) == TYPE_FIELDS
    assert vip["price"] == "25.00"
    assert vip["currency"] == "EUR"
    assert (vip["capacity"], vip["seats_left"], vip["on_sale"], vip["seated"]) == (4, 4, True, False)


def test_embedded_type_counts_its_booked_seats(api_client, published_event, attendee, other_attendee):
    fill(published_event, users=[attendee, other_attendee])

    (only,) = api_client.get(f"/api/events/{published_event.pk}/").json()["ticket_types"]

    assert only["seats_left"] == 8


def test_event_list_reads_every_ticket_type_in_one_query(api_client, django_assert_max_num_queries):
    for _ in range(100):
        event = EventFactory(organizer=OrganizerFactory())
        TicketTypeFactory(event=event, name="VIP", price=Decimal("40.00"))

    for size in (5, 100):
        with django_assert_max_num_queries(4):  # the count, the page with organizers, types, questions
            response = api_client.get("/api/events/", {"page_size": size})
        assert [len(item["ticket_types"]) for item in response.json()["results"]] == [2] * size


def test_sales_times_carry_the_offset_of_the_event_time_zone(api_client, organizer):
    event = EventFactory(
        organizer=organizer, timezone="Europe/Paris", starts_at=datetime(2031, 7, 1, tzinfo=UTC)
    )
    ticket_type = TicketTypeFactory(event=event, sales_end=datetime(2031, 6, 30, 10, 0, tzinfo=UTC))

    assert api_client.get(type_url(ticket_type)).json()["sales_end"] == "2031-06-30T12:00:00+02:00"


# Reading ---------------------------------------------------------------------------


def test_anyone_reads_the_types_of_a_published_event(api_client, published_event):
    vip = TicketTypeFactory(event=published_event, name="VIP", position=5)

    listed = api_client.get(types_url(published_event)).json()
    one = api_client.get(type_url(vip)).json()

    assert [t["name"] for t in listed] == [DEFAULT_TICKET_TYPE_NAME, "VIP"]  # position order, not paginated
    assert one["id"] == vip.pk
    assert set(one) == TYPE_FIELDS


@pytest.mark.parametrize(
    ("viewer", "status"),
    [(None, 404), ("attendee", 404), ("other_organizer", 404), ("organizer", 200), ("staff", 200)],
)
def test_types_of_a_draft_are_read_only_by_those_who_run_it(request, api_client, draft_event, viewer, status):
    if viewer:
        api_client.force_authenticate(request.getfixturevalue(viewer))

    assert api_client.get(types_url(draft_event)).status_code == status
    assert api_client.get(type_url(general_admission(draft_event))).status_code == status


def test_a_type_of_another_event_is_404_under_this_one(api_client, published_event):
    elsewhere = general_admission(EventFactory())

    response = api_client.get(f"/api/events/{published_event.pk}/ticket-types/{elsewhere.pk}/")

    assert response.status_code == 404


@pytest.mark.parametrize(
    "address", ["/api/events/{huge}/ticket-types/", "/api/events/{event}/ticket-types/{huge}/"]
)
def test_ids_too_large_for_the_database_are_404(api_client, published_event, address):
    response = api_client.get(address.format(event=published_event.pk, huge=10**23))

    assert response.status_code == 404


# Creating --------------------------------------------------------------------------


def test_organizer_adds_a_type_with_a_capacity(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.post(
        types_url(published_event),
        {"name": "VIP", "price": "25.50", "capacity": 5, "description": "Front rows."},
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["name"], body["price"], body["capacity"], body["seated"], body["position"]) == (
        "VIP",
        "25.50",
        5,
        False,
        1,
    )
    stored = TicketType.objects.get(pk=body["id"])
    assert (stored.event, stored.price, stored.description) == (
        published_event,
        Decimal("25.50"),
        "Front rows.",
    )


def test_a_seated_type_takes_its_capacity_from_its_layout(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.post(types_url(published_event), STALLS)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["seated"], body["capacity"], body["price"]) == (True, 6 * 19, "30.00")
    seats = Seat.objects.filter(ticket_type_id=body["id"])
    assert seats.count() == 6 * 19
    assert not seats.filter(number=10).exists()  # the aisle
    assert set(seats.values_list("row", flat=True)) == {"A", "B", "C", "D", "E", "F"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Stalls", "seated": True}, "layout"),
        ({"name": "Stalls", "seated": False, "layout": {"rows": 2, "seats_per_row": 2}}, "layout"),
        ({**STALLS, "capacity": 10}, "capacity"),
        ({"name": "Standing"}, "capacity"),
        ({**STALLS, "layout": {"rows": 0, "seats_per_row": 20}}, "layout"),
        ({**STALLS, "layout": {"rows": 6, "seats_per_row": 2, "gaps": [1, 2]}}, "layout"),
        ({**STALLS, "layout": {"rows": 10**30, "seats_per_row": 20}}, "layout"),
        ({**STALLS, "layout": {"rows": "six", "seats_per_row": 20}}, "layout"),
        ({**STALLS, "layout": "6x20"}, "layout"),
        ({**STALLS, "layout": {"rows": 6, "seats_per_row": 20, "gaps": "10"}}, "layout"),
    ],
)
def test_seats_and_capacity_must_agree(api_client, organizer, published_event, body, field):
    api_client.force_authenticate(organizer)

    response = api_client.post(types_url(published_event), body)

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert published_event.ticket_types.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price": "12.345"}, "price"),
        ({"price": "-1.00"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": 1e300}, "price"),
        ({"price": "100000000.00"}, "price"),
        ({"capacity": "ten"}, "capacity"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 10**30}, "capacity"),
        ({"capacity": 100_001}, "capacity"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": DEFAULT_TICKET_TYPE_NAME}, "name"),
        ({"position": -1}, "position"),
        ({"position": 10**30}, "position"),
        ({"position": 32_768}, "position"),
        ({"sales_start": "2030-06-01T10:00:00"}, "sales_start"),
        ({"sales_start": "2030-06-02T10:00:00Z", "sales_end": "2030-06-01T10:00:00Z"}, "sales_end"),
    ],
)
def test_malformed_type_is_a_field_error_never_a_server_error(
    api_client, organizer, published_event, changes, field
):
    api_client.force_authenticate(organizer)

    response = api_client.post(types_url(published_event), {"name": "VIP", "capacity": 5} | changes)

    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


@pytest.mark.parametrize(
    "body", [[], "VIP", {"name": ["VIP"], "capacity": 5}, {"name": {"x": 1}, "capacity": 5}]
)
def test_a_body_of_the_wrong_shape_is_a_400(api_client, organizer, published_event, body):
    api_client.force_authenticate(organizer)

    assert api_client.post(types_url(published_event), body, format="json").status_code == 400


@pytest.mark.parametrize(
    ("writer", "status"), [(None, 401), ("attendee", 403), ("other_organizer", 403), ("staff", 201)]
)
def test_only_the_organizer_and_staff_add_types(request, api_client, published_event, writer, status):
    if writer:
        api_client.force_authenticate(request.getfixturevalue(writer))

    response = api_client.post(types_url(published_event), {"name": "VIP", "capacity": 5})

    assert response.status_code == status
    assert published_event.ticket_types.count() == (2 if status == 201 else 1)


def test_adding_a_type_to_someone_elses_draft_is_404(api_client, other_organizer, draft_event):
    api_client.force_authenticate(other_organizer)

    assert api_client.post(types_url(draft_event), {"name": "VIP", "capacity": 5}).status_code == 404


# Changing --------------------------------------------------------------------------


def test_organizer_changes_a_types_price_and_capacity(api_client, organizer, published_event):
    ticket_type = general_admission(published_event)
    api_client.force_authenticate(organizer)

    response = api_client.patch(type_url(ticket_type), {"price": "12.50", "capacity": 8})

    assert response.status_code == 200, response.json()
    assert (response.json()["price"], response.json()["capacity"]) == ("12.50", 8)
    ticket_type.refresh_from_db()
    assert (ticket_type.price, ticket_type.capacity) == (Decimal("12.50"), 8)


def test_raising_a_types_capacity_confirms_its_waitlist(api_client, organizer, attendee, other_attendee):
    event = EventFactory(organizer=organizer, capacity=10)
    ticket_type = general_admission(event)
    services.update_ticket_type(ticket_type=ticket_type, by=organizer, capacity=1)
    _, waiting = fill(event, users=[attendee, other_attendee])
    api_client.force_authenticate(organizer)

    assert api_client.patch(type_url(ticket_type), {"capacity": 2}).status_code == 200

    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


def test_capacity_below_the_tickets_booked_is_a_field_error(api_client, organizer, published_event):
    fill(published_event, users=UserFactory.create_batch(3))
    api_client.force_authenticate(organizer)

    response = api_client.patch(type_url(general_admission(published_event)), {"capacity": 2})

    assert response.status_code == 400
    assert list(response.json()) == ["capacity"]


def test_a_seated_types_capacity_is_its_layout(api_client, organizer, published_event):
    stalls = seated_type(published_event)
    api_client.force_authenticate(organizer)

    response = api_client.patch(type_url(stalls), {"capacity": 100})

    assert response.status_code == 400
    assert list(response.json()) == ["capacity"]


def test_seated_cannot_be_switched_by_a_patch(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.patch(type_url(general_admission(published_event)), {"seated": True})

    assert response.json()["seated"] is False


@pytest.mark.parametrize(
    ("writer", "status"), [(None, 401), ("attendee", 403), ("other_organizer", 403), ("staff", 200)]
)
def test_only_the_organizer_and_staff_change_types(request, api_client, published_event, writer, status):
    ticket_type = general_admission(published_event)
    if writer:
        api_client.force_authenticate(request.getfixturevalue(writer))

    assert api_client.patch(type_url(ticket_type), {"name": "Renamed"}).status_code == status
    ticket_type.refresh_from_db()
    assert (ticket_type.name == "Renamed") is (status == 200)


def test_a_whole_replacement_is_not_offered(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.put(type_url(general_admission(published_event)), {"name": "X", "capacity": 3})

    assert response.status_code == 405


# Deleting --------------------------------------------------------------------------


def test_organizer_deletes_a_type_nobody_booked(api_client, organizer, published_event):
    vip = TicketTypeFactory(event=published_event, name="VIP")
    api_client.force_authenticate(organizer)

    assert api_client.delete(type_url(vip)).status_code == 204
    assert not TicketType.objects.filter(pk=vip.pk).exists()


def test_a_type_with_bookings_is_kept_409_has_bookings(api_client, organizer, attendee, published_event):
    vip = TicketTypeFactory(event=published_event, name="VIP")
    make_booking(user=attendee, event=published_event, ticket_type=vip)
    api_client.force_authenticate(organizer)

    response = api_client.delete(type_url(vip))

    assert response.status_code == 409
    assert response.json()["code"] == "has_bookings"
    assert TicketType.objects.filter(pk=vip.pk).exists()


def test_the_last_type_is_kept_409_last_ticket_type(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)

    response = api_client.delete(type_url(general_admission(published_event)))

    assert response.status_code == 409
    assert response.json()["code"] == "last_ticket_type"


@pytest.mark.parametrize(
    ("writer", "status"), [(None, 401), ("attendee", 403), ("other_organizer", 403), ("staff", 204)]
)
def test_only_the_organizer_and_staff_delete_types(request, api_client, published_event, writer, status):
    vip = TicketTypeFactory(event=published_event, name="VIP")
    if writer:
        api_client.force_authenticate(request.getfixturevalue(writer))

    assert api_client.delete(type_url(vip)).status_code == status
    assert TicketType.objects.filter(pk=vip.pk).exists() is (status != 204)


# The seat map ----------------------------------------------------------------------


def test_seat_map_lists_a_hall_row_by_row_with_what_is_free(api_client, attendee, published_event):
    stalls = seated_type(published_event, rows=2, seats_per_row=3)
    taken = stalls.seats.get(row="A", number=2)
    make_booking(user=attendee, event=published_event, ticket_type=stalls, seat=taken)
    services.set_seats_blocked(
        ticket_type=stalls,
        seat_ids=[stalls.seats.get(row="B", number=3).pk],
        blocked=True,
        by=published_event.organizer,
    )

    response = api_client.get(seats_url(published_event), {"ticket_type": stalls.pk})

    assert response.status_code == 200
    body = response.json()
    assert body[0] == {
        "id": stalls.seats.get(row="A", number=1).pk,
        "row": "A",
        "number": 1,
        "label": "Row A, seat 1",
        "available": True,
    }
    assert [(s["row"], s["number"], s["available"]) for s in body] == [
        ("A", 1, True),
        ("A", 2, False),
        ("A", 3, True),
        ("B", 1, True),
        ("B", 2, True),
        ("B", 3, False),
    ]


def test_seat_map_puts_row_aa_after_row_z(api_client, published_event):
    stalls = seated_type(published_event, rows=27, seats_per_row=1)

    rows = [
        seat["row"] for seat in api_client.get(seats_url(published_event), {"ticket_type": stalls.pk}).json()
    ]

    assert rows[-2:] == ["Z", "AA"]


def test_a_type_without_seats_has_an_empty_map(api_client, published_event):
    response = api_client.get(
        seats_url(published_event), {"ticket_type": general_admission(published_event).pk}
    )

    assert response.json() == []


@pytest.mark.parametrize(
    "query", [{}, {"ticket_type": "x"}, {"ticket_type": 0}, {"ticket_type": 10**30}, {"ticket_type": "%00"}]
)
def test_seat_map_needs_a_ticket_type_id(api_client, published_event, query):
    response = api_client.get(seats_url(published_event), query)

    assert response.status_code == 400
    assert list(response.json()) == ["ticket_type"]


def test_seat_map_of_another_events_type_is_400_invalid_ticket_type(api_client, published_event):
    elsewhere = seated_type(EventFactory())

    response = api_client.get(seats_url(published_event), {"ticket_type": elsewhere.pk})

    assert response.status_code == 400
    assert response.json() == {"ticket_type": ["This ticket type is not sold at this event."]}


@pytest.mark.parametrize(("viewer", "status"), [(None, 404), ("other_organizer", 404), ("organizer", 200)])
def test_seat_map_of_a_draft_is_for_those_who_run_it(request, api_client, draft_event, viewer, status):
    stalls = seated_type(draft_event)
    if viewer:
        api_client.force_authenticate(request.getfixturevalue(viewer))

    assert api_client.get(seats_url(draft_event), {"ticket_type": stalls.pk}).status_code == status


def bulk_hall(event, seats: int) -> TicketType:
    """A seated type of ``seats`` seats in rows of 50, written in one go (no layout service: speed)."""
    ticket_type = TicketTypeFactory(event=event, name=f"Hall of {seats}", capacity=seats, seated=True)
    Seat.objects.bulk_create(
        Seat(ticket_type=ticket_type, row=row_label(i // 50), row_index=i // 50, number=i % 50 + 1)
        for i in range(seats)
    )
    return ticket_type


def test_seat_map_reads_the_seats_in_one_query_whatever_the_size(
    api_client, published_event, django_assert_num_queries
):
    for size in (50, 5_000):
        hall = bulk_hall(published_event, size)
        # The event, its types (prefetched with it), the seats.
        with django_assert_num_queries(3):
            response = api_client.get(seats_url(published_event), {"ticket_type": hall.pk})
        assert len(response.json()) == size
