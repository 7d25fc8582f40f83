"""What every page's navigation shows of the community: unread messages and friend requests."""

from django.utils.functional import SimpleLazyObject

from community import messaging
from community.selectors import requests_to


def community(request) -> dict:
    """Counted only when a page shows them (lazily, in the navigation), one query each, once a page;
    nothing for someone signed out."""

    def counted(count):
        return SimpleLazyObject(lambda: count(request.user) if request.user.is_authenticated else 0)

    return {
        "unread_message_count": counted(messaging.unread_count),
        "friend_request_count": counted(lambda user: requests_to(user).count()),
    }
