"""Signed links emailed to people: what each one carries, and reading it back.

Opening a link proves that its opener received the email. Each link signs the
account and the address it was sent to, so once the account's address has
moved on, an older link proves nothing about the new one. Links carry the time
they were signed and stop working after ``PASSWORD_RESET_TIMEOUT`` seconds, as
password-reset links do.

Password-reset links are Django's own (a user id and a token from
``default_token_generator``): the token signs the password hash, the last
sign-in and the address, so it works once.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from accounts.models import User


def link_max_age() -> timedelta:
    return timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


VERIFY_EMAIL = "verify-email"
CHANGE_EMAIL = "change-email"


def _signer(purpose: str) -> signing.TimestampSigner:
    # A salt per purpose: a link made for one purpose never passes for another.
    return signing.TimestampSigner(salt=f"accounts.{purpose}")


def email_verification_token(user: User) -> str:
    """Proves that ``user``'s current address is theirs."""
    return _signer(VERIFY_EMAIL).sign_object({"user": user.pk, "email": user.email})


def email_change_token(user: User, new_email: str) -> str:
    """Moves ``user`` from their current address to ``new_email``, which it proves is theirs."""
    return _signer(CHANGE_EMAIL).sign_object({"user": user.pk, "old": user.email, "new": new_email})


def read_token(purpose: str, token: str) -> dict | None:
    """What a token made for ``purpose`` carries, or None if it was tampered with, is another
    purpose's, or is older than ``link_max_age()``."""
    try:
        return _signer(purpose).unsign_object(token, max_age=link_max_age())
    except signing.BadSignature:  # expired ones too (SignatureExpired is one)
        return None


def password_reset_uid(user: User) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def password_reset_account(uid: str) -> User | None:
    """The active account a password-reset link's ``uid`` names, if any (its token is checked apart)."""
    try:
        pk = int(urlsafe_base64_decode(uid))
    except ValueError:
        return None
    return User.objects.filter(pk=pk, is_active=True).first()
