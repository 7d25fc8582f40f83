"""The booking rules, one test per rule: remove the rule and its test fails."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.services import delete_account
from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import assert_counter_exact, fill, make_booking
from eventhub.errors import DomainError
from events import services as event_services
from events.models import Event
from events.tests.factories import EventFactory, start_event

pytestmark = pytest.mark.django_db


def attendees(n):
    return UserFactory.create_batch(n, role="attendee")


def refresh(obj):
    obj.refresh_from_db()
    return obj


def run_then_roll_back(action):
    """Run a service inside a caller's transaction that fails afterwards."""
    with transaction.atomic():
        action()
        raise RuntimeError("the caller's transaction fails afterwards")


def waitlisted_in_order(event):
    return list(Booking.objects.filter(event=event).in_waitlist_order().values_list("pk", flat=True))


@pytest.fixture
def full_event(organizer):
    """Two seats, both taken, and three people waiting (in this order)."""
    event = EventFactory(organizer=organizer, capacity=2)
    seated = fill(event, users=attendees(2))
    waiting = fill(event, users=attendees(3))
    return event, seated, waiting


@pytest.fixture
def booking_log():
    """Records the booking service's log lines (the eventhub logger does not propagate to the root)."""
    records = []

    class Collect(logging.Handler):
        def emit(self, record):
            records.append(record)

    handler = Collect(level=logging.INFO)
    logger = logging.getLogger("eventhub.bookings")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


# book -----------------------------------------------------------------------


def test_book_confirms_and_increments_booked_seats(attendee, published_event):
    booking = services.book(user=attendee, event=published_event)

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.waitlisted_at is None
    assert refresh(published_event).booked_seats == 1
    assert_counter_exact(published_event)


def test_book_refuses_organizer_as_not_attendee(other_organizer, published_event):
    with pytest.raises(DomainError) as refused:
        services.book(user=other_organizer, event=published_event)

    assert refused.value.code == "not_attendee"
    assert not Booking.objects.exists()


def test_book_treats_someone_elses_draft_as_not_found(attendee, draft_event):
    with pytest.raises(DomainError) as refused:
        services.book(user=attendee, event=draft_event)

    assert refused.value.code == "not_found"
    assert not Booking.objects.exists()


def test_book_refuses_a_draft_that_staff_can_see_as_not_bookable(staff, draft_event):
    with pytest.raises(DomainError) as refused:
        services.book(user=staff, event=draft_event)

    assert refused.value.code == "not_bookable"
    assert not Booking.objects.exists()


def test_book_refuses_cancelled_event(attendee, organizer, published_event):
    event_services.cancel_event(event=published_event, by=organizer)

    with pytest.raises(DomainError) as refused:
        services.book(user=attendee, event=published_event)

    assert refused.value.code == "not_bookable"
    assert not Booking.objects.exists()


def test_book_refuses_started_event(attendee, published_event):
    start_event(published_event)

    with pytest.raises(DomainError) as refused:
        services.book(user=attendee, event=published_event, waitlist=True)

    assert refused.value.code == "not_bookable"
    assert not Booking.objects.exists()


def test_book_refuses_past_event(attendee, past_event):
    with pytest.raises(DomainError) as refused:
        services.book(user=attendee, event=past_event)

    assert refused.value.code == "not_bookable"


def test_book_refuses_second_booking_when_confirmed(attendee, published_event):
    make_booking(user=attendee, event=published_event)

    with pytest.raises(DomainError) as refused:
        services.book(user=attendee, event=published_event, waitlist=True)

    assert refused.value.code == "already_booked"
    assert Booking.objects.filter(user=attendee).count() == 1
    assert refresh(published_event).booked_seats == 1


def test_book_refuses_an_attendee_with_a_seat_as_already_booked_even_when_full(full_event):
    """The refusal order: already holding a place beats the event being full."""
    event, seated, _ = full_event

    with pytest.raises(DomainError) as refused:
        services.book(user=seated[0].user, event=event)

    assert refused.value.code == "already_booked"


