"""Random sequences of booking and money operations; after every step the books must balance.

One event of one organizer sells a free type, a priced type and a priced seated
type, under an event capacity that may bind first. Buyers book, start paying by
card or by bank transfer, pay, are declined, walk away until their hold runs out,
pay late, cancel (with a refund), are refunded by the organizer; the organizer may
cancel the whole event. After every step:

- each counter equals the confirmed and pending rows of its event or type, no
  limit is passed, and a seat is held by one active booking at most;
- the money that came in less what went back equals what the kept payments keep,
  and matches what the steps moved;
- every settled payment has one invoice, every refund one credit note, and the
  organizer's numbers run 1..n without a gap.
"""

from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from accounts.tests.factories import UserFactory
from bookings import services as booking_services
from bookings.models import Booking
from bookings.tests.test_properties import RolledBackMachine
from eventhub.errors import DomainError
from events import services as event_services
from events.models import Event, Seat, TicketType
from events.tests.factories import EventFactory
from payments import services
from payments.models import Invoice, Payment, Refund
from payments.tests.factories import deliver, expire, start

PEOPLE = 6
KINDS = ("free", "priced", "stalls")
SEATS = 2  # Stalls: row A, seats 1-2

people = st.integers(0, PEOPLE - 1)
kinds = st.sampled_from(KINDS)
seat_numbers = st.one_of(st.none(), st.integers(1, SEATS))
providers = st.sampled_from(["test_card", "bank_transfer"])
ZERO = Decimal("0.00")
PENDING = Booking.Status.PENDING


def kept(payments):
    """The payments whose money the booking keeps."""
    return payments.filter(state__in=Payment.KEPT_STATES)


def some_booking(*statuses):
    """A precondition: some booking of the event is in one of ``statuses`` (steps that need one)."""
    return lambda self: Booking.objects.filter(status__in=statuses).exists()


def payment_states(booking) -> set[str]:
    """The states of a booking's payments (read from its prefetched payments)."""
    return {p.state for p in booking.payments.all()} if booking is not None else set()


def some_payment(*states):
    """A precondition: some payment is in one of ``states``."""
    return lambda self: Payment.objects.filter(state__in=states).exists()


def outcome(action):
    """What a step ended with: a booking's status, a payment's state, or the refusal's code."""
    try:
        result = action()
    except DomainError as refusal:
        return refusal.code
    return getattr(result, "state", None) or getattr(result, "status", None)


