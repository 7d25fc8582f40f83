"""The feed, post pages and event discussions: what people read and the buttons that change it.

Pages only translate: community.feeds says who sees what, community.posts and
community.reports make every change and refuse what the rules forbid. Each change
is a POST that goes back where the person was (``next``) with a message.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View
from django.views.decorators.http import require_http_methods

from accounts.views import safe_next
from bookings.views import SignInThenReturnMixin
from community import posts, reports
from community.feeds import comments_as_shown, feed, posts_as_shown, visible_comments, visible_posts
from community.forms_posts import CommentForm, PostForm, write_with
from community.models import Comment, Post
from community.selectors import Circle
from eventhub.errors import DomainError, ErrorCode
from events.models import Event

PAGE_SIZE = 20
# Pages that show a form and take it back.
page_with_form = require_http_methods(["GET", "HEAD", "POST"])
# The newest comments a post shows in a list; the rest are on its own page.
LATEST_COMMENTS = 3


def shown_page(request, posts_queryset, circle: Circle | None = None) -> Page:
    """The requested page of ``posts_queryset`` as the viewer sees it, each post with its newest comments.

    Two queries whatever the number of posts: the page, which counts them all too, and the comments.
    ``circle``: the viewer's friends and blocks, if the caller read them (Circle.read).
    """
    viewer = request.user
    listed = posts_as_shown(posts_queryset, viewer, circle).annotate(listed_total=Window(Count("pk")))
    page = counted_page(Paginator(listed, PAGE_SIZE), request.GET.get("page"))
    with_latest_comments(page.object_list, viewer, circle)
    return page


def counted_page(paginator: Paginator, requested) -> Page:
    """``paginator.get_page(requested)``, its count read with its rows (their ``listed_total``) instead
    of by a query of its own. Only a number past the last page costs a count, to show the last page."""
    try:
        number = int(requested or 1)
    except (TypeError, ValueError):
        number = 1
    if number >= 1:
        start = (number - 1) * paginator.per_page
        rows = list(paginator.object_list[start : start + paginator.per_page])
        if rows or number == 1:
            paginator.count = rows[0].listed_total if rows else 0
            page = paginator.page(number)
            page.object_list = rows
            return page
    page = paginator.get_page(number)
    page.object_list = list(page.object_list)
    return page


def with_latest_comments(post_list: list[Post], viewer, circle: Circle | None = None) -> None:
    """Give each post ``latest_comments``: the newest few the viewer may see, oldest first.

    One query, none when no post has a comment. Ranking the comments of each post costs more to build
    than all the rest of the query: it is left out while no post has more than the few shown (its
    ``comment_count``, every comment it has), and the newest few are kept here whatever was read.
    """
    commented = [post for post in post_list if post.comment_count]
    by_post = defaultdict(list)
    if commented:
        for comment in _latest_comments(commented, viewer, circle):
            by_post[comment.post_id].append(comment)
    for post in post_list:
        post.latest_comments = by_post[post.pk][-LATEST_COMMENTS:]


def _latest_comments(post_list: list[Post], viewer, circle: Circle | None):
    comments = comments_as_shown(visible_comments(viewer, on_posts=post_list, circle=circle), viewer)
    if any(post.comment_count > LATEST_COMMENTS for post in post_list):
        newest_first = Window(
            RowNumber(), partition_by=F("post_id"), order_by=[F("created_at").desc(), F("pk").desc()]
        )
        comments = comments.annotate(rank=newest_first).filter(rank__lte=LATEST_COMMENTS)
    return comments.order_by("created_at", "pk")


@page_with_form
@login_required
def feed_page(request):
    """GET: the viewer's feed, 20 posts a page. POST: write a post, then see it on top."""
    form = PostForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and write_with(
        form, lambda data: posts.create_post(author=request.user, **data)
    ):
        messages.success(request, "Posted.")
        return redirect("community:feed")
    circle = Circle.read(request.user)  # one query, then every filter of the page lists ids
    page = shown_page(request, feed(request.user, circle), circle)
    context = {"page_obj": page, "form": form}
    return render(request, "community/feed.html", context, status=400 if form.errors else 200)


@page_with_form
def post_page(request, pk: int):
    """GET: a post and its comments in threads. POST: comment on it, or reply to one of its comments.

    A post the viewer may not see is not found, as one that never was.
    """
    viewer = request.user
    post = get_object_or_404(posts_as_shown(visible_posts(viewer), viewer), pk=pk)
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not viewer.is_authenticated:
            return redirect_to_login(post_url(post))
        comment = write_with(form, lambda data: comment_on(post, viewer, **data))
        if comment:
            return redirect(page_of(comment))
    comments = list(comments_as_shown(visible_comments(viewer).filter(post=post), viewer))
    context = {
        "post": post,
        "threads": threads_of(comments),
        "form": form,
        "moderator": posts.moderates(viewer, post),
    }
    return render(request, "community/post.html", context, status=400 if form.errors else 200)


def comment_on(post: Post, author, *, body: str, reply_to: int | None) -> Comment:
    """Write a comment, or a reply to the comment with id ``reply_to``."""
    answered = None
    if reply_to is not None:
        answered = Comment.objects.filter(pk=reply_to).first()
        if answered is None:
            raise DomainError(ErrorCode.NOT_FOUND, posts.NO_COMMENT)
    return posts.create_comment(post=post, author=author, body=body, reply_to=answered)