def test_book_refuses_second_booking_when_waitlisted(full_event):
    event, _, waiting = full_event
    person = waiting[0].user

    with pytest.raises(DomainError) as refused:
        services.book(user=person, event=event, waitlist=True)

    assert refused.value.code == "already_booked"
    assert refused.value.message == "You are already on the waitlist for this event."
    assert refresh(waiting[0]).status == Booking.Status.WAITLISTED
    assert Booking.objects.filter(user=person).count() == 1


def test_book_refuses_when_full_without_waitlist_and_writes_nothing(organizer):
    event = EventFactory(organizer=organizer, capacity=2)
    fill(event, users=attendees(2))
    latecomer = UserFactory()

    with pytest.raises(DomainError) as refused:
        services.book(user=latecomer, event=event)

    assert refused.value.code == "event_full"
    assert not Booking.objects.filter(user=latecomer).exists()
    assert refresh(event).booked_seats == 2


def test_book_waitlists_when_full_with_waitlist(organizer):
    event = EventFactory(organizer=organizer, capacity=2)
    fill(event, users=attendees(2))

    booking = services.book(user=UserFactory(), event=event, waitlist=True)

    assert booking.status == Booking.Status.WAITLISTED
    assert booking.waitlisted_at is not None
    assert refresh(event).booked_seats == 2
    assert_counter_exact(event)


def test_book_with_waitlist_confirms_when_seats_are_left(attendee, published_event):
    booking = services.book(user=attendee, event=published_event, waitlist=True)

    assert booking.status == Booking.Status.CONFIRMED
    assert booking.waitlisted_at is None
    assert refresh(published_event).booked_seats == 1


def test_book_after_cancel_reactivates_the_same_row(attendee, published_event):
    first = make_booking(user=attendee, event=published_event)
    services.cancel_booking(booking=first, by=attendee)

    again = services.book(user=attendee, event=published_event)

    assert again.pk == first.pk
    assert again.status == Booking.Status.CONFIRMED
    assert again.cancelled_at is None
    assert Booking.objects.filter(event=published_event, user=attendee).count() == 1
    assert refresh(published_event).booked_seats == 1


def test_a_reactivated_booking_starts_unchecked_in(attendee, organizer, published_event):
    first = make_booking(user=attendee, event=published_event)
    services.check_in(booking=first, by=organizer)
    services.cancel_booking(booking=first, by=organizer)

    again = services.book(user=attendee, event=published_event)

    assert again.pk == first.pk
    assert refresh(again).checked_in_at is None


# cancel_booking -------------------------------------------------------------


@pytest.mark.parametrize("canceller", ["attendee", "organizer", "staff"])
def test_cancel_booking_allowed_for_owner_organizer_and_staff(request, canceller, attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)

    cancelled = services.cancel_booking(booking=booking, by=request.getfixturevalue(canceller))

    assert cancelled.status == Booking.Status.CANCELLED
    assert cancelled.cancelled_at is not None
    assert refresh(published_event).booked_seats == 0


@pytest.mark.parametrize("canceller", ["other_attendee", "other_organizer"])
def test_cancel_booking_refused_for_others(request, canceller, attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)

    with pytest.raises(DomainError) as refused:
        services.cancel_booking(booking=booking, by=request.getfixturevalue(canceller))

    assert refused.value.code == "not_allowed"
    assert refresh(booking).status == Booking.Status.CONFIRMED
    assert refresh(published_event).booked_seats == 1


def test_cancel_booking_refuses_already_cancelled(attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)
    services.cancel_booking(booking=booking, by=attendee)

    with pytest.raises(DomainError) as refused:
        services.cancel_booking(booking=booking, by=attendee)

    assert refused.value.code == "already_cancelled"
    assert refresh(published_event).booked_seats == 0


def test_owner_cannot_cancel_after_event_started(attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)
    start_event(published_event)

    with pytest.raises(DomainError) as refused:
        services.cancel_booking(booking=booking, by=attendee)

    assert refused.value.code == "not_cancellable"
    assert refresh(booking).status == Booking.Status.CONFIRMED


def test_organizer_can_cancel_after_event_started(attendee, organizer, published_event):
    booking = make_booking(user=attendee, event=published_event)
    start_event(published_event)

    services.cancel_booking(booking=booking, by=organizer)

    assert refresh(booking).status == Booking.Status.CANCELLED
    assert refresh(published_event).booked_seats == 0


