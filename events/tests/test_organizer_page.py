"""An organizer's public page: name, bio, upcoming and past events, how many they have run."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import OrganizerFactory, UserFactory
from community.tests.factories import NAV_QUERIES as NAV
from events.tests.factories import CategoryFactory, EventFactory, start_event
from events.tests.test_pages import text_of

pytestmark = pytest.mark.django_db


def page_of(organizer) -> str:
    return reverse("events:organizer", args=[organizer.username])


def titles(response):
    return [event.title for event in response.context["page_obj"].object_list]


def days_from_now(days):
    return timezone.now() + timedelta(days=days)


@pytest.fixture
def olivia():
    return OrganizerFactory(username="olivia", first_name="Olivia", last_name="Stone", bio="Jazz and code.")


@pytest.fixture
def olivias_events(olivia, other_organizer):
    EventFactory(organizer=olivia, title="Soon", starts_at=days_from_now(2))
    EventFactory(organizer=olivia, title="Later", starts_at=days_from_now(9))
    EventFactory(organizer=olivia, title="Last month", starts_at=days_from_now(-30))
    EventFactory(organizer=olivia, title="Last week", starts_at=days_from_now(-7))
    EventFactory(organizer=olivia, title="Draft", status="draft", starts_at=days_from_now(-3))
    EventFactory(organizer=olivia, title="Cancelled", status="cancelled", starts_at=days_from_now(-3))
    EventFactory(organizer=other_organizer, title="Someone else's", starts_at=days_from_now(-3))


def test_shows_the_name_bio_upcoming_events_and_events_run(client, olivia, olivias_events):
    response = client.get(page_of(olivia))
    page = text_of(response)
    assert "<title>Olivia Stone · eventhub</title>" in response.text
    assert "Jazz and code." in page
    assert "2 events run" in page  # published and started: not the draft, the cancelled one nor others'
    assert titles(response) == ["Soon", "Later"]


def test_the_past_tab_lists_past_published_events_most_recent_first(client, olivia, olivias_events):
    response = client.get(page_of(olivia), {"when": "past"})
    assert titles(response) == ["Last week", "Last month"]
    assert "Past events by Olivia Stone" in text_of(response)


def test_an_event_under_way_counts_as_run(client, olivia):
    start_event(EventFactory(organizer=olivia))
    assert "1 event run" in text_of(client.get(page_of(olivia)))


def test_without_a_full_name_the_username_names_them(client):
    oscar = OrganizerFactory(username="oscar")
    page = text_of(client.get(page_of(oscar)))
    assert "oscar Organizer · 0 events run" in page
    assert "No upcoming events." in page


def test_drafts_are_never_shown_even_to_their_organizer(client, olivia, olivias_events):
    client.force_login(olivia)
    for when in ("upcoming", "past"):
        assert "Draft" not in client.get(page_of(olivia), {"when": when}).text


def test_another_spelling_of_the_username_redirects_to_the_page(client, olivia):
    response = client.get(reverse("events:organizer", args=["OLIVIA"]))
    assert response.status_code == 301
    assert response.url == page_of(olivia)


@pytest.mark.parametrize("who", ["attendee", "unknown", "inactive organizer", "superuser"])
def test_only_active_organizers_have_a_page(client, who):
    people = {
        "attendee": lambda: UserFactory(username="someone"),
        "unknown": lambda: None,
        "inactive organizer": lambda: OrganizerFactory(username="someone", is_active=False),
        "superuser": lambda: UserFactory(username="someone", is_staff=True, is_superuser=True),
    }
    people[who]()
    assert client.get(reverse("events:organizer", args=["someone"])).status_code == 404


def test_the_bio_is_escaped(client):
    organizer = OrganizerFactory(bio="<script>alert(1)</script>\nSecond line")
    response = client.get(page_of(organizer))
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>Second line" in response.text


def test_event_pages_link_their_organizer_by_name(client, olivia):
    event = EventFactory(organizer=olivia)
    response = client.get(event.get_absolute_url())
    assert f'<dt>Organizer</dt><dd><a href="{page_of(olivia)}">Olivia Stone</a></dd>' in response.text


def test_an_event_page_names_without_a_link_an_organizer_who_has_no_page(client, olivia):
    event = EventFactory(organizer=olivia)
    olivia.is_active = False
    olivia.save()
    response = client.get(event.get_absolute_url())
    assert "<dt>Organizer</dt><dd>Olivia Stone</dd>" in response.text


def test_paginates_twelve_a_page_with_a_fixed_query_count(
    client, olivia, attendee, django_assert_max_num_queries
):
    client.force_login(attendee)
    EventFactory.create_batch(3, organizer=olivia)
    # The session and the viewer, the organizer, the events run, the count and the page.
    with django_assert_max_num_queries(6 + NAV) as few:
        client.get(page_of(olivia))
    EventFactory.create_batch(30, organizer=olivia, category=CategoryFactory())  # cards show it
    EventFactory.create_batch(30, organizer=olivia, starts_at=days_from_now(-3))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page_of(olivia), {"page": 2})
    assert len(titles(response)) == 12
    assert "?page=3" in response.text
    assert "30 events run" in text_of(response)
