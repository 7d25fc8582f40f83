"""Posts, comments, likes and shares: who may write, change, hide and pass on what.

Every write that touches a post or a comment locks its row first (the post's row for
comments, which move its comment count). So a comment, a like or a share never races
the deletion of what it is about, and the counters, moved with F() in the same
transaction as the rows they count, stay exact under concurrent requests.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from community.feeds import visible_comments, visible_posts
from community.limits import count_against_limit
from community.models import COMMENT_MAX_LENGTH, POST_MAX_LENGTH, Comment, Like, Post
from eventhub.errors import DomainError, ErrorCode
from events.models import Event

logger = logging.getLogger("eventhub.community")

# Posts (shares included) and comments each: plenty for a conversation, too few for a spam run.

NO_POST = "This post does not exist."
NO_COMMENT = "This comment does not exist."
HIDDEN = "This has been hidden by a moderator."
ONLY_AUTHOR = "Only its author can change it."
ONLY_AUTHOR_OR_STAFF = "Only its author or site staff can delete it."
ONLY_MODERATORS = "Only the event's organizer or site staff can hide or show it."
FRIENDS_ONLY_NOT_SHAREABLE = "A friends-only post cannot be shared."
TOO_FAST = "You are writing too fast. Please wait a few minutes and try again."

Target = Post | Comment


# Posts -------------------------------------------------------------------------------


@transaction.atomic
def create_post(
    *, author, body: str, event: Event | None = None, visibility: str = Post.Visibility.PUBLIC
) -> Post:
    """Post ``body``, about ``event`` or not. A post about an event may leave the words out: it
    shares the event."""
    body = _checked_body(body, limit=POST_MAX_LENGTH, required=event is None)
    if event is not None and not Event.objects.visible_to(author).filter(pk=event.pk).exists():
        raise DomainError(ErrorCode.NOT_FOUND, "This event does not exist.")
    _count_write(author, "posts")
    return Post.objects.create(author=author, body=body, event=event, visibility=visibility)


@transaction.atomic
def share(
    *,
    by,
    post: Post | None = None,
    event: Event | None = None,
    body: str = "",
    visibility: str = Post.Visibility.PUBLIC,
) -> Post:
    """Pass a post or an event on to ``by``'s own readers, with words of their own or none.

    A share of an event is a post about it. A share of a share passes on the post it
    shares. Only a public post that ``by`` can see and nobody hid can be shared: a
    friends-only post stays among friends.
    """
    if (post is None) == (event is None):
        raise TypeError("share() takes a post or an event.")
    if event is not None:
        return create_post(author=by, body=body, event=event, visibility=visibility)
    body = _checked_body(body, limit=POST_MAX_LENGTH, required=False)
    _count_write(by, "posts")
    original = _locked(Post(pk=post.shared_post_id or post.pk))
    _refuse_unless_open(original, by)
    if original.visibility != Post.Visibility.PUBLIC:
        raise DomainError(ErrorCode.NOT_ALLOWED, FRIENDS_ONLY_NOT_SHAREABLE)
    shared = Post.objects.create(author=by, body=body, shared_post=original, visibility=visibility)
    Post.objects.filter(pk=original.pk).update(share_count=F("share_count") + 1)
    return shared


@transaction.atomic
def edit_post(*, post: Post, by, body: str | None = None, visibility: str | None = None) -> Post:
    """Change a post's words or who sees it; only its author may (nobody puts words in their mouth)."""
    post = _locked(post)
    _refuse_unless_author(post, by)
    if body is not None:
        post.body = _checked_body(
            body, limit=POST_MAX_LENGTH, required=not (post.event_id or post.shared_post_id)
        )
    if visibility is not None:
        post.visibility = visibility
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "visibility", "edited_at"])
    return post


@transaction.atomic
def delete_post(*, post: Post, by) -> None:
    """Delete a post with its comments and likes (its author or site staff). Its shares stay,
    without it; deleting a share gives back its place in the shared post's count."""
    post = _locked(post)
    if not (by.pk == post.author_id or by.is_site_staff):
        raise DomainError(ErrorCode.NOT_ALLOWED, ONLY_AUTHOR_OR_STAFF)
    post.delete()
    if post.shared_post_id:
        Post.objects.filter(pk=post.shared_post_id).update(share_count=F("share_count") - 1)


# Comments ----------------------------------------------------------------------------


@transaction.atomic
def create_comment(*, post: Post, author, body: str, reply_to: Comment | None = None) -> Comment:
    """Comment on a post someone can see, or reply to a comment on it.

    Threads are one level deep: a reply to a reply joins the thread of the comment it replies under.
    """
    body = _checked_body(body, limit=COMMENT_MAX_LENGTH)
    _count_write(author, "comments")
    post = _locked(post)
    _refuse_unless_open(post, author)
    if reply_to is not None:
        reply_to = _thread_start(reply_to, post=post, author=author)
    comment = Comment.objects.create(post=post, author=author, body=body, reply_to=reply_to)
    Post.objects.filter(pk=post.pk).update(comment_count=F("comment_count") + 1)
    return comment


def _thread_start(reply_to: Comment, *, post: Post, author) -> Comment:
    """The comment a reply to ``reply_to`` hangs under: ``reply_to``, or the comment it replies to."""
    if reply_to.post_id != post.pk:
        raise _not_found(reply_to)
    _refuse_unless_open(reply_to, author)
    return reply_to.reply_to if reply_to.reply_to_id else reply_to


