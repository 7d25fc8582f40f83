"""Money under real concurrent requests: threads with their own connections, released together.

PostgreSQL only: there the locks decide (SQLite's IMMEDIATE write lock queues whole
transactions, so a missing row lock would not show). Each test checks the rows
themselves afterwards: invoice numbers, invoices per payment, refunds and credit
notes, every counter against its rows and every seat against its holders. The
event row lock, the invoice counter's row lock and, where the event lock is gone,
the payment row lock each stop a test here from passing (.ci/lock-mutants).
"""

import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings import services as booking_services
from bookings.models import Booking
from eventhub.errors import DomainError
from events.models import Event, TicketType
from events.services import SeatLayout
from events.tests.factories import EventFactory
from payments import services
from payments.models import Invoice, Payment, Refund
from payments.tests.factories import expire, expire_all, hold, priced_type, start, webhook

pytestmark = [pytest.mark.postgres, pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]

JOIN_TIMEOUT = 60
# At most this many connections at once: PostgreSQL allows 100 clients in all.
WORKERS = 30


def _result(action):
    """What a request ended with: its return value, the refusal code, or the unexpected error."""
    try:
        return action()
    except DomainError as refusal:
        return refusal.code
    except Exception as error:  # anything else is a failure the test reports
        return f"error: {error!r}"


def together(actions, *, workers=WORKERS):
    """Run ``actions`` on up to ``workers`` threads released at once; results come back in order.

    Each thread works through its share (as app servers with a pool of
    connections would) and closes its connection at the end.
    """
    workers = min(workers, len(actions))
    barrier = threading.Barrier(workers)
    results = [None] * len(actions)

    def work(first):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            for index in range(first, len(actions), workers):
                results[index] = _result(actions[index])
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT * 2)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    return results


def state_of(result):
    """A payment's state, a booking's status, or the refusal/error the request ended with."""
    return getattr(result, "state", None) or getattr(result, "status", None) or result


def delivery(payment):
    """The provider's signed "paid" webhook for ``payment``, ready to be sent (and sent again)."""
    body, headers = webhook(payment)
    return lambda: services.handle_webhook(provider_name=payment.provider, body=body, headers=headers)


def assert_counters_and_seats_exact():
    """Every counter equals its confirmed and pending rows, every seat's flag its holders, no limit passed."""
    assert booking_services.counter_mismatches() == []
    for event in Event.objects.all():
        assert 0 <= event.booked_seats <= event.capacity, event
    for ticket_type in TicketType.objects.all():
        assert 0 <= ticket_type.booked_seats <= ticket_type.capacity, ticket_type
    held = list(Booking.objects.active().filter(seat__isnull=False).values_list("seat_id", flat=True))
    assert len(held) == len(set(held)), "a seat is held twice"


def assert_books_balance():
    """Each settled payment has one invoice, each refund one credit note, and the numbers run 1..n."""
    for payment in Payment.objects.settled():
        assert payment.invoices.filter(kind=Invoice.Kind.INVOICE).count() == 1, payment
        refunded = sum((r.amount for r in payment.refunds.all()), Decimal("0.00"))
        assert refunded == payment.refunded_amount, payment
    assert not Invoice.objects.exclude(payment__state__in=Payment.SETTLED_STATES).exists()
    for refund in Refund.objects.all():
        assert Invoice.objects.filter(refund=refund, kind=Invoice.Kind.CREDIT_NOTE).count() == 1
    for organizer_id, year in set(Invoice.objects.values_list("organizer_id", "year")):
        numbers = sorted(
            Invoice.objects.filter(organizer_id=organizer_id, year=year).values_list("sequence", flat=True)
        )
        assert numbers == list(range(1, len(numbers) + 1)), "invoice numbers skip or repeat"


def held_bookings(organizer, *, events, per_event, price="20.00"):
    """``per_event`` attendees hold a priced ticket at each of ``events`` events of ``organizer``."""
    bookings = []
    for _ in range(events):
        event = EventFactory(organizer=organizer, capacity=per_event, ticket_types=True)
        ticket_type = priced_type(event, price=price, capacity=per_event)
        bookings += [
            hold(user=user, event=event, ticket_type=ticket_type)
            for user in UserFactory.create_batch(per_event)
        ]
    return bookings


# Invoices ---------------------------------------------------------------------------------------


