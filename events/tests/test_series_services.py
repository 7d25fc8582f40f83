"""The series services: making a series from an event, changing one date or every later one, cancelling
the remaining dates. Each date is a whole event, written through the event services."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import make_booking
from eventhub.errors import DomainError, ErrorCode
from events import services
from events.models import Event, Question, Seat, Series
from events.series import (
    Frequency,
    Repeat,
    Scope,
    cancel_series,
    create_series,
    series_starts,
    update_series,
)
from events.tests.factories import EventFactory, start_event

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
TUESDAY = 1
WEEKLY_4 = Repeat(frequency=Frequency.WEEKLY, weekdays=(TUESDAY,), count=4)


@pytest.fixture
def event(organizer):
    """Tue 18 Mar 2031, 19:00 in Berlin (the clocks go forward on the 30th), published, selling a priced
    VIP type and a seated hall with a blocked seat, and asking a question of VIP buyers."""
    event = EventFactory(
        organizer=organizer,
        timezone="Europe/Berlin",
        starts_at=datetime(2031, 3, 18, 19, 0, tzinfo=BERLIN),
        ends_at=datetime(2031, 3, 18, 22, 0, tzinfo=BERLIN),
        capacity=20,
    )
    vip = services.create_ticket_type(
        event=event, by=organizer, name="VIP", price=Decimal("40.00"), capacity=5
    )
    stalls = services.create_ticket_type(
        event=event, by=organizer, name="Stalls", layout=services.SeatLayout(rows=2, seats_per_row=3)
    )
    first_seat = Seat.objects.filter(ticket_type=stalls).first()
    services.set_seats_blocked(ticket_type=stalls, seat_ids=[first_seat.pk], blocked=True, by=organizer)
    Question.objects.create(
        event=event, ticket_type=vip, label="Drink", kind="choice", options=["Tea", "Wine"]
    )
    return event


def dates_of(series: Series) -> list[Event]:
    return list(series.occurrences.order_by("starts_at"))


def local(event: Event) -> str:
    return event.starts_at.astimezone(BERLIN).strftime("%a %d %b %H:%M")


# Making a series ---------------------------------------------------------------------------------


def test_each_later_date_is_a_copy_at_the_same_local_time_linked_to_the_series(event, organizer):
    series = create_series(event=event, by=organizer, repeat=WEEKLY_4)
    dates = dates_of(series)
    assert dates[0] == event
    assert [local(date) for date in dates] == [
        "Tue 18 Mar 19:00",
        "Tue 25 Mar 19:00",
        "Tue 01 Apr 19:00",  # summer time: the same wall time, an hour earlier in UTC
        "Tue 08 Apr 19:00",
    ]
    assert [date.ends_at.astimezone(BERLIN).strftime("%H:%M") for date in dates] == ["22:00"] * 4
    assert (series.title, series.timezone, series.organizer) == (event.title, "Europe/Berlin", organizer)
    assert series.rule == "DTSTART:20310318T190000\nRRULE:FREQ=WEEKLY;COUNT=4;BYDAY=TU"


def test_the_copies_sell_the_same_types_seats_and_questions_and_nobody_booked_them(event, organizer):
    types = ("name", "price", "capacity", "seated")
    *_, last = dates_of(create_series(event=event, by=organizer, repeat=WEEKLY_4))
    assert list(last.ticket_types.values_list(*types)) == list(event.ticket_types.values_list(*types))
    seats = Seat.objects.filter(ticket_type__event=last)
    assert (seats.count(), seats.filter(blocked=True).count(), last.booked_seats) == (6, 1, 0)
    question = last.questions.get()
    assert (question.label, question.ticket_type.name) == ("Drink", "VIP")


def test_a_published_events_dates_are_published_and_a_drafts_stay_drafts(event, organizer, draft_event):
    published = create_series(event=event, by=organizer, repeat=WEEKLY_4)
    assert {date.status for date in dates_of(published)} == {Event.Status.PUBLISHED}
    draft_weekday = draft_event.starts_at.weekday()  # the factory's zone is UTC
    repeat = Repeat(frequency=Frequency.WEEKLY, weekdays=(draft_weekday,), count=3)
    drafts = create_series(event=draft_event, by=organizer, repeat=repeat)
    assert {date.status for date in dates_of(drafts)} == {Event.Status.DRAFT}


def test_an_event_already_in_a_series_cannot_start_another(event, organizer):
    series = create_series(event=event, by=organizer, repeat=WEEKLY_4)
    for date in (event, dates_of(series)[2]):
        with pytest.raises(DomainError) as refused:
            create_series(event=date, by=organizer, repeat=WEEKLY_4)
        assert refused.value.code == ErrorCode.ALREADY_IN_SERIES
    assert (Series.objects.count(), Event.objects.count()) == (1, 4)


def test_only_its_organizer_or_staff_may_repeat_an_event(event, other_organizer, staff):
    with pytest.raises(DomainError) as refused:
        create_series(event=event, by=other_organizer, repeat=WEEKLY_4)
    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert not Series.objects.exists()
    assert create_series(event=event, by=staff, repeat=WEEKLY_4).organizer == event.organizer


def test_a_cancelled_or_started_event_cannot_be_repeated(organizer, past_event):
    cancelled = EventFactory(organizer=organizer, status=Event.Status.CANCELLED)
    for event in (cancelled, past_event):
        repeat = Repeat(frequency=Frequency.WEEKLY, weekdays=(event.starts_at.weekday(),), count=3)
        with pytest.raises(DomainError) as refused:
            create_series(event=event, by=organizer, repeat=repeat)
        assert refused.value.code == ErrorCode.NOT_REPEATABLE
    assert Event.objects.count() == 2


def test_a_refused_rule_writes_nothing(event, organizer):
    with pytest.raises(DomainError) as refused:
        create_series(event=event, by=organizer, repeat=Repeat(frequency="weekly", weekdays=(3,), count=4))
    assert refused.value.code == ErrorCode.INVALID_RECURRENCE
    assert (Series.objects.count(), Event.objects.count()) == (0, 1)


def test_series_starts_previews_the_dates_without_writing(event):
    starts = series_starts(event=event, repeat=WEEKLY_4)
    assert [start.astimezone(BERLIN).strftime("%d %b %H:%M") for start in starts] == [
        "18 Mar 19:00",
        "25 Mar 19:00",
        "01 Apr 19:00",
        "08 Apr 19:00",
    ]
    assert (Series.objects.count(), Event.objects.count()) == (0, 1)


# Changing dates --------------------------------------------------------------------------------


@pytest.fixture
def dates(event, organizer) -> list[Event]:
    return dates_of(create_series(event=event, by=organizer, repeat=WEEKLY_4))


def fresh(events) -> list[Event]:
    return list(Event.objects.filter(pk__in=[e.pk for e in events]).order_by("starts_at"))


def test_this_changes_one_date_only(dates, organizer):
    update_series(event=dates[1], by=organizer, scope=Scope.THIS, title="Special", capacity=30)
    assert [(e.title, e.capacity) for e in fresh(dates)] == [
        (dates[0].title, 20),
        ("Special", 30),
        (dates[0].title, 20),
        (dates[0].title, 20),
    ]


def test_future_changes_this_date_and_every_later_one(dates, organizer):
    update_series(
        event=dates[1], by=organizer, scope=Scope.FUTURE, title="Renamed", location="Hall B", capacity=25
    )
    assert [(e.title, e.location, e.capacity) for e in fresh(dates)] == [
        (dates[0].title, dates[0].location, 20),
        ("Renamed", "Hall B", 25),
        ("Renamed", "Hall B", 25),
        ("Renamed", "Hall B", 25),
    ]


def test_future_never_touches_a_date_that_has_started_or_is_cancelled(dates, organizer):
    start_event(dates[0])
    services.cancel_event(event=dates[2], by=organizer)
    update_series(event=dates[0], by=organizer, scope=Scope.FUTURE, title="Renamed")
    assert [e.title for e in fresh(dates)] == [dates[0].title, "Renamed", dates[0].title, "Renamed"]


def test_future_refuses_capacity_below_a_later_dates_bookings_naming_it_and_changes_nothing(dates, organizer):
    general = dates[2].ticket_types.get(name="General admission")
    for person in UserFactory.create_batch(3, role="attendee"):
        make_booking(user=person, event=dates[2], ticket_type=general)
    with pytest.raises(DomainError) as refused:
        update_series(event=dates[0], by=organizer, scope=Scope.FUTURE, title="Smaller", capacity=2)
    assert refused.value.code == ErrorCode.CAPACITY_BELOW_BOOKED
    assert refused.value.message.startswith("Tue 1 Apr 2031: Capacity cannot be lower than the 3 seats")
    assert [(e.title, e.capacity) for e in fresh(dates)] == [(dates[0].title, 20)] * 4


def test_future_refuses_moving_dates_but_takes_them_unchanged(dates, organizer):
    later = dates[1].starts_at + (dates[1].starts_at - dates[0].starts_at)
    for change in ({"starts_at": later}, {"timezone": "UTC"}, {"status": Event.Status.CANCELLED}):
        with pytest.raises(DomainError) as refused:
            update_series(event=dates[1], by=organizer, scope=Scope.FUTURE, **change)
        assert (refused.value.code, refused.value.field) == (ErrorCode.INVALID_SCOPE, next(iter(change)))
    same = {"starts_at": dates[1].starts_at, "status": dates[1].status}
    update_series(event=dates[1], by=organizer, scope=Scope.FUTURE, title="Kept in place", **same)
    assert [e.starts_at for e in fresh(dates)] == [e.starts_at for e in dates]


def test_future_sets_prices_by_type_name(dates, organizer):
    services.update_ticket_type(ticket_type=dates[3].ticket_types.get(name="VIP"), by=organizer, name="Gold")
    update_series(event=dates[1], by=organizer, scope=Scope.FUTURE, prices={"VIP": Decimal("55.00")})
    prices = [dict(e.ticket_types.values_list("name", "price")) for e in fresh(dates)]
    assert [p.get("VIP") or p.get("Gold") for p in prices] == [
        Decimal("40.00"),
        Decimal("55.00"),
        Decimal("55.00"),
        Decimal("40.00"),  # renamed on that date: a price follows the name
    ]


def test_future_needs_a_series_and_the_organizer(published_event, dates, other_organizer):
    with pytest.raises(DomainError) as refused:
        update_series(event=published_event, by=published_event.organizer, scope=Scope.FUTURE, title="X")
    assert refused.value.code == ErrorCode.INVALID_SCOPE
    with pytest.raises(DomainError) as refused:
        update_series(event=dates[0], by=other_organizer, scope=Scope.FUTURE, title="X")
    assert refused.value.code == ErrorCode.NOT_ALLOWED
    with pytest.raises(DomainError) as refused:
        update_series(event=dates[0], by=dates[0].organizer, scope="everything", title="X")
    assert refused.value.code == ErrorCode.INVALID_SCOPE


# Cancelling ------------------------------------------------------------------------------------


def test_cancel_series_cancels_the_dates_to_come_and_refunds_their_tickets(
    dates, organizer, attendee, other_attendee, django_capture_on_commit_callbacks
):
    kept = make_booking(user=attendee, event=dates[0], ticket_type=dates[0].ticket_types.get(name="VIP"))
    held = make_booking(
        user=other_attendee, event=dates[2], ticket_type=dates[2].ticket_types.get(name="VIP")
    )
    assert (kept.status, held.status) == (Booking.Status.PENDING, Booking.Status.PENDING)
    start_event(dates[0])
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = cancel_series(series=dates[0].series, by=organizer)
    assert [e.pk for e in cancelled] == [e.pk for e in dates[1:]]
    assert [e.status for e in fresh(dates)] == ["published", "cancelled", "cancelled", "cancelled"]
    kept.refresh_from_db()
    held.refresh_from_db()
    assert (kept.status, held.status) == (Booking.Status.PENDING, Booking.Status.CANCELLED)


def test_cancel_series_again_has_nothing_left_to_cancel(dates, organizer):
    cancel_series(series=dates[0].series, by=organizer)
    with pytest.raises(DomainError) as refused:
        cancel_series(series=dates[0].series, by=organizer)
    assert refused.value.code == ErrorCode.ALREADY_CANCELLED


def test_only_its_organizer_or_staff_may_cancel_a_series(dates, other_organizer):
    with pytest.raises(DomainError) as refused:
        cancel_series(series=dates[0].series, by=other_organizer)
    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert {e.status for e in fresh(dates)} == {"published"}
