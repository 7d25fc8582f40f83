"""Writes for accounts: sign-up, requests to become an organizer, the sign-in lockout, refresh tokens,
the Organizers group wiring, password resets and the proof that an email address is its account's."""

import contextlib
import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts import links, tasks
from accounts.models import EMAIL_TAKEN, USERNAME_TAKEN, OrganizerRequest, User, fold
from accounts.signals import account_deleting
from eventhub.background import enqueue
from eventhub.cache import CACHE_ERRORS
from eventhub.emails import absolute
from eventhub.errors import DomainError, ErrorCode, raise_if
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


def register_account(
    *, username: str, email: str, password: str, role: str, organizer_note: str = ""
) -> User:
    """Create an account whose input the sign-up form or serializer has validated, and email it
    the link that confirms its address.

    When new organizers need approval (ORGANIZER_SIGNUP=approval), choosing the
    organizer role makes an attendee account with a pending request to become one
    (``organizer_note`` says what they organise); otherwise the role is given as chosen.

    Two sign-ups for one name or email at the same instant both pass validation;
    the database's unique keys let one in, and the other is refused as taken, in
    the same words as the validation would have used, never with a crash.
    """
    asks = role == User.Role.ORGANIZER and organizer_approval_on()
    note = _checked_note(organizer_note, field="organizer_note") if asks else ""
    user = User(username=username, email=email)
    user.set_password(password)
    try:
        with transaction.atomic():
            set_role(user=user, role=User.Role.ATTENDEE if asks else role)
            if asks:
                OrganizerRequest.objects.create(user=user, note=note)
    except IntegrityError:
        if User.objects.is_taken("username", username):
            raise DomainError(ErrorCode.USERNAME_TAKEN, USERNAME_TAKEN, field="username") from None
        if User.objects.is_taken("email", email):
            raise DomainError(ErrorCode.EMAIL_TAKEN, EMAIL_TAKEN, field="email") from None
        raise
    send_email_verification(user=user)
    return user


# Becoming an organizer -------------------------------------------------------------
# With ORGANIZER_SIGNUP=approval, choosing the organizer role (at sign-up, or later from the
# profile) makes a request that site staff approve or decline in the admin. Each request is
# decided once, under its row lock; the person is emailed the decision. With "open" (the
# default) anyone signs up as an organizer at once, and there is nothing to ask.

APPROVAL = "approval"
NOTE_MAX_LENGTH = OrganizerRequest._meta.get_field("note").max_length
AWAITS_APPROVAL = (
    "Your request to become an organizer awaits approval by the site's staff: we will email you "
    "their decision. Until then your account is an attendee's, so you can book events."
)


def organizer_approval_on() -> bool:
    """Whether new organizers need site staff's approval (ORGANIZER_SIGNUP=approval)."""
    return settings.ORGANIZER_SIGNUP == APPROVAL


def _checked_note(note: str, *, field: str = "note") -> str:
    """The note about what one organises, trimmed; refused (``invalid_note``) when too long."""
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        too_long = f"Say it in at most {NOTE_MAX_LENGTH:,} characters."
        raise DomainError(ErrorCode.INVALID_NOTE, too_long, field=field)
    return note


def _day(moment: datetime, user: User) -> str:
    """A day as the person's own clock shows it: "5 December 2026"."""
    local = timezone.localtime(moment, ZoneInfo(user.timezone))
    return f"{local.day} {local:%B %Y}"


def organizer_request_refusal(user: User) -> DomainError | None:
    """Why ``user`` may not ask to become an organizer now, if they may not (pages ask before offering)."""
    if not organizer_approval_on():
        return DomainError(
            ErrorCode.NOT_FOUND, "There is nothing to ask: anyone may sign up as an organizer on this site."
        )
    if user.is_organizer:
        return DomainError(ErrorCode.ALREADY_ORGANIZER, "You are an organizer already.")
    latest = OrganizerRequest.objects.latest_of(user)
    if latest is not None and latest.status == OrganizerRequest.Status.PENDING:
        return DomainError(
            ErrorCode.ALREADY_REQUESTED,
            f"You asked on {_day(latest.created_at, user)}, and your request awaits approval: "
            "we will email you the decision.",
        )
    again = latest and latest.ask_again_at
    if again and again > timezone.now():
        return DomainError(
            ErrorCode.DECLINED_RECENTLY,
            f"Your request was declined on {_day(latest.decided_at, user)}. "
            f"You may ask again from {_day(again, user)}.",
        )
    return None