def test_fifty_payments_completing_at_once_number_their_invoices_one_to_fifty(organizer):
    payments = [start(booking) for booking in held_bookings(organizer, events=5, per_event=10)]

    results = together([delivery(payment) for payment in payments])

    assert Counter(map(state_of, results)) == {"paid": 50}, results
    invoices = Invoice.objects.filter(organizer=organizer, kind=Invoice.Kind.INVOICE)
    assert sorted(invoices.values_list("sequence", flat=True)) == list(range(1, 51))
    assert set(invoices.values_list("year", flat=True)) == {timezone.now().year}
    assert len(set(invoices.values_list("number", flat=True))) == 50
    assert sorted(invoices.values_list("payment_id", flat=True)) == sorted(p.pk for p in payments)
    assert Counter(Booking.objects.values_list("status", flat=True)) == {"confirmed": 50}
    assert_counters_and_seats_exact()
    assert_books_balance()


# One payment, told twice -----------------------------------------------------------------------


ROUNDS = 10  # payments raced at once, two requests each: enough that a missing lock shows


def assert_paid_once(payments):
    for payment in payments:
        payment.refresh_from_db()
        assert payment.state == Payment.State.PAID
        assert payment.invoices.count() == 1, "one payment, one invoice"
        assert not payment.refunds.exists()
        assert Booking.objects.get(pk=payment.booking_id).status == Booking.Status.CONFIRMED
    assert_counters_and_seats_exact()
    assert_books_balance()


