"""Which posts and comments each person sees, and their feed: the reads every door shows.

Everyone sees public posts; friends-only posts reach the author's friends. Nobody sees
anything of a person they block or who blocks them. Hidden posts and comments stay
visible, marked, to their author and to those who may hide them (the organizer of
the event they are about, and site staff); everyone else no longer sees them.
"""

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value

from bookings.models import Booking
from community.models import Comment, Like, Post
from community.selectors import in_a_block_with, is_friend_of
from events.models import Event


def visible_posts(viewer) -> QuerySet[Post]:
    """The posts ``viewer`` (perhaps anonymous) may see."""
    posts = Post.objects.all()
    if not viewer.is_authenticated:
        return posts.filter(visibility=Post.Visibility.PUBLIC, hidden_at__isnull=True)
    if viewer.is_site_staff:
        return posts
    readable = Q(visibility=Post.Visibility.PUBLIC) | Q(author=viewer) | is_friend_of(viewer, "author")
    return posts.filter(readable, _shown_to(viewer, "event")).exclude(in_a_block_with(viewer, "author"))


def visible_comments(viewer, *, on_posts: list[Post] | None = None) -> QuerySet[Comment]:
    """The comments ``viewer`` may see: on posts they see, by no one in a block with them.

    ``on_posts``: only those on these posts, which the viewer was shown (so they are not checked again).
    """
    if on_posts is None:
        comments = Comment.objects.filter(post__in=visible_posts(viewer))
    else:
        comments = Comment.objects.filter(post__in=[post.pk for post in on_posts])
    if not viewer.is_authenticated:
        return comments.filter(hidden_at__isnull=True)
    if viewer.is_site_staff:
        return comments
    return comments.filter(_shown_to(viewer, "post__event")).exclude(in_a_block_with(viewer, "author"))


def _shown_to(viewer, event_field: str) -> Q:
    """Not hidden; or hidden, but ``viewer`` wrote it or runs the event at ``event_field``."""
    return (
        Q(hidden_at__isnull=True)
        | Q(author=viewer)
        | Q(**{f"{event_field}__in": Event.objects.managed_by(viewer)})
    )


def feed(viewer) -> QuerySet[Post]:
    """What ``viewer`` follows, newest first: their own posts, their friends', and posts about
    the events they hold a place at (confirmed, or held while they pay)."""
    booked = Booking.objects.filter(user=viewer, status__in=Booking.HOLDING_STATUSES).values("event_id")
    followed = Q(author=viewer) | is_friend_of(viewer, "author") | Q(event__in=booked)
    return visible_posts(viewer).filter(followed)


def posts_as_shown(posts: QuerySet[Post], viewer) -> QuerySet[Post]:
    """``posts`` with all a list shows of each, in one query whatever their number.

    ``liked``: whether ``viewer`` likes it. ``shared_post_visible``: whether ``viewer`` may see
    the post it shares (it may have turned friends-only, been hidden, or its author blocked).
    """
    return posts.select_related("author", "event", "shared_post__author", "shared_post__event").annotate(
        liked=_liked_by(viewer, Like.objects.filter(post=OuterRef("pk"))),
        shared_post_visible=Exists(visible_posts(viewer).filter(pk=OuterRef("shared_post_id"))),
    )


def comments_as_shown(comments: QuerySet[Comment], viewer) -> QuerySet[Comment]:
    """``comments`` with their authors and whether ``viewer`` likes each, in one query."""
    return comments.select_related("author").annotate(
        liked=_liked_by(viewer, Like.objects.filter(comment=OuterRef("pk")))
    )


def _liked_by(viewer, likes: QuerySet[Like]):
    if not viewer.is_authenticated:
        return Value(False, output_field=BooleanField())
    return Exists(likes.filter(user=viewer))
