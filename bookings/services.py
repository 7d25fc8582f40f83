"""The booking service: the only code that writes a booking's status or Event.booked_seats.

Every function here follows the same recipe (see the README, "How an event is
never overbooked"):

1. open a transaction;
2. lock the event row with ``select_for_update`` before reading anything the
   decision depends on (on SQLite the IMMEDIATE transaction holds the write
   lock from BEGIN instead);
3. decide from the locked row's ``booked_seats`` and ``capacity`` — never by
   counting bookings, so the cost of one booking stays flat;
4. write the booking and move the counter with an ``F()`` expression; commit.

Refusals are ``DomainError`` with a stable code. Side effects (log lines,
emails) run on commit, so a rolled-back booking leaves no trace.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, OuterRef, ProtectedError, Q, Subquery
from django.utils import timezone

from bookings.models import Answer, Booking
from bookings.signals import booking_cancelled, booking_status_changed
from bookings.tickets import code_from_scan, new_ticket_code
from eventhub.errors import DomainError, ErrorCode, raise_if
from events.locks import event_not_found, lock_event, lock_events
from events.models import Event, Question, Seat, TicketType
from events.selectors import best_free_seat, nearest_free_seats, questions_for
from events.services import ensure_manages

logger = logging.getLogger("eventhub.bookings")


def _booking_of_locked_event(booking_id: int, event_id: int) -> Booking:
    """Re-read a booking after its event is locked: the event's lock guards every booking of it.

    Raises ``not_found`` when it is gone (its account was deleted meanwhile).
    """
    booking = Booking.objects.select_related("user").filter(pk=booking_id, event_id=event_id).first()
    if booking is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This booking does not exist.")
    return booking


def _move_counters(event: Event, ticket_type: TicketType, delta: int) -> None:
    """Move the event's and the type's counters together, in SQL, mirroring the locked rows we hold."""
    Event.objects.filter(pk=event.pk).update(booked_seats=F("booked_seats") + delta)
    TicketType.objects.filter(pk=ticket_type.pk).update(booked_seats=F("booked_seats") + delta)
    event.booked_seats += delta
    ticket_type.booked_seats += delta


def _hold_seat(seat: Seat | None, held: bool) -> None:
    if seat is not None:
        Seat.objects.filter(pk=seat.pk).update(held=held)
        seat.held = held


def _log(action: str, booking: Booking, **extra) -> None:
    fields = {
        "action": action,
        "booking_id": booking.pk,
        "event_id": booking.event_id,
        "user_id": booking.user_id,
        "status": booking.status,
        **extra,
    }
    transaction.on_commit(lambda: logger.info(action, extra={"event_data": fields}))


def booking_refusal(*, user, event: Event) -> DomainError | None:
    """Why ``user`` cannot book ``event`` right now, or None. Pages use it to pick their button."""
    if not event.is_visible_to(user):
        return event_not_found()  # someone else's draft does not exist, for anyone, whatever their role
    if not user.is_authenticated or not user.is_attendee:
        return DomainError(ErrorCode.NOT_ATTENDEE, "Only attendees can book seats.")
    closed = event.booking_closed_reason()
    return DomainError(ErrorCode.NOT_BOOKABLE, closed) if closed else None


def _lock_event_noting_booking(event_id: int, user) -> Event:
    """Lock the event row and, in the same statement, note ``user``'s booking status on it.

    The noted ``held_status`` comes from the statement's snapshot, which on
    PostgreSQL may predate the wait for the lock. It is used to refuse
    (already_booked, event_full), where a racing double click changes no more
    than which refusal is given, and to skip reading a booking that was not
    there (``_booking_row``: a double click inserting twice breaks a constraint,
    and ``book`` tries again). Saves a round trip on the most common answer of a
    flash sale, "full", and on every new booking.
    """
    held = Booking.objects.filter(event=OuterRef("pk"), user=user).values("status")[:1]
    return lock_event(event_id, also_read={"held_status": Subquery(held)})


def book(
    *,
    user,
    event: Event,
    ticket_type: TicketType | None = None,
    seat: Seat | None = None,
    waitlist: bool = False,
    answers: Mapping | None = None,
) -> Booking:
    """Give ``user`` a ticket of ``ticket_type`` at ``event`` (and ``seat``, or the best free one, when
    the type is seated), or a waitlist place for that type when it or the event is full and they asked.

    Guarantees: never more confirmed bookings than the event's capacity or the
    type's, never a seat sold twice, however many requests race; one booking
    row per person and event (a cancelled one is re-activated). ``ticket_type``
    may be left out when the event has exactly one type on sale. Only the pks
    of ``event``, ``ticket_type`` and ``seat`` are used: the rows are read under
    the event's lock, so a caller holding just ids passes ``Event(pk=id)``.

    The booking returned carries ``status_before``: its status before this call, None for a row
    created by it.

    ``answers`` maps question ids to answers, stored with the booking. Answers
    given are checked before the lock is taken (a required question left blank,
    or an answer that does not fit, refuses with ``invalid_answers``). A booking
    sent without answers learns whether the event asks anything from the locked
    row (``Event.asks_questions``), so the flash sale's "full" still costs one
    statement; only for an event that does ask are its questions read, under the lock.
    """
    ticket_type_id = ticket_type.pk if ticket_type else None
    checked = (
        _checked_answers(event_id=event.pk, ticket_type_id=ticket_type_id, answers=answers)
        if answers
        else None
    )
    choice = _Choice(
        ticket_type_id=ticket_type_id, seat_id=seat.pk if seat else None, waitlist=waitlist, answers=checked
    )
    try:
        return _book(user=user, event_id=event.pk, choice=choice)
    except IntegrityError:
        pass  # most likely the same person's double click committed first: see it under a new lock
    try:
        return _book(user=user, event_id=event.pk, choice=choice)
    except IntegrityError:
        refusal = _gone(user=user, event_id=event.pk)
        if refusal is None:
            raise
        raise refusal from None


@dataclass(frozen=True)
class _Choice:
    """What the buyer asked for, as ids to be read under the lock."""

    ticket_type_id: int | None
    seat_id: int | None
    waitlist: bool
    answers: "_Answers | None"  # None: none were given


def _gone(*, user, event_id: int) -> DomainError | None:
    """Why a booking's commit broke a foreign key: its account or its event was deleted meanwhile."""
    if not get_user_model().objects.filter(pk=user.pk).exists():
        return DomainError(ErrorCode.NOT_AUTHENTICATED, "Your account no longer exists.")
    if not Event.objects.filter(pk=event_id).exists():
        return event_not_found()
    return None


