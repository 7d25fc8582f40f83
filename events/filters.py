"""The event filters: one FilterSet behind the public list page and GET /api/events/."""

import re
from datetime import UTC, date, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField

from eventhub.text import search_words
from events.models import Category, Event

DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")

# Search reads this many characters at most: the page's box takes no more, and a longer
# query from elsewhere is cut rather than refused.
SEARCH_MAX_LENGTH = 200


class DayOrInstantField(IsoDateTimeField):
    """A calendar day ("2030-06-01") or an instant (ISO 8601 with an offset).

    A day stays a date, compared with the day an event starts where it happens.
    An instant is read in UTC: PostgreSQL refuses offsets past ±15:59, which ISO allows.
    """

    def to_python(self, value):
        if isinstance(value, str) and DATE_ONLY.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        instant = super().to_python(value)
        try:
            return instant and instant.astimezone(UTC)
        except OverflowError:  # the instant falls outside years 1 to 9999
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class DayOrInstantFilter(django_filters.IsoDateTimeFilter):
    """Compares a day with the event's local start day (starts_on), an instant with starts_at."""

    field_class = DayOrInstantField

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        field = "starts_at" if isinstance(value, datetime) else "starts_on"
        return qs.filter(**{f"{field}__{self.lookup_expr}": value})


# An event is upcoming until it starts, past from then on (EventQuerySet.upcoming and past).
UPCOMING, PAST = "upcoming", "past"
WHEN_CHOICES = [(UPCOMING, "Upcoming"), (PAST, "Past")]

# The largest id the database stores (64-bit); SQLite cannot even compare a larger number.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 to MAX_ID, so no query ever carries one the database refuses."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)

    def get_max_validator(self):
        return None  # max_value above is the bound


class ThenSoonestOrderingFilter(django_filters.OrderingFilter):
    """Orders as asked, then soonest first: events equal in the asked order (as popular, say) keep one
    order from page to page."""

    def filter(self, qs, value):
        ordered = super().filter(qs, value)
        return ordered.order_by(*ordered.query.order_by, "starts_at", "pk") if value else ordered


class EventFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text="Words that must all appear, in any order, in the title, description or location; "
        "a word matches the start of a word (jaz finds Jazzy), whatever its case or accents. "
        f"Only the first {SEARCH_MAX_LENGTH} characters are read.",
    )
    location = django_filters.CharFilter(field_name="location", lookup_expr="icontains", label="Location")
    starts_after = DayOrInstantFilter(
        field_name="starts_at",
        lookup_expr="gte",
        label="From",
        help_text="Events starting on or after this day or at or after this time. A date alone "
        "(2030-06-01) is that calendar day where the event happens, in its own time zone; "
        "a date and time with an offset (ISO 8601) is an instant.",
    )
    starts_before = DayOrInstantFilter(
        field_name="starts_at",
        lookup_expr="lte",
        label="To",
        help_text="Events starting on or before this day or at or before this time. A date alone "
        "includes the whole of that calendar day where the event happens, in its own time zone; "
        "a date and time with an offset (ISO 8601) is an instant.",
    )
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        label="Category",
        help_text="A category's slug, such as music.",
    )
    tag = django_filters.CharFilter(
        method="filter_tag", label="Tag", help_text="Events filed under this tag, in any spelling of it."
    )
    city = django_filters.CharFilter(
        method="filter_city",
        label="City",
        help_text="Events in this city, whatever its case or accents (Munchen finds München).",
    )
    attendance = django_filters.ChoiceFilter(
        choices=Event.Attendance.choices, label="Held", help_text="in_person or online."
    )
    organizer = IdFilter(field_name="organizer_id", label="Organizer id")
    series = IdFilter(field_name="series_id", label="Series id", help_text="The dates of one series.")
    has_seats = django_filters.BooleanFilter(method="filter_has_seats", label="Only events with seats left")
    status = django_filters.ChoiceFilter(choices=Event.Status.choices)
    when = django_filters.ChoiceFilter(
        method="filter_when",
        choices=WHEN_CHOICES,
        label="Upcoming or past",
        help_text="upcoming: not started yet; past: already started. Without it, both.",
    )
    ordering = ThenSoonestOrderingFilter(
        fields=(
            ("starts_at", "starts_at"),
            ("created_at", "created_at"),
            ("title", "title"),
            ("recent_bookings", "popularity"),
        ),
        field_labels={
            "-popularity": "Most popular",
            "popularity": "Least popular",
            "starts_at": "Soonest",
            "-starts_at": "Latest",
            "created_at": "Oldest listing",
            "-created_at": "Newest",
            "title": "Title",
            "-title": "Title (Z to A)",
        },
        label="Sort by",
    )

    class Meta:
        model = Event
        fields = [
            "search",
            "location",
            "category",
            "tag",
            "city",
            "attendance",
            "starts_after",
            "starts_before",
            "organizer",
            "series",
            "has_seats",
            "status",
            "when",
        ]

    def filter_search(self, queryset, name, value):
        """Every typed word, folded like the stored search_text, must start a word somewhere in it."""
        for word in dict.fromkeys(search_words(value[:SEARCH_MAX_LENGTH])):
            queryset = queryset.filter(search_text__contains=f" {word}")
        return queryset

    def filter_tag(self, queryset, name, value):
        return queryset.filter(tags__slug=slugify(value[:SEARCH_MAX_LENGTH]))

    def filter_city(self, queryset, name, value):
        key = " ".join(search_words(value[:SEARCH_MAX_LENGTH]))
        # A city of no letter or digit names no city (not the events that have none).
        return queryset.filter(city_key=key) if key else queryset.none()

    def filter_when(self, queryset, name, value):
        return queryset.upcoming() if value == UPCOMING else queryset.past()

    def filter_has_seats(self, queryset, name, value):
        if value:
            return queryset.with_seats_left()
        return queryset
