"""API shapes for bookings. Status is read-only: only bookings.services writes it."""

from rest_framework import serializers

from accounts.models import User
from bookings.models import Booking
from events.filters import MAX_ID
from events.models import Event


class BookingSerializer(serializers.ModelSerializer):
    event_status = serializers.ChoiceField(
        source="event.status",
        choices=Event.Status.choices,
        read_only=True,
        help_text="The event's own status. cancelled: the event will not take place, whatever the "
        "booking's status says (a cancelled event keeps its bookings on record as they were).",
    )

    class Meta:
        model = Booking
        fields = ["id", "event", "status", "event_status", "created_at"]
        read_only_fields = fields


class BookingCreateSerializer(serializers.Serializer):
    event = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The id of the event to book.")
    waitlist = serializers.BooleanField(
        default=False, help_text="When the event is full, join its waitlist instead of being refused."
    )


class AttendeeSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email"]


class EventBookingSerializer(serializers.ModelSerializer):
    """A booking as its event's organizer sees it: who booked, with their email to reach them."""

    attendee = AttendeeSerializer(source="user", read_only=True)

    class Meta:
        model = Booking
        fields = ["id", "attendee", "status", "created_at"]
        read_only_fields = fields
