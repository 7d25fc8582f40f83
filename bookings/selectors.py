"""Reads for bookings: what a viewer holds and which action fits them."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.utils import timezone

from bookings.models import Booking
from bookings.services import booking_refusal
from events.models import Event, Question, TicketType
from events.selectors import ticket_types_of

CENT = Decimal("0.01")


@dataclass(frozen=True)
class BookingAction:
    """The one button an event page offers a viewer, and why."""

    kind: str  # book, waitlist, cancel, sign_in, manage, closed (with the reason)
    reason: str = ""

    @property
    def offers_booking(self) -> bool:
        return self.kind in ("book", "waitlist")


def booking_of(*, user, event: Event) -> Booking | None:
    if not user.is_authenticated:
        return None
    return Booking.objects.filter(user=user, event=event).select_related("ticket_type", "seat").first()


def waitlist_position(booking: Booking) -> int:
    """1 for the next person to get a seat."""
    ahead = Booking.objects.in_waitlist_order().filter(event_id=booking.event_id)
    ahead = ahead.filter(waitlisted_at__lt=booking.waitlisted_at) | ahead.filter(
        waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk
    )
    return ahead.count() + 1


def booking_action(*, user, event: Event, booking: Booking | None) -> BookingAction:
    """The one place that picks the booking button, on an event page and in My bookings."""
    # A hold whose time ran out is as good as released: booking again releases it first.
    if booking is not None and booking.is_active and not booking.hold_has_expired:
        return _holder_action(event, booking)
    if event.is_managed_by(user) and not user.is_attendee:
        return BookingAction("manage")
    if not user.is_authenticated:
        closed = event.booking_closed_reason()
        return BookingAction("closed", closed) if closed else BookingAction("sign_in")
    refusal = booking_refusal(user=user, event=event)
    if refusal is not None:
        return BookingAction("closed", refusal.message)
    return BookingAction("waitlist" if event.is_full else "book")


def _holder_action(event: Event, booking: Booking) -> BookingAction:
    """Someone with a seat or a waitlist place: they may cancel until it starts, unless it is called off."""
    if event.status == Event.Status.CANCELLED:
        return BookingAction("closed", event.booking_closed_reason())
    if booking.is_cancellable:
        return BookingAction("cancel")
    return BookingAction("closed", "The event has started.")


def has_waitlist(event: Event) -> bool:
    """Whether someone waits for a seat, so a cancelled seat would go to them."""
    return Booking.objects.waitlisted().filter(event=event).exists()


def active_event_ids(*, user, events) -> dict[int, str]:
    """The viewer's booking status for each of ``events`` they hold an active booking for."""
    if not user.is_authenticated:
        return {}
    rows = Booking.objects.active().filter(user=user, event__in=[e.pk for e in events])
    return dict(rows.values_list("event_id", "status"))


def bookings_of(*, user):
    return Booking.objects.filter(user=user).select_related(
        "event", "event__organizer", "ticket_type", "seat"
    )


def bookings_with_answers_of(*, user):
    """The user's bookings with their answers (each with its question) and ``asks_questions``: whether
    the event asks their ticket type anything. Two queries however many bookings."""
    asked = Question.objects.filter(event=OuterRef("event_id")).filter(
        Q(ticket_type__isnull=True) | Q(ticket_type=OuterRef("ticket_type_id"))
    )
    return bookings_of(user=user).annotate(asks_questions=Exists(asked)).with_answers()


@dataclass(frozen=True)
class TicketChoice:
    """One ticket type as a buyer sees it now: whether its sales are open and whether it has places."""

    ticket_type: TicketType
    sale: str  # on_sale, soon (sales start later) or ended
    sold_out: bool  # the type or the whole event: only its waitlist is open
    left: int  # places still free: the type's, within what the whole event has left

    @property
    def on_sale(self) -> bool:
        return self.sale == "on_sale"


def ticket_choices(event: Event) -> list[TicketChoice]:
    """The event's ticket types, in display order, with what a buyer can do with each (one query)."""
    return [ticket_choice(ticket_type, event) for ticket_type in ticket_types_of(event)]


