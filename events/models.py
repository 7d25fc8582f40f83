from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import validate_timezone
from eventhub.money import default_currency, validate_currency
from eventhub.text import search_words

MIN_CAPACITY, MAX_CAPACITY = 1, 100_000
CAPACITY_RANGE_MESSAGE = f"Capacity must be between {MIN_CAPACITY} and {MAX_CAPACITY:,}."
DEFAULT_TICKET_TYPE_NAME = "General admission"
MAX_PRICE = Decimal("99999999.99")
MAX_HOLD_MINUTES = 7 * 24 * 60
MAX_REFUND_CUTOFF_HOURS = 365 * 24


def starts_on_of(event) -> date | None:
    """The calendar day ``event`` starts on where it happens (a naive time counts as the site's zone)."""
    starts_at = models.DateTimeField().to_python(event.starts_at)
    if starts_at is None:
        return None
    if timezone.is_naive(starts_at):
        starts_at = timezone.make_aware(starts_at)
    return starts_at.astimezone(ZoneInfo(event.timezone)).date()


def search_text_of(event) -> str:
    """What search compares for ``event``: the words of its title, description and location.

    Each word is stored after a space, so " jaz" finds the words that start with "jaz"
    (jazz, Jazzy) and a one-letter word such as "b" does not match inside "about".
    """
    words = search_words(f"{event.title}\n{event.description}\n{event.location}\n{event.city}")
    return "".join(f" {word}" for word in words)


def city_key_of(event) -> str:
    """What the city filter compares: the city folded like search (München, munchen and MUNCHEN agree)."""
    return " ".join(search_words(event.city))


# Stored copies and the fields each is derived from.
DERIVED_FIELDS = {
    "starts_on": {"starts_at", "timezone"},
    "search_text": {"title", "description", "location", "city"},
    "city_key": {"city"},
}


def derived_fields_of(changed) -> set[str]:
    """The stored copies that must be rewritten when the fields ``changed`` are."""
    return {name for name, sources in DERIVED_FIELDS.items() if sources & set(changed)}


def counter_constraints(*, booked: str, capacity: str) -> list[models.CheckConstraint]:
    """The database's own guard on a seat counter: 0 <= booked_seats <= capacity, capacity in range."""
    return [
        models.CheckConstraint(
            condition=Q(booked_seats__gte=0) & Q(booked_seats__lte=F("capacity")),
            name=booked,
            violation_error_message="Booked seats must stay between 0 and the capacity.",
        ),
        models.CheckConstraint(
            condition=Q(capacity__gte=MIN_CAPACITY) & Q(capacity__lte=MAX_CAPACITY),
            name=capacity,
            violation_error_message=CAPACITY_RANGE_MESSAGE,
        ),
    ]


def unknown_payment_providers(names) -> str | None:
    """Why ``names`` is not a list of the payment providers this site enables, or None."""
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        return "List the ways to pay by name."
    unknown = [name for name in names if name not in settings.PAYMENT_PROVIDERS]
    if unknown:
        offered = ", ".join(settings.PAYMENT_PROVIDERS) or "none"
        return f"Unknown way to pay: {', '.join(unknown)}. This site offers: {offered}."
    return None


def joined_place(*parts: str) -> str:
    """Parts of a place in one line, each left out when an earlier one already says it ("Bryant Park, New
    York" and the city "New York" make "Bryant Park, New York")."""
    kept = []
    for part in (part.strip() for part in parts):
        if part and part.casefold() not in ", ".join(kept).casefold():
            kept.append(part)
    return ", ".join(kept)


def is_openstreetmap_url(url: str) -> bool:
    """Whether ``url`` points to OpenStreetMap's own site (an https link, no other host)."""
    parts = urlsplit(url)
    return parts.scheme == "https" and parts.hostname in ("openstreetmap.org", "www.openstreetmap.org")


def runs(user, organizer_id: int | None) -> bool:
    """Whether ``user`` runs what ``organizer_id`` organizes: that organizer while they hold the role,
    and site staff."""
    if not user.is_authenticated:
        return False
    return user.is_site_staff or (user.is_organizer and user.pk == organizer_id)


def runs_any(user) -> bool:
    """Whether ``user`` may run events at all (an organizer, site staff). Anyone else, signed in or
    not, sees the catalogue as a visitor does: no drafts, nothing kept for those who run an event."""
    return user.is_authenticated and (user.is_site_staff or user.is_organizer)


