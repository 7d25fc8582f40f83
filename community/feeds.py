"""Which posts and comments each person sees, and their feed: the reads every door shows.

Everyone sees public posts; friends-only posts reach the author's friends. Nobody sees
anything of a person they block or who blocks them. Hidden posts and comments stay
visible, marked, to their author and to those who may hide them (the organizer of
the event they are about, and site staff); everyone else no longer sees them.
"""

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value

from bookings.models import Booking
from community.models import Comment, Like, Post
from community.selectors import Circle
from events.models import Event, runs_any


def visible_posts(viewer, circle: Circle | None = None) -> QuerySet[Post]:
    """The posts ``viewer`` (perhaps anonymous) may see.

    ``circle``: the viewer's friends and blocks, when the caller read them (Circle.read) to filter
    several queries by them; they are subqueries otherwise.
    """
    return Post.objects.filter(_may_see(viewer, circle))


def _may_see(viewer, circle: Circle | None, post: str = "") -> Q:
    """A filter: ``viewer`` may see the post at ``post`` ("" for the row itself, "shared_post__" for the
    post it shares). Everything for site staff."""
    if not viewer.is_authenticated:
        return Q(**{f"{post}visibility": Post.Visibility.PUBLIC, f"{post}hidden_at__isnull": True})
    if viewer.is_site_staff:
        return Q()
    circle = circle or Circle(viewer)
    readable = (
        Q(**{f"{post}visibility": Post.Visibility.PUBLIC})
        | Q(**{f"{post}author": viewer})
        | circle.friends(f"{post}author")
    )
    return readable & _shown_to(viewer, post, f"{post}event") & circle.unblocked(f"{post}author")


def visible_comments(
    viewer, *, on_posts: list[Post] | None = None, circle: Circle | None = None
) -> QuerySet[Comment]:
    """The comments ``viewer`` may see: on posts they see, by no one in a block with them.

    ``on_posts``: only those on these posts, which the viewer was shown (so they are not checked again).
    """
    if on_posts is None:
        comments = Comment.objects.filter(post__in=visible_posts(viewer, circle))
    else:
        comments = Comment.objects.filter(post__in=[post.pk for post in on_posts])
    if not viewer.is_authenticated:
        return comments.filter(hidden_at__isnull=True)
    if viewer.is_site_staff:
        return comments
    circle = circle or Circle(viewer)
    return comments.filter(_shown_to(viewer, "", "post__event"), circle.unblocked("author"))


def _shown_to(viewer, at: str, event_field: str) -> Q:
    """The row (its fields at ``at``) is not hidden; or it is, but ``viewer`` wrote it or runs the event
    at ``event_field``."""
    shown = Q(**{f"{at}hidden_at__isnull": True}) | Q(**{f"{at}author": viewer})
    if runs_any(viewer):  # nobody else runs an event: no need to look
        shown |= Q(**{f"{event_field}__in": Event.objects.managed_by(viewer)})
    return shown


def feed(viewer, circle: Circle | None = None) -> QuerySet[Post]:
    """What ``viewer`` follows, newest first: their own posts, their friends', and posts about
    the events they hold a place at (confirmed, or held while they pay)."""
    circle = circle or Circle(viewer)
    booked = Booking.objects.filter(user=viewer, status__in=Booking.HOLDING_STATUSES).values("event_id")
    followed = Q(author=viewer) | circle.friends("author") | Q(event__in=booked)
    return Post.objects.filter(_may_see(viewer, circle), followed)


def posts_as_shown(posts: QuerySet[Post], viewer, circle: Circle | None = None) -> QuerySet[Post]:
    """``posts`` with all a list shows of each, in one query whatever their number.

    ``liked``: whether ``viewer`` likes it. ``shared_post_visible``: whether ``viewer`` may see
    the post it shares (it may have turned friends-only, been hidden, or its author blocked).
    """
    may_see_shared = _may_see(viewer, circle, "shared_post__")
    shared_post_visible = ExpressionWrapper(may_see_shared, BooleanField()) if may_see_shared else _TRUE
    return (
        posts.select_related("author", "event", "shared_post__author", "shared_post__event")
        .only(*_post_columns(""), *_post_columns("shared_post__"))
        .annotate(
            liked=_liked_by(viewer, "post"),
            shared_post_visible=shared_post_visible,
        )
    )


_TRUE = Value(True, output_field=BooleanField())


def comments_as_shown(comments: QuerySet[Comment], viewer) -> QuerySet[Comment]:
    """``comments`` with their authors and whether ``viewer`` likes each, in one query."""
    return (
        comments.select_related("author")
        .only(*_columns(Comment, ""), *_person_columns("author__"))
        .annotate(liked=_liked_by(viewer, "comment"))
    )


# What a list shows of the people and events that posts and comments are tied to: a person's names
# (User.name), an event's title (its address) and organizer (who moderates it). Their other columns
# stay unread: a list then costs a fraction to build and to load.
PERSON_SHOWN = ("username", "display_name", "first_name", "last_name")
EVENT_SHOWN = ("title", "organizer")


def _post_columns(at: str) -> list[str]:
    return [
        *_columns(Post, at),
        *_person_columns(f"{at}author__"),
        *(f"{at}event__{name}" for name in EVENT_SHOWN),
    ]


def _person_columns(at: str) -> list[str]:
    return [f"{at}{name}" for name in PERSON_SHOWN]


def _columns(model, at: str) -> list[str]:
    return [f"{at}{field.name}" for field in model._meta.concrete_fields]


def _liked_by(viewer, kind: str):
    """Whether ``viewer`` likes the row, a post or a comment (``kind``)."""
    if not viewer.is_authenticated:
        return Value(False, output_field=BooleanField())
    return Exists(Like.objects.filter(**{kind: OuterRef("pk")}, user=viewer))
