"""The seat map's grid as HTML, drawn at most about once a second for every viewer of a seated type.

Written in Python, not as a template loop (measured on a hall of 5,000 seats, a loop over the cells
took about 110 ms, this about 12 ms), and kept in the cache for under a second
(events.browse_cache.FRESH_FOR), since the grid is the same for everyone but a viewer's own seat,
the seat they chose and their friends' seats: those few cells are read afresh for each viewer and
drawn over the shared grid. So a seat taken shows as taken within that second; that staleness
never oversells, since the booking service decides under the event's row lock. When the cache
cannot be reached, the grid is drawn for each request.
"""

from dataclasses import dataclass

from django.utils.html import escape

from events.browse_cache import kept_fresh
from events.selectors import MapSeat, SeatMap, best_free_seat, seat_map

# What a screen reader hears after a seat's name, and the class that draws it, by state.
STATE_WORDS = {"free": "", "taken": ", taken", "blocked": ", not for sale", "mine": ", your seat"}


@dataclass(frozen=True)
class SharedGrid:
    """What every viewer of a seated type sees alike: the grid, and the best free seat."""

    html: str
    best: MapSeat | None


def shared_grid(ticket_type) -> SharedGrid:
    """``ticket_type``'s grid as nobody in particular sees it: kept for FRESH_FOR, or drawn now."""
    return kept_fresh(f"seat-grid:{ticket_type.pk}", lambda: _drawn(ticket_type))


def _drawn(ticket_type) -> SharedGrid:
    best = best_free_seat(ticket_type)
    return SharedGrid(
        html=grid_html(seat_map(ticket_type)),
        best=best and MapSeat(best.pk, best.row, best.number, "free"),
    )


def grid_html(seat_map: SeatMap) -> str:
    """A table of radio buttons named ``seat``, the stage side first: a free seat can be chosen; taken
    and blocked ones are shown but disabled; a missing number is an empty cell. Every seat's input
    carries its id, so ``for_viewer`` finds its cell."""
    numbers = "".join(
        f'<th scope="col">{number}</th>' if number else "<td></td>" for number in seat_map.numbers
    )
    head = f"<thead><tr><td></td>{numbers}<td></td></tr></thead>"
    body = "".join(_row(label, cells) for label, cells in seat_map.rows)
    return f'<table class="seat-map">{head}<tbody>{body}</tbody></table>'


def for_viewer(
    html: str, seats: list[MapSeat], *, mine: int | None, chosen: int | None, friends: dict[int, str]
) -> str:
    """The shared grid ``html`` with the cells of ``seats`` (read afresh) drawn for one viewer: ``mine``
    (their own seat) disabled as theirs, ``chosen`` ticked, ``friends`` (seat id: name) marking the
    taken seats their friends hold. A seat the shared grid does not have yet is left out."""
    cells = []
    for seat in seats:
        at = html.find(f' value="{seat.pk}"')
        if at >= 0:
            start, end = html.rfind("<td>", 0, at), html.find("</td>", at) + len("</td>")
            cells.append((start, end, _cell(seat, mine, chosen, friends)))
    pieces, done = [], 0
    for start, end, cell in sorted(cells):
        pieces += [html[done:start], cell]
        done = end
    return "".join(pieces) + html[done:]


def _row(label: str, cells: list[MapSeat | None]) -> str:
    heading = f'<th scope="row">{escape(label)}</th>'
    return f"<tr>{heading}{''.join(_cell(seat) for seat in cells)}{heading}</tr>"


def _cell(
    seat: MapSeat | None, mine: int | None = None, chosen: int | None = None, friends: dict | None = None
) -> str:
    if seat is None:
        return '<td class="gap"></td>'
    state = "mine" if seat.pk == mine else seat.state
    friend = friends.get(seat.pk) if friends and state == "taken" else None
    words = f", held by your friend {friend}" if friend else STATE_WORDS[state]
    name = escape(f"{seat.label}{words}")
    labelled = f'aria-label="{name}" title="{name}"'
    if state == "free":
        ticked = " checked" if seat.pk == chosen else ""
        return f'<td><input type="radio" name="seat" value="{seat.pk}"{ticked} {labelled}></td>'
    marks = f"{state} seat--friend" if friend else state
    return f'<td><input type="radio" class="{marks}" value="{seat.pk}" disabled {labelled}></td>'
