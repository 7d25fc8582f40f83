"""API shapes for bookings. Status is read-only: only bookings.services writes it."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils import html

from accounts.models import User
from bookings import tickets
from bookings.models import Answer, Booking
from events.filters import MAX_ID
from events.models import Event, Seat, TicketType
from events.serializers import SeatSummarySerializer, TicketTypeSummarySerializer
from payments.serializers import PaymentSerializer

# An answer as stored: text, the options picked (in the organizer's order), or yes (true) / no (false).
ANSWER_VALUE = {
    "oneOf": [
        {"type": "string"},
        {"type": "array", "items": {"type": "string"}},
        {"type": "boolean"},
    ]
}


@extend_schema_field(ANSWER_VALUE)
class AnswerValueField(serializers.JSONField):
    """One answer's value, whatever JSON was sent: its question (Question.clean_answer) judges it."""


@extend_schema_field({"type": "object", "additionalProperties": ANSWER_VALUE})
class AnswersField(serializers.DictField):
    """Answers keyed by question id. The booking service checks them against the questions asked."""

    child = AnswerValueField(allow_null=True)  # null, like "", leaves a question unanswered

    def to_internal_value(self, data):
        if html.is_html_input(data):  # a form's "answers.<id>" fields: one repeated gives several choices
            data = {key: values if len(values) > 1 else values[0] for key, values in data.lists()}
        return super().to_internal_value(data)


ANSWERS_HELP = (
    "Answers to the event's questions, keyed by question id: "
    '{"12": "Vegan", "13": ["S", "M"], "14": true}. '
    "Text for short_text and long_text, one option for choice, a list of options for choices, true or "
    "false for yes_no. A required question of your ticket type left out, an answer its question cannot "
    "take, or the id of a question not asked of your ticket type is 400 invalid_answers, as a field "
    "error on answers."
)


class AnswerSerializer(serializers.ModelSerializer):
    """A booking's answer to one of its event's questions."""

    label = serializers.CharField(source="question.label", read_only=True, help_text="The question asked.")
    value = AnswerValueField(read_only=True, help_text="As stored: text, a list of options, or a boolean.")
    display = serializers.CharField(read_only=True, help_text='For people: "Yes", "Vegan, Halal".')

    class Meta:
        model = Answer
        fields = ["question", "label", "value", "display"]
        read_only_fields = fields


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
    answers = AnswerSerializer(many=True, read_only=True, help_text="In the order the event asks them.")
    price = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        read_only=True,
        help_text="What the ticket costs, in the ticket type's currency: its price when the place was taken.",
    )
    hold_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text="While the booking awaits payment (status pending), until when its place is held; "
        "unpaid by then, the place goes back on sale (status expired). Null otherwise.",
    )
    payment = serializers.SerializerMethodField(
        help_text="The latest payment for this booking; null until one is started. Its pay_url leads to "
        "the site's checkout page while the booking awaits payment (or pay through POST .../pay/)."
    )
    ticket_code = serializers.SerializerMethodField(
        help_text="The code to give at the check-in desk, also carried by the QR code. Shown to the "
        "booking's owner only, and only while it is a ticket (confirmed, the event not cancelled); null "
        "otherwise. A booking cancelled and taken again gets a new code."
    )
    ticket_qr_url = serializers.SerializerMethodField(
        help_text="Where the ticket's QR code to show at the door is, as an SVG picture (GET it with the "
        "same sign-in; it has no size of its own, so it fills the box it is put in). Null whenever "
        "ticket_code is."
    )

    class Meta:
        model = Booking
        fields = [
            "id",
            "event",
            "status",
            "event_status",
            "ticket_type",
            "seat",
            "price",
            "hold_expires_at",
            "payment",
            "ticket_code",
            "ticket_qr_url",
            "answers",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PaymentSerializer(allow_null=True))
    def get_payment(self, booking: Booking) -> dict | None:
        # Lists read every booking's payments in one query (newest first: Payment's ordering).
        latest = next(iter(booking.payments.all()), None)
        return None if latest is None else PaymentSerializer(latest, context=self.context).data

    def get_ticket_code(self, booking: Booking) -> str | None:
        return booking.ticket_code if self._shows_ticket(booking) else None

    def get_ticket_qr_url(self, booking: Booking) -> str | None:
        if not self._shows_ticket(booking):
            return None
        return self.context["request"].build_absolute_uri(reverse("booking-qr", args=[booking.pk]))

    def _shows_ticket(self, booking: Booking) -> bool:
        """Only its owner sees a ticket: the organizer checks people in at the desk, not from a list."""
        request = self.context.get("request")
        return request is not None and request.user.pk == booking.user_id and tickets.has_ticket(booking)


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
    answers = AnswersField(required=False, help_text=ANSWERS_HELP)


class BookingAnswersSerializer(serializers.Serializer):
    answers = AnswersField(help_text=f"{ANSWERS_HELP} They replace the answers given before.")


class BookingChangeSerializer(PlaceSerializer):
    ticket_type = RowIdField(
        TicketType, help_text="The id of the event's ticket type to move to (the same one to change seat)."
    )
    answers = AnswersField(
        required=False,
        help_text="Answers to the new ticket type's own questions; those to the event's questions carry "
        "over and the old type's go.",
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
    answers = AnswerSerializer(many=True, read_only=True, help_text="In the order the event asks them.")

    class Meta:
        model = Booking
        fields = ["id", "attendee", "status", "ticket_type", "seat", "answers", "created_at"]
        read_only_fields = fields