def _book(*, user, event_id: int, choice: _Choice) -> Booking:
    with transaction.atomic():
        event = _lock_event_noting_booking(event_id, user if user.is_authenticated else None)
        if _release_expired_holds(event) and event.held_status == Booking.Status.PENDING:
            event.held_status = Booking.objects.filter(event=event, user=user).values_list(
                "status", flat=True
            )[0]
        _refuse_unless_bookable(user=user, event=event, waitlist=choice.waitlist)
        ticket_type = _ticket_type_to_sell(event, choice.ticket_type_id)
        full = _full_refusal(event, ticket_type)
        if full is not None and not choice.waitlist:
            raise full
        answers = choice.answers if choice.answers is not None else _unanswered(event, ticket_type)
        booking = _booking_row(event, user)
        if booking.is_active:  # a double click that got the lock first
            raise _already_booked(booking.status)
        was = booking.status or None
        booking.event, booking.ticket_type = event, ticket_type
        if full is None:
            _take_place(booking, seat=_seat_for(booking, ticket_type, choice.seat_id))
        else:
            booking.status, booking.seat = Booking.Status.WAITLISTED, None
            booking.waitlisted_at = timezone.now()
        booking.cancelled_at = None
        booking.checked_in_at, booking.checked_in_by = None, None
        booking.price = ticket_type.price
        booking.save()
        answers.save_for(booking)
        _log("booking.created", booking)
        _announce(booking, event=event, was=was)
        booking.status_before = was
        return booking


def _booking_row(event: Event, user) -> Booking:
    """``user``'s booking row at the locked ``event`` to take anew, or a new one.

    The lock's statement noted whether they hold a row (``held_status``). Noted none, none is
    read: a row their own double click committed while this request waited for the lock is
    missing from that statement's snapshot, and inserting again breaks the one-booking-per-person
    constraint, so ``book`` runs once more and then sees it.
    """
    held = None if event.held_status is None else Booking.objects.filter(event=event, user=user).first()
    return held or Booking(event=event, user=user)


@dataclass(frozen=True)
class _Answers:
    """Answers checked against the questions they answer; the type-specific ones wait for the type."""

    by_question: dict[Question, object]

    def save_for(self, booking: Booking) -> None:
        """Store the answers to the questions of ``booking``'s type (those of a re-activated booking go)."""
        if not self.by_question:  # an event without questions: no write at all
            return
        kept = {q: v for q, v in self.by_question.items() if _asked(q, booking.ticket_type_id)}
        Answer.objects.filter(booking=booking).delete()
        Answer.objects.bulk_create(
            Answer(booking=booking, question=q, value=v) for q, v in kept.items() if v is not None
        )


def _checked_answers(*, event_id: int, ticket_type_id: int | None, answers: Mapping) -> _Answers:
    """Check ``answers`` against the questions asked before any lock is taken; refuse in plain words.

    With the type left out, the questions are those of the event's one type on
    sale (when there are several, the booking is refused under the lock anyway).
    """
    questions = questions_for(event_id=event_id, ticket_type_id=ticket_type_id)
    if not questions and not answers:
        return _Answers({})
    if ticket_type_id is None and any(q.ticket_type_id for q in questions):
        on_sale = list(
            TicketType.objects.filter(event_id=event_id).on_sale().values_list("pk", flat=True)[:2]
        )
        ticket_type_id = on_sale[0] if len(on_sale) == 1 else None
        questions = [q for q in questions if _asked(q, ticket_type_id)]
    given = _answers_by_id(answers)
    unknown = given.keys() - {q.pk for q in questions}
    problems = [f"Question {pk} is not asked for this ticket." for pk in sorted(unknown)]
    cleaned = {}
    for question in questions:
        try:
            cleaned[question] = question.clean_answer(given.get(question.pk))
        except ValidationError as error:
            problems.extend(error.messages)
            continue
        if cleaned[question] is None and question.required and _asked(question, ticket_type_id):
            problems.append(f"“{question.label}” needs an answer.")
    if problems:
        raise DomainError(ErrorCode.INVALID_ANSWERS, " ".join(problems), field="answers")
    return _Answers(cleaned)


