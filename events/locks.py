"""Named locks on event rows: the one way a service takes them.

The event's row lock guards everything that belongs to the event: its counters,
its bookings and, later, its ticket types, seats and holds. The lock order every
service follows (so no two of them deadlock):

1. events, in primary-key order when there are several;
2. then a booking of a locked event (read after the lock, which already guards it);
3. then a payment, then the organizer's invoice counter.

A service takes its event's lock exactly once per transaction: a service that
calls another hands it the locked row instead of locking again. On SQLite,
``select_for_update`` does nothing; the IMMEDIATE transaction holds the database's
write lock from BEGIN instead.
"""

from collections.abc import Iterable, Mapping

from django.db.models import Expression

from eventhub.errors import DomainError, ErrorCode
from events.models import Event


def event_not_found() -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, "This event does not exist.")


def lock_event(event_id: int, *, also_read: Mapping[str, Expression] | None = None) -> Event:
    """Lock one event row and read it; ``also_read`` names expressions read in the same statement.

    Raises ``not_found`` when there is no such event (it may have been deleted meanwhile).
    """
    try:
        return Event.objects.select_for_update().annotate(**(also_read or {})).get(pk=event_id)
    except Event.DoesNotExist:
        raise event_not_found() from None


def lock_events(event_ids: Iterable[int]) -> list[Event]:
    """Lock several event rows in primary-key order, so two callers never wait on each other in a circle."""
    return list(Event.objects.select_for_update().filter(pk__in=set(event_ids)).order_by("pk"))