def request_organizer_role(*, user: User, note: str = "") -> OrganizerRequest:
    """An attendee asks to become an organizer, saying what they organise (``note``, optional).

    One request awaits approval at a time (``already_requested``); after a decline,
    the person may ask again once ASK_AGAIN_AFTER_DECLINE (accounts.models) has passed
    (``declined_recently``). Organizers have nothing to ask (``already_organizer``),
    nor has anyone while the site takes organizers openly (``not_found``).
    """
    note = _checked_note(note)
    with transaction.atomic():
        # The account's row lock puts one person's simultaneous asks (and an approval) in a row; the
        # database's one-pending-request constraint backs it.
        account = User.objects.select_for_update().get(pk=user.pk)
        raise_if(organizer_request_refusal(account))
        return OrganizerRequest.objects.create(user=account, note=note)


def approve_organizer_request(*, organizer_request: OrganizerRequest, by: User) -> OrganizerRequest:
    """Make the person an organizer as set_role makes anyone one (staff status, the Organizers group),
    and email them. Site staff only (``not_allowed``); a request is decided once (``already_decided``)."""
    return _decide(organizer_request, by=by, status=OrganizerRequest.Status.APPROVED)


def decline_organizer_request(*, organizer_request: OrganizerRequest, by: User) -> OrganizerRequest:
    """Leave the person an attendee and email them; they may ask again after ASK_AGAIN_AFTER_DECLINE.
    Site staff only (``not_allowed``); a request is decided once (``already_decided``)."""
    return _decide(organizer_request, by=by, status=OrganizerRequest.Status.DECLINED)


def _decide(organizer_request: OrganizerRequest, *, by: User, status: str) -> OrganizerRequest:
    if not by.is_site_staff:
        raise DomainError(ErrorCode.NOT_ALLOWED, "Only site staff decide who becomes an organizer.")
    with transaction.atomic():
        # Lock order: the request, then its account. Two decisions at once queue here; the second
        # finds the request decided.
        locked = OrganizerRequest.objects.select_for_update().get(pk=organizer_request.pk)
        if locked.status != OrganizerRequest.Status.PENDING:
            decided = f"{locked.get_status_display().lower()} on {_day(locked.decided_at, by)}"
            raise DomainError(ErrorCode.ALREADY_DECIDED, f"This request was {decided} already.")
        locked.status, locked.decided_at, locked.decided_by = status, timezone.now(), by
        locked.save(update_fields=["status", "decided_at", "decided_by"])
        if status == OrganizerRequest.Status.APPROVED:
            set_role(user=User.objects.select_for_update().get(pk=locked.user_id), role=User.Role.ORGANIZER)
        enqueue(tasks.send_organizer_decision, locked.pk)
    return locked


# Counting in the cache -----------------------------------------------------------
# The sign-in lockout and the limits on emails anyone may ask the site to send count
# alike: one key per thing counted (a username, a client address, a recipient), raised
# atomically in the cache, so with Redis every app process shares the counts.


def _counter_key(name: str, value: str) -> str:
    # Hashed: a typed username or email may hold any character and any length; cache keys may not.
    return f"{name}:{hashlib.sha256(value.encode()).hexdigest()}"


