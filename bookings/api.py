"""The bookings API: attendees book and cancel; organizers see the bookings of their events."""

import django_filters
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import tickets
from bookings.models import Booking, note_none, prefetch_answers
from bookings.serializers import (
    BookingAnswersSerializer,
    BookingChangeSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    EventBookingSerializer,
)
from bookings.services import (
    book,
    cancel_booking,
    change_ticket_type,
    check_in_by_code,
    check_in_count,
    undo_check_in,
    update_answers,
)
from eventhub.api_errors import ErrorSerializer, error_responses
from eventhub.errors import DomainError, ErrorCode
from eventhub.idempotency import IDEMPOTENCY_ERRORS, IDEMPOTENCY_KEY, idempotent
from eventhub.permissions import ManagesEvent
from events.filters import IdFilter
from events.models import Event
from events.serializers import SeatSummarySerializer, TicketTypeSummarySerializer
from payments.serializers import CheckoutSerializer, PaySerializer
from payments.services import start_payment


class BookingStatusFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Booking.Status.choices)

    class Meta:
        model = Booking
        fields = ["status"]


# What a booking's resource shows beside it, joined into the one query of a list.
PLACE = ("ticket_type__event", "seat")
NO_TICKET = "This booking has no ticket to show: only a confirmed place at an event still on has a QR code."


class BookingFilter(BookingStatusFilter):
    event = IdFilter(field_name="event_id", help_text="Only bookings for this event id.")

    class Meta(BookingStatusFilter.Meta):
        fields = ["event", "status"]


