"""Checkout pages, the simulated card page, provider webhooks and invoice downloads.

The pages call the payment service and show its refusals in its own words;
only a booking's owner sees its checkout and payments (anyone else gets a
404, as for a reference that was never used).
"""

import re
import secrets

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from bookings.models import Booking
from eventhub.errors import DomainError, ErrorCode
from payments.forms import CardNumberForm, CheckoutForm
from payments.invoicing import pdf_of
from payments.models import Invoice, Payment
from payments.providers import NextStep, TestCard, provider, providers_for
from payments.services import handle_webhook, payment_refusal, start_payment


@csrf_exempt
@require_POST
def webhook(request, provider_name: str):
    """A provider tells us what happened to a payment; signed, so it needs no session or CSRF token."""
    try:
        payment = handle_webhook(provider_name=provider_name, body=request.body, headers=request.headers)
    except DomainError as error:
        return JsonResponse({"detail": error.message, "code": error.code}, status=error.code.http_status)
    return JsonResponse({"reference": payment.reference, "state": payment.state})


def _label(provider_name: str) -> str:
    """A way to pay as people know it; a provider the site no longer offers keeps its plain name."""
    try:
        return provider(provider_name).label
    except DomainError:
        return provider_name.replace("_", " ").capitalize()


class CheckoutView(LoginRequiredMixin, View):
    """GET: the held ticket, its price, until when it is held, the buyer's details and the ways to pay.
    POST: start paying with the chosen way, then go where it says (the card page, or the transfer details).
    """

    http_method_names = ["get", "post"]

    def get(self, request, booking_id):
        booking = self._my_booking(booking_id)
        refused = _not_payable(request, booking, payment_refusal(booking=booking, by=request.user))
        return refused or self._page(booking, self._form(booking))

    def post(self, request, booking_id):
        booking = self._my_booking(booking_id)
        refused = _not_payable(request, booking, payment_refusal(booking=booking, by=request.user))
        if refused:
            return refused
        form = CheckoutForm(request.POST, providers=providers_for(booking.event))
        if not form.is_valid():
            return self._page(booking, form)
        chosen, buyer = form.cleaned_data["provider"], form.buyer()
        try:
            checkout = start_payment(booking=booking, provider_name=chosen, buyer=buyer, by=request.user)
        except DomainError as refusal:
            return self._refused(booking, form, refusal)
        if checkout.next_step.kind == "redirect":
            return redirect(checkout.next_step.url)
        return redirect("payments:status", reference=checkout.payment.reference)

    def _refused(self, booking: Booking, form: CheckoutForm, refusal: DomainError):
        """A refusal of the details or the way to pay goes on the form; a ticket no longer payable says
        so; anything else is said above the form."""
        if not form.show_refusal(refusal):
            not_payable = _not_payable(self.request, booking, refusal)
            if not_payable:
                return not_payable
            messages.error(self.request, refusal.message)
        return self._page(booking, form)

    def _my_booking(self, booking_id) -> Booking:
        bookings = Booking.objects.select_related("event", "event__organizer", "ticket_type", "seat")
        return get_object_or_404(bookings, pk=booking_id, user=self.request.user)

    def _form(self, booking: Booking) -> CheckoutForm:
        """Filled in with what the buyer gave last time (a retry after a decline), or from their profile."""
        user, last = self.request.user, Payment.objects.filter(booking=booking).first()
        initial = dict(last.buyer) if last and last.buyer else {"name": user.name}
        offered = providers_for(booking.event)
        if last and last.provider in {p.name for p in offered}:
            initial["provider"] = last.provider
        return CheckoutForm(initial=initial, providers=offered)

    def _page(self, booking: Booking, form: CheckoutForm):
        # A bank transfer chosen before: its details stay one click away while the buyer may choose again.
        waiting = Payment.objects.filter(booking=booking).open().first()
        step = _next_step(waiting) if waiting else None
        waiting = waiting if step and step.kind == "instructions" else None
        context = {
            "booking": booking,
            "event": booking.event,
            "form": form,
            "waiting": waiting,
            "waiting_label": _label(waiting.provider) if waiting else "",
        }
        return render(self.request, "payments/checkout.html", context)


def _not_payable(request, booking: Booking, refusal: DomainError | None):
    """The page for a booking that cannot be paid for (paid already, time run out, not held), or None."""
    if refusal is None:
        return None
    if refusal.code == ErrorCode.NOT_FOUND:
        raise Http404(refusal.message)
    if refusal.code == ErrorCode.ALREADY_PAID:
        messages.info(request, refusal.message)
        return redirect("bookings:mine")
    if refusal.code == ErrorCode.HOLD_EXPIRED:
        context = {"booking": booking, "event": booking.event, "refusal": refusal}
        return render(request, "payments/hold_expired.html", context)
    if refusal.code == ErrorCode.NOT_PAYABLE:
        messages.error(request, refusal.message)
        return redirect(booking.event)
    return None


