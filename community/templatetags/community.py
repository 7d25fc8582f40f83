"""The community on other apps' pages ({% load community %}): an event's discussion, the friends
going, and how posts show a person and a body."""

from functools import lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django import template
from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import dateformat, timezone
from django.utils.html import format_html
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


@register.simple_tag(takes_context=True)
def person_link(context, person: User) -> str:
    """A person as the community names them: a link to their profile for the signed in."""
    if not context["user"].is_authenticated:
        return shown_name(person)
    return format_html(
        '<a href="{}">{}</a>', path_of("community:profile", person.username), shown_name(person)
    )


@register.simple_tag(takes_context=True)
def written_at(context, at) -> str:
    """When a post, comment, message or request was written, in the viewer's time zone."""
    if at is None:
        return format_html('<time datetime=""></time>')
    local = timezone.localtime(at, timezone=_zone(getattr(context["user"], "timezone", "") or "UTC"))
    return format_html(
        '<time datetime="{}">{}</time>', local.isoformat(), dateformat.format(local, "j M Y, H:i")
    )


_zone = lru_cache(maxsize=None)(ZoneInfo)  # ZoneInfo() keeps each zone too, but behind a slower lookup


# Which buttons each kind of thing has, by the name of their URL ("community:post_like", ...).
ACTIONS = {
    "post": ("like", "unlike", "hide", "unhide", "report", "edit", "delete", "share"),
    "comment": ("like", "unlike", "hide", "unhide", "report", "edit", "delete"),
}


@register.filter
def action_paths(thing) -> dict[str, str]:
    """The addresses of the buttons on a post or a comment, by action: {"like": "/posts/7/like/", ...}."""
    kind = thing._meta.model_name
    return {action: path_of(f"community:{kind}_{action}", thing.pk) for action in ACTIONS[kind]}


@register.filter
def path_of(name: str, value) -> str:
    """``reverse(name, args=[value])`` for a URL with one argument, at a fraction of its cost: a list
    shows a dozen addresses for each of its posts and comments."""
    head, tail = _path_around(name, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
    return f"{head}{quote(str(value), safe=_PATH_SAFE)}{tail}"


# What reverse() leaves unquoted in a path (RFC 3986 pchar), and an argument no route's words contain.
_PATH_SAFE = "!$&'()*+,;=/~:@"
_MARK = "8675309001"


@lru_cache(maxsize=256)
def _path_around(name: str, prefix: str, urlconf: str) -> tuple[str, str]:
    """The address of ``name`` before and after its one argument (the script prefix and URL
    configuration are in the key, so neither change serves an old address)."""
    head, tail = reverse(name, urlconf=urlconf, args=[_MARK]).split(_MARK)
    return head, tail


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
