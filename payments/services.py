"""The payment service: the only code that writes a payment, a refund or an invoice.

Every write takes its locks in the one order (events/locks.py): the event row,
then the booking (read after the event's lock, which guards it), then the
payment row (``select_for_update``), then, to issue an invoice, the organizer's
invoice counter. The place itself is the booking service's: this one asks it to
confirm or release, and never moves a counter.

The guarantees: a payment is confirmed once, however often its webhook or the
organizer's "mark paid" arrives; an invoice number is never skipped or repeated;
a refund never pays back more than came in. Calls to the provider (start, refund)
happen outside the locks, after commit.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bookings.models import Booking
from bookings.services import cancel_booking, extend_hold, settle_payment
from eventhub.errors import DomainError, ErrorCode, raise_if
from eventhub.money import format_money
from events.locks import lock_event
from events.models import Event
from events.services import ensure_manages
from payments.invoicing import issue_credit_note, issue_invoice
from payments.models import Payment, Refund
from payments.providers import NextStep, PaymentProvider, provider, providers_for
from payments.signals import payment_confirmed

logger = logging.getLogger("eventhub.payments")

BUYER_FIELDS = {"name": 200, "address": 1000, "company": 200, "vat_id": 40}


def _log(action: str, payment: Payment, **extra) -> None:
    fields = {
        "action": action,
        "payment_id": payment.pk,
        "booking_id": payment.booking_id,
        "state": payment.state,
        "amount": str(payment.amount),
        **extra,
    }
    transaction.on_commit(lambda: logger.info(action, extra={"event_data": fields}))


def _lock(payment_id: int) -> tuple[Event, Booking, Payment]:
    """Lock a payment's event, then re-read its booking, then lock the payment row: the one order."""
    event_id = Payment.objects.filter(pk=payment_id).values_list("booking__event_id", flat=True).first()
    if event_id is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This payment does not exist.")
    event = lock_event(event_id)
    payment = Payment.objects.select_for_update().get(pk=payment_id)
    booking = Booking.objects.select_related("user", "ticket_type", "seat").get(pk=payment.booking_id)
    booking.event = event
    payment.booking = booking
    return event, booking, payment


# Starting a payment ------------------------------------------------------------


def payment_refusal(*, booking: Booking, by) -> DomainError | None:
    """Why ``by`` cannot pay for ``booking`` now, or None. Pages use it to offer the Pay button."""
    if not (by.is_authenticated and by.pk == booking.user_id):
        return DomainError(ErrorCode.NOT_FOUND, "This booking does not exist.")
    if booking.status == Booking.Status.CONFIRMED:
        if not booking.price:
            return DomainError(ErrorCode.NOT_PAYABLE, "This ticket is free: there is nothing to pay.")
        return DomainError(ErrorCode.ALREADY_PAID, "This ticket is paid for already.")
    if booking.status == Booking.Status.EXPIRED or booking.hold_has_expired:
        return DomainError(
            ErrorCode.HOLD_EXPIRED,
            "The time to pay for this ticket ran out and it went back on sale. You can book again.",
        )
    if booking.status != Booking.Status.PENDING:
        return DomainError(ErrorCode.NOT_PAYABLE, "This booking is not awaiting payment.")
    if booking.event.status == Event.Status.CANCELLED:
        return DomainError(ErrorCode.NOT_PAYABLE, "This event has been cancelled: there is nothing to pay.")
    return None


def clean_buyer(buyer: Mapping | None) -> dict:
    """The buyer's details for the invoice: a name is needed; address, company and VAT id are optional."""
    if buyer is not None and not isinstance(buyer, Mapping):
        raise DomainError(
            ErrorCode.INVALID_BUYER,
            "Give the buyer's details as name, address, company, vat_id.",
            field="buyer",
        )
    cleaned, problems = {}, []
    for key, value in (buyer or {}).items():
        if key not in BUYER_FIELDS:
            problems.append(f"“{key}” is not a buyer detail.")
        elif not isinstance(value, str):
            problems.append(f"The buyer's {key} must be text.")
        elif len(value.strip()) > BUYER_FIELDS[key]:
            problems.append(f"The buyer's {key} is longer than {BUYER_FIELDS[key]} characters.")
        else:
            cleaned[key] = value.strip()
    if not cleaned.get("name") and not problems:
        problems.append("Give the name the invoice is made out to.")
    if problems:
        raise DomainError(ErrorCode.INVALID_BUYER, " ".join(problems), field="buyer")
    return cleaned


@dataclass(frozen=True)
class Checkout:
    payment: Payment
    next_step: NextStep


