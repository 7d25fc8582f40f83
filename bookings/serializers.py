"""API shapes for bookings. Status is read-only: only bookings.services writes it."""

from rest_framework import serializers

from accounts.models import User
from bookings.models import Booking
from events.filters import MAX_ID
from events.models import Event, Seat, TicketType
from events.serializers import SeatSummarySerializer, TicketTypeSummarySerializer


class BookingSerializer(serializers.ModelSerializer):
    event_status = serializers.ChoiceField(
        source="event.status",
        choices=Event.Status.choices,
        read_only=True,
        help_text="The event's own status. cancelled: the event will not take place, whatever the "
        "booking's status says (a cancelled event keeps its bookings on record as they were).",
    )
    ticket_type = TicketTypeSummarySerializer(read_only=True)
    seat = SeatSummarySerializer(read_only=True, allow_null=True, help_text="Null unless the type is seated.")

    class Meta:
        model = Booking
        fields = ["id", "event", "status", "event_status", "ticket_type", "seat", "created_at"]
        read_only_fields = fields


class RowIdField(serializers.IntegerField):
    """The id of a ``model`` row, read as an unsaved instance holding only its pk.

    The booking service reads the row itself, under the event's lock, so the door
    does not read it first.
    """

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def run_validation(self, data=serializers.empty):
        pk = super().run_validation(data)  # the id checked against its bounds
        return None if pk is None else self.model(pk=pk)


class PlaceSerializer(serializers.Serializer):
    """Which place: a ticket type of the event and, for a seated type, a seat of that type."""

    ticket_type = RowIdField(
        TicketType,
        required=False,
        allow_null=True,
        help_text="The id of one of the event's ticket types. May be left out when the event has "
        "exactly one type on sale.",
    )
    seat = RowIdField(
        Seat,
        required=False,
        allow_null=True,
        help_text="For a seated type, the id of a free seat of it; left out, the best free seat.",
    )


class BookingCreateSerializer(PlaceSerializer):
    event = RowIdField(Event, help_text="The id of the event to book.")
    waitlist = serializers.BooleanField(
        default=False,
        help_text="When the ticket type or the event is full, join its waitlist instead of being refused.",
    )


class BookingChangeSerializer(PlaceSerializer):
    ticket_type = RowIdField(
        TicketType, help_text="The id of the event's ticket type to move to (the same one to change seat)."
    )


class AttendeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


class EventBookingSerializer(serializers.ModelSerializer):
    """A booking as its event's organizer sees it: who booked, with their email to reach them."""

    attendee = AttendeeSerializer(source="user", read_only=True)
    ticket_type = TicketTypeSummarySerializer(read_only=True)
    seat = SeatSummarySerializer(read_only=True, allow_null=True, help_text="Null unless the type is seated.")

    class Meta:
        model = Booking
        fields = ["id", "attendee", "status", "ticket_type", "seat", "created_at"]
        read_only_fields = fields
