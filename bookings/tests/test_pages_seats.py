"""The seat map: every seat a radio button, taken and blocked ones disabled, the best one by default,
a taken seat sent back to the map with seats nearby; a fixed number of queries however large the hall."""

import re
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings import services
from bookings.models import Booking
from community.tests.factories import NAV_QUERIES as NAV
from eventhub.tests.test_edges_outages import CACHE_DOWN
from events import browse_cache
from events import services as event_services
from events.browse_cache import FRESH_FOR
from events.models import Seat, TicketType, row_label
from events.services import SeatLayout
from events.tests.factories import EventFactory, TicketTypeFactory
from payments.tests.factories import pay

pytestmark = pytest.mark.django_db

MINE = reverse("bookings:mine")
SEAT_INPUT = re.compile(r"<input [^>]*aria-label=\"(Row [^\"]+)\"[^>]*>")


def seats_url(ticket_type):
    return reverse(
        "bookings:seats", kwargs={"event_id": ticket_type.event_id, "ticket_type_id": ticket_type.pk}
    )


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def seat(ticket_type, label: str) -> Seat:
    row, number = re.fullmatch(r"([A-Z]+)(\d+)", label).groups()
    return Seat.objects.get(ticket_type=ticket_type, row=row, number=number)


def seat_inputs(response) -> dict[str, str]:
    """Each seat's screen-reader name and its whole <input> tag."""
    return {match.group(1): match.group(0) for match in SEAT_INPUT.finditer(response.text)}


@pytest.fixture
def theatre(organizer):
    return hall_of_hamlet(organizer)


@pytest.fixture
def free_theatre(organizer):
    """The same hall with free stalls: booked on the spot, so the map shows its own behaviour, no checkout."""
    return hall_of_hamlet(organizer, price="0.00")


def hall_of_hamlet(organizer, *, price="30.00") -> TicketType:
    """Hamlet: free standing places and €30.00 stalls, rows A to C of seats 1 to 5, no seat 3 (an aisle)."""
    event = EventFactory(organizer=organizer, title="Hamlet", capacity=50)
    return event_services.create_ticket_type(
        event=event,
        by=organizer,
        name="Stalls",
        price=Decimal(price),
        layout=SeatLayout(rows=3, seats_per_row=5, gaps=frozenset({3})),
    )


