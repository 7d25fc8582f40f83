"""A payment that pays for a ticket is acknowledged once by email: the amount as the payment pages
show it and the invoice as a PDF, only once it commits. payments announces it with its
``payment_confirmed`` signal, once per payment, never for money that came too late for its place."""

import io

import pytest
from django.core import mail
from django.db import transaction
from pypdf import PdfReader

from bookings.services import book
from eventhub.emails import absolute
from events.tests.factories import EventFactory
from notifications import emails, tasks
from notifications.tests.test_booking_emails import committed, mails_to
from notifications.tests.test_email_templates import html_of, part
from payments.invoicing import pdf_of
from payments.models import Invoice, Payment
from payments.signals import payment_confirmed
from payments.tests.factories import deliver, expire, hold, pay, priced_type, start

pytestmark = pytest.mark.django_db

RECEIPT = "Payment received: £25.00 for Harbour jazz"


@pytest.fixture
def jazz(organizer):
    return EventFactory(organizer=organizer, title="Harbour jazz", currency="GBP", capacity=5)


@pytest.fixture
def tickets(jazz):
    return priced_type(jazz, name="Seat", capacity=1)


@pytest.fixture
def announced():
    """The payments announced by payments.signals.payment_confirmed."""
    payments = []

    def record(sender, *, payment, **kwargs):
        payments.append(payment.pk)

    payment_confirmed.connect(record, dispatch_uid="test.payment_confirmed")
    yield payments
    payment_confirmed.disconnect(dispatch_uid="test.payment_confirmed")


def receipt_to(user):
    (message,) = [m for m in mail.outbox if m.to == [user.email] and m.subject.startswith("Payment received")]
    return message


def test_a_payment_is_acknowledged_with_the_amount_and_the_invoice(attendee, jazz, tickets):
    booking = hold(user=attendee, event=jazz, ticket_type=tickets)
    with committed():
        payment = pay(booking)

    message = receipt_to(attendee)
    invoice = Invoice.objects.get(payment=payment)
    assert message.subject == RECEIPT
    assert "£25.00" in message.body and "£25.00" in html_of(message)
    assert payment.reference in message.body
    assert absolute(f"/payments/{payment.reference}/") in message.body
    pdf = part(message, "application/pdf").get_payload(decode=True)
    assert pdf == pdf_of(invoice)
    assert invoice.number in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_a_confirmation_delivered_twice_is_announced_and_acknowledged_once(
    attendee, jazz, tickets, announced
):
    payment = start(hold(user=attendee, event=jazz, ticket_type=tickets))
    with committed():
        deliver(payment)
        deliver(payment)  # the provider's webhook, replayed

    assert announced == [payment.pk]
    assert mails_to(attendee) == ["Your ticket: Harbour jazz", RECEIPT]


def test_money_that_came_too_late_for_its_place_is_refunded_without_a_receipt(
    attendee, other_attendee, jazz, tickets, announced
):
    late = start(hold(user=attendee, event=jazz, ticket_type=tickets))
    expire(late.booking)
    book(user=other_attendee, event=jazz, ticket_type=tickets)  # takes the place the hold gave back

    with committed():
        deliver(late)

    assert Payment.objects.get(pk=late.pk).state == Payment.State.REFUNDED
    assert announced == []
    assert mails_to(attendee) == []


def test_a_rolled_back_payment_sends_nothing(attendee, jazz, tickets):
    payment = start(hold(user=attendee, event=jazz, ticket_type=tickets))
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        deliver(payment)
        raise RuntimeError("the caller's transaction fails afterwards")

    assert mail.outbox == []


def test_a_receipt_task_run_twice_sends_once(attendee, jazz, tickets):
    booking = hold(user=attendee, event=jazz, ticket_type=tickets)
    with committed():
        payment = pay(booking)
    key = emails.booking_email_key("payment_received", booking)

    assert tasks.send_booking_email("payment_received", booking.pk, key, {"payment_id": payment.pk}) is False
    assert mails_to(attendee) == ["Your ticket: Harbour jazz", RECEIPT]