def _asked(question: Question, ticket_type_id: int | None) -> bool:
    return question.ticket_type_id is None or question.ticket_type_id == ticket_type_id


def _answers_by_id(answers: Mapping) -> dict[int, object]:
    """Answers keyed by question id, whether the ids came as numbers or as the text of a JSON key."""
    by_id = {}
    for key, value in answers.items():
        try:
            by_id[int(key)] = value
        except (TypeError, ValueError):
            raise DomainError(
                ErrorCode.INVALID_ANSWERS, f"“{key}” is not a question id.", field="answers"
            ) from None
    return by_id


def _unanswered(event: Event, ticket_type: TicketType) -> "_Answers":
    """A booking sent without answers: refused if the event asks something required of its type."""
    if not event.asks_questions:
        return _Answers({})
    return _checked_answers(event_id=event.pk, ticket_type_id=ticket_type.pk, answers={})


def _take_place(booking: Booking, *, seat: Seat | None, paid: bool = False) -> None:
    """Make ``booking`` (not yet saved) hold its place: counters and seat move under the event's lock.

    A free ticket (or one ``paid`` for already) is confirmed at once. A priced one is
    held for its buyer (``pending``) until ``hold_expires_at``, counted like a sold
    one, while they pay.
    """
    event = booking.event
    booking.seat, booking.waitlisted_at = seat, None
    if booking.status not in Booking.HOLDING_STATUSES or not booking.ticket_code:
        booking.ticket_code = new_ticket_code()  # a ticket taken anew never scans with an old code
    if paid or booking.ticket_type.is_free:
        booking.status, booking.hold_expires_at = Booking.Status.CONFIRMED, None
    else:
        booking.status = Booking.Status.PENDING
        booking.hold_expires_at = timezone.now() + timedelta(minutes=event.hold_minutes)
        _note_hold(event, booking.hold_expires_at)
    _move_counters(event, booking.ticket_type, +1)
    _hold_seat(seat, True)


def _announce(booking: Booking, *, event: Event, was: str | None) -> None:
    """Tell the apps above that ``booking``'s status changed (notifications emails the person)."""
    booking_status_changed.send(sender=Booking, booking=booking, event=event, was=was)


def _note_hold(event: Event, until) -> None:
    """Keep the locked event's ``holds_expire_at`` at or before every unpaid hold's expiry."""
    if event.holds_expire_at is None or until < event.holds_expire_at:
        event.holds_expire_at = until
        Event.objects.filter(pk=event.pk).update(holds_expire_at=until)


def _release_expired_holds(event: Event) -> int:
    """Give back the places of the locked event's expired unpaid holds, then serve its waitlist.

    Costs nothing while no hold has expired (the locked row's ``holds_expire_at``
    says so); otherwise one bounded, indexed read of at most HOLD_RELEASE_BATCH
    holds, so a flash sale whose buyers walk away cleans up as it goes.
    """
    now = timezone.now()
    if event.holds_expire_at is None or event.holds_expire_at > now:
        return 0
    expired = list(
        Booking.objects.filter(event=event)
        .expired_holds(now)
        .select_related("ticket_type", "seat")[: settings.HOLD_RELEASE_BATCH]
    )
    for booking in expired:
        booking.event = event
        booking.status, booking.hold_expires_at = Booking.Status.EXPIRED, None
        booking.save(update_fields=["status", "hold_expires_at", "updated_at"])
        _release(booking)
        _log("booking.hold_expired", booking)
        _announce(booking, event=event, was=Booking.Status.PENDING)
    event.holds_expire_at = Booking.objects.filter(event=event, status=Booking.Status.PENDING).aggregate(
        first=Min("hold_expires_at")
    )["first"]
    Event.objects.filter(pk=event.pk).update(holds_expire_at=event.holds_expire_at)
    if expired:
        _promote_waitlist(event)
    return len(expired)


def release_expired_holds(*, events: int = 1000) -> int:
    """Release every expired unpaid hold, event by event, each under its own lock; the periodic job.

    Returns how many holds were released. ``events`` bounds one run's work.
    """
    expired = Booking.objects.expired_holds().order_by()
    event_ids = list(expired.values_list("event_id", flat=True).distinct()[:events])
    released = 0
    for event_id in sorted(set(event_ids)):
        while True:
            with transaction.atomic():
                try:
                    event = lock_event(event_id)
                except DomainError:
                    break
                count = _release_expired_holds(event)
            released += count
            if count < settings.HOLD_RELEASE_BATCH:
                break
    return released


POPULARITY_DAYS = 7


def refresh_popularity() -> int:
    """Rewrite each event's recent_bookings (places taken in the last POPULARITY_DAYS days, by bookings
    still holding one), what sorting by popularity reads; the periodic job. Returns the events changed.

    Each event is written in its own short statement, only when its number changed, so a sale in
    progress waits for one row update at most, never for the whole refresh.
    """
    since = timezone.now() - timedelta(days=POPULARITY_DAYS)
    recent = Booking.objects.filter(created_at__gte=since, status__in=Booking.HOLDING_STATUSES)
    counts = dict(recent.order_by().values_list("event_id").annotate(places=Count("pk")))
    was = dict(Event.objects.filter(pk__in=counts).values_list("pk", "recent_bookings"))
    changed = [pk for pk, places in sorted(counts.items()) if was.get(pk, places) != places]
    for pk in changed:
        Event.objects.filter(pk=pk).update(recent_bookings=counts[pk])
    faded = Event.objects.filter(recent_bookings__gt=0).exclude(pk__in=counts).update(recent_bookings=0)
    return len(changed) + faded


