"""Reads for events that querysets alone do not express."""

from django.db.models import F
from django.db.models.functions import Abs

from events.models import Seat


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

    Two indexed reads (the first free seat, then the free seats of its row), whatever
    the size of the hall and however many seats are taken.
    """
    free = Seat.objects.free().filter(ticket_type=ticket_type)
    first = free.order_by("row_index", "number").first()
    if first is None:
        return None
    row = list(free.filter(row_index=first.row_index).order_by("number"))
    best, best_length, start, length = row[0], 0, row[0], 0
    for previous, seat in zip([None, *row], row, strict=False):
        if previous is not None and seat.number == previous.number + 1:
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
