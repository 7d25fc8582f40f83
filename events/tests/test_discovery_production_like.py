"""Categories, tags, places, series and organizer requests on the site deployed as production runs it,
attacked from outside.

gunicorn with two workers, DEBUG off, PostgreSQL and Redis (eventhub/tests/production_server.py), and
a second server on the same database taking organizers on approval. One event made a series twice at
once, a series cancelled by a double click, junk in the list's filters and in the new fields,
someone else's events and series, and an online event's joining link looked for wherever the event
shows. No answer is a 5xx, every refusal has its status and code, and the servers log no error.
"""

import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from bookings.tests.test_production_like_tickets import page_session
from eventhub.tests.production_server import Answer, Client, deployed, problem_lines, race, start_server
from eventhub.tests.test_production_like import Account, Deployment, assert_no_server_error, assert_refusal
from events.series import WEEKDAY_NAMES
from events.tests.factories import picture_bytes
from events.tests.test_images_production_like import path_of, put_picture

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.concurrency]

RUN = secrets.token_hex(3)
CACHE_DB = 12  # a Redis database no other production-like module uses
ROUNDS = 3
DATES = 4  # dates of each series made here
HUGE_ID = "9" * 20  # past the largest id a database column holds
MEGABYTE = 1_000_000
JOINING_LINK = f"https://meet.example.com/room-{secrets.token_hex(8)}"