def test_the_same_signed_webhook_delivered_twice_at_once_confirms_and_invoices_once(organizer):
    payments = [start(booking) for booking in held_bookings(organizer, events=2, per_event=ROUNDS // 2)]

    results = together([delivery(payment) for payment in payments for _ in range(2)])

    assert Counter(map(state_of, results)) == {"paid": 2 * ROUNDS}, results
    assert_paid_once(payments)
    assert Invoice.objects.count() == ROUNDS


def test_the_organizer_marking_a_transfer_paid_twice_at_once_invoices_once(organizer):
    bookings = held_bookings(organizer, events=2, per_event=ROUNDS // 2)
    payments = [start(booking, provider="bank_transfer") for booking in bookings]
    mark_paid = [lambda p=p: services.mark_paid(payment=p, by=organizer) for p in payments]

    results = together([action for action in mark_paid for _ in range(2)])  # a double click

    assert Counter(map(state_of, results)) == {"paid": 2 * ROUNDS}, results
    assert_paid_once(payments)


def test_a_transfer_marked_paid_while_the_card_payment_arrives_keeps_one_and_refunds_the_other(organizer):
    """The buyer began a bank transfer, then paid by card instead; the transfer came in all the same.

    The organizer marks it paid just as the card's webhook arrives: the ticket is
    confirmed once, by whichever comes first; the other is invoiced and refunded in
    full at once, with a credit note.
    """
    transfers, cards = [], []
    for booking in held_bookings(organizer, events=2, per_event=ROUNDS // 2):
        transfers.append(start(booking, provider="bank_transfer"))
        cards.append(start(booking, provider="test_card"))  # the transfer is called off
    actions = []
    for transfer, card in zip(transfers, cards, strict=True):
        actions += [lambda t=transfer: services.mark_paid(payment=t, by=organizer), delivery(card)]

    results = together(actions)

    assert set(map(state_of, results)) <= {"paid", "refunded"}, results
    for transfer, card in zip(transfers, cards, strict=True):
        transfer.refresh_from_db()
        card.refresh_from_db()
        assert sorted([transfer.state, card.state]) == ["paid", "refunded"], "one is kept, one goes back"
        refunded = transfer if transfer.state == Payment.State.REFUNDED else card
        assert refunded.refunded_amount == refunded.amount
        assert Invoice.objects.filter(payment=refunded, kind=Invoice.Kind.CREDIT_NOTE).count() == 1
        assert Booking.objects.get(pk=card.booking_id).status == Booking.Status.CONFIRMED
    assert Refund.objects.count() == ROUNDS
    assert_counters_and_seats_exact()
    assert_books_balance()


# A flash sale with short holds ----------------------------------------------------------------


def book_action(user, event, ticket_type):
    return lambda: booking_services.book(user=user, event=event, ticket_type=ticket_type)


def pay_action(booking):
    """Start paying and have the provider confirm it: one request after the other, like a buyer."""
    return lambda: delivery(start(booking))()


def test_a_flash_sale_whose_holds_expire_resells_each_seat_once_and_never_oversells(organizer):
    event = EventFactory(organizer=organizer, capacity=20, ticket_types=True)
    stalls = priced_type(event, price="45.00", name="Stalls", layout=SeatLayout(rows=4, seats_per_row=5))

    # Forty buyers rush twenty seats: twenty hold one, the rest hear it is sold out.
    results = together([book_action(user, event, stalls) for user in UserFactory.create_batch(40)])
    assert Counter(map(state_of, results)) == {"pending": 20, "event_full": 20}, results
    assert_counters_and_seats_exact()

    # Six pay at once while the other fourteen walk away; their holds run out.
    holders = list(Booking.objects.filter(event=event, status="pending").order_by("pk"))
    results = together([pay_action(booking) for booking in holders[:6]])
    assert Counter(map(state_of, results)) == {"paid": 6}, results
    assert expire_all(event) == 14

    # A second wave books while the periodic job releases expired holds: each hold is
    # released once (by whichever takes the event first) and its seat sold once more.
    second_wave = UserFactory.create_batch(25)
    actions = [book_action(user, event, stalls) for user in second_wave]
    actions += [booking_services.release_expired_holds] * 3
    results = together(actions)
    assert Counter(map(state_of, results[:25])) == {"pending": 14, "event_full": 11}, results
    assert all(isinstance(released, int) for released in results[25:]), results
    assert Booking.objects.filter(event=event, status="expired").count() == 14
    assert not Booking.objects.filter(event=event).expired_holds().exists()
    assert_counters_and_seats_exact()

    # Seven of the new holders pay while the other seven's time runs out and ten more try.
    new_holds = list(Booking.objects.filter(event=event, status="pending").order_by("pk"))
    for booking in new_holds[7:]:
        expire(booking)
    actions = [pay_action(booking) for booking in new_holds[:7]]
    actions += [book_action(user, event, stalls) for user in UserFactory.create_batch(10)]
    results = together(actions)
    assert Counter(map(state_of, results[:7])) == {"paid": 7}, results
    assert Counter(map(state_of, results[7:])) == {"pending": 7, "event_full": 3}, results

    statuses = Counter(Booking.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == {"confirmed": 13, "pending": 7, "expired": 21}
    event.refresh_from_db()
    assert event.booked_seats == 20
    held = Booking.objects.filter(event=event).holding().values_list("seat_id", flat=True)
    assert set(held) == set(stalls.seats.values_list("pk", flat=True)), "each seat sold once, none lost"
    assert_counters_and_seats_exact()
    assert_books_balance()


# A payment that arrives after its hold was released -------------------------------------------


LAST_PLACE_ROUNDS = 12


def test_a_late_payment_and_a_new_buyer_racing_for_the_last_place_never_both_get_it(organizer):
    """The hold ran out and its place went back on sale; the late payment and a new buyer race for it.

    Exactly one gets the place. When the buyer wins, the late payment is invoiced
    and refunded at once, with a credit note; when the payment wins, the buyer hears
    it is sold out.
    """
    late, buyers = [], []
    for _ in range(LAST_PLACE_ROUNDS):
        event = EventFactory(organizer=organizer, capacity=1, ticket_types=True)
        ticket_type = priced_type(event, price="60.00", capacity=1)
        booking = hold(user=UserFactory(), event=event, ticket_type=ticket_type)
        late.append(start(booking))
        buyers.append(book_action(UserFactory(), event, ticket_type))
    for payment in late:
        expire(payment.booking)
    assert booking_services.release_expired_holds() == LAST_PLACE_ROUNDS

    actions = []
    for payment, buyer in zip(late, buyers, strict=True):
        actions += [delivery(payment), buyer]
    results = together(actions)

    for payment, paid, bought in zip(late, results[::2], results[1::2], strict=True):
        payment.refresh_from_db()
        booking = Booking.objects.get(pk=payment.booking_id)
        assert state_of(paid) in ("paid", "refunded"), paid
        if booking.status == Booking.Status.CONFIRMED:  # the late payment got its place back
            assert state_of(bought) == "event_full", bought
            assert payment.state == Payment.State.PAID and not payment.refunds.exists()
        else:  # the new buyer was first: the money goes back, with a credit note
            assert booking.status == Booking.Status.EXPIRED
            assert state_of(bought) == "pending", bought
            assert payment.state == Payment.State.REFUNDED
            assert payment.refunded_amount == payment.amount
            [refund] = payment.refunds.all()
            assert refund.state == Refund.State.DONE  # the card provider sent it back on commit
            note = Invoice.objects.get(refund=refund)
            assert note.refers_to == payment.invoices.get(kind=Invoice.Kind.INVOICE)
            assert note.gross == -payment.amount
        event = booking.event
        event.refresh_from_db()
        assert event.booked_seats == 1
    assert_counters_and_seats_exact()
    assert_books_balance()
