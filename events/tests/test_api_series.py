"""The series API: everyone browses series and their upcoming dates; an organizer repeats their own
event as a series and cancels what remains of it. The events list names each date's series."""

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event, Series
from events.series import WEEKDAY_NAMES
from events.tests.factories import EventFactory, make_series, start_event

pytestmark = pytest.mark.django_db

LIST = "/api/series/"
SERIES_FIELDS = {"id", "title", "description", "rule", "timezone", "organizer", "upcoming", "url"}


def detail(series) -> str:
    return f"/api/series/{series.pk}/"


def weekly(event, **fields) -> dict:
    """A body repeating ``event`` on its own weekday (the factory's events are on UTC's clock)."""
    weekday = WEEKDAY_NAMES[event.starts_at.weekday()].lower()
    return {"event": event.pk, "frequency": "weekly", "weekdays": [weekday], "count": 4, **fields}


@pytest.fixture
def series(published_event):
    return make_series(published_event, count=4)


def test_anyone_lists_series_with_their_rule_and_upcoming_dates(api_client, series):
    start_event(series.occurrences.order_by("starts_at").first())
    response = api_client.get(LIST)
    assert response.status_code == 200
    [item] = response.json()["results"]
    assert set(item) == SERIES_FIELDS
    assert item["description"].startswith("Every week on ")
    assert item["description"].endswith(", 4 times")
    later = series.occurrences.order_by("starts_at")[1:]
    assert [date["id"] for date in item["upcoming"]] == [date.pk for date in later]
    assert set(item["upcoming"][0]) == {"id", "starts_at", "ends_at", "status", "seats_left", "url"}
    assert api_client.get(detail(series)).json() == item


def test_a_series_of_drafts_is_seen_only_by_those_who_run_it(api_client, draft_event, other_organizer):
    drafts = make_series(draft_event, count=2)
    assert api_client.get(LIST).json()["count"] == 0
    assert api_client.get(detail(drafts)).status_code == 404
    api_client.force_authenticate(other_organizer)
    assert api_client.get(detail(drafts)).status_code == 404
    api_client.force_authenticate(draft_event.organizer)
    assert len(api_client.get(detail(drafts)).json()["upcoming"]) == 2


def test_the_series_list_costs_the_same_for_3_or_12_series(
    api_client, organizer, django_assert_max_num_queries
):
    def add(count):
        for n in range(count):
            make_series(
                EventFactory(organizer=organizer, starts_at=timezone.now() + timedelta(days=n + 1)), count=5
            )

    add(3)
    with django_assert_max_num_queries(4) as few:
        assert api_client.get(LIST).json()["count"] == 3
    add(9)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api_client.get(LIST).json()["count"] == 12


# The events list ---------------------------------------------------------------------------------


def test_the_events_list_keeps_every_date_and_names_its_series(api_client, series, organizer):
    single = EventFactory(organizer=organizer)
    results = api_client.get("/api/events/").json()["results"]
    assert {item["id"]: item["series"] for item in results} == {
        **{date.pk: series.pk for date in series.occurrences.all()},
        single.pk: None,
    }
    dates = api_client.get("/api/events/", {"series": series.pk}).json()["results"]
    assert sorted(item["id"] for item in dates) == sorted(series.occurrences.values_list("pk", flat=True))


@pytest.mark.parametrize("value", ["0", "abc", str(2**64)])
def test_a_malformed_series_filter_is_a_400(api_client, value):
    assert api_client.get("/api/events/", {"series": value}).status_code == 400


# Making a series ---------------------------------------------------------------------------------


def test_an_organizer_repeats_their_event(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)
    response = api_client.post(LIST, weekly(published_event), format="json")
    assert response.status_code == 201, response.json()
    made = Series.objects.get()
    assert response.json()["id"] == made.pk
    assert len(response.json()["upcoming"]) == 4
    assert set(made.occurrences.values_list("status", flat=True)) == {"published"}


@pytest.mark.parametrize(
    ("who", "status"), [(None, 401), ("attendee", 403), ("other_organizer", 403), ("staff", 403)]
)
def test_only_an_organizer_repeats_their_own_event(request, api_client, published_event, who, status):
    if who:
        api_client.force_authenticate(request.getfixturevalue(who))
    response = api_client.post(LIST, weekly(published_event), format="json")
    assert response.status_code == status
    assert not Series.objects.exists()
    assert Event.objects.count() == 1


def test_someone_elses_event_is_refused_as_not_allowed_and_their_draft_as_unknown(
    api_client, other_organizer, published_event, draft_event
):
    api_client.force_authenticate(other_organizer)
    response = api_client.post(LIST, weekly(published_event), format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    response = api_client.post(LIST, weekly(draft_event), format="json")
    assert response.status_code == 400
    assert "event" in response.json()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weekdays": ["someday"]}, "weekdays"),
        ({"frequency": "daily"}, "frequency"),
        ({"count": 500}, "count"),
        ({"count": 2, "interval": 99}, "interval"),
        ({"frequency": "monthly", "nth": 9}, "nth"),
        ({"frequency": "monthly", "nth": 1, "weekdays": ["monday", "friday"]}, "weekdays"),
        ({"until": "not a date"}, "until"),
    ],
)
def test_a_rule_that_makes_no_series_is_a_field_error(api_client, organizer, published_event, fields, field):
    api_client.force_authenticate(organizer)
    response = api_client.post(LIST, weekly(published_event, **fields), format="json")
    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Series.objects.exists()


def test_both_ends_or_none_is_refused_with_its_code(api_client, organizer, published_event):
    api_client.force_authenticate(organizer)
    body = weekly(published_event, until=(published_event.starts_at + timedelta(days=30)).date().isoformat())
    response = api_client.post(LIST, body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_recurrence")


def test_an_event_already_in_a_series_is_a_409(api_client, organizer, series):
    api_client.force_authenticate(organizer)
    date = series.occurrences.order_by("starts_at").last()
    response = api_client.post(LIST, weekly(date), format="json")
    assert (response.status_code, response.json()["code"]) == (409, "already_in_series")


# Cancelling --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("attendee", 403), ("other_organizer", 403), ("organizer", 200), ("staff", 200)],
)
def test_only_its_organizer_or_staff_cancels_a_series(request, api_client, series, who, status):
    if who:
        api_client.force_authenticate(request.getfixturevalue(who))
    response = api_client.post(f"{detail(series)}cancel/")
    assert response.status_code == status
    cancelled = status == 200
    assert set(series.occurrences.values_list("status", flat=True)) == {
        "cancelled" if cancelled else "published"
    }


def test_cancelling_again_is_a_409(api_client, organizer, series):
    api_client.force_authenticate(organizer)
    assert {d["status"] for d in api_client.post(f"{detail(series)}cancel/").json()["upcoming"]} == {
        "cancelled"
    }
    response = api_client.post(f"{detail(series)}cancel/")
    assert (response.status_code, response.json()["code"]) == (409, "already_cancelled")
