"""How posts and comments show, on every page that lists them: one Jinja2 template, one call a list.

A page of posts shows a hundred buttons and links, each with its address, its CSRF token and its
time in the viewer's zone. Django's template language spent most of a feed's CPU on them (an
include and a chain of lookups for every one); the same markup compiled by Jinja2, with what is the
same for the whole list worked out once per list, costs a fraction of it.
"""

from functools import cache, lru_cache
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template import engines
from django.template.backends.utils import csrf_input
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString
from markupsafe import Markup, escape

from community.models import Comment, Post
from community.posts import moderates
from community.text import render_body

TEMPLATE = "community/includes/cards.jinja"


def posts_html(request, posts: list[Post]) -> SafeString:
    """Each post as a card with its buttons and, where the list gave them (``latest_comments``), its
    newest comments."""
    return _render(request, posts=posts, threads=(), post=None, moderator=False)


def threads_html(request, post: Post, threads: list[Comment]) -> SafeString:
    """A post's comments in threads (``thread_replies``), each with its buttons and a reply form."""
    return _render(request, posts=(), threads=threads, post=post, moderator=moderates(request.user, post))


def _render(request, **shown) -> SafeString:
    viewer, paths = request.user, Paths()
    context = {
        **shown,
        "viewer": viewer,
        "viewer_id": viewer.pk,
        "signed_in": viewer.is_authenticated,
        "here": escape(request.get_full_path()),  # escaped once: every form of the list comes back here
        "path_now": request.path,
        "feed_path": paths.of_view("community:feed"),
        # Read once: every form of the list carries the same token. Only the signed in see forms, and a
        # token asked for would keep a visitor's page out of the cache (events.browse_cache).
        "csrf_input": csrf_input(request) if viewer.is_authenticated else "",
        "path": paths,
        "button": paths.button,
        "person": paths.person_link if viewer.is_authenticated else _name,
        "moderates": lambda post: moderates(viewer, post),
        "written_at": Clock(viewer).html,
        "body_html": lambda text: SafeString(render_body(text)),
    }
    return SafeString(engines["jinja2"].get_template(TEMPLATE).render(context))


def _name(person) -> str:
    return person.name


class Paths:
    """``reverse(name, args=[value])`` for URLs with one argument, at a fraction of its cost: a list
    shows a dozen addresses for each of its posts and comments. The script prefix and the URL
    configuration are read when it is made, so one lasts a request."""

    def __init__(self):
        self.prefix, self.urlconf = get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF

    def __call__(self, name: str, value) -> str:
        head, tail = _path_around(name, self.prefix, self.urlconf)
        shown = str(value) if type(value) is int else quote(str(value), safe=_PATH_SAFE)
        return f"{head}{shown}{tail}"

    def button(self, kind: str, action: str, pk: int) -> str:
        """The address of a button ("like", "hide", ...) under a post or a comment (``kind``)."""
        return self(f"community:{kind}_{action}", pk)

    def of_view(self, name: str) -> str:
        return reverse(name, urlconf=self.urlconf)

    def person_link(self, person) -> Markup:
        """A person as the community names them, linked to their profile (for the signed in)."""
        return Markup(
            f'<a href="{escape(self("community:profile", person.username))}">{escape(person.name)}</a>'
        )


# What reverse() leaves unquoted in a path (RFC 3986 pchar), and an argument no route's words contain.
_PATH_SAFE = "!$&'()*+,;=/~:@"
_MARK = "8675309001"


@lru_cache(maxsize=256)
def _path_around(name: str, prefix: str, urlconf: str) -> tuple[str, str]:
    """The address of ``name`` before and after its one argument (the script prefix and URL
    configuration are in the key, so neither change serves an old address)."""
    head, tail = reverse(name, urlconf=urlconf, args=[_MARK]).split(_MARK)
    return head, tail


class Clock:
    """When things were written, as ``viewer`` reads times: in their time zone (UTC for the signed
    out) and the active language, "2 Jan 2026, 08:30" (Django's "j M Y, H:i", which costs three
    times as much a call)."""

    def __init__(self, viewer):
        self.zone = _zone(getattr(viewer, "timezone", "") or "UTC")
        self.months = _month_abbreviations(translation.get_language())

    def html(self, at) -> Markup:
        if at is None:
            return Markup('<time datetime=""></time>')
        local = timezone.localtime(at, timezone=self.zone)
        day = f"{local.day} {escape(self.months[local.month])} {local.year:04d}"
        return Markup(
            f'<time datetime="{local.isoformat()}">{day}, {local.hour:02d}:{local.minute:02d}</time>'
        )


_zone = lru_cache(maxsize=None)(ZoneInfo)  # ZoneInfo() keeps each zone too, but behind a slower lookup


@cache
def _month_abbreviations(language: str | None) -> tuple[str, ...]:
    """ "Jan" to "Dec" in ``language``, as Django's date format "M" says them, from index 1."""
    with translation.override(language):
        return ("", *(str(MONTHS_3[month]).title() for month in range(1, 13)))