def _refuse_unless_bookable(*, user, event: Event, waitlist: bool) -> None:
    refusal = booking_refusal(user=user, event=event)
    if refusal is not None:
        raise refusal
    if event.held_status in Booking.ACTIVE_STATUSES:
        raise _already_booked(event.held_status)
    if event.is_full and not waitlist:  # the flash sale's common answer, before any other read
        raise _event_full()


def _event_full() -> DomainError:
    return DomainError(ErrorCode.EVENT_FULL, "This event is full. You can join the waitlist.")


def _ticket_type_to_sell(event: Event, ticket_type_id: int | None) -> TicketType:
    """The type asked for, read under the event's lock; left out, the event's one type on sale."""
    types = TicketType.objects.filter(event=event)
    if ticket_type_id is not None:
        ticket_type = types.filter(pk=ticket_type_id).first()
        if ticket_type is None:
            raise DomainError(
                ErrorCode.INVALID_TICKET_TYPE,
                "This ticket type is not sold at this event.",
                field="ticket_type",
            )
    else:
        on_sale = list(types.on_sale()[:2])
        if len(on_sale) != 1:
            raise _pick_a_type(on_sale)
        (ticket_type,) = on_sale
    ticket_type.event = event
    reason = ticket_type.not_on_sale_reason()
    if reason:
        raise DomainError(ErrorCode.NOT_ON_SALE, reason, field="ticket_type")
    return ticket_type


def _pick_a_type(on_sale: list[TicketType]) -> DomainError:
    if on_sale:
        return DomainError(
            ErrorCode.TICKET_TYPE_REQUIRED,
            "Choose a ticket type: this event sells several.",
            field="ticket_type",
        )
    return DomainError(
        ErrorCode.NOT_ON_SALE, "No tickets of this event are on sale now.", field="ticket_type"
    )


def _full_refusal(event: Event, ticket_type: TicketType) -> DomainError | None:
    """Why no place of ``ticket_type`` is free now, or None; decided from the locked rows' counters."""
    if ticket_type.is_full:
        return DomainError(
            ErrorCode.TICKET_TYPE_FULL,
            f"{ticket_type.name} is sold out. You can join its waitlist or choose another ticket type.",
            field="ticket_type",
        )
    return _event_full() if event.is_full else None


def _seat_to_sell(ticket_type: TicketType, seat_id: int | None) -> Seat | None:
    """The seat asked for, or the best free one for a seated type; None for a type without seats."""
    if not ticket_type.seated:
        if seat_id is not None:
            raise DomainError(
                ErrorCode.INVALID_SEAT, f"{ticket_type.name} has no numbered seats.", field="seat"
            )
        return None
    if seat_id is None:
        seat = best_free_seat(ticket_type)
        if seat is None:  # the free ones are blocked
            raise DomainError(ErrorCode.TICKET_TYPE_FULL, f"{ticket_type.name} has no free seats left.")
        return seat
    seat = Seat.objects.filter(pk=seat_id, ticket_type=ticket_type, blocked=False).first()
    if seat is None:
        raise DomainError(
            ErrorCode.INVALID_SEAT, f"This seat is not for sale as {ticket_type.name}.", field="seat"
        )
    if seat.held:
        raise _seat_taken(seat)
    return seat


def _seat_for(booking: Booking, ticket_type: TicketType, seat_id: int | None) -> Seat | None:
    """``_seat_to_sell`` for ``booking``'s buyer: a seat their own booking holds is already_booked, not
    taken. Their double click took it while this request waited for the lock, after the lock's
    statement noted their booking (``_booking_row``)."""
    try:
        return _seat_to_sell(ticket_type, seat_id)
    except DomainError as refusal:
        if refusal.code != ErrorCode.SEAT_TAKEN:
            raise
        theirs = Booking.objects.filter(event_id=ticket_type.event_id, user=booking.user, seat_id=seat_id)
        held = theirs.holding().values_list("status", flat=True).first()
        if held is None:
            raise
        raise _already_booked(held) from None


def _seat_taken(seat: Seat) -> DomainError:
    nearby = nearest_free_seats(seat)
    offer = (
        f" Free seats nearby: {', '.join(s.code for s in nearby)}." if nearby else " No other seat is free."
    )
    return DomainError(ErrorCode.SEAT_TAKEN, f"{seat.label} has just been taken.{offer}", field="seat")


def _already_booked(status: str) -> DomainError:
    if status == Booking.Status.PENDING:
        return DomainError(
            ErrorCode.ALREADY_BOOKED,
            "A ticket for this event is already held for you: pay for it from My bookings.",
        )
    if status == Booking.Status.WAITLISTED:
        return DomainError(ErrorCode.ALREADY_BOOKED, "You are already on the waitlist for this event.")
    return DomainError(ErrorCode.ALREADY_BOOKED, "You already have a seat at this event.")