CAST = {
    "owner": "organizer",  # runs the events and series
    "rival": "organizer",  # runs events of their own
    "holder": "attendee",  # holds a ticket to the online event
    "stranger": "attendee",  # holds none
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    overrides = {"MEDIA_ROOT": str(tmp_path_factory.mktemp("discovery-media"))}
    with deployed(tmp_path_factory, name="discovery", cache_db=CACHE_DB, **overrides) as served:
        yield Deployment(served.port, served.env, served.mailbox, [served.log_path])


@pytest.fixture(scope="module")
def approval_port(site, tmp_path_factory):
    """A second server on the same database that takes new organizers on approval."""
    log_path = tmp_path_factory.mktemp("discovery-approval") / "gunicorn.log"
    site.log_paths.append(log_path)
    server = start_server({**site.env, "ORGANIZER_SIGNUP": "approval"}, log_path)
    yield server.port
    server.stop()


@pytest.fixture(scope="module")
def people(site) -> dict[str, Account]:
    """Everyone at once: password hashing is slow, and the site has two workers to do it."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = pool.map(lambda part: site.account(f"{part}{RUN}", role=CAST[part]), CAST)
        return dict(zip(CAST, made, strict=True))


def starts_in(days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=19, minute=0, second=0, microsecond=0)


def event_body(*, days: int = 30, **fields) -> dict:
    starts = starts_in(days)
    return {
        "title": f"Probe night {secrets.token_hex(4)}",
        "location": "Hall A",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + timedelta(hours=2)).isoformat(),
        "timezone": "UTC",
        "capacity": 20,
        "status": "published",
        **fields,
    }


def new_event(site: Deployment, account: Account, **fields) -> dict:
    created = site.client(account.access).post("/api/events/", json_body=event_body(**fields))
    assert created.status == 201, str(created)
    return created.json()


def weekly(event: dict, count: int = DATES) -> dict:
    """A body repeating ``event`` every week on its own weekday (its clock is UTC's)."""
    weekday = WEEKDAY_NAMES[datetime.fromisoformat(event["starts_at"]).weekday()].lower()
    return {"event": event["id"], "frequency": "weekly", "weekdays": [weekday], "count": count}


def new_series(site: Deployment, account: Account, **fields) -> tuple[dict, list[dict]]:
    """A weekly series made through the API, and its dates as /api/events/ lists them, soonest first."""
    made = site.client(account.access).post(
        "/api/series/", json_body=weekly(new_event(site, account, **fields))
    )
    assert made.status == 201, str(made)
    return made.json(), dates_of(site.client(account.access), made.json()["id"])


def dates_of(client: Client, series_id: int) -> list[dict]:
    listed = client.get(f"/api/events/?series={series_id}&ordering=starts_at&page_size=100")
    assert listed.status == 200, str(listed)
    return listed.json()["results"]


def page(client: Client, path: str) -> Answer:
    """A page as a browser shows it: an event's address without its slug redirects to the one with it."""
    answer = client.get(path)
    if answer.status in (301, 302):
        answer = client.get(answer.headers["Location"])
    return answer


def sequence(client: Client, event_id: int) -> int:
    """The revision an event's calendar entry carries: raised once each time it is cancelled or moved."""
    calendar = client.get(f"/api/events/{event_id}/calendar.ics/")
    assert calendar.status == 200, str(calendar)
    return int(re.search(rb"SEQUENCE:(\d+)", calendar.body).group(1))


# Series ---------------------------------------------------------------------------------------


def test_one_event_made_a_series_twice_at_once_makes_one_series(site, people):
    owner = site.client(people["owner"].access)
    owned = partial(owner.get, f"/api/events/?organizer={people['owner'].id}&page_size=1")
    for round_ in range(ROUNDS):
        event = new_event(site, people["owner"], days=30 + round_)
        before = owned().json()["count"]
        answers = race(*[partial(owner.post, "/api/series/", json_body=weekly(event))] * 2)

        assert_no_server_error(answers)
        assert sorted(answer.status for answer in answers) == [201, 409], f"round {round_}: {answers}"
        assert_refusal(next(answer for answer in answers if answer.status == 409), 409, "already_in_series")
        made = next(answer for answer in answers if answer.status == 201).json()
        dates = dates_of(owner, made["id"])
        assert (dates[0]["id"], len(dates)) == (event["id"], DATES)
        assert owned().json()["count"] == before + DATES - 1
        series = owner.get("/api/series/?page_size=100").json()["results"]
        assert [one["id"] for one in series if one["title"] == event["title"]] == [made["id"]]


def test_a_series_is_one_entry_of_the_list_and_each_date_offers_the_others(site, people):
    made, dates = new_series(site, people["owner"])
    word = made["title"].split()[-1]

    listed = site.client().get(f"/?search={word}")
    assert listed.status == 200, str(listed)
    assert listed.body.count(b'class="card event-card"') == 1
    assert f"and {DATES - 1} more dates".encode() in listed.body

    second = page(site.client(), f"/events/{dates[1]['id']}/")
    assert second.status == 200, str(second)
    assert b"Other dates" in second.body
    for other in (date for date in dates if date["id"] != dates[1]["id"]):
        assert f"/events/{other['id']}/".encode() in second.body


def test_each_date_of_a_series_keeps_picture_files_of_its_own(site, people):
    owner = site.client(people["owner"].access)
    event = new_event(site, people["owner"], days=80)
    assert put_picture(owner, event["id"], picture_bytes()).status == 200
    made = owner.post("/api/series/", json_body=weekly(event))
    assert made.status == 201, str(made)
    dates = dates_of(owner, made.json()["id"])
    cards = [path_of(date["image"]["card"]) for date in dates]
    assert len(set(cards)) == DATES

    removed = owner.request("DELETE", f"/api/events/{dates[1]['id']}/image/")
    replaced = put_picture(owner, event["id"], picture_bytes(color="orange"))

    assert (removed.status, replaced.status) == (204, 200), (removed, replaced)
    assert [site.client().get(card).status for card in cards] == [404, 404, 200, 200]


def test_a_double_click_on_cancel_cancels_each_date_once(site, people):
    owner = site.client(people["owner"].access)
    for round_ in range(2):
        made, dates = new_series(site, people["owner"], days=40 + round_)
        booked = site.book(people["holder"], dates[0]["id"])
        assert booked.status == 201, str(booked)
        revisions = {date["id"]: sequence(owner, date["id"]) for date in dates}
        cancel = partial(owner.post, f"/api/series/{made['id']}/cancel/")

        answers = race(cancel, cancel)

        assert_no_server_error(answers)
        assert sorted(answer.status for answer in answers) == [200, 409], f"round {round_}: {answers}"
        assert_refusal(next(answer for answer in answers if answer.status == 409), 409, "already_cancelled")
        assert {date["status"] for date in dates_of(owner, made["id"])} == {"cancelled"}
        assert {key: sequence(owner, key) for key in revisions} == {
            key: revision + 1 for key, revision in revisions.items()
        }
        ticket = site.client(people["holder"].access).get(f"/api/bookings/{booked.json()['id']}/")
        assert ticket.json()["event_status"] == "cancelled", str(ticket)
        assert_refusal(cancel(), 409, "already_cancelled")


# Junk -----------------------------------------------------------------------------------------

LISTS = ("/", "/api/events/")
# A query and how the API and the list page answer it: the page reports a bad filter and ignores it,
# shows its last page past the end, and, like the API, refuses a NUL anywhere in the address.
JUNK_FILTERS = {
    "city=" + "x" * 4_000: (200, 200),  # cut to what search reads
    # Longer than gunicorn reads in a request line: refused before it reaches the site.
    "city=" + "x" * 10_000: (414, 414),
    "city=M%00nchen": (400, 400),
    "city=%ff%fe": (200, 200),
    "tag=%00": (400, 400),
    "tag=" + "jazz" * 1_000: (200, 200),
    "tag=%3Cscript%3Ealert(1)%3C/script%3E": (200, 200),
    "tag=---": (200, 200),
    "category=../../etc": (400, 200),
    "category=%2e%2e%2f%2e%2e%2fetc%2fpasswd": (400, 200),
    "category=music&category=tech": (200, 200),
    "ordering=-popularity,title": (200, 200),
    "ordering=-popularity,-popularity,nope": (400, 200),
    "ordering=-popularity%00": (400, 400),
    "attendance[]=x": (200, 200),
    "attendance=both": (400, 200),
    "attendance=online&attendance=in_person": (200, 200),
    "series=" + HUGE_ID: (400, 200),
    "page=" + HUGE_ID: (404, 200),
    "page=-1&ordering=-popularity&city=x&tag=y&category=music&attendance=online": (404, 200),
}


@pytest.fixture(scope="module")
def listed_event(site, people) -> dict:
    """An in-person event with a category, tags and a city, so every filter has something to compare."""
    fields = {
        "category": "music",
        "tags": ["Jazz", "Open air"],
        "city": "München",
        "address": "Marienplatz 1",
    }
    return new_event(site, people["owner"], **fields)


def test_the_new_filters_find_what_they_promise(site, listed_event):
    for query in ("category=music", "tag=JAZZ", "tag=open-air", "city=munchen", "attendance=in_person"):
        answer = site.client().get(f"/api/events/?{query}&ordering=-popularity,title&page_size=100")
        assert answer.status == 200, str(answer)
        assert listed_event["id"] in [event["id"] for event in answer.json()["results"]], query
    assert site.client().get("/api/events/?tag=blues").json()["count"] == 0


@pytest.mark.parametrize("city", ["!!!", "-", "%E2%80%94"])
def test_a_city_of_punctuation_finds_no_event(site, people, city):
    new_event(site, people["owner"], attendance="online", online_url=JOINING_LINK)  # it has no city
    listed = site.client().get(f"/api/events/?city={city}")
    assert listed.status == 200, str(listed)
    assert listed.json()["count"] == 0, [event["city"] for event in listed.json()["results"]]


def test_simultaneous_writes_of_new_tags_make_each_tag_once(site, people):
    word = f"fresh{RUN}"
    spellings = [word, word.upper(), f" {word.title()} ", f"{word}!"]
    owner = site.client(people["owner"].access)
    create = [
        partial(owner.post, "/api/events/", json_body=event_body(tags=[s, "Late night"])) for s in spellings
    ]
    created = race(*create)
    assert_no_server_error(created)
    assert [answer.status for answer in created] == [201] * len(spellings), created
    event = created[0].json()["id"]
    retag = [
        partial(owner.request, "PATCH", f"/api/events/{event}/", json_body={"tags": [w]})
        for w in ("a1", "b2")
    ]
    retagged = race(*retag)
    assert_no_server_error(retagged)

    tagged = site.client().get(f"/api/events/?tag={word}&page_size=100").json()
    assert tagged["count"] == len(spellings) - 1
    names = {name for one in tagged["results"] for name in one["tags"]}
    assert len(names) == 2 and "Late night" in names, names  # each tag once, in the spelling first written
    assert site.client().get(f"/api/events/{event}/").json()["tags"] in (["a1"], ["b2"])


def test_junk_in_the_filters_is_refused_or_ignored_and_the_page_still_renders(site, listed_event):
    asked = [(path, query) for query in JUNK_FILTERS for path in LISTS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda ask: site.client().get(f"{ask[0]}?{ask[1]}"), asked))

    assert_no_server_error(answers)
    got = {(path, query[:60]): answer.status for (path, query), answer in zip(asked, answers, strict=True)}
    expected = {
        (path, query[:60]): JUNK_FILTERS[query][0 if path.startswith("/api/") else 1] for path, query in asked
    }
    assert got == expected
    for (path, query), answer in zip(asked, answers, strict=True):
        if path == "/" and answer.status == 200:
            assert b'<form method="get" class="filters"' in answer.body, query[:60]
            assert b"<script>alert(1)" not in answer.body
        elif path.startswith("/api/") and answer.status in (400, 404):
            assert answer.json(), str(answer)
    refused = dict(zip(asked, answers, strict=True))
    assert set(refused["/api/events/", "category=../../etc"].json()) == {"category"}
    assert set(refused["/api/events/", "attendance=both"].json()) == {"attendance"}
    assert_refusal(refused["/api/events/", "page=" + HUGE_ID], 404, "not_found")
    assert_refusal(refused["/api/events/", "tag=%00"], 400, "bad_request")


# Each bad value of a new field, and the field its refusal names.
JUNK_FIELDS = [
    ({"tags": {"jazz": True}}, "tags"),
    ({"tags": "jazz"}, "tags"),
    ({"tags": [f"tag{n}" for n in range(10_000)]}, "tags"),
    ({"tags": ["x" * MEGABYTE]}, "tags"),
    ({"tags": [None, {"a": 1}, ["b"]]}, "tags"),
    ({"tags": ["\u0000"]}, "tags"),
    ({"tags": ["🎷🎺"]}, "tags"),
    ({"category": {"slug": "music"}}, "category"),
    ({"category": "../../etc"}, "category"),
    ({"category": ["music"]}, "category"),
    ({"map_url": "javascript:alert(1)"}, "map_url"),
    ({"map_url": "https://openstreetmap.org.evil.example/"}, "map_url"),
    ({"online_url": "https://meet.example.com/x"}, "online_url"),  # on an event held in person
    ({"attendance": "online", "online_url": "javascript:alert(1)"}, "online_url"),
    ({"attendance": "both"}, "attendance"),
    ({"attendance": ["online"]}, "attendance"),
    ({"city": "x" * 10_000}, "city"),
    ({"address": "\u0000"}, "address"),
]


def test_junk_in_the_new_fields_is_400_naming_the_field(site, people, listed_event):
    owner = site.client(people["owner"].access)
    sent = [
        *(partial(owner.post, "/api/events/", json_body=event_body(**junk)) for junk, _ in JUNK_FIELDS),
        *(
            partial(owner.request, "PATCH", f"/api/events/{listed_event['id']}/", json_body=junk)
            for junk, _ in JUNK_FIELDS
        ),
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda send: send(), sent))

    assert_no_server_error(answers)
    fields = [field for _, field in JUNK_FIELDS] * 2
    assert [(answer.status, set(answer.json() or ())) for answer in answers] == [(400, {f}) for f in fields]
    shown = site.client().get(f"/api/events/{listed_event['id']}/").json()
    assert (shown["tags"], shown["category"], shown["city"]) == (["Jazz", "Open air"], "music", "München")


