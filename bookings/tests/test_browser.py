"""The main attendee journey in a real browser: Playwright driving Debian's Chromium."""

import pytest
from django.utils import timezone

from bookings.models import Booking
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attendee_signs_up_finds_books_and_cancels(live_server, page):
    from playwright.sync_api import expect

    event = EventFactory(title="Harbour jazz evening", capacity=3, location="Pier 4")
    EventFactory(title="Pottery class", capacity=3)

    page.goto(f"{live_server.url}/accounts/signup/")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Email address").fill("robin@example.com")
    page.get_by_label("Password:", exact=True).fill("plum-orchard-42-sunrise")
    page.get_by_label("Password confirmation").fill("plum-orchard-42-sunrise")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome to eventhub, robin!")).to_be_visible()

    page.get_by_label("Search").fill("jazz")
    page.get_by_role("button", name="Find events").click()
    expect(page.get_by_role("link", name="Harbour jazz evening")).to_be_visible()
    expect(page.get_by_role("link", name="Pottery class")).to_have_count(0)
    page.get_by_role("link", name="Harbour jazz evening").click()

    expect(page.get_by_text("3 seats left")).to_be_visible()
    page.get_by_role("button", name="Book a seat").click()
    expect(page.get_by_text("You're booked for “Harbour jazz evening”")).to_be_visible()
    expect(page.get_by_text("2 seats left")).to_be_visible()

    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_role("link", name="Harbour jazz evening", exact=True)).to_be_visible()
    expect(page.get_by_text("Confirmed")).to_be_visible()
    page.get_by_role("link", name="Cancel booking for “Harbour jazz evening”").click()
    expect(page.get_by_text("You can book again while seats are left.")).to_be_visible()
    page.get_by_role("button", name="Yes, cancel my booking for “Harbour jazz evening”").click()
    expect(page.get_by_text("Your booking for “Harbour jazz evening” is cancelled.")).to_be_visible()
    expect(page.get_by_text("Cancelled", exact=True)).to_be_visible()

    booking = Booking.objects.get(user__username="robin", event=event)
    event.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.cancelled_at <= timezone.now()
    assert event.booked_seats == 0