def cancel_booking(*, booking: Booking, by) -> Booking:
    """Cancel a booking; a freed seat goes to the oldest waitlisted booking in the same transaction.

    The booking's owner may cancel until the event starts; the event's
    organizer and site staff may cancel at any time.
    """
    with transaction.atomic():
        event = lock_event(booking.event_id)
        booking = _booking_of_locked_event(booking.pk, event.pk)
        raise_if(
            _holder_refusal(
                booking,
                event=event,
                by=by,
                not_yours="You cannot cancel someone else's booking.",
                too_late="This event has started; it is too late to cancel.",
            )
        )
        _cancel_locked(event=event, booking=booking, by=by)
        return booking


def _holder_refusal(
    booking: Booking, *, event: Event, by, not_yours: str, too_late: str
) -> DomainError | None:
    """An active booking is its owner's to change until the event starts, its organizer's always."""
    manages = event.is_managed_by(by)
    if not (manages or (by.is_authenticated and by.pk == booking.user_id)):
        return DomainError(ErrorCode.NOT_ALLOWED, not_yours)
    if not booking.is_active:
        return DomainError(ErrorCode.ALREADY_CANCELLED, "This booking is already cancelled.")
    if event.has_started and not manages:
        return DomainError(ErrorCode.NOT_CANCELLABLE, too_late)
    return None


def _cancel_locked(*, event: Event, booking: Booking, by) -> None:
    """Cancel under the event's lock; the apps above settle the money in the same transaction.

    A receiver of ``booking_cancelled`` (payments: the refund) may refuse by
    raising a DomainError, which undoes the whole cancellation.
    """
    was = booking.status
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = timezone.now()
    booking.waitlisted_at = booking.hold_expires_at = None
    booking.event = event
    booking.save(update_fields=["status", "cancelled_at", "waitlisted_at", "hold_expires_at", "updated_at"])
    _log("booking.cancelled", booking, by_user_id=by.pk)
    booking_cancelled.send(sender=Booking, booking=booking, event=event, by=by, was=was)
    if was in Booking.HOLDING_STATUSES:
        _release(booking)
        _promote_waitlist(event)


def _release(booking: Booking) -> None:
    """Give back the place ``booking`` held: both counters and its seat (the booking keeps it on record)."""
    _move_counters(booking.event, booking.ticket_type, -1)
    _hold_seat(booking.seat, False)


def _promote_waitlist(event: Event) -> list[Booking]:
    """Fill the locked event's free places from its waitlist, first come first served.

    The oldest waitlisted booking whose type has room goes first, across types:
    when the event's own capacity was the binding limit, any type may gain. A
    seated type's booking gets the best free seat. Each pass reads only
    bookings of types with room, so a long line for a sold-out type is not read.
    """
    if event.status != Event.Status.PUBLISHED:
        return []
    rooms = {t.pk: t for t in TicketType.objects.filter(event=event) if not t.is_full}
    promoted = []
    while rooms and not event.is_full:
        line = Booking.objects.filter(event=event, ticket_type_id__in=rooms).in_waitlist_order()
        batch = list(line.select_related("user", "ticket_type")[: event.capacity - event.booked_seats])
        if not batch:
            break
        for booking in batch:
            if booking.ticket_type_id in rooms and not event.is_full:
                promoted += _promote(booking, event=event, rooms=rooms)
    return promoted


def _promote(booking: Booking, *, event: Event, rooms: dict[int, TicketType]) -> list[Booking]:
    """Confirm one waitlisted booking of a type with room; a seated type with no free seat leaves."""
    ticket_type = rooms[booking.ticket_type_id]
    seat = best_free_seat(ticket_type) if ticket_type.seated else None
    if ticket_type.seated and seat is None:
        del rooms[ticket_type.pk]
        return []
    booking.event, booking.ticket_type = event, ticket_type
    booking.price = ticket_type.price
    _take_place(booking, seat=seat)
    booking.save(
        update_fields=[
            "status",
            "seat",
            "waitlisted_at",
            "hold_expires_at",
            "price",
            "ticket_code",
            "updated_at",
        ]
    )
    if ticket_type.is_full:
        del rooms[ticket_type.pk]
    _log("booking.promoted", booking)
    _announce(booking, event=event, was=Booking.Status.WAITLISTED)
    return [booking]


def settle_payment(*, event: Event, booking: Booking) -> bool:
    """Confirm the place a payment pays for, under the event's lock the caller (payments) holds.

    A pending hold is confirmed, even a little after its time ran out (its place
    was still held). A hold already released re-takes its place if it is still
    free (the same seat, for a seated type) and the event still sells. Returns
    False when there is no place to pay for (taken meanwhile, cancelled, paid
    already, or the event was called off): the caller refunds the money.
    """
    booking.event = event
    if event.status == Event.Status.CANCELLED:
        return False
    if booking.status == Booking.Status.PENDING:
        booking.status, booking.hold_expires_at = Booking.Status.CONFIRMED, None
        booking.save(update_fields=["status", "hold_expires_at", "updated_at"])
        _log("booking.paid", booking)
        _announce(booking, event=event, was=Booking.Status.PENDING)
        return True
    if booking.status != Booking.Status.EXPIRED or _retake_refusal(event, booking):
        return False
    _take_place(booking, seat=booking.seat, paid=True)
    booking.save(
        update_fields=["status", "seat", "waitlisted_at", "hold_expires_at", "ticket_code", "updated_at"]
    )
    _log("booking.paid_late", booking)
    _announce(booking, event=event, was=Booking.Status.EXPIRED)
    return True


