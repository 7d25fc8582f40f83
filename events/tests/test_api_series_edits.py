"""Changing a date of a series over the API: this event only, or it and every later date (apply_to)."""

from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.models import Event
from events.tests.factories import EventFactory, make_series, start_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def dates(published_event):
    series = make_series(published_event, count=4)
    return list(series.occurrences.order_by("starts_at"))


def patch(api_client, event, body):
    return api_client.patch(f"/api/events/{event.pk}/", body, format="json")


def titles(dates) -> list[str]:
    return [Event.objects.get(pk=date.pk).title for date in dates]


def test_apply_to_future_changes_this_date_and_the_later_ones(api_client, organizer, dates):
    api_client.force_authenticate(organizer)

    response = patch(api_client, dates[1], {"title": "Spring term", "apply_to": "future"})

    assert response.status_code == 200, response.content
    assert response.json()["title"] == "Spring term"
    assert titles(dates) == [dates[0].title, "Spring term", "Spring term", "Spring term"]


def test_without_apply_to_only_this_date_changes(api_client, organizer, dates):
    api_client.force_authenticate(organizer)
    assert patch(api_client, dates[1], {"title": "Special"}).status_code == 200
    assert titles(dates) == [dates[0].title, "Special", dates[2].title, dates[3].title]


def test_a_started_date_is_never_changed_by_a_future_edit(api_client, organizer, dates):
    start_event(dates[2])  # as if it had started already, out of order
    api_client.force_authenticate(organizer)
    assert patch(api_client, dates[1], {"title": "Later", "apply_to": "future"}).status_code == 200
    assert titles(dates) == [dates[0].title, "Later", dates[2].title, "Later"]


def test_capacity_below_a_later_dates_bookings_refuses_everything_naming_that_date(
    api_client, organizer, dates
):
    fill(dates[3], users=UserFactory.create_batch(6))
    api_client.force_authenticate(organizer)

    response = patch(api_client, dates[1], {"capacity": 5, "title": "Smaller", "apply_to": "future"})

    assert response.status_code == 400
    assert "Capacity cannot be lower than the 6 seats already booked" in str(response.json())
    assert titles(dates) == [date.title for date in dates]
    assert {Event.objects.get(pk=date.pk).capacity for date in dates} == {10}


def test_prices_by_ticket_type_name_reach_every_later_date(api_client, organizer, dates):
    api_client.force_authenticate(organizer)
    body = {"prices": {"General admission": "12.50"}, "apply_to": "future"}

    assert patch(api_client, dates[2], body).status_code == 200

    prices = [Event.objects.get(pk=d.pk).ticket_types.get().price for d in dates]
    assert prices == [Decimal("0.00"), Decimal("0.00"), Decimal("12.50"), Decimal("12.50")]


@pytest.mark.parametrize(
    "body",
    [
        {"prices": {"General admission": "-1"}},
        {"prices": {"General admission": "a lot"}},
        {"prices": ["12.50"]},
        {"prices": {f"Type {n}": "1.00" for n in range(51)}},
    ],
)
def test_bad_prices_are_a_flat_400_on_the_field(api_client, organizer, dates, body):
    api_client.force_authenticate(organizer)
    response = patch(api_client, dates[1], {**body, "apply_to": "future"})
    assert response.status_code == 400
    assert all(isinstance(message, str) for message in response.json()["prices"])


def test_a_future_edit_cannot_move_the_dates(api_client, organizer, dates):
    api_client.force_authenticate(organizer)
    later = dates[1].starts_at.replace(hour=(dates[1].starts_at.hour + 1) % 24)
    response = patch(api_client, dates[1], {"starts_at": later.isoformat(), "apply_to": "future"})
    assert response.status_code == 400
    assert "one event at a time" in response.json()["starts_at"][0]


def test_apply_to_future_on_an_event_outside_a_series_is_refused(api_client, organizer):
    event = EventFactory(organizer=organizer)
    api_client.force_authenticate(organizer)
    response = patch(api_client, event, {"title": "x", "apply_to": "future"})
    assert (response.status_code, response.json()["code"]) == (400, "invalid_scope")


def test_someone_else_cannot_change_the_series(api_client, other_organizer, dates):
    api_client.force_authenticate(other_organizer)
    assert patch(api_client, dates[1], {"title": "Mine", "apply_to": "future"}).status_code in (403, 404)
    assert titles(dates) == [date.title for date in dates]


def test_a_new_event_takes_no_series_scope_or_prices(api_client, organizer):
    api_client.force_authenticate(organizer)
    body = {"title": "x", "location": "y", "capacity": 5, "apply_to": "future"}
    body |= {"starts_at": "2031-06-01T19:00:00+00:00", "ends_at": "2031-06-01T21:00:00+00:00"}
    response = api_client.post("/api/events/", body, format="json")
    assert response.status_code == 400 and "prices" in response.json()
