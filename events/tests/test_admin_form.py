"""The event form in the admin: it only validates, shows every error at once, and reads local times safely."""

import re
from datetime import UTC, date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking
from bookings.tests.factories import fill
from events import services
from events.admin import EventAdmin
from events.models import Event
from events.tests.factories import EventFactory
from events.tests.test_admin import ADD, attendees, change_data, change_url, form_data

CAPACITY_RANGE = "Capacity must be between 1 and 100,000."
PARIS = ZoneInfo("Europe/Paris")
YEAR = timezone.now().year + 2


def last_sunday(year: int, month: int) -> date:
    """Europe's clocks change on the last Sunday of March and of October."""
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() - 6) % 7)


CLOCKS_BACK = last_sunday(YEAR, 10)  # 02:00 to 03:00 happens twice in Paris
CLOCKS_FORWARD = last_sunday(YEAR, 3)  # 02:00 to 03:00 never happens in Paris


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def errors_of(response) -> dict:
    assert response.status_code == 200, response.get("Location")
    return response.context["adminform"].form.errors


def paris_times(day: date, start: str, end: str = "06:00:00") -> dict:
    day_text = f"{day:%Y-%m-%d}"
    return {
        "timezone": "Europe/Paris",
        "starts_at_0": day_text,
        "starts_at_1": start,
        "ends_at_0": day_text,
        "ends_at_1": end,
    }


# It only validates; the services write once the whole page is valid -------------


def without_management_form(data: dict) -> dict:
    return {name: value for name, value in data.items() if not name.startswith("bookings-")}


def test_an_add_without_the_bookings_management_form_writes_nothing(organizer_client):
    response = organizer_client.post(ADD, without_management_form(form_data(status="published")))
    assert response.status_code == 200
    assert "ManagementForm data is missing" in response.content.decode()
    assert not Event.objects.exists()
    assert not LogEntry.objects.exists()


def test_a_change_without_the_bookings_management_form_writes_nothing(organizer_client, published_event):
    fill(published_event, users=attendees(2))
    title = published_event.title
    data = change_data(published_event, title="Renamed", capacity="5", status="cancelled")
    response = organizer_client.post(change_url(published_event), without_management_form(data))
    assert response.status_code == 200
    published_event.refresh_from_db()
    assert (published_event.title, published_event.capacity, published_event.status) == (
        title,
        10,
        Event.Status.PUBLISHED,
    )


def test_a_normal_add_saves_through_the_services_and_is_logged(organizer_client, organizer):
    response = organizer_client.post(ADD, form_data(status="published", capacity="30"))
    event = Event.objects.get(title="Jazz night")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_changelist")
    assert (event.organizer, event.status, event.capacity) == (organizer, Event.Status.PUBLISHED, 30)
    assert LogEntry.objects.get().object_id == str(event.pk)


def test_a_normal_change_saves_through_the_services(organizer_client, published_event):
    data = change_data(published_event, title="Renamed", capacity="12", _continue="1")
    response = organizer_client.post(change_url(published_event), data)
    assert response.status_code == 302
    assert response["Location"] == change_url(published_event)
    published_event.refresh_from_db()
    assert (published_event.title, published_event.capacity) == ("Renamed", 12)


def test_the_capacity_refusal_shows_beside_the_field_and_nothing_else_is_written(
    organizer_client, published_event
):
    fill(published_event, users=attendees(3))
    title = published_event.title
    data = change_data(published_event, capacity="2", title="Renamed")
    errors = errors_of(organizer_client.post(change_url(published_event), data))
    assert errors["capacity"] == ["Capacity cannot be lower than the 3 seats already booked."]
    published_event.refresh_from_db()
    assert (published_event.title, published_event.capacity) == (title, 10)


def test_a_refused_publication_shows_beside_the_status(organizer_client, organizer):
    cancelled = EventFactory(organizer=organizer, status=Event.Status.CANCELLED)
    errors = errors_of(
        organizer_client.post(change_url(cancelled), change_data(cancelled, status="published"))
    )
    assert errors["status"] == ["A cancelled event cannot be published again."]


def test_a_refusal_at_save_time_is_shown_and_nothing_is_written(
    organizer_client, published_event, monkeypatch
):
    """Seats booked between the form's check and the save: the service refuses, the page says why."""
    checked = services.event_change_refusals

    def check_then_seats_go(**kwargs):
        refusals = checked(**kwargs)
        fill(published_event, users=attendees(3))
        return refusals

    monkeypatch.setattr(services, "event_change_refusals", check_then_seats_go)
    title = published_event.title
    data = change_data(published_event, capacity="2", title="Renamed")
    response = organizer_client.post(change_url(published_event), data)
    assert errors_of(response)["capacity"] == ["Capacity cannot be lower than the 3 seats already booked."]
    assert "Please correct the error below." in response.content.decode()
    published_event.refresh_from_db()
    assert (published_event.title, published_event.capacity) == (title, 10)
    assert not LogEntry.objects.exists()


def test_checking_a_capacity_raise_on_an_invalid_page_promotes_no_one(organizer_client, published_event):
    published_event.capacity = 1
    published_event.save()
    _, waiting = fill(published_event, users=attendees(2))
    data = change_data(published_event, capacity="2", title="")
    assert "title" in errors_of(organizer_client.post(change_url(published_event), data))
    waiting.refresh_from_db()
    published_event.refresh_from_db()
    assert (waiting.status, published_event.capacity) == (Booking.Status.WAITLISTED, 1)