def extend_hold(*, event: Event, booking: Booking, until) -> None:
    """Hold a pending booking longer (a bank transfer takes days), never past the event's start."""
    until = min(until, event.starts_at)
    if booking.is_pending and until > booking.hold_expires_at:
        booking.hold_expires_at = until
        booking.save(update_fields=["hold_expires_at", "updated_at"])


def _retake_refusal(event: Event, booking: Booking) -> str | None:
    """Why an expired hold paid late cannot have its place back, or None."""
    ticket_type = TicketType.objects.get(pk=booking.ticket_type_id)
    booking.ticket_type = ticket_type
    if event.booking_closed_reason():
        return event.booking_closed_reason()
    if _full_refusal(event, ticket_type) is not None:
        return "sold out meanwhile"
    seat_gone = Q(held=True) | Q(blocked=True)
    if booking.seat_id is not None and Seat.objects.filter(seat_gone, pk=booking.seat_id).exists():
        return "its seat was sold meanwhile"
    return None


def change_ticket_type(
    *, booking: Booking, ticket_type: TicketType, seat: Seat | None = None, answers: Mapping | None = None, by
) -> Booking:
    """Move a confirmed booking to another type or seat (an upgrade to VIP, a seat beside a friend).

    Atomic under the event's lock: the old place is given back only once the new
    one is taken, so a refused move leaves the booking as it was. The owner may
    move until the event starts, within the new type's sales window; the
    event's organizer and staff may move anyone at any time. Asking for the place
    the booking already holds changes nothing (a double click).

    A move to another type answers that type's questions: the answers already
    given to the event's own questions carry over, ``answers`` adds or replaces
    some, and the old type's own answers go. Checked before the lock.
    """
    moving_answers = _answers_on_moving(booking, ticket_type_id=ticket_type.pk, answers=answers or {})
    with transaction.atomic():
        event = lock_event(booking.event_id)
        booking = _booking_of_locked_event(booking.pk, event.pk)
        booking.event = event
        _refuse_unless_movable(booking, by=by)
        manages = event.is_managed_by(by)
        new_type = _type_to_move_to(event, ticket_type.pk, check_sales=not manages)
        if _already_there(booking, new_type, seat):
            return booking
        if new_type.pk != booking.ticket_type_id and new_type.is_full:
            raise _full_refusal(event, new_type)
        if new_type.price != booking.price and not manages:
            raise _price_differs(booking, new_type)
        new_seat = _seat_to_sell(new_type, seat.pk if seat else None)
        old = Booking(event=event, ticket_type=booking.ticket_type, seat=booking.seat)
        _release(old)
        booking.ticket_type = new_type
        _take_place(booking, seat=new_seat, paid=True)
        booking.save(update_fields=["ticket_type", "seat", "updated_at"])
        if new_type.pk != old.ticket_type_id:
            moving_answers.save_for(booking)
        _log("booking.moved", booking, from_ticket_type_id=old.ticket_type_id, by_user_id=by.pk)
        _promote_waitlist(event)
        return booking


def _price_differs(booking: Booking, new_type: TicketType) -> DomainError:
    return DomainError(
        ErrorCode.INVALID_TICKET_TYPE,
        f"{new_type.name} costs a different price from your ticket, so you cannot switch to it "
        "yourself: ask the organizer, or cancel and book it.",
        field="ticket_type",
    )


def _answers_on_moving(booking: Booking, *, ticket_type_id: int, answers: Mapping) -> _Answers:
    """The answers a booking moving to ``ticket_type_id`` will hold, checked against that type's questions."""
    if ticket_type_id == booking.ticket_type_id and not answers:
        return _Answers({})
    asked = {q.pk for q in questions_for(event_id=booking.event_id, ticket_type_id=ticket_type_id)}
    held = Answer.objects.filter(booking=booking, question_id__in=asked).values_list("question_id", "value")
    return _checked_answers(
        event_id=booking.event_id,
        ticket_type_id=ticket_type_id,
        answers={**dict(held), **_answers_by_id(answers)},
    )


def _refuse_unless_movable(booking: Booking, *, by) -> None:
    event = booking.event
    manages = event.is_managed_by(by)
    if not (manages or (by.is_authenticated and by.pk == booking.user_id)):
        raise DomainError(ErrorCode.NOT_ALLOWED, "You cannot change someone else's booking.")
    if booking.status != Booking.Status.CONFIRMED:
        raise DomainError(ErrorCode.NOT_CONFIRMED, "Only a confirmed booking can change its ticket or seat.")
    closed = None if manages else event.booking_closed_reason()
    if closed:
        raise DomainError(ErrorCode.NOT_BOOKABLE, closed)


def _type_to_move_to(event: Event, ticket_type_id: int, *, check_sales: bool) -> TicketType:
    if not check_sales:
        new_type = TicketType.objects.filter(pk=ticket_type_id, event=event).first()
        if new_type is None:
            raise DomainError(
                ErrorCode.INVALID_TICKET_TYPE,
                "This ticket type is not sold at this event.",
                field="ticket_type",
            )
        new_type.event = event
        return new_type
    return _ticket_type_to_sell(event, ticket_type_id)


