"""The payments API: payments and refunds for the organizer to settle, invoices for everyone involved.

Buyers pay through POST /api/bookings/{id}/pay/ (bookings.api). Providers report
back through their signed webhook, /payments/webhooks/{provider}/, a page address
outside the API (it answers {"reference", "state"} or {"detail", "code"}).
Everything here only reads, or asks payments.services to act.
"""

import django_filters
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from eventhub.api_errors import error_responses
from eventhub.negotiation import IgnoreAccept
from events.filters import IdFilter
from payments import services
from payments.invoicing import pdf_of
from payments.models import Invoice, Payment, Refund
from payments.serializers import (
    InvoiceSerializer,
    PaymentSerializer,
    RefundRequestSerializer,
    RefundSerializer,
)

READ_ERRORS = error_responses(400, 401, 404)  # 400: a filter that does not parse


class PaymentFilter(django_filters.FilterSet):
    event = IdFilter(field_name="booking__event_id", help_text="Only payments for this event id.")
    booking = IdFilter(field_name="booking_id", help_text="Only payments for this booking id.")
    state = django_filters.ChoiceFilter(choices=Payment.State.choices)

    class Meta:
        model = Payment
        fields = ["event", "booking", "state"]


class RefundFilter(django_filters.FilterSet):
    event = IdFilter(field_name="payment__booking__event_id", help_text="Only refunds for this event id.")
    state = django_filters.ChoiceFilter(
        choices=Refund.State.choices, help_text="to_do: bank transfers to send back by hand."
    )

    class Meta:
        model = Refund
        fields = ["event", "state"]


class InvoiceFilter(django_filters.FilterSet):
    event = IdFilter(field_name="payment__booking__event_id", help_text="Only invoices for this event id.")
    kind = django_filters.ChoiceFilter(choices=Invoice.Kind.choices)
    issued_after = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="gte", help_text="Issued on or after this day (2030-06-01)."
    )
    issued_before = django_filters.DateFilter(
        field_name="issued_on", lookup_expr="lte", help_text="Issued on or before this day (2030-06-30)."
    )

    class Meta:
        model = Invoice
        fields = ["event", "kind", "issued_after", "issued_before"]


class MoneyRecords(viewsets.GenericViewSet):
    """Rows the user may see: their own money and that of the events they run (staff: all).

    Anyone else's id is 404; seeing a row is not running its event, which the
    payment service checks before it acts (403 not_allowed).
    """

    permission_classes = (IsAuthenticated,)
    lookup_value_regex = r"\d+"

    def visible_payments(self):
        return Payment.objects.visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(
        description="Payments for the events you run (site staff: all), and your own as a buyer, newest "
        "first. state=pending lists those still awaiting their money (bank transfers to match against "
        "their reference, then mark paid). Providers report on a payment through their signed webhook "
        "to /payments/webhooks/{provider}/, outside this API.",
        responses={200: PaymentSerializer, **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: PaymentSerializer, **error_responses(401, 404)}),
)
class PaymentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MoneyRecords):
    serializer_class = PaymentSerializer
    filterset_class = PaymentFilter

    def get_queryset(self):
        return self.visible_payments().select_related("booking")

    def shown(self, payment: Payment, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=payment.pk)).data, status=status_code)

    @extend_schema(
        request=None,
        description="The event's organizer (or staff) received the money outside any provider (a bank "
        "transfer quoting the payment's reference): the payment is confirmed, the ticket confirmed "
        "and the invoice issued. Marking a paid payment again changes nothing. A hold that ran out "
        "gets its place back if it is still free; otherwise the money is refunded at once. A payment "
        "you see only as its buyer is 403 not_allowed.",
        responses={200: PaymentSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        """Record that a payment's money arrived (a bank transfer)."""
        return self.shown(services.mark_paid(payment=self.get_object(), by=request.user))

    @extend_schema(
        request=RefundRequestSerializer,
        description="Give money back, all that is left by default, with a credit note; the ticket stays "
        "as it is (cancel the booking to free its place, which refunds it too). A card refund is sent "
        "by the provider; a bank transfer's becomes a to-do (GET /api/refunds/?state=to_do) until "
        "marked done. Refusals: 400 not_refundable (not paid, or more than is left), 403 not_allowed "
        "(not your event).",
        responses={201: RefundSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def refund(self, request, pk=None):
        """Refund a paid payment, in whole or in part."""
        payment = self.get_object()
        serializer = RefundRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        refund = services.refund_payment(payment=payment, by=request.user, **serializer.validated_data)
        # Read again: a provider's refund is sent when the refund commits, and may be done already.
        refund = Refund.objects.select_related("payment__booking").get(pk=refund.pk)
        return Response(RefundSerializer(refund).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        description="Refunds of the payments you see, newest first: those of the events you run, and "
        "your own. state=to_do lists the bank transfers to send back by hand.",
        responses={200: RefundSerializer, **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: RefundSerializer, **error_responses(401, 404)}),
)
class RefundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MoneyRecords):
    serializer_class = RefundSerializer
    filterset_class = RefundFilter

    def get_queryset(self):
        refunds = Refund.objects.filter(payment__in=self.visible_payments().values("pk"))
        return refunds.select_related("payment__booking")

    @extend_schema(
        request=None,
        description="The organizer sent a to-do refund back by hand: it is recorded as done. Twice "
        "changes nothing. A refund you see only as its buyer is 403 not_allowed.",
        responses={200: RefundSerializer, **error_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        """Record a by-hand refund as sent."""
        refund = services.mark_refund_done(refund=self.get_object(), by=request.user)
        return Response(RefundSerializer(self.get_queryset().get(pk=refund.pk)).data)


@extend_schema_view(
    list=extend_schema(
        description="Your invoices and credit notes as a buyer, and those of the events you run (site "
        "staff: all), newest first. Amounts are decimal strings with tax included; a credit note's "
        "are negative and it names the invoice it corrects.",
        responses={200: InvoiceSerializer, **READ_ERRORS},
    ),
    retrieve=extend_schema(responses={200: InvoiceSerializer, **error_responses(401, 404)}),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, MoneyRecords):
    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter

    def get_queryset(self):
        invoices = Invoice.objects.filter(payment__in=self.visible_payments().values("pk"))
        return invoices.select_related("payment__booking").defer("pdf")  # the PDF is downloaded apart

    @extend_schema(
        description="The invoice or credit note as a PDF: the same bytes every time.",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The PDF."),
            **error_responses(401, 404),
        },
    )
    @action(detail=True, filterset_class=None, content_negotiation_class=IgnoreAccept)
    def pdf(self, request, pk=None):
        """Download an invoice or credit note."""
        invoice = self.get_object()
        response = HttpResponse(pdf_of(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{invoice.filename}"'
        return response
