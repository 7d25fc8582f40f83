"""API shapes for events. Writes go through events.services, which run the model's own validation;
questions, which hold no counter and take no lock, are saved once the model's full_clean passes."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from events import images
from events.filters import MAX_ID
from events.models import Category, Event, Question, Seat, Series, TicketType
from events.series import (
    NTH_NAMES,
    WEEKDAY_NAMES,
    Frequency,
    Repeat,
    Scope,
    create_series,
    describe,
    update_series,
)
from events.services import (
    MAX_ROWS,
    MAX_SEATS_PER_ROW,
    MAX_TAGS,
    SeatLayout,
    create_event,
    create_ticket_type,
    set_event_image,
    update_event,
    update_ticket_type,
)


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


# The largest position every database stores (a small integer), so SQLite and PostgreSQL refuse alike.
MAX_POSITION = 32_767


class TicketTypeSummarySerializer(serializers.ModelSerializer):
    """A ticket type as a booking names it: what was bought, at what price."""

    currency = serializers.CharField(source="event.currency", read_only=True, help_text="ISO 4217, e.g. EUR.")

    class Meta:
        model = TicketType
        fields = ["id", "name", "price", "currency"]
        read_only_fields = fields


class TicketTypeSerializer(TicketTypeSummarySerializer):
    """A kind of ticket an event sells. Prices are decimal strings ("25.00") in the event's currency.

    Times are shown with the offset of the event's own time zone.
    """

    seats_left = serializers.IntegerField(read_only=True)
    on_sale = serializers.BooleanField(read_only=True, help_text="Whether its sales window is open now.")
    sales_start = OffsetDateTimeField(
        required=False, allow_null=True, help_text="Empty: on sale as soon as the event is published."
    )
    sales_end = OffsetDateTimeField(
        required=False, allow_null=True, help_text="Empty: on sale until the event starts."
    )

    class Meta:
        model = TicketType
        fields = [
            "id",
            "name",
            "description",
            "price",
            "tax_rate",
            "currency",
            "capacity",
            "seats_left",
            "on_sale",
            "sales_start",
            "sales_end",
            "seated",
            "position",
        ]
        read_only_fields = ["seated"]
        extra_kwargs = {
            "capacity": {"required": False, "help_text": "Required unless the type is seated."},
            "position": {
                "max_value": MAX_POSITION,
                "help_text": "Display order, lowest first; a new type goes last by default.",
            },
        }

    def to_representation(self, instance):
        with timezone.override(instance.event.timezone):
            return super().to_representation(instance)

    def update(self, instance, validated_data):
        return update_ticket_type(ticket_type=instance, **validated_data)


class SeatLayoutSerializer(serializers.Serializer):
    """A hall drawn by rule; read as an events.services.SeatLayout, which the service checks."""

    rows = serializers.IntegerField(help_text=f"Rows A, B, C, ...: 1 to {MAX_ROWS}.")
    seats_per_row = serializers.IntegerField(
        help_text=f"Seats numbered 1 to this in each row, at most {MAX_SEATS_PER_ROW}."
    )
    gaps = serializers.ListField(
        child=serializers.IntegerField(),
        required=False,
        max_length=MAX_SEATS_PER_ROW,
        help_text="Seat numbers left out of every row (an aisle), so the others keep their printed numbers.",
    )

    def validate(self, attrs):
        return SeatLayout(
            rows=attrs["rows"], seats_per_row=attrs["seats_per_row"], gaps=frozenset(attrs.get("gaps", ()))
        )


class TicketTypeCreateSerializer(TicketTypeSerializer):
    """A new ticket type: a capacity, or for numbered seats a layout, which sets the capacity."""

    seated = serializers.BooleanField(
        required=False, help_text="True sells numbered seats drawn from layout; a layout implies it."
    )
    layout = SeatLayoutSerializer(required=False, write_only=True)

    class Meta(TicketTypeSerializer.Meta):
        fields = [*TicketTypeSerializer.Meta.fields, "layout"]

    def validate(self, attrs):
        layout = attrs.get("layout")
        if attrs.pop("seated", layout is not None) != (layout is not None):
            message = (
                "Add a layout for numbered seats." if layout is None else "Only a seated type has a layout."
            )
            raise serializers.ValidationError({"layout": message})
        if layout is not None and "capacity" in attrs:
            raise serializers.ValidationError(
                {"capacity": "A seated type sells its seats: leave capacity out."}
            )
        return attrs

    def create(self, validated_data):
        return create_ticket_type(**validated_data)


class SeatSummarySerializer(serializers.ModelSerializer):
    """A numbered seat as a booking names it."""

    label = serializers.CharField(read_only=True, help_text='For people: "Row C, seat 12".')

    class Meta:
        model = Seat
        fields = ["id", "label"]


class SeatSerializer(SeatSummarySerializer):
    """One seat of a hall's map."""

    available = serializers.BooleanField(
        source="is_available", read_only=True, help_text="Neither booked nor kept out of sale."
    )

    class Meta(SeatSummarySerializer.Meta):
        fields = ["id", "row", "number", "label", "available"]
        read_only_fields = fields


