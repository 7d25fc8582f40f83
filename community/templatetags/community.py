"""The community on other apps' pages ({% load community %}): an event's discussion, the friends
going, and how posts show a person and a body."""

from django import template
from django.utils.safestring import mark_safe

from accounts.models import User
from community import selectors
from community.feeds import posts_as_shown, visible_posts
from community.forms_posts import PostForm
from community.posts import moderates
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


@register.filter
def moderated_by(post, user) -> bool:
    """Whether ``user`` may hide ``post`` and its comments."""
    return moderates(user, post)


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
