"""What every page's navigation shows of the community: unread messages and friend requests."""

from django.utils.functional import SimpleLazyObject

from community.navigation import Counts, counts_for


def community(request) -> dict:
    """Read only when a page shows them (lazily, in the navigation), both at once and kept in the
    cache per person (community.navigation); nothing for someone signed out."""
    user = request.user
    counts = SimpleLazyObject(lambda: counts_for(user) if user.is_authenticated else Counts(0, 0))
    return {
        "unread_message_count": SimpleLazyObject(lambda: counts.unread_messages),
        "friend_request_count": SimpleLazyObject(lambda: counts.friend_requests),
    }