def hall(event, *, seats: int, per_row: int = 100) -> TicketType:
    """A seated type of ``seats`` seats written straight to the table: fast enough for 5,000."""
    ticket_type = TicketTypeFactory(event=event, name=f"Hall of {seats}", capacity=seats, seated=True)
    Seat.objects.bulk_create(
        Seat(
            ticket_type=ticket_type,
            row=row_label(n // per_row),
            row_index=n // per_row,
            number=n % per_row + 1,
        )
        for n in range(seats)
    )
    return ticket_type


# Showing the map ---------------------------------------------------------------------------


def test_the_map_has_a_radio_button_per_seat_named_for_screen_readers(client, attendee, theatre):
    client.force_login(attendee)
    response = client.get(seats_url(theatre))
    inputs = seat_inputs(response)
    assert list(inputs) == [f"Row {row}, seat {n}" for row in "ABC" for n in (1, 2, 4, 5)]
    assert f'value="{seat(theatre, "C4").pk}"' in inputs["Row C, seat 4"]
    assert response.text.index('class="stage"') < response.text.index('<table class="seat-map">')


def test_the_aisle_is_an_empty_cell_under_an_empty_heading(client, attendee, theatre):
    client.force_login(attendee)
    html = client.get(seats_url(theatre)).text
    row_a = re.search(r'<tr><th scope="row">A</th>(.*?)</tr>', html).group(1)
    assert re.findall(r"<td[^>]*>", row_a) == ["<td>", "<td>", '<td class="gap">', "<td>", "<td>"]
    head = re.search(r"<thead>(.*?)</thead>", html).group(1)
    assert re.findall(r"<t[hd][^>]*>(\d*)</t[hd]>", head) == ["", "1", "2", "", "4", "5", ""]


def test_taken_and_blocked_seats_are_disabled(client, attendee, other_attendee, organizer, theatre):
    services.book(user=other_attendee, event=theatre.event, ticket_type=theatre, seat=seat(theatre, "A2"))
    event_services.set_seats_blocked(
        ticket_type=theatre, seat_ids=[seat(theatre, "B4").pk], blocked=True, by=organizer
    )
    client.force_login(attendee)
    inputs = seat_inputs(client.get(seats_url(theatre)))
    assert "disabled" in inputs["Row A, seat 2, taken"]
    assert "disabled" in inputs["Row B, seat 4, not for sale"]
    assert 'name="seat"' not in inputs["Row A, seat 2, taken"] + inputs["Row B, seat 4, not for sale"]
    assert "disabled" not in inputs["Row A, seat 1"]
    assert sum("disabled" in tag for tag in inputs.values()) == 2


def test_best_available_is_the_default_choice(client, attendee, other_attendee, theatre):
    services.book(user=other_attendee, event=theatre.event, ticket_type=theatre, seat=seat(theatre, "A1"))
    client.force_login(attendee)
    html = client.get(seats_url(theatre)).text
    assert re.search(r'<input type="radio" name="seat" value="" id="seat-best" checked>', html)
    assert "Best available seat (Row A, seat 4)" in html  # the first of the longest free run in row A
    assert html.count("checked") == 1


def test_an_unseated_type_has_no_seat_map(client, attendee, theatre):
    general = theatre.event.ticket_types.get(name="General admission")
    client.force_login(attendee)
    assert client.get(seats_url(general)).status_code == 404


def test_a_type_of_another_event_has_no_seat_map_here(client, attendee, theatre):
    elsewhere = EventFactory()
    url = reverse("bookings:seats", kwargs={"event_id": elsewhere.pk, "ticket_type_id": theatre.pk})
    client.force_login(attendee)
    assert client.get(url).status_code == 404


def test_someone_elses_draft_has_no_seat_map(client, attendee, other_organizer, organizer, theatre):
    event = theatre.event
    event.status = "draft"
    event.save()
    for outsider in (attendee, other_organizer):
        client.force_login(outsider)
        assert client.get(seats_url(theatre)).status_code == 404
        assert client.post(seats_url(theatre), {"seat": seat(theatre, "A1").pk}).status_code == 404
    assert not Booking.objects.exists()
    client.force_login(organizer)
    assert client.get(seats_url(theatre)).status_code == 200


def test_signed_out_visitors_see_the_map_and_sign_in_to_choose(client, theatre):
    response = client.get(seats_url(theatre))
    assert response.status_code == 200
    assert "Sign in to book" in response.text
    assert "Book this seat" not in response.text
    response = client.post(seats_url(theatre), {"seat": seat(theatre, "A1").pk})
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Booking.objects.exists()


# Booking from the map -------------------------------------------------------------------------


def test_booking_the_chosen_seat(client, attendee, free_theatre):
    theatre = free_theatre
    client.force_login(attendee)
    response = client.post(seats_url(theatre), {"seat": seat(theatre, "B5").pk}, follow=True)
    assert messages_of(response) == ["You're booked for “Hamlet” (Stalls, Row B, seat 5). See you there!"]
    booking = Booking.objects.get(user=attendee)
    assert (booking.ticket_type, booking.seat) == (theatre, seat(theatre, "B5"))
    assert seat(theatre, "B5").held


def test_booking_the_best_available_seat(client, attendee, free_theatre):
    theatre = free_theatre
    client.force_login(attendee)
    response = client.post(seats_url(theatre), {"seat": ""}, follow=True)
    assert messages_of(response) == ["You're booked for “Hamlet” (Stalls, Row A, seat 1). See you there!"]
    assert Booking.objects.get(user=attendee).seat == seat(theatre, "A1")


def test_a_taken_seat_shows_the_map_again_with_free_seats_nearby(client, attendee, other_attendee, theatre):
    services.book(user=other_attendee, event=theatre.event, ticket_type=theatre, seat=seat(theatre, "B2"))
    client.force_login(attendee)
    response = client.post(seats_url(theatre), {"seat": seat(theatre, "B2").pk}, follow=True)
    assert response.redirect_chain == [(seats_url(theatre), 302)]
    assert messages_of(response) == ["Row B, seat 2 has just been taken. Free seats nearby: B1, B4, B5."]
    assert "Row B, seat 2, taken" in response.text
    assert not Booking.objects.filter(user=attendee).exists()


@pytest.mark.parametrize("which", ["blocked", "other_type", "junk"])
def test_a_seat_not_for_sale_is_refused_with_a_message(client, attendee, organizer, theatre, which):
    blocked = seat(theatre, "C1")
    event_services.set_seats_blocked(ticket_type=theatre, seat_ids=[blocked.pk], blocked=True, by=organizer)
    other = hall(EventFactory(), seats=3)
    posted = {"blocked": blocked.pk, "other_type": other.seats.first().pk, "junk": "C1"}[which]
    client.force_login(attendee)
    response = client.post(seats_url(theatre), {"seat": posted}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == seats_url(theatre)
    assert messages_of(response) == [
        "That choice is not on offer. Please choose again from the list."
        if which == "junk"
        else "This seat is not for sale as Stalls."
    ]
    assert not Booking.objects.filter(user=attendee).exists()


def test_choosing_a_seated_type_on_the_event_page_opens_its_map(client, attendee, theatre):
    client.force_login(attendee)
    page = client.get(theatre.event.get_absolute_url()).text
    assert "Stalls €30.00 12 left · numbered seats" in " ".join(re.sub(r"<[^>]+>", "", page).split())
    response = client.post(
        reverse("bookings:book", kwargs={"event_id": theatre.event_id}), {"ticket_type": theatre.pk}
    )
    assert response.status_code == 302
    assert response.url == seats_url(theatre)
    assert not Booking.objects.exists()


def test_a_single_seated_type_links_straight_to_its_map(client, attendee, organizer):
    event = EventFactory(organizer=organizer, capacity=4)
    ticket_type = event.ticket_types.get()
    event_services.lay_out_seats(
        ticket_type=ticket_type, layout=SeatLayout(rows=2, seats_per_row=2), by=organizer
    )
    client.force_login(attendee)
    page = client.get(event.get_absolute_url()).text
    assert f'href="{seats_url(ticket_type)}">Choose your seat</a>' in page
    assert "Book a seat" not in page


def test_a_sold_out_seated_type_offers_its_waitlist(client, attendee, theatre):
    for user in UserFactory.create_batch(12):
        services.book(user=user, event=theatre.event, ticket_type=theatre)
    client.force_login(attendee)
    response = client.get(seats_url(theatre))
    assert "Stalls is sold out." in response.text
    assert "Book this seat" not in response.text
    response = client.post(
        reverse("bookings:book", kwargs={"event_id": theatre.event_id}),
        {"ticket_type": theatre.pk, "waitlist": "1"},
        follow=True,
    )
    booking = Booking.objects.get(user=attendee)
    assert (booking.status, booking.ticket_type, booking.seat) == ("waitlisted", theatre, None)


# Moving my seat ---------------------------------------------------------------------------------------------


def test_a_confirmed_booking_moves_to_another_seat_on_the_map(client, attendee, theatre):
    booking = services.book(user=attendee, event=theatre.event, ticket_type=theatre, seat=seat(theatre, "A1"))
    pay(booking)
    client.force_login(attendee)
    event_page = client.get(theatre.event.get_absolute_url()).text
    assert f'href="{seats_url(theatre)}">Change my seat</a>' in event_page
    response = client.get(seats_url(theatre))
    assert "Move to this seat" in response.text
    assert "disabled" in seat_inputs(response)["Row A, seat 1, your seat"]
    assert 'id="seat-best"' not in response.text  # I already hold a seat of this type
    response = client.post(seats_url(theatre), {"seat": seat(theatre, "C5").pk}, follow=True)
    assert messages_of(response) == ["Your ticket for “Hamlet” is now Stalls, Row C, seat 5."]
    booking.refresh_from_db()
    assert booking.seat == seat(theatre, "C5")
    assert not seat(theatre, "A1").held


def test_moving_to_a_taken_seat_is_refused_and_keeps_mine(client, attendee, other_attendee, theatre):
    booking = services.book(user=attendee, event=theatre.event, ticket_type=theatre, seat=seat(theatre, "A1"))
    pay(booking)
    # Held for someone who has not paid yet: taken all the same.
    services.book(user=other_attendee, event=theatre.event, ticket_type=theatre, seat=seat(theatre, "A2"))
    client.force_login(attendee)
    response = client.post(seats_url(theatre), {"seat": seat(theatre, "A2").pk}, follow=True)
    assert response.redirect_chain == [(seats_url(theatre), 302)]
    assert messages_of(response)[0].startswith("Row A, seat 2 has just been taken.")
    booking.refresh_from_db()
    assert booking.seat == seat(theatre, "A1")


def test_moving_from_standing_to_a_seat_goes_by_the_map(client, attendee, free_theatre):
    theatre = free_theatre  # the owner moves only between types of the same price
    general = theatre.event.ticket_types.get(name="General admission")
    booking = services.book(user=attendee, event=theatre.event, ticket_type=general)
    client.force_login(attendee)
    change = reverse("bookings:change", kwargs={"pk": booking.pk})
    response = client.post(change, {"ticket_type": theatre.pk})
    assert response.url == seats_url(theatre)
    assert 'id="seat-best" checked' in client.get(seats_url(theatre)).text
    client.post(seats_url(theatre), {"seat": ""})
    booking.refresh_from_db()
    assert (booking.ticket_type, booking.seat) == (theatre, seat(theatre, "A1"))


# My bookings ---------------------------------------------------------------------------------


def test_my_bookings_show_the_type_price_and_seat(client, attendee, theatre):
    services.book(user=attendee, event=theatre.event, ticket_type=theatre, seat=seat(theatre, "C4"))
    client.force_login(attendee)
    page = " ".join(re.sub(r"<[^>]+>", "", client.get(MINE).text).split())
    assert "Stalls · €30.00 · Row C, seat 4" in page


def test_my_bookings_query_count_does_not_grow_with_seated_bookings(
    client, attendee, organizer, django_assert_max_num_queries
):
    def add_bookings(count):
        for event in EventFactory.create_batch(count, organizer=organizer):
            ticket_type = hall(event, seats=4)
            services.book(user=attendee, event=event, ticket_type=ticket_type)

    client.force_login(attendee)
    add_bookings(2)
    with django_assert_max_num_queries(5 + NAV) as few:
        client.get(MINE)
    add_bookings(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(MINE)
    assert response.text.count("Row A, seat 1") == 22


# Size -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seats", [50, 5_000])
def test_the_map_runs_the_same_few_queries_for_50_or_5000_seats_fewer_from_the_shared_grid(
    client, attendee, other_attendee, seats, django_assert_max_num_queries, monkeypatch
):
    frozen = time.time()
    monkeypatch.setattr(browse_cache, "_now", lambda: frozen)  # however slow the first drawing
    event = EventFactory(capacity=seats)
    ticket_type = hall(event, seats=seats)
    services.book(user=other_attendee, event=event, ticket_type=ticket_type)
    client.force_login(attendee)
    # Drawn: session, user, the ticket type with its event, my booking, the seats, the seats my friends
    # hold, the best seat (two reads); no questions, the event asks none. From the shared grid: neither
    # the seats nor the best seat.
    for most in (8 + NAV, 5 + NAV):
        with django_assert_max_num_queries(most):
            response = client.get(seats_url(ticket_type))
        assert response.text.count('name="seat"') == seats  # the best-seat choice and every free seat
        assert "Row A, seat 1, taken" in response.text


def test_a_5000_seat_map_renders_quickly(client, attendee):
    """A loose bound that catches an accidental query or model per seat; the page takes about 50 ms."""
    ticket_type = hall(EventFactory(capacity=5_000), seats=5_000)
    client.force_login(attendee)
    client.get(seats_url(ticket_type))
    started = time.perf_counter()
    response = client.get(seats_url(ticket_type))
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 200


# The grid shared by every viewer for a second ---------------------------------------------------


def test_a_seat_taken_by_someone_else_shows_as_taken_within_a_second(
    client, attendee, other_attendee, free_theatre
):
    client.force_login(attendee)
    client.get(seats_url(free_theatre))
    services.book(
        user=other_attendee, event=free_theatre.event, ticket_type=free_theatre, seat=seat(free_theatre, "A1")
    )
    time.sleep(FRESH_FOR + 0.1)
    assert "disabled" in seat_inputs(client.get(seats_url(free_theatre)))["Row A, seat 1, taken"]


def test_my_own_seat_shows_as_mine_at_once_and_never_to_anyone_else(
    client, attendee, other_attendee, free_theatre
):
    client.force_login(other_attendee)
    client.get(seats_url(free_theatre))  # the shared grid, with A1 free
    services.book(
        user=attendee, event=free_theatre.event, ticket_type=free_theatre, seat=seat(free_theatre, "A1")
    )
    client.force_login(attendee)
    mine = client.get(seats_url(free_theatre))
    assert "disabled" in seat_inputs(mine)["Row A, seat 1, your seat"]
    assert "Move to this seat" in mine.text
    client.force_login(other_attendee)
    theirs = seat_inputs(client.get(seats_url(free_theatre)))
    assert not any(name.endswith("your seat") for name in theirs)
    assert any(name.startswith("Row A, seat 1") for name in theirs)  # free, or taken once drawn again


def test_the_map_is_drawn_when_the_cache_is_down(client, attendee, theatre, settings):
    client.force_login(attendee)
    settings.CACHES = CACHE_DOWN
    response = client.get(seats_url(theatre))
    assert response.status_code == 200
    assert list(seat_inputs(response)) == [f"Row {row}, seat {n}" for row in "ABC" for n in (1, 2, 4, 5)]


# In a real browser -----------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_attendee_picks_a_seat_on_the_map_and_books_it(live_server, page):
    from playwright.sync_api import expect

    organizer = UserFactory(role="organizer")
    theatre = hall_of_hamlet(organizer, price="0.00")
    UserFactory(username="robin")

    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{theatre.event.get_absolute_url()}")

    page.get_by_label("Stalls").check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(page.get_by_role("heading", name="Choose your seat")).to_be_visible()
    expect(page.get_by_label("Best available seat (Row A, seat 1)")).to_be_checked()

    # The map's script runs deferred: its zoom buttons say it is listening for the arrow keys.
    expect(page.get_by_role("button", name="Zoom in")).to_be_visible()
    page.get_by_label("Row B, seat 4", exact=True).check()
    page.keyboard.press("ArrowDown")  # the enhancement: the same seat one row further back
    expect(page.get_by_label("Row C, seat 4", exact=True)).to_be_checked()
    page.get_by_role("button", name="Book this seat").click()

    expect(
        page.get_by_text("You're booked for “Hamlet” (Stalls, Row C, seat 4). See you there!")
    ).to_be_visible()
    booking = Booking.objects.get(user__username="robin")
    assert booking.seat == seat(theatre, "C4")