def start_payment(*, booking: Booking, provider_name: str, buyer: Mapping | None, by) -> Checkout:
    """Start paying for a held ticket with one of its event's providers; returns what the buyer does next.

    A second start with the same provider while one is open returns that one (a
    double click); choosing another provider cancels the open one. A provider
    that holds longer (bank transfer) extends the hold.
    """
    chosen = provider(provider_name)
    details = clean_buyer(buyer)
    with transaction.atomic():
        event = lock_event(booking.event_id)
        booking = Booking.objects.select_related("user").get(pk=booking.pk)
        booking.event = event
        raise_if(payment_refusal(booking=booking, by=by))
        _ensure_offered(event, chosen)
        payment = _open_payment(booking, chosen, details)
        if chosen.hold_for is not None:
            extend_hold(event=event, booking=booking, until=timezone.now() + chosen.hold_for)
    payment.booking = booking
    return Checkout(payment, chosen.start(payment))


def _ensure_offered(event: Event, chosen: PaymentProvider) -> None:
    if chosen.name not in {p.name for p in providers_for(event)}:
        raise DomainError(
            ErrorCode.INVALID_PROVIDER, f"{chosen.label} is not offered for this event.", field="provider"
        )
    return chosen


def _open_payment(booking: Booking, chosen: PaymentProvider, buyer: dict) -> Payment:
    """The booking's open payment with ``chosen`` (buyer updated), or a new one; others are cancelled."""
    open_ones = list(Payment.objects.select_for_update().filter(booking=booking).open().order_by("pk"))
    kept = next((p for p in open_ones if p.provider == chosen.name and p.amount == booking.price), None)
    for payment in open_ones:
        if payment is not kept:
            payment.state = Payment.State.CANCELLED
            payment.save(update_fields=["state", "updated_at"])
    if kept is not None:
        kept.buyer = buyer
        kept.save(update_fields=["buyer", "updated_at"])
        return kept
    payment = Payment.objects.create(
        booking=booking,
        provider=chosen.name,
        amount=booking.price,
        currency=booking.event.currency,
        state=Payment.State.PENDING,
        buyer=buyer,
    )
    _log("payment.started", payment, provider=chosen.name)
    return payment


# The money arrives (or not) ------------------------------------------------------


def confirm_payment(
    *, payment: Payment, amount: Decimal | None = None, provider_reference: str = ""
) -> Payment:
    """Record that ``payment``'s money arrived: confirm the ticket and issue the invoice, once.

    Idempotent: the payment row is locked before it is read, so a webhook
    delivered twice, or a "mark paid" racing it, confirms and invoices once. A
    payment whose hold ran out takes its place back if still free; when there is
    no place to pay for (sold meanwhile, cancelled, paid already by another
    payment, or the booking now holds a ticket of another price), it is invoiced
    and refunded at once, with a credit note.
    """
    with transaction.atomic():
        event, booking, payment = _lock(payment.pk)
        if payment.state in Payment.SETTLED_STATES:
            return payment
        if amount is not None and (amount != payment.amount):
            raise DomainError(
                ErrorCode.INVALID_AMOUNT,
                f"{amount} was paid, but this payment is for {payment.amount} {payment.currency}.",
            )
        # A payment left over from an earlier hold of another price pays for nothing now.
        placed = payment.amount == booking.price and settle_payment(event=event, booking=booking)
        payment.state, payment.paid_at = Payment.State.PAID, timezone.now()
        payment.provider_reference = provider_reference or payment.provider_reference
        payment.failure_reason = ""
        if not placed:  # never kept: it is saved once, as refunded, below
            payment.state = Payment.State.REFUNDED
        payment.save(update_fields=["state", "paid_at", "provider_reference", "failure_reason", "updated_at"])
        issue_invoice(payment)
        _log("payment.paid", payment, placed=placed)
        if placed:  # receivers enqueue on commit (notifications: the receipt with the invoice)
            payment_confirmed.send(sender=Payment, payment=payment)
        else:
            payment.state = Payment.State.PAID
            _refund_locked(
                payment,
                payment.amount,
                by=None,
                reason="The ticket was no longer available when the payment arrived.",
            )
        return payment


def fail_payment(*, payment: Payment, reason: str) -> Payment:
    """A provider declined the payment: the ticket stays held until its time runs out, so they can retry."""
    with transaction.atomic():
        _event, _booking, payment = _lock(payment.pk)
        if payment.state in Payment.OPEN_STATES:
            payment.state, payment.failure_reason = Payment.State.FAILED, reason[:300]
            payment.save(update_fields=["state", "failure_reason", "updated_at"])
            _log("payment.failed", payment)
        return payment