# Letters that folding or slugifying turns into more letters: "ß" folds to "ss", "ﬃ" to "ffi". Stored
# copies of them in columns as long as the field itself overflow on PostgreSQL.
GROWING = {"title": "ß" * 200, "location": "ﬃ" * 300, "description": "ß" * 10_000}
OVERFLOWING = {
    "city": "ß" * 51,  # a city of 51 letters folds to a city_key of 102, in a column of 100
    "tags": ["ﬃ" * 14],  # a tag of 14 letters slugifies to 42 letters, in a slug column of 40
}


@pytest.mark.parametrize("field", GROWING)
def test_text_of_letters_that_grow_when_folded_is_kept(site, people, field):
    created = site.client(people["owner"].access).post(
        "/api/events/", json_body=event_body(**{field: GROWING[field]})
    )
    assert created.status == 201, str(created)
    assert created.json()[field] == GROWING[field]


@pytest.mark.parametrize("method", ["POST", "PATCH"])
@pytest.mark.parametrize("field", OVERFLOWING)
def test_a_city_or_tag_that_grows_when_folded_is_kept_or_refused(site, people, listed_event, field, method):
    owner = site.client(people["owner"].access)
    if method == "POST":
        answer = owner.post("/api/events/", json_body=event_body(**{field: OVERFLOWING[field]}))
    else:
        answer = owner.request(
            "PATCH", f"/api/events/{listed_event['id']}/", json_body={field: OVERFLOWING[field]}
        )
    assert answer.status in (200, 201, 400), str(answer)
    assert answer.status != 400 or set(answer.json()) == {field}, str(answer)


