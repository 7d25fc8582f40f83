"""The organizer console in a real browser: layout at 1280 px, named date inputs, cancelling after asking."""

import pytest

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings.models import Booking
from bookings.tests.factories import fill
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def organizer_page(live_server, page, organizers_group):
    organizer = UserFactory(role="organizer", username="olivia")
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill(organizer.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.organizer = organizer
    return page


def booked_event(organizer, *, title, seats):
    event = EventFactory(organizer=organizer, title=title, capacity=seats)
    people = [
        UserFactory(username=f"attendee{n}", email=f"firstname.lastname{n}@example-company.com")
        for n in range(seats)
    ]
    fill(event, users=people)
    return event


def test_the_bookings_list_fits_beside_its_filters_at_1280_pixels(live_server, organizer_page):
    booked_event(organizer_page.organizer, title="Harbour jazz evening with the big band", seats=8)
    EventFactory(organizer=organizer_page.organizer, title="Second show")
    organizer_page.goto(f"{live_server.url}/admin/bookings/booking/")
    overflow = organizer_page.evaluate(
        "() => { const r = document.querySelector('#changelist-form .results');"
        " return r.scrollWidth - r.clientWidth; }"
    )
    assert overflow <= 0


def test_the_date_and_time_inputs_are_found_by_their_names(live_server, organizer_page):
    from playwright.sync_api import expect

    organizer_page.goto(f"{live_server.url}/admin/events/event/add/")
    for name in ("Starts at: date", "Starts at: time", "Ends at: date", "Ends at: time"):
        expect(organizer_page.get_by_label(name, exact=True)).to_be_visible()


def test_cancelling_bookings_asks_first_then_cancels(live_server, organizer_page):
    from playwright.sync_api import expect

    event = booked_event(organizer_page.organizer, title="Pottery class", seats=2)
    organizer_page.goto(f"{live_server.url}/admin/bookings/booking/")
    organizer_page.locator("#action-toggle").check()
    organizer_page.locator("select[name=action]").select_option("cancel_selected")
    organizer_page.get_by_role("button", name="Go").click()

    expect(organizer_page.get_by_role("heading", name="Cancel these bookings?")).to_be_visible()
    expect(
        organizer_page.get_by_text("Each freed seat goes to the next person on the waitlist")
    ).to_be_visible()
    assert Booking.objects.filter(event=event, status=Booking.Status.CANCELLED).count() == 0

    organizer_page.get_by_role("button", name="Yes, cancel these bookings").click()
    expect(organizer_page.get_by_text("Cancelled 2 bookings.")).to_be_visible()
    assert Booking.objects.filter(event=event, status=Booking.Status.CANCELLED).count() == 2
