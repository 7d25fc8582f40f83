"""The helpers that show posts and comments say what the slower general ones say: the same
addresses as reverse(), the same times in the viewer's time zone."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.urls import reverse, set_script_prefix

from accounts.tests.factories import UserFactory
from community.cards import Paths


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("community:post", 7),
        ("community:comment_like", 1234567890),
        ("community:profile", "ada"),
        ("community:profile", "ada.l+b@x_y-z"),
        ("community:profile", "Zoë"),
        ("community:profile", "8675309001"),
    ],
)
def test_paths_are_what_reverse_gives(name, value):
    assert Paths()(name, value) == reverse(name, args=[value])


def test_paths_follow_the_script_prefix():
    Paths()("community:post", 7)  # remembered under the root prefix
    set_script_prefix("/site/")
    try:
        assert Paths()("community:post", 7) == reverse("community:post", args=[7]) == "/site/posts/7/"
    finally:
        set_script_prefix("/")


def written_at(at, user) -> str:
    return Template("{% load community %}{% written_at at %}").render(Context({"at": at, "user": user}))


@pytest.mark.django_db
def test_times_show_in_the_viewer_s_time_zone():
    at = datetime(2026, 1, 1, 23, 30, tzinfo=UTC)

    shown = written_at(at, UserFactory(timezone="Asia/Tokyo"))

    assert shown == '<time datetime="2026-01-02T08:30:00+09:00">2 Jan 2026, 08:30</time>'


def test_times_show_in_utc_to_the_signed_out():
    at = datetime(2026, 3, 9, 7, 5, tzinfo=UTC)

    assert (
        written_at(at, AnonymousUser())
        == '<time datetime="2026-03-09T07:05:00+00:00">9 Mar 2026, 07:05</time>'
    )
