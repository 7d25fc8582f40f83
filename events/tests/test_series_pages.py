"""The public pages: a series is one entry of the event list (its next date, and how many more), and
each date's page offers the series' other dates to pick from."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from community.tests.factories import NAV_QUERIES as NAV
from events import services
from events.models import Event
from events.tests.factories import EventFactory, make_series, start_event

pytestmark = pytest.mark.django_db

LIST = reverse("events:list")


def text_of(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", response.text).split())


def entries(response) -> list[Event]:
    return list(response.context["page_obj"].object_list)


def a_series(organizer, *, title: str, days: int = 3, count: int = 5, **fields) -> list[Event]:
    first = EventFactory(
        organizer=organizer, title=title, starts_at=timezone.now() + timedelta(days=days), **fields
    )
    return list(make_series(first, count=count).occurrences.order_by("starts_at"))


def test_the_list_shows_a_series_once_as_its_next_date_with_how_many_more(client, organizer):
    yoga = a_series(organizer, title="Yoga", days=1)
    chess = a_series(organizer, title="Chess", days=2, count=3)
    single = EventFactory(organizer=organizer, title="Gala", starts_at=timezone.now() + timedelta(days=4))
    response = client.get(LIST)
    assert entries(response) == [yoga[0], chess[0], single]
    assert [event.more_dates for event in entries(response)] == [4, 2, 0]
    assert response.context["paginator"].count == 3
    page = text_of(response)
    assert "and 4 more dates" in page
    assert "and 2 more dates" in page
    assert page.count("more date") == 2


def test_once_a_date_has_started_the_series_shows_its_next_one(client, organizer):
    dates = a_series(organizer, title="Yoga", count=2)
    start_event(dates[0])
    response = client.get(LIST)
    assert entries(response) == [dates[1]]
    assert "more date" not in text_of(response)


def test_drafts_and_cancelled_dates_are_not_the_entry_nor_counted(client, organizer):
    dates = a_series(organizer, title="Yoga", count=4)
    services.cancel_event(event=dates[0], by=organizer)
    Event.objects.filter(pk=dates[3].pk).update(status=Event.Status.DRAFT)
    response = client.get(LIST)
    assert entries(response) == [dates[1]]
    assert entries(response)[0].more_dates == 1
    assert "and 1 more date" in text_of(response)
    assert "more dates" not in text_of(response)


def test_filters_choose_among_the_dates_of_a_series(client, organizer):
    dates = a_series(organizer, title="Yoga", capacity=1, count=3)
    fill(dates[0], users=[UserFactory(role="attendee")])
    response = client.get(LIST, {"has_seats": "true"})
    assert entries(response) == [dates[1]]
    assert entries(response)[0].more_dates == 1


def test_the_past_tab_shows_a_series_once_as_its_latest_date(client, organizer):
    dates = a_series(organizer, title="Yoga", count=3)
    Event.objects.filter(pk__in=[d.pk for d in dates]).update(
        starts_at=F("starts_at") - timedelta(days=60), ends_at=F("ends_at") - timedelta(days=60)
    )
    response = client.get(LIST, {"when": "past"})
    assert [e.pk for e in entries(response)] == [dates[2].pk]
    assert "and 2 more dates" in text_of(response)


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_list_query_count_stays_fixed_with_series_and_dates(
    client, organizer, attendee, django_assert_max_num_queries, signed_in
):
    if signed_in:
        client.force_login(attendee)
    a_series(organizer, title="Yoga")
    EventFactory(organizer=organizer)
    with django_assert_max_num_queries(6 + NAV) as few:
        client.get(LIST)
    for n in range(6):
        a_series(organizer, title=f"Series {n}", days=n + 1, count=12)
    EventFactory.create_batch(8, organizer=organizer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(entries(response)) == 12
    assert response.context["paginator"].count == 16


# The event page --------------------------------------------------------------------------------


def test_a_dates_page_lists_the_other_upcoming_dates_with_their_seats(client, organizer):
    dates = a_series(organizer, title="Yoga", capacity=1, count=4)
    fill(dates[2], users=[UserFactory(role="attendee")])
    Event.objects.filter(pk=dates[3].pk).update(status=Event.Status.DRAFT)
    start_event(dates[0])
    response = client.get(dates[1].get_absolute_url())
    assert [e.pk for e in response.context["other_dates"]] == [dates[2].pk]
    page = response.text
    assert f'href="{dates[2].get_absolute_url()}"' in page
    assert f'href="{dates[3].get_absolute_url()}"' not in page  # a draft
    assert "Other dates" in text_of(response)
    assert "Sold out" in text_of(response)


def test_the_other_dates_show_on_the_events_clock_with_the_seats_left(client, organizer):
    dates = a_series(organizer, title="Yoga", capacity=3, count=2, timezone="Asia/Tokyo")
    tokyo = dates[1].starts_at.astimezone(ZoneInfo("Asia/Tokyo"))
    response = client.get(dates[0].get_absolute_url())
    assert f"{tokyo:%a} {tokyo.day} {tokyo:%b %Y, %H:%M} 3 seats left" in text_of(response)


def test_an_event_outside_a_series_offers_no_other_dates(client, published_event):
    response = client.get(published_event.get_absolute_url())
    assert response.context["other_dates"] == []
    assert "Other dates" not in response.text


def test_an_organizers_page_shows_each_series_once_too(client, organizer):
    dates = a_series(organizer, title="Yoga", count=3)
    single = EventFactory(organizer=organizer, title="Gala", starts_at=timezone.now() + timedelta(days=4))
    response = client.get(reverse("events:organizer", args=[organizer.username]))
    assert entries(response) == [dates[0], single]
    assert "and 2 more dates" in text_of(response)
