"""Writes for accounts: the Organizers group wiring."""

from django.contrib.auth.models import Group
from django.db import transaction

from eventhub.errors import DomainError

ORGANIZERS_GROUP = "Organizers"  # created, with its permissions, by a data migration


def sync_organizer_group(*, user) -> None:
    """Grant the Organizers group to organizers and withdraw it from everyone else."""
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    if user.is_organizer:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def delete_account(*, user, by) -> None:
    """Delete an account: its bookings are cancelled through the booking service first, so seats go back."""
    from bookings.models import Booking
    from bookings.services import cancel_all_bookings_of

    if user.organized_events.exists():
        raise DomainError(
            "has_events",
            "This account runs events. Cancel or hand them over before deleting it.",
        )
    cancel_all_bookings_of(user=user, by=by)
    with transaction.atomic():
        Booking.objects.filter(user=user, status=Booking.Status.CANCELLED).delete()
        user.delete()