def threads_of(comments: list[Comment]) -> list[Comment]:
    """The comments that start a thread, each with ``thread_replies``.

    A reply whose comment the viewer cannot see (hidden, or by someone in a block) starts its own.
    """
    by_pk = {comment.pk: comment for comment in comments}
    for comment in comments:
        comment.thread_replies = []
    starts = []
    for comment in comments:
        parent = by_pk.get(comment.reply_to_id)
        (parent.thread_replies if parent else starts).append(comment)
    return starts


def post_url(post: Post) -> str:
    return reverse("community:post", args=[post.pk])


def page_of(target: Post | Comment) -> str:
    """The page a post or a comment is on: the post's own."""
    if isinstance(target, Post):
        return post_url(target)
    return f"{reverse('community:post', args=[target.post_id])}#comment-{target.pk}"


@page_with_form
def event_posts_page(request, event_id: int):
    """GET: every post about an event, newest first. POST: write one (signed in)."""
    viewer = request.user
    event = get_object_or_404(Event.objects.visible_to(viewer), pk=event_id)
    form = PostForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not viewer.is_authenticated:
            return redirect_to_login(event.get_absolute_url())
        if write_with(form, lambda data: posts.create_post(author=viewer, event=event, **data)):
            messages.success(request, "Posted.")
            return redirect(safe_next(request) or request.path)
    page = shown_page(request, visible_posts(viewer).filter(event=event))
    context = {"event": event, "page_obj": page, "form": form}
    return render(request, "community/discussion.html", context, status=400 if form.errors else 200)


class EventShareView(SignInThenReturnMixin, View):
    """POST: share an event on the viewer's feed, with words of their own or none."""

    http_method_names = ["post"]

    def return_to(self) -> str:
        return reverse("events:detail", args=[self.kwargs["event_id"]])

    def post(self, request, event_id: int):
        event = get_object_or_404(Event.objects.visible_to(request.user), pk=event_id)
        try:
            posts.share(by=request.user, event=event, body=request.POST.get("body", ""))
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "You shared the event.")
        return redirect(safe_next(request) or event)


# One button on a post or a comment --------------------------------------------------


class ActView(SignInThenReturnMixin, View):
    """POST: one action (``act``) on a post or a comment the viewer can see, then back where they were.

    ``act(request, target)`` calls one service and gives the words to say when it is done.
    """

    http_method_names = ["post"]
    model = Post
    act = None

    def return_to(self) -> str:
        return safe_next(self.request) or reverse("community:feed")

    def post(self, request, pk: int):
        visible = visible_posts if self.model is Post else visible_comments
        target = get_object_or_404(visible(request.user), pk=pk)
        try:
            done = self.act(request, target)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            if done:
                messages.success(request, done)
        return redirect(safe_next(request) or self.fallback(target))

    def fallback(self, target) -> str:
        """Where to go back to when the form did not say."""
        return page_of(target)


class DeleteView(ActView):
    def fallback(self, target) -> str:
        """A deleted post's page is gone: back to the feed."""
        return page_of(target) if isinstance(target, Comment) else reverse("community:feed")


def like(request, target) -> None:
    posts.like(by=request.user, target=target)


def unlike(request, target) -> None:
    posts.unlike(by=request.user, target=target)


def hide(request, target) -> str:
    posts.hide(target=target, by=request.user)
    return "Hidden: only its author and moderators see it now."


def unhide(request, target) -> str:
    posts.unhide(target=target, by=request.user)
    return "Shown again to everyone who may see it."


def delete(request, target) -> str:
    if isinstance(target, Post):
        posts.delete_post(post=target, by=request.user)
    else:
        posts.delete_comment(comment=target, by=request.user)
    return "Deleted."


def report(request, target) -> str:
    kind = "post" if isinstance(target, Post) else "comment"
    reports.report(reporter=request.user, reason=request.POST.get("reason", ""), **{kind: target})
    return "Thank you: site staff will look at it."


def share(request, post) -> str:
    posts.share(by=request.user, post=post, body=request.POST.get("body", ""))
    return "Shared on your feed."


# Editing ---------------------------------------------------------------------------


@page_with_form
@login_required
def edit_page(request, pk: int, model=Post):
    """GET: the author's own post or comment in a form. POST: save the change, back to the post."""
    visible = visible_posts if model is Post else visible_comments
    target = get_object_or_404(visible(request.user), pk=pk)
    if target.author_id != request.user.pk:
        raise Http404("Only its author edits it.")
    form_class = PostForm if model is Post else CommentForm
    initial = {"body": target.body, "visibility": getattr(target, "visibility", None)}
    form = form_class(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and write_with(form, lambda data: _edit(target, request.user, data)):
        messages.success(request, "Saved.")
        return redirect(page_of(target))
    context = {"form": form, "is_post": model is Post, "back": page_of(target)}
    return render(request, "community/post_edit.html", context, status=400 if form.errors else 200)


def _edit(target, by, data: dict):
    if isinstance(target, Post):
        return posts.edit_post(post=target, by=by, body=data["body"], visibility=data["visibility"])
    return posts.edit_comment(comment=target, by=by, body=data["body"])