class OrganizedQuerySet(models.QuerySet):
    """Rows an organizer runs (events, series)."""

    def managed_by(self, user):
        """The rows ``user`` runs: ``runs`` as a filter (all of them for site staff)."""
        if not runs_any(user):
            return self.none()
        return self if user.is_site_staff else self.filter(organizer=user)


class EventQuerySet(OrganizedQuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Bulk inserts skip save(): fill the stored copies here."""
        objs = list(objs)
        for event in objs:
            event.fill_derived_fields()
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **changes):
        """An update that touches what a stored copy is derived from rewrites that copy for the same rows."""
        derived = derived_fields_of(changes)
        if not derived:
            return super().update(**changes)
        with transaction.atomic(using=self.db):
            pks = list(self.values_list("pk", flat=True))
            count = super().update(**changes)
            events = list(self.model._default_manager.using(self.db).filter(pk__in=pks))
            for event in events:
                event.fill_derived_fields()
            self.model._default_manager.using(self.db).bulk_update(events, sorted(derived))
        return count

    def published(self):
        return self.filter(status=Event.Status.PUBLISHED)

    def upcoming(self):
        """Not started yet: the complement of ``past`` (an event that has started is past here)."""
        return self.filter(starts_at__gt=timezone.now())

    def past(self):
        return self.filter(starts_at__lte=timezone.now())

    def published_upcoming(self):
        return self.published().upcoming()

    def with_seats_left(self):
        return self.filter(booked_seats__lt=F("capacity"))

    def visible_to(self, user):
        """Published and cancelled events for everyone; drafts only to those who run them (the rule of
        ``Event.is_visible_to``, as a filter)."""
        return self.exclude(status=Event.Status.DRAFT) | self.managed_by(user)


class SeatCounter:
    """What a row with a seat counter (an event, a ticket type) says about its places."""

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.booked_seats, 0)

    @property
    def is_full(self) -> bool:
        return self.booked_seats >= self.capacity


def taken_within_event(instance, field: str) -> bool:
    """Whether another row of ``instance``'s event already uses its ``field`` value (a name, a label).

    Asked in clean() so the error stands beside its field; the unique constraint stays the backstop.
    """
    value = getattr(instance, field)
    others = (
        type(instance).objects.filter(event_id=instance.event_id, **{field: value}).exclude(pk=instance.pk)
    )
    return bool(instance.event_id) and others.exists()


class Category(models.Model):
    """One of the site's fixed kinds of event (music, tech, sports), kept by staff in the admin."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True, help_text="How the category appears in links.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Display order, lowest first.")

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name


TAG_MAX_LENGTH = 40


class Tag(models.Model):
    """A free word an organizer files an event under ("jazz", "outdoor"); ``slug`` is its one spelling."""

    name = models.CharField(max_length=TAG_MAX_LENGTH)
    slug = models.SlugField(max_length=TAG_MAX_LENGTH, unique=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.name


class SeriesQuerySet(OrganizedQuerySet):
    def visible_to(self, user):
        """Series with a date anyone may see (published or cancelled), and those ``user`` runs."""
        shown = Event.objects.exclude(status=Event.Status.DRAFT).filter(series=models.OuterRef("pk"))
        return self.filter(models.Exists(shown)) | self.managed_by(user)


class Series(models.Model):
    """Events that repeat by one rule (every Tuesday, the first Friday of each month).

    Each occurrence is a whole event with its own capacity and bookings; the
    series names them together. ``rule`` is an iCalendar recurrence rule
    (RFC 5545 RRULE, read by dateutil) on the series' own clock, so a weekly
    event keeps its local time across daylight-saving changes.
    """

    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_series"
    )
    title = models.CharField(max_length=200)
    rule = models.CharField(max_length=500, help_text="The recurrence rule (RFC 5545 RRULE).")
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SeriesQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "series"

    def __str__(self):
        return self.title

    def is_managed_by(self, user) -> bool:
        """A series is run by whoever runs its events: its organizer and site staff."""
        return runs(user, self.organizer_id)


class Event(SeatCounter, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Cancelled"

    class Attendance(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"

    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="organized_events",
        limit_choices_to={"role": "organizer"},
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=10_000)
    location = models.CharField(
        max_length=300, help_text="Where it happens as people call it: the venue's name, or Online."
    )
    attendance = models.CharField(
        max_length=16, choices=Attendance.choices, default=Attendance.IN_PERSON, verbose_name="Held"
    )
    address = models.CharField(
        max_length=300, blank=True, help_text="Street and number, for people coming in person."
    )
    city = models.CharField(max_length=100, blank=True)
    map_url = models.URLField(
        blank=True,
        max_length=500,
        verbose_name="Map link",
        help_text="An OpenStreetMap link to the place; empty: a map search for the address.",
    )
    online_url = models.URLField(
        blank=True,
        max_length=500,
        verbose_name="Joining link",
        help_text="Where an online event happens; shown only to people holding a ticket.",
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, null=True, blank=True, related_name="events"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="events")
    # Pictures made by events.images from the organizer's upload (EXIF gone, resized): the card's and
    # the event page's banner. Empty when the event has no picture.
    image_card = models.ImageField(upload_to="events/", blank=True, editable=False)
    image_banner = models.ImageField(upload_to="events/", blank=True, editable=False)
    image_alt = models.CharField(
        max_length=200,
        blank=True,
        verbose_name="Picture description",
        help_text="What the picture shows, for people who cannot see it.",
    )
    series = models.ForeignKey(
        Series, on_delete=models.SET_NULL, null=True, blank=True, related_name="occurrences"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="The zone the event happens in; times are shown in it.",
    )
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(MIN_CAPACITY), MaxValueValidator(MAX_CAPACITY)],
        help_text=f"Seats, from {MIN_CAPACITY} to {MAX_CAPACITY:,}.",
    )
    # Confirmed bookings. Written only by bookings.services, under the row lock.
    booked_seats = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(
        max_length=3,
        default=default_currency,
        validators=[validate_currency],
        help_text="ISO 4217 code of the currency its tickets are priced in, such as EUR.",
    )
    # Stored copies (DERIVED_FIELDS), kept in step by save(), bulk_create() and update(), so the
    # filters run in SQL with the same answers on SQLite and PostgreSQL.
    # starts_on: the day the event starts where it happens, what a "from" or "to" date compares.
    starts_on = models.DateField(editable=False, blank=True)
    # search_text: the folded words of the title, description and location, what search compares.
    search_text = models.TextField(editable=False, blank=True, default="")
    # city_key: the city folded, what the city filter compares.
    # Longer than the city: folding may lengthen words ("ß" is "ss", "ﬃ" is "ffi").
    city_key = models.CharField(max_length=300, editable=False, blank=True, default="")
    # Seats booked in the last seven days, what "popular" sorts by: rewritten every few minutes by
    # bookings.services.refresh_popularity, so sorting costs an index read, not a count per request.
    recent_bookings = models.PositiveIntegerField(default=0, editable=False)
    # Whether booking asks any question: set by Question's save and delete, so the booking service
    # learns it from the locked row without reading the questions. Never False while a question
    # exists (a question deleted along with its ticket type may leave it True: a wasted read only).
    asks_questions = models.BooleanField(default=False, editable=False)
    hold_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOLD_MINUTES)],
        help_text="How long a priced ticket is held for its buyer while they pay, in minutes.",
    )
    payment_providers = models.JSONField(
        default=list,
        blank=True,
        help_text="The ways to pay this event offers, by name; empty offers every one the site enables.",
    )
    refund_cutoff_hours = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_REFUND_CUTOFF_HOURS)],
        help_text="Attendees who paid may cancel with a refund until this many hours before the start.",
    )
    # No unpaid hold of this event expires before this moment (a lower bound: a hold paid or
    # cancelled may leave it early). Kept by bookings.services under the row lock, so the booking
    # service learns from the locked row, without a query, whether expired holds wait for release.
    holds_expire_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The calendar entry's revision (iCalendar SEQUENCE): raised whenever what a calendar shows
    # changes (title, place, times, cancellation), so calendar apps replace their copy.
    calendar_sequence = models.PositiveIntegerField(default=0, editable=False)
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
            models.Index(fields=["starts_on"], name="event_starts_on_idx"),
            models.Index(fields=["city_key", "starts_at"], name="event_city_starts_idx"),
            models.Index(fields=["category", "starts_at"], name="event_category_starts_idx"),
            models.Index(fields=["series", "starts_at"], name="event_series_starts_idx"),
            models.Index(fields=["-recent_bookings", "starts_at"], name="event_popular_idx"),
        ]
        constraints = [
            *counter_constraints(
                booked="event_booked_seats_within_capacity", capacity="event_capacity_range"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="event_ends_after_starts",
                violation_error_message="The event must end after it starts.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Rewrite the stored copies whenever what they are derived from is written."""
        update_fields = kwargs.get("update_fields")
        derived = set(DERIVED_FIELDS) if update_fields is None else derived_fields_of(update_fields)
        if derived:
            self.fill_derived_fields()
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("events:detail", kwargs={"pk": self.pk, "slug": self.slug})

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60] or "event"

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def fill_percent(self) -> int:
        return min(round(100 * self.booked_seats / self.capacity), 100) if self.capacity else 0

    def booking_closed_reason(self) -> str | None:
        """Why nobody can book this event now, in plain words, or None while it is open for booking."""
        if self.status == self.Status.CANCELLED:
            return "This event has been cancelled."
        if self.status != self.Status.PUBLISHED:
            return "This event is not open for booking yet."
        if self.has_started:
            return "This event has already started; booking is closed."
        return None

    @property
    def refunds_close_at(self):
        """Until when an attendee who paid may cancel with a refund."""
        return self.starts_at - timedelta(hours=self.refund_cutoff_hours)

    def is_managed_by(self, user) -> bool:
        """Its organizer (while they hold the organizer role) and site staff run an event."""
        return runs(user, self.organizer_id)

    def is_visible_to(self, user) -> bool:
        """Whether ``user`` may see this event at all: someone else's draft does not exist for them."""
        return self.status != self.Status.DRAFT or self.is_managed_by(user)

    def fill_derived_fields(self) -> None:
        """Recompute the stored copies from the fields they are derived from."""
        self.starts_on, self.search_text = starts_on_of(self), search_text_of(self)
        self.city_key = city_key_of(self)

    @property
    def is_online(self) -> bool:
        return self.attendance == self.Attendance.ONLINE

    @property
    def place(self) -> str:
        """Where the event happens in one line: the venue, then its address and city when it has them."""
        return joined_place(self.location, self.address, self.city)

    @property
    def venue_and_city(self) -> str:
        """The short form lists show: the venue, then the city unless the venue already names it."""
        return joined_place(self.location, self.city)

    @property
    def map_link(self) -> str:
        """The organizer's map link, else an OpenStreetMap search for the address ("" online or with none)."""
        if self.is_online:
            return ""
        if self.map_url:
            return self.map_url
        place = self.place
        return f"https://www.openstreetmap.org/search?{urlencode({'query': place})}" if place else ""

    def _place_errors(self) -> dict[str, str]:
        errors = {}
        if self.map_url and not is_openstreetmap_url(self.map_url):
            errors["map_url"] = "Give a link to openstreetmap.org (search the place there and copy the link)."
        if self.online_url and not self.is_online:
            errors["online_url"] = "Only an online event has a joining link."
        return errors

    def clean(self):
        super().clean()
        errors = {}
        if self.organizer_id and not self.organizer.is_organizer:
            errors["organizer"] = "Only a user with the organizer role can run events."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The event must end after it starts."
        unknown = unknown_payment_providers(self.payment_providers)
        if unknown:
            errors["payment_providers"] = unknown
        errors.update(self._place_errors())
        if self.image_card and not self.image_alt.strip():
            errors["image_alt"] = "Say in a few words what the picture shows."
        if errors:
            raise ValidationError(errors)


class EventPartQuerySet(models.QuerySet):
    """Rows that belong to an event (its ticket types, its questions)."""

    def managed_by(self, user):
        """Those of the events ``user`` runs (EventQuerySet.managed_by)."""
        return self.filter(event__in=Event.objects.managed_by(user))


class TicketTypeQuerySet(EventPartQuerySet):
    def on_sale(self, at=None):
        """Types whose sales window is open at ``at`` (now by default); no bound means open that side."""
        at = at or timezone.now()
        return self.filter(Q(sales_start__isnull=True) | Q(sales_start__lte=at)).filter(
            Q(sales_end__isnull=True) | Q(sales_end__gt=at)
        )


class TicketType(SeatCounter, models.Model):
    """A kind of place an event sells (General admission, VIP), with its own price and limit.

    The event's own capacity caps all its types together: the types' capacities may
    add up to more (a shared pool). ``booked_seats`` is written only by the booking
    service, under the event's row lock.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=2_000)
    price = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(MAX_PRICE)],
        help_text="In the event's currency; 0 is free.",
    )
    capacity = models.PositiveIntegerField(
        validators=[MinValueValidator(MIN_CAPACITY), MaxValueValidator(MAX_CAPACITY)],
        help_text="Tickets of this type, at most; the event's capacity caps all types together.",
    )
    booked_seats = models.PositiveIntegerField(default=0, editable=False)
    sales_start = models.DateTimeField(
        null=True, blank=True, help_text="Empty: on sale as soon as published."
    )
    sales_end = models.DateTimeField(
        null=True, blank=True, help_text="Empty: on sale until the event starts."
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Display order, lowest first.")
    seated = models.BooleanField(default=False, help_text="Sold as numbered seats from a seat layout.")
    tax_rate = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(Decimal("100.00"))],
        help_text="Percent of tax included in the price (VAT), shown on invoices; 0 for none.",
    )

    objects = TicketTypeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "name"],
                name="ticket_type_name_unique_per_event",
                violation_error_message="This event already has a ticket type with this name.",
            ),
            *counter_constraints(
                booked="ticket_type_booked_within_capacity", capacity="ticket_type_capacity_range"
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="ticket_type_price_not_negative",
                violation_error_message="The price cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(sales_start__isnull=True)
                | Q(sales_end__isnull=True)
                | Q(sales_end__gt=F("sales_start")),
                name="ticket_type_sales_end_after_start",
                violation_error_message="Sales must end after they start.",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_free(self) -> bool:
        return not self.price

    def not_on_sale_reason(self, at=None) -> str | None:
        """Why this type cannot be bought at ``at`` (now by default), in plain words, or None."""
        at = at or timezone.now()
        if self.sales_start and at < self.sales_start:
            return f"{self.name} tickets go on sale on {self._local(self.sales_start)}."
        if self.sales_end and at >= self.sales_end:
            return f"{self.name} tickets are no longer on sale."
        return None

    @property
    def on_sale(self) -> bool:
        return self.not_on_sale_reason() is None

    def _local(self, moment) -> str:
        local = moment.astimezone(ZoneInfo(self.event.timezone))
        return f"{local:%d %B %Y at %H:%M} ({self.event.timezone})"

    def clean(self):
        super().clean()
        errors = {}
        if self.sales_start and self.sales_end and self.sales_end <= self.sales_start:
            errors["sales_end"] = "Sales must end after they start."
        if taken_within_event(self, "name"):
            errors["name"] = "This event already has a ticket type with this name."
        if errors:
            raise ValidationError(errors)


def row_label(index: int) -> str:
    """The label of the ``index``-th row (0-based): A, B, ..., Z, AA, AB, ..., as theatres number them."""
    label = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        label = chr(ord("A") + remainder) + label
    return label


class SeatQuerySet(models.QuerySet):
    def free(self):
        """Seats that can be sold now: not blocked and not held by an active booking."""
        return self.filter(held=False, blocked=False)


class Seat(models.Model):
    """One numbered seat of a seated ticket type.

    ``held`` is written only by the booking service under the event's lock; a
    partial unique constraint on bookings backs it (one active booking per seat).
    """

    ticket_type = models.ForeignKey(TicketType, on_delete=models.CASCADE, related_name="seats")
    row = models.CharField(max_length=4)
    # The row's place from the stage: A is 0. Sorts AA after Z, as the labels do not.
    row_index = models.PositiveSmallIntegerField()
    number = models.PositiveSmallIntegerField()
    blocked = models.BooleanField(default=False, help_text="Kept out of sale (a broken seat, a camera).")
    held = models.BooleanField(default=False, editable=False)

    objects = SeatQuerySet.as_manager()

    class Meta:
        ordering = ["row_index", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "row", "number"],
                name="seat_unique_per_ticket_type",
                violation_error_message="This seat already exists.",
            ),
        ]
        indexes = [
            models.Index(fields=["ticket_type", "row_index", "number"], name="seat_layout_idx"),
            # The best free seat is the first row of this index: found without reading the taken ones.
            models.Index(
                fields=["ticket_type", "row_index", "number"],
                name="seat_free_idx",
                condition=Q(held=False, blocked=False),
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        return f"Row {self.row}, seat {self.number}"

    @property
    def code(self) -> str:
        """The short label printed on tickets and offered in lists: "C12"."""
        return f"{self.row}{self.number}"

    @property
    def is_available(self) -> bool:
        return not (self.held or self.blocked)


class Question(models.Model):
    """Something an organizer asks everyone who books (dietary needs, T-shirt size), or one type's buyers.

    ``clean_answer`` is the one rule for what counts as an answer; the booking
    service, forms and the API all go through it.
    """

    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short text"
        LONG_TEXT = "long_text", "Long text"
        CHOICE = "choice", "One choice"
        CHOICES = "choices", "Several choices"
        YES_NO = "yes_no", "Yes or no"

    MAX_LENGTH = {Kind.SHORT_TEXT: 200, Kind.LONG_TEXT: 2_000}

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    ticket_type = models.ForeignKey(
        TicketType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="questions",
        help_text="Empty: asked of every ticket type.",
    )
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.SHORT_TEXT)
    options = models.JSONField(
        default=list, blank=True, help_text="The choices offered, for one choice and several choices."
    )
    required = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    objects = EventPartQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "label"],
                name="question_label_unique_per_event",
                violation_error_message="This event already asks this question.",
            ),
        ]

    def __str__(self):
        return self.label

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        note_whether_asks(self.event_id)

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        note_whether_asks(self.event_id)
        return deleted

    @property
    def has_options(self) -> bool:
        return self.kind in (self.Kind.CHOICE, self.Kind.CHOICES)

    def clean(self):
        super().clean()
        errors = {}
        if self.ticket_type_id and self.event_id and self.ticket_type.event_id != self.event_id:
            errors["ticket_type"] = "This ticket type belongs to another event."
        options = self.options if isinstance(self.options, list) else None
        if self.has_options and not (options and all(isinstance(o, str) and o.strip() for o in options)):
            errors["options"] = "List the choices people pick from."
        if not self.has_options and self.options:
            errors["options"] = "Only questions with choices have options."
        if taken_within_event(self, "label"):
            errors["label"] = "This event already asks this question."
        if errors:
            raise ValidationError(errors)

    def clean_answer(self, value):
        """The answer as stored (text, a list of choices, or a boolean), or None when left blank.

        Raises ValidationError in plain words naming the question.
        """
        if value in (None, "", []):
            return None
        cleaner = {
            self.Kind.CHOICE: self._one_choice,
            self.Kind.CHOICES: self._several_choices,
            self.Kind.YES_NO: self._yes_no,
        }.get(self.kind, self._text)
        return cleaner(value)

    def _text(self, value):
        if not isinstance(value, str):
            raise ValidationError(f"“{self.label}”: write the answer as text.")
        value = value.strip()
        limit = self.MAX_LENGTH[self.kind]
        if len(value) > limit:
            raise ValidationError(f"“{self.label}”: at most {limit:,} characters.")
        return value or None

    def _one_choice(self, value):
        if value not in self.options:
            raise ValidationError(f"“{self.label}”: choose one of {', '.join(self.options)}.")
        return value

    def _several_choices(self, value):
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, list) or any(v not in self.options for v in values):
            raise ValidationError(f"“{self.label}”: choose among {', '.join(self.options)}.")
        return [option for option in self.options if option in values]  # in the organizer's order

    def _yes_no(self, value):
        answers = {True: True, False: False, "yes": True, "no": False, "true": True, "false": False}
        key = value.lower() if isinstance(value, str) else value
        if not isinstance(key, (bool, str)) or key not in answers:
            raise ValidationError(f"“{self.label}”: answer yes or no.")
        return answers[key]


def note_whether_asks(event_id: int) -> None:
    """Rewrite Event.asks_questions from the event's questions (after one is saved or deleted)."""
    asks = models.Exists(Question.objects.filter(event_id=models.OuterRef("pk")))
    Event.objects.filter(pk=event_id).update(asks_questions=asks)
