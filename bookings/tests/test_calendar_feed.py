"""A person's tickets as a private calendar feed at a secret address they can reset."""

from decimal import Decimal

import pytest
from django.urls import reverse
from icalendar import Calendar

from accounts.services import reset_calendar_token
from bookings.services import book, cancel_booking
from events.calendars import calendar_uid
from events.tests.factories import EventFactory, TicketTypeFactory

pytestmark = pytest.mark.django_db


def feed_uids(client, user) -> set[str]:
    response = client.get(reverse("bookings:calendar_feed", args=[user.calendar_token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return {str(entry["uid"]) for entry in Calendar.from_ical(response.content).walk("VEVENT")}


def test_the_feed_lists_my_tickets_and_drops_a_cancelled_one(client, attendee, published_event, organizer):
    other = EventFactory(organizer=organizer)
    priced = TicketTypeFactory(event=other, name="Paid", price=Decimal("5.00"), capacity=5)
    booking = book(user=attendee, event=published_event)
    book(user=attendee, event=other, ticket_type=priced)  # held for payment: on the calendar too
    reset_calendar_token(user=attendee)
    assert feed_uids(client, attendee) == {calendar_uid(published_event), calendar_uid(other)}
    cancel_booking(booking=booking, by=attendee)
    assert feed_uids(client, attendee) == {calendar_uid(other)}


def test_a_waitlist_place_is_not_on_the_calendar(client, attendee, other_attendee, organizer):
    full = EventFactory(organizer=organizer, capacity=1)
    book(user=other_attendee, event=full)
    book(user=attendee, event=full, waitlist=True)
    reset_calendar_token(user=attendee)
    assert feed_uids(client, attendee) == set()


def test_the_feed_reads_a_fixed_number_of_queries(client, attendee, organizer, django_assert_max_num_queries):
    reset_calendar_token(user=attendee)
    for _ in range(5):
        book(user=attendee, event=EventFactory(organizer=organizer))
    with django_assert_max_num_queries(2):  # the person, their events
        assert len(feed_uids(client, attendee)) == 5


def test_a_new_address_retires_the_old_one(client, attendee):
    old = reset_calendar_token(user=attendee).calendar_token
    new = reset_calendar_token(user=attendee).calendar_token
    assert new != old and len(new) >= 40
    assert client.get(reverse("bookings:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("bookings:calendar_feed", args=[new])).status_code == 200


def test_an_unknown_address_or_a_deactivated_account_has_no_feed(client, attendee):
    assert client.get(reverse("bookings:calendar_feed", args=["guess"])).status_code == 404
    reset_calendar_token(user=attendee)
    attendee.is_active = False
    attendee.save()
    assert client.get(reverse("bookings:calendar_feed", args=[attendee.calendar_token])).status_code == 404


def test_the_profile_makes_and_remakes_the_address(client, attendee):
    client.force_login(attendee)
    profile = reverse("accounts:profile")
    assert "Get my calendar address" in client.get(profile).content.decode()
    made = client.post(reverse("accounts:calendar_link"), follow=True).content.decode()
    attendee.refresh_from_db()
    assert "Your calendar address is ready" in made
    assert reverse("bookings:calendar_feed", args=[attendee.calendar_token]) in made
    first = attendee.calendar_token
    remade = client.post(reverse("accounts:calendar_link"), follow=True).content.decode()
    attendee.refresh_from_db()
    assert attendee.calendar_token != first and "the old one no longer works" in remade
    assert client.get(reverse("accounts:calendar_link")).status_code == 405


def test_the_address_is_made_only_when_signed_in(client):
    response = client.post(reverse("accounts:calendar_link"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
