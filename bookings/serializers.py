"""API shapes for bookings. Status is read-only: only bookings.services writes it."""

from rest_framework import serializers

from accounts.models import User
from bookings.models import Booking
from events.filters import MAX_ID


class BookingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Booking
        fields = ["id", "event", "status", "created_at"]
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