def _already_there(booking: Booking, ticket_type: TicketType, seat: Seat | None) -> bool:
    if booking.ticket_type_id != ticket_type.pk:
        return False
    return not ticket_type.seated or seat is None or seat.pk == booking.seat_id


def answers_refusal(*, booking: Booking, by) -> DomainError | None:
    """Why ``by`` cannot change ``booking``'s answers now, or None. Pages use it to offer the form.

    The owner may until the event starts and while it is not cancelled; its organizer and staff always.
    """
    event = booking.event
    refusal = _holder_refusal(
        booking,
        event=event,
        by=by,
        not_yours="You cannot change the answers of someone else's booking.",
        too_late="This event has started; the answers can no longer change.",
    )
    if refusal is None and event.status == Event.Status.CANCELLED and not event.is_managed_by(by):
        return DomainError(
            ErrorCode.NOT_CANCELLABLE, "This event has been cancelled; the answers no longer change."
        )
    return refusal


def update_answers(*, booking: Booking, answers: Mapping, by) -> Booking:
    """Change the answers of an active booking: its owner until the event starts, the organizer any time.

    The answers given replace the old ones as a whole, checked like at booking.
    """
    event = booking.event
    raise_if(answers_refusal(booking=booking, by=by))
    checked = _checked_answers(event_id=event.pk, ticket_type_id=booking.ticket_type_id, answers=answers)
    with transaction.atomic():
        checked.save_for(booking)
    return booking


# Check-in ---------------------------------------------------------------------
# The desk's answers are refusals like any other, each message starting with the answer in a few
# words, a colon, then who or what it is about ("Awaiting payment: Ada Lovelace's ticket is not
# paid yet."), so a page can show the first part big and the API says the same words.

CHECK_IN_RELATIONS = ("user", "ticket_type", "seat", "checked_in_by")


@dataclass(frozen=True)
class CheckInCount:
    """An event's confirmed bookings, and how many of them are checked in: "132 of 200 checked in"."""

    checked_in: int
    confirmed: int


def check_in(*, booking: Booking, by) -> Booking:
    """Record that a confirmed attendee has arrived, and who let them in; once only."""
    with transaction.atomic():
        event = lock_event(booking.event_id)
        ensure_manages(event=event, by=by)
        return _check_in_locked(_booking_at_door(event, pk=booking.pk), event=event, by=by)


def check_in_by_code(*, event: Event, code_text: str, by) -> Booking:
    """Check in the ticket whose code a scanner read or a person typed at ``event``'s door.

    The answer is the checked-in booking, or a refusal: unknown_ticket, wrong_event (naming the
    other event only to those who run it), ticket_cancelled, not_confirmed, already_checked_in
    (when and by whom). Two devices scanning one ticket at once check it in once: the second
    waits for the event's lock, then finds it checked in.
    """
    with transaction.atomic():
        event = lock_event(event.pk)
        ensure_manages(event=event, by=by)
        booking = _ticket_of(code_from_scan(code_text))
        raise_if(_wrong_event_refusal(booking, event=event, by=by))
        return _check_in_locked(booking, event=event, by=by)


def undo_check_in(*, booking: Booking, by) -> Booking:
    """Take back a check-in made by mistake (a mis-tap, the wrong name in the list); organizer and staff."""
    with transaction.atomic():
        event = lock_event(booking.event_id)
        ensure_manages(event=event, by=by)
        booking = _booking_at_door(event, pk=booking.pk)
        if booking.checked_in_at is not None:  # undoing twice (two taps, two devices) leaves it undone
            booking.checked_in_at = booking.checked_in_by = None
            booking.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
            _log("booking.check_in_undone", booking, by_user_id=by.pk)
        return booking


def check_in_count(*, event: Event) -> CheckInCount:
    """How many of the event's confirmed bookings are checked in, in one query (outside any lock)."""
    arrived = Q(checked_in_at__isnull=False)
    counts = (
        Booking.objects.filter(event=event)
        .confirmed()
        .aggregate(checked_in=Count("pk", filter=arrived), confirmed=Count("pk"))
    )
    return CheckInCount(**counts)


def _booking_at_door(event: Event, *, pk: int) -> Booking:
    """One of the locked event's bookings, with what the desk shows of it."""
    booking = Booking.objects.select_related(*CHECK_IN_RELATIONS).filter(pk=pk, event=event).first()
    if booking is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This booking does not exist.")
    return booking


def _ticket_of(code: str | None) -> Booking:
    """The booking a ticket code names, whichever event it is for."""
    if code is None:
        raise DomainError(ErrorCode.UNKNOWN_TICKET, "Unknown code: this is not a ticket's code.")
    booking = Booking.objects.select_related(*CHECK_IN_RELATIONS).filter(ticket_code=code).first()
    if booking is None:
        raise DomainError(ErrorCode.UNKNOWN_TICKET, "Unknown code: no ticket has this code.")
    return booking


def _wrong_event_refusal(booking: Booking, *, event: Event, by) -> DomainError | None:
    """A ticket of another event is refused; that event is named only to those who run it."""
    if booking.event_id == event.pk:
        return None
    other = booking.event
    starts = _on_clock_of(other, other.starts_at)
    named = f"“{other.title}” on {starts:%a} {starts.day} {starts:%b %Y}"
    return DomainError(
        ErrorCode.WRONG_EVENT,
        f"Not for this event: this ticket is for {named if other.is_managed_by(by) else 'another event'}.",
    )