def test_cancel_confirmed_promotes_oldest_waitlisted(full_event):
    event, seated, waiting = full_event

    services.cancel_booking(booking=seated[0], by=seated[0].user)

    assert [refresh(b).status for b in waiting] == ["confirmed", "waitlisted", "waitlisted"]
    assert refresh(waiting[0]).waitlisted_at is None
    assert refresh(event).booked_seats == 2
    assert_counter_exact(event)


def test_promotion_follows_waitlisted_at_not_row_order(full_event):
    _, seated, waiting = full_event
    earliest = timezone.now() - timedelta(days=1)
    Booking.objects.filter(pk=waiting[2].pk).update(waitlisted_at=earliest)

    services.cancel_booking(booking=seated[0], by=seated[0].user)

    assert refresh(waiting[2]).status == Booking.Status.CONFIRMED
    assert refresh(waiting[0]).status == Booking.Status.WAITLISTED


def test_promotion_breaks_waitlisted_at_ties_by_pk(full_event):
    event, seated, waiting = full_event
    same_moment = timezone.now() - timedelta(days=1)
    Booking.objects.filter(pk__in=[waiting[1].pk, waiting[2].pk]).update(waitlisted_at=same_moment)

    services.cancel_booking(booking=seated[0], by=seated[0].user)

    assert [refresh(b).status for b in waiting] == ["waitlisted", "confirmed", "waitlisted"]
    assert waitlisted_in_order(event) == [waiting[2].pk, waiting[0].pk]
    assert_counter_exact(event)


def test_cancel_waitlisted_leaves_counter_and_seats_alone(full_event):
    event, seated, waiting = full_event

    services.cancel_booking(booking=waiting[0], by=waiting[0].user)

    assert refresh(event).booked_seats == 2
    assert [refresh(b).status for b in seated] == ["confirmed", "confirmed"]
    assert waitlisted_in_order(event) == [waiting[1].pk, waiting[2].pk]
    assert_counter_exact(event)


def test_promotion_emails_the_promoted_person_on_commit(full_event, django_capture_on_commit_callbacks):
    event, seated, waiting = full_event
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_booking(booking=seated[0], by=seated[0].user)

    # The promoted person hears of the place; the one who left, of their cancellation; nobody else.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([waiting[0].user.email, seated[0].user.email])
    (promotion,) = [m for m in mail.outbox if m.to == [waiting[0].user.email]]
    assert event.title in promotion.subject


def test_rolled_back_cancel_sends_and_logs_nothing(
    full_event, django_capture_on_commit_callbacks, booking_log
):
    event, seated, waiting = full_event
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        run_then_roll_back(lambda: services.cancel_booking(booking=seated[0], by=seated[0].user))

    assert mail.outbox == []
    assert booking_log == []
    assert refresh(seated[0]).status == Booking.Status.CONFIRMED
    assert refresh(waiting[0]).status == Booking.Status.WAITLISTED
    assert_counter_exact(event)