def test_a_capacity_raise_emails_the_promoted_person_once(
    organizer_client, published_event, mailoutbox, django_capture_on_commit_callbacks
):
    published_event.capacity = 1
    published_event.save()
    fill(published_event, users=attendees(2))
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(
            change_url(published_event), change_data(published_event, capacity="2")
        )
    assert response.status_code == 302
    assert len(mailoutbox) == 1


# Every error at once -------------------------------------------------------------


def test_every_error_of_a_new_event_shows_at_once(organizer_client):
    errors = errors_of(organizer_client.post(ADD, form_data(title="", ends_at_1="18:00:00", capacity="-5")))
    assert set(errors) == {"title", "ends_at", "capacity"}


def test_every_error_of_a_change_shows_at_once(organizer_client, published_event):
    fill(published_event, users=attendees(3))
    past = timezone.now() - timedelta(days=2)
    data = change_data(published_event, title="", capacity="2", starts_at_0=f"{past:%Y-%m-%d}")
    errors = errors_of(organizer_client.post(change_url(published_event), data))
    assert set(errors) >= {"title", "starts_at", "capacity"}


@pytest.mark.parametrize("capacity", ["-5", "0", "100001", "many", ""])
def test_every_capacity_error_says_the_allowed_range(organizer_client, capacity):
    errors = errors_of(organizer_client.post(ADD, form_data(capacity=capacity)))
    assert errors["capacity"] == [CAPACITY_RANGE]


# Daylight saving time ------------------------------------------------------------


def test_a_time_the_clocks_show_twice_is_a_form_error_naming_both_instants(organizer_client):
    errors = errors_of(organizer_client.post(ADD, form_data(**paris_times(CLOCKS_BACK, "02:30:00"))))
    [message] = errors["starts_at"]
    assert "happens twice in Europe/Paris" in message
    assert "02:30 CEST (00:30 UTC)" in message
    assert "02:30 CET (01:30 UTC)" in message
    assert not Event.objects.exists()


def test_a_time_the_clocks_skip_is_a_form_error(organizer_client):
    errors = errors_of(organizer_client.post(ADD, form_data(**paris_times(CLOCKS_FORWARD, "02:30:00"))))
    assert re.search(r"02:30 does not exist in Europe/Paris", errors["starts_at"][0])
    assert not Event.objects.exists()


def test_an_end_in_the_repeated_hour_is_a_form_error_too(organizer_client):
    errors = errors_of(
        organizer_client.post(ADD, form_data(**paris_times(CLOCKS_BACK, "01:00:00", "02:15:00")))
    )
    assert "happens twice" in errors["ends_at"][0]


def test_the_hours_around_a_clock_change_are_read_as_typed(organizer_client):
    organizer_client.post(ADD, form_data(**paris_times(CLOCKS_BACK, "01:30:00", "03:30:00")))
    event = Event.objects.get()
    day = CLOCKS_BACK
    assert event.starts_at == datetime(day.year, day.month, day.day, 1, 30, tzinfo=PARIS)
    assert event.ends_at == datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("fold", [0, 1])
def test_an_event_in_the_repeated_hour_saved_unchanged_keeps_its_instant(organizer_client, organizer, fold):
    day = CLOCKS_BACK
    start = datetime(day.year, day.month, day.day, 2, 30, tzinfo=PARIS, fold=fold)
    event = EventFactory(organizer=organizer, timezone="Europe/Paris", starts_at=start)
    response = organizer_client.post(change_url(event), change_data(event, title="Renamed"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.starts_at) == ("Renamed", start.astimezone(UTC))


def test_moving_an_event_into_the_repeated_hour_is_a_form_error(organizer_client, published_event):
    data = change_data(published_event, **paris_times(CLOCKS_BACK, "02:30:00"))
    assert (
        "happens twice" in errors_of(organizer_client.post(change_url(published_event), data))["starts_at"][0]
    )


# Accessible names ------------------------------------------------------------------


def test_each_date_and_time_input_has_its_own_accessible_name(organizer_client):
    page = organizer_client.get(ADD).content.decode()
    for name, label in [
        ("starts_at_0", "Starts at: date"),
        ("starts_at_1", "Starts at: time"),
        ("ends_at_0", "Ends at: date"),
        ("ends_at_1", "Ends at: time"),
    ]:
        assert re.search(rf'<input [^>]*aria-label="{label}"[^>]*id="id_{name}"', page), name


def test_an_event_booked_after_the_delete_page_checked_is_kept(client, organizer, published_event, attendee):
    """The delete page looks for bookings first; one that arrives after that look keeps the event."""
    client.force_login(organizer)
    url = f"/admin/events/event/{published_event.pk}/delete/"
    assert client.get(url).status_code == 200
    booking_services.book(user=attendee, event=published_event)
    with mock.patch.object(EventAdmin, "get_deleted_objects", return_value=([], {}, set(), [])):
        response = client.post(url, {"post": "yes"}, follow=True)
    assert Event.objects.filter(pk=published_event.pk).exists()
    assert "has bookings, so it cannot be deleted" in response.text