class SeatMapQuerySerializer(serializers.Serializer):
    """Which hall of the event to draw: ``context["event"]`` with its ticket types read."""

    ticket_type = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="The id of one of the event's ticket types."
    )

    def validate_ticket_type(self, value) -> TicketType:
        ticket_type = next((t for t in self.context["event"].ticket_types.all() if t.pk == value), None)
        if ticket_type is None:
            raise serializers.ValidationError(
                "This ticket type is not sold at this event.", code="invalid_ticket_type"
            )
        return ticket_type


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class OptionsField(serializers.ListField):
    """A list as sent: which lists a question may offer is Question.clean's to say, beside this field."""


class QuestionSerializer(serializers.ModelSerializer):
    """Something the organizer asks at booking. Written after the model's own checks (full_clean)."""

    options = OptionsField(
        required=False,
        help_text="The choices offered, in order: needed by choice and choices, empty for the other kinds.",
    )
    ticket_type = serializers.PrimaryKeyRelatedField(
        queryset=TicketType.objects.all(),
        required=False,
        allow_null=True,
        help_text="The id of the event's ticket type whose buyers are asked; null asks every buyer.",
    )

    class Meta:
        model = Question
        fields = ["id", "label", "kind", "options", "required", "ticket_type", "position"]
        extra_kwargs = {
            "kind": {
                "help_text": "short_text (up to 200 characters), long_text (up to 2,000), choice (one of "
                "the options), choices (any of them), yes_no."
            },
            "required": {"help_text": "Whether a booking must answer it."},
            "position": {"max_value": MAX_POSITION, "help_text": "Display order, lowest first."},
        }

    def create(self, validated_data):
        return save_checked(Question(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return save_checked(instance)


def save_checked(question: Question) -> Question:
    """Save ``question`` once the model's own rules pass; a refusal is a ValidationError naming its field.

    A twin sent in the same instant passes the checks too and is then stopped by
    the database's unique constraint: checking again says why, in the same words.
    """
    question.full_clean()
    try:
        with transaction.atomic():
            question.save()
    except IntegrityError:
        question.full_clean()
        raise
    return question


class ProviderNamesField(serializers.MultipleChoiceField):
    """Names of payment providers, kept as a list in the site's order (refusals stay flat messages)."""

    def to_internal_value(self, data):
        chosen = super().to_internal_value(data)
        return [name for name in self.choices if name in chosen]

    def to_representation(self, value):
        return list(value)


# Ticket types priced at once by name through an event's change; more is no honest request.
MAX_PRICED_TYPES = 50


class FlatErrorsMixin:
    """A container field whose refusal is one flat list of messages, not one per item (the API's
    error shape is a list of words per field)."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as refused:
            raise serializers.ValidationError(sorted(set(_messages_in(refused.detail)))) from None


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagNamesField(FlatErrorsMixin, serializers.ListField):
    """An event's tags by name; written as a list of text the service cleans (trimmed, each once, each
    checked)."""

    child = serializers.CharField(allow_blank=True, trim_whitespace=False)

    def to_representation(self, data):
        return [tag.name for tag in data.all()]


class PricesField(FlatErrorsMixin, serializers.DictField):
    """New prices by ticket type name, as decimal strings."""

    child = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.00"))

    def to_internal_value(self, data):
        prices = super().to_internal_value(data)
        if len(prices) > MAX_PRICED_TYPES:
            raise serializers.ValidationError(f"Price at most {MAX_PRICED_TYPES} ticket types at once.")
        return prices


def _messages_in(detail) -> list[str]:
    """Every message of a (nested) DRF error detail."""
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages_in(value)]
    if isinstance(detail, list):
        return [message for value in detail for message in _messages_in(value)]
    return [str(detail)]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class EventImageSerializer(serializers.Serializer):
    """An event's picture: the addresses of its two renditions (JPEG; an address never changes what it
    serves) and what it shows."""

    card = serializers.URLField(help_text=f"For lists: {images.CARD.width} by {images.CARD.height} pixels.")
    banner = serializers.URLField(
        help_text=f"For the event's page and link previews: {images.BANNER.width} by {images.BANNER.height} "
        "pixels."
    )
    alt = serializers.CharField(help_text="What the picture shows, for people who cannot see it.")

    def to_representation(self, event: Event) -> dict:
        request = self.context.get("request")
        absolute = request.build_absolute_uri if request else images.public_url
        return {
            "card": absolute(event.image_card.url),
            "banner": absolute(event.image_banner.url),
            "alt": event.image_alt,
        }


class EventImageUploadSerializer(serializers.Serializer):
    """A new picture for an event, sent as multipart/form-data."""

    image = serializers.FileField(
        help_text=f"A JPEG, PNG or WebP (SVG is refused) of at least {images.MIN_WIDTH} by "
        f"{images.MIN_HEIGHT} pixels, at most {images.MAX_PIXELS // 1_000_000} megapixels and "
        f"{filesizeformat(settings.EVENT_IMAGE_MAX_BYTES)} (a larger body is refused with 413). It is cut "
        "to a card and a banner; its metadata (EXIF, GPS) is not kept."
    )
    alt = serializers.CharField(
        allow_blank=True,
        default="",
        help_text="What the picture shows, for people who cannot see it: a picture needs it (up to 200 "
        "characters).",
    )

    def create(self, validated_data) -> Event:
        try:
            return set_event_image(
                event=validated_data["event"],
                by=validated_data["by"],
                upload=validated_data["image"],
                alt=validated_data["alt"],
            )
        except DjangoValidationError as error:
            # The model names the description image_alt; this request calls it alt.
            raise DjangoValidationError(
                {
                    ("alt" if name == "image_alt" else name): messages
                    for name, messages in error.message_dict.items()
                }
            ) from error


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
    payment_providers = ProviderNamesField(
        choices=list(settings.PAYMENT_PROVIDERS),
        required=False,
        help_text="The ways to pay this event offers, by name; empty offers every one the site enables.",
    )
    organizer = OrganizerSerializer(read_only=True)
    ticket_types = TicketTypeSerializer(many=True, read_only=True)
    category = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Category.objects.all(),
        required=False,
        allow_null=True,
        help_text="The category's slug (GET /api/categories/ lists them), or null.",
    )
    tags = TagNamesField(
        required=False,
        max_length=MAX_TAGS,
        help_text=f"Free words the event is filed under, at most {MAX_TAGS}; "
        "a tag differing only in case or accents is the same tag.",
    )
    map_link = serializers.CharField(
        read_only=True,
        help_text="A map of the place: the organizer's OpenStreetMap link, else a search for the address; "
        "empty for online events.",
    )

    image = serializers.SerializerMethodField(help_text="Its picture, or null when it has none.")
    series = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The id of the series this event is a date of (/api/series/{id}/), or null.",
    )
    apply_to = serializers.ChoiceField(
        choices=Scope.choices,
        default=Scope.THIS,
        write_only=True,
        help_text="For a date of a series: this (the default) changes this event only; future changes it "
        "and every later date that has not started and is not cancelled, all or nothing (dates, times "
        "and status change one event at a time).",
    )
    prices = PricesField(
        required=False,
        write_only=True,
        help_text='New prices by ticket type name, {"VIP": "60.00"}: with apply_to=future, on every '
        "later date that sells a type of that name.",
    )
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")

    class Meta:
        model = Event
        fields = [
            "id",
            "title",
            "description",
            "location",
            "attendance",
            "address",
            "city",
            "map_url",
            "map_link",
            "online_url",
            "category",
            "tags",
            "starts_at",
            "ends_at",
            "timezone",
            "capacity",
            "seats_left",
            "currency",
            "hold_minutes",
            "payment_providers",
            "refund_cutoff_hours",
            "series",
            "ticket_types",
            "image",
            "status",
            "organizer",
            "apply_to",
            "prices",
            "url",
        ]

        extra_kwargs = {
            "online_url": {
                "help_text": "Where an online event happens: shown only to those who run it "
                "here, and to ticket holders on their ticket."
            },
        }

    def to_representation(self, instance):
        with timezone.override(instance.timezone):
            shown = super().to_representation(instance)
        if not self._runs(instance):
            shown.pop("online_url")
        return shown

    def _runs(self, event) -> bool:
        request = self.context.get("request")
        return request is not None and event.is_managed_by(request.user)

    @extend_schema_field(EventImageSerializer(allow_null=True))
    def get_image(self, event: Event) -> dict | None:
        return EventImageSerializer(event, context=self.context).data if event.image_card else None

    def validate(self, attrs):
        if self.instance is None and ("prices" in attrs or attrs.get("apply_to", Scope.THIS) != Scope.THIS):
            raise serializers.ValidationError(
                {"prices": "A new event is changed alone: price its ticket types through their endpoint."}
            )
        return attrs

    def create(self, validated_data):
        validated_data.pop("apply_to", None)
        return create_event(**validated_data)

    def update(self, instance, validated_data):
        scope, prices = validated_data.pop("apply_to", Scope.THIS), validated_data.pop("prices", None)
        if scope == Scope.THIS and not prices:
            return update_event(event=instance, **validated_data)
        return update_series(event=instance, scope=scope, prices=prices, **validated_data)


class EventDetailSerializer(EventSerializer):
    """One event as its page needs it: with the questions booking asks (lists leave them out)."""

    questions = QuestionSerializer(many=True, read_only=True, help_text="Asked at booking, in display order.")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields[:-3], "questions", *EventSerializer.Meta.fields[-3:]]


# Series ---------------------------------------------------------------------------------------


class OccurrenceSerializer(serializers.ModelSerializer):
    """One date of a series. Times are shown with the offset of the event's own time zone."""

    starts_at = OffsetDateTimeField(read_only=True)
    ends_at = OffsetDateTimeField(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="event-detail")

    class Meta:
        model = Event
        fields = ["id", "starts_at", "ends_at", "status", "seats_left", "url"]
        read_only_fields = fields

    def to_representation(self, instance):
        with timezone.override(instance.timezone):
            return super().to_representation(instance)


