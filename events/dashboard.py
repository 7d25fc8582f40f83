"""The organizer dashboard: how each upcoming event sells, and when its bookings came in.

The console's home page and its charts read here. Like the admin it serves, this
module sits at the doors: it brings the event, booking and payment apps' reads
together (the kitchens below never import the apps above them). Every read costs
a fixed number of queries, however many events and bookings there are.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pygal
from django.db.models import Count, Func, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import TruncDate, TruncHour
from django.utils import timezone

from bookings.models import Booking
from bookings.selectors import cents
from events.models import Event, TicketType
from payments.selectors import kept_per_event

# The chart's reach: a day per bar back to the first booking (within a season), an hour per bar lately.
MIN_CHART_DAYS, MAX_CHART_DAYS = 14, 120
CHART_HOURS = 48


@dataclass(frozen=True)
class EventSales:
    """One upcoming event as the dashboard shows it."""

    event: Event
    ticket_types: list[TicketType]  # each with booked_seats (unpaid holds included) and capacity
    waitlisted: int
    confirmed: int
    checked_in: int
    revenue: Decimal | None  # money kept (paid less refunded); None while nobody has paid

    @property
    def check_in_percent(self) -> int:
        return round(100 * self.checked_in / self.confirmed) if self.confirmed else 0


def upcoming_sales(user, *, limit: int) -> list[EventSales]:
    """The next ``limit`` upcoming events ``user`` runs (all for site staff), not cancelled, soonest first.

    Two queries: the events with their counts and money, their ticket types.
    """
    events = Event.objects.managed_by(user).upcoming().exclude(status=Event.Status.CANCELLED)
    return sales_of(events.order_by("starts_at", "pk")[:limit])


def sales_of(events) -> list[EventSales]:
    """How each of ``events`` (a queryset, ordered and sliced as wanted) sells, in order. Two queries.

    Confirmed places are the event's counter less its unpaid holds (the counter counts both, as
    bookings.selectors.ticket_sales reads it): the holds, the waitlist and the arrivals are few
    and each is counted along an index, so the cost stays flat however many tickets were sold.
    """
    types = Prefetch("ticket_types", queryset=TicketType.objects.order_by("position", "pk"))
    events = events.annotate(
        held=_counted(status=Booking.Status.PENDING),
        waitlisted=_counted(status=Booking.Status.WAITLISTED),
        checked_in=_counted(status=Booking.Status.CONFIRMED, checked_in_at__isnull=False),
        kept=kept_per_event(),
    )
    return [_sales_of(event) for event in events.prefetch_related(types)]


def _counted(**bookings) -> Subquery:
    """The number of the event's bookings matching ``bookings``, as a column of the events' query."""
    rows = Booking.objects.filter(event=OuterRef("pk"), **bookings).order_by()
    return Subquery(rows.annotate(n=Func("pk", function="COUNT")).values("n"), output_field=IntegerField())


def _sales_of(event: Event) -> EventSales:
    return EventSales(
        event=event,
        ticket_types=list(event.ticket_types.all()),
        waitlisted=event.waitlisted,
        confirmed=event.booked_seats - event.held,
        checked_in=event.checked_in,
        revenue=None if event.kept is None else cents(event.kept),
    )


# Bookings over time ------------------------------------------------------------------


def bookings_per_day(events, *, zone: ZoneInfo) -> dict[date, int]:
    """Bookings made per day on ``zone``'s calendar, from the first one (at most MAX_CHART_DAYS ago, at
    least MIN_CHART_DAYS) to today, days without any included. One query."""
    today = timezone.localdate(timezone=zone)
    first_day = today - timedelta(days=MAX_CHART_DAYS - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=zone)
    counts = _counts(events, since, TruncDate("created_at", tzinfo=zone))
    start = min(min(counts, default=today), today - timedelta(days=MIN_CHART_DAYS - 1))
    return {
        start + timedelta(days=n): counts.get(start + timedelta(days=n), 0)
        for n in range((today - start).days + 1)
    }


def bookings_per_hour(events, *, zone: ZoneInfo) -> dict[datetime, int]:
    """Bookings made in each of the last CHART_HOURS hours, on ``zone``'s clock. One query."""
    this_hour = timezone.localtime(timezone=zone).replace(minute=0, second=0, microsecond=0)
    # Stepped back in UTC, so a daylight-saving change neither skips nor repeats an hour.
    hours = [
        (this_hour.astimezone(UTC) - timedelta(hours=n)).astimezone(zone)
        for n in reversed(range(CHART_HOURS))
    ]
    counts = _counts(events, hours[0], TruncHour("created_at", tzinfo=zone))
    return {hour: counts.get(hour, 0) for hour in hours}


def _counts(events, since: datetime, bucket) -> dict:
    bookings = Booking.objects.filter(event__in=events, created_at__gte=since).order_by()
    rows = bookings.annotate(bucket=bucket).values("bucket").annotate(count=Count("pk"))
    return {row["bucket"]: row["count"] for row in rows}


CHART_SPANS = {
    "days": ("Bookings per day", bookings_per_day, lambda day: f"{day.day} {day:%b}"),
    "hours": (
        f"Bookings per hour, last {CHART_HOURS} hours",
        bookings_per_hour,
        lambda hour: f"{hour:%H:00}",
    ),
}


def bookings_chart(events, *, span: str, zone: ZoneInfo) -> bytes:
    """A bar chart of the bookings of ``events`` per day or per hour (``span``), as an SVG document.

    Drawn without pygal's tooltip script, which would load from another site: the
    chart is shown as an image, where scripts never run anyway.
    """
    title, read, label = CHART_SPANS[span]
    counts = read(events, zone=zone)
    chart = pygal.Bar(
        title=title,
        js=[],
        explicit_size=True,
        show_legend=False,
        width=800,
        height=320,
        x_label_rotation=30,
        show_minor_x_labels=False,
        x_labels_major_every=max(len(counts) // 12, 1),
        no_data_text="No bookings yet",
    )
    chart.x_labels = [label(moment) for moment in counts]
    chart.y_labels = whole_steps(max(counts.values()))
    chart.add("Bookings", list(counts.values()))
    return chart.render()


def whole_steps(highest: int, *, steps: int = 5) -> list[int]:
    """Up to ``steps`` + 1 round marks from 0 past ``highest``: bookings come whole, never 0.2 of one."""
    step = max(-(-highest // steps), 1)
    return list(range(0, highest + step, step)) if highest else [0, 1]