def test_an_online_event_turned_in_person_must_drop_its_joining_link(site, people):
    event = new_event(site, people["owner"], attendance="online", online_url=JOINING_LINK)
    owner = site.client(people["owner"].access)
    moved = owner.request("PATCH", f"/api/events/{event['id']}/", json_body={"attendance": "in_person"})
    assert (moved.status, set(moved.json())) == (400, {"online_url"}), str(moved)
    dropped = {"attendance": "in_person", "online_url": "", "address": "Hall B"}
    assert owner.request("PATCH", f"/api/events/{event['id']}/", json_body=dropped).status == 200


def test_junk_in_a_series_request_is_400_naming_the_field(site, people):
    owner = site.client(people["owner"].access)
    event = new_event(site, people["owner"], days=60)
    base = weekly(event)
    bodies = [
        ({**base, "event": {"id": event["id"]}}, "event"),
        ({**base, "event": HUGE_ID}, "event"),
        ({**base, "weekdays": ["funday"]}, "weekdays"),
        ({**base, "weekdays": "monday"}, "weekdays"),
        ({**base, "frequency": "daily"}, "frequency"),
        ({**base, "count": 10**30}, "count"),
        ({**base, "count": None, "until": "9999-12-31"}, "until"),
        ({**base, "count": None, "until": "0001-01-01"}, "until"),
        ({**base, "interval": -(10**30)}, "interval"),
        ({**base, "nth": 5}, "nth"),
        ({**base, "frequency": "monthly", "nth": 1}, "weekdays"),  # the event is on no first weekday
    ]
    answers = [owner.post("/api/series/", json_body=body) for body, _ in bodies]
    ends_missing = owner.post("/api/series/", json_body={**base, "count": None})
    # The same weekday sent 10,000 times is that weekday once: a good rule, made once.
    repeated = owner.post("/api/series/", json_body={**base, "weekdays": base["weekdays"] * 10_000})

    assert_no_server_error([*answers, ends_missing, repeated])
    assert [(answer.status, set(answer.json())) for answer in answers] == [(400, {f}) for _, f in bodies]
    assert_refusal(ends_missing, 400, "invalid_recurrence")
    assert repeated.status == 201, str(repeated)
    assert len(dates_of(owner, repeated.json()["id"])) == DATES


