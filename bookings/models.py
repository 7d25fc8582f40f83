from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from events.models import Event


class BookingQuerySet(models.QuerySet):
    def managed_by(self, user):
        """The bookings of the events ``user`` runs (EventQuerySet.managed_by)."""
        if user.is_authenticated and user.is_site_staff:
            return self
        return self.filter(event__in=Event.objects.managed_by(user))

    def visible_to(self, user):
        """What ``user`` may see: their own bookings and those of the events they run."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user) | self.managed_by(user)

    def active(self):
        return self.filter(status__in=Booking.ACTIVE_STATUSES)

    def confirmed(self):
        return self.filter(status=Booking.Status.CONFIRMED)

    def holding(self):
        """Bookings that hold a place: confirmed ones and unpaid holds (the counters count both)."""
        return self.filter(status__in=Booking.HOLDING_STATUSES)

    def expired_holds(self, at=None):
        """Unpaid holds whose time ran out at ``at`` (now by default), oldest first."""
        at = at or timezone.now()
        return self.filter(status=Booking.Status.PENDING, hold_expires_at__lte=at).order_by(
            "hold_expires_at", "pk"
        )

    def waitlisted(self):
        return self.filter(status=Booking.Status.WAITLISTED)

    def in_waitlist_order(self):
        return self.waitlisted().order_by("waitlisted_at", "pk")

    def with_answers(self):
        """Each booking's answers with their questions, read in one more query for the whole list."""
        return self.prefetch_related(ANSWERS_WITH_QUESTIONS)


class Booking(models.Model):
    """One person's place at one event. Status is written only by bookings.services."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        PENDING = "pending", "Awaiting payment"
        WAITLISTED = "waitlisted", "Waitlisted"
        CANCELLED = "cancelled", "Cancelled"
        EXPIRED = "expired", "Hold expired"

    # A booking that holds a place (counted in the counters) or a place in line.
    ACTIVE_STATUSES = (Status.CONFIRMED, Status.PENDING, Status.WAITLISTED)
    HOLDING_STATUSES = (Status.CONFIRMED, Status.PENDING)

    # PROTECT: a booking is a record; events and accounts with bookings are
    # cancelled or emptied through the services, never dropped with them.
    event = models.ForeignKey("events.Event", on_delete=models.PROTECT, related_name="bookings")
    # Always a type of ``event`` (the booking service checks it under the event's lock).
    ticket_type = models.ForeignKey("events.TicketType", on_delete=models.PROTECT, related_name="bookings")
    # The numbered seat of a seated type, held while the booking is active; kept on record after.
    seat = models.ForeignKey(
        "events.Seat", on_delete=models.PROTECT, null=True, blank=True, related_name="bookings"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings")
    status = models.CharField(max_length=16, choices=Status.choices, editable=False)
    # When the person joined the waitlist: the queue is served in this order.
    waitlisted_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_in_at = models.DateTimeField(null=True, blank=True, editable=False)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # The secret the ticket's QR code carries (bookings.tickets): random, never the booking's id.
    # Given when the booking takes a place, new each time it takes one again after a cancellation
    # or an expired hold; kept on record after, so a cancelled ticket scans as cancelled.
    ticket_code = models.CharField(max_length=32, unique=True, null=True, blank=True, editable=False)
    # What the ticket costs this buyer, in the event's currency: the type's price when the place
    # was taken, so a later price change never changes what a held or sold ticket is owed.
    price = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0.00"), editable=False)
    # A pending booking holds its place until then; unpaid after it, the place goes back.
    hold_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"],
                name="booking_one_per_user_per_event",
                violation_error_message="You already have a booking for this event.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["confirmed", "pending", "waitlisted", "cancelled", "expired"]),
                name="booking_status_valid",
            ),
            # An unpaid hold always says until when; nothing else carries a hold.
            models.CheckConstraint(
                condition=models.Q(status="pending", hold_expires_at__isnull=False)
                | (~models.Q(status="pending") & models.Q(hold_expires_at__isnull=True)),
                name="booking_hold_iff_pending",
            ),
            models.CheckConstraint(condition=models.Q(price__gte=0), name="booking_price_not_negative"),
            # Beside the service's check: a seat is held by one active booking at most.
            models.UniqueConstraint(
                fields=["seat"],
                condition=models.Q(status__in=["confirmed", "pending", "waitlisted"], seat__isnull=False),
                name="booking_one_active_per_seat",
                violation_error_message="This seat is already taken.",
            ),
        ]
        indexes = [
            models.Index(fields=["event", "status", "waitlisted_at"], name="booking_event_status_idx"),
            models.Index(fields=["user", "status"], name="booking_user_status_idx"),
            # Expired holds: per event inside its lock, and site-wide for the periodic release.
            models.Index(
                fields=["event", "hold_expires_at"],
                condition=models.Q(status="pending"),
                name="booking_event_hold_idx",
            ),
            models.Index(
                fields=["hold_expires_at"], condition=models.Q(status="pending"), name="booking_hold_idx"
            ),
            # The last week's bookings, read by the periodic popularity refresh.
            models.Index(fields=["created_at"], name="booking_created_idx"),
            # The arrivals at the door, counted per event by the organizer's dashboard: only the
            # checked-in bookings are in it, so the count never walks the event's other tickets.
            models.Index(
                fields=["event"],
                condition=models.Q(status="confirmed", checked_in_at__isnull=False),
                name="booking_event_checked_in_idx",
            ),
        ]

    def __str__(self):
        return f"{self.user} at {self.event} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def hold_has_expired(self) -> bool:
        return self.is_pending and self.hold_expires_at <= timezone.now()

    @property
    def is_cancellable(self) -> bool:
        return self.is_active and not self.event.has_started

    @property
    def status_label(self) -> str:
        """The status in words, saying plainly when the event was called off under an active booking."""
        label = self.get_status_display()
        if self.is_active and self.event.status == Event.Status.CANCELLED:
            return f"{label} — event cancelled"
        return label


def note_none(booking: Booking, relation: str) -> None:
    """Note that ``booking`` has no rows in its reverse ``relation``, as a prefetch that found none
    would: reading them then costs no query."""
    cached = getattr(booking, "_prefetched_objects_cache", {})
    booking._prefetched_objects_cache = {**cached, relation: getattr(booking, relation).none()}


def prefetch_answers(bookings) -> None:
    """Read the answers of bookings already in hand (a single booking's page) as with_answers would.

    A booking whose event asks no questions has no answers (they go with their questions), so
    nothing is read for it: a booking just made answers without a query more.
    """
    bookings = list(bookings)
    for booking in bookings:
        if not booking.event.asks_questions:
            note_none(booking, "answers")
    asked = [booking for booking in bookings if booking.event.asks_questions]
    models.prefetch_related_objects(asked, ANSWERS_WITH_QUESTIONS)


class Answer(models.Model):
    """A booking's answer to one of its event's questions, as Question.clean_answer stored it."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey("events.Question", on_delete=models.CASCADE, related_name="answers")
    value = models.JSONField()

    class Meta:
        ordering = ["question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "question"], name="answer_one_per_question_per_booking"
            ),
        ]

    def __str__(self):
        return f"{self.question}: {self.display}"

    @property
    def display(self) -> str:
        """The answer in words: "Yes", "Vegan, Halal", "Extra large"."""
        if isinstance(self.value, bool):
            return "Yes" if self.value else "No"
        if isinstance(self.value, list):
            return ", ".join(self.value)
        return str(self.value)


ANSWERS_WITH_QUESTIONS = models.Prefetch("answers", queryset=Answer.objects.select_related("question"))
