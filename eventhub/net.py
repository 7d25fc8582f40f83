"""Who is calling: the client's address, trusting only the configured proxies in front of the site."""

from django.conf import settings


def client_address(request) -> str:
    """The address that throttles, sign-in lockouts and logs count against.

    With ``TRUSTED_PROXY_COUNT`` = 0 (the default) this is the socket's address:
    a client cannot choose it by sending X-Forwarded-For. Behind N trusted
    proxies it is the Nth address from the right of X-Forwarded-For, the one
    the outermost trusted proxy saw; anything a client put further left is ignored.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < proxies:
        return forwarded[0] if forwarded else remote
    return forwarded[-proxies]
