"""Writes for accounts: sign-up, the sign-in lockout, refresh tokens, the Organizers group wiring."""

import contextlib
import hashlib
import logging
import secrets

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.models import EMAIL_TAKEN, USERNAME_TAKEN, User, fold
from accounts.signals import account_deleting
from eventhub.cache import CACHE_ERRORS
from eventhub.errors import DomainError, ErrorCode
from eventhub.net import client_address

logger = logging.getLogger("eventhub.accounts")

ORGANIZERS_GROUP = "Organizers"  # created, with its permissions, by a data migration


def set_role(*, user: User, role: str) -> User:
    """Give an account its role and save it: organizers work in the admin, so staff status and the
    Organizers group follow the role. Superusers keep whatever staff status they have."""
    user.role = role
    if not user.is_superuser:
        user.is_staff = user.is_organizer
    with transaction.atomic():
        user.save()
        sync_organizer_group(user=user)
    return user


def sync_organizer_group(*, user) -> None:
    """Grant the Organizers group to organizers and withdraw it from everyone else."""
    group, _ = Group.objects.get_or_create(name=ORGANIZERS_GROUP)
    if user.is_organizer:
        user.groups.add(group)
    else:
        user.groups.remove(group)


def delete_account(*, user, by) -> None:
    """Delete an account: its bookings are cancelled by the booking service first, so seats go back.

    All in one transaction: if the deletion fails, no booking stays cancelled.
    Events are locked in id order, so two deletions never deadlock. A booking
    made while the account was going holds it back; the deletion then starts
    again and cancels that booking too (a booking that comes after it finds the
    account gone).
    """

    if not (by.is_authenticated and (by.pk == user.pk or by.is_site_staff)):
        raise DomainError(ErrorCode.NOT_ALLOWED, "Only the account's owner or staff can delete it.")
    if user.organized_events.exists():
        raise DomainError(
            ErrorCode.HAS_EVENTS,
            "This account runs events, so it cannot be deleted: their records depend on it. "
            "Deactivate it instead.",
        )
    for _ in range(DELETE_ATTEMPTS):
        try:
            _delete_account_once(user_id=user.pk, by=by)
        except (IntegrityError, ProtectedError):
            continue  # a booking slipped in: cancel it too
        return
    raise DomainError(
        ErrorCode.HAS_BOOKINGS, "New bookings keep arriving for this account; please try again."
    )


DELETE_ATTEMPTS = 3


def _delete_account_once(*, user_id: int, by) -> None:
    with transaction.atomic():
        user = User.objects.filter(pk=user_id).first()
        if user is None:
            return  # deleted already
        account_deleting.send(sender=User, user=user, by=by)  # the bookings app releases its seats
        user.delete()


def register_account(*, username: str, email: str, password: str, role: str) -> User:
    """Create an account whose input the sign-up form or serializer has validated.

    Two sign-ups for one name or email at the same instant both pass validation;
    the database's unique keys let one in, and the other is refused as taken, in
    the same words as the validation would have used, never with a crash.
    """
    user = User(username=username, email=email)
    user.set_password(password)
    try:
        with transaction.atomic():
            set_role(user=user, role=role)
    except IntegrityError:
        if User.objects.is_taken("username", username):
            raise DomainError(ErrorCode.USERNAME_TAKEN, USERNAME_TAKEN, field="username") from None
        if User.objects.is_taken("email", email):
            raise DomainError(ErrorCode.EMAIL_TAKEN, EMAIL_TAKEN, field="email") from None
        raise
    return user


# Sign-in lockout ---------------------------------------------------------------
# Every way in counts against one lockout: the sign-in page, the admin's sign-in
# page, the API token endpoint and the API password change (its current-password
# check). Counts live in the cache, so with Redis all app processes share them.

LOGIN_LOCKED = "Too many failed sign-in attempts. Please wait {minutes} minutes and try again."
LOCKOUT_UNAVAILABLE = "Signing in is briefly unavailable. Please try again in a minute."


