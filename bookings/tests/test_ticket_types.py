"""The booking rules for ticket types and numbered seats: remove a rule and its test fails."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import fill, make_booking
from eventhub.errors import DomainError, ErrorCode
from events.models import Event, Seat, TicketType
from events.services import (
    SeatLayout,
    change_capacity,
    change_ticket_type_capacity,
    create_ticket_type,
    set_seats_blocked,
)
from events.tests.factories import EventFactory, start_event
from payments.tests.factories import pay

pytestmark = pytest.mark.django_db


def attendees(n):
    return UserFactory.create_batch(n, role="attendee")


def refreshed(*objs):
    for obj in objs:
        obj.refresh_from_db()
    return objs


def seat(ticket_type, label):
    """The seat "C12" of a type."""
    return Seat.objects.get(ticket_type=ticket_type, row=label[0], number=int(label[1:]))


def refused(code, action):
    with pytest.raises(DomainError) as refusal:
        action()
    assert refusal.value.code == code
    return refusal.value


def assert_counters_exact(event):
    """Every counter equals its rows and every seat's flag its holders (the command's check)."""
    assert services.counter_mismatches() == []
    event.refresh_from_db()
    assert 0 <= event.booked_seats <= event.capacity


@pytest.fixture
def tiers(organizer):
    """An event capped at 5 selling General (4, free) and VIP (2, 25.00): the types add up to more."""
    event = EventFactory(organizer=organizer, capacity=5, ticket_types=True)
    general = create_ticket_type(event=event, by=organizer, name="General", capacity=4)
    vip = create_ticket_type(event=event, by=organizer, name="VIP", capacity=2, price=Decimal("25.00"))
    return event, general, vip


@pytest.fixture
def hall(organizer):
    """A seated type of rows A-B with seats 1-5, seat 3 left out (an aisle): 8 seats."""
    event = EventFactory(organizer=organizer, capacity=100)
    stalls = create_ticket_type(
        event=event,
        by=organizer,
        name="Stalls",
        layout=SeatLayout(rows=2, seats_per_row=5, gaps=frozenset({3})),
    )
    return event, stalls


# Choosing a type --------------------------------------------------------------


def test_book_counts_the_booking_against_its_type_and_its_event(attendee, tiers):
    event, general, vip = tiers

    booking = make_booking(user=attendee, event=event, ticket_type=vip)

    assert booking.ticket_type == vip
    refreshed(event, vip, general)
    assert (event.booked_seats, vip.booked_seats, general.booked_seats) == (1, 1, 0)
    assert_counters_exact(event)


def test_book_without_a_type_takes_the_events_only_type(attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)

    assert booking.ticket_type == published_event.ticket_types.get()


def test_book_without_a_type_refuses_when_several_are_on_sale(attendee, tiers):
    event, _, _ = tiers

    refusal = refused(ErrorCode.TICKET_TYPE_REQUIRED, lambda: make_booking(user=attendee, event=event))

    assert refusal.field == "ticket_type"
    assert not Booking.objects.exists()


def test_book_without_a_type_takes_the_one_still_on_sale(attendee, tiers):
    event, general, vip = tiers
    TicketType.objects.filter(pk=general.pk).update(sales_end=timezone.now() - timedelta(minutes=1))

    assert make_booking(user=attendee, event=event).ticket_type == vip


def test_book_refuses_a_type_of_another_event(attendee, tiers, published_event):
    event, _, _ = tiers
    elsewhere = published_event.ticket_types.get()

    refused(
        ErrorCode.INVALID_TICKET_TYPE, lambda: make_booking(user=attendee, event=event, ticket_type=elsewhere)
    )
    assert not Booking.objects.exists()


def test_book_refuses_a_type_before_its_sales_start(attendee, tiers):
    event, _, vip = tiers
    TicketType.objects.filter(pk=vip.pk).update(sales_start=timezone.now() + timedelta(days=1))

    refusal = refused(
        ErrorCode.NOT_ON_SALE, lambda: make_booking(user=attendee, event=event, ticket_type=vip)
    )
    assert "go on sale on" in refusal.message


def test_book_refuses_a_type_after_its_sales_end(attendee, tiers):
    event, _, vip = tiers
    TicketType.objects.filter(pk=vip.pk).update(sales_end=timezone.now() - timedelta(seconds=1))

    refusal = refused(
        ErrorCode.NOT_ON_SALE, lambda: make_booking(user=attendee, event=event, ticket_type=vip)
    )
    assert "no longer on sale" in refusal.message


def test_book_refuses_a_full_type_while_the_event_has_room(tiers):
    event, _, vip = tiers
    fill(event, users=attendees(2), ticket_type=vip)

    refused(
        ErrorCode.TICKET_TYPE_FULL, lambda: make_booking(user=attendees(1)[0], event=event, ticket_type=vip)
    )
    assert_counters_exact(event)


def test_book_refuses_when_the_event_cap_binds_before_the_type(tiers):
    event, general, vip = tiers
    fill(event, users=attendees(4), ticket_type=general)
    make_booking(user=attendees(1)[0], event=event, ticket_type=vip)  # the fifth and last place

    refused(ErrorCode.EVENT_FULL, lambda: make_booking(user=attendees(1)[0], event=event, ticket_type=vip))
    assert_counters_exact(event)


def test_book_waitlists_for_a_full_type_when_asked(tiers):
    event, _, vip = tiers
    fill(event, users=attendees(2), ticket_type=vip)

    waiting = make_booking(user=attendees(1)[0], event=event, ticket_type=vip, waitlist=True)

    assert (waiting.status, waiting.ticket_type, waiting.seat) == (Booking.Status.WAITLISTED, vip, None)
    assert_counters_exact(event)


# Numbered seats ---------------------------------------------------------------


def test_a_layout_makes_rows_from_a_with_the_gaps_left_out(hall):
    _, stalls = hall

    labels = [s.code for s in stalls.seats.all()]

    assert labels == ["A1", "A2", "A4", "A5", "B1", "B2", "B4", "B5"]
    assert stalls.capacity == 8 and stalls.seated


def test_book_a_chosen_seat_holds_it(attendee, hall):
    event, stalls = hall
    chosen = seat(stalls, "B4")

    booking = make_booking(user=attendee, event=event, ticket_type=stalls, seat=chosen)

    assert booking.seat == chosen
    assert refreshed(chosen)[0].held
    assert_counters_exact(event)


def test_book_a_taken_seat_is_refused_naming_the_nearest_free_ones(hall):
    event, stalls = hall
    make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, seat=seat(stalls, "A2"))

    refusal = refused(
        ErrorCode.SEAT_TAKEN,
        lambda: make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, seat=seat(stalls, "A2")),
    )

    assert refusal.message == ("Row A, seat 2 has just been taken. Free seats nearby: A1, A4, A5.")
    assert_counters_exact(event)


def test_book_a_blocked_seat_is_refused(attendee, organizer, hall):
    event, stalls = hall
    set_seats_blocked(ticket_type=stalls, seat_ids=[seat(stalls, "A1").pk], blocked=True, by=organizer)

    refused(
        ErrorCode.INVALID_SEAT,
        lambda: make_booking(user=attendee, event=event, ticket_type=stalls, seat=seat(stalls, "A1")),
    )


def test_book_a_seat_of_another_type_is_refused(attendee, organizer, hall):
    event, stalls = hall
    balcony = create_ticket_type(
        event=event, by=organizer, name="Balcony", layout=SeatLayout(rows=1, seats_per_row=2)
    )

    refused(
        ErrorCode.INVALID_SEAT,
        lambda: make_booking(user=attendee, event=event, ticket_type=stalls, seat=seat(balcony, "A1")),
    )


def test_book_a_seat_with_a_type_without_seats_is_refused(attendee, organizer, hall):
    event, stalls = hall
    standing = create_ticket_type(event=event, by=organizer, name="Standing", capacity=10)

    refused(
        ErrorCode.INVALID_SEAT,
        lambda: make_booking(user=attendee, event=event, ticket_type=standing, seat=seat(stalls, "A1")),
    )


def test_book_without_a_seat_gets_the_first_row_and_keeps_groups_together(organizer):
    event = EventFactory(organizer=organizer, capacity=100)
    stalls = create_ticket_type(
        event=event, by=organizer, name="Stalls", layout=SeatLayout(rows=2, seats_per_row=8)
    )
    for label in ("A1", "A3", "A6"):  # row A's free runs: 2, 4-5, 7-8
        make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, seat=seat(stalls, label))

    given = make_booking(user=attendees(1)[0], event=event, ticket_type=stalls).seat

    assert given.code == "A4"  # the first of the longest free run in the nearest row


def test_book_without_a_seat_moves_back_a_row_when_the_first_is_full(hall):
    event, stalls = hall
    fill(event, users=attendees(4), ticket_type=stalls)

    given = make_booking(user=attendees(1)[0], event=event, ticket_type=stalls).seat

    assert given.code == "B1"


def test_a_seated_type_with_only_blocked_seats_left_is_full(organizer, hall):
    event, stalls = hall
    fill(event, users=attendees(7), ticket_type=stalls)
    last = Seat.objects.get(ticket_type=stalls, held=False)
    set_seats_blocked(ticket_type=stalls, seat_ids=[last.pk], blocked=True, by=organizer)

    refused(
        ErrorCode.TICKET_TYPE_FULL,
        lambda: make_booking(user=attendees(1)[0], event=event, ticket_type=stalls),
    )
    assert_counters_exact(event)


def test_blocking_a_held_seat_is_refused(attendee, organizer, hall):
    event, stalls = hall
    booking = make_booking(user=attendee, event=event, ticket_type=stalls)

    refused(
        ErrorCode.SEAT_TAKEN,
        lambda: set_seats_blocked(ticket_type=stalls, seat_ids=[booking.seat_id], blocked=True, by=organizer),
    )
    assert not Seat.objects.filter(blocked=True).exists()


def test_cancel_frees_the_seat_and_both_counters(attendee, hall):
    event, stalls = hall
    booking = make_booking(user=attendee, event=event, ticket_type=stalls, seat=seat(stalls, "A4"))

    services.cancel_booking(booking=booking, by=attendee)

    assert not refreshed(seat(stalls, "A4"))[0].held
    refreshed(event, stalls)
    assert (event.booked_seats, stalls.booked_seats) == (0, 0)
    assert Booking.objects.get().seat.label == "Row A, seat 4"  # kept on record
    assert_counters_exact(event)


def test_a_cancelled_seat_can_be_booked_again(attendee, hall):
    event, stalls = hall
    first = make_booking(user=attendee, event=event, ticket_type=stalls, seat=seat(stalls, "A4"))
    services.cancel_booking(booking=first, by=attendee)

    again = make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, seat=seat(stalls, "A4"))

    assert again.seat == seat(stalls, "A4")
    assert_counters_exact(event)


# The waitlist across types ---------------------------------------------------


def test_cancel_promotes_the_oldest_waitlisted_booking_of_the_same_type(tiers):
    event, _, vip = tiers
    seated = fill(event, users=attendees(2), ticket_type=vip)
    waiting_vip = make_booking(user=attendees(1)[0], event=event, ticket_type=vip, waitlist=True)

    services.cancel_booking(booking=seated[0], by=seated[0].user)

    # VIP is priced: the promoted booking holds the place until it is paid for.
    assert refreshed(waiting_vip)[0].status == Booking.Status.PENDING
    assert waiting_vip.hold_expires_at is not None
    assert_counters_exact(event)


def test_a_freed_place_of_a_full_type_skips_people_waiting_for_another_full_type(tiers):
    event, general, vip = tiers
    holders = fill(event, users=attendees(4), ticket_type=general)
    fill(event, users=attendees(1), ticket_type=vip)  # event full now: 5 of 5
    waiting_vip = make_booking(user=attendees(1)[0], event=event, ticket_type=vip, waitlist=True)
    waiting_general = make_booking(user=attendees(1)[0], event=event, ticket_type=general, waitlist=True)

    services.cancel_booking(booking=holders[0], by=holders[0].user)

    # The event cap was binding: the oldest in line whose type has room gets the place, across types
    # (held for payment: VIP is priced).
    assert refreshed(waiting_vip)[0].status == Booking.Status.PENDING
    assert refreshed(waiting_general)[0].status == Booking.Status.WAITLISTED
    assert_counters_exact(event)


def test_promotion_skips_a_waiting_type_that_is_still_full(tiers):
    event, general, vip = tiers
    fill(event, users=attendees(2), ticket_type=vip)
    holders = fill(event, users=attendees(3), ticket_type=general)  # event full: 5 of 5
    waiting_vip = make_booking(user=attendees(1)[0], event=event, ticket_type=vip, waitlist=True)
    waiting_general = make_booking(user=attendees(1)[0], event=event, ticket_type=general, waitlist=True)

    services.cancel_booking(booking=holders[0], by=holders[0].user)

    assert refreshed(waiting_vip)[0].status == Booking.Status.WAITLISTED  # VIP is still 2 of 2
    assert refreshed(waiting_general)[0].status == Booking.Status.CONFIRMED
    assert_counters_exact(event)


def test_a_promoted_seated_booking_gets_the_best_free_seat(hall, organizer):
    event, stalls = hall
    change_capacity(event=event, capacity=8, by=organizer)
    holders = fill(event, users=attendees(8), ticket_type=stalls)
    waiting = make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, waitlist=True)

    services.cancel_booking(booking=holders[5], by=holders[5].user)

    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED
    assert waiting.seat == holders[5].seat
    assert_counters_exact(event)


def test_raising_a_types_capacity_serves_its_waitlist_in_order(tiers, organizer):
    event, _, vip = tiers
    fill(event, users=attendees(2), ticket_type=vip)
    waiting = fill(event, users=attendees(2), ticket_type=vip)

    change_ticket_type_capacity(ticket_type=vip, capacity=3, by=organizer)

    assert [refreshed(b)[0].status for b in waiting] == [Booking.Status.PENDING, Booking.Status.WAITLISTED]
    assert_counters_exact(event)


def test_a_types_capacity_cannot_drop_below_its_booked_tickets(tiers, organizer):
    event, _, vip = tiers
    fill(event, users=attendees(2), ticket_type=vip)

    refused(
        ErrorCode.CAPACITY_BELOW_BOOKED,
        lambda: change_ticket_type_capacity(ticket_type=vip, capacity=1, by=organizer),
    )
    assert refreshed(vip)[0].capacity == 2


def test_a_seated_types_capacity_is_its_seats(hall, organizer):
    _, stalls = hall

    refused(
        ErrorCode.INVALID_CAPACITY,
        lambda: change_ticket_type_capacity(ticket_type=stalls, capacity=20, by=organizer),
    )


def test_the_only_type_follows_the_events_capacity(organizer, published_event):
    change_capacity(event=published_event, capacity=25, by=organizer)

    assert published_event.ticket_types.get().capacity == 25


def test_a_type_smaller_than_its_event_keeps_its_own_capacity(organizer, tiers):
    event, _, vip = tiers
    TicketType.objects.filter(event=event).exclude(pk=vip.pk).delete()

    change_capacity(event=event, capacity=50, by=organizer)

    assert refreshed(vip)[0].capacity == 2


# Moving to another type or seat ----------------------------------------------


def test_change_ticket_type_moves_the_place_and_both_type_counters(attendee, organizer, tiers):
    event, general, _ = tiers
    standing = create_ticket_type(event=event, by=organizer, name="Standing", capacity=2)
    booking = make_booking(user=attendee, event=event, ticket_type=general)

    services.change_ticket_type(booking=booking, ticket_type=standing, by=attendee)

    refreshed(booking, general, standing, event)
    assert booking.ticket_type == standing
    assert (general.booked_seats, standing.booked_seats, event.booked_seats) == (0, 1, 1)
    assert_counters_exact(event)


def test_the_owner_cannot_move_to_a_type_of_another_price_but_the_organizer_can(attendee, organizer, tiers):
    event, general, vip = tiers
    booking = make_booking(user=attendee, event=event, ticket_type=general)

    refusal = refused(
        ErrorCode.INVALID_TICKET_TYPE,
        lambda: services.change_ticket_type(booking=booking, ticket_type=vip, by=attendee),
    )
    assert "different price" in refusal.message
    assert refreshed(booking)[0].ticket_type == general

    services.change_ticket_type(booking=booking, ticket_type=vip, by=organizer)
    assert refreshed(booking)[0].ticket_type == vip
    assert_counters_exact(event)


def test_change_ticket_type_to_a_full_type_changes_nothing(attendee, tiers):
    event, general, vip = tiers
    fill(event, users=attendees(2), ticket_type=vip)
    booking = make_booking(user=attendee, event=event, ticket_type=general)

    refused(
        ErrorCode.TICKET_TYPE_FULL,
        lambda: services.change_ticket_type(booking=booking, ticket_type=vip, by=attendee),
    )

    assert refreshed(booking)[0].ticket_type == general
    assert_counters_exact(event)


def test_change_to_a_taken_seat_keeps_the_old_seat(hall):
    event, stalls = hall
    mine = make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, seat=seat(stalls, "A1"))
    make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, seat=seat(stalls, "A2"))

    refused(
        ErrorCode.SEAT_TAKEN,
        lambda: services.change_ticket_type(
            booking=mine, ticket_type=stalls, seat=seat(stalls, "A2"), by=mine.user
        ),
    )

    assert refreshed(mine)[0].seat == seat(stalls, "A1")
    assert_counters_exact(event)


def test_change_seat_frees_the_old_one(hall):
    event, stalls = hall
    mine = make_booking(user=attendees(1)[0], event=event, ticket_type=stalls, seat=seat(stalls, "A1"))

    services.change_ticket_type(booking=mine, ticket_type=stalls, seat=seat(stalls, "B5"), by=mine.user)

    assert refreshed(mine)[0].seat == seat(stalls, "B5")
    assert not seat(stalls, "A1").held and seat(stalls, "B5").held
    assert_counters_exact(event)


def test_moving_off_a_full_type_serves_its_waitlist(organizer, tiers):
    event, _, vip = tiers
    box = create_ticket_type(event=event, by=organizer, name="Box", capacity=1, price=vip.price)
    movers = fill(event, users=attendees(2), ticket_type=vip)
    for mover in movers:
        pay(mover)
    waiting = make_booking(user=attendees(1)[0], event=event, ticket_type=vip, waitlist=True)

    services.change_ticket_type(booking=movers[0], ticket_type=box, by=movers[0].user)

    assert refreshed(waiting)[0].status == Booking.Status.PENDING  # promoted, held for payment
    assert_counters_exact(event)


def test_asking_for_the_place_one_holds_changes_nothing(attendee, hall):
    event, stalls = hall
    booking = make_booking(user=attendee, event=event, ticket_type=stalls, seat=seat(stalls, "A1"))

    services.change_ticket_type(booking=booking, ticket_type=stalls, seat=seat(stalls, "A1"), by=attendee)

    assert refreshed(booking)[0].seat == seat(stalls, "A1")
    assert_counters_exact(event)


def test_only_the_owner_or_the_organizer_moves_a_booking(attendee, other_attendee, organizer, tiers):
    event, general, vip = tiers
    booking = make_booking(user=attendee, event=event, ticket_type=general)

    refused(
        ErrorCode.NOT_ALLOWED,
        lambda: services.change_ticket_type(booking=booking, ticket_type=vip, by=other_attendee),
    )
    services.change_ticket_type(booking=booking, ticket_type=vip, by=organizer)

    assert refreshed(booking)[0].ticket_type == vip


def test_a_waitlisted_booking_cannot_move(tiers):
    event, general, vip = tiers
    fill(event, users=attendees(2), ticket_type=vip)
    waiting = make_booking(user=attendees(1)[0], event=event, ticket_type=vip, waitlist=True)

    refused(
        ErrorCode.NOT_CONFIRMED,
        lambda: services.change_ticket_type(booking=waiting, ticket_type=general, by=waiting.user),
    )


def test_the_owner_cannot_move_once_the_event_started_but_the_organizer_can(attendee, organizer, tiers):
    event, general, vip = tiers
    booking = make_booking(user=attendee, event=event, ticket_type=general)
    start_event(event)

    refused(
        ErrorCode.NOT_BOOKABLE,
        lambda: services.change_ticket_type(booking=booking, ticket_type=vip, by=attendee),
    )
    services.change_ticket_type(booking=booking, ticket_type=vip, by=organizer)


def test_the_owner_cannot_move_to_a_type_off_sale(attendee, tiers):
    event, general, vip = tiers
    booking = make_booking(user=attendee, event=event, ticket_type=general)
    TicketType.objects.filter(pk=vip.pk).update(sales_end=timezone.now() - timedelta(seconds=1))

    refused(
        ErrorCode.NOT_ON_SALE,
        lambda: services.change_ticket_type(booking=booking, ticket_type=vip, by=attendee),
    )


# Types the organizer manages ---------------------------------------------------


def test_create_event_gives_it_a_free_general_admission_of_its_capacity(organizer):
    from events.services import create_event

    starts = timezone.now() + timedelta(days=3)
    event = create_event(
        organizer=organizer,
        title="Talk",
        location="Hall",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=40,
    )

    (only,) = event.ticket_types.all()
    assert (only.name, only.price, only.capacity, only.seated) == (
        "General admission",
        Decimal("0.00"),
        40,
        False,
    )


def test_a_type_with_bookings_cannot_be_deleted(attendee, organizer, tiers):
    from events.services import delete_ticket_type

    event, _, vip = tiers
    make_booking(user=attendee, event=event, ticket_type=vip)

    refused(ErrorCode.HAS_BOOKINGS, lambda: delete_ticket_type(ticket_type=vip, by=organizer))
    assert TicketType.objects.filter(pk=vip.pk).exists()


def test_the_last_type_cannot_be_deleted(organizer, published_event):
    from events.services import delete_ticket_type

    only = published_event.ticket_types.get()

    refused(ErrorCode.LAST_TICKET_TYPE, lambda: delete_ticket_type(ticket_type=only, by=organizer))


def test_a_hall_with_bookings_cannot_be_redrawn(attendee, organizer, hall):
    from events.services import lay_out_seats

    event, stalls = hall
    make_booking(user=attendee, event=event, ticket_type=stalls)

    refused(
        ErrorCode.HAS_BOOKINGS,
        lambda: lay_out_seats(ticket_type=stalls, layout=SeatLayout(rows=1, seats_per_row=2), by=organizer),
    )
    assert stalls.seats.count() == 8


@pytest.mark.parametrize(
    "layout",
    [
        SeatLayout(rows=0, seats_per_row=5),
        SeatLayout(rows=3, seats_per_row=0),
        SeatLayout(rows=2, seats_per_row=2, gaps=frozenset({1, 2})),
        SeatLayout(rows=200, seats_per_row=501),
    ],
)
def test_impossible_layouts_are_refused(organizer, published_event, layout):
    refused(
        ErrorCode.INVALID_LAYOUT,
        lambda: create_ticket_type(event=published_event, by=organizer, name="Hall", layout=layout),
    )


def test_only_the_organizer_or_staff_manage_types(other_organizer, attendee, published_event):
    for by in (other_organizer, attendee):
        refused(
            ErrorCode.NOT_ALLOWED,
            lambda by=by: create_ticket_type(event=published_event, by=by, name="VIP", capacity=3),
        )


def test_a_type_needs_a_capacity_unless_seated(organizer, published_event):
    refusal = refused(
        ErrorCode.INVALID_CAPACITY,
        lambda: create_ticket_type(event=published_event, by=organizer, name="VIP"),
    )
    assert refusal.field == "capacity"


def test_an_event_has_a_currency_from_the_setting(settings, organizer):
    settings.DEFAULT_CURRENCY = "GBP"

    assert EventFactory(organizer=organizer).currency == "GBP"
    assert Event.objects.filter(currency="GBP").count() == 1


def test_an_event_is_priced_in_the_currency_it_was_created_with(organizer):
    from events.services import create_event

    starts = timezone.now() + timedelta(days=3)
    event = create_event(
        organizer=organizer,
        title="Gig",
        location="Club",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        capacity=40,
        currency="GBP",
    )

    assert event.currency == "GBP"


def test_the_currency_changes_until_someone_books(attendee, organizer, published_event):
    from events.services import update_event

    update_event(event=published_event, by=organizer, currency="USD")
    make_booking(user=attendee, event=published_event)

    refusal = refused(
        ErrorCode.HAS_BOOKINGS, lambda: update_event(event=published_event, by=organizer, currency="GBP")
    )
    assert refusal.field == "currency"
    assert refreshed(published_event)[0].currency == "USD"
