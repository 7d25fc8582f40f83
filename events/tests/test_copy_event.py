"""Copying an event: a later draft with its ticket types, seats and questions, and nobody booked."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from bookings.tests.factories import make_booking
from eventhub.errors import DomainError, ErrorCode
from events import services
from events.calendars import calendar_uid
from events.models import Event, Question, Seat
from events.tests.factories import EventFactory, give_picture

WEEK = timedelta(days=7)


@pytest.fixture
def event(organizer):
    """A published event with a priced, taxed type on sale for a while, a seated type with a blocked and a
    booked seat, and questions for everyone and for one type."""
    event = EventFactory(organizer=organizer, capacity=20)
    services.update_event(event=event, by=organizer, hold_minutes=30, refund_cutoff_hours=48)
    vip = services.create_ticket_type(
        event=event,
        by=organizer,
        name="VIP",
        price=Decimal("40.00"),
        tax_rate=Decimal("20.00"),
        capacity=5,
        sales_start=event.starts_at - timedelta(days=5),
        sales_end=event.starts_at - timedelta(days=1),
        description="Front rows and a drink.",
    )
    stalls = services.create_ticket_type(
        event=event, by=organizer, name="Stalls", layout=services.SeatLayout(rows=2, seats_per_row=3)
    )
    seats = list(Seat.objects.filter(ticket_type=stalls))
    services.set_seats_blocked(ticket_type=stalls, seat_ids=[seats[0].pk], blocked=True, by=organizer)
    Question.objects.create(event=event, label="Dietary needs", required=False, position=1)
    Question.objects.create(
        event=event,
        ticket_type=vip,
        label="Drink",
        kind=Question.Kind.CHOICE,
        options=["Wine", "Juice"],
        required=True,
    )
    return event


@pytest.fixture
def booked_event(event, attendee):
    stalls = event.ticket_types.get(name="Stalls")
    make_booking(
        user=attendee,
        event=event,
        ticket_type=stalls,
        seat=Seat.objects.get(ticket_type=stalls, row="B", number=3),
    )
    event.refresh_from_db()
    return event


def copied(event, by=None, offset=WEEK) -> Event:
    return services.copy_event(event=event, by=by or event.organizer, offset=offset)


def test_copy_is_a_draft_of_the_same_event_moved_by_the_offset(booked_event):
    draft = copied(booked_event)
    assert draft.pk != booked_event.pk
    assert draft.status == Event.Status.DRAFT
    assert (draft.starts_at, draft.ends_at) == (booked_event.starts_at + WEEK, booked_event.ends_at + WEEK)
    for name in services.COPIED_EVENT_FIELDS:
        assert getattr(draft, name) == getattr(booked_event, name), name
    assert (draft.hold_minutes, draft.refund_cutoff_hours) == (30, 48)


def test_copy_starts_with_nobody_booked_and_a_new_calendar_entry(booked_event):
    booked_event.calendar_sequence = 3
    booked_event.save(update_fields=["calendar_sequence"])
    draft = copied(booked_event)
    assert booked_event.booked_seats == 1
    assert draft.booked_seats == 0
    assert not draft.bookings.exists()
    assert set(draft.ticket_types.values_list("booked_seats", flat=True)) == {0}
    assert draft.calendar_sequence == 0
    assert calendar_uid(draft) != calendar_uid(booked_event)


def test_copy_has_each_ticket_type_with_its_sales_window_moved(event):
    draft = copied(event)
    fields = ("name", "description", "price", "tax_rate", "capacity", "position", "seated")
    original = list(event.ticket_types.values_list(*fields))
    assert list(draft.ticket_types.values_list(*fields)) == original
    vip, vip_copy = event.ticket_types.get(name="VIP"), draft.ticket_types.get(name="VIP")
    assert (vip_copy.sales_start, vip_copy.sales_end) == (vip.sales_start + WEEK, vip.sales_end + WEEK)
    assert draft.ticket_types.get(name="General admission").sales_start is None


def test_copy_has_the_seats_blocked_ones_still_blocked_and_none_held(booked_event):
    draft = copied(booked_event)
    fields = ("row", "row_index", "number", "blocked")
    original = Seat.objects.filter(ticket_type__event=booked_event)
    copy = Seat.objects.filter(ticket_type__event=draft)
    assert list(copy.order_by(*fields).values_list(*fields)) == list(
        original.order_by(*fields).values_list(*fields)
    )
    assert copy.filter(blocked=True).count() == 1
    assert original.filter(held=True).count() == 1
    assert not copy.filter(held=True).exists()
    assert set(copy.values_list("ticket_type__name", flat=True)) == {"Stalls"}


def test_copy_asks_the_same_questions_of_the_same_types(event):
    draft = copied(event)
    questions = draft.questions.order_by("position", "pk")
    assert [(q.label, q.kind, q.options, q.required, q.position) for q in questions] == [
        ("Drink", "choice", ["Wine", "Juice"], True, 0),
        ("Dietary needs", "short_text", [], False, 1),
    ]
    assert questions[0].ticket_type == draft.ticket_types.get(name="VIP")
    assert questions[1].ticket_type is None
    assert Event.objects.get(pk=draft.pk).asks_questions


def test_copy_of_an_event_without_questions_asks_nothing(published_event):
    assert not Event.objects.get(pk=copied(published_event).pk).asks_questions


def test_only_the_organizer_or_staff_may_copy(event, other_organizer, staff):
    with pytest.raises(DomainError) as refused:
        copied(event, by=other_organizer)
    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert copied(event, by=staff).organizer == event.organizer


def test_a_copy_must_start_in_the_future(past_event):
    before = Event.objects.count()
    with pytest.raises(Exception, match="must start in the future"):
        copied(past_event, offset=timedelta(days=1))
    assert Event.objects.count() == before


# The console -------------------------------------------------------------------------------


def copy_url(event):
    return reverse("admin:events_event_copy", args=[event.pk])


def test_event_page_links_to_copying_it(client, organizer, event):
    client.force_login(organizer)
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert f'href="{copy_url(event)}"' in page


def test_copy_page_asks_the_offset_a_week_by_default_and_opens_the_draft(client, organizer, event):
    client.force_login(organizer)
    assert 'value="7"' in client.get(copy_url(event)).content.decode()
    response = client.post(copy_url(event), {"days": "14"})
    draft = Event.objects.exclude(pk=event.pk).get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:events_event_change", args=[draft.pk])
    assert draft.starts_at == event.starts_at + timedelta(days=14)


def test_copy_page_shows_a_refusal_beside_the_form(client, organizer, past_event):
    client.force_login(organizer)
    response = client.post(copy_url(past_event), {"days": "1"})
    assert response.status_code == 200
    assert "must start in the future" in response.content.decode()
    assert Event.objects.count() == 1


@pytest.mark.parametrize("days", ["0", "-3", "nope", "99999"])
def test_copy_page_refuses_an_offset_out_of_range(client, organizer, event, days):
    client.force_login(organizer)
    assert client.post(copy_url(event), {"days": days}).status_code == 200
    assert Event.objects.count() == 1


def test_another_organizers_event_cannot_be_copied(client, other_organizer, event):
    client.force_login(other_organizer)
    assert client.get(copy_url(event)).status_code == 404
    assert client.post(copy_url(event), {"days": "7"}).status_code == 404
    assert Event.objects.count() == 1


def test_a_copy_has_the_picture_in_files_of_its_own(organizer):
    event = give_picture(EventFactory(organizer=organizer), alt="The stage at night")

    draft = services.copy_event(event=event, by=organizer, offset=timedelta(days=7))

    assert draft.image_alt == "The stage at night"
    assert draft.image_card.name != event.image_card.name
    assert draft.image_card.read() == event.image_card.read()
    assert draft.image_banner.read() == event.image_banner.read()


def test_a_copy_of_an_event_without_a_picture_has_none(organizer):
    draft = services.copy_event(
        event=EventFactory(organizer=organizer), by=organizer, offset=timedelta(days=7)
    )
    assert not draft.image_card and draft.image_alt == ""
