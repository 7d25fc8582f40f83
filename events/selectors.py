"""Reads for events that querysets alone do not express."""

from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Abs, Coalesce
from django.utils import timezone

from events.models import Event, Question, Seat, TicketType


class UpcomingThenPast:
    """Upcoming events soonest first, then past ones most recent first, as one list a paginator can slice.

    Each part is read in index order (starts_at, id), so a page costs the same
    however many events exist; a single ORDER BY over "is it upcoming?" would
    sort every visible event on every request. The first pages take two
    queries (the count and the page); a page past the upcoming events takes
    at most two more.
    """

    def __init__(self, events):
        self.events = events
        self.upcoming = events.upcoming().order_by("starts_at", "pk")
        self.past = events.past().order_by("-starts_at", "-pk")

    def count(self) -> int:
        return self.events.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop
        rows = list(self.upcoming[start:stop])
        if len(rows) == stop - start:
            return rows
        # The upcoming part ended inside this window (then its size is known) or before it.
        upcoming_total = start + len(rows) if rows or start == 0 else self.upcoming.count()
        return rows + list(self.past[max(start - upcoming_total, 0) : stop - upcoming_total])


def best_free_seat(ticket_type) -> Seat | None:
    """The seat a buyer who did not choose gets: the row nearest the stage with a free seat, and in it
    the first seat of the longest run of free seats, so the next buyers of a group sit beside them.

    One statement along the partial index of free seats (the nearest row with one, then
    that row's free seats), whatever the size of the hall and however many seats are
    taken; read as plain values, not model instances, since it runs on every seated booking.
    """
    free = Seat.objects.free().filter(ticket_type=ticket_type)
    nearest_row = free.order_by("row_index").values("row_index")[:1]
    row = list(
        free.filter(row_index=Subquery(nearest_row))
        .order_by("number")
        .values_list("number", "pk", "row", "row_index")
    )
    if not row:
        return None
    number, pk, label, row_index = _start_of_longest_run(row)
    return Seat(pk=pk, ticket_type=ticket_type, row=label, row_index=row_index, number=number)


def _start_of_longest_run(numbers: list[tuple]) -> tuple:
    """The first seat of the longest run of consecutive seat numbers (each row starts with its number);
    the earliest on a tie."""
    best, best_length, start, length = numbers[0], 0, numbers[0], 0
    for previous, seat in zip([None, *numbers], numbers, strict=False):
        if previous is not None and seat[0] == previous[0] + 1:
            length += 1
        else:
            start, length = seat, 1
        if length > best_length:
            best, best_length = start, length
    return best


def nearest_free_seats(seat, *, count: int = 3) -> list[Seat]:
    """The free seats of ``seat``'s type closest to it, nearest row first: what to offer when it is taken."""
    distance = Abs(F("row_index") - seat.row_index) * 10_000 + Abs(F("number") - seat.number)
    free = Seat.objects.free().filter(ticket_type_id=seat.ticket_type_id).exclude(pk=seat.pk)
    return list(free.annotate(distance=distance).order_by("distance", "row_index", "number")[:count])


def with_price_range(events):
    """``events`` with ``min_price`` and ``max_price``: what their ticket types still on sale or yet to
    go on sale cost (None when none is left). Two correlated subqueries, so a page of events costs one
    query however many types they sell, and the list's count ignores them."""
    types = TicketType.objects.filter(event=OuterRef("pk")).exclude(sales_end__lte=timezone.now())
    return events.annotate(
        min_price=Subquery(types.order_by("price").values("price")[:1]),
        max_price=Subquery(types.order_by("-price").values("price")[:1]),
    )


def ticket_types_of(event) -> list[TicketType]:
    """An event's ticket types in display order, each knowing its event (their sale times need its zone)."""
    ticket_types = list(TicketType.objects.filter(event=event))
    for ticket_type in ticket_types:
        ticket_type.event = event
    return ticket_types


