"""Add to calendar: each event as an .ics entry in its own zone, one identity across every change."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from eventhub.errors import DomainError
from events.models import Event
from events.services import cancel_event, update_event
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def entry_of(client, event):
    response = client.get(reverse("events:calendar", args=[event.pk]))
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    (entry,) = Calendar.from_ical(response.content).walk("VEVENT")
    return entry


def test_the_entry_holds_the_event_in_its_own_time_zone(client, organizer):
    starts = (timezone.now() + timedelta(days=20)).replace(microsecond=0)
    event = EventFactory(
        organizer=organizer,
        title="Night at the museum",
        location="Rijksmuseum",
        timezone="Europe/Amsterdam",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        status=Event.Status.PUBLISHED,
    )
    entry = entry_of(client, event)
    assert str(entry["summary"]) == "Night at the museum" and str(entry["location"]) == "Rijksmuseum"
    assert entry["dtstart"].params["TZID"] == "Europe/Amsterdam"
    assert entry.decoded("dtstart") == starts and entry.decoded("dtend") == starts + timedelta(hours=3)
    assert str(entry["url"]).endswith(event.get_absolute_url())
    assert str(entry["status"]) == "CONFIRMED"
    assert b"BEGIN:VTIMEZONE" in client.get(reverse("events:calendar", args=[event.pk])).content


def test_a_change_keeps_the_uid_and_raises_the_sequence(client, published_event, organizer):
    before = entry_of(client, published_event)
    update_event(event=published_event, by=organizer, location="The big hall", description="")
    after = entry_of(client, published_event)
    assert after["uid"] == before["uid"]
    assert int(after["sequence"]) == int(before["sequence"]) + 1


def test_a_change_that_a_calendar_does_not_show_keeps_the_sequence(client, published_event, organizer):
    before = entry_of(client, published_event)
    update_event(event=published_event, by=organizer, hold_minutes=30, location=published_event.location)
    assert int(entry_of(client, published_event)["sequence"]) == int(before["sequence"])


def test_a_cancelled_event_is_a_cancelled_entry_of_the_next_revision(client, published_event, organizer):
    before = entry_of(client, published_event)
    cancel_event(event=published_event, by=organizer)
    after = entry_of(client, published_event)
    assert str(after["status"]) == "CANCELLED"
    assert int(after["sequence"]) == int(before["sequence"]) + 1


def test_someone_elses_draft_has_no_calendar_entry(client, attendee, draft_event):
    client.force_login(attendee)
    assert client.get(reverse("events:calendar", args=[draft_event.pk])).status_code == 404
    assert client.get(reverse("events:calendar", args=[999_999])).status_code == 404


def test_the_calendar_entry_cannot_be_posted_to(client, published_event):
    assert client.post(reverse("events:calendar", args=[published_event.pk])).status_code == 405


def test_the_event_page_offers_the_entry(client, published_event):
    page = client.get(published_event.get_absolute_url()).content.decode()
    assert reverse("events:calendar", args=[published_event.pk]) in page


def test_a_refused_change_does_not_raise_the_sequence(published_event, other_organizer):
    with pytest.raises(DomainError):
        update_event(event=published_event, by=other_organizer, title="Taken over")
    published_event.refresh_from_db()
    assert published_event.calendar_sequence == 0
