"""Ticket types and seats in the organizer console: edited on the event page, written by the services."""

from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.tests.factories import fill, make_booking
from events import services
from events.models import Event, Seat, TicketType
from events.services import SeatLayout
from events.tests.factories import EventFactory, TicketTypeFactory
from events.tests.test_admin import (
    CHANGELIST,
    attendees,
    change_data,
    change_url,
    messages_of,
    ticket_type_row,
    ticket_types_data,
)

GENERAL = "General admission"


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def vip(published_event):
    return TicketTypeFactory(
        event=published_event, name="VIP", price=Decimal("25.00"), capacity=4, position=1
    )


@pytest.fixture
def others_type(other_organizer):
    event = EventFactory(organizer=other_organizer, title="Rival gala")
    return TicketTypeFactory(event=event, name="Rival VIP")


def general(event) -> TicketType:
    return event.ticket_types.get(name=GENERAL)


def seated(ticket_type, rows=2, seats_per_row=4, gaps=frozenset()) -> TicketType:
    layout = SeatLayout(rows=rows, seats_per_row=seats_per_row, gaps=gaps)
    return services.lay_out_seats(ticket_type=ticket_type, layout=layout, by=ticket_type.event.organizer)


def layout_url(ticket_type):
    return reverse("admin:events_event_seat_layout", args=[ticket_type.event_id, ticket_type.pk])


def seats_url(ticket_type):
    return reverse("admin:events_event_seats", args=[ticket_type.event_id, ticket_type.pk])


def new_row(event, **fields) -> dict:
    """The page's blank row, filled in: one more form after the event's types."""
    index = event.ticket_types.count()
    row = {"name": "", "description": "", "price": "0", "capacity": "", "position": "", **fields}
    for name in ("sales_start", "sales_end"):
        row.setdefault(f"{name}_0", "")
        row.setdefault(f"{name}_1", "")
    data = {f"ticket_types-{index}-{name}": value for name, value in row.items()}
    data[f"ticket_types-{index}-event"] = str(event.pk)
    return {**data, "ticket_types-TOTAL_FORMS": str(index + 1)}


def post_types(client, event, *, extra: dict | None = None, **rows):
    """The event page posted with its ticket type rows as shown, row ``N`` changed by ``rowN={...}``."""
    data = change_data(event, **{**ticket_types_data(event, **rows), **(extra or {})})
    return client.post(change_url(event), data)


def type_forms(response):
    [inline] = [i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "ticket_types"]
    return inline.formset


def row_errors(response, index: int) -> dict:
    assert response.status_code == 200, response.get("Location")
    return type_forms(response).forms[index].errors


# The event page's ticket types ---------------------------------------------------


def test_event_page_shows_each_types_bookings_and_seats_left(organizer_client, published_event, vip):
    fill(published_event, users=attendees(3), ticket_type=vip)
    response = organizer_client.get(change_url(published_event))
    page = response.content.decode()
    assert "3 / 4, 1 left" in page
    assert "0 / 10, 10 left" in page
    assert "Price (EUR)" in page
    assert [form.instance.name for form in type_forms(response).initial_forms] == [GENERAL, "VIP"]


def test_a_new_event_page_has_no_ticket_type_rows_yet(organizer_client):
    response = organizer_client.get(reverse("admin:events_event_add"))
    assert [i.formset.prefix for i in response.context["inline_admin_formsets"]] == ["bookings"]


def test_adding_a_type_creates_it_through_the_service_after_the_others(organizer_client, published_event):
    row = new_row(published_event, name="VIP", price="25.50", capacity="4", description="Front rows")
    with mock.patch.object(services, "create_ticket_type", wraps=services.create_ticket_type) as create:
        response = post_types(organizer_client, published_event, extra=row)
    assert response.status_code == 302
    create.assert_called_once()
    vip = published_event.ticket_types.get(name="VIP")
    assert (vip.price, vip.capacity, vip.description, vip.position) == (Decimal("25.50"), 4, "Front rows", 1)
    assert "Added ticket type “VIP”." in LogEntry.objects.get().get_change_message()


def test_editing_a_type_changes_what_was_edited_through_the_service(organizer_client, published_event, vip):
    with mock.patch.object(services, "update_ticket_type", wraps=services.update_ticket_type) as update:
        response = post_types(organizer_client, published_event, row1={"name": "Front row", "price": "30"})
    assert response.status_code == 302
    assert update.call_args.kwargs.keys() == {"ticket_type", "by", "name", "price"}
    vip.refresh_from_db()
    assert (vip.name, vip.price, vip.capacity) == ("Front row", Decimal("30.00"), 4)