def _check_in_locked(booking: Booking, *, event: Event, by) -> Booking:
    raise_if(_check_in_refusal(booking, event=event))
    booking.checked_in_at, booking.checked_in_by = timezone.now(), by
    booking.save(update_fields=["checked_in_at", "checked_in_by", "updated_at"])
    booking.event = booking.ticket_type.event = event  # what the desk shows of it, read already
    _log("booking.checked_in", booking, by_user_id=by.pk)
    return booking


# What the desk answers for a booking that holds no place, by its status.
_NOT_IN = {
    Booking.Status.CANCELLED: (
        ErrorCode.TICKET_CANCELLED,
        "Cancelled booking: {name}'s ticket was cancelled.",
    ),
    Booking.Status.EXPIRED: (
        ErrorCode.TICKET_CANCELLED,
        "Cancelled booking: {name}'s ticket was not paid in time.",
    ),
    Booking.Status.PENDING: (ErrorCode.NOT_CONFIRMED, "Awaiting payment: {name}'s ticket is not paid yet."),
    Booking.Status.WAITLISTED: (ErrorCode.NOT_CONFIRMED, "Waitlisted: {name} has no place yet."),
}


def _check_in_refusal(booking: Booking, *, event: Event) -> DomainError | None:
    """Only a confirmed booking gets in, and only once."""
    name = booking.user.name
    # A hold whose time ran out is as good as released, even before the release has run.
    status = Booking.Status.EXPIRED if booking.hold_has_expired else booking.status
    if status in _NOT_IN:
        code, message = _NOT_IN[status]
        return DomainError(code, message.format(name=name))
    if booking.checked_in_at is None:
        return None
    by = f" by {booking.checked_in_by.username}" if booking.checked_in_by else ""
    when = _when(booking.checked_in_at, event)
    return DomainError(
        ErrorCode.ALREADY_CHECKED_IN, f"Already checked in {when}{by}: this is {name}'s ticket."
    )


def _when(moment, event: Event) -> str:
    """ "at 19:02" on the event's clock today, "on Fri 4 Dec at 19:02" another day."""
    local = _on_clock_of(event, moment)
    if local.date() == _on_clock_of(event, timezone.now()).date():
        return f"at {local:%H:%M}"
    return f"on {local:%a} {local.day} {local:%b} at {local:%H:%M}"


def _on_clock_of(event: Event, moment):
    return timezone.localtime(moment, ZoneInfo(event.timezone))


def cancel_all_bookings_of(*, user, by) -> int:
    """Cancel every active booking a user holds, past events included, so their account can go.

    Their events are locked together in id order, so two such calls never deadlock.
    """
    with transaction.atomic():
        events = lock_events(Booking.objects.filter(user=user).active().values_list("event_id", flat=True))
        for event in events:
            booking = Booking.objects.active().filter(event=event, user=user).first()
            if booking is not None:
                _cancel_locked(event=event, booking=booking, by=by)
    return len(events)


def release_bookings_of(sender, *, user, by, **kwargs) -> None:
    """accounts.signals.account_deleting: seats go back, then the account's booking records go.

    A booking with money on record (payments, invoices: kept by law) keeps its
    account: the deletion is refused and undone.
    """
    cancel_all_bookings_of(user=user, by=by)
    try:
        Booking.objects.filter(user=user).exclude(status__in=Booking.ACTIVE_STATUSES).delete()
    except ProtectedError:
        raise DomainError(
            ErrorCode.HAS_PAYMENTS,
            "This account has payments and invoices on record, which must be kept, so it cannot be "
            "deleted. Deactivate it instead.",
        ) from None


def fill_from_waitlist(sender, *, event: Event, **kwargs) -> None:
    """events.signals.capacity_changed: new seats go to the waitlist, first come first served."""
    _promote_waitlist(event)


def counter_mismatches() -> list[str]:
    """Every counter or seat that disagrees with the booking rows, in words; empty when all hold.

    Checks each event's and each ticket type's ``booked_seats`` against its
    confirmed bookings and unpaid holds, every booking's type against its event, and every seat's
    ``held`` flag against the active bookings holding it.
    """
    confirmed = Q(bookings__status__in=Booking.HOLDING_STATUSES)
    events = Event.objects.annotate(rows=Count("bookings", filter=confirmed)).exclude(rows=F("booked_seats"))
    types = TicketType.objects.annotate(rows=Count("bookings", filter=confirmed)).exclude(
        rows=F("booked_seats")
    )
    held = Q(bookings__status__in=Booking.ACTIVE_STATUSES)
    seats = Seat.objects.annotate(holders=Count("bookings", filter=held)).exclude(
        Q(held=True, holders=1) | Q(held=False, holders=0)
    )
    strays = Booking.objects.exclude(ticket_type__event=F("event"))
    return [
        *(
            f"Event {e.pk} “{e.title}”: booked_seats={e.booked_seats}, confirmed bookings={e.rows}"
            for e in events
        ),
        *(
            f"Ticket type {t.pk} “{t.name}”: booked_seats={t.booked_seats}, confirmed bookings={t.rows}"
            for t in types
        ),
        *(f"Seat {s.pk} ({s.label}): held={s.held}, active bookings={s.holders}" for s in seats),
        *(f"Booking {b.pk}: its ticket type belongs to another event" for b in strays),
    ]