def test_nobody_else_repeats_cancels_or_pictures_someone_elses_events(site, people):
    rival, stranger = site.client(people["rival"].access), site.client(people["stranger"].access)
    made, dates = new_series(site, people["owner"], days=50)
    draft = new_event(site, people["owner"], days=51, status="draft")
    draft_series = site.client(people["owner"].access).post("/api/series/", json_body=weekly(draft)).json()

    # Someone else's event the rival may see: what the API answers for any other change to it.
    patched = rival.request("PATCH", f"/api/events/{dates[1]['id']}/", json_body={"title": "Mine"})
    assert_refusal(patched, 403, "permission_denied")
    assert_refusal(rival.post("/api/series/", json_body=weekly(dates[0])), 403, "not_allowed")
    assert_refusal(rival.post(f"/api/series/{made['id']}/cancel/"), 403, "permission_denied")
    assert_refusal(put_picture(rival, dates[1]["id"], picture_bytes()), 403, "permission_denied")
    assert_refusal(stranger.post("/api/series/", json_body=weekly(dates[0])), 403, "permission_denied")

    # Someone else's drafts are answered as if they did not exist.
    unseen = rival.post("/api/series/", json_body=weekly(draft))
    nowhere = rival.post("/api/series/", json_body={**weekly(draft), "event": draft["id"] + 10**9})
    assert (unseen.status, set(unseen.json())) == (400, {"event"}), str(unseen)
    assert str(unseen).replace(str(draft["id"]), "N") == str(nowhere).replace(str(draft["id"] + 10**9), "N")
    assert_refusal(rival.post(f"/api/series/{draft_series['id']}/cancel/"), 404, "not_found")
    assert_refusal(rival.post(f"/api/series/{HUGE_ID}/cancel/"), 404, "not_found")
    assert_refusal(put_picture(rival, draft["id"], picture_bytes()), 404, "not_found")
    assert_refusal(put_picture(rival, HUGE_ID, picture_bytes()), 404, "not_found")
    assert {date["status"] for date in dates_of(rival, made["id"])} == {"published"}
    assert site.client().get(f"/api/events/{dates[1]['id']}/").json()["image"] is None


