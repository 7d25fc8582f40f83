"""Ticket types, prices and seats in the console's booking lists, the event page and the CSV exports."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill, make_booking
from bookings.tests.test_admin import CHANGELIST, csv_rows
from events import services
from events.models import Seat
from events.services import SeatLayout
from events.tests.factories import EventFactory, TicketTypeFactory

EVENTS_CHANGELIST = reverse("admin:events_event_changelist")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def gala(organizer):
    """An event in pounds with a free general admission and a seated VIP type."""
    event = EventFactory(organizer=organizer, title="Gala", capacity=100, currency="GBP")
    vip = TicketTypeFactory(event=event, name="VIP", price=Decimal("25.00"), capacity=8, position=1)
    layout = SeatLayout(rows=2, seats_per_row=4)
    services.lay_out_seats(ticket_type=vip, layout=layout, by=organizer)
    return event


def vip_of(event):
    return event.ticket_types.get(name="VIP")


def attendees(count):
    return UserFactory.create_batch(count, role="attendee")


def book_vip(event, user, seat_number=None):
    vip = vip_of(event)
    seat = Seat.objects.get(ticket_type=vip, row="A", number=seat_number) if seat_number else None
    return make_booking(user=user, event=event, ticket_type=vip, seat=seat)


def export(client, bookings):
    return client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [b.pk for b in bookings]})


# The booking list ----------------------------------------------------------------


def test_booking_list_shows_each_bookings_type_seat_and_price_under_its_event(
    organizer_client, gala, attendee, other_attendee
):
    book_vip(gala, attendee, seat_number=3)
    make_booking(user=other_attendee, event=gala, ticket_type=gala.ticket_types.get(name="General admission"))
    page = organizer_client.get(CHANGELIST).content.decode()
    event_link = f'<a href="{reverse("admin:events_event_change", args=[gala.pk])}">Gala</a>'
    assert f"{event_link}<br>VIP · Row A, seat 3 · £25.00</td>" in page
    assert f"{event_link}<br>General admission · Free</td>" in page


def test_booking_list_filters_by_ticket_type_named_with_its_event(
    organizer_client, gala, attendee, other_attendee
):
    vip_booking = book_vip(gala, attendee)
    make_booking(user=other_attendee, event=gala, ticket_type=gala.ticket_types.get(name="General admission"))
    response = organizer_client.get(CHANGELIST)
    [type_filter] = [f for f in response.context["cl"].filter_specs if f.title == "ticket type"]
    assert [label for _, label in type_filter.lookup_choices] == ["Gala: General admission", "Gala: VIP"]
    filtered = organizer_client.get(CHANGELIST, {"ticket_type__id__exact": vip_of(gala).pk})
    assert [booking.pk for booking in filtered.context["cl"].result_list] == [vip_booking.pk]


def test_ticket_type_filter_offers_only_the_organizers_own_types(
    organizer_client, gala, attendee, other_attendee, other_organizer
):
    book_vip(gala, attendee)
    make_booking(user=other_attendee, event=gala, ticket_type=gala.ticket_types.get(name="General admission"))
    rival = EventFactory(organizer=other_organizer, title="Rival gala")
    make_booking(user=attendees(1)[0], event=rival)
    response = organizer_client.get(CHANGELIST)
    [type_filter] = [f for f in response.context["cl"].filter_specs if f.title == "ticket type"]
    assert [label for _, label in type_filter.lookup_choices] == ["Gala: General admission", "Gala: VIP"]


def test_booking_page_shows_its_type_price_and_seat(organizer_client, gala, attendee):
    booking = book_vip(gala, attendee, seat_number=2)
    page = organizer_client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "VIP" in page
    assert "£25.00" in page
    assert "Row A, seat 2" in page


def test_event_pages_bookings_show_their_type_and_seat(organizer_client, gala, attendee):
    book_vip(gala, attendee, seat_number=4)
    page = organizer_client.get(reverse("admin:events_event_change", args=[gala.pk])).content.decode()
    assert '<td class="field-seat_shown"><p>Row A, seat 4</p></td>' in page.replace("\n", "").replace(
        "  ", ""
    )


def test_booking_list_runs_the_same_queries_for_3_or_30_bookings_of_several_types(
    organizer_client, organizer, django_assert_max_num_queries
):
    def add_bookings(count):
        event = EventFactory(organizer=organizer, capacity=100)
        seated = TicketTypeFactory(event=event, name="Seated", capacity=count)
        services.lay_out_seats(
            ticket_type=seated, layout=SeatLayout(rows=1, seats_per_row=count), by=organizer
        )
        fill(event, users=attendees(count), ticket_type=seated)
        fill(event, users=attendees(count), ticket_type=event.ticket_types.get(name="General admission"))

    add_bookings(2)
    with CaptureQueriesContext(connection) as few:
        organizer_client.get(CHANGELIST)
    for _ in range(3):
        add_bookings(5)
    with django_assert_max_num_queries(len(few)):
        response = organizer_client.get(CHANGELIST)
    assert response.context["cl"].result_count == 34


# The CSV exports -------------------------------------------------------------------


def test_csv_has_the_type_the_price_as_a_decimal_with_its_currency_and_the_seat(
    organizer_client, gala, attendee, other_attendee
):
    seated = book_vip(gala, attendee, seat_number=1)
    standing = make_booking(
        user=other_attendee, event=gala, ticket_type=gala.ticket_types.get(name="General admission")
    )
    rows = csv_rows(export(organizer_client, [seated, standing]))
    assert rows[0][-4:] == ["ticket type", "price", "currency", "seat"]
    by_user = {row[0]: row[-4:] for row in rows[1:]}
    assert by_user[attendee.username] == ["VIP", "25.00", "GBP", "Row A, seat 1"]
    assert by_user[other_attendee.username] == ["General admission", "0.00", "GBP", ""]


def test_attendee_export_of_events_has_the_new_columns_too(organizer_client, gala, attendee):
    book_vip(gala, attendee, seat_number=2)
    response = organizer_client.post(
        EVENTS_CHANGELIST, {"action": "export_attendees", "_selected_action": [gala.pk]}
    )
    rows = csv_rows(response)
    assert rows[1][0] == "Gala"
    assert rows[1][-4:] == ["VIP", "25.00", "GBP", "Row A, seat 2"]


def test_a_type_name_that_looks_like_a_formula_is_defused(organizer_client, gala, attendee):
    services.update_ticket_type(ticket_type=vip_of(gala), by=gala.organizer, name="=SUM(A1:A9)")
    booking = make_booking(user=attendee, event=gala, ticket_type=gala.ticket_types.get(name="=SUM(A1:A9)"))
    rows = csv_rows(export(organizer_client, [booking]))
    assert rows[1][-4] == "'=SUM(A1:A9)"


def test_csv_export_runs_the_same_queries_for_3_or_30_bookings(
    organizer_client, gala, django_assert_max_num_queries
):
    def exported(bookings):
        response = export(organizer_client, bookings)
        return b"".join(response.streaming_content)

    bookings = [book_vip(gala, user) for user in attendees(3)]
    with CaptureQueriesContext(connection) as few:
        exported(bookings)
    bookings += [book_vip(gala, user) for user in attendees(5)]
    bookings += fill(gala, users=attendees(22), ticket_type=gala.ticket_types.get(name="General admission"))
    with django_assert_max_num_queries(len(few)):
        assert exported(bookings).count(b"\n") == 31
