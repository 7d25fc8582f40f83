"""Payment providers: one small interface, the built-in providers, and the registry.

A provider is a class with a ``name`` and three duties: start a payment (tell the
buyer what to do next), read the provider's signed webhook (what happened to a
payment), and send money back. Which providers a site enables is
settings.PAYMENT_PROVIDERS (name -> dotted path), so a real card provider plugs in
without touching the core; each event may offer a subset (Event.payment_providers).
Providers never change a payment themselves: payments.services does, under the locks.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from functools import cache

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from eventhub.errors import DomainError, ErrorCode


@dataclass(frozen=True)
class NextStep:
    """What the buyer does next: go to ``url`` ("redirect"), follow ``instructions``, or nothing ("done")."""

    kind: str  # "redirect" | "instructions" | "done"
    url: str = ""
    instructions: str = ""
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookNews:
    """What a provider's verified webhook says about one payment."""

    reference: str  # Payment.reference
    outcome: str  # "paid" | "failed" | "pending"
    amount: Decimal
    currency: str
    provider_reference: str = ""
    message: str = ""


def webhook_refused(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_WEBHOOK, message)


class PaymentProvider:
    """The interface every provider implements."""

    name = ""
    label = ""
    # Once chosen, the hold lasts this long (from now) if longer than it already does.
    hold_for: timedelta | None = None
    # True: refunds are a to-do for the organizer, marked done by hand.
    manual_refunds = False
    # True: the money arrives outside the site and the organizer marks the payment paid.
    paid_by_hand = False

    def start(self, payment) -> NextStep:
        """Begin collecting ``payment``; outside every lock (a real provider calls out)."""
        raise NotImplementedError

    def resume(self, payment) -> NextStep:
        """What to show again for an open payment (its instructions, its page); never opens a new one.

        The built-in providers' ``start`` has no side effect, so it serves; a provider
        whose ``start`` calls out overrides this to show what it stored.
        """
        return self.start(payment)

    def read_webhook(self, *, body: bytes, headers) -> WebhookNews:
        """Verify a webhook's signature and read it; refuse with ``invalid_webhook``."""
        raise webhook_refused(f"{self.label} sends no webhooks.")

    def refund(self, payment, amount: Decimal) -> bool:
        """Send ``amount`` of ``payment`` back; True when done now, False when it is left to do by hand."""
        return False


class Free(PaymentProvider):
    """Nothing to pay: a ticket whose price is 0 needs no payment step."""

    name, label = "free", "Free"

    def start(self, payment) -> NextStep:
        return NextStep("done")

    def refund(self, payment, amount: Decimal) -> bool:
        return True


class BankTransfer(PaymentProvider):
    """The buyer transfers the money quoting the payment's reference; the organizer marks it paid."""

    name, label = "bank_transfer", "Bank transfer"
    manual_refunds = paid_by_hand = True

    @property
    def hold_for(self) -> timedelta:
        return timedelta(days=settings.BANK_TRANSFER_HOLD_DAYS)

    def start(self, payment) -> NextStep:
        organizer = payment.booking.event.organizer
        profile = getattr(organizer, "invoice_profile", None)
        bank = profile.bank_details if profile else ""
        details = {
            "account": bank or "The organizer will send their bank details.",
            "payee": profile.name if profile else organizer.username,
            "reference": payment.reference,
            "amount": str(payment.amount),
            "currency": payment.currency,
        }
        instructions = (
            f"Transfer {payment.amount} {payment.currency} to {details['payee']}, quoting the reference "
            f"{payment.reference} so the organizer can match it. "
            "Your ticket is confirmed when they receive it."
        )
        return NextStep("instructions", instructions=instructions, details=details)


class TestCard(PaymentProvider):
    """A simulated card checkout on this site, so the whole flow runs offline.

    Its page takes a card number and calls the site back with an HMAC-signed
    webhook: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, any
    other number leaves the payment pending. Refunds are immediate.
    """

    name, label = "test_card", "Card (test mode)"
    SUCCEEDS, DECLINED = "4242424242424242", "4000000000000002"
    SIGNATURE_HEADER = "X-Eventhub-Signature"

    def start(self, payment) -> NextStep:
        return NextStep("redirect", url=reverse("payments:test_card", args=[payment.reference]))

    def refund(self, payment, amount: Decimal) -> bool:
        return True

    @classmethod
    def outcome_of(cls, number: str) -> str:
        digits = "".join(ch for ch in number if ch.isdigit())
        return {cls.SUCCEEDS: "paid", cls.DECLINED: "failed"}.get(digits, "pending")

    @staticmethod
    def secret() -> bytes:
        given = settings.TEST_CARD_WEBHOOK_SECRET
        return (given or f"test-card-webhook:{settings.SECRET_KEY}").encode()

    @classmethod
    def signed(cls, payload: dict, *, at: int | None = None) -> tuple[bytes, str]:
        """The body and signature header the simulated provider sends: ``t=<unix time>,v1=<hex HMAC>``."""
        body = json.dumps(payload, separators=(",", ":")).encode()
        at = int(time.time()) if at is None else at
        mac = hmac.new(cls.secret(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        return body, f"t={at},v1={mac}"

    def read_webhook(self, *, body: bytes, headers) -> WebhookNews:
        parts = dict(
            part.split("=", 1) for part in headers.get(self.SIGNATURE_HEADER, "").split(",") if "=" in part
        )
        try:
            at = int(parts.get("t", ""))
        except ValueError:
            raise webhook_refused("The webhook's signature is missing or malformed.") from None
        expected = hmac.new(self.secret(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("v1", "")):
            raise webhook_refused("The webhook's signature does not match.")
        if abs(time.time() - at) > settings.WEBHOOK_TOLERANCE_SECONDS:
            raise webhook_refused("The webhook is too old: a replay is refused.")
        return _news_from(body)


def _news_from(body: bytes) -> WebhookNews:
    try:
        data = json.loads(body)
        news = WebhookNews(
            reference=str(data["reference"]),
            outcome=str(data["outcome"]),
            amount=Decimal(str(data["amount"])),
            currency=str(data["currency"]),
            provider_reference=str(data.get("id", "")),
            message=str(data.get("message", "")),
        )
    except (ValueError, KeyError, TypeError, InvalidOperation):
        raise webhook_refused("The webhook's body is not a payment update.") from None
    if news.outcome not in ("paid", "failed", "pending"):
        raise webhook_refused(f"Unknown outcome “{news.outcome}”.")
    return news


# The registry ------------------------------------------------------------------


@cache
def _load(path: str) -> PaymentProvider:
    return import_string(path)()


def provider(name: str) -> PaymentProvider:
    """The enabled provider called ``name``; refuses with ``invalid_provider``."""
    if name == Free.name:
        return Free()
    path = settings.PAYMENT_PROVIDERS.get(name) if isinstance(name, str) else None
    if path is None:
        offered = ", ".join(settings.PAYMENT_PROVIDERS)
        raise DomainError(
            ErrorCode.INVALID_PROVIDER,
            f"“{name}” is not a way to pay here. Choose one of: {offered}.",
            field="provider",
        )
    return _load(path)


def providers_for(event) -> list[PaymentProvider]:
    """The ways to pay ``event`` offers, in the site's order."""
    names = [
        n for n in settings.PAYMENT_PROVIDERS if not event.payment_providers or n in event.payment_providers
    ]
    return [provider(name) for name in names]
