"""The bookings API: attendees book and cancel; organizers see the bookings of their events."""

import django_filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from bookings.models import Booking
from bookings.serializers import BookingCreateSerializer, BookingSerializer, EventBookingSerializer
from bookings.services import book, cancel_booking
from eventhub.api_errors import error_responses
from eventhub.permissions import ManagesEvent
from events.filters import IdFilter
from events.models import Event


class BookingStatusFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Booking.Status.choices)

    class Meta:
        model = Booking
        fields = ["status"]


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
        # Every item shows its event's status.
        return Booking.objects.visible_to(self.request.user).select_related("event")

    @extend_schema(
        request=BookingCreateSerializer,
        description="Attendees only. An event you cannot see (someone else's draft) is 404; "
        "a draft, cancelled or started event is 400 not_bookable; a full event is 409 event_full "
        "unless waitlist is true.",
        responses={201: BookingSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    def create(self, request):
        """Book a seat, or a waitlist place when the event is full and you ask for one."""
        serializer = BookingCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        booking = book(
            user=request.user,
            event=Event(pk=serializer.validated_data["event"]),  # read once, under the row lock
            waitlist=serializer.validated_data["waitlist"],
        )
        return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None, responses={200: BookingSerializer, **error_responses(400, 401, 403, 404, 409)}
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel a booking; a freed seat goes to the first person on the waitlist."""
        booking = cancel_booking(booking=self.get_object(), by=request.user)
        return Response(self.get_serializer(booking).data)


@extend_schema(
    parameters=[OpenApiParameter("event_id", int, OpenApiParameter.PATH, description="The event's id.")],
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
        event = generics.get_object_or_404(
            Event.objects.visible_to(self.request.user), pk=self.kwargs["event_id"]
        )
        self.check_object_permissions(self.request, event)
        return event.bookings.select_related("user").order_by("created_at", "pk")
