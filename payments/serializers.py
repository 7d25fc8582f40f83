"""API shapes for payments, refunds and invoices. Money is a decimal string ("25.00"), never a float.

Everything here is read-only but the two small requests (pay, refund), whose
values the payment service judges: these serializers only check their types.
"""

from collections.abc import Mapping

from django.conf import settings
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from payments.models import MONEY, Invoice, Payment, Refund
from payments.services import BUYER_FIELDS


def absolute_url(request, path: str) -> str:
    """``path`` on this site as a full URL: the request's own host, or SITE_URL without a request."""
    return request.build_absolute_uri(path) if request is not None else f"{settings.SITE_URL}{path}"


class BuyerSerializer(serializers.Serializer):
    """Who pays, as printed on the invoice."""

    name = serializers.CharField(
        max_length=BUYER_FIELDS["name"], help_text="The name the invoice is made out to."
    )
    address = serializers.CharField(max_length=BUYER_FIELDS["address"], required=False)
    company = serializers.CharField(max_length=BUYER_FIELDS["company"], required=False)
    vat_id = serializers.CharField(max_length=BUYER_FIELDS["vat_id"], required=False)


TEXT_VALIDATORS = (ProhibitNullCharactersValidator(), ProhibitSurrogateCharactersValidator())


def _storable_text(buyer) -> None:
    """Refuse what no text column stores (a NUL, a lone surrogate), as every CharField of the API does."""
    if not isinstance(buyer, Mapping):
        return  # not a mapping at all: clean_buyer says what a buyer is
    for text in (*buyer, *(value for value in buyer.values() if isinstance(value, str))):
        for validator in TEXT_VALIDATORS:
            validator(text)


@extend_schema_field(BuyerSerializer)
class BuyerField(serializers.JSONField):
    """The buyer's details as sent: payments.services.clean_buyer judges them (400 invalid_buyer)."""

    default_validators = [_storable_text]


class PaySerializer(serializers.Serializer):
    """How to pay for a held ticket."""

    provider = serializers.CharField(
        max_length=64,
        help_text="One of the ways to pay the event offers, by name: bank_transfer, or a card provider "
        "the site enables. Another is 400 invalid_provider (its message lists those on offer).",
    )
    buyer = BuyerField(
        help_text="name is required; address, company and vat_id are optional text (at most 1000, 200 "
        "and 40 characters). Anything else, or a name left out, is 400 invalid_buyer, as a field error."
    )


class PartySerializer(serializers.Serializer):
    """A seller or buyer as printed on an invoice."""

    name = serializers.CharField(required=False)
    company = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    vat_id = serializers.CharField(required=False)
    email = serializers.CharField(required=False, help_text="The buyer's.")
    bank_details = serializers.CharField(required=False, help_text="The seller's.")
    footer = serializers.CharField(required=False, help_text="The seller's.")


class PaymentSerializer(serializers.ModelSerializer):
    """A payment for a booking, through one provider. A booking shows its latest one."""

    event = serializers.IntegerField(source="booking.event_id", read_only=True, help_text="The event's id.")
    buyer = PartySerializer(read_only=True, help_text="As given at checkout, printed on the invoice.")
    refundable_amount = serializers.DecimalField(
        **MONEY, read_only=True, help_text="What can still be refunded: 0.00 until it is paid."
    )
    pay_url = serializers.SerializerMethodField(
        help_text="While the booking awaits payment, the site's checkout page for it; null otherwise."
    )
    hold_expires_at = serializers.DateTimeField(
        source="booking.hold_expires_at",
        read_only=True,
        allow_null=True,
        help_text="Until when the ticket is held for payment; null unless the booking awaits payment.",
    )

    class Meta:
        model = Payment
        fields = [
            "id",
            "booking",
            "event",
            "state",
            "provider",
            "reference",
            "amount",
            "currency",
            "refunded_amount",
            "refundable_amount",
            "buyer",
            "failure_reason",
            "pay_url",
            "hold_expires_at",
            "created_at",
            "paid_at",
        ]
        read_only_fields = fields

    def get_pay_url(self, payment: Payment) -> str | None:
        booking = payment.booking
        if not booking.is_pending:
            return None
        return absolute_url(self.context.get("request"), reverse("payments:checkout", args=[booking.pk]))


