"""Writes for accounts: the Organizers group wiring."""

import hashlib
import logging

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from eventhub.errors import DomainError

logger = logging.getLogger("eventhub.accounts")

ORGANIZERS_GROUP = "Organizers"  # created, with its permissions, by a data migration


def sync_organizer_group(*, user) -> None:
    """Grant the Organizers group to organizers and withdraw it from everyone else."""
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    if user.is_organizer:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def delete_account(*, user, by) -> None:
    """Delete an account: its bookings are cancelled through the booking service first, so seats go back.

    All in one transaction: if the deletion fails, no booking stays cancelled.
    Events are locked in id order, so two deletions never deadlock.
    """
    from bookings.models import Booking
    from bookings.services import cancel_all_bookings_of

    if not (by.is_authenticated and (by.pk == user.pk or by.is_site_staff)):
        raise DomainError("not_allowed", "Only the account's owner or staff can delete it.")
    if user.organized_events.exists():
        raise DomainError(
            "has_events",
            "This account runs events, so it cannot be deleted: their records depend on it. "
            "Deactivate it instead.",
        )
    with transaction.atomic():
        cancel_all_bookings_of(user=user, by=by)
        Booking.objects.filter(user=user, status=Booking.Status.CANCELLED).delete()
        user.delete()


def _failure_key(kind: str, value: str) -> str:
    # Hashed: a typed username may hold any character and any length; cache keys may not.
    return f"login-failures:{kind}:{hashlib.sha256(value.strip().lower().encode()).hexdigest()}"


def _failure_keys(*, username: str, address: str) -> list[tuple[str, int]]:
    return [
        (_failure_key("user", username), settings.LOGIN_FAILURES_PER_USERNAME),
        (_failure_key("addr", address), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def ensure_login_allowed(*, username: str, address: str) -> None:
    """Refuse a sign-in attempt while its username or address is locked out after repeated failures.

    The counts live in the cache, so with Redis every app process sees the same lockout.
    """
    counts = cache.get_many([key for key, _ in _failure_keys(username=username, address=address)])
    for key, limit in _failure_keys(username=username, address=address):
        if counts.get(key, 0) >= limit:
            minutes = max(settings.LOGIN_LOCKOUT_SECONDS // 60, 1)
            raise DomainError(
                "login_locked",
                f"Too many failed sign-in attempts. Please wait {minutes} minutes and try again.",
            )


def record_failed_login(*, username: str, address: str) -> None:
    for key, _ in _failure_keys(username=username, address=address):
        cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    logger.warning(
        "login.failed", extra={"event_data": {"action": "login.failed", "username": username[:150]}}
    )


def clear_failed_logins(*, username: str) -> None:
    cache.delete(_failure_key("user", username))


def revoke_refresh_tokens(*, user) -> int:
    """Sign the user out of every API client: each refresh token issued to them stops working.

    Called when the password changes, so a leaked token dies with the old password.
    """
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding])
    return len(outstanding)