class PaymentRules(RolledBackMachine):
    def __init__(self):
        super().__init__()
        self.organizer = UserFactory(role="organizer")
        self.people = UserFactory.create_batch(PEOPLE)
        self.money_in = self.money_back = ZERO
        self.cancelled = False

    @initialize(capacity=st.integers(2, 4), refunds_closed=st.booleans())
    def create_event(self, capacity, refunds_closed):
        """``refunds_closed``: the refund window has closed (attendees can no longer cancel paid tickets)."""
        organizer = self.organizer
        self.event = EventFactory(
            organizer=organizer,
            capacity=capacity,
            ticket_types=True,
            refund_cutoff_hours=24 * 30 if refunds_closed else 0,
        )
        create = event_services.create_ticket_type
        self.types = {
            "free": create(event=self.event, by=organizer, name="Free", capacity=2),
            "priced": create(
                event=self.event, by=organizer, name="Standard", capacity=2, price=Decimal("20.00")
            ),
            "stalls": create(
                event=self.event,
                by=organizer,
                name="Stalls",
                price=Decimal("35.50"),
                layout=event_services.SeatLayout(rows=1, seats_per_row=SEATS),
            ),
        }
        TicketType.objects.filter(pk=self.types["priced"].pk).update(tax_rate=Decimal("19.00"))

    # Whom a step is about -------------------------------------------------------------------

    def booking_of(self, person) -> Booking | None:
        return Booking.objects.filter(event=self.event, user=self.people[person]).first()

    def pick(self, choice, wanted) -> int:
        """Person number ``choice`` in a line that starts with those whose booking is ``wanted``.

        Small choices, which Hypothesis draws most, land where the step does something;
        larger ones still reach everyone.
        """
        bookings = Booking.objects.filter(event=self.event).prefetch_related("payments")
        by_user = {booking.user_id: booking for booking in bookings}
        first = [p for p in range(PEOPLE) if wanted(by_user.get(self.people[p].pk))]
        return (first + [p for p in range(PEOPLE) if p not in first])[choice]

    def payments_of(self, person):
        return Payment.objects.filter(booking__event=self.event, booking__user=self.people[person])

    # Predictions, from the rows before the step ----------------------------------------------

    def unreleased_expired_holds(self) -> bool:
        return Booking.objects.filter(event=self.event).expired_holds().exists()

    def has_room(self, kind, seat_id=None) -> bool:
        event = Event.objects.get(pk=self.event.pk)
        ticket_type = TicketType.objects.get(pk=self.types[kind].pk)
        seat_free = seat_id is None or not Seat.objects.get(pk=seat_id).held
        return not event.is_full and not ticket_type.is_full and seat_free

    def placed_by_payment(self, payment, booking) -> bool:
        """Whether ``payment`` arriving now gets (or keeps) ``booking``'s place.

        Only for the price the place is held at: a payment left from an earlier hold
        of another type (the booking was made again since) pays for nothing.
        """
        if payment.amount != booking.price:
            return False
        if booking.status == Booking.Status.PENDING:
            return True
        if booking.status != Booking.Status.EXPIRED or self.cancelled:
            return False
        return self.has_room(self.kind_of(booking), booking.seat_id)

    def kind_of(self, booking) -> str:
        return next(kind for kind, t in self.types.items() if t.pk == booking.ticket_type_id)

    def seat(self, number):
        return None if number is None else Seat.objects.get(ticket_type=self.types["stalls"], number=number)

    # Buying ---------------------------------------------------------------------------------

    @precondition(lambda self: Booking.objects.active().count() < PEOPLE)  # someone can still book
    @rule(
        choice=people,
        kind=kinds,
        number=seat_numbers,
        waitlist=st.booleans(),
        pay_with=st.one_of(st.none(), providers),
    )
    def book(self, choice, kind, number, waitlist, pay_with):
        """Book (``pay_with``: and pay at once, as most buyers do)."""
        person = self.pick(choice, lambda b: b is None or not b.is_active)
        before = self.booking_of(person)
        number = number if kind == "stalls" else None
        predictable = not self.unreleased_expired_holds()  # a release first would serve the waitlist
        event = Event.objects.get(pk=self.event.pk)
        ticket_type = TicketType.objects.get(pk=self.types[kind].pk)
        seat = self.seat(number)

        got = outcome(
            lambda: booking_services.book(
                user=self.people[person],
                event=self.event,
                ticket_type=ticket_type,
                seat=seat,
                waitlist=waitlist,
            )
        )

        taken = "confirmed" if kind == "free" else "pending"
        if self.cancelled:
            assert got == "not_bookable"
        elif before is not None and before.is_active and not before.hold_has_expired:
            assert got == "already_booked"
        elif not predictable:
            assert got in {taken, "waitlisted", "event_full", "ticket_type_full", "seat_taken"}, got
        elif event.is_full or ticket_type.is_full:
            full = "event_full" if event.is_full else "ticket_type_full"
            assert got == ("waitlisted" if waitlist else full)
        elif seat is not None and seat.held:
            assert got == "seat_taken"
        else:
            assert got == taken
        if got == "pending" and pay_with is not None:
            self.money_arrives(self.open_payment(person, pay_with))

    @precondition(some_booking(PENDING))
    @rule(choice=people, provider=providers)
    def start_paying(self, choice, provider):
        person = self.pick(choice, lambda b: b is not None and b.is_pending)
        booking = self.booking_of(person)
        if booking is None:
            return
        got = outcome(lambda: start(booking, provider=provider))
        if booking.is_pending and not booking.hold_has_expired:
            assert got == "pending"
            assert self.payments_of(person).open().count() == 1, "choosing again cancels the other one"
        elif booking.status == Booking.Status.CONFIRMED:
            assert got == ("already_paid" if booking.price else "not_payable")  # free: nothing to pay
        elif booking.status == Booking.Status.EXPIRED or booking.hold_has_expired:
            assert got == "hold_expired"
        else:
            assert got == "not_payable"

    def money_arrives(self, payment):
        """The provider's webhook (card) or the organizer's "mark paid" (transfer) for ``payment``."""
        booking = Booking.objects.get(pk=payment.booking_id)
        placed = self.placed_by_payment(payment, booking)
        if payment.provider == "test_card":
            got = outcome(lambda: deliver(payment))
        else:
            got = outcome(lambda: services.mark_paid(payment=payment, by=self.organizer))
        payment.refresh_from_db()
        booking.refresh_from_db()
        self.money_in += payment.amount
        if placed:
            assert got == "paid"
            assert booking.status == Booking.Status.CONFIRMED
        else:  # no place to pay for: invoiced, then refunded at once; the booking stays as it was
            assert got == "refunded"
            assert payment.refunded_amount == payment.amount
            self.money_back += payment.amount

    def open_payment(self, person, provider):
        """The open payment of ``person``'s hold with ``provider``, started now if there is none."""
        booking = self.booking_of(person)
        if booking is None or not booking.is_pending or booking.hold_has_expired:
            return None
        return self.payments_of(person).open().filter(provider=provider).last() or start(
            booking, provider=provider
        )

    @precondition(some_booking(PENDING))
    @rule(choice=people, provider=providers)
    def pay(self, choice, provider):
        payment = self.open_payment(self.pick(choice, lambda b: b is not None and b.is_pending), provider)
        if payment is not None:
            self.money_arrives(payment)

    @precondition(some_booking(PENDING))
    @rule(choice=people)
    def decline(self, choice):
        person = self.pick(choice, lambda b: b is not None and b.is_pending)
        payment = self.open_payment(person, "test_card")
        if payment is None:
            return
        status = self.booking_of(person).status
        assert outcome(lambda: deliver(payment, outcome="failed")) == "failed"
        assert self.booking_of(person).status == status, "a declined card leaves the hold as it was"

    @precondition(some_booking(PENDING))
    @rule(choice=people, release=st.booleans())
    def walk_away(self, choice, release):
        """The buyer's hold runs out; the periodic job releases it now, or the next booking will."""
        person = self.pick(choice, lambda b: b is not None and b.is_pending)
        booking = self.booking_of(person)
        if booking is None or not booking.is_pending:
            return
        expire(booking)
        if release:
            assert booking_services.release_expired_holds() >= 1
            assert self.booking_of(person).status == Booking.Status.EXPIRED

    @precondition(some_payment(*Payment.OPEN_STATES, Payment.State.FAILED, Payment.State.CANCELLED))
    @rule(choice=people)
    def pay_late(self, choice):
        """Money arrives for a payment left behind: its hold ran out, it was declined, or it was replaced."""

        person = self.pick(choice, lambda b: bool(payment_states(b) - set(Payment.SETTLED_STATES)))
        payment = self.payments_of(person).exclude(state__in=Payment.SETTLED_STATES).order_by("pk").first()
        if payment is not None:
            self.money_arrives(payment)

    # Money going back -------------------------------------------------------------------------

    @precondition(some_booking(*Booking.ACTIVE_STATUSES))
    @rule(choice=people, by_organizer=st.booleans())
    def cancel(self, choice, by_organizer):
        person = self.pick(choice, lambda b: b is not None and b.is_active)
        booking = self.booking_of(person)
        if booking is None:
            return
        refundable = sum((p.refundable_amount for p in kept(booking.payments.all())), ZERO)
        closed = not by_organizer and timezone.now() >= Event.objects.get(pk=self.event.pk).refunds_close_at
        by = self.organizer if by_organizer else self.people[person]

        got = outcome(lambda: booking_services.cancel_booking(booking=booking, by=by))

        if not booking.is_active:
            assert got == "already_cancelled"
        elif refundable and closed:
            assert got == "not_refundable"
            assert self.booking_of(person).status == booking.status, "a refused refund cancels nothing"
        else:
            assert got == "cancelled"
            assert not booking.payments.open().exists(), "a payment still open is called off"
            assert not kept(booking.payments.all()).exists(), "what was paid goes back in full"
            self.money_back += refundable

    @precondition(some_payment(*Payment.KEPT_STATES))
    @rule(choice=people, half=st.booleans())
    def organizer_refunds(self, choice, half):
        person = self.pick(choice, lambda b: bool(payment_states(b) & set(Payment.KEPT_STATES)))
        payments = self.payments_of(person).order_by("pk")
        payment = kept(payments).last() or payments.last()
        if payment is None:
            return
        refundable = payment.refundable_amount
        amount = (refundable / 2).quantize(Decimal("0.01")) if half else None
        status = self.booking_of(person).status

        got = outcome(lambda: services.refund_payment(payment=payment, by=self.organizer, amount=amount))

        if refundable <= 0 or amount == ZERO:
            assert got == "not_refundable"
            return
        # The card provider sends it back after commit; a bank transfer is the organizer's to do.
        assert got == ("pending" if payment.provider == "test_card" else "to_do")
        back = amount or refundable
        payment.refresh_from_db()
        assert payment.state == ("refunded" if back == refundable else "partially_refunded")
        self.money_back += back
        assert self.booking_of(person).status == status, "the ticket stays as it was"

    # Late in a story, once money has moved: nothing sells after it, so it ends the interesting part.
    @precondition(lambda self: not self.cancelled and Payment.objects.settled().count() >= 3)
    @rule()
    def cancel_event(self):
        event_services.cancel_event(event=self.event, by=self.organizer)
        self.cancelled = True
        refundable = sum((p.refundable_amount for p in kept(Payment.objects.all())), ZERO)

        summary = services.refund_cancelled_event(event=self.event, by=self.organizer)

        assert summary.failed == []
        self.money_back += refundable
        assert not Booking.objects.filter(event=self.event, status=Booking.Status.PENDING).exists()
        assert not kept(Payment.objects.all()).exists(), "everyone who paid is refunded"
        again = services.refund_cancelled_event(event=self.event, by=self.organizer)
        assert again.cancelled == 0, "running it again finds nothing left to do"

    # After every step -------------------------------------------------------------------------

    @invariant()
    def counters_equal_their_rows_and_seats_are_held_once(self):
        if not hasattr(self, "event"):
            return
        assert booking_services.counter_mismatches() == []
        event = Event.objects.get(pk=self.event.pk)
        assert 0 <= event.booked_seats <= event.capacity
        for ticket_type in TicketType.objects.filter(event=event):
            assert 0 <= ticket_type.booked_seats <= ticket_type.capacity
        seats = list(Booking.objects.active().filter(seat__isnull=False).values_list("seat_id", flat=True))
        assert len(seats) == len(set(seats)), "a seat is held twice"

    @invariant()
    def the_money_balances(self):
        refunds = Coalesce(Sum("refunds__amount"), ZERO)
        payments = list(Payment.objects.select_related("booking").annotate(refunds_total=refunds))
        settled = [p for p in payments if p.state in Payment.SETTLED_STATES]
        came_in = sum((p.amount for p in settled), ZERO)
        went_back = sum((p.refunded_amount for p in payments), ZERO)
        kept = sum((p.amount - p.refunded_amount for p in payments if p.state in Payment.KEPT_STATES), ZERO)
        assert came_in - went_back == kept
        assert (came_in, went_back) == (self.money_in, self.money_back)
        for payment in payments:
            assert payment.refunds_total == payment.refunded_amount <= payment.amount
            if payment.state == Payment.State.REFUNDED:
                assert payment.refunded_amount == payment.amount
            elif payment.state == Payment.State.PARTIALLY_REFUNDED:
                assert ZERO < payment.refunded_amount < payment.amount
            else:
                assert payment.refunded_amount == ZERO
            if payment.state in Payment.KEPT_STATES:  # the ticket it pays for is the buyer's
                assert payment.booking.status == Booking.Status.CONFIRMED
                assert payment.amount == payment.booking.price

    @invariant()
    def every_payment_and_refund_has_its_document_and_numbers_run_without_gaps(self):
        documents = list(Invoice.objects.filter(organizer=self.organizer).select_related("refers_to"))
        invoices = Counter(d.payment_id for d in documents if d.kind == Invoice.Kind.INVOICE)
        for payment in Payment.objects.all():
            settled = payment.state in Payment.SETTLED_STATES
            assert invoices[payment.pk] == settled, "one invoice once the money is in, none before"
        for invoice in documents:
            assert invoice.gross == invoice.net + invoice.tax
        notes = {d.refund_id: d for d in documents if d.kind == Invoice.Kind.CREDIT_NOTE}
        refunds = list(Refund.objects.all())
        assert len(notes) == len(refunds), "one credit note per refund"
        for refund in refunds:
            note = notes[refund.pk]
            assert note.gross == -refund.amount
            assert (note.refers_to.payment_id, note.refers_to.kind) == (
                refund.payment_id,
                Invoice.Kind.INVOICE,
            )
        sequences = sorted(d.sequence for d in documents)
        assert sequences == list(range(1, len(sequences) + 1)), "invoice numbers skip or repeat"


