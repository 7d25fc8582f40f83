"""seed_demo: the demo site make run serves, with real counters, the brief's sections and a seated hall."""

import io
import logging
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone

from bookings.services import counter_mismatches
from events.models import Event, Seat, Series, TicketType

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_typed_and_seated_events_with_exact_counters_and_runs_again_unchanged():
    level = logging.getLogger("eventhub").level
    call_command("seed_demo", stdout=io.StringIO())
    counts = (Event.objects.count(), TicketType.objects.count(), Seat.objects.count())
    pictures = set(Event.objects.values_list("pk", "image_card", "image_banner", "image_alt"))

    call_command("seed_demo", stdout=io.StringIO())

    assert (Event.objects.count(), TicketType.objects.count(), Seat.objects.count()) == counts
    assert set(Event.objects.values_list("pk", "image_card", "image_banner", "image_alt")) == pictures
    assert all(card and banner and "Decorative picture for" in alt for _, card, banner, alt in pictures)
    assert counter_mismatches() == []
    symphony = Event.objects.get(title="Symphony under the stars")
    names = list(symphony.ticket_types.values_list("name", flat=True))
    assert names == ["General admission", "Section C", "Section B", "Section A", "VIP"]
    hall = symphony.ticket_types.get(name="Section C")
    assert hall.seated and hall.seats.count() == 2_000
    assert symphony.ticket_types.get(name="Section A").is_full
    assert not symphony.ticket_types.get(name="VIP").on_sale
    assert (symphony.category.slug, symphony.city) == ("music", "London")
    assert sorted(symphony.tags.values_list("name", flat=True)) == ["Classical", "Orchestra"]
    assert Event.objects.filter(attendance=Event.Attendance.ONLINE).exclude(online_url="").exists()
    assert not Event.objects.filter(category=None).exists()
    assert logging.getLogger("eventhub").level == level, "the demo's quiet outlived the command"


def test_seed_demo_repeats_one_event_every_tuesday_each_date_with_its_picture():
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())

    series = Series.objects.get()
    dates = list(series.occurrences.order_by("starts_at"))
    zone = ZoneInfo(series.timezone)
    assert len(dates) == 8 and dates[0].starts_at > timezone.now()
    assert {(e.starts_at.astimezone(zone).strftime("%a %H:%M"), e.status) for e in dates} == {
        ("Tue 19:00", "published")
    }
    assert all(e.image_card and e.category.slug == "learning" for e in dates)
    assert len({e.image_card.name for e in dates}) == 8  # each date's files are its own
