"""The money rules, one test each: holds, starting and confirming payments, webhooks, invoices, refunds."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from accounts.services import delete_account
from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import (
    book,
    cancel_booking,
    change_ticket_type,
    counter_mismatches,
    release_expired_holds,
)
from eventhub.errors import DomainError, ErrorCode
from events.models import Event, TicketType
from events.services import cancel_event
from events.tests.factories import EventFactory, TicketTypeFactory
from payments.invoicing import pdf_of, split_tax
from payments.models import Invoice, Payment, Refund
from payments.providers import NextStep, PaymentProvider, TestCard, providers_for
from payments.services import (
    confirm_payment,
    fail_payment,
    handle_webhook,
    mark_paid,
    mark_refund_done,
    refund_cancelled_event,
    refund_payment,
    start_payment,
)

pytestmark = pytest.mark.django_db
BUYER = {"name": "Ann Buyer", "address": "1 High Street"}


@pytest.fixture
def vip(published_event):
    return TicketTypeFactory(event=published_event, name="VIP", price=Decimal("25.00"), capacity=2)


def held(user, ticket_type) -> Booking:
    return book(user=user, event=ticket_type.event, ticket_type=ticket_type)


def start(booking, provider="test_card"):
    return start_payment(booking=booking, provider_name=provider, buyer=BUYER, by=booking.user).payment


def webhook(payment, outcome="paid", amount=None, at=None, currency=None):
    body, signature = TestCard.signed(
        {
            "reference": payment.reference,
            "outcome": outcome,
            "amount": str(amount or payment.amount),
            "currency": currency or payment.currency,
        },
        at=at,
    )
    return handle_webhook(
        provider_name="test_card", body=body, headers={TestCard.SIGNATURE_HEADER: signature}
    )


def paid(user, ticket_type) -> Payment:
    payment = start(held(user, ticket_type))
    return webhook(payment)


def expire(booking):
    past = timezone.now() - timedelta(seconds=1)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=past)
    Event.objects.filter(pk=booking.event_id).update(holds_expire_at=past)


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code, caught.value.message
    return caught.value


# Holds ----------------------------------------------------------------------------


def test_a_priced_ticket_is_held_for_the_events_hold_minutes_at_its_price(vip, attendee):
    Event.objects.filter(pk=vip.event_id).update(hold_minutes=10)
    before = timezone.now()
    booking = held(attendee, vip)
    assert booking.status == Booking.Status.PENDING
    assert booking.price == Decimal("25.00")
    assert before + timedelta(minutes=10) <= booking.hold_expires_at <= timezone.now() + timedelta(minutes=10)
    vip.refresh_from_db()
    assert vip.booked_seats == 1  # a hold counts like a sale
    assert counter_mismatches() == []


def test_a_free_ticket_is_confirmed_at_once(published_event, attendee):
    booking = book(user=attendee, event=published_event)
    assert booking.status == Booking.Status.CONFIRMED and booking.hold_expires_at is None


def test_a_later_price_change_does_not_change_what_a_held_ticket_costs(vip, attendee):
    booking = held(attendee, vip)
    TicketType.objects.filter(pk=vip.pk).update(price=Decimal("99.00"))
    assert start(booking).amount == Decimal("25.00")


def test_booking_a_full_event_releases_its_expired_holds_first(vip, attendee, other_attendee):
    first, second = held(attendee, vip), held(other_attendee, vip)
    third = _attendee("third")
    refused(ErrorCode.TICKET_TYPE_FULL, held, third, vip)
    expire(first)
    booking = held(third, vip)
    assert booking.status == Booking.Status.PENDING
    first.refresh_from_db()
    assert first.status == Booking.Status.EXPIRED and first.hold_expires_at is None
    assert second.status == Booking.Status.PENDING
    assert counter_mismatches() == []


def test_a_hold_not_yet_expired_is_kept(vip, attendee, other_attendee):
    held(attendee, vip)
    held(other_attendee, vip)
    refused(ErrorCode.TICKET_TYPE_FULL, held, _attendee("third"), vip)


def test_release_expired_holds_frees_seats_and_offers_them_to_the_waitlist_as_a_hold(
    vip, attendee, other_attendee, django_capture_on_commit_callbacks
):
    first, _ = held(attendee, vip), held(other_attendee, vip)
    waiting = book(user=_attendee("third"), event=vip.event, ticket_type=vip, waitlist=True)
    expire(first)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert release_expired_holds() == 1

    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.PENDING  # an offer to pay, not a confirmed seat
    assert waiting.hold_expires_at > timezone.now()
    assert f"/payments/checkout/{waiting.pk}/" in mail.outbox[0].body
    assert counter_mismatches() == []


def test_the_release_command_says_how_many_it_released(vip, attendee):
    from django.core.management import call_command

    expire(held(attendee, vip))
    out = io.StringIO()
    call_command("release_expired_holds", stdout=out)
    assert "Released 1 expired hold." in out.getvalue()


# Starting a payment ---------------------------------------------------------------------


def test_only_the_owner_can_pay_for_a_hold(vip, attendee, other_attendee):
    booking = held(attendee, vip)
    refused(
        ErrorCode.NOT_FOUND,
        start_payment,
        booking=booking,
        provider_name="test_card",
        buyer=BUYER,
        by=other_attendee,
    )


def test_an_expired_hold_cannot_start_a_payment(vip, attendee):
    booking = held(attendee, vip)
    expire(booking)
    refused(ErrorCode.HOLD_EXPIRED, start, booking)


def test_a_paid_ticket_cannot_be_paid_again(vip, attendee):
    payment = paid(attendee, vip)
    refused(ErrorCode.ALREADY_PAID, start, payment.booking)


def test_an_unknown_or_unoffered_provider_is_refused(vip, attendee):
    booking = held(attendee, vip)
    refused(ErrorCode.INVALID_PROVIDER, start, booking, "pigeon")
    Event.objects.filter(pk=vip.event_id).update(payment_providers=["bank_transfer"])
    refused(ErrorCode.INVALID_PROVIDER, start, booking, "test_card")


@pytest.mark.parametrize("buyer", [None, {}, {"name": " "}, {"name": "A", "shoe": "42"}, {"name": 5}, "Ann"])
def test_the_invoice_needs_a_buyer_name_and_only_known_details(vip, attendee, buyer):
    booking = held(attendee, vip)
    refused(
        ErrorCode.INVALID_BUYER,
        start_payment,
        booking=booking,
        provider_name="test_card",
        buyer=buyer,
        by=attendee,
    )


def test_starting_twice_with_one_provider_keeps_one_open_payment(vip, attendee):
    booking = held(attendee, vip)
    assert start(booking).pk == start(booking).pk
    assert Payment.objects.open().count() == 1


def test_switching_provider_cancels_the_open_payment(vip, attendee):
    booking = held(attendee, vip)
    card = start(booking)
    bank = start(booking, "bank_transfer")
    card.refresh_from_db()
    assert card.state == Payment.State.CANCELLED and bank.state == Payment.State.PENDING


def test_a_bank_transfer_holds_for_days_but_never_past_the_start(vip, attendee, settings):
    settings.BANK_TRANSFER_HOLD_DAYS = 3
    booking = held(attendee, vip)
    checkout = start_payment(booking=booking, provider_name="bank_transfer", buyer=BUYER, by=attendee)
    booking.refresh_from_db()
    assert booking.hold_expires_at == min(vip.event.starts_at, booking.hold_expires_at)
    assert (
        booking.hold_expires_at > timezone.now() + timedelta(days=2)
        or booking.hold_expires_at == vip.event.starts_at
    )
    assert checkout.next_step.kind == "instructions"
    assert checkout.payment.reference in checkout.next_step.instructions


# Confirming -------------------------------------------------------------------------


def test_a_paid_webhook_confirms_the_ticket_and_issues_one_invoice_even_when_replayed(vip, attendee):
    payment = start(held(attendee, vip))
    webhook(payment)
    webhook(payment)
    confirm_payment(payment=payment)
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID and payment.paid_at
    assert payment.booking.status == Booking.Status.CONFIRMED
    assert Invoice.objects.filter(payment=payment).count() == 1


def test_a_declined_card_keeps_the_hold_so_the_buyer_can_try_again(vip, attendee):
    booking = held(attendee, vip)
    payment = webhook(start(booking), outcome="failed")
    assert payment.state == Payment.State.FAILED
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING
    assert webhook(start(booking)).state == Payment.State.PAID


def test_a_pending_outcome_changes_nothing(vip, attendee):
    payment = webhook(start(held(attendee, vip)), outcome="pending")
    assert payment.state == Payment.State.PENDING


def test_a_wrong_amount_or_currency_is_refused(vip, attendee):
    payment = start(held(attendee, vip))
    refused(ErrorCode.INVALID_AMOUNT, webhook, payment, amount=Decimal("1.00"))
    refused(
        ErrorCode.INVALID_AMOUNT, webhook, payment, currency="JPY" if payment.currency != "JPY" else "USD"
    )
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


def test_a_tampered_signature_is_refused(vip, attendee):
    payment = start(held(attendee, vip))
    body, signature = TestCard.signed(
        {"reference": payment.reference, "outcome": "paid", "amount": "25.00", "currency": payment.currency}
    )
    tampered = body.replace(b"25.00", b"0.01")
    refused(
        ErrorCode.INVALID_WEBHOOK,
        handle_webhook,
        provider_name="test_card",
        body=tampered,
        headers={TestCard.SIGNATURE_HEADER: signature},
    )
    refused(ErrorCode.INVALID_WEBHOOK, handle_webhook, provider_name="test_card", body=body, headers={})


def test_a_replayed_old_webhook_is_refused(vip, attendee, settings):
    payment = start(held(attendee, vip))
    long_ago = int(timezone.now().timestamp()) - settings.WEBHOOK_TOLERANCE_SECONDS - 10
    refused(ErrorCode.INVALID_WEBHOOK, webhook, payment, at=long_ago)


def test_a_payment_after_the_hold_was_released_retakes_a_free_place(vip, attendee):
    booking = held(attendee, vip)
    payment = start(booking)
    expire(booking)
    release_expired_holds()
    webhook(payment)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert counter_mismatches() == []


def test_a_payment_after_the_place_was_resold_is_refunded_with_a_credit_note(vip, attendee, other_attendee):
    booking = held(attendee, vip)
    payment = start(booking)
    expire(booking)
    held(other_attendee, vip)
    held(_attendee("third"), vip)  # the type is full again
    payment = webhook(payment)
    assert payment.state == Payment.State.REFUNDED
    booking.refresh_from_db()
    assert booking.status == Booking.Status.EXPIRED
    kinds = sorted(Invoice.objects.filter(payment=payment).values_list("kind", flat=True))
    assert kinds == ["credit_note", "invoice"]
    assert counter_mismatches() == []


def test_a_second_payment_for_a_paid_ticket_is_refunded(vip, attendee):
    booking = held(attendee, vip)
    card = start(booking)
    bank = start(booking, "bank_transfer")  # cancels the card payment, which then goes through anyway
    mark_paid(payment=bank, by=vip.event.organizer)
    card = webhook(card)
    assert card.state == Payment.State.REFUNDED
    assert Payment.objects.get(pk=bank.pk).state == Payment.State.PAID


def test_only_the_events_organizer_marks_a_transfer_paid(vip, attendee, other_organizer):
    payment = start(held(attendee, vip), "bank_transfer")
    refused(ErrorCode.NOT_ALLOWED, mark_paid, payment=payment, by=other_organizer)
    refused(ErrorCode.NOT_ALLOWED, mark_paid, payment=payment, by=attendee)
    assert mark_paid(payment=payment, by=vip.event.organizer).state == Payment.State.PAID


def test_a_failure_after_payment_changes_nothing(vip, attendee):
    payment = paid(attendee, vip)
    assert fail_payment(payment=payment, reason="late decline").state == Payment.State.PAID


# Invoices ------------------------------------------------------------------------------


def test_invoice_numbers_run_per_organizer_and_year_without_gaps(
    vip, attendee, other_attendee, other_organizer
):
    other_event = EventFactory(organizer=other_organizer)
    other_vip = TicketTypeFactory(event=other_event, name="VIP", price=Decimal("10.00"), capacity=5)
    year = timezone.now().year
    numbers = [
        paid(u, t).invoices.get().number
        for u, t in [(attendee, vip), (other_attendee, vip), (attendee, other_vip)]
    ]
    assert numbers == [f"{year}-00001", f"{year}-00002", f"{year}-00001"]


def test_a_refund_issues_a_credit_note_with_the_next_number_and_negative_amounts(vip, attendee):
    payment = paid(attendee, vip)
    refund_payment(payment=payment, by=vip.event.organizer)
    invoice = payment.invoices.get(kind=Invoice.Kind.INVOICE)
    note = payment.invoices.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert note.refers_to == invoice and note.sequence == invoice.sequence + 1
    assert note.gross == Decimal("-25.00") and note.net + note.tax == note.gross


def test_an_issued_invoice_never_changes_and_is_never_deleted(vip, attendee):
    invoice = paid(attendee, vip).invoices.get()
    with pytest.raises(ValueError):
        invoice.save()
    with pytest.raises(ValueError):
        invoice.delete()


def test_tax_is_split_out_of_the_price():
    assert split_tax(Decimal("25.00"), Decimal("19.00")) == (Decimal("21.01"), Decimal("3.99"))
    assert split_tax(Decimal("25.00"), Decimal("0")) == (Decimal("25.00"), Decimal("0.00"))


def test_the_invoice_carries_seller_buyer_ticket_and_tax(vip, attendee):
    TicketType.objects.filter(pk=vip.pk).update(tax_rate=Decimal("20.00"))
    invoice = paid(attendee, vip).invoices.get()
    assert invoice.buyer["name"] == "Ann Buyer" and invoice.buyer["email"] == attendee.email
    assert invoice.lines[0]["ticket_type"] == "VIP" and invoice.tax == Decimal("4.17")
    assert invoice.seller["name"]


def test_the_pdf_holds_the_number_and_the_buyer_and_is_drawn_once(vip, attendee):
    invoice = paid(attendee, vip).invoices.get()
    first = pdf_of(invoice)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(first)).pages)
    assert invoice.number in text and "Ann Buyer" in text
    assert pdf_of(invoice) == first


# Refunds and cancellation ---------------------------------------------------------------


def test_an_attendee_cancelling_a_paid_ticket_is_refunded_by_card_at_once(
    vip, attendee, django_capture_on_commit_callbacks
):
    payment = paid(attendee, vip)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_booking(booking=payment.booking, by=attendee)
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED and payment.refunded_amount == Decimal("25.00")
    assert payment.refunds.get().state == Refund.State.DONE
    vip.refresh_from_db()
    assert vip.booked_seats == 0


def test_a_bank_transfer_refund_is_a_to_do_until_the_organizer_marks_it_sent(vip, attendee):
    booking = held(attendee, vip)
    payment = mark_paid(payment=start(booking, "bank_transfer"), by=vip.event.organizer)
    cancel_booking(booking=booking, by=attendee)
    refund = payment.refunds.get()
    assert refund.state == Refund.State.TO_DO
    refused(ErrorCode.NOT_ALLOWED, mark_refund_done, refund=refund, by=attendee)
    assert mark_refund_done(refund=refund, by=vip.event.organizer).state == Refund.State.DONE


def test_after_the_refund_window_only_the_organizer_can_cancel_a_paid_ticket(vip, attendee):
    payment = paid(attendee, vip)
    Event.objects.filter(pk=vip.event_id).update(refund_cutoff_hours=24 * 365)
    refused(ErrorCode.NOT_REFUNDABLE, cancel_booking, booking=payment.booking, by=attendee)
    payment.booking.refresh_from_db()
    assert payment.booking.status == Booking.Status.CONFIRMED
    cancel_booking(booking=payment.booking, by=vip.event.organizer)
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED


def test_cancelling_an_unpaid_hold_cancels_its_open_payment(vip, attendee):
    booking = held(attendee, vip)
    payment = start(booking)
    cancel_booking(booking=booking, by=attendee)
    payment.refresh_from_db()
    assert payment.state == Payment.State.CANCELLED and not payment.refunds.exists()


def test_a_refund_never_pays_back_more_than_came_in(vip, attendee):
    payment = paid(attendee, vip)
    organizer = vip.event.organizer
    refused(ErrorCode.NOT_REFUNDABLE, refund_payment, payment=payment, by=organizer, amount=Decimal("30.00"))
    assert refund_payment(payment=payment, by=organizer, amount=Decimal("10.00")).amount == Decimal("10.00")
    payment.refresh_from_db()
    assert payment.state == Payment.State.PARTIALLY_REFUNDED
    refund_payment(payment=payment, by=organizer)
    refused(ErrorCode.NOT_REFUNDABLE, refund_payment, payment=payment, by=organizer)
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("25.00") and payment.state == Payment.State.REFUNDED


def test_an_unpaid_payment_cannot_be_refunded(vip, attendee):
    payment = start(held(attendee, vip))
    refused(ErrorCode.NOT_REFUNDABLE, refund_payment, payment=payment, by=vip.event.organizer)


def test_cancelling_an_event_refunds_everyone_who_paid_once_even_when_run_again(
    vip, attendee, other_attendee, django_capture_on_commit_callbacks
):
    payment = paid(attendee, vip)
    hold = held(other_attendee, vip)
    free = book(user=_attendee("third"), event=vip.event, ticket_type=vip.event.ticket_types.get(price=0))
    organizer = vip.event.organizer
    with django_capture_on_commit_callbacks(execute=True):
        cancel_event(event=vip.event, by=organizer)
    summary = refund_cancelled_event(event=vip.event, by=organizer)
    payment.refresh_from_db()
    hold.refresh_from_db()
    free.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED and payment.refunds.count() == 1
    assert hold.status == Booking.Status.CANCELLED
    assert free.status == Booking.Status.CONFIRMED  # free tickets stay on record as they were
    assert summary.refunded == Decimal("25.00") and summary.cancelled == 0
    assert counter_mismatches() == []


# Moves and accounts ----------------------------------------------------------------------


def test_an_owner_cannot_switch_to_a_type_of_another_price(vip, attendee):
    payment = paid(attendee, vip)
    cheap = TicketTypeFactory(event=vip.event, name="Balcony", price=Decimal("5.00"), capacity=5)
    refused(
        ErrorCode.INVALID_TICKET_TYPE,
        change_ticket_type,
        booking=payment.booking,
        ticket_type=cheap,
        by=attendee,
    )
    moved = change_ticket_type(booking=payment.booking, ticket_type=cheap, by=vip.event.organizer)
    assert moved.ticket_type == cheap and moved.status == Booking.Status.CONFIRMED


def test_an_account_with_payments_on_record_is_kept(vip, attendee):
    paid(attendee, vip)
    refused(ErrorCode.HAS_PAYMENTS, delete_account, user=attendee, by=attendee)
    assert Booking.objects.filter(user=attendee, status=Booking.Status.CONFIRMED).exists()


def _attendee(name):
    return UserFactory(role="attendee", username=name)


class PluggedCard(PaymentProvider):
    """A provider from outside the core, named in settings only."""

    name, label = "card", "Acme card"

    def start(self, payment):
        return NextStep("redirect", url=f"https://pay.example.com/{payment.reference}")


def test_a_provider_plugs_in_by_its_dotted_path_in_the_settings(vip, attendee, settings):
    settings.PAYMENT_PROVIDERS = {**settings.PAYMENT_PROVIDERS, "card": f"{__name__}.PluggedCard"}
    checkout = start_payment(booking=held(attendee, vip), provider_name="card", buyer=BUYER, by=attendee)
    assert checkout.next_step.url.endswith(checkout.payment.reference)
    assert [p.name for p in providers_for(vip.event)][-1] == "card"


def test_a_provider_without_webhooks_refuses_them(vip, attendee):
    refused(ErrorCode.INVALID_WEBHOOK, handle_webhook, provider_name="bank_transfer", body=b"{}", headers={})


def test_a_hold_at_a_cancelled_event_cannot_be_paid_and_a_payment_arriving_is_refunded(vip, attendee):
    booking = held(attendee, vip)
    payment = start(booking)
    Event.objects.filter(pk=vip.event_id).update(status=Event.Status.CANCELLED)
    booking.refresh_from_db()
    refused(ErrorCode.NOT_PAYABLE, start, booking)
    assert webhook(payment).state == Payment.State.REFUNDED
    booking.refresh_from_db()
    assert booking.status == Booking.Status.PENDING  # cancelled with the event's other holds


def test_a_card_payment_cannot_be_marked_paid_by_hand(vip, attendee):
    payment = start(held(attendee, vip))
    refused(ErrorCode.NOT_PAYABLE, mark_paid, payment=payment, by=vip.event.organizer)


def test_refunding_everyone_at_once_needs_a_cancelled_event_and_its_organizer(vip, attendee, other_organizer):
    paid(attendee, vip)
    refused(ErrorCode.NOT_REFUNDABLE, refund_cancelled_event, event=vip.event, by=vip.event.organizer)
    Event.objects.filter(pk=vip.event_id).update(status=Event.Status.CANCELLED)
    refused(ErrorCode.NOT_ALLOWED, refund_cancelled_event, event=vip.event, by=other_organizer)
    assert "1 paid or held bookings cancelled" in str(
        refund_cancelled_event(event=vip.event, by=vip.event.organizer)
    )
