"""Ticket types on the pages: what each costs and has left, choosing one, its waitlist, the list's prices."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from community.tests.factories import NAV_QUERIES as NAV
from events.models import TicketType
from events.tests.factories import EventFactory, TicketTypeFactory
from events.tests.test_pages import text_of
from payments.tests.factories import pay

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


def book_url(event):
    return reverse("bookings:book", kwargs={"event_id": event.pk})


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def general(event) -> TicketType:
    return event.ticket_types.get(name="General admission")


@pytest.fixture
def gala(organizer):
    """Free general admission (20 places) and a €25.00 VIP type with 2 places."""
    event = EventFactory(organizer=organizer, title="Gala", capacity=20)
    TicketTypeFactory(event=event, name="VIP", price=Decimal("25.00"), capacity=2, description="Front rows.")
    return event


def vip(event) -> TicketType:
    return event.ticket_types.get(name="VIP")


def sell_out(event, ticket_type):
    for user in UserFactory.create_batch(ticket_type.capacity - ticket_type.booked_seats):
        services.book(user=user, event=event, ticket_type=ticket_type)


# The event page ------------------------------------------------------------------


def test_event_page_offers_each_type_with_its_price_and_places_left(client, attendee, gala):
    client.force_login(attendee)
    response = client.get(gala.get_absolute_url())
    page = text_of(response)
    assert "General admission Free 20 left" in page
    assert "VIP €25.00 2 left" in page
    assert "Front rows." in page
    assert response.text.count('type="radio" name="ticket_type"') == 2
    assert f'value="{general(gala).pk}" id="ticket-type-{general(gala).pk}" checked' in response.text


def test_event_page_says_when_sales_open_and_that_they_ended(client, attendee, gala):
    now = timezone.now()
    opens = (now + timedelta(days=2)).replace(hour=9, minute=30, second=0, microsecond=0)
    TicketTypeFactory(event=gala, name="Late bird", sales_start=opens)
    TicketTypeFactory(event=gala, name="Early bird", sales_end=now - timedelta(hours=1))
    client.force_login(attendee)
    response = client.get(gala.get_absolute_url())
    page = text_of(response)
    assert f"Late bird Free On sale from {opens:%-d %b %Y}, 09:30 (UTC)" in page
    assert "Early bird Free Sales ended" in page
    assert response.text.count(" disabled>") == 2  # neither can be chosen


def test_a_sold_out_type_says_so_and_offers_its_waitlist(client, attendee, gala):
    sell_out(gala, vip(gala))
    client.force_login(attendee)
    response = client.get(gala.get_absolute_url())
    assert "VIP €25.00 Sold out · waitlist open" in text_of(response)
    assert "Join the waitlist" in response.text
    response = client.post(book_url(gala), {"ticket_type": vip(gala).pk, "waitlist": "1"}, follow=True)
    booking = Booking.objects.get(user=attendee)
    assert (booking.status, booking.ticket_type) == ("waitlisted", vip(gala))
    assert "on the waitlist" in messages_of(response)[0]


def test_no_waitlist_button_while_every_type_has_places(client, attendee, gala):
    client.force_login(attendee)
    assert "Join the waitlist" not in client.get(gala.get_absolute_url()).text


def balcony(event) -> TicketType:
    """A second free type: booking it is done on the spot, with no checkout in between."""
    return TicketTypeFactory(event=event, name="Balcony", capacity=5, position=2)


def test_booking_the_chosen_type(client, attendee, gala):
    chosen = balcony(gala)
    client.force_login(attendee)
    response = client.post(book_url(gala), {"ticket_type": chosen.pk}, follow=True)
    assert messages_of(response) == ["You're booked for “Gala” (Balcony). See you there!"]
    booking = Booking.objects.get(user=attendee)
    assert (booking.status, booking.ticket_type) == ("confirmed", chosen)
    assert "Your ticket: Balcony · Free" in text_of(response)


def test_a_paid_ticket_shows_its_type_and_price_on_the_event_page(client, attendee, gala):
    pay(services.book(user=attendee, event=gala, ticket_type=vip(gala)))
    client.force_login(attendee)
    assert "Your ticket: VIP · €25.00" in text_of(client.get(gala.get_absolute_url()))


@pytest.mark.parametrize(
    ("choose", "message"),
    [
        ({}, "Choose a ticket type: this event sells several."),
        (
            {"ticket_type": "sold_out"},
            "VIP is sold out. You can join its waitlist or choose another ticket type.",
        ),
        ({"ticket_type": "ended"}, "Early bird tickets are no longer on sale."),
        ({"ticket_type": "elsewhere"}, "This ticket type is not sold at this event."),
        ({"ticket_type": "x"}, "That choice is not on offer. Please choose again from the list."),
        (
            {"ticket_type": "99999999999999999999"},
            "That choice is not on offer. Please choose again from the list.",
        ),
    ],
)
def test_a_refused_choice_comes_back_as_a_message(client, attendee, gala, choose, message):
    sell_out(gala, vip(gala))
    ids = {
        "sold_out": vip(gala).pk,
        "ended": TicketTypeFactory(event=gala, name="Early bird", sales_end=timezone.now()).pk,
        "elsewhere": general(EventFactory()).pk,
    }
    posted = {name: ids.get(value, value) for name, value in choose.items()}
    client.force_login(attendee)
    response = client.post(book_url(gala), posted, follow=True)
    assert response.status_code == 200
    assert messages_of(response) == [message]
    assert not Booking.objects.filter(user=attendee).exists()


def test_a_single_type_event_keeps_its_one_button(client, attendee, published_event):
    client.force_login(attendee)
    response = client.get(published_event.get_absolute_url())
    assert 'name="ticket_type"' not in response.text
    assert "Book a seat" in response.text
    assert "<dt>Price</dt><dd>Free</dd>" in response.text
    response = client.post(book_url(published_event), follow=True)
    assert messages_of(response) == [f"You're booked for “{published_event.title}”. See you there!"]


def test_a_priced_single_type_shows_its_price(client, published_event):
    TicketType.objects.filter(event=published_event).update(price=Decimal("12.50"))
    assert "<dt>Price</dt><dd>€12.50</dd>" in client.get(published_event.get_absolute_url()).text


def test_booking_is_closed_until_the_only_type_goes_on_sale(client, attendee, published_event):
    opens = timezone.now() + timedelta(days=1)
    TicketType.objects.filter(event=published_event).update(sales_start=opens)
    client.force_login(attendee)
    response = client.get(published_event.get_absolute_url())
    assert response.context["action"].kind == "closed"
    assert "Booking closed. General admission tickets go on sale on" in text_of(response)
    assert "Book a seat" not in response.text


def test_booking_is_closed_when_no_type_is_on_sale(client, attendee, gala):
    TicketType.objects.filter(event=gala).update(sales_end=timezone.now() - timedelta(minutes=1))
    client.force_login(attendee)
    response = client.get(gala.get_absolute_url())
    assert "Booking closed. No tickets of this event are on sale now." in text_of(response)
    assert 'name="ticket_type"' not in response.text


def test_signed_out_visitors_see_the_types_without_a_form(client, gala):
    response = client.get(gala.get_absolute_url())
    assert "VIP €25.00 2 left" in text_of(response)
    assert 'name="ticket_type"' not in response.text
    assert "Sign in to book" in response.text


def test_a_full_event_offers_only_the_waitlist_for_every_type(client, attendee, organizer):
    event = EventFactory(organizer=organizer, capacity=1)
    TicketTypeFactory(event=event, name="VIP", price=Decimal("25.00"), capacity=5)
    services.book(user=UserFactory(), event=event, ticket_type=general(event))
    client.force_login(attendee)
    response = client.get(event.get_absolute_url())
    assert response.context["action"].kind == "waitlist"
    assert "VIP €25.00 Sold out · waitlist open" in text_of(response)
    assert ">Book</button>" not in response.text


def test_event_page_query_count_does_not_grow_with_types(
    client, attendee, gala, django_assert_max_num_queries
):
    services.book(user=attendee, event=gala, ticket_type=vip(gala))
    client.force_login(attendee)
    # 13: the page's own 7 (its tags among them), the navigation's community counts (2) and the
    # community's part of the page (4: friends going, the discussion's posts and the two block lists
    # they are read past).
    with django_assert_max_num_queries(13) as few:
        client.get(gala.get_absolute_url())
    for n in range(30):
        TicketTypeFactory(event=gala, name=f"Tier {n}", sales_start=timezone.now() + timedelta(days=1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(gala.get_absolute_url())
    assert "Tier 29" in response.text


# Changing a booking's type ---------------------------------------------------------


def change_url(booking):
    return reverse("bookings:change", kwargs={"pk": booking.pk})


def test_a_confirmed_booking_moves_to_another_type_from_its_event_page(client, attendee, gala):
    target = balcony(gala)  # free like the ticket held: the owner moves only at the same price
    booking = services.book(user=attendee, event=gala, ticket_type=general(gala))
    client.force_login(attendee)
    page = client.get(gala.get_absolute_url()).text
    assert "Change my ticket type" in page
    assert f'action="{change_url(booking)}"' in page
    response = client.post(change_url(booking), {"ticket_type": target.pk}, follow=True)
    assert messages_of(response) == ["Your ticket for “Gala” is now Balcony."]
    booking.refresh_from_db()
    assert booking.ticket_type == target
    assert TicketType.objects.get(pk=target.pk).booked_seats == 1
    assert TicketType.objects.get(pk=general(gala).pk).booked_seats == 0


def test_moving_to_a_sold_out_type_is_refused_with_a_message(client, attendee, gala):
    booking = services.book(user=attendee, event=gala, ticket_type=general(gala))
    sell_out(gala, vip(gala))
    client.force_login(attendee)
    response = client.post(change_url(booking), {"ticket_type": vip(gala).pk}, follow=True)
    assert messages_of(response) == [
        "VIP is sold out. You can join its waitlist or choose another ticket type."
    ]
    booking.refresh_from_db()
    assert booking.ticket_type == general(gala)


def test_someone_elses_booking_cannot_be_moved(client, attendee, other_attendee, gala):
    theirs = services.book(user=other_attendee, event=gala, ticket_type=general(gala))
    client.force_login(attendee)
    assert client.post(change_url(theirs), {"ticket_type": vip(gala).pk}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.ticket_type == general(gala)


# The list's prices ---------------------------------------------------------------------


def card_prices(response) -> dict[str, str]:
    """Each card's title and the price line under it, in the order of the list."""
    titles = [event.title for event in response.context["page_obj"].object_list]
    return dict(zip(titles, re.findall(r'<p class="price">(.*?)</p>', response.text), strict=True))