def test_rolled_back_booking_logs_nothing(
    attendee, published_event, django_capture_on_commit_callbacks, booking_log
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        run_then_roll_back(lambda: services.book(user=attendee, event=published_event))

    assert booking_log == []
    assert not Booking.objects.exists()
    assert refresh(published_event).booked_seats == 0


def test_committed_booking_logs_once(
    attendee, published_event, django_capture_on_commit_callbacks, booking_log
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = services.book(user=attendee, event=published_event)

    assert [r.getMessage() for r in booking_log] == ["booking.created"]
    assert booking_log[0].event_data["booking_id"] == booking.pk


# change_capacity ------------------------------------------------------------


def test_change_capacity_refuses_below_booked_seats(organizer, published_event):
    fill(published_event, users=attendees(3))

    with pytest.raises(DomainError) as refused:
        event_services.change_capacity(event=published_event, capacity=2, by=organizer)

    assert refused.value.code == "capacity_below_booked"
    assert refused.value.field == "capacity"
    assert refresh(published_event).capacity == 10


def test_change_capacity_to_exactly_booked_seats_is_allowed(organizer, published_event):
    fill(published_event, users=attendees(3))

    event = event_services.change_capacity(event=published_event, capacity=3, by=organizer)

    assert refresh(event).capacity == 3
    assert event.is_full


@pytest.mark.parametrize("capacity", [0, -1, 100_001])
def test_change_capacity_refuses_out_of_range(organizer, published_event, capacity):
    with pytest.raises(DomainError) as refused:
        event_services.change_capacity(event=published_event, capacity=capacity, by=organizer)

    assert refused.value.code == "invalid_capacity"
    assert refused.value.field == "capacity"
    assert refresh(published_event).capacity == 10


def test_change_capacity_raise_promotes_exactly_the_new_seats_in_order(full_event, organizer):
    event, _, waiting = full_event

    event_services.change_capacity(event=event, capacity=4, by=organizer)

    assert [refresh(b).status for b in waiting] == ["confirmed", "confirmed", "waitlisted"]
    assert refresh(event).booked_seats == 4
    assert_counter_exact(event)


@pytest.mark.parametrize("by", ["attendee", "other_organizer"])
def test_change_capacity_only_for_organizer_or_staff(request, by, published_event):
    with pytest.raises(DomainError) as refused:
        event_services.change_capacity(event=published_event, capacity=20, by=request.getfixturevalue(by))

    assert refused.value.code == "not_allowed"
    assert refresh(published_event).capacity == 10


def test_change_capacity_by_staff(staff, published_event):
    event_services.change_capacity(event=published_event, capacity=20, by=staff)

    assert refresh(published_event).capacity == 20


# cancel_event ---------------------------------------------------------------


def test_cancel_event_closes_booking_and_keeps_bookings_as_they_were(full_event, organizer):
    event, seated, waiting = full_event

    event_services.cancel_event(event=event, by=organizer)

    assert refresh(event).status == Event.Status.CANCELLED
    assert [refresh(b).status for b in seated + waiting] == ["confirmed"] * 2 + ["waitlisted"] * 3
    assert event.booked_seats == 2
    with pytest.raises(DomainError) as refused:
        services.book(user=UserFactory(), event=event, waitlist=True)
    assert refused.value.code == "not_bookable"


def test_cancel_event_refuses_already_cancelled(organizer, published_event):
    event_services.cancel_event(event=published_event, by=organizer)

    with pytest.raises(DomainError) as refused:
        event_services.cancel_event(event=published_event, by=organizer)

    assert refused.value.code == "already_cancelled"


@pytest.mark.parametrize("by", ["attendee", "other_organizer"])
def test_cancel_event_only_for_organizer_or_staff(request, by, published_event):
    with pytest.raises(DomainError) as refused:
        event_services.cancel_event(event=published_event, by=request.getfixturevalue(by))

    assert refused.value.code == "not_allowed"
    assert refresh(published_event).status == Event.Status.PUBLISHED


def test_cancel_event_by_staff(staff, published_event):
    event_services.cancel_event(event=published_event, by=staff)

    assert refresh(published_event).status == Event.Status.CANCELLED


def test_no_promotion_on_a_cancelled_event(full_event, organizer):
    event, seated, waiting = full_event
    event_services.cancel_event(event=event, by=organizer)

    services.cancel_booking(booking=seated[0], by=seated[0].user)
    event_services.change_capacity(event=event, capacity=5, by=organizer)

    assert [refresh(b).status for b in waiting] == ["waitlisted"] * 3
    assert refresh(event).booked_seats == 1
    assert_counter_exact(event)


# check_in -------------------------------------------------------------------


def test_check_in_sets_checked_in_at(attendee, organizer, published_event):
    booking = make_booking(user=attendee, event=published_event)

    checked = services.check_in(booking=booking, by=organizer)

    assert checked.checked_in_at is not None
    assert refresh(booking).checked_in_at == checked.checked_in_at


def test_check_in_by_staff(attendee, staff, published_event):
    booking = make_booking(user=attendee, event=published_event)

    assert services.check_in(booking=booking, by=staff).checked_in_at is not None


def test_check_in_refuses_waitlisted(full_event, organizer):
    _, _, waiting = full_event

    with pytest.raises(DomainError) as refused:
        services.check_in(booking=waiting[0], by=organizer)

    assert refused.value.code == "not_confirmed"
    assert refresh(waiting[0]).checked_in_at is None


def test_check_in_refuses_cancelled(attendee, organizer, published_event):
    booking = make_booking(user=attendee, event=published_event)
    services.cancel_booking(booking=booking, by=attendee)

    with pytest.raises(DomainError) as refused:
        services.check_in(booking=booking, by=organizer)

    assert refused.value.code == "ticket_cancelled"


@pytest.mark.parametrize("by", ["attendee", "other_attendee", "other_organizer"])
def test_check_in_only_for_organizer_or_staff(request, by, attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)

    with pytest.raises(DomainError) as refused:
        services.check_in(booking=booking, by=request.getfixturevalue(by))

    assert refused.value.code == "not_allowed"
    assert refresh(booking).checked_in_at is None


# cancel_all_bookings_of and delete_account ----------------------------------


def test_cancel_all_bookings_of_frees_seats_and_promotes(organizer, attendee):
    events = [EventFactory(organizer=organizer, capacity=1) for _ in range(3)]
    make_booking(user=attendee, event=events[0])
    make_booking(user=attendee, event=events[1])
    waiting = make_booking(user=UserFactory(), event=events[0], waitlist=True)
    fill(events[2], users=attendees(1))
    own_waitlisted = make_booking(user=attendee, event=events[2], waitlist=True)

    assert services.cancel_all_bookings_of(user=attendee, by=attendee) == 3

    assert not Booking.objects.filter(user=attendee).active().exists()
    assert refresh(waiting).status == Booking.Status.CONFIRMED
    assert refresh(own_waitlisted).status == Booking.Status.CANCELLED
    assert [refresh(e).booked_seats for e in events] == [1, 0, 1]
    for event in events:
        assert_counter_exact(event)


def test_delete_account_gives_seats_back_promotes_and_deletes(organizer, attendee):
    event = EventFactory(organizer=organizer, capacity=1)
    make_booking(user=attendee, event=event)
    waiting = make_booking(user=UserFactory(), event=event, waitlist=True)

    delete_account(user=attendee, by=attendee)

    assert not type(attendee).objects.filter(pk=attendee.pk).exists()
    assert not Booking.objects.filter(user_id=attendee.pk).exists()
    assert refresh(waiting).status == Booking.Status.CONFIRMED
    assert refresh(event).booked_seats == 1
    assert_counter_exact(event)


def test_delete_account_keeps_other_peoples_cancelled_bookings(attendee, published_event):
    other = make_booking(user=UserFactory(), event=published_event)
    services.cancel_booking(booking=other, by=other.user)
    make_booking(user=attendee, event=published_event)

    delete_account(user=attendee, by=attendee)

    assert refresh(other).status == Booking.Status.CANCELLED


def test_delete_account_refuses_an_organizer_with_events(organizer, published_event):
    with pytest.raises(DomainError) as refused:
        delete_account(user=organizer, by=organizer)

    assert refused.value.code == "has_events"
    assert type(organizer).objects.filter(pk=organizer.pk).exists()


def test_delete_account_of_organizer_without_events(other_organizer):
    delete_account(user=other_organizer, by=other_organizer)

    assert not type(other_organizer).objects.filter(pk=other_organizer.pk).exists()


def test_delete_account_by_staff(attendee, staff):
    delete_account(user=attendee, by=staff)

    assert not type(attendee).objects.filter(pk=attendee.pk).exists()


@pytest.mark.parametrize("by", ["other_attendee", "organizer"])
def test_delete_account_refused_for_others(request, by, attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)

    with pytest.raises(DomainError) as refused:
        delete_account(user=attendee, by=request.getfixturevalue(by))

    assert refused.value.code == "not_allowed"
    assert refresh(booking).status == Booking.Status.CONFIRMED


def test_delete_account_that_fails_cancels_nothing(attendee, published_event, monkeypatch):
    booking = services.book(user=attendee, event=published_event)

    def refuse(*args, **kwargs):
        raise RuntimeError("storage failure")

    monkeypatch.setattr(type(attendee), "delete", refuse)
    with pytest.raises(RuntimeError):
        delete_account(user=attendee, by=attendee)

    booking.refresh_from_db()
    published_event.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert published_event.booked_seats == 1
