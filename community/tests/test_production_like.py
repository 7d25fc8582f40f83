"""The feed's cards and the console's home on the site deployed as production runs it, attacked from
outside.

gunicorn with two workers, DEBUG off, PostgreSQL and Redis (eventhub/tests/production_server.py).
Every button on a card posts with the token the card carries; one person's likes and buttons never
show on another's cards; a double click likes once; a huge or hostile post is refused or shown as
text; each organizer's console home shows their own events and sections, however quickly they
reload it. No answer is a 5xx and the server logs no error.
"""

import html
import re
import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest

from bookings.tests.test_production_like_tickets import page_session
from eventhub.tests.production_server import deployed, problem_lines, race
from eventhub.tests.test_production_like import Account, Deployment, assert_no_server_error

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.concurrency]

RUN = secrets.token_hex(3)
CACHE_DB = 7  # a Redis database no other production-like module uses
MEGABYTE = 1_000_000

CAST = {
    "writer": "attendee",  # writes the posts
    "friend": "attendee",  # the writer's friend, who likes them
    "stranger": "attendee",  # sees the public ones only
    "owner": "organizer",  # runs an event
    "rival": "organizer",  # runs another
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with deployed(tmp_path_factory, name="community", cache_db=CACHE_DB) as served:
        yield Deployment(served.port, served.env, served.mailbox, [served.log_path])


@pytest.fixture(scope="module")
def people(site) -> dict[str, Account]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = pool.map(lambda part: site.account(f"{part}{RUN}", role=CAST[part]), CAST)
        people = dict(zip(CAST, made, strict=True))
    asked = site.client(people["writer"].access).post(
        "/api/friends/requests/", json_body={"user": people["friend"].id}
    )
    assert asked.status == 201, str(asked)
    accepted = site.client(people["friend"].access).post(
        f"/api/friends/requests/{asked.json()['id']}/accept/"
    )
    assert accepted.status == 200, str(accepted)
    return people


@pytest.fixture(scope="module")
def post_id(site, people) -> int:
    written = site.client(people["writer"].access).post(
        "/api/posts/", json_body={"body": f"Who is coming? {RUN}", "visibility": "public"}
    )
    assert written.status == 201, str(written)
    return written.json()["id"]


def card_of(page: str, post_id: int) -> str:
    start = page.index(f'id="post-{post_id}"')
    return page[start : page.index("</article>", start)]


def like_form(card: str) -> dict[str, str]:
    """The card's like (or unlike) button: where it posts and what it sends."""
    form = re.search(r'<form method="post" action="([^"]+/(?:un)?like/)"[^>]*>(.*?)</form>', card, re.S)
    assert form, card
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form.group(2)))
    return {"action": html.unescape(form.group(1)), **{k: html.unescape(v) for k, v in fields.items()}}


def test_a_like_posted_from_the_card_counts_once_and_shows_to_its_giver_only(site, people, post_id):
    friend, stranger = page_session(site, people["friend"]), page_session(site, people["stranger"])
    form = like_form(card_of(friend.get("/feed/").body.decode(), post_id))
    action = form.pop("action")
    assert action.endswith("/like/")

    answers = race(*(lambda: friend.post(action, form=form) for _ in range(4)))  # a quadruple click

    assert_no_server_error(answers)
    assert all(answer.status == 302 for answer in answers), [str(a) for a in answers]
    mine = card_of(friend.get("/feed/").body.decode(), post_id)
    assert "1 like<" in mine and 'aria-pressed="true"' in mine
    theirs = card_of(stranger.get(f"/posts/{post_id}/").body.decode(), post_id)
    assert "1 like<" in theirs and 'aria-pressed="false"' in theirs
    assert "/edit/" not in theirs  # the writer's own buttons are the writer's


def test_a_card_form_posted_with_another_persons_token_is_refused(site, people, post_id):
    friend, stranger = page_session(site, people["friend"]), page_session(site, people["stranger"])
    form = like_form(card_of(friend.get("/feed/").body.decode(), post_id))
    action = form.pop("action")

    stolen = stranger.post(action, form=form)  # the friend's page token, the stranger's cookies

    assert stolen.status == 403, str(stolen)


def test_huge_and_hostile_posts_are_refused_or_shown_as_text(site, people):
    writer = page_session(site, people["writer"])
    form = {"csrfmiddlewaretoken": writer.form_token("/feed/"), "visibility": "public"}
    huge = writer.post("/feed/", form={**form, "body": "x" * (3 * MEGABYTE)})
    hostile = writer.post("/feed/", form={**form, "body": f'<script>alert("{RUN}")</script>'})

    assert_no_server_error([huge, hostile])
    assert 400 <= huge.status < 500, str(huge)
    assert hostile.status == 302, str(hostile)
    feed = writer.get("/feed/").body.decode()
    assert f'<script>alert("{RUN}")' not in feed
    assert f'<div class="post-body"><p>&lt;script&gt;alert("{RUN}")&lt;/script&gt;</p></div>' in feed


def test_each_organizer_reloading_the_console_sees_their_own_events_and_sections(site, people):
    titles = {}
    for part in ("owner", "rival"):
        titles[part] = f"Console night {part} {RUN}"
        made = site.client(people[part].access).post(
            "/api/events/",
            json_body={
                "title": titles[part],
                "location": "Hall A",
                "starts_at": "2031-05-01T19:00:00+00:00",
                "ends_at": "2031-05-01T21:00:00+00:00",
                "timezone": "UTC",
                "capacity": 10,
                "status": "published",
            },
        )
        assert made.status == 201, str(made)
    consoles = {part: page_session(site, people[part]) for part in ("owner", "rival")}

    homes = race(*(lambda part=part: consoles[part].get("/admin/") for part in ("owner", "rival") * 3))

    assert_no_server_error(homes)
    for part, home in zip(("owner", "rival") * 3, homes, strict=True):
        page = home.body.decode()
        other = "rival" if part == "owner" else "owner"
        assert home.status == 200, str(home)
        assert titles[part] in page and titles[other] not in page
        assert "/admin/auth/group/" not in page  # a staff member's section, never an organizer's


def test_the_server_logged_no_error(site, people):
    problems = [line for path in site.log_paths for line in problem_lines(path)]
    assert not problems, "\n".join(problems)
