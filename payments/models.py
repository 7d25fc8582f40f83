"""Money: payments for bookings, refunds, the organizer's invoice details and numbered invoices.

Written only by payments.services (and payments.invoicing for invoices), under
the lock order events -> booking -> payment -> invoice counter.
"""

import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from events.models import Event

MONEY = {"max_digits": 12, "decimal_places": 2}
# Payment references people type into a bank transfer: no 0/O or 1/I to misread.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference() -> str:
    """A unique, unguessable payment reference such as "EH-7KQ3-M9XA"."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"EH-{code[:4]}-{code[4:]}"


class PaymentQuerySet(models.QuerySet):
    def managed_by(self, user):
        """Payments for the events ``user`` runs (all of them for staff)."""
        return self.filter(booking__event__in=Event.objects.managed_by(user))

    def visible_to(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(booking__user=user) | self.managed_by(user)

    def open(self):
        return self.filter(state__in=Payment.OPEN_STATES)

    def settled(self):
        """Payments whose money arrived (some of it may have gone back since)."""
        return self.filter(state__in=Payment.SETTLED_STATES)


class Payment(models.Model):
    """One attempt to pay for a booking, through one provider."""

    class State(models.TextChoices):
        CREATED = "created", "Created"
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"

    OPEN_STATES = (State.CREATED, State.PENDING)
    SETTLED_STATES = (State.PAID, State.PARTIALLY_REFUNDED, State.REFUNDED)
    # The payments whose money the booking keeps: one at most per booking.
    KEPT_STATES = (State.PAID, State.PARTIALLY_REFUNDED)

    booking = models.ForeignKey("bookings.Booking", on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=32)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=20, choices=State.choices, default=State.CREATED, editable=False)
    reference = models.CharField(max_length=20, unique=True, default=new_reference, editable=False)
    provider_reference = models.CharField(max_length=200, blank=True, editable=False)
    # Who pays, as given at checkout: name, address, company, vat_id (printed on the invoice).
    buyer = models.JSONField(default=dict, blank=True)
    refunded_amount = models.DecimalField(**MONEY, default=Decimal("0.00"), editable=False)
    failure_reason = models.CharField(max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("amount")),
                name="payment_refunds_within_amount",
                violation_error_message="A payment cannot be refunded more than was paid.",
            ),
            models.UniqueConstraint(
                fields=["booking"],
                condition=Q(state__in=["paid", "partially_refunded"]),
                name="payment_one_kept_per_booking",
            ),
            models.CheckConstraint(
                condition=Q(paid_at__isnull=False) | ~Q(state__in=["paid", "partially_refunded", "refunded"]),
                name="payment_settled_has_paid_at",
            ),
        ]
        indexes = [models.Index(fields=["booking", "state"], name="payment_booking_state_idx")]

    def __str__(self):
        return f"{self.reference} ({self.get_state_display()})"

    @property
    def refundable_amount(self) -> Decimal:
        return self.amount - self.refunded_amount if self.state in self.SETTLED_STATES else Decimal("0.00")


class Refund(models.Model):
    """Money going back to a buyer: sent by the provider, or a to-do for the organizer (bank transfer)."""

    class State(models.TextChoices):
        PENDING = "pending", "Sending"
        TO_DO = "to_do", "To refund by hand"
        DONE = "done", "Refunded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(**MONEY)
    state = models.CharField(max_length=10, choices=State.choices, editable=False)
    reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"Refund of {self.amount} {self.payment.currency} ({self.get_state_display()})"


class InvoiceProfile(models.Model):
    """What an organizer prints as the seller on their invoices, and where buyers send transfers."""

    organizer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invoice_profile"
    )
    name = models.CharField(max_length=200, help_text="The seller's name on invoices.")
    address = models.TextField(max_length=1_000, blank=True)
    vat_id = models.CharField("VAT id", max_length=40, blank=True)
    bank_details = models.TextField(
        max_length=1_000,
        blank=True,
        help_text="Account holder, IBAN and BIC, shown to buyers paying by transfer.",
    )
    footer = models.TextField(max_length=1_000, blank=True, help_text="Printed at the foot of every invoice.")

    def __str__(self):
        return self.name

    def as_seller(self) -> dict:
        return {
            "name": self.name,
            "address": self.address,
            "vat_id": self.vat_id,
            "bank_details": self.bank_details,
            "footer": self.footer,
        }


class InvoiceCounter(models.Model):
    """The last invoice number an organizer issued in a year; locked to issue the next one."""

    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organizer", "year"], name="invoice_counter_one_per_year")
        ]

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class Invoice(models.Model):
    """An issued invoice or credit note: immutable once written (its PDF is filled in once)."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        CREDIT_NOTE = "credit_note", "Credit note"

    organizer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INVOICE)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=20)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="invoices")
    refund = models.OneToOneField(
        Refund, on_delete=models.PROTECT, null=True, blank=True, related_name="credit_note"
    )
    refers_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="credit_notes"
    )
    issued_at = models.DateTimeField()
    issued_on = models.DateField()
    seller = models.JSONField()
    buyer = models.JSONField()
    lines = models.JSONField()
    currency = models.CharField(max_length=3)
    tax_rate = models.DecimalField(max_digits=5, decimal_places=2)
    net = models.DecimalField(**MONEY)
    tax = models.DecimalField(**MONEY)
    gross = models.DecimalField(**MONEY)
    pdf = models.BinaryField(null=True, editable=False)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organizer", "year", "sequence"], name="invoice_number_unique_per_organizer"
            ),
            models.CheckConstraint(
                condition=Q(kind="invoice", refers_to__isnull=True, refund__isnull=True)
                | Q(kind="credit_note", refers_to__isnull=False, refund__isnull=False),
                name="invoice_credit_note_refers_to_invoice",
            ),
            models.CheckConstraint(
                condition=Q(gross=F("net") + F("tax")), name="invoice_gross_is_net_plus_tax"
            ),
        ]
        indexes = [models.Index(fields=["organizer", "issued_on"], name="invoice_organizer_issued_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"

    def save(self, *args, **kwargs):
        """Issued invoices never change (their PDF is filled in once, by payments.invoicing)."""
        if not self._state.adding:
            raise ValueError("An issued invoice cannot be changed; issue a credit note instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Invoices are records and are never deleted.")

    @property
    def filename(self) -> str:
        return f"{self.get_kind_display().lower().replace(' ', '-')}-{self.number}.pdf"