def mark_paid(*, payment: Payment, by) -> Payment:
    """The organizer received a bank transfer: confirm the payment it was for (admin, API).

    Only for providers whose money arrives outside the site; a transfer the buyer
    had abandoned for another way to pay still counts (the money came), and if the
    ticket is paid already it is refunded like any second payment.
    """
    _ensure_manages_payment(payment, by)
    if not provider(payment.provider).paid_by_hand:
        raise DomainError(
            ErrorCode.NOT_PAYABLE,
            f"A {payment.provider} payment is confirmed by its provider, not marked paid by hand.",
        )
    return confirm_payment(payment=payment)


def handle_webhook(*, provider_name: str, body: bytes, headers) -> Payment:
    """Act on a provider's signed webhook: verify it, then confirm, fail or leave the payment pending."""
    news = provider(provider_name).read_webhook(body=body, headers=headers)
    payment = Payment.objects.filter(reference=news.reference, provider=provider_name).first()
    if payment is None:
        raise DomainError(ErrorCode.NOT_FOUND, "No payment has this reference.")
    if news.currency != payment.currency:
        raise DomainError(
            ErrorCode.INVALID_AMOUNT, f"This payment is in {payment.currency}, not {news.currency}."
        )
    if news.outcome == "paid":
        return confirm_payment(
            payment=payment, amount=news.amount, provider_reference=news.provider_reference
        )
    if news.outcome == "failed":
        return fail_payment(payment=payment, reason=news.message or "The card was declined.")
    return payment


# Refunds ----------------------------------------------------------------------


def _refund_locked(payment: Payment, amount: Decimal, *, by, reason: str) -> Refund:
    """Refund ``amount`` of a locked, settled payment: a refund row, a credit note, the provider on commit."""
    if amount <= 0 or amount > payment.refundable_amount:
        raise DomainError(
            ErrorCode.NOT_REFUNDABLE,
            f"At most {payment.refundable_amount} {payment.currency} of this payment can be refunded.",
        )
    try:
        manual = provider(payment.provider).manual_refunds
    except DomainError:  # a provider the site no longer offers: the organizer refunds by hand
        manual = True
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason[:300],
        state=Refund.State.TO_DO if manual else Refund.State.PENDING,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    Payment.objects.filter(pk=payment.pk).update(refunded_amount=F("refunded_amount") + amount)
    payment.refunded_amount += amount
    payment.state = (
        Payment.State.REFUNDED
        if payment.refunded_amount == payment.amount
        else Payment.State.PARTIALLY_REFUNDED
    )
    payment.save(update_fields=["state", "updated_at"])
    issue_credit_note(refund)
    _log("payment.refunded", payment, refund_id=refund.pk, refund_amount=str(amount))
    if not manual:
        transaction.on_commit(lambda: _send_refund(refund.pk))
    return refund


def _send_refund(refund_id: int) -> None:
    """Ask the provider to send a refund back, outside the locks; record what it said."""
    refund = Refund.objects.select_related("payment").get(pk=refund_id)
    try:
        sent = provider(refund.payment.provider).refund(refund.payment, refund.amount)
    except Exception:  # a provider's outage: left for the organizer to finish by hand
        logger.exception("refund.failed", extra={"event_data": {"refund_id": refund_id}})
        sent = False
    state = Refund.State.DONE if sent else Refund.State.TO_DO
    Refund.objects.filter(pk=refund_id, state=Refund.State.PENDING).update(
        state=state, done_at=timezone.now() if sent else None
    )


def refund_payment(*, payment: Payment, by, amount: Decimal | None = None, reason: str = "") -> Refund:
    """The organizer (or staff) gives money back, all of it by default; the ticket stays as it is."""
    _ensure_manages_payment(payment, by)
    with transaction.atomic():
        _event, _booking, payment = _lock(payment.pk)
        if payment.state not in Payment.SETTLED_STATES:
            raise DomainError(ErrorCode.NOT_REFUNDABLE, "Only a paid payment can be refunded.")
        return _refund_locked(
            payment,
            payment.refundable_amount if amount is None else amount,
            by=by,
            reason=reason or "Refunded by the organizer.",
        )


def mark_refund_done(*, refund: Refund, by) -> Refund:
    """The organizer sent a by-hand refund (bank transfer): record it as done. Twice changes nothing."""
    _ensure_manages_payment(refund.payment, by)
    with transaction.atomic():
        _lock(refund.payment_id)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if refund.state != Refund.State.DONE:
            refund.state, refund.done_at = Refund.State.DONE, timezone.now()
            refund.save(update_fields=["state", "done_at"])
        return refund


