from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import validate_timezone

MAX_CAPACITY = 100_000


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Event.Status.PUBLISHED)

    def upcoming(self):
        return self.filter(starts_at__gt=timezone.now())

    def published_upcoming(self):
        return self.published().upcoming()

    def with_seats_left(self):
        return self.filter(booked_seats__lt=F("capacity"))

    def visible_to(self, user):
        """Published and cancelled events for everyone; drafts only to their organizer and staff."""
        if user.is_authenticated and user.is_site_staff:
            return self
        public = ~Q(status=Event.Status.DRAFT)
        if user.is_authenticated:
            return self.filter(public | Q(organizer=user))
        return self.filter(public)


class Event(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organized_events",
        limit_choices_to={"role": "organizer"},
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10_000)
    location = models.CharField(max_length=300, help_text="Venue and address.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The zone the event happens in; times are shown in it.",
    )
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
        help_text=f"Seats, from 1 to {MAX_CAPACITY:,}.",
    )
    # Confirmed bookings. Written only by bookings.services, under the row lock.
    booked_seats = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["status", "starts_at"], name="event_status_starts_idx"),
            models.Index(fields=["organizer", "starts_at"], name="event_organizer_starts_idx"),
            # The API's default order reads upcoming and past events along this index.
            models.Index(fields=["starts_at", "id"], name="event_starts_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(booked_seats__gte=0) & Q(booked_seats__lte=F("capacity")),
                name="event_booked_seats_within_capacity",
                violation_error_message="Booked seats must stay between 0 and the capacity.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1) & Q(capacity__lte=MAX_CAPACITY),
                name="event_capacity_range",
                violation_error_message=f"Capacity must be between 1 and {MAX_CAPACITY:,}.",
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_starts",
                violation_error_message="The event must end after it starts.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "event"

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.booked_seats, 0)

    @property
    def is_full(self) -> bool:
        return self.booked_seats >= self.capacity

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def fill_percent(self) -> int:
        return min(round(100 * self.booked_seats / self.capacity), 100) if self.capacity else 0

    @property
    def is_bookable(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.has_started

    def is_managed_by(self, user) -> bool:
        """Its organizer and site staff run an event."""
        return user.is_authenticated and (user.pk == self.organizer_id or user.is_site_staff)

    def clean(self):
        super().clean()
        errors = {}
        if self.organizer_id and not self.organizer.is_organizer:
            errors["organizer"] = "Only a user with the organizer role can run events."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The event must end after it starts."
        if errors:
            raise ValidationError(errors)
