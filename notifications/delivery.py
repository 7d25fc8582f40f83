"""Sending an email once, whatever runs its task twice."""

from django.db import IntegrityError, transaction

from notifications.models import SentEmail


def send_once(*, key: str, kind: str, user, build) -> bool:
    """Send the message ``build()`` makes unless an email with ``key`` was sent already.

    The key is claimed first (a unique row), so of two runs at once only one sends;
    if sending fails the claim is given back and the error raised, so the task's
    retry sends it later. Returns whether this call sent it.
    """
    try:
        with transaction.atomic():
            claim = SentEmail.objects.create(key=key[:200], kind=kind, user=user)
    except IntegrityError:
        return False
    try:
        build().send()
    except BaseException:
        claim.delete()
        raise
    return True