def test_rows_left_as_they_were_are_not_written(organizer_client, published_event, vip):
    with mock.patch.object(services, "update_ticket_type") as update:
        response = post_types(organizer_client, published_event)
    assert response.status_code == 302
    update.assert_not_called()


def test_types_are_reordered_by_their_position(organizer_client, published_event, vip):
    response = post_types(organizer_client, published_event, row0={"position": "2"}, row1={"position": "0"})
    assert response.status_code == 302
    assert list(published_event.ticket_types.values_list("name", flat=True)) == ["VIP", GENERAL]


def test_raising_a_types_capacity_goes_through_its_rule(organizer_client, published_event, vip):
    response = post_types(organizer_client, published_event, row1={"capacity": "8"})
    assert response.status_code == 302
    vip.refresh_from_db()
    assert vip.capacity == 8


def test_capacity_below_the_types_bookings_is_a_form_error_beside_capacity(
    organizer_client, published_event, vip
):
    fill(published_event, users=attendees(3), ticket_type=vip)
    title = published_event.title
    response = post_types(
        organizer_client, published_event, row1={"capacity": "2"}, extra={"title": "Renamed"}
    )
    assert row_errors(response, 1) == {
        "capacity": ["Capacity cannot be lower than the 3 tickets of this type booked."]
    }
    published_event.refresh_from_db()
    vip.refresh_from_db()
    assert (published_event.title, vip.capacity) == (title, 4)


def test_a_capacity_refused_at_save_time_shows_beside_the_field_and_nothing_is_written(
    organizer_client, published_event, vip, monkeypatch
):
    """Tickets sold between the page's check and its save: the service refuses, the row says why."""
    checked = services.ticket_type_capacity_refusal
    sold = []

    def check_then_tickets_go(**kwargs):
        refusal = checked(**kwargs)
        if not sold:
            sold.extend(fill(published_event, users=attendees(3), ticket_type=vip))
        return refusal

    monkeypatch.setattr(services, "ticket_type_capacity_refusal", check_then_tickets_go)
    title = published_event.title
    response = post_types(
        organizer_client, published_event, row1={"capacity": "2"}, extra={"title": "Renamed"}
    )
    assert row_errors(response, 1)["capacity"] == [
        "Capacity cannot be lower than the 3 tickets of this type booked."
    ]
    assert "Please correct the error below." in response.content.decode()
    published_event.refresh_from_db()
    assert published_event.title == title
    assert TicketType.objects.get(pk=vip.pk).capacity == 4
    assert not LogEntry.objects.exists()


def test_a_seated_types_capacity_follows_its_seats_and_cannot_be_typed(
    organizer_client, published_event, vip
):
    seated(vip, rows=2, seats_per_row=3)
    response = post_types(organizer_client, published_event, row1={"capacity": "50"})
    assert response.status_code == 302
    vip.refresh_from_db()
    assert vip.capacity == 6
    response = organizer_client.get(change_url(published_event))
    assert type_forms(response).forms[1].fields["capacity"].disabled
    assert "Numbered; its capacity follows the layout." in response.content.decode()


def test_a_name_the_event_already_sells_is_a_form_error(organizer_client, published_event, vip):
    response = post_types(
        organizer_client, published_event, extra=new_row(published_event, name="VIP", capacity="3")
    )
    assert row_errors(response, 2)["name"] == ["This event already has a ticket type with this name."]
    assert published_event.ticket_types.count() == 2


def test_sales_ending_before_they_start_is_a_form_error(organizer_client, published_event, vip):
    times = {"sales_start_0": "2031-05-02", "sales_start_1": "10:00:00"}
    times |= {"sales_end_0": "2031-05-01", "sales_end_1": "10:00:00"}
    response = post_types(organizer_client, published_event, row1=times)
    assert row_errors(response, 1)["sales_end"] == ["Sales must end after they start."]


