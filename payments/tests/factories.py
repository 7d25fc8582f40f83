"""Money in tests goes through the payment service, as a buyer's would: counters and invoices stay real.

``hold`` books a priced ticket (an unpaid hold), ``pay`` pays for it with the
simulated card, its signed webhook delivered as the provider would send it, and
``expire`` lets a hold's time run out. Only ``expire`` writes rows directly: it
moves time, which no service does.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Booking
from events.models import Event
from events.services import create_ticket_type
from payments import services
from payments.models import Payment
from payments.providers import TestCard

BUYER = {"name": "Ada Lovelace", "address": "12 St James's Square, London"}


def priced_type(event, *, price="25.00", name="Standard", **fields):
    """A ticket type of ``event`` with a price, made by its organizer through the event service."""
    return create_ticket_type(
        event=event, by=event.organizer, name=name, price=Decimal(price), **{"capacity": 10, **fields}
    )


def hold(*, user, event, ticket_type=None, seat=None, **kwargs) -> Booking:
    """Book a priced ticket: the place is held, awaiting payment."""
    booking = booking_services.book(user=user, event=event, ticket_type=ticket_type, seat=seat, **kwargs)
    assert booking.status == Booking.Status.PENDING, booking.status
    return booking


def start(booking: Booking, *, provider: str = "test_card", buyer=None) -> Payment:
    """The booking's owner starts paying with ``provider``; returns the open payment."""
    checkout = services.start_payment(
        booking=booking, provider_name=provider, buyer=buyer or BUYER, by=booking.user
    )
    return checkout.payment


def webhook(payment: Payment, *, outcome: str = "paid", amount=None, at: int | None = None):
    """The signed body and headers the simulated card provider sends about ``payment``."""
    payload = {
        "reference": payment.reference,
        "outcome": outcome,
        "amount": str(payment.amount if amount is None else amount),
        "currency": payment.currency,
        "id": f"tc_{payment.reference}",
    }
    body, signature = TestCard.signed(payload, at=at)
    return body, {TestCard.SIGNATURE_HEADER: signature}


def deliver(payment: Payment, *, outcome: str = "paid", **kwargs) -> Payment:
    """The provider tells the site what happened to ``payment``, through the webhook service."""
    body, headers = webhook(payment, outcome=outcome, **kwargs)
    return services.handle_webhook(provider_name=payment.provider, body=body, headers=headers)


def pay(booking: Booking, *, buyer=None) -> Payment:
    """Pay for a held ticket by card: start the payment, then the provider's signed "paid" webhook.

    The booking passed in is refreshed, so the caller sees it confirmed.
    """
    payment = deliver(start(booking, buyer=buyer))
    booking.refresh_from_db()
    return payment


def decline(booking: Booking) -> Payment:
    """The card is declined: the payment fails and the ticket stays held."""
    payment = deliver(start(booking), outcome="failed")
    booking.refresh_from_db()
    return payment


def expire(booking: Booking, *, ago: timedelta = timedelta(seconds=1)) -> Booking:
    """Let ``booking``'s hold run out (``ago`` before now), as if its buyer walked away.

    Moves the hold's end and the event's note of its first expiring hold, as time
    passing would; the place goes back when the event is next locked.
    """
    past = timezone.now() - ago
    Booking.objects.filter(pk=booking.pk, status=Booking.Status.PENDING).update(hold_expires_at=past)
    event = Event.objects.get(pk=booking.event_id)
    if event.holds_expire_at is None or event.holds_expire_at > past:
        Event.objects.filter(pk=event.pk).update(holds_expire_at=past)
    booking.refresh_from_db()
    return booking


def expire_all(event) -> int:
    """Let every unpaid hold of ``event`` run out; returns how many."""
    past = timezone.now() - timedelta(seconds=1)
    count = Booking.objects.filter(event=event, status=Booking.Status.PENDING).update(hold_expires_at=past)
    if count:
        Event.objects.filter(pk=event.pk).update(holds_expire_at=past)
    return count