def _count(key: str, *, window: int) -> int:
    """Add one to a counter atomically (a Redis INCR), starting its window on first use."""
    cache.add(key, 0, timeout=window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        return 1


def _over_a_limit(limits: list[tuple[str, int]], *, window: int, unavailable: str) -> bool:
    """Count one more against every ``(key, limit)``: whether any count is now past its limit.

    Every key is counted, even once one is over. Fails closed: when the cache cannot
    count, the request is refused (``service_unavailable``, in the words ``unavailable``).
    """
    try:
        counts = [(_count(key, window=window), limit) for key, limit in limits]
    except CACHE_ERRORS as error:
        logger.warning("limits.unavailable", extra={"event_data": {"error": str(error)}})
        raise DomainError(ErrorCode.SERVICE_UNAVAILABLE, unavailable) from None
    return any(count > limit for count, limit in counts)


# Sign-in lockout ---------------------------------------------------------------
# Every way in counts against one lockout: the sign-in page, the admin's sign-in
# page, the API token endpoint and the API password change (its current-password
# check). A password reset lifts the lockout of its account's username.

LOGIN_LOCKED = "Too many failed sign-in attempts. Please wait {minutes} minutes and try again."
LOCKOUT_UNAVAILABLE = "Signing in is briefly unavailable. Please try again in a minute."


def _username_key(username: str) -> str:
    """The username as account lookup sees it (fold), so no other spelling dodges its count."""
    return _counter_key("login-attempts:user", fold(username))


def _attempt_keys(*, username: str, address: str) -> list[tuple[str, int]]:
    return [
        (_username_key(username), settings.LOGIN_FAILURES_PER_USERNAME),
        (_counter_key("login-attempts:addr", address), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def _take_attempt(*, username: str, address: str) -> None:
    """Count an attempt before the password is checked, so racing guesses cannot outrun the limit.

    Fails closed: when the cache cannot count, nobody is let in to guess.
    """
    limits = _attempt_keys(username=username, address=address)
    if _over_a_limit(limits, window=settings.LOGIN_LOCKOUT_SECONDS, unavailable=LOCKOUT_UNAVAILABLE):
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


# Emails about one's account ------------------------------------------------------
# Each goes out once the transaction commits, through accounts.tasks.send_account_email.
# A password reset, another verification link and an email change each email an address
# that the asker names, so they are counted per recipient (no inbox is flooded) and per
# client address (no one sprays the site's emails at many inboxes).

EMAILS_THROTTLED = "You asked for several emails in the last hour. Please wait a while and try again."
EMAILS_UNAVAILABLE = "Sending emails is briefly unavailable. Please try again in a minute."


def _over_email_limits(*, to: str, address: str) -> bool:
    limits = [
        (_counter_key("account-emails:to", fold(to)), settings.ACCOUNT_EMAILS_PER_RECIPIENT),
        (_counter_key("account-emails:addr", address), settings.ACCOUNT_EMAILS_PER_ADDRESS),
    ]
    return _over_a_limit(limits, window=settings.ACCOUNT_EMAIL_WINDOW_SECONDS, unavailable=EMAILS_UNAVAILABLE)


def _refuse_past_email_limits(*, to: str, address: str) -> None:
    if _over_email_limits(to=to, address=address):
        raise DomainError(ErrorCode.THROTTLED, EMAILS_THROTTLED)


def _email_account(user: User, template: str, *, to_address: str = "", **context: str) -> None:
    enqueue(tasks.send_account_email, template, user.pk, context, to_address)


def _link(name: str, *args) -> str:
    return absolute(reverse(f"accounts:{name}", args=args))


def _lasting(duration: timedelta) -> str:
    """How long a link works, in words ("3 days")."""
    now = timezone.now()
    return timeuntil(now + duration, now)


# Password reset -------------------------------------------------------------------

RESET_LINK_SENT = (
    "If an account uses that address, we have emailed it a link to choose a new password. "
    "It may take a few minutes to arrive; look in your spam folder too."
)
RESET_LINK_INVALID = (
    "This password reset link does not work: it was used already, it has expired, or the password "
    "was changed since. Ask for a new one."
)


def request_password_reset(*, email: str, address: str) -> None:
    """Email a link to choose a new password to the active account at ``email``, if there is one.

    The asker learns nothing from it: whether an account uses the address, and whether the
    limits were reached (then nothing is sent: the address's owner has links already), the
    answer is the same. Accounts that are inactive or have no usable password get nothing.
    """
    if _over_email_limits(to=email, address=address):
        logger.warning(
            "password_reset.throttled", extra={"event_data": {"action": "password_reset.throttled"}}
        )
        return
    user = User.objects.filter(email_key=fold(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    link = _link(
        "password_reset_confirm", links.password_reset_uid(user), default_token_generator.make_token(user)
    )
    lasting = _lasting(timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT))
    _email_account(user, "password_reset", link=link, valid_for=lasting)


def password_reset_user(*, uid: str, token: str) -> User:
    """The account a password reset link names; refused (``invalid_token``) unless its token is good."""
    user = links.password_reset_account(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise DomainError(ErrorCode.INVALID_TOKEN, RESET_LINK_INVALID)
    return user


def reset_password(*, user: User, password: str) -> User:
    """Give ``user`` the password they chose through a reset link.

    The link proved that they own the address, so the sign-in lockout of their username
    (kept against guessers) is lifted; the count of the address the guesses came from
    stays. As after any password change, their API refresh tokens stop working, and the
    link itself dies with the old password.
    """
    user.set_password(password)
    with transaction.atomic():
        user.save(update_fields=["password"])
        revoke_refresh_tokens(user=user)
    with contextlib.suppress(*CACHE_ERRORS):  # a count that cannot be cleared now expires later
        cache.delete(_username_key(user.username))
    return user


# Email verification and email change ----------------------------------------------
# A new account's address, and every new address, is proven by opening a link sent to it.

VERIFY_LINK_INVALID = (
    "This confirmation link does not work: it has expired, or the account's address has changed "
    "since it was sent."
)
CHANGE_LINK_INVALID = (
    "This link does not work: it has expired, or the account's address has changed since it was sent."
)
ALREADY_VERIFIED = "Your email address is already confirmed."


def send_email_verification(*, user: User) -> None:
    """Email ``user`` the link that proves their current address is theirs."""
    link = _link("verify_email", links.email_verification_token(user))
    _email_account(user, "verify_email", link=link, valid_for=_lasting(links.link_max_age()))


def resend_email_verification(*, user: User, address: str) -> None:
    """Another verification link, within the email limits (asked from ``address``)."""
    if user.email_verified:
        raise DomainError(ErrorCode.ALREADY_VERIFIED, ALREADY_VERIFIED)
    _refuse_past_email_limits(to=user.email, address=address)
    send_email_verification(user=user)


def verify_email(*, token: str) -> User:
    """Record that the account a verification link names owns the address it was sent to.

    Opening the link again changes nothing; a link sent to an address the account no
    longer has is refused (``invalid_token``).
    """
    claim = links.read_token(links.VERIFY_EMAIL, token)
    user = claim and User.objects.filter(pk=claim["user"], email=claim["email"], is_active=True).first()
    if not user:
        raise DomainError(ErrorCode.INVALID_TOKEN, VERIFY_LINK_INVALID)
    if not user.email_verified:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def request_email_change(*, user: User, new_email: str, address: str) -> None:
    """Ask to move ``user`` to ``new_email``; nothing changes until the link sent there is opened.

    The current address is told of the request (without the link), so an intruder who
    changes it does not go unnoticed. Refused when another account uses the address
    (``email_taken``) or past the email limits (``throttled``).
    """
    if User.objects.is_taken("email", new_email, exclude_pk=user.pk):
        raise DomainError(ErrorCode.EMAIL_TAKEN, EMAIL_TAKEN, field="email")
    _refuse_past_email_limits(to=new_email, address=address)
    link = _link("confirm_email_change", links.email_change_token(user, new_email))
    lasting = _lasting(links.link_max_age())
    _email_account(
        user, "email_change_confirm", to_address=new_email, link=link, new_email=new_email, valid_for=lasting
    )
    _email_account(user, "email_change_notice", to_address=user.email, new_email=new_email)


def confirm_email_change(*, token: str) -> User:
    """Move the account an email change link names to the new address, which the link proved.

    Opening the link again changes nothing; a link from before another change is refused
    (``invalid_token``), and so is an address another account took meanwhile (``email_taken``).
    """
    claim = links.read_token(links.CHANGE_EMAIL, token)
    with transaction.atomic():
        user = claim and User.objects.select_for_update().filter(pk=claim["user"], is_active=True).first()
        if not user or user.email not in (claim["old"], claim["new"]):
            raise DomainError(ErrorCode.INVALID_TOKEN, CHANGE_LINK_INVALID)
        if user.email != claim["new"]:
            _move_email(user, claim["new"])
    return user


def _move_email(user: User, email: str) -> None:
    taken = DomainError(ErrorCode.EMAIL_TAKEN, f"{email} is now used by another account.", field="email")
    if User.objects.is_taken("email", email, exclude_pk=user.pk):
        raise taken
    user.email, user.email_verified_at = email, timezone.now()
    try:
        with transaction.atomic():
            user.save(update_fields=["email", "email_verified_at"])
    except IntegrityError:  # taken between the check and the write
        raise taken from None
