"""Reads for money: which payment rows an organizer sees, and what each ticket type brought in.

The lower apps' reads know nothing of payments; the doors (admin, commands) that
show sales beside money ask here, and these reads add the money to them.
"""

from decimal import Decimal

from django.db.models import Case, DecimalField, F, IntegerField, OuterRef, Subquery, Sum, Value, When

from bookings.selectors import cents, event_totals, ticket_sales
from events.models import Event
from payments.models import Payment


def managed_by(rows, user, *, event_path: str):
    """The ``rows`` that belong, through ``event_path``, to the events ``user`` runs (every row for staff)."""
    if user.is_authenticated and user.is_site_staff:
        return rows
    return rows.filter(**{f"{event_path}__in": Event.objects.managed_by(user)})


def revenue_per_ticket_type(*, event_id: int | None = None) -> dict[int, Decimal]:
    """Money kept per ticket type id: what was paid less what was refunded (or is owed back by hand).

    Of one event, or of every event. In each event's currency (a payment takes
    its event's, which cannot change once someone has booked). Types that took
    no money are left out. One query.
    """
    payments = Payment.objects.settled()
    if event_id is not None:
        payments = payments.filter(booking__event_id=event_id)
    rows = payments.order_by().values("booking__ticket_type_id").annotate(kept=_kept())
    return {row["booking__ticket_type_id"]: cents(row["kept"]) for row in rows}


def kept_per_event() -> Subquery:
    """The money each event kept, as a column of a query of events: ``revenue_per_ticket_type`` summed
    over the event's types; NULL while nobody has paid (SQLite gives the sum without its places)."""
    payments = Payment.objects.settled().filter(booking__event=OuterRef("pk")).order_by()
    return Subquery(payments.values("booking__event").annotate(kept=_kept()).values("kept"))


def _kept() -> Sum:
    """Paid less refunded (or owed back by hand), summed."""
    return Sum(F("amount") - F("refunded_amount"), output_field=DecimalField(max_digits=12, decimal_places=2))


def revenue_by_ticket_type(event: Event) -> dict[int, Decimal]:
    """``revenue_per_ticket_type`` of one event: its ticket type ids to the money each kept."""
    return revenue_per_ticket_type(event_id=event.pk)


def sales_with_revenue(event_id: int | None = None) -> tuple[list[dict], list[dict]]:
    """bookings.selectors.ticket_sales rows with each type's ``revenue``, and the totals per event.

    Revenue is money kept (paid less refunded); gross is what the confirmed tickets
    were booked at. Two queries whatever the number of events and types.
    """
    rows = ticket_sales(event_id)
    revenue = revenue_per_ticket_type(event_id=event_id)
    for row in rows:
        row["revenue"] = revenue.get(row["ticket_type_id"], cents(None))
    return rows, event_totals(rows, money=("gross", "revenue"))


def with_payment_state(bookings):
    """``bookings`` annotated with ``payment_state``: the state of the payment that pays for each.

    That is the one whose money the booking keeps, else the latest attempt; None
    when nobody started paying (a free ticket, a waitlist place). No extra query.
    """
    kept_first = Case(
        When(state__in=Payment.KEPT_STATES, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    latest = Payment.objects.filter(booking=OuterRef("pk")).order_by(kept_first, "-created_at", "-pk")
    return bookings.annotate(payment_state=Subquery(latest.values("state")[:1]))
