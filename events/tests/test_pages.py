import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from community.tests.factories import NAV_QUERIES as NAV
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")
DASH = "\N{EN DASH}"  # between the start and the end of an event


def text_of(response) -> str:
    """The page as a reader sees it: tags dropped, runs of white space made one space."""
    return " ".join(re.sub(r"<[^>]+>", "", response.text).split())


def titles(response):
    return [e.title for e in response.context["page_obj"].object_list]


def in_days(days, hour=12):
    return (timezone.now() + timedelta(days=days)).replace(hour=hour, minute=0, second=0, microsecond=0)


def test_list_shows_only_upcoming_published_events_soonest_first(client, organizer):
    later = EventFactory(organizer=organizer, title="Later", starts_at=in_days(9))
    sooner = EventFactory(organizer=organizer, title="Sooner", starts_at=in_days(2))
    EventFactory(organizer=organizer, title="Draft", status="draft")
    EventFactory(organizer=organizer, title="Cancelled", status="cancelled")
    EventFactory(organizer=organizer, title="Past", starts_at=timezone.now() - timedelta(days=1))
    assert titles(client.get(LIST)) == [sooner.title, later.title]


def test_list_search_is_partial_and_case_insensitive_over_title_description_and_location(client):
    EventFactory(title="Jazz night", location="Blue Room")
    EventFactory(title="Poetry", description="Spoken word with JAZZ accompaniment")
    EventFactory(title="Quiz", location="The Jazzy Pub")
    EventFactory(title="Chess club")
    assert sorted(titles(client.get(LIST, {"search": "jaz"}))) == ["Jazz night", "Poetry", "Quiz"]


def test_list_filters_by_location_dates_and_seats_left(client, attendee):
    near = EventFactory(title="Near", location="Lyon", starts_at=in_days(2))
    EventFactory(title="Far", location="Paris", starts_at=in_days(20))
    full = EventFactory(title="Full", location="Lyon", capacity=1, starts_at=in_days(3))
    services.book(user=attendee, event=full)
    assert sorted(titles(client.get(LIST, {"location": "lyon"}))) == ["Full", "Near"]
    window = {"starts_after": in_days(1).date().isoformat(), "starts_before": in_days(5).date().isoformat()}
    assert sorted(titles(client.get(LIST, window))) == ["Full", "Near"]
    assert titles(client.get(LIST, {"location": "lyon", "has_seats": "true"})) == [near.title]


def test_list_reports_a_bad_date_and_ignores_it(client):
    EventFactory(title="Still listed")
    response = client.get(LIST, {"starts_after": "next tuesday"})
    assert response.status_code == 200
    assert titles(response) == ["Still listed"]
    assert "Enter a valid date" in response.text


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [("starts_at", ["B", "C", "A"]), ("title", ["A", "B", "C"]), ("-created_at", ["C", "B", "A"])],
)
def test_list_sorting(client, ordering, expected):
    EventFactory(title="A", starts_at=in_days(9))
    EventFactory(title="B", starts_at=in_days(2))
    EventFactory(title="C", starts_at=in_days(5))
    assert titles(client.get(LIST, {"ordering": ordering})) == expected


def test_list_paginates_twelve_a_page_and_keeps_the_filters(client):
    for n in range(14):
        EventFactory(title=f"Gig {n:02d}", starts_at=in_days(n + 1))
    first = client.get(LIST, {"search": "gig"})
    assert len(titles(first)) == 12
    assert "?search=gig&amp;page=2" in first.text
    second = client.get(LIST, {"search": "gig", "page": 2})
    assert titles(second) == ["Gig 12", "Gig 13"]


def test_list_shows_seats_left_and_sold_out(client, attendee, other_attendee):
    EventFactory(title="Roomy", capacity=5)
    full = EventFactory(title="Packed", capacity=1)
    services.book(user=attendee, event=full)
    page = client.get(LIST).text
    assert "5</strong> seats left" in page
    assert "Sold out" in page


def test_list_marks_the_events_i_booked(client, attendee, published_event):
    services.book(user=attendee, event=published_event)
    client.force_login(attendee)
    assert "You're booked" in client.get(LIST).text


@pytest.mark.parametrize("signed_in", [False, True])
def test_list_query_count_does_not_grow_with_events(
    client, attendee, django_assert_max_num_queries, signed_in
):
    if signed_in:
        client.force_login(attendee)
    EventFactory.create_batch(3)
    with django_assert_max_num_queries(6 + NAV) as few:
        client.get(LIST)
    EventFactory.create_batch(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(LIST)


def test_detail_redirects_to_its_canonical_slug(client, published_event):
    response = client.get(reverse("events:detail", kwargs={"pk": published_event.pk}))
    assert response.status_code == 301
    assert response.url == published_event.get_absolute_url()


def test_detail_shows_times_in_the_event_zone_and_in_mine(client, attendee, organizer):
    event = EventFactory(
        organizer=organizer,
        timezone="Asia/Tokyo",
        starts_at=timezone.now().replace(year=2031, month=3, day=1, hour=10, minute=0),
    )
    event.ends_at = event.starts_at + timedelta(hours=2)
    event.save()
    attendee.timezone = "Europe/Paris"
    attendee.save()
    client.force_login(attendee)
    page = text_of(client.get(event.get_absolute_url()))
    assert f"Sat 1 Mar 2031, 19:00{DASH}21:00 Asia/Tokyo" in page
    assert f"Your time: Sat 1 Mar 2031, 11:00{DASH}13:00 (Europe/Paris)" in page
    assert organizer.username in page


def test_draft_is_visible_only_to_its_organizer_and_staff(
    client, draft_event, attendee, other_organizer, staff
):
    url = draft_event.get_absolute_url()
    assert client.get(url).status_code == 404
    for outsider in (attendee, other_organizer):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    for insider in (draft_event.organizer, staff):
        client.force_login(insider)
        assert client.get(url).status_code == 200


def button(client, event):
    return client.get(event.get_absolute_url()).context["action"].kind


def test_detail_offers_the_one_button_that_fits(client, attendee, other_attendee, organizer):
    event = EventFactory(organizer=organizer, capacity=1)
    assert button(client, event) == "sign_in"
    client.force_login(attendee)
    assert button(client, event) == "book"
    services.book(user=other_attendee, event=event)
    assert button(client, event) == "waitlist"
    services.book(user=attendee, event=event, waitlist=True)
    assert button(client, event) == "cancel"
    client.force_login(organizer)
    assert button(client, event) == "manage"


def test_detail_says_booking_is_closed_for_started_and_cancelled_events(client, attendee, past_event):
    client.force_login(attendee)
    response = client.get(past_event.get_absolute_url())
    assert response.context["action"].kind == "closed"
    assert "already started" in response.text
    cancelled = EventFactory(status="cancelled")
    response = client.get(cancelled.get_absolute_url())
    assert "This event has been cancelled." in response.text


def test_detail_shows_my_waitlist_position(client, attendee, other_attendee, organizer):
    event = EventFactory(organizer=organizer, capacity=1)
    services.book(user=other_attendee, event=event)
    services.book(user=attendee, event=event, waitlist=True)
    client.force_login(attendee)
    assert "You're on the waitlist, number 1." in client.get(event.get_absolute_url()).text


def test_list_to_date_includes_the_whole_of_that_day(client):
    day = in_days(4).date()
    EventFactory(title="Evening show", starts_at=in_days(4, hour=21))
    EventFactory(title="Next morning", starts_at=in_days(5, hour=8))
    assert titles(client.get(LIST, {"starts_before": day.isoformat()})) == ["Evening show"]
