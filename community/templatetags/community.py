"""The community on other apps' pages ({% load community %}): an event's discussion, the friends
going, posts and comments (community.cards), and how a person, a body and a time show."""

from django import template
from django.utils.safestring import mark_safe

from accounts.models import User
from community import selectors
from community.cards import Clock, posts_html, threads_html
from community.feeds import posts_as_shown, visible_posts
from community.forms_posts import PostForm
from community.text import render_body
from events.models import Event

register = template.Library()

# Posts an event page shows; the rest are a link away.
DISCUSSION_PREVIEW = 10
# Friends named in "friends going"; the others are counted.
FRIENDS_NAMED = 3


@register.filter
def body_html(text: str) -> str:
    """A post's, a comment's or a message's text as HTML: render_body keeps only safe tags and links."""
    return mark_safe(render_body(text))


@register.filter
def shown_name(person: User) -> str:
    """How the community names a person: as the whole site does (User.name)."""
    return person.name


@register.simple_tag(takes_context=True)
def written_at(context, at) -> str:
    """When a post, comment, message or request was written, in the viewer's time zone."""
    return Clock(context["user"]).html(at)


@register.simple_tag(takes_context=True)
def post_cards(context, posts) -> str:
    """A list of posts as cards, each with its buttons and newest comments (community.cards)."""
    return posts_html(context["request"], posts)


@register.simple_tag(takes_context=True)
def post_card(context, post) -> str:
    """One post as a card, on its own page."""
    return posts_html(context["request"], [post])


@register.simple_tag(takes_context=True)
def comment_threads(context, post, threads) -> str:
    """A post's comments in threads, each with its buttons and a reply form (community.cards)."""
    return threads_html(context["request"], post, threads)


@register.inclusion_tag("community/discussion_section.html", takes_context=True)
def event_discussion(context, event: Event) -> dict:
    """The newest posts about ``event`` (one query), a form to write one and a button to share it."""
    request = context["request"]
    newest = list(
        posts_as_shown(visible_posts(request.user).filter(event=event), request.user)[
            : DISCUSSION_PREVIEW + 1
        ]
    )
    return {
        "event": event,
        "posts": newest[:DISCUSSION_PREVIEW],
        "more": len(newest) > DISCUSSION_PREVIEW,
        "form": PostForm(),
        "request": request,
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("community/discussion_friends_going.html", takes_context=True)
def friends_going(context, event: Event) -> dict:
    """ "3 friends going: Ada, Ben and Chloe", for a signed-in viewer (one query)."""
    viewer = context["request"].user
    if not viewer.is_authenticated:
        return {}
    names = sorted(
        (shown_name(friend) for friend in selectors.friends_going_to(event, viewer)), key=str.casefold
    )
    if not names:
        return {}
    named, others = names[:FRIENDS_NAMED], len(names) - FRIENDS_NAMED
    listed = [*named, f"{others} more"] if others > 0 else named
    sentence = listed[0] if len(listed) == 1 else f"{', '.join(listed[:-1])} and {listed[-1]}"
    return {"count": len(names), "names": sentence}