def test_list_cards_show_what_tickets_cost(client, organizer):
    EventFactory(organizer=organizer, title="Free talk")
    one = EventFactory(organizer=organizer, title="Concert")
    TicketType.objects.filter(event=one).update(price=Decimal("15.00"))
    several = EventFactory(organizer=organizer, title="Festival")
    TicketType.objects.filter(event=several).update(price=Decimal("15.00"))
    TicketTypeFactory(event=several, name="VIP", price=Decimal("40.00"))
    mixed = EventFactory(organizer=organizer, title="Fair")
    TicketTypeFactory(event=mixed, name="VIP", price=Decimal("40.00"))
    assert card_prices(client.get(LIST)) == {
        "Free talk": "Free",
        "Concert": "€15.00",
        "Festival": "From €15.00",
        "Fair": "Free to €40.00",
    }


def test_list_price_leaves_out_types_whose_sales_ended(client, organizer):
    event = EventFactory(organizer=organizer, title="Concert")
    TicketType.objects.filter(event=event).update(price=Decimal("30.00"))
    TicketTypeFactory(event=event, name="Early bird", price=Decimal("10.00"), sales_end=timezone.now())
    response = client.get(LIST)
    (listed,) = response.context["page_obj"].object_list
    assert (listed.min_price, listed.max_price) == (Decimal("30.00"), Decimal("30.00"))
    assert "€10.00" not in response.text


def test_list_query_count_does_not_grow_with_events_and_types(
    client, attendee, django_assert_max_num_queries
):
    client.force_login(attendee)

    def add_events(count):
        for event in EventFactory.create_batch(count):
            TicketTypeFactory(event=event, name="VIP", price=Decimal("25.00"))

    add_events(3)
    with django_assert_max_num_queries(6 + NAV) as few:
        client.get(LIST)
    add_events(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert text_of(response).count("Free to €25.00") == 12