def ticket_choice(ticket_type: TicketType, event: Event) -> TicketChoice:
    closed = ticket_type.not_on_sale_reason() is not None
    soon = closed and ticket_type.sales_start is not None and ticket_type.sales_start > timezone.now()
    return TicketChoice(
        ticket_type=ticket_type,
        sale="soon" if soon else "ended" if closed else "on_sale",
        sold_out=ticket_type.is_full or event.is_full,
        left=min(ticket_type.seats_left, event.seats_left),
    )


def sale_action(action: BookingAction, choices: list[TicketChoice]) -> BookingAction:
    """The booking button once the ticket types are known: none on sale closes booking (saying when a
    single type goes on sale); every type on sale sold out leaves only the waitlist."""
    if not action.offers_booking:
        return action
    on_sale = [choice for choice in choices if choice.on_sale]
    if not on_sale:
        only = choices[0].ticket_type.not_on_sale_reason() if len(choices) == 1 else None
        return BookingAction("closed", only or "No tickets of this event are on sale now.")
    return BookingAction("waitlist" if all(choice.sold_out for choice in on_sale) else "book")


def default_choice(choices: list[TicketChoice]) -> TicketChoice | None:
    """The type a booking form starts on: the first with places on sale, else the first waitlist open."""
    on_sale = [choice for choice in choices if choice.on_sale]
    return next((choice for choice in on_sale if not choice.sold_out), on_sale[0] if on_sale else None)


def held_by_ticket_type(event_id: int) -> dict[int, int]:
    """How many unpaid holds each ticket type of an event has (types with none left out).

    One query along the index of pending holds, so it costs the same however many
    tickets the event sold.
    """
    held = Booking.objects.filter(event_id=event_id, status=Booking.Status.PENDING)
    rows = held.order_by().values("ticket_type_id").annotate(count=Count("pk"))
    return {row["ticket_type_id"]: row["count"] for row in rows}


def ticket_sales(event_id: int | None = None) -> list[dict]:
    """One row per ticket type: sold (confirmed), held (awaiting payment), capacity, waitlisted, gross value.

    Sold is the type's counter less its unpaid holds (the counter counts both);
    gross is what its confirmed tickets were booked at (each booking keeps its
    price). One query whatever the number of events and types, events in date order.
    """
    types = TicketType.objects.select_related("event").order_by(
        "event__starts_at", "event_id", "position", "pk"
    )
    if event_id is not None:
        types = types.filter(event_id=event_id)
    types = types.annotate(
        held=Count("bookings", filter=_bookings_in(Booking.Status.PENDING)),
        waitlisted=Count("bookings", filter=_bookings_in(Booking.Status.WAITLISTED)),
        gross=Sum("bookings__price", filter=_bookings_in(Booking.Status.CONFIRMED)),
    )
    return [
        {
            "event_id": t.event_id,
            "event": t.event.title,
            "ticket_type_id": t.pk,
            "ticket_type": t.name,
            "sold": t.booked_seats - t.held,
            "held": t.held,
            "capacity": t.capacity,
            "waitlisted": t.waitlisted,
            "price": t.price,
            "currency": t.event.currency,
            "gross": cents(t.gross),
        }
        for t in types
    ]


def cents(amount) -> Decimal:
    """A sum the database gave, to the cent ("0.00" for none: SQLite sums decimals without their places)."""
    return (amount or Decimal(0)).quantize(CENT)


def _bookings_in(status: str) -> Q:
    return Q(bookings__status=status)


def event_totals(rows: list[dict], *, money: tuple[str, ...] = ("gross",)) -> list[dict]:
    """Per event: tickets sold, held and waitlisted over its types, and each ``money`` column per currency."""
    totals = {}
    for row in rows:
        total = totals.setdefault(
            row["event_id"],
            {
                "event_id": row["event_id"],
                "event": row["event"],
                "sold": 0,
                "held": 0,
                "waitlisted": 0,
                **{column: defaultdict(Decimal) for column in money},
            },
        )
        for column in ("sold", "held", "waitlisted"):
            total[column] += row[column]
        for column in money:
            total[column][row["currency"]] += row[column]
    return [{**t, **{column: dict(t[column]) for column in money}} for t in totals.values()]
