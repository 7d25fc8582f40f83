"""Events as iCalendar entries (RFC 5545), for "Add to calendar"."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from events.models import Event

PRODUCT_ID = "-//eventhub//events//EN"


def calendar_uid(event: Event) -> str:
    """The entry's identity, the same across every change, so calendars update it instead of adding one."""
    return f"event-{event.pk}@{settings.SITE_URL.split('://', 1)[-1]}"


def event_calendar(event: Event) -> bytes:
    """One event as an .ics file: its own time zone (TZID), its revision (SEQUENCE), cancelled or not."""
    return events_calendar([event])


def events_calendar(events, *, name: str = "") -> bytes:
    """Several events as one calendar (a person's feed), each entry as event_calendar makes it."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for event in events:
        calendar.add_component(_entry(event))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _entry(event: Event) -> CalendarEvent:
    zone = ZoneInfo(event.timezone)
    entry = CalendarEvent()
    entry.add("uid", calendar_uid(event))
    entry.add("sequence", event.calendar_sequence)
    entry.add("dtstamp", timezone.now())
    entry.add("last-modified", event.updated_at)
    entry.add("dtstart", event.starts_at.astimezone(zone))
    entry.add("dtend", event.ends_at.astimezone(zone))
    entry.add("summary", event.title)
    entry.add("location", event.place)
    entry.add("url", f"{settings.SITE_URL}{event.get_absolute_url()}")
    if event.description:
        entry.add("description", event.description)
    cancelled = event.status == Event.Status.CANCELLED
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return entry
