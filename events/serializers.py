"""API shapes for events. Writes go through events.services, which run the model's own validation."""

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from accounts.models import User
from events.models import Event
from events.services import create_event, update_event


class OrganizerSerializer(serializers.ModelSerializer):
    """Who runs an event; the email address stays private."""

    class Meta:
        model = User
        fields = ["id", "username"]


def _is_naive(value: str) -> bool:
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return False
    return parsed is not None and timezone.is_naive(parsed)


class OffsetDateTimeField(serializers.DateTimeField):
    """ISO 8601 with a UTC offset: a time without one is ambiguous for an event abroad, so it is refused."""

    default_error_messages = {"naive": "Include a UTC offset, for example 2030-06-01T19:00:00+02:00."}

    def to_internal_value(self, value):
        if isinstance(value, str) and _is_naive(value):
            self.fail("naive")
        return super().to_internal_value(value)


class EventSerializer(serializers.ModelSerializer):
    """An event. Times are shown with the offset of the event's own time zone."""

    starts_at = OffsetDateTimeField()
    ends_at = OffsetDateTimeField()
    status = serializers.ChoiceField(
        choices=Event.Status.choices,
        required=False,
        help_text="A new event is a draft (the default) or published. "
        "Setting cancelled cancels it for good; bookings stay on record.",
    )
    seats_left = serializers.IntegerField(read_only=True)
    organizer = OrganizerSerializer(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "description",
            "location",
            "starts_at",
            "ends_at",
            "timezone",
            "capacity",
            "seats_left",
            "status",
            "organizer",
            "url",
        ]

    def to_representation(self, instance):
        with timezone.override(instance.timezone):
            return super().to_representation(instance)

    def create(self, validated_data):
        return create_event(**validated_data)

    def update(self, instance, validated_data):
        return update_event(event=instance, **validated_data)
