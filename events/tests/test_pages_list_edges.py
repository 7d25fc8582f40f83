"""The event list and the pages around it: any page number, the favicon, times in two zones, few queries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings import services
from community.tests.factories import NAV_QUERIES as NAV
from events.tests.factories import EventFactory
from events.tests.test_pages import DASH, text_of

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")
TOKYO = ZoneInfo("Asia/Tokyo")


# 7. Any page number shows a page ------------------------------------------------------


@pytest.fixture
def fourteen_events():
    """Two pages: twelve, then two."""
    start = datetime(2031, 1, 1, 12, tzinfo=ZoneInfo("UTC"))
    for n in range(14):
        EventFactory(
            title=f"Gig {n:02d}",
            starts_at=start + timedelta(days=n),
            ends_at=start + timedelta(days=n, hours=1),
        )


def shown(response):
    return response.context["page_obj"].number, [e.title for e in response.context["page_obj"].object_list]


@pytest.mark.parametrize("page", ["3", "99", "99999999999999999999999", "last"])
def test_a_page_past_the_end_shows_the_last_page(client, fourteen_events, page):
    response = client.get(LIST, {"page": page})

    assert response.status_code == 200
    assert shown(response) == (2, ["Gig 12", "Gig 13"])


@pytest.mark.parametrize("page", ["0", "-1", "abc", "", "1.5"])
def test_a_page_that_is_not_a_page_number_shows_the_first_page(client, fourteen_events, page):
    response = client.get(LIST, {"page": page})

    assert response.status_code == 200
    assert shown(response)[0] == 1
    assert len(shown(response)[1]) == 12


def test_an_empty_list_shows_its_one_empty_page_whatever_the_number(client):
    response = client.get(LIST, {"page": "5"})

    assert response.status_code == 200
    assert "No upcoming events match" in response.text


# 8. The favicon ---------------------------------------------------------------------


def test_favicon_ico_leads_to_a_real_icon(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    icon = client.get(response.url)
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content).startswith(b"\x00\x00\x01\x00")  # an ICO file
    assert response.url in client.get(LIST).text  # pages link it too


# 8. Times in the event's zone and the viewer's, everywhere an event is listed -----------------


@pytest.fixture
def tokyo_evening():
    """Sat 1 Mar 2031, 19:00-21:00 in Tokyo: 11:00-13:00 in Paris."""
    start = datetime(2031, 3, 1, 19, tzinfo=TOKYO)
    return EventFactory(
        title="Tokyo evening", starts_at=start, ends_at=start + timedelta(hours=2), timezone="Asia/Tokyo"
    )


TOKYO_TIME = f"Sat 1 Mar 2031, 19:00{DASH}21:00 Asia/Tokyo"
PARIS_TIME = f"Your time: Sat 1 Mar 2031, 11:00{DASH}13:00 (Europe/Paris)"


def test_list_shows_the_event_zone_then_the_viewers_own(client, tokyo_evening):
    client.force_login(UserFactory(timezone="Europe/Paris"))

    page = text_of(client.get(LIST))

    assert f"{TOKYO_TIME} {PARIS_TIME}" in page


def test_my_bookings_shows_the_event_zone_then_the_viewers_own(client, tokyo_evening):
    viewer = UserFactory(timezone="Europe/Paris")
    services.book(user=viewer, event=tokyo_evening)
    client.force_login(viewer)

    page = text_of(client.get(reverse("bookings:mine")))

    assert f"{TOKYO_TIME} {PARIS_TIME}" in page


def test_no_second_time_when_the_viewer_shares_the_events_zone_or_is_signed_out(client, tokyo_evening):
    assert "Your time" not in client.get(LIST).text
    client.force_login(UserFactory(timezone="Asia/Tokyo"))
    assert "Your time" not in client.get(LIST).text
    assert "Your time" not in client.get(tokyo_evening.get_absolute_url()).text


def test_an_event_over_midnight_gives_both_dates_in_each_zone(client):
    start = datetime(2031, 3, 1, 22, tzinfo=TOKYO)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=4), timezone="Asia/Tokyo")
    client.force_login(UserFactory(timezone="Europe/Paris"))

    page = text_of(client.get(event.get_absolute_url()))

    assert f"Sat 1 Mar 2031, 22:00 {DASH} Sun 2 Mar 2031, 02:00 Asia/Tokyo" in page
    assert f"Your time: Sat 1 Mar 2031, 14:00{DASH}18:00 (Europe/Paris)" in page  # one day in Paris


# 9. The list keeps a fixed number of queries ---------------------------------------------


def test_list_query_count_stays_fixed_with_search_zones_and_bookings(client, django_assert_max_num_queries):
    viewer = UserFactory(timezone="Europe/Paris")
    client.force_login(viewer)

    def add_events(count):
        for event in EventFactory.create_batch(count, title="Jazz night", timezone="Asia/Tokyo"):
            services.book(user=viewer, event=event)

    add_events(3)
    with django_assert_max_num_queries(6 + NAV) as few:
        client.get(LIST, {"search": "night jazz", "starts_after": "2000-01-01"})
    add_events(30)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"search": "night jazz", "starts_after": "2000-01-01"})

    assert response.context["paginator"].count == 33