class SeriesSerializer(serializers.ModelSerializer):
    """An event repeated by a rule; each date is a whole event (see /api/events/?series={id})."""

    description = serializers.SerializerMethodField(
        help_text='The rule in words: "Every week on Tuesday, 8 times".'
    )
    organizer = OrganizerSerializer(read_only=True)
    upcoming = OccurrenceSerializer(
        source="upcoming_occurrences",
        many=True,
        read_only=True,
        help_text="Its dates that have not started and that you can see, soonest first.",
    )
    url = serializers.HyperlinkedIdentityField(view_name="series-detail")

    class Meta:
        model = Series
        fields = ["id", "title", "description", "rule", "timezone", "organizer", "upcoming", "url"]
        read_only_fields = fields
        extra_kwargs = {"rule": {"help_text": "The rule as RFC 5545 text (DTSTART and RRULE, local times)."}}

    def get_description(self, series: Series) -> str:
        return describe(series.rule)


WEEKDAY_CHOICES = [name.lower() for name in WEEKDAY_NAMES]


class SeriesCreateSerializer(serializers.Serializer):
    """Repeat one of your events: it becomes the first date, each later date a copy of it.

    Read as an events.series.Repeat, which the service judges (invalid_recurrence, too_many_dates).
    """

    event = serializers.PrimaryKeyRelatedField(
        queryset=Event.objects.none(), help_text="The id of the event to repeat: its first date."
    )
    frequency = serializers.ChoiceField(choices=Frequency.choices)
    weekdays = serializers.MultipleChoiceField(
        choices=WEEKDAY_CHOICES, help_text="Weekly: the days it happens on. Monthly: the one day, with nth."
    )
    nth = serializers.ChoiceField(
        choices=list(NTH_NAMES),
        required=False,
        allow_null=True,
        help_text="Monthly only: which of the month's weekdays, 1 to 4, or -1 for the last.",
    )
    interval = serializers.IntegerField(default=1, help_text="Every this many weeks or months.")
    until = serializers.DateField(
        required=False, allow_null=True, help_text="The last day it may happen on (or give count)."
    )
    count = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="How many dates, the event itself included (or give until).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["event"].queryset = Event.objects.visible_to(request.user)

    def validate(self, attrs):
        attrs["repeat"] = Repeat(
            frequency=attrs.pop("frequency"),
            weekdays=tuple(sorted(WEEKDAY_CHOICES.index(day) for day in attrs.pop("weekdays"))),
            nth=attrs.pop("nth", None),
            interval=attrs.pop("interval"),
            until=attrs.pop("until", None),
            count=attrs.pop("count", None),
        )
        return attrs

    def create(self, validated_data):
        return create_series(**validated_data)