PaymentRules.tried(max_examples=15, steps=40)


@pytest.mark.django_db
def test_random_sequences_of_buying_paying_and_refunding_keep_the_books_balanced():
    PaymentRules.TestCase().runTest()


@pytest.mark.django_db
def test_a_story_the_machine_found_a_payment_left_from_an_earlier_hold_pays_for_nothing():
    """A buyer held a Standard ticket (20.00) and opened a card payment, walked away, then booked
    the stalls (35.50) again on the same booking; the old checkout's money arrives at last.

    It must not buy the stalls seat for 20.00: there is no place at that price to pay for, so it
    is invoiced and refunded at once, and the seat stays held awaiting its own payment.
    """
    state = PaymentRules()
    try:
        state.create_event(capacity=4, refunds_closed=False)
        state.book(choice=0, kind="priced", number=None, waitlist=False, pay_with=None)
        state.start_paying(choice=0, provider="test_card")
        state.walk_away(choice=0, release=True)
        state.book(choice=0, kind="stalls", number=None, waitlist=False, pay_with=None)
        state.pay_late(choice=0)
        state.counters_equal_their_rows_and_seats_are_held_once()
        state.the_money_balances()
        state.every_payment_and_refund_has_its_document_and_numbers_run_without_gaps()
    finally:
        state.teardown()