class NextStepSerializer(serializers.Serializer):
    """What the buyer does next to pay."""

    kind = serializers.ChoiceField(
        choices=[
            ("redirect", "Go to url to pay"),
            ("instructions", "Follow the instructions (a bank transfer)"),
            ("done", "Nothing: it is paid"),
        ],
        help_text="redirect: send the buyer to url. instructions: show them instructions and details. "
        "done: nothing is left to pay.",
    )
    url = serializers.SerializerMethodField(help_text="For redirect: where the buyer pays. Null otherwise.")
    instructions = serializers.CharField(help_text="What to do, in plain words; empty for redirect.")
    details = serializers.DictField(
        child=serializers.CharField(),
        help_text="For a bank transfer: account, payee, reference, amount and currency.",
    )

    def get_url(self, step) -> str | None:
        return absolute_url(self.context.get("request"), step.url) if step.url else None


class CheckoutSerializer(serializers.Serializer):
    """A payment just started, and what the buyer does next."""

    payment = PaymentSerializer()
    next = NextStepSerializer(source="next_step")


class RefundRequestSerializer(serializers.Serializer):
    amount = serializers.DecimalField(
        **MONEY,
        required=False,
        help_text="How much to give back, in the payment's currency; all that is left by default. More than "
        "is left, or nothing, is 400 not_refundable.",
    )
    reason = serializers.CharField(
        max_length=300, required=False, allow_blank=True, help_text="Shown on the credit note's record."
    )


class RefundSerializer(serializers.ModelSerializer):
    """Money going back to a buyer: sent by the provider, or a to-do for the organizer (bank transfer)."""

    booking = serializers.IntegerField(source="payment.booking_id", read_only=True)
    event = serializers.IntegerField(source="payment.booking.event_id", read_only=True)
    currency = serializers.CharField(source="payment.currency", read_only=True, help_text="ISO 4217.")
    reference = serializers.CharField(
        source="payment.reference", read_only=True, help_text="The payment's reference."
    )

    class Meta:
        model = Refund
        fields = [
            "id",
            "payment",
            "booking",
            "event",
            "reference",
            "amount",
            "currency",
            "state",
            "reason",
            "created_at",
            "done_at",
        ]
        read_only_fields = fields


class InvoiceLineSerializer(serializers.Serializer):
    description = serializers.CharField()
    event = serializers.CharField(required=False)
    date = serializers.CharField(required=False, help_text="When the event starts, in its own time zone.")
    ticket_type = serializers.CharField(required=False)
    seat = serializers.CharField(required=False)
    quantity = serializers.IntegerField(required=False)
    amount = serializers.DecimalField(**MONEY, help_text="Tax included; negative on a credit note.")


class InvoiceSerializer(serializers.ModelSerializer):
    """An issued invoice or credit note: never changed once issued (corrections are credit notes)."""

    event = serializers.IntegerField(source="payment.booking.event_id", read_only=True)
    seller = PartySerializer(read_only=True)
    buyer = PartySerializer(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    refers_to = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="For a credit note, the id of the invoice it corrects; null otherwise.",
    )
    pdf_url = serializers.SerializerMethodField(help_text="Where its PDF downloads.")

    class Meta:
        model = Invoice
        fields = [
            "id",
            "kind",
            "number",
            "issued_on",
            "issued_at",
            "event",
            "payment",
            "refers_to",
            "seller",
            "buyer",
            "lines",
            "currency",
            "tax_rate",
            "net",
            "tax",
            "gross",
            "pdf_url",
        ]
        read_only_fields = fields

    def get_pdf_url(self, invoice: Invoice) -> str:
        return absolute_url(self.context.get("request"), reverse("invoice-pdf", args=[invoice.pk]))
