"""Past events: their own tab on the list (and the API's when=past), and their pages stay up."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from community.tests.factories import NAV_QUERIES as NAV
from events.tests.factories import EventFactory, start_event
from events.tests.test_pages import text_of, titles

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")
API = "/api/events/"


def days_ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def events(organizer):
    """Two past events, one upcoming, and past ones nobody may list: a draft and a cancelled one."""
    EventFactory(organizer=organizer, title="Long ago", starts_at=days_ago(30))
    EventFactory(organizer=organizer, title="Last week", starts_at=days_ago(7))
    EventFactory(organizer=organizer, title="Next week", starts_at=timezone.now() + timedelta(days=7))
    EventFactory(organizer=organizer, title="Past draft", starts_at=days_ago(2), status="draft")
    EventFactory(organizer=organizer, title="Past cancelled", starts_at=days_ago(2), status="cancelled")


def test_the_past_tab_lists_published_past_events_most_recent_first(client, events):
    assert titles(client.get(LIST, {"when": "past"})) == ["Last week", "Long ago"]


def test_an_event_under_way_is_past_not_upcoming(client, published_event):
    start_event(published_event)
    assert titles(client.get(LIST)) == []
    assert titles(client.get(LIST, {"when": "past"})) == [published_event.title]


@pytest.mark.parametrize("when", [None, "upcoming", "junk", "PAST"])
def test_the_list_shows_upcoming_events_unless_past_ones_are_asked_for(client, events, when):
    response = client.get(LIST, {"when": when} if when is not None else {})
    assert response.status_code == 200
    assert titles(response) == ["Next week"]


def test_the_past_tab_keeps_the_filters_and_sorts_its_own_way(client, events):
    assert titles(client.get(LIST, {"when": "past", "search": "week"})) == ["Last week"]
    assert titles(client.get(LIST, {"when": "past", "ordering": "title"})) == ["Last week", "Long ago"]
    response = client.get(LIST, {"when": "past", "search": "week"})
    assert '<input type="hidden" name="when" value="past">' in response.text  # searching stays on the tab
    assert '<option value="-starts_at">Most recent</option>' in response.text
    assert 'href="?search=week" aria-current' not in response.text
    assert 'href="?when=past&amp;search=week" aria-current="page">Past events' in response.text
    assert 'href="?search=week">Upcoming' in response.text


def test_past_cards_leave_out_seats_and_price(client, events):
    past, upcoming = client.get(LIST, {"when": "past"}).text, client.get(LIST).text
    assert '<meter class="bar"' not in past and 'class="price"' not in past
    assert '<meter class="bar"' in upcoming and 'class="price"' in upcoming


def test_an_empty_past_tab_says_so_without_blaming_a_search(client):
    page = text_of(client.get(LIST, {"when": "past"}))
    assert "No past events match." in page
    assert "your search" not in page
    assert "No past events match your search." in text_of(client.get(LIST, {"when": "past", "search": "x"}))


def test_past_tab_paginates_with_few_queries(client, organizer, django_assert_max_num_queries):
    EventFactory.create_batch(3, organizer=organizer, starts_at=days_ago(3))
    with django_assert_max_num_queries(6) as few:
        client.get(LIST, {"when": "past"})
    EventFactory.create_batch(30, organizer=organizer, starts_at=days_ago(3))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST, {"when": "past", "page": 2})
    assert len(titles(response)) == 12
    assert "?when=past&amp;page=3" in response.text


def test_the_api_filters_past_and_upcoming_events(api_client, events):
    def listed(**query):
        return [item["title"] for item in api_client.get(API, query).json()["results"]]

    assert listed(when="past") == ["Past cancelled", "Last week", "Long ago"]
    assert listed(when="upcoming") == ["Next week"]
    assert listed() == ["Next week", "Past cancelled", "Last week", "Long ago"]
    assert api_client.get(API, {"when": "someday"}).status_code == 400


# Past event pages --------------------------------------------------------------------


def test_a_past_event_page_still_works_and_says_it_has_ended(client, past_event):
    response = client.get(past_event.get_absolute_url())
    assert response.status_code == 200
    page = text_of(response)
    assert "This event has ended." in page
    assert "booking is closed" in page


@pytest.mark.parametrize("signed_in", [False, True])
def test_an_event_not_over_yet_does_not_say_it_has_ended(client, attendee, published_event, signed_in):
    if signed_in:
        client.force_login(attendee)
    assert "has ended" not in client.get(published_event.get_absolute_url()).text
    start_event(published_event)  # under way: started, not ended
    assert "has ended" not in client.get(published_event.get_absolute_url()).text


def test_a_cancelled_past_event_says_it_was_cancelled_not_ended(client, past_event):
    past_event.status = "cancelled"
    past_event.save()
    page = text_of(client.get(past_event.get_absolute_url()))
    assert "This event has been cancelled." in page
    assert "has ended" not in page


def test_the_list_costs_the_same_on_either_tab(client, attendee, organizer, django_assert_max_num_queries):
    client.force_login(attendee)
    EventFactory.create_batch(5, organizer=organizer, starts_at=days_ago(3))
    EventFactory.create_batch(5, organizer=organizer)
    with django_assert_max_num_queries(6 + NAV) as upcoming:
        client.get(LIST)
    with django_assert_max_num_queries(len(upcoming.captured_queries)):
        client.get(LIST, {"when": "past"})