def test_sales_times_are_typed_and_shown_on_the_events_clock(organizer_client, organizer):
    event = EventFactory(organizer=organizer, timezone="Europe/Paris")
    times = {"sales_start_0": "2031-01-15", "sales_start_1": "10:00:00"}
    assert post_types(organizer_client, event, row0=times).status_code == 302
    ticket_type = general(event)
    assert ticket_type.sales_start == datetime(2031, 1, 15, 9, 0, tzinfo=UTC)
    assert ticket_type_row(ticket_type)["sales_start_1"] == "10:00:00"
    page = organizer_client.get(change_url(event)).content.decode()
    assert 'value="10:00:00"' in page


def test_a_sales_time_left_as_it_was_keeps_its_instant(organizer_client, organizer):
    """02:30 on the night the clocks go back happens twice in Paris: the page keeps the one stored."""
    event = EventFactory(organizer=organizer, timezone="Europe/Paris")
    second_half_past_two = datetime(2031, 10, 26, 2, 30, tzinfo=ZoneInfo("Europe/Paris"), fold=1)
    TicketType.objects.filter(event=event).update(sales_start=second_half_past_two)
    assert post_types(organizer_client, event, extra={"title": "Renamed"}).status_code == 302
    assert general(event).sales_start == second_half_past_two.astimezone(UTC)


# Deleting a type -------------------------------------------------------------------


def test_deleting_a_type_nobody_booked_goes_through_the_service(organizer_client, published_event, vip):
    with mock.patch.object(services, "delete_ticket_type", wraps=services.delete_ticket_type) as delete:
        response = post_types(organizer_client, published_event, row1={"DELETE": "on"})
    assert response.status_code == 302
    delete.assert_called_once()
    assert not TicketType.objects.filter(pk=vip.pk).exists()


def test_deleting_a_type_with_bookings_is_refused_with_a_message(organizer_client, published_event, vip):
    make_booking(user=attendees(1)[0], event=published_event, ticket_type=vip)
    title = published_event.title
    response = post_types(
        organizer_client, published_event, row1={"DELETE": "on"}, extra={"title": "Renamed"}
    )
    assert response.status_code == 200
    assert type_forms(response).non_form_errors() == [
        "VIP: This ticket type has bookings, so it cannot be deleted. Stop its sales instead (sales end)."
    ]
    assert "This ticket type has bookings" in response.content.decode()
    assert TicketType.objects.filter(pk=vip.pk).exists()
    published_event.refresh_from_db()
    assert published_event.title == title


def test_deleting_the_last_type_is_refused(organizer_client, published_event):
    response = post_types(organizer_client, published_event, row0={"DELETE": "on"})
    assert type_forms(response).non_form_errors() == [
        f"{GENERAL}: An event sells at least one ticket type: add another first."
    ]
    assert published_event.ticket_types.count() == 1


def test_the_last_type_may_be_replaced_on_one_page(organizer_client, published_event):
    row = new_row(published_event, name="Standing", capacity="10")
    response = post_types(organizer_client, published_event, row0={"DELETE": "on"}, extra=row)
    assert response.status_code == 302
    assert list(published_event.ticket_types.values_list("name", flat=True)) == ["Standing"]


# Whose types -----------------------------------------------------------------------


def test_staff_edit_the_types_of_any_organizers_event(staff_client, others_type):
    event = others_type.event
    assert post_types(staff_client, event, row1={"price": "12"}).status_code == 302
    others_type.refresh_from_db()
    assert others_type.price == Decimal("12.00")


def test_an_organizer_cannot_post_types_into_another_organizers_event(organizer_client, others_type):
    response = post_types(organizer_client, others_type.event, row1={"price": "12"})
    assert response.status_code == 404
    others_type.refresh_from_db()
    assert others_type.price == Decimal("0.00")


# The seat layout generator -----------------------------------------------------------


def test_layout_generator_lays_out_rows_from_a_with_the_gaps_left_out(organizer_client, vip):
    data = {"rows": "3", "seats_per_row": "6", "gaps": "3, 4"}
    response = organizer_client.post(layout_url(vip), data, follow=True)
    assert response.redirect_chain == [(seats_url(vip), 302)]
    seats = Seat.objects.filter(ticket_type=vip)
    assert sorted({seat.row for seat in seats}) == ["A", "B", "C"]
    assert sorted({seat.number for seat in seats}) == [1, 2, 5, 6]
    vip.refresh_from_db()
    assert (vip.seated, vip.capacity) == (True, 12)
    assert messages_of(response) == ["VIP now sells 12 seats in rows A to C."]