# The joining link -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def online_series(site, people) -> list[dict]:
    """An online weekly series with a joining link; the holder has a ticket to its first date."""
    _, dates = new_series(site, people["owner"], days=70, attendance="online", online_url=JOINING_LINK)
    booked = site.book(people["holder"], dates[0]["id"])
    assert booked.status == 201 and booked.json()["status"] == "confirmed", str(booked)
    return dates


def addresses_showing(site: Deployment, people, dates: list[dict]) -> list[str]:
    return [
        "/",
        "/?attendance=online",
        f"/?search={dates[0]['title'].split()[-1]}",
        *(f"/events/{date['id']}/" for date in dates),
        "/api/events/?attendance=online&page_size=100",
        *(f"/api/events/{date['id']}/" for date in dates),
        f"/api/series/{dates[0]['series']}/",
        f"/api/events/{dates[0]['id']}/calendar.ics/",
        f"/events/{dates[0]['id']}/calendar.ics",
        f"/organizers/{people['owner'].username}/",
        "/events/calendar/?month=" + datetime.fromisoformat(dates[0]["starts_at"]).strftime("%Y-%m"),
        "/sitemap.xml",
    ]


def test_the_joining_link_shows_to_nobody_but_ticket_holders_and_who_runs_it(site, people, online_series):
    stranger_page = page_session(site, people["stranger"])
    visitors = {
        "anonymous": site.client(),
        "stranger": site.client(people["stranger"].access),
        "stranger's browser": stranger_page,
        "rival": site.client(people["rival"].access),
    }
    addresses = addresses_showing(site, people, online_series)
    for who, visitor in visitors.items():
        for address in addresses:
            answer = page(visitor, address)
            assert answer.status == 200, f"{who}: {answer}"
            assert JOINING_LINK.encode() not in answer.body, f"{who} sees the joining link at {address}"
            assert b"room-" not in answer.body, f"{who} sees part of the joining link at {address}"

    # Those who may see it do, so the looking above was at the right places.
    holder_page = page(page_session(site, people["holder"]), f"/events/{online_series[0]['id']}/")
    assert JOINING_LINK.encode() in holder_page.body
    owner = site.client(people["owner"].access)
    assert owner.get(f"/api/events/{online_series[1]['id']}/").json()["online_url"] == JOINING_LINK


# Organizer requests ---------------------------------------------------------------------------


def test_a_double_click_on_asking_to_organize_makes_one_request(site, approval_port, people):
    asker = site.account(f"asker{RUN}")
    approval = Client(approval_port, token=asker.access)
    ask = partial(approval.post, "/api/users/me/organizer-request/", json_body={"note": "Jazz nights"})

    answers = race(ask, ask)

    assert_no_server_error(answers)
    assert sorted(answer.status for answer in answers) == [201, 409], answers
    assert_refusal(next(answer for answer in answers if answer.status == 409), 409, "already_requested")
    assert approval.get("/api/users/me/organizer-request/").json()["status"] == "pending"
    open_site = site.client(asker.access)
    assert_refusal(open_site.post("/api/users/me/organizer-request/", json_body={}), 404, "not_found")
    assert_refusal(Client(approval_port).post("/api/users/me/organizer-request/"), 401, "not_authenticated")
    already = Client(approval_port, token=people["owner"].access)
    assert_refusal(already.post("/api/users/me/organizer-request/", json_body={}), 409, "already_organizer")


def test_junk_in_a_request_to_organize_is_400_on_its_note(site, approval_port):
    asker = site.account(f"junker{RUN}")
    approval = Client(approval_port, token=asker.access)
    for note in ({"a": 1}, ["x"], "x" * MEGABYTE, "\u0000"):
        answer = approval.post("/api/users/me/organizer-request/", json_body={"note": note})
        assert (answer.status, set(answer.json() or ())) == (400, {"note"}), str(answer)
    assert approval.get("/api/users/me/organizer-request/").status == 404


def test_the_servers_logged_no_error(site):
    assert [line for path in site.log_paths for line in problem_lines(path)] == []
