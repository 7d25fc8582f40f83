"""The seat map's grid as one viewer sees it (events.seat_grid draws it)."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from events.seat_grid import for_viewer
from events.selectors import MapSeat

register = template.Library()


@register.simple_tag
def seat_grid(
    html: str,
    seats: list[MapSeat],
    mine: int | None = None,
    chosen: int | None = None,
    friends: dict[int, str] | None = None,
) -> SafeString:
    """The shared grid ``html`` with ``seats``, the viewer's own, chosen and friends' ones, drawn for them."""
    return mark_safe(for_viewer(html, seats, mine=mine, chosen=chosen, friends=friends or {}))