def _ensure_manages_payment(payment: Payment, by) -> None:
    event = Event.objects.filter(bookings__payments=payment.pk).first()
    if event is None:
        raise DomainError(ErrorCode.NOT_FOUND, "This payment does not exist.")
    ensure_manages(event=event, by=by)


# Reactions to the booking and event services ------------------------------------


def refund_on_cancel(sender, *, booking: Booking, event: Event, by, was: str, **kwargs) -> None:
    """bookings.signals.booking_cancelled: refund what was paid, or refuse once refunds have closed.

    The attendee may cancel a paid ticket with a refund until the event's refund
    window closes; the organizer and staff at any time. Open payments of an
    unpaid hold are cancelled.
    """
    payments = list(Payment.objects.select_for_update().filter(booking=booking).order_by("pk"))
    kept = [p for p in payments if p.state in Payment.KEPT_STATES]
    for payment in payments:
        if payment.state in Payment.OPEN_STATES:
            payment.state = Payment.State.CANCELLED
            payment.save(update_fields=["state", "updated_at"])
    if not kept:
        return
    raise_if(_refunds_closed(event, by))
    for payment in kept:
        payment.booking = booking
        _refund_locked(payment, payment.refundable_amount, by=by, reason="The booking was cancelled.")


def _refunds_closed(event: Event, by) -> DomainError | None:
    """Why ``by`` may no longer cancel a paid ticket of ``event`` with a refund, or None."""
    if event.is_managed_by(by) or timezone.now() < event.refunds_close_at:
        return None
    closed = timezone.localtime(event.refunds_close_at, ZoneInfo(event.timezone))
    return DomainError(
        ErrorCode.NOT_REFUNDABLE,
        f"Refunds for this event closed on {closed:%d %B %Y at %H:%M} ({event.timezone}), so a paid "
        "ticket cannot be cancelled now. Please contact the organizer.",
    )


def kept_payment(booking: Booking) -> Payment | None:
    """The payment whose money ``booking`` keeps (one at most): what cancelling it refunds."""
    return Payment.objects.filter(booking=booking, state__in=Payment.KEPT_STATES).first()


def cancellation_refusal(*, booking: Booking, by) -> DomainError | None:
    """Why ``by`` cannot cancel ``booking`` now because of its money, or None. Pages ask it first."""
    if kept_payment(booking) is None:
        return None
    return _refunds_closed(booking.event, by)


@dataclass
class RefundSummary:
    """What refunding a cancelled event did, for the organizer."""

    currency: str = ""
    cancelled: int = 0
    refunded: Decimal = Decimal("0.00")
    to_refund_by_hand: int = 0
    failed: list[str] = field(default_factory=list)

    def __str__(self):
        refunded = format_money(self.refunded, self.currency) if self.currency else str(self.refunded)
        parts = [f"{self.cancelled} paid or held bookings cancelled, {refunded} refunded in all"]
        if self.to_refund_by_hand:
            parts.append(f"{self.to_refund_by_hand} to refund by hand (see Refunds)")
        if self.failed:
            parts.append(f"{len(self.failed)} could not be cancelled: {'; '.join(self.failed[:5])}")
        return ", ".join(parts) + "."


def refund_cancelled_event(*, event: Event, by) -> RefundSummary:
    """Cancel every paid or held booking of a cancelled event, refunding each, one transaction apiece.

    Resumable: a booking already cancelled is skipped, so running it again after
    an interruption finishes the rest. Free confirmed bookings stay as they were.
    """
    event = Event.objects.get(pk=event.pk)
    ensure_manages(event=event, by=by)
    if event.status != Event.Status.CANCELLED:
        raise DomainError(
            ErrorCode.NOT_REFUNDABLE,
            "This event is not cancelled, so its tickets stay sold. Cancel the event first to refund "
            "everyone who paid.",
        )
    summary = RefundSummary(currency=event.currency)
    paid = Payment.objects.filter(booking__event_id=event.pk).settled().values("booking_id")
    bookings = Booking.objects.filter(event_id=event.pk).filter(
        Q(status=Booking.Status.PENDING) | Q(status=Booking.Status.CONFIRMED, pk__in=paid)
    )
    for booking in bookings.order_by("pk").iterator():
        try:
            cancel_booking(booking=booking, by=by)
        except DomainError as error:
            summary.failed.append(f"booking {booking.pk}: {error.message}")
            continue
        summary.cancelled += 1
    for refund in Refund.objects.filter(payment__booking__event_id=event.pk):
        summary.refunded += refund.amount
        summary.to_refund_by_hand += refund.state == Refund.State.TO_DO
    return summary
