"""eventhub deployed as in production, attacked from outside: races, double clicks and bad bodies.

gunicorn with two sync workers, DEBUG off, PostgreSQL and Redis. Every test only speaks HTTP to
the running site, so what it checks is what a client sees: no answer is a 5xx, and every refusal
has its documented status and the API's error shape. At the end the booking counters must match
the bookings and the server log must hold no traceback and no error line.
"""

import secrets
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from accounts.models import EMAIL_TAKEN, USERNAME_TAKEN
from eventhub.tests.production_server import (
    Answer,
    Client,
    Mailbox,
    confirm_address,
    deployed,
    manage,
    problem_lines,
    race,
    redis_url,
    start_server,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

RUN = secrets.token_hex(3)  # in every name, so runs sharing a Redis database never share a lockout
PASSWORD = "Plum-Orchard-Lantern-2031"
NEW_PASSWORD = "Quiet-Harbour-Signal-77"
ROUNDS = 10
ACCOUNT_ROUNDS = 8  # rounds that each make accounts: password hashing is what the module spends its time on
LOGIN_FAILURES_PER_USERNAME = 5
LOW_RATE = 3  # requests a minute on the throttled server
MAIN_CACHE_DB, THROTTLED_CACHE_DB = 3, 4


@dataclass
class Account:
    id: int
    username: str
    access: str
    refresh: str


@dataclass
class Deployment:
    """The running site and the API calls the tests share."""

    port: int
    env: dict[str, str]
    mailbox: Mailbox
    log_paths: list[Path] = field(default_factory=list)

    def client(self, token: str | None = None) -> Client:
        return Client(self.port, token=token)

    def sign_up(self, username: str, *, email: str | None = None, role: str = "attendee") -> Answer:
        body = {"username": username, "email": email or f"{username}@example.com", "password": PASSWORD}
        return self.client().post("/api/auth/register/", json_body={**body, "role": role})

    def sign_in(self, username: str, password: str = PASSWORD) -> Answer:
        return self.client().post("/api/auth/token/", json_body={"username": username, "password": password})

    def refresh(self, token: str) -> Answer:
        return self.client().post("/api/auth/token/refresh/", json_body={"refresh": token})

    def account(self, username: str, role: str = "attendee") -> Account:
        signed_up = self.sign_up(username, role=role)
        assert signed_up.status == 201, str(signed_up)
        if role == "organizer":
            confirm_address(self.client(), self.mailbox, f"{username}@example.com")
        signed_in = self.sign_in(username)
        assert signed_in.status == 200, str(signed_in)
        tokens = signed_in.json()
        return Account(signed_up.json()["id"], username, tokens["access"], tokens["refresh"])

    def accounts(self, prefix: str, count: int, role: str = "attendee") -> list[Account]:
        """Several accounts at once: password hashing is slow, and the site has two workers to do it."""
        with ThreadPoolExecutor(max_workers=4) as pool:
            return list(pool.map(partial(self.account, role=role), [f"{prefix}{n}" for n in range(count)]))

    def new_event(self, organizer: Account, *, capacity: int = 50) -> int:
        starts = datetime.now(UTC) + timedelta(days=30)
        body = {
            "title": f"Edge case night {secrets.token_hex(2)}",
            "location": "Hall A, 1 Main Street",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "timezone": "UTC",
            "capacity": capacity,
            "status": "published",
        }
        created = self.client(organizer.access).post("/api/events/", json_body=body)
        assert created.status == 201, str(created)
        return created.json()["id"]

    def book(self, account: Account, event: int, **choice) -> Answer:
        return self.client(account.access).post("/api/bookings/", json_body={"event": event, **choice})

    def seated_type(self, organizer: Account, event: int, *, rows: int = 2, seats_per_row: int = 5) -> dict:
        """A seated ticket type laid out through the API, with its seats as the seats endpoint lists them."""
        body = {"name": "Stalls", "seated": True, "layout": {"rows": rows, "seats_per_row": seats_per_row}}
        created = self.client(organizer.access).post(f"/api/events/{event}/ticket-types/", json_body=body)
        assert created.status == 201, str(created)
        ticket_type = created.json()
        seats = self.client().get(f"/api/events/{event}/seats/?ticket_type={ticket_type['id']}")
        assert seats.status == 200, str(seats)
        return {**ticket_type, "seats": seats.json()}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    with deployed(tmp_path_factory, name="edges", cache_db=MAIN_CACHE_DB) as served:
        yield Deployment(served.port, served.env, served.mailbox, [served.log_path])


@pytest.fixture(scope="module")
def throttled_port(deployment, tmp_path_factory):
    """A second server on the same database with low anonymous and sign-in rates and a cache of its own."""
    env = {
        **deployment.env,
        "CACHE_URL": redis_url(THROTTLED_CACHE_DB),
        "THROTTLE_ANON": f"{LOW_RATE}/min",
        "THROTTLE_AUTH": f"{LOW_RATE}/min",
    }
    log_path = tmp_path_factory.mktemp("production-like-throttled") / "gunicorn.log"
    deployment.log_paths.append(log_path)
    server = start_server(env, log_path)
    yield server.port
    server.stop()


@pytest.fixture(scope="module")
def organizer(deployment) -> Account:
    return deployment.account(f"olivia{RUN}", role="organizer")


@pytest.fixture(scope="module")
def attendees(deployment) -> list[Account]:
    return deployment.accounts(f"guest{RUN}n", 3)


def assert_no_server_error(answers) -> None:
    failed = [str(answer) for answer in answers if answer.status >= 500]
    assert not failed, "server errors:\n" + "\n".join(failed)


def assert_refusal(answer: Answer, status: int, code: str | None = None) -> None:
    """The documented status and exactly the API's ``{"detail", "code"}`` shape."""
    assert answer.status == status, str(answer)
    body = answer.json()
    assert isinstance(body, dict) and set(body) == {"detail", "code"}, str(answer)
    assert code is None or body["code"] == code, str(answer)


def fullwidth(text: str) -> str:
    """The same name typed with fullwidth letters (U+FF41 for a, ...), which NFKC folds back to ASCII."""
    return "".join(chr(ord(char) + 0xFEE0) if "!" <= char <= "~" else char for char in text)


# Sign-up ------------------------------------------------------------------------------------------


def _same_but_for_case(taken: str, name: str) -> tuple[dict, dict]:
    if taken == "username":
        return (
            {"username": name.lower(), "email": f"{name}-1@example.com"},
            {"username": name.upper(), "email": f"{name}-2@example.com"},
        )
    return (
        {"username": f"{name}1", "email": f"{name.lower()}@example.com"},
        {"username": f"{name}2", "email": f"{name.upper()}@EXAMPLE.COM"},
    )


@pytest.mark.parametrize("taken, message", [("username", USERNAME_TAKEN), ("email", EMAIL_TAKEN)])
def test_simultaneous_sign_ups_differing_only_in_case_make_one_account(deployment, taken, message):
    for round_ in range(ACCOUNT_ROUNDS):
        first, second = _same_but_for_case(taken, f"Twin{RUN}{taken[0]}{round_}")
        answers = race(partial(deployment.sign_up, **first), partial(deployment.sign_up, **second))
        assert_no_server_error(answers)
        assert sorted(answer.status for answer in answers) == [201, 400], f"round {round_}: {answers}"
        loser = next(answer for answer in answers if answer.status == 400)
        assert loser.json() == {taken: [message]}, str(loser)


DOTLESS_I = "\u0131"  # upper-cases to "I", yet lower-cases to itself, not to "i"


@pytest.mark.parametrize(
    "pair, first, second", [("a", "tilda", f"t{DOTLESS_I}LDA"), ("b", f"t{DOTLESS_I}LDA", "tilda")]
)
def test_usernames_differing_by_a_dotless_i_are_one_name(deployment, pair, first, second):
    tag = f"{RUN}{pair}"
    assert deployment.sign_up(f"{first}{tag}").status == 201
    taken = deployment.sign_up(f"{second}{tag}", email=f"other-{second}{tag}@example.com")
    assert taken.status == 400, str(taken)
    assert taken.json() == {"username": [USERNAME_TAKEN]}, str(taken)
    answers = race(*(partial(deployment.sign_in, f"{name}{tag}") for name in (first, second, first.upper())))
    assert_no_server_error(answers)
    assert answers[0].status == 200, str(answers[0])
    assert {answer.status for answer in answers[1:]} <= {200, 401}, answers


# Sign-in lockout ----------------------------------------------------------------------------------


def _lock_out(deployment: Deployment, username: str, attempts: int) -> list[Answer]:
    answers = race(*(partial(deployment.sign_in, username, f"wrong-{n}") for n in range(attempts)))
    assert_no_server_error(answers)
    return answers


def test_parallel_wrong_passwords_lock_the_username_after_five(deployment):
    username = f"alice{RUN}"
    assert deployment.sign_up(username).status == 201
    answers = _lock_out(deployment, username, 16)
    statuses = Counter(answer.status for answer in answers)
    assert set(statuses) <= {401, 429}, answers
    assert statuses[401] <= LOGIN_FAILURES_PER_USERNAME, f"{statuses[401]} wrong passwords were tried"
    for answer in answers:
        if answer.status == 429:
            assert_refusal(answer, 429, "login_locked")
    assert_refusal(deployment.sign_in(username), 429, "login_locked")
    assert_refusal(deployment.sign_in(fullwidth(username)), 429, "login_locked")


def test_failures_with_the_fullwidth_spelling_lock_the_same_username(deployment):
    username = f"bruno{RUN}"
    assert deployment.sign_up(username).status == 201
    _lock_out(deployment, fullwidth(username), LOGIN_FAILURES_PER_USERNAME)
    assert_refusal(deployment.sign_in(username), 429, "login_locked")


def _admin_sign_in(visitor: Client, username: str, password: str = PASSWORD) -> Answer:
    token = visitor.form_token("/admin/login/")
    form = {"csrfmiddlewaretoken": token, "username": username, "password": password, "next": "/admin/"}
    return visitor.post("/admin/login/?next=/admin/", form=form)


def test_a_locked_username_cannot_sign_in_to_the_admin(deployment):
    username = f"oscar{RUN}"
    assert deployment.sign_up(username, role="organizer").status == 201
    _lock_out(deployment, username, LOGIN_FAILURES_PER_USERNAME + 1)
    visitor = deployment.client()
    admin, api = race(partial(_admin_sign_in, visitor, username), partial(deployment.sign_in, username))
    assert_no_server_error([admin, api])
    assert_refusal(api, 429, "login_locked")
    assert admin.status != 302, f"the admin signed a locked username in: {admin}"
    assert visitor.get("/admin/").status == 302  # still sent to the sign-in page


# Tokens -------------------------------------------------------------------------------------------


def test_one_refresh_token_used_twice_at_once_is_honoured_once(deployment):
    refresh = deployment.account(f"refresher{RUN}").refresh
    for round_ in range(ROUNDS):
        answers = race(partial(deployment.refresh, refresh), partial(deployment.refresh, refresh))
        assert_no_server_error(answers)
        assert sorted(answer.status for answer in answers) == [200, 401], f"round {round_}: {answers}"
        winner, loser = sorted(answers, key=lambda answer: answer.status)
        assert_refusal(loser, 401)
        refresh = winner.json()["refresh"]


def _delete_account(deployment: Deployment, account: Account) -> Answer:
    return deployment.client(account.access).request("DELETE", f"/api/users/{account.id}/")


def test_refreshing_the_token_of_a_deleted_account_is_a_401(deployment):
    leaver = deployment.account(f"leaver{RUN}")
    deleted = _delete_account(deployment, leaver)
    assert deleted.status == 204, str(deleted)
    answers = race(partial(deployment.refresh, leaver.refresh), partial(deployment.refresh, leaver.refresh))
    for answer in answers:
        assert_refusal(answer, 401)


def test_refreshing_while_the_account_is_deleted_never_fails(deployment):
    leaver = deployment.account(f"hasty{RUN}")
    deleted, refreshed = race(
        partial(_delete_account, deployment, leaver), partial(deployment.refresh, leaver.refresh)
    )
    assert_no_server_error([deleted, refreshed])
    assert deleted.status == 204, str(deleted)
    assert refreshed.status in (200, 401), str(refreshed)
    again = deployment.refresh(refreshed.json()["refresh"] if refreshed.status == 200 else leaver.refresh)
    assert_refusal(again, 401)


def test_wrong_current_passwords_lock_the_api_password_change_like_sign_in(deployment):
    account = deployment.account(f"changer{RUN}")
    client = deployment.client(account.access)

    def change(old_password: str) -> Answer:
        body = {"old_password": old_password, "new_password": NEW_PASSWORD}
        return client.post("/api/users/me/password/", json_body=body)

    wrong = race(*(partial(change, f"wrong-{n}") for n in range(LOGIN_FAILURES_PER_USERNAME)))
    assert_no_server_error(wrong)
    for answer in wrong:
        assert answer.status == 400 and "old_password" in answer.json(), str(answer)
    for answer in race(partial(change, "still-wrong"), partial(change, PASSWORD)):
        assert_refusal(answer, 429, "login_locked")


# Bookings racing deletions ------------------------------------------------------------------------


def test_booking_while_the_account_is_deleted_never_fails(deployment, organizer):
    capacity = 100
    event = deployment.new_event(organizer, capacity=capacity)
    kept = 0
    for account in deployment.accounts(f"doomed{RUN}n", ACCOUNT_ROUNDS):
        booked, deleted = race(
            partial(deployment.book, account, event), partial(_delete_account, deployment, account)
        )
        assert_no_server_error([booked, deleted])
        assert booked.status in (201, 401, 404), str(booked)
        assert deleted.status in (204, 409), str(deleted)
        if deleted.status == 409:
            assert_refusal(deleted, 409)
        kept += booked.status == 201 and deleted.status == 409
    seats_left = deployment.client().get(f"/api/events/{event}/").json()["seats_left"]
    assert seats_left == capacity - kept, "a deleted account's seat was not given back"


def test_deleting_an_event_while_it_is_being_booked_never_fails(deployment, organizer, attendees):
    owner = deployment.client(organizer.access)
    for round_ in range(ROUNDS):
        event = deployment.new_event(organizer, capacity=10)
        deleted, *bookings = race(
            partial(owner.request, "DELETE", f"/api/events/{event}/"),
            *(partial(deployment.book, attendee, event) for attendee in attendees),
        )
        assert_no_server_error([deleted, *bookings])
        booked = sum(answer.status == 201 for answer in bookings)
        for answer in bookings:
            if answer.status != 201:
                assert_refusal(answer, 404, "not_found")
        if deleted.status == 204:
            assert booked == 0, f"round {round_}: {booked} booking(s) confirmed for a deleted event"
        else:
            assert_refusal(deleted, 409, "has_bookings")
            seats_left = deployment.client().get(f"/api/events/{event}/").json()["seats_left"]
            assert seats_left == 10 - booked, f"round {round_}"


def test_a_double_click_on_book_books_once(deployment, organizer, attendees):
    for round_ in range(ROUNDS // 2):
        event = deployment.new_event(organizer)
        book = partial(deployment.book, attendees[0], event)
        answers = race(book, book)
        assert_no_server_error(answers)
        assert sorted(answer.status for answer in answers) == [201, 409], f"round {round_}: {answers}"
        assert_refusal(max(answers, key=lambda answer: answer.status), 409, "already_booked")


def test_the_tickets_qr_code_goes_to_its_owner_alone_and_again_only_when_changed(
    deployment, organizer, attendees
):
    booked = deployment.book(attendees[0], deployment.new_event(organizer))
    assert booked.status == 201, str(booked)
    address = urlsplit(booked.json()["ticket_qr_url"]).path
    owner = deployment.client(attendees[0].access)

    answers = race(partial(owner.get, address), partial(owner.get, address))

    assert [answer.status for answer in answers] == [200, 200], answers
    assert answers[0].body == answers[1].body and answers[0].body.startswith(b"<svg")
    assert answers[0].headers["Content-Type"] == "image/svg+xml"
    unchanged = owner.get(address, headers={"If-None-Match": answers[0].headers["ETag"]})
    assert unchanged.status == 304 and not unchanged.body
    for stranger in (attendees[1], organizer):
        assert_refusal(deployment.client(stranger.access).get(address), 404, "not_found")
    assert_refusal(deployment.client().get(address), 401)
    assert_refusal(owner.get("/api/bookings/99999999999999999999/qr/"), 404)


def test_buyers_racing_for_one_seat_get_it_once_and_are_told_where_else_to_sit(
    deployment, organizer, attendees
):
    for round_ in range(ROUNDS // 2):
        event = deployment.new_event(organizer)
        stalls = deployment.seated_type(organizer, event)
        seat = stalls["seats"][2]["id"]
        answers = race(
            *(partial(deployment.book, a, event, ticket_type=stalls["id"], seat=seat) for a in attendees)
        )
        assert_no_server_error(answers)
        assert sorted(answer.status for answer in answers) == [201, 409, 409], f"round {round_}: {answers}"
        for refused in (answer for answer in answers if answer.status == 409):
            assert_refusal(refused, 409, "seat_taken")
            assert "Free seats nearby" in refused.json()["detail"]


def test_a_double_click_on_a_seat_books_it_once(deployment, organizer, attendees):
    event = deployment.new_event(organizer)
    stalls = deployment.seated_type(organizer, event)
    book = partial(
        deployment.book, attendees[0], event, ticket_type=stalls["id"], seat=stalls["seats"][0]["id"]
    )

    answers = race(book, book)

    assert_no_server_error(answers)
    assert sorted(answer.status for answer in answers) == [201, 409]
    assert_refusal(max(answers, key=lambda answer: answer.status), 409, "already_booked")


def test_moving_to_a_seat_while_someone_books_it_sells_it_once(deployment, organizer, attendees):
    event = deployment.new_event(organizer)
    stalls = deployment.seated_type(organizer, event)
    first, wanted = (seat["id"] for seat in stalls["seats"][:2])
    mover, buyer = attendees[:2]
    booked = deployment.book(mover, event, ticket_type=stalls["id"], seat=first)
    assert booked.status == 201, str(booked)
    move = {"ticket_type": stalls["id"], "seat": wanted}

    moved, bought = race(
        partial(
            deployment.client(mover.access).post,
            f"/api/bookings/{booked.json()['id']}/change/",
            json_body=move,
        ),
        partial(deployment.book, buyer, event, ticket_type=stalls["id"], seat=wanted),
    )

    assert_no_server_error([moved, bought])
    assert (moved.status, bought.status) in {(200, 409), (409, 201)}, f"{moved} {bought}"
    seats = deployment.client().get(f"/api/events/{event}/seats/?ticket_type={stalls['id']}").json()
    assert [s["available"] for s in seats[:2]] == ([True, False] if moved.status == 200 else [False, False])


# Bad bodies ---------------------------------------------------------------------------------------

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
TOO_BIG = 3_000_000  # over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB)
BAD_BODIES = {
    "JSON nested 100,000 deep": (JSON, b"[" * 100_000 + b"]" * 100_000, {400}),
    "1,001 form fields": (FORM, urlencode([(f"field{n}", "x") for n in range(1001)]).encode(), {400}),
    "a 3 MB body": (JSON, b'{"padding": "' + b"x" * TOO_BIG + b'"}', {400, 413}),
    "invalid UTF-8": (JSON, b'{"username": "\xff\xfe\xfd"}', {400}),
}
API_WRITES = [
    ("POST", "/api/auth/register/", None),
    ("POST", "/api/auth/token/", None),
    ("POST", "/api/auth/token/refresh/", None),
    ("POST", "/api/auth/logout/", None),
    ("POST", "/api/events/", "organizer"),
    ("PATCH", "/api/events/{event}/", "organizer"),
    ("POST", "/api/events/{event}/ticket-types/", "organizer"),
    ("POST", "/api/bookings/", "attendee"),
    ("PATCH", "/api/users/me/", "attendee"),
    ("POST", "/api/users/me/password/", "attendee"),
]


def _send_bad_bodies(client: Client, method: str, path: str, bodies: dict, headers=None) -> dict[str, Answer]:
    """Every bad body at once, behind one barrier."""
    calls = [
        partial(client.request, method, path, body=body, content_type=kind, headers=headers)
        for kind, body, _ in bodies.values()
    ]
    return dict(zip(bodies, race(*calls), strict=True))


@pytest.mark.parametrize("method, path, who", API_WRITES, ids=[f"{m} {p}" for m, p, _ in API_WRITES])
def test_bad_bodies_get_a_400_in_the_error_shape(deployment, organizer, attendees, method, path, who):
    token = {"organizer": organizer.access, "attendee": attendees[1].access}.get(who)
    if "{event}" in path:
        path = path.format(event=deployment.new_event(organizer))
    answers = _send_bad_bodies(deployment.client(token), method, path, BAD_BODIES)
    problems = []
    for name, answer in answers.items():
        body = answer.json()
        shaped = isinstance(body, dict) and set(body) == {"detail", "code"}
        if answer.status not in BAD_BODIES[name][2] or not shaped:
            problems.append(f"{name}: {answer}")
    assert not problems, "\n".join(problems)


def test_bad_bodies_on_the_sign_in_page_are_refused_not_crashed(deployment):
    visitor = deployment.client()
    token = visitor.form_token("/accounts/login/")
    csrf = f"csrfmiddlewaretoken={token}&".encode()
    bodies = {
        "1,001 form fields": (FORM, csrf + BAD_BODIES["1,001 form fields"][1], {400}),
        "a 3 MB body": (FORM, csrf + b"username=" + b"x" * TOO_BIG, {400, 413}),
        "invalid UTF-8": (FORM, csrf + b"username=\xff\xfe\xfd&password=x", {200, 400}),
        "JSON nested 100,000 deep": (*BAD_BODIES["JSON nested 100,000 deep"][:2], {200, 400, 403}),
    }
    answers = _send_bad_bodies(visitor, "POST", "/accounts/login/", bodies, headers={"X-CSRFToken": token})
    problems = [f"{name}: {a}" for name, a in answers.items() if a.status not in bodies[name][2]]
    assert not problems, "\n".join(problems)


# Throttles and junk queries -----------------------------------------------------------------------

THROTTLED = {"anonymous": ("GET", "/api/events/"), "sign-in": ("POST", "/api/auth/token/")}


@pytest.mark.parametrize("scope", THROTTLED)
def test_rotating_x_forwarded_for_does_not_escape_the_throttle(throttled_port, scope):
    """Every request claims another address; the socket's address is what counts.

    The burst may let a request or two more than the rate through (two workers can read the
    same count at once), so the proof is that the burst meets 429s and that, once it is spent,
    still newer addresses are refused at once.
    """
    method, path = THROTTLED[scope]
    client = Client(throttled_port)

    def send(address: str) -> Answer:
        # A username per request, so the sign-in lockout of one username cannot answer for the throttle.
        body = {"username": f"nobody{RUN}-{address}", "password": "wrong"} if method == "POST" else None
        return client.request(method, path, json_body=body, headers={"X-Forwarded-For": address})

    burst = race(*(partial(send, f"198.51.100.{n}") for n in range(2 * LOW_RATE + 1)))
    after = race(*(partial(send, f"203.0.113.{n}") for n in range(2)))
    assert_no_server_error(burst + after)
    assert any(answer.status == 429 for answer in burst), f"no address in the burst was throttled: {burst}"
    for answer in after:
        assert_refusal(answer, 429, "throttled")
        assert answer.headers["Retry-After"], str(answer)


JUNK_QUERIES = [
    "search=%00",
    "q=%00",
    "starts_at__year=999999999999999999999999",
    "status__exact=%00",
    "title__regex=(",
    "page=abc",
    "p=abc",
    "o=abc",
    "ordering=%00",
]


def test_junk_query_strings_never_fail(deployment, organizer):
    staff_visitor = deployment.client()
    signed_in = _admin_sign_in(staff_visitor, organizer.username)
    assert signed_in.status == 302 and "sessionid" in staff_visitor.cookies, str(signed_in)
    lists = [
        (deployment.client(), "/api/events/"),
        (deployment.client(organizer.access), "/api/events/"),
        (deployment.client(organizer.access), "/api/bookings/"),
        (deployment.client(), "/"),
        (staff_visitor, "/admin/events/event/"),
        (staff_visitor, "/admin/bookings/booking/"),
    ]
    problems = []
    for client, path in lists:
        answers = race(*(partial(client.get, f"{path}?{query}") for query in JUNK_QUERIES))
        problems += [str(answer) for answer in answers if answer.status >= 500]
    assert not problems, "\n".join(problems)


# Afterwards ---------------------------------------------------------------------------------------


def test_afterwards_the_counters_match_and_the_server_logged_no_error(deployment):
    """Last in the module: it judges what every test before it left behind."""
    checked = manage(deployment.env, "check_booking_counters")
    assert checked.returncode == 0, checked.stderr
    problems = [line for path in deployment.log_paths for line in problem_lines(path)]
    assert not problems, "\n".join(problems[:20])