@transaction.atomic
def edit_comment(*, comment: Comment, by, body: str) -> Comment:
    """Change a comment's words; only its author may."""
    comment = _locked(comment)
    _refuse_unless_author(comment, by)
    comment.body = _checked_body(body, limit=COMMENT_MAX_LENGTH)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(*, comment: Comment, by) -> None:
    """Delete a comment and the replies under it (its author or site staff)."""
    _locked(Post(pk=comment.post_id))  # first, as every write that moves its comment count
    comment = _locked(comment)
    if not (by.pk == comment.author_id or by.is_site_staff):
        raise DomainError(ErrorCode.NOT_ALLOWED, ONLY_AUTHOR_OR_STAFF)
    _, deleted = comment.delete()
    removed = deleted[Comment._meta.label]  # the comment and its replies
    Post.objects.filter(pk=comment.post_id).update(comment_count=F("comment_count") - removed)


# Likes -------------------------------------------------------------------------------


@transaction.atomic
def like(*, by, target: Target) -> int:
    """Like a post or a comment, once: liking it again changes nothing. Its like count after."""
    target = _locked(target)
    _refuse_unless_open(target, by)
    _, created = Like.objects.get_or_create(user=by, **{_kind(target): target})
    return _move_likes(target, 1 if created else 0)


@transaction.atomic
def unlike(*, by, target: Target) -> int:
    """Take back a like; without one, nothing changes. Its like count after."""
    target = _locked(target)
    removed, _ = Like.objects.filter(user=by, **{_kind(target): target}).delete()
    return _move_likes(target, -removed)


def _move_likes(target: Target, by: int) -> int:
    """Move the locked ``target``'s like count ``by`` likes; the count after."""
    if by:
        type(target).objects.filter(pk=target.pk).update(like_count=F("like_count") + by)
    return target.like_count + by


def _kind(target: Target) -> str:
    return "post" if isinstance(target, Post) else "comment"


# Moderation --------------------------------------------------------------------------


def moderates(user, post: Post) -> bool:
    """Site staff, and the organizer of the event a post is about, may hide it and its comments."""
    if not user.is_authenticated:
        return False
    return user.is_site_staff or (post.event_id is not None and post.event.is_managed_by(user))


@transaction.atomic
def hide(*, target: Target, by) -> Target:
    """Hide a post or a comment from everyone but its author and its moderators (kept, not deleted).

    Hiding it again keeps the first time and moderator.
    """
    return _set_hidden(target, by=by, hidden=True)


@transaction.atomic
def unhide(*, target: Target, by) -> Target:
    """Show a hidden post or comment to everyone who could see it before."""
    return _set_hidden(target, by=by, hidden=False)


def _set_hidden(target: Target, *, by, hidden: bool) -> Target:
    target = _locked(target)
    if not moderates(by, target if isinstance(target, Post) else target.post):
        raise DomainError(ErrorCode.NOT_ALLOWED, ONLY_MODERATORS)
    if hidden != target.is_hidden:
        target.hidden_at, target.hidden_by = (timezone.now(), by) if hidden else (None, None)
        target.save(update_fields=["hidden_at", "hidden_by"])
    return target


# Checks ------------------------------------------------------------------------------


def _locked(target: Target) -> Target:
    """``target`` read again with its row locked until the transaction ends; NOT_FOUND once deleted."""
    locked = type(target).objects.select_for_update().filter(pk=target.pk).first()
    if locked is None:
        raise _not_found(target)
    return locked


def _not_found(target: Target) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, NO_POST if isinstance(target, Post) else NO_COMMENT)


def _refuse_unless_open(target: Target, user) -> None:
    """Only what ``user`` can see takes their comments, likes and shares, and only while nobody hid it."""
    is_post = isinstance(target, Post)
    visible = visible_posts(user) if is_post else visible_comments(user).select_related("post")
    seen = visible.filter(pk=target.pk).first()  # as it is now, whatever the caller holds
    if seen is None:
        raise _not_found(target)
    if seen.is_hidden or (not is_post and seen.post.is_hidden):
        raise DomainError(ErrorCode.NOT_ALLOWED, HIDDEN)


def _refuse_unless_author(target: Target, user) -> None:
    if target.author_id != user.pk:
        raise DomainError(ErrorCode.NOT_ALLOWED, ONLY_AUTHOR)


def _checked_body(body: str, *, limit: int, required: bool = True) -> str:
    body = body.strip()
    if required and not body:
        raise DomainError(ErrorCode.INVALID_BODY, "Write something first.", field="body")
    if len(body) > limit:
        raise DomainError(ErrorCode.INVALID_BODY, f"Keep it to {limit:,} characters.", field="body")
    return body


def _count_write(author, kind: str) -> None:
    count_against_limit(author, kind=kind, limit=settings.COMMUNITY_WRITES_PER_WINDOW, message=TOO_FAST)


# Accounts that go -------------------------------------------------------------------


@transaction.atomic
def forget_account(sender, *, user, **kwargs) -> None:
    """accounts.signals.account_deleting: the person's likes, comments and posts go through the rules
    above, so the counts on everyone else's posts and comments stay equal to their rows."""
    for liked in Like.objects.filter(user=user).select_related("post", "comment"):
        unlike(by=user, target=liked.post or liked.comment)
    for pk in Comment.objects.filter(author=user).values_list("pk", flat=True):
        comment = Comment.objects.filter(pk=pk).first()  # gone already when it replied to their own
        if comment is not None:
            delete_comment(comment=comment, by=user)
    for post in Post.objects.filter(author=user):
        delete_post(post=post, by=user)
