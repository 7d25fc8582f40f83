"""The event filters: one FilterSet behind the public list page and GET /api/events/."""

import re
from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django_filters.fields import IsoDateTimeField

from events.models import Event

DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 read as a UTC instant: PostgreSQL refuses offsets past ±15:59, which ISO allows.

    With ``end_of_day``, a date without a time means the end of that day, so
    "to 1 June" includes events later on 1 June.
    """

    def __init__(self, *args, end_of_day=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.end_of_day = end_of_day

    def to_python(self, value):
        instant = super().to_python(value)
        if instant and self.end_of_day and DATE_ONLY.fullmatch(str(value).strip()):
            instant = instant.replace(hour=23, minute=59, second=59, microsecond=999999)
        try:
            return instant and instant.astimezone(UTC)
        except OverflowError:  # the instant falls outside years 1 to 9999
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


# The largest id the database stores (64-bit); SQLite cannot even compare a larger number.
MAX_ID = 2**63 - 1


class IdFilter(django_filters.NumberFilter):
    """A row id: a whole number from 1 to MAX_ID, so no query ever carries one the database refuses."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)

    def get_max_validator(self):
        return None  # max_value above is the bound


class EventFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        help_text="Words in the title, description or location (any case).",
    )
    location = django_filters.CharFilter(field_name="location", lookup_expr="icontains", label="Location")
    starts_after = UtcIsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="gte",
        label="From",
        help_text="Events starting at or after this date or time (ISO 8601).",
    )
    starts_before = UtcIsoDateTimeFilter(
        field_name="starts_at",
        lookup_expr="lte",
        label="To",
        help_text="Events starting at or before this date or time (ISO 8601); a date alone means its end.",
        end_of_day=True,
    )
    organizer = IdFilter(field_name="organizer_id", label="Organizer id")
    has_seats = django_filters.BooleanFilter(method="filter_has_seats", label="Only events with seats left")
    status = django_filters.ChoiceFilter(choices=Event.Status.choices)
    ordering = django_filters.OrderingFilter(
        fields=(("starts_at", "starts_at"), ("created_at", "created_at"), ("title", "title")),
        field_labels={
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
        fields = ["search", "location", "starts_after", "starts_before", "organizer", "has_seats", "status"]

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value) | Q(description__icontains=value) | Q(location__icontains=value)
        )

    def filter_has_seats(self, queryset, name, value):
        if value:
            return queryset.filter(booked_seats__lt=F("capacity"))
        return queryset