def _my_payment(request, reference: str, **filters) -> Payment:
    payments = Payment.objects.select_related(
        "booking__event__organizer", "booking__ticket_type", "booking__seat"
    )
    return get_object_or_404(payments, reference=reference, booking__user=request.user, **filters)


class PaymentStatusView(LoginRequiredMixin, View):
    """GET: where one of my payments stands: paid (with the invoice), declined (try again while the
    ticket is held), pending (a bank transfer's details), refunded, or cancelled."""

    def get(self, request, reference):
        payment = _my_payment(request, reference)
        booking = payment.booking
        refusal = payment_refusal(booking=booking, by=request.user)
        context = {
            "payment": payment,
            "booking": booking,
            "event": booking.event,
            "state": _state_of(payment),
            "label": _label(payment.provider),
            "can_pay": refusal is None,
            "refusal": refusal,
            "step": _next_step(payment),
            "invoices": payment.invoices.defer("pdf").order_by("issued_at", "pk"),
            "refunds": payment.refunds.order_by("created_at", "pk"),
        }
        return render(request, "payments/status.html", context)


def _state_of(payment: Payment) -> str:
    """The payment's state as the status page groups it: paid, declined, pending, cancelled or refunded."""
    if payment.state in Payment.OPEN_STATES:
        return "pending"
    return {
        Payment.State.PAID: "paid",
        Payment.State.FAILED: "declined",
        Payment.State.CANCELLED: "cancelled",
    }.get(payment.state, "refunded")


def _next_step(payment: Payment) -> NextStep | None:
    """What an open payment asks of the buyer (a bank transfer's details, the card page), or None."""
    if payment.state not in Payment.OPEN_STATES:
        return None
    try:
        return provider(payment.provider).resume(payment)
    except DomainError:
        return None


class TestCardView(LoginRequiredMixin, View):
    """The simulated card provider's page (only where the site enables it): GET asks for a card number;
    POST sends the signed webhook the provider would send, through the same service as the real
    webhook, then shows how it went."""

    http_method_names = ["get", "post"]
    HINTS = [
        (TestCard.SUCCEEDS, "pays"),
        (TestCard.DECLINED, "is declined"),
        ("4000000000000077", "leaves the payment pending, as any other number does"),
    ]

    def dispatch(self, request, *args, **kwargs):
        try:
            provider(TestCard.name)
        except DomainError:
            raise Http404("The test card is not enabled on this site.") from None
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, reference):
        payment = _my_payment(request, reference, provider=TestCard.name)
        if payment.state not in Payment.OPEN_STATES:
            return redirect("payments:status", reference=payment.reference)
        return self._page(payment, CardNumberForm())

    def post(self, request, reference):
        payment = _my_payment(request, reference, provider=TestCard.name)
        if payment.state not in Payment.OPEN_STATES:
            return redirect("payments:status", reference=payment.reference)
        form = CardNumberForm(request.POST)
        if not form.is_valid():
            return self._page(payment, form)
        try:
            _send_card_webhook(payment, form.cleaned_data["number"])
        except DomainError as refusal:
            messages.error(request, refusal.message)
        return redirect("payments:status", reference=payment.reference)

    def _page(self, payment: Payment, form: CardNumberForm):
        hints = [(" ".join(re.findall(r"\d{4}", number)), words) for number, words in self.HINTS]
        context = {"payment": payment, "booking": payment.booking, "form": form, "hints": hints}
        return render(self.request, "payments/test_card.html", context)


def _send_card_webhook(payment: Payment, number: str) -> Payment:
    """What the simulated provider does once a card is typed: a signed webhook, handled like any other."""
    outcome = TestCard.outcome_of(number)
    news = {
        "reference": payment.reference,
        "outcome": outcome,
        "amount": str(payment.amount),
        "currency": payment.currency,
        "id": f"tc_{secrets.token_hex(12)}",
    }
    if outcome == "failed":
        news["message"] = "Your card was declined."
    body, signature = TestCard.signed(news)
    headers = {TestCard.SIGNATURE_HEADER: signature}
    return handle_webhook(provider_name=TestCard.name, body=body, headers=headers)


class InvoicePdfView(LoginRequiredMixin, View):
    """GET: an invoice or credit note as a PDF download, for its buyer and the event's organizer or staff."""

    def get(self, request, pk):
        invoices = Invoice.objects.defer("pdf").select_related("payment__booking__event")
        invoice = get_object_or_404(invoices, pk=pk)
        booking = invoice.payment.booking
        if booking.user_id != request.user.pk and not booking.event.is_managed_by(request.user):
            raise Http404("No such invoice.")
        response = HttpResponse(pdf_of(invoice), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(True, invoice.filename)
        patch_cache_control(response, private=True)
        return response
