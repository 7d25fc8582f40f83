"""Wall-clock times in a zone: what an organizer types and what a series repeats are local times."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError


def instant_in_zone(wall: datetime, zone: ZoneInfo) -> datetime:
    """The one instant a wall-clock time names in ``zone``.

    Where the clocks go back, an hour's times happen twice; where they go
    forward, an hour's times never happen. Either is refused, saying why,
    rather than silently picking an instant the organizer may not have meant.
    """
    earlier, later = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    when = f"{wall:%a} {wall.day} {wall:%b %Y, %H:%M}"
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        raise ValidationError(
            f"{when} happens twice in {zone.key}, as the clocks go back: it could mean "
            f"{_instant(earlier)} or {_instant(later)}. Choose a time the clocks show only once."
        )
    raise ValidationError(
        f"{when} does not exist in {zone.key}: the clocks skip it as they go forward. Choose another time."
    )


def _instant(moment: datetime) -> str:
    return f"{moment:%H:%M %Z} ({moment.astimezone(UTC):%H:%M} UTC)"