def _attempt_key(kind: str, value: str) -> str:
    # Hashed: a typed username may hold any character and any length; cache keys may not.
    return f"login-attempts:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _attempt_keys(*, username: str, address: str) -> list[tuple[str, int]]:
    """The username as account lookup sees it (fold), so no other spelling dodges its count."""
    return [
        (_attempt_key("user", fold(username)), settings.LOGIN_FAILURES_PER_USERNAME),
        (_attempt_key("addr", address), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def _count(key: str) -> int:
    """Add one to a counter atomically (a Redis INCR), starting its lockout window on first use."""
    cache.add(key, 0, timeout=settings.LOGIN_LOCKOUT_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=settings.LOGIN_LOCKOUT_SECONDS)
        return 1


def _take_attempt(*, username: str, address: str) -> None:
    """Count an attempt before the password is checked, so racing guesses cannot outrun the limit.

    Fails closed: when the cache cannot count, nobody is let in to guess.
    """
    try:
        over = [_count(key) > limit for key, limit in _attempt_keys(username=username, address=address)]
    except CACHE_ERRORS as error:
        logger.warning("login.lockout_unavailable", extra={"event_data": {"error": str(error)}})
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE, LOCKOUT_UNAVAILABLE) from None
    if any(over):
        minutes = max(settings.LOGIN_LOCKOUT_SECONDS // 60, 1)
        raise DomainError(ErrorCode.LOGIN_LOCKED, LOGIN_LOCKED.format(minutes=minutes))


def _settle_attempt(*, username: str, address: str, succeeded: bool) -> None:
    if not succeeded:
        logger.warning(
            "login.failed", extra={"event_data": {"action": "login.failed", "username": username[:150]}}
        )
        return
    (user_key, _), (address_key, _) = _attempt_keys(username=username, address=address)
    # The attempt is done: a count that cannot be lowered now only expires a little later.
    with contextlib.suppress(ValueError, *CACHE_ERRORS):
        cache.delete(user_key)
        cache.decr(address_key)  # the address counts failures, not people signing in


def sign_in(*, request, username: str, password: str) -> User | None:
    """Check a username and password, counted against the lockout: the one way in for every door.

    Returns the user, or None for wrong credentials (and inactive accounts, as
    Django's authenticate does); refuses with ``login_locked`` while the username
    or the address is locked out, and ``service_unavailable`` when the cache is down.
    """
    return _counted(request, username, lambda: authenticate(request, username=username, password=password))


def check_current_password(*, request, user: User, password: str) -> bool:
    """The current-password check of a password change, counted like a sign-in.

    A stolen access token must not become a way to guess the account's password.
    """
    return _counted(request, user.username, lambda: user.check_password(password))


def _counted(request, username: str, attempt):
    """Run a password check as one attempt against the lockout: counted before, settled after."""
    address = client_address(request)
    _take_attempt(username=username, address=address)
    outcome = attempt()
    _settle_attempt(username=username, address=address, succeeded=bool(outcome))
    return outcome


def rotate_refresh_token(*, token) -> None:
    """Spend an API refresh token and turn it into its successor (a new id, issued now).

    The first redemption wins, every other one is refused: two refreshes of one
    token at the same instant both pass simplejwt's blacklist check, so the unique
    blacklist row is the arbiter. An account deleted meanwhile breaks the new
    token's foreign key; that is "no active account", not a crash.
    """
    try:
        with transaction.atomic():
            outstanding, _ = OutstandingToken.objects.get_or_create(
                jti=token[jwt_settings.JTI_CLAIM],
                defaults={
                    "user_id": token.get(jwt_settings.USER_ID_CLAIM),
                    "token": str(token),
                    "expires_at": datetime_from_epoch(token["exp"]),
                },
            )
            _, redeemed_now = BlacklistedToken.objects.get_or_create(token=outstanding)
            if not redeemed_now:
                raise DomainError(ErrorCode.TOKEN_NOT_VALID, "This refresh token has already been used.")
            token.set_jti()
            token.set_exp()
            token.set_iat()
            token.outstand()
    except IntegrityError:
        raise DomainError(
            ErrorCode.NO_ACTIVE_ACCOUNT, "No active account found for the given token."
        ) from None


def revoke_refresh_tokens(*, user) -> int:
    """Sign the user out of every API client: each refresh token issued to them stops working.

    Called when the password changes, so a leaked token dies with the old password.
    """
    outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in outstanding])
    return len(outstanding)


def reset_calendar_token(*, user: User) -> User:
    """Give ``user``'s calendar feed a new secret address; the old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user