class MapSeat(NamedTuple):
    """A seat as the map reads it: a plain row, not a model; its label is written as Seat.label writes it."""

    pk: int
    row: str
    number: int
    state: str  # free, taken or blocked

    @property
    def label(self) -> str:
        return f"Row {self.row}, seat {self.number}"


@dataclass(frozen=True)
class SeatMap:
    """A seated type's hall as a grid: ``numbers`` heads the columns (None over an aisle no row has a
    seat in), each row has one cell per column, None where it has no such seat, so seats stay in line."""

    numbers: list[int | None]
    rows: list[tuple[str, list[MapSeat | None]]]


MAP_FIELDS = ("pk", "row", "number", "held", "blocked")


def _map_seat(pk: int, row: str, number: int, held: bool, blocked: bool) -> MapSeat:
    return MapSeat(pk, row, number, "taken" if held else "blocked" if blocked else "free")


def seat_map(ticket_type) -> SeatMap:
    """The seat map of ``ticket_type`` in one query of plain rows (a hall of 5,000 seats builds no models)."""
    rows: dict[str, dict[int, MapSeat]] = {}
    seats = Seat.objects.filter(ticket_type=ticket_type).order_by("row_index", "number")
    for seat in (_map_seat(*row) for row in seats.values_list(*MAP_FIELDS)):
        rows.setdefault(seat.row, {})[seat.number] = seat
    present = set().union(*rows.values())
    columns = range(min(present, default=1), max(present, default=0) + 1)
    return SeatMap(
        numbers=[number if number in present else None for number in columns],
        rows=[(label, [row.get(number) for number in columns]) for label, row in rows.items()],
    )


def map_seats(ticket_type, pks) -> list[MapSeat]:
    """The seats of ``ticket_type`` among ``pks``, as the map reads them (one query; none for no ids)."""
    if not pks:
        return []
    seats = Seat.objects.filter(ticket_type=ticket_type, pk__in=pks).values_list(*MAP_FIELDS)
    return [_map_seat(*row) for row in seats]


def questions_for(*, event_id: int, ticket_type_id: int | None) -> list[Question]:
    """The questions a buyer of ``ticket_type_id`` at the event answers: the event's own and the type's.

    With no type known, every question of the event (the caller narrows once the type is known).
    """
    questions = Question.objects.filter(event_id=event_id)
    if ticket_type_id is not None:
        questions = questions.filter(Q(ticket_type__isnull=True) | Q(ticket_type_id=ticket_type_id))
    return list(questions)


def questions_of(event: Event, *, ticket_type_id: int | None) -> list[Question]:
    """``questions_for`` an event in hand: none are read when it asks nothing (``Event.asks_questions``)."""
    if not event.asks_questions:
        return []
    return questions_for(event_id=event.pk, ticket_type_id=ticket_type_id)


# Series ---------------------------------------------------------------------------------------

SERIES_DATES_SHOWN = 12


def one_per_series(events, *, order: tuple[str, ...]):
    """``events`` with each series as one entry: its first date in ``order`` among ``events`` (the
    next one, for upcoming events), with ``more_dates``, how many other dates of it ``events`` hold.

    Two correlated subqueries along the (series, starts_at) index, so a page costs one query
    however many series and dates there are, and the count one more.
    """
    same_series = events.filter(series_id=OuterRef("series_id"))
    first = same_series.order_by(*order).values("pk")[:1]
    others = same_series.exclude(pk=OuterRef("pk")).order_by().values("series_id")
    more = others.annotate(count=Count("pk")).values("count")
    return events.filter(Q(series__isnull=True) | Q(pk=Subquery(first))).annotate(
        more_dates=Coalesce(Subquery(more), 0)
    )


def other_dates_of(event) -> list[Event]:
    """The next SERIES_DATES_SHOWN published dates of ``event``'s series that have not started, itself
    left out, soonest first: what its page offers to pick from (one query; none outside a series)."""
    if event.series_id is None:
        return []
    dates = Event.objects.published().upcoming().filter(series_id=event.series_id).exclude(pk=event.pk)
    return list(dates.order_by("starts_at", "pk")[:SERIES_DATES_SHOWN])