@extend_schema_view(
    list=extend_schema(
        description="Your bookings; an organizer also sees the bookings of their events; site staff see all.",
        responses={200: BookingSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(responses={200: BookingSerializer, **error_responses(401, 404)}),
)
class BookingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = BookingSerializer
    filterset_class = BookingFilter
    permission_classes = (IsAuthenticated,)
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        # Every item shows its event's status, its place, its answers and its latest payment.
        bookings = Booking.objects.visible_to(self.request.user)
        return bookings.select_related("event", *PLACE).with_answers().prefetch_related("payments")

    def shown(self, booking: Booking, status_code: int = status.HTTP_200_OK) -> Response:
        """The booking's resource, its answers read in one query (unless the booking came with them)."""
        prefetch_answers([booking])
        return Response(self.get_serializer(booking).data, status=status_code)

    @extend_schema(
        request=BookingCreateSerializer,
        parameters=[IDEMPOTENCY_KEY],
        description="Attendees only. An event you cannot see (someone else's draft) is 404; "
        "a draft, cancelled or started event is 400 not_bookable. ticket_type may be left out when the "
        "event sells exactly one type now (400 ticket_type_required when it sells several); a type of "
        "another event is 400 invalid_ticket_type, one outside its sales window 400 not_on_sale. "
        "A seat of another type is 400 invalid_seat, a taken one 409 seat_taken (the message names "
        "free seats nearby). A sold-out type is 409 ticket_type_full and a full event 409 event_full, "
        "unless waitlist is true: then you join that type's waitlist. answers are checked before "
        "anything else is decided (400 invalid_answers, as a field error on answers). "
        "A free ticket is confirmed at once; a priced one is held for you (status pending, until "
        "hold_expires_at) while you pay with POST /api/bookings/{id}/pay/.",
        responses={201: BookingSerializer, **error_responses(400, 401, 403, 404, 409), **IDEMPOTENCY_ERRORS},
    )
    @idempotent
    def create(self, request):
        """Book a ticket (and a seat), or a waitlist place when it is sold out and you ask for one."""
        serializer = BookingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        # The event, type and seat are read once, by the service, under the event's row lock.
        booking = book(user=request.user, **serializer.validated_data)
        if booking.status_before is None:  # a booking just created has no payment to read yet
            note_none(booking, "payments")
        return self.shown(booking, status.HTTP_201_CREATED)

    @extend_schema(
        request=PaySerializer,
        parameters=[IDEMPOTENCY_KEY],
        description="Pay for your ticket held while awaiting payment (status pending), with one of the "
        "event's ways to pay. The answer says what to do next: redirect (send the buyer to next.url, "
        "a card checkout), or instructions (a bank transfer: next.details carries the account and the "
        "reference to quote; the ticket is then held for longer, while the money travels). Starting "
        "again with the same provider answers with the same open payment; another provider replaces "
        "it. The ticket is confirmed when the provider reports the money arrived (its signed webhook "
        "to /payments/webhooks/{provider}/) or the organizer marks a transfer paid: read the booking "
        "again to see it. Only your own bookings (anyone else's is 404). Refusals: 409 hold_expired "
        "(the time to pay ran out: book again), 409 already_paid, 400 not_payable (not awaiting "
        "payment: waitlisted or cancelled), 400 invalid_provider (as a field error on provider), "
        "400 invalid_buyer (as a field error on buyer), 402 payment_declined when a provider "
        "declines at once.",
        responses={
            201: CheckoutSerializer,
            **error_responses(400, 401, 404, 409),
            402: OpenApiResponse(ErrorSerializer, "payment_declined: the provider refused the payment."),
            **IDEMPOTENCY_ERRORS,
        },
        examples=[
            OpenApiExample(
                "Pay by card",
                request_only=True,
                value={"provider": "test_card", "buyer": {"name": "Ada Lovelace", "address": "1 Main St"}},
            ),
            OpenApiExample(
                "Pay by bank transfer, for a company",
                request_only=True,
                value={
                    "provider": "bank_transfer",
                    "buyer": {"name": "Ada Lovelace", "company": "Analytical Ltd", "vat_id": "GB123456789"},
                },
            ),
        ],
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def pay(self, request, pk=None):
        """Start paying for a held ticket; the answer says what the buyer does next."""
        yours = Booking.objects.filter(user=request.user).select_related("event")
        booking = generics.get_object_or_404(yours, pk=pk)
        serializer = PaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        checkout = start_payment(
            booking=booking,
            provider_name=serializer.validated_data["provider"],
            buyer=serializer.validated_data["buyer"],
            by=request.user,
        )
        body = CheckoutSerializer(checkout, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        description="Your ticket's QR code to show at the door, as an SVG picture with no size of its own "
        "(it fills the box it is put in); the booking's ticket_qr_url points here. Only your own "
        "bookings (anyone else's is 404); 409 no_ticket while the booking is not a ticket (awaiting "
        "payment, waitlisted, cancelled, or its event cancelled). Answers carry an ETag: send it back "
        "in If-None-Match to get 304 while the ticket is unchanged.",
        responses={
            (200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, "The QR code as an SVG document."),
            304: OpenApiResponse(description="Unchanged since the ETag sent in If-None-Match."),
            **error_responses(401, 404, 409),
        },
    )
    @action(detail=True, methods=["get"])
    def qr(self, request, pk=None):
        """The ticket's QR code, made once and kept in the cache (bookings.tickets.qr_svg)."""
        yours = Booking.objects.filter(user=request.user).select_related("event", "ticket_type", "seat")
        booking = generics.get_object_or_404(yours, pk=pk)
        if not tickets.has_ticket(booking):
            raise DomainError(ErrorCode.NO_TICKET, NO_TICKET)
        response = HttpResponse(tickets.qr_svg(booking), content_type="image/svg+xml")
        patch_cache_control(response, private=True, no_cache=True)  # it carries the ticket's code
        set_response_etag(response)
        return get_conditional_response(request, etag=response["ETag"], response=response)

    @extend_schema(
        request=None,
        description="The owner may cancel until the event starts; its organizer and staff at any time "
        "(400 not_cancellable, 403 not_allowed, 409 already_cancelled). A paid ticket is refunded in "
        "full, with a credit note; once the event's refund window has closed, its owner's cancel is "
        "400 not_refundable (the organizer can still cancel and refund it).",
        responses={200: BookingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a booking; a freed seat goes to the first person on the waitlist."""
        return self.shown(cancel_booking(booking=self.get_object(), by=request.user))

    @extend_schema(
        request=BookingChangeSerializer,
        description="Move a confirmed booking to another ticket type of its event, or to another seat. "
        "The old place is given back only once the new one is yours, so a refused move changes nothing. "
        "You may move until the event starts, to a type on sale; its organizer and staff may move anyone "
        "at any time. Refusals: 400 not_confirmed, not_bookable, invalid_ticket_type, not_on_sale, "
        "invalid_seat; 403 not_allowed; 409 ticket_type_full, event_full, seat_taken.",
        responses={200: BookingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def change(self, request, pk=None):
        """Change a booking's ticket type or seat (an upgrade, a seat beside a friend)."""
        booking = self.get_object()
        serializer = BookingChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = change_ticket_type(booking=booking, by=request.user, **serializer.validated_data)
        return self.shown(booking)

    @extend_schema(
        request=BookingAnswersSerializer,
        description="Replace a booking's answers as a whole, checked as at booking (400 invalid_answers, "
        "as a field error on answers). You may change your own until the event starts (then 400 "
        "not_cancellable); its organizer and staff may change them at any time. A cancelled booking is "
        "409 already_cancelled.",
        responses={200: BookingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def answers(self, request, pk=None):
        """Change the answers given at booking (a new dietary need, another T-shirt size)."""
        booking = self.get_object()
        serializer = BookingAnswersSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        update_answers(booking=booking, by=request.user, **serializer.validated_data)
        return self.shown(self.get_object())  # read again: the answers read with it are the old ones


EVENT_ID = OpenApiParameter("event_id", int, OpenApiParameter.PATH, description="The event's id.")


def _managed_event(view) -> Event:
    """The address's event: 404 when the caller cannot see it, 403 when they see it but do not run it."""
    event = generics.get_object_or_404(
        Event.objects.visible_to(view.request.user), pk=view.kwargs["event_id"]
    )
    view.check_object_permissions(view.request, event)
    return event


@extend_schema(
    parameters=[EVENT_ID],
    responses={200: EventBookingSerializer, **error_responses(400, 401, 403, 404)},
)
class EventBookingsView(generics.ListAPIView):
    """The bookings of one event, for its organizer and site staff."""

    serializer_class = EventBookingSerializer
    filterset_class = BookingStatusFilter
    permission_classes = (IsAuthenticated, ManagesEvent)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Booking.objects.none()
        event = _managed_event(self)
        bookings = event.bookings.select_related("user", *PLACE).with_answers()
        return bookings.order_by("created_at", "pk")


# The check-in desk -----------------------------------------------------------

# Far more than a ticket's QR text holds; what is longer is no ticket.
MAX_SCAN_CHARS = 2000


class CheckInCodeSerializer(serializers.Serializer):
    code = serializers.CharField(
        max_length=MAX_SCAN_CHARS,
        allow_blank=True,
        trim_whitespace=False,
        help_text="What a scanner read from the ticket's QR code (its whole text: the first line is "
        '"EVENTHUB-TICKET:<code>"), or the code typed by hand.',
    )


class CheckInCountSerializer(serializers.Serializer):
    checked_in = serializers.IntegerField(help_text="The event's confirmed bookings checked in so far.")
    confirmed = serializers.IntegerField(help_text="The event's confirmed bookings.")


class CheckInSerializer(serializers.ModelSerializer):
    """A booking just checked in, as the desk shows it, and the event's count after it.

    Times carry the offset of the event's own time zone.
    """

    name = serializers.CharField(
        source="user.name", read_only=True, help_text="The ticket holder's full name, else their username."
    )
    ticket_type = TicketTypeSummarySerializer(read_only=True)
    seat = SeatSummarySerializer(read_only=True, allow_null=True, help_text="Null unless the type is seated.")
    checked_in_at = serializers.DateTimeField(read_only=True, help_text="When it was checked in.")
    checked_in_by = serializers.CharField(
        source="checked_in_by.username", read_only=True, help_text="Who checked it in (a username)."
    )
    count = serializers.SerializerMethodField()

    class Meta:
        model = Booking
        fields = ["id", "name", "ticket_type", "seat", "checked_in_at", "checked_in_by", "count"]
        read_only_fields = fields

    @extend_schema_field(CheckInCountSerializer)
    def get_count(self, booking: Booking) -> dict:
        return CheckInCountSerializer(self.context["count"]).data

    def to_representation(self, booking):
        with timezone.override(booking.event.timezone):
            return super().to_representation(booking)


class EventCheckInsView(APIView):
    """Check tickets in at one event's door: for its organizer and site staff."""

    permission_classes = (IsAuthenticated, ManagesEvent)

    @extend_schema(
        parameters=[EVENT_ID],
        request=CheckInCodeSerializer,
        description="Check in the ticket whose code was scanned or typed, once: 201 with who it is. "
        "Refusals, each with words to show at the door: 404 unknown_ticket (no ticket has this code, "
        "or the text holds none), 409 wrong_event (a ticket for another event, named only to those who "
        "run it), 409 ticket_cancelled (a cancelled booking, or a hold not paid in time), 400 "
        "not_confirmed (awaiting payment, or waitlisted), 409 already_checked_in (saying when, on the "
        "event's clock, and by whom). Two devices scanning one ticket at once check it in once.",
        responses={201: CheckInSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def post(self, request, event_id):
        """Check a ticket in by its code."""
        event = _managed_event(self)
        serializer = CheckInCodeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = check_in_by_code(event=event, code_text=serializer.validated_data["code"], by=request.user)
        body = CheckInSerializer(booking, context={"count": check_in_count(event=event)}).data
        return Response(body, status=status.HTTP_201_CREATED)


class EventCheckInView(APIView):
    """One booking's check-in at an event, to take back when it was a mistake."""

    permission_classes = (IsAuthenticated, ManagesEvent)

    @extend_schema(
        parameters=[
            EVENT_ID,
            OpenApiParameter("booking_id", int, OpenApiParameter.PATH, description="The booking's id."),
        ],
        request=None,
        description="Undo a booking's check-in (a mis-tap, the wrong name): it is no longer checked in. "
        "Undoing one that is not checked in changes nothing. A booking of another event is 404.",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def delete(self, request, event_id, booking_id):
        """Undo a check-in."""
        event = _managed_event(self)
        undo_check_in(booking=Booking(pk=booking_id, event_id=event.pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
