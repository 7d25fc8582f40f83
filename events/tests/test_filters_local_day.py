"""From and To with a date alone mean the calendar day where the event happens, not the UTC day."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from events.filters import EventFilter
from events.models import Event
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

NEW_YORK, TOKYO = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")


def local(zone, *args):
    start = datetime(*args, tzinfo=zone)
    return {"starts_at": start, "ends_at": start + timedelta(hours=2), "timezone": zone.key}


@pytest.fixture
def around_midnight_utc():
    """Both start within an hour of midnight UTC between 1 and 2 December, on opposite sides of it."""
    EventFactory(title="New York, 1 Dec evening", **local(NEW_YORK, 2030, 12, 1, 19))  # 2 Dec 00:00 UTC
    EventFactory(title="Tokyo, 2 Dec morning", **local(TOKYO, 2030, 12, 2, 8))  # 1 Dec 23:00 UTC


def filtered(**params):
    filterset = EventFilter(data=params, queryset=Event.objects.order_by("pk"))
    assert filterset.is_valid(), filterset.errors
    return [event.title for event in filterset.qs]


@pytest.mark.parametrize(
    ("day", "expected"),
    [("2030-12-01", ["New York, 1 Dec evening"]), ("2030-12-02", ["Tokyo, 2 Dec morning"])],
)
def test_a_day_is_the_events_own_calendar_day(around_midnight_utc, day, expected):
    assert filtered(starts_after=day, starts_before=day) == expected


def test_from_and_to_days_alone(around_midnight_utc):
    assert filtered(starts_after="2030-12-02") == ["Tokyo, 2 Dec morning"]
    assert filtered(starts_before="2030-12-01") == ["New York, 1 Dec evening"]


def test_a_date_and_time_still_compares_the_instant(around_midnight_utc):
    assert filtered(starts_after="2030-12-02T00:00:00Z") == ["New York, 1 Dec evening"]
    assert filtered(starts_before="2030-12-01T23:30:00+00:00") == ["Tokyo, 2 Dec morning"]


def test_an_impossible_day_is_a_form_error():
    filterset = EventFilter(data={"starts_after": "2030-02-30"}, queryset=Event.objects.all())

    assert not filterset.is_valid()
    assert "starts_after" in filterset.errors


def test_the_api_reads_a_day_alone_as_the_events_own_day(api_client, around_midnight_utc):
    response = api_client.get("/api/events/", {"starts_after": "2030-12-02", "starts_before": "2030-12-02"})

    assert response.status_code == 200
    assert [item["title"] for item in response.json()["results"]] == ["Tokyo, 2 Dec morning"]


def test_the_list_page_reads_from_and_to_as_the_events_own_day(client, around_midnight_utc):
    day = {"starts_after": "2030-12-02", "starts_before": "2030-12-02"}
    response = client.get(reverse("events:list"), day)

    assert [event.title for event in response.context["page_obj"].object_list] == ["Tokyo, 2 Dec morning"]


def test_the_help_texts_say_a_day_is_where_the_event_happens():
    for name in ("starts_after", "starts_before"):
        help_text = EventFilter.base_filters[name].extra["help_text"]
        assert "where the event happens, in its own time zone" in help_text
