"""The month calendar: weeks from Monday, each event on the day it starts where it happens, a fixed cost."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from community.tests.factories import NAV_QUERIES as NAV
from events.discovery import EVENTS_PER_DAY, Month
from events.tests.factories import EventFactory
from events.tests.test_pages import text_of

pytestmark = pytest.mark.django_db

CALENDAR = reverse("events:calendar_month")
TOKYO, NEW_YORK, UTC = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York"), ZoneInfo("UTC")
SOME_DAY = date(2026, 12, 5)


def event_at(local: datetime, **fields):
    """An event starting at ``local`` time where it happens (the zone of ``local``)."""
    return EventFactory(
        starts_at=local, ends_at=local + timedelta(hours=2), timezone=str(local.tzinfo), **fields
    )


def days(response) -> dict[date, list[str]]:
    """The titles listed on each day of the table that lists any."""
    weeks = response.context["weeks"]
    return {day.day: [e.title for e in day.events] for week in weeks for day in week if day.events}


def test_weeks_start_on_monday_and_are_whole():
    weeks = Month(2026, 12).weeks()
    assert weeks[0][0] == date(2026, 11, 30)  # 1 December 2026 is a Tuesday
    assert weeks[-1][-1] == date(2027, 1, 3)
    assert all(len(week) == 7 and week[0].weekday() == 0 for week in weeks)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2026-12", Month(2026, 12)),
        (" 2031-01 ", Month(2031, 1)),
        (None, Month(2026, 12)),
        ("2026-13", Month(2026, 12)),
        ("2026-00", Month(2026, 12)),
        ("2026-1", Month(2026, 12)),
        ("0001-01", Month(2026, 12)),  # its first week would start before year 1
        ("9999-12", Month(2026, 12)),  # its last week would end after year 9999
        ("December", Month(2026, 12)),
        ("2026-12\x00", Month(2026, 12)),
    ],
)
def test_a_month_that_cannot_be_read_is_the_default_one(written, expected):
    assert Month.parse(written, default=SOME_DAY) == expected


def test_the_first_and_last_months_have_no_neighbour_outside_the_range():
    assert Month(2, 1).previous is None and Month(2, 1).next == Month(2, 2)
    assert Month(9998, 12).next is None and Month(9998, 12).previous == Month(9998, 11)
    assert (Month(2026, 1).previous, Month(2026, 12).next) == (Month(2025, 12), Month(2027, 1))


def test_an_event_sits_on_the_day_it_starts_in_its_own_zone(client):
    # 23:30 in Tokyo on the 5th is 14:30 UTC: still the 5th in Tokyo.
    event_at(datetime(2026, 12, 5, 23, 30, tzinfo=TOKYO), title="Late in Tokyo")
    # 00:30 in Tokyo on the 6th is the 5th in UTC: the 6th in Tokyo.
    event_at(datetime(2026, 12, 6, 0, 30, tzinfo=TOKYO), title="Early in Tokyo")
    # 20:00 in New York on 31 December is 1 January in UTC: December's, not January's.
    event_at(datetime(2026, 12, 31, 20, 0, tzinfo=NEW_YORK), title="New Year's Eve")
    december = client.get(CALENDAR, {"month": "2026-12"})
    assert days(december) == {
        date(2026, 12, 5): ["Late in Tokyo"],
        date(2026, 12, 6): ["Early in Tokyo"],
        date(2026, 12, 31): ["New Year's Eve"],
    }
    assert days(client.get(CALENDAR, {"month": "2027-01"})) == {}
    # Each at its own local time, not the viewer's nor UTC.
    assert "23:30 Late in Tokyo" in text_of(december)
    assert "00:30 Early in Tokyo" in text_of(december)
    assert "20:00 New Year&#x27;s Eve" in text_of(december)


def test_only_published_events_of_the_month_are_shown_in_start_order(client, organizer):
    start = datetime(2026, 12, 10, 18, tzinfo=UTC)
    event_at(start, title="Evening", organizer=organizer)
    event_at(start - timedelta(hours=8), title="Morning", organizer=organizer)
    event_at(start, title="Draft", status="draft", organizer=organizer)
    event_at(start, title="Called off", status="cancelled", organizer=organizer)
    event_at(start + timedelta(days=30), title="Next month", organizer=organizer)
    client.force_login(organizer)  # not even the organizer sees their draft here
    response = client.get(CALENDAR, {"month": "2026-12"})
    assert days(response) == {date(2026, 12, 10): ["Morning", "Evening"]}
    assert "Draft" not in response.text


def test_past_months_show_their_events_too(client):
    event_at(datetime(2020, 3, 14, 19, tzinfo=UTC), title="Pi night")
    assert days(client.get(CALENDAR, {"month": "2020-03"})) == {date(2020, 3, 14): ["Pi night"]}


def test_a_busy_day_lists_a_few_events_and_links_the_rest(client):
    start = datetime(2026, 12, 12, 9, tzinfo=UTC)
    for n in range(EVENTS_PER_DAY + 2):
        event_at(start + timedelta(minutes=n), title=f"Talk {n}")
    response = client.get(CALENDAR, {"month": "2026-12"})
    assert days(response)[date(2026, 12, 12)] == [f"Talk {n}" for n in range(EVENTS_PER_DAY)]
    assert "2 more on Saturday 12 December" in text_of(response)
    assert "?starts_after=2026-12-12&amp;starts_before=2026-12-12" in response.text


def test_the_list_filters_narrow_the_calendar_and_the_month_links_keep_them(client):
    event_at(datetime(2026, 12, 3, 20, tzinfo=UTC), title="Jazz night", location="Lyon")
    event_at(datetime(2026, 12, 4, 20, tzinfo=UTC), title="Chess club", location="Lyon")
    event_at(datetime(2026, 12, 5, 20, tzinfo=UTC), title="Jazz brunch", location="Paris")
    response = client.get(CALENDAR, {"month": "2026-12", "search": "jazz", "location": "lyon"})
    assert days(response) == {date(2026, 12, 3): ["Jazz night"]}
    assert 'href="?month=2026-11&amp;search=jazz&amp;location=lyon"' in response.text
    assert 'href="?month=2027-01&amp;search=jazz&amp;location=lyon"' in response.text


def test_a_month_that_cannot_be_read_shows_this_month(client):
    response = client.get(CALENDAR, {"month": "2026-99"})
    assert response.status_code == 200
    assert response.context["month"] == Month.parse(None, default=timezone.localdate())


@pytest.mark.parametrize(
    ("zone", "today"), [(None, date(2026, 12, 5)), ("Pacific/Kiritimati", date(2026, 12, 6))]
)
def test_today_is_marked_where_the_viewer_is(client, monkeypatch, zone, today):
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 12, 5, 12, tzinfo=UTC))
    if zone:
        client.force_login(UserFactory(timezone=zone))  # UTC+14: already the 6th
    response = client.get(CALENDAR)
    assert response.context["month"] == Month(2026, 12)
    marked = [day.day for week in response.context["weeks"] for day in week if day.is_today]
    assert marked == [today]
    assert response.text.count('aria-current="date"') == 1
    assert f'aria-current="date">\n            <time class="day-number" datetime="{today}">' in response.text


def test_the_table_is_readable_without_sight_and_a_day_by_day_list_follows(client):
    event_at(datetime(2026, 12, 24, 18, tzinfo=UTC), title="Carols")
    response = client.get(CALENDAR, {"month": "2026-12"})
    assert "<caption>Events in December 2026" in response.text
    assert '<th scope="col"><abbr title="Monday">Mon</abbr></th>' in response.text
    day_by_day = text_of(response).split("Day by day", 1)[1]
    assert "Thursday 24 December 18:00 Carols" in day_by_day


def test_an_empty_month_says_so(client):
    assert "No events this month." in text_of(client.get(CALENDAR, {"month": "2026-02"}))


def test_titles_are_escaped(client):
    event_at(datetime(2026, 12, 1, 18, tzinfo=UTC), title="<script>alert(1)</script>")
    response = client.get(CALENDAR, {"month": "2026-12"})
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_does_not_grow_with_events(client, attendee, django_assert_max_num_queries, signed_in):
    if signed_in:
        client.force_login(attendee)
    start = datetime(2026, 12, 1, 18, tzinfo=UTC)
    for n in range(3):
        event_at(start + timedelta(days=n))
    with django_assert_max_num_queries(3 + NAV) as few:
        client.get(CALENDAR, {"month": "2026-12", "search": "event"})
    for n in range(40):
        event_at(start + timedelta(days=n % 28, hours=n % 5))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(CALENDAR, {"month": "2026-12", "search": "event"})