def test_layout_page_starts_from_the_current_layout(organizer_client, vip):
    seated(vip, rows=4, seats_per_row=8, gaps=frozenset({4, 5}))
    form = organizer_client.get(layout_url(vip)).context["form"]
    assert form.initial == {"rows": 4, "seats_per_row": 8, "gaps": "4, 5"}


def test_layout_refused_once_the_type_is_booked_shows_why(organizer_client, published_event, vip):
    seated(vip)
    make_booking(user=attendees(1)[0], event=published_event, ticket_type=vip)
    response = organizer_client.post(layout_url(vip), {"rows": "5", "seats_per_row": "5"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "This ticket type has bookings, so its hall cannot be redrawn. Block single seats instead."
    ]
    assert Seat.objects.filter(ticket_type=vip).count() == 8


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"rows": "2", "seats_per_row": "2", "gaps": "1, 2"}, "__all__", "The gaps leave no seat in a row."),
        ({"rows": "2", "seats_per_row": "4", "gaps": "two"}, "gaps", "Write the left-out seat numbers"),
        ({"rows": "0", "seats_per_row": "4"}, "rows", "greater than or equal to 1"),
        ({"rows": "201", "seats_per_row": "4"}, "rows", "less than or equal to 200"),
    ],
)
def test_a_layout_that_cannot_be_is_a_form_error(organizer_client, vip, data, field, message):
    response = organizer_client.post(layout_url(vip), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert not Seat.objects.filter(ticket_type=vip).exists()


def test_ticket_type_rows_link_to_their_seat_pages(organizer_client, published_event, vip):
    seated(vip)
    page = organizer_client.get(change_url(published_event)).content.decode()
    assert layout_url(vip) in page
    assert seats_url(vip) in page
    assert seats_url(general(published_event)) not in page


# Blocking seats ------------------------------------------------------------------


def block(client, ticket_type, seats, *, blocked=True):
    data = {"seats": [seat.pk for seat in seats], "block": "yes" if blocked else "no"}
    return client.post(seats_url(ticket_type), data, follow=True)


def test_seat_page_shows_the_hall_row_by_row_with_its_gaps(organizer_client, vip):
    seated(vip, rows=2, seats_per_row=4, gaps=frozenset({2}))
    response = organizer_client.get(seats_url(vip))
    rows = response.context["rows"]
    assert [label for label, _ in rows] == ["A", "B"]
    assert [cell[0].number if cell else None for cell in rows[0][1]] == [1, None, 3, 4]
    assert 'aria-label="Row B, seat 4, on sale"' in response.content.decode()


def test_blocking_ticked_seats_keeps_them_out_of_sale_and_unblocking_puts_them_back(organizer_client, vip):
    seated(vip)
    first, second = Seat.objects.filter(ticket_type=vip)[:2]
    response = block(organizer_client, vip, [first, second])
    assert messages_of(response) == ["Blocked 2 seats."]
    assert set(Seat.objects.filter(blocked=True)) == {first, second}
    assert 'aria-label="Row A, seat 1, blocked"' in response.content.decode()
    response = block(organizer_client, vip, [first], blocked=False)
    assert messages_of(response) == ["Put 1 seat back on sale."]
    assert set(Seat.objects.filter(blocked=True)) == {second}


def test_blocking_a_booked_seat_is_refused_with_a_message(organizer_client, published_event, vip):
    seated(vip)
    seat, other = Seat.objects.filter(ticket_type=vip)[:2]
    make_booking(user=attendees(1)[0], event=published_event, ticket_type=vip, seat=seat)
    response = block(organizer_client, vip, [seat, other])
    assert messages_of(response) == [
        "Row A, seat 1 is booked: move or cancel that booking before blocking it."
    ]
    assert not Seat.objects.filter(blocked=True).exists()
    assert 'aria-label="Row A, seat 1, booked"' in response.content.decode()


@pytest.mark.parametrize("seats", [[], ["x"], ["99999999999999999999"], ["٣"]])
def test_a_post_without_proper_seats_blocks_nothing(organizer_client, vip, seats):
    seated(vip)
    response = organizer_client.post(seats_url(vip), {"seats": seats, "block": "yes"}, follow=True)
    assert response.status_code == 200
    assert messages_of(response)
    assert not Seat.objects.filter(blocked=True).exists()


def test_seats_of_another_type_are_left_alone(organizer_client, published_event, vip):
    seated(vip)
    other = seated(TicketTypeFactory(event=published_event, name="Balcony"))
    response = block(organizer_client, vip, Seat.objects.filter(ticket_type=other))
    assert messages_of(response) == ["Blocked 0 seats."]
    assert not Seat.objects.filter(blocked=True).exists()


def test_seat_page_lists_its_rows_in_pages(organizer_client, vip, monkeypatch):
    monkeypatch.setattr("events.admin.SEAT_ROWS_PER_PAGE", 2)
    seated(vip, rows=5, seats_per_row=2)
    assert [label for label, _ in organizer_client.get(seats_url(vip)).context["rows"]] == ["A", "B"]
    later = organizer_client.get(seats_url(vip), {"page": "3"}).context["rows"]
    assert [label for label, _ in later] == ["E"]
    assert organizer_client.get(seats_url(vip), {"page": "junk"}).status_code == 200


def test_seat_page_runs_the_same_queries_for_a_small_or_a_large_hall(
    organizer_client, vip, django_assert_max_num_queries
):
    seated(vip, rows=2, seats_per_row=3)
    with CaptureQueriesContext(connection) as small:
        organizer_client.get(seats_url(vip))
    seated(vip, rows=20, seats_per_row=30)
    with django_assert_max_num_queries(len(small)):
        organizer_client.get(seats_url(vip))


# Whose seats ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [layout_url, seats_url])
def test_another_organizers_type_is_not_found(organizer_client, others_type, url):
    assert organizer_client.get(url(others_type)).status_code == 404
    assert organizer_client.post(url(others_type), {"rows": "2", "seats_per_row": "2"}).status_code == 404
    assert not Seat.objects.exists()


def test_a_type_named_under_another_event_is_not_found(organizer_client, published_event, others_type):
    url = reverse("admin:events_event_seat_layout", args=[published_event.pk, others_type.pk])
    assert organizer_client.get(url).status_code == 404


@pytest.mark.parametrize("url", [layout_url, seats_url])
def test_staff_reach_the_seats_of_any_type(staff_client, others_type, url):
    assert staff_client.get(url(others_type)).status_code == 200


def test_attendees_never_reach_the_seat_pages(client, attendee, vip):
    client.force_login(attendee)
    response = client.get(layout_url(vip))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# The event list ----------------------------------------------------------------------


def test_event_list_shows_each_types_bookings_against_its_capacity(organizer_client, published_event, vip):
    fill(published_event, users=attendees(3), ticket_type=vip)
    fill(published_event, users=attendees(2), ticket_type=general(published_event))
    page = organizer_client.get(CHANGELIST).content.decode()
    assert f"{GENERAL} 2/10 · VIP 3/4" in page


def test_event_list_runs_the_same_queries_for_3_or_30_events_with_several_types(
    organizer_client, organizer, django_assert_max_num_queries
):
    def add_events(count):
        for event in EventFactory.create_batch(count, organizer=organizer):
            for position in (1, 2):
                kind = TicketTypeFactory(event=event, position=position)
                fill(event, users=attendees(1), ticket_type=kind)

    add_events(3)
    with CaptureQueriesContext(connection) as few:
        organizer_client.get(CHANGELIST)
    add_events(27)
    with django_assert_max_num_queries(len(few)):
        response = organizer_client.get(CHANGELIST)
    assert len(response.context["cl"].result_list) == 30


def test_event_page_runs_the_same_queries_for_2_or_12_types(
    organizer_client, published_event, django_assert_max_num_queries
):
    seated(TicketTypeFactory(event=published_event, position=1))
    with CaptureQueriesContext(connection) as few:
        organizer_client.get(change_url(published_event))
    for position in range(2, 12):
        seated(TicketTypeFactory(event=published_event, position=position))
    with django_assert_max_num_queries(len(few)):
        organizer_client.get(change_url(published_event))


def test_every_event_page_still_keeps_its_types_apart(organizer_client, published_event, others_type):
    """The inline lists the event's own types only, even for a type id typed into the post."""
    row = {"id": str(others_type.pk), "name": "Stolen", "capacity": "1"}
    data = change_data(published_event, **{f"ticket_types-0-{k}": v for k, v in row.items()})
    organizer_client.post(change_url(published_event), data)
    others_type.refresh_from_db()
    assert others_type.name == "Rival VIP"
    assert Event.objects.get(pk=others_type.event_id).title == "Rival gala"
