"""Tickets, the check-in desk and password resets, attacked from outside on the site deployed as
production runs it.

gunicorn with two workers, DEBUG off, PostgreSQL and Redis (see eventhub/tests/production_server.py);
no Celery broker, so tasks run in the web worker and emails land in the deployment's mailbox
folder. One ticket scanned by two devices at once, undone twice, someone else's event, ticket
and desk, malformed and hostile bodies and queries, and reset links made up. No request may get
a 500, and afterwards the counters match and the server logged no error.
"""

import email
import io
import json
import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from email.message import EmailMessage
from email.policy import default as default_policy
from functools import partial
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import segno
from PIL import Image
from pypdf import PdfReader

from bookings.tickets import ticket_payload
from eventhub.tests.production_server import (
    Answer,
    Client,
    Mailbox,
    deployed,
    manage,
    problem_lines,
    race,
)
from eventhub.tests.test_production_like import (
    NEW_PASSWORD,
    PASSWORD,
    Account,
    Deployment,
    assert_no_server_error,
    assert_refusal,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.concurrency]

RUN = secrets.token_hex(3)
CACHE_DB = 10
ROUNDS = 3
HUGE_ID = "9" * 20  # past the largest id a database column holds
MEGABYTE = 1_000_000
QR_SCALE, QR_BORDER = 6, 2  # as the emailed PNG is drawn (bookings.tickets.qr_png)
EMAIL_SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # between messages in one file of Django's file backend


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # Every account email of a run comes from 127.0.0.1; runs within the hour share the Redis count.
    overrides = {"ACCOUNT_EMAILS_PER_ADDRESS": "1000000"}
    with deployed(tmp_path_factory, name="tickets", cache_db=CACHE_DB, **overrides) as served:
        yield Deployment(served.port, served.env, served.mailbox, [served.log_path])


CAST = {
    "owner": "organizer",  # runs the event
    "rival": "organizer",  # runs another one
    "holder": "attendee",  # holds the ticket
    "stranger": "attendee",  # holds none of the owner's
    "forgetful": "attendee",  # resets their password
}


@pytest.fixture(scope="module")
def people(site) -> dict[str, Account]:
    """Everyone at once: password hashing is slow, and the site has two workers to do it."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        made = pool.map(lambda part: site.account(f"{part}{RUN}", role=CAST[part]), CAST)
        return dict(zip(CAST, made, strict=True))


@pytest.fixture(scope="module")
def event(site, people) -> dict:
    event_id = site.new_event(people["owner"], capacity=10)
    return site.client().get(f"/api/events/{event_id}/").json()


@pytest.fixture(scope="module")
def ticket(site, people, event) -> dict:
    """The holder's confirmed booking at the owner's event, as the API answered it."""
    booked = site.book(people["holder"], event["id"])
    assert booked.status == 201 and booked.json()["status"] == "confirmed", str(booked)
    assert booked.json()["ticket_code"], str(booked)
    return booked.json()


def page_session(site: Deployment, account: Account) -> Client:
    """A browser signed in through the site's own sign-in form."""
    visitor = site.client()
    token = visitor.form_token("/accounts/login/")
    form = {"csrfmiddlewaretoken": token, "username": account.username, "password": PASSWORD}
    signed_in = visitor.post("/accounts/login/", form=form)
    assert signed_in.status == 302 and "sessionid" in visitor.cookies, str(signed_in)
    return visitor


@pytest.fixture(scope="module")
def rival_event(site, people) -> int:
    return site.new_event(people["rival"])


PAGE_VISITORS = ("owner", "holder", "stranger")


@pytest.fixture(scope="module")
def pages(site, people) -> dict[str, Client]:
    with ThreadPoolExecutor(max_workers=len(PAGE_VISITORS)) as pool:
        signed_in = pool.map(lambda part: page_session(site, people[part]), PAGE_VISITORS)
        return dict(zip(PAGE_VISITORS, signed_in, strict=True))


def check_in(site: Deployment, account: Account | None, event_id, code) -> Answer:
    token = account.access if account else None
    return site.client(token).post(f"/api/events/{event_id}/check-ins/", json_body={"code": code})


def undo(site: Deployment, account: Account | None, event_id, booking_id) -> Answer:
    token = account.access if account else None
    return site.client(token).request("DELETE", f"/api/events/{event_id}/check-ins/{booking_id}/")


def assert_error_shape(answer: Answer) -> None:
    """Either ``{"detail", "code"}`` or, for a 400 about fields, DRF's ``{field: [messages]}``."""
    body = answer.json()
    assert isinstance(body, dict) and body, str(answer)
    if set(body) == {"detail", "code"}:
        return
    assert answer.status == 400, str(answer)
    for messages in body.values():
        assert isinstance(messages, list) and all(isinstance(m, str) for m in messages), str(answer)


# Check-in over the API ----------------------------------------------------------------------------


def test_one_ticket_scanned_by_two_devices_at_once_is_checked_in_once(site, people, event, ticket):
    owner = people["owner"]
    scan = partial(check_in, site, owner, event["id"], ticket["ticket_code"])
    for round_ in range(ROUNDS):
        answers = race(scan, scan)
        assert_no_server_error(answers)
        assert sorted(answer.status for answer in answers) == [201, 409], f"round {round_}: {answers}"
        admitted, turned_away = sorted(answers, key=lambda answer: answer.status)
        assert admitted.json()["id"] == ticket["id"]
        assert admitted.json()["count"] == {"checked_in": 1, "confirmed": 1}
        assert_refusal(turned_away, 409, "already_checked_in")

        undone = race(*(partial(undo, site, owner, event["id"], ticket["id"]) for _ in range(2)))
        assert [answer.status for answer in undone] == [204, 204], f"round {round_}: {undone}"


def test_only_the_events_organizer_checks_its_tickets_in(site, people, event, ticket):
    code, booking = ticket["ticket_code"], ticket["id"]
    refusals = race(
        partial(check_in, site, people["rival"], event["id"], code),
        partial(undo, site, people["rival"], event["id"], booking),
        partial(check_in, site, people["holder"], event["id"], code),
        partial(undo, site, people["stranger"], event["id"], booking),
    )
    for answer in refusals:
        assert_refusal(answer, 403)
    assert_refusal(check_in(site, None, event["id"], code), 401)
    for missing in ("0", str(event["id"] + 100_000), HUGE_ID):
        assert_refusal(check_in(site, people["owner"], missing, code), 404)
        assert_refusal(undo(site, people["owner"], missing, booking), 404)
    # None of the refused requests checked it in: the organizer still can, once.
    assert check_in(site, people["owner"], event["id"], code).status == 201
    assert undo(site, people["owner"], event["id"], booking).status == 204


def test_undoing_a_booking_that_is_not_the_events_is_a_404(site, people, event, rival_event):
    elsewhere = site.book(people["stranger"], rival_event)
    assert elsewhere.status == 201, str(elsewhere)
    for booking in (elsewhere.json()["id"], "0", HUGE_ID):
        assert_refusal(undo(site, people["owner"], event["id"], booking), 404, "not_found")
    not_a_number = undo(site, people["owner"], event["id"], "abc")
    assert_refusal(not_a_number, 404, "not_found")


def test_a_ticket_scanned_at_another_organizers_door_does_not_name_its_event(
    site, people, event, ticket, rival_event
):
    scanned = check_in(site, people["rival"], rival_event, ticket["ticket_code"])
    assert_refusal(scanned, 409, "wrong_event")
    assert event["title"] not in scanned.json()["detail"], str(scanned)
    assert "another event" in scanned.json()["detail"], str(scanned)


JSON = "application/json"
# Fullwidth "EVENTHUB-TICKET:xyz", a right-to-left override, a byte order mark and a Fraktur letter.
UNICODE_JUNK = (
    "\uff25\uff36\uff25\uff2e\uff34\uff28\uff35\uff22-TICKET:\uff58\uff59\uff5a\u202e\ufeff\U0001d518"
)


def as_json(value) -> bytes:
    """JSON with every character past ASCII escaped, as \\ud800 must be to reach the site at all."""
    return json.dumps(value).encode()


BAD_CHECK_INS = {
    "not JSON": (JSON, b'{"code": ', {400}),
    "a list": (JSON, as_json(["EVENTHUB-TICKET:abc"]), {400}),
    "no code": (JSON, b"{}", {400}),
    "a null code": (JSON, as_json({"code": None}), {400}),
    "a code that is a list": (JSON, as_json({"code": ["abc"]}), {400}),
    "a 1 MB code": (JSON, as_json({"code": "A" * MEGABYTE}), {400}),
    "a code with NUL": (JSON, as_json({"code": "abcdefghijklmnop\x00qrst"}), {400}),
    "a lone surrogate": (JSON, as_json({"code": "EVENTHUB-TICKET:\ud800abcdefghijklmnop"}), {400}),
    "a NUL in a form": ("application/x-www-form-urlencoded", b"code=abc%00def", {400}),
    "unicode junk": (JSON, as_json({"code": UNICODE_JUNK}), {404}),
    "line separators only": (JSON, as_json({"code": "\u2028\u2029\x1c\x85"}), {404}),
    "a code no ticket has": (JSON, as_json({"code": "EVENTHUB-TICKET:" + "A" * 20 + "\nelse"}), {404}),
    "a number": (JSON, as_json({"code": 12345678901234567890}), {404}),
    "multipart without a boundary": ("multipart/form-data", b"code=abc", {400}),
    "a code sent as a file": (
        "multipart/form-data; boundary=cut",
        b'--cut\r\nContent-Disposition: form-data; name="code"; filename="code.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nEVENTHUB-TICKET:abc\r\n--cut--\r\n",
        {400},
    ),
    "plain text": ("text/plain", b"EVENTHUB-TICKET:abc", {415}),
}


def test_malformed_check_ins_are_refused_in_the_error_shape(site, people, event):
    client = site.client(people["owner"].access)
    path = f"/api/events/{event['id']}/check-ins/"
    sends = [
        partial(client.post, path, body=body, content_type=kind) for kind, body, _ in BAD_CHECK_INS.values()
    ]
    answers = dict(zip(BAD_CHECK_INS, race(*sends), strict=True))
    problems = []
    for name, answer in answers.items():
        try:
            assert answer.status in BAD_CHECK_INS[name][2]
            assert_error_shape(answer)
            assert answer.status != 404 or answer.json()["code"] == "unknown_ticket"
        except AssertionError:
            problems.append(f"{name}: {answer}")
    assert not problems, "\n".join(problems)


# The check-in desk page ---------------------------------------------------------------------------


def desk(event: dict) -> str:
    return f"/manage/events/{event['id']}/check-in/"


def test_the_desk_checks_a_typed_code_in_and_undoes_it(pages, event, ticket):
    owner = pages["owner"]
    token = owner.form_token(desk(event))
    typed = owner.post(
        desk(event), form={"csrfmiddlewaretoken": token, "do": "code", "code": ticket["ticket_code"]}
    )
    assert typed.status == 200 and b"Checked in" in typed.body, str(typed)
    form = {"csrfmiddlewaretoken": token, "do": "undo", "booking": ticket["id"]}
    undone = owner.post(desk(event), form=form, headers={"X-Desk-Fragment": "live"})
    assert undone.status == 200 and undone.headers["X-Desk-Fragment"] == "undone", str(undone)


# Each query and its status: a NUL anywhere in the address is refused before any view (400).
JUNK_SEARCHES = {
    "q=" + "x" * 3000: 200,  # far past the field's 100 characters, within gunicorn's request line
    "q=%00": 400,
    "q=abc%00def": 400,
    "q=%ED%A0%80%ED%A0%80%ED%A0%80": 200,  # a lone surrogate, encoded
    "q=%FF%FE%FD": 200,  # not UTF-8
    "q=%25%25_%5C": 200,  # LIKE's wildcards and its escape
    "q=" + "a+" * 49: 200,  # 49 words
    "q=%F0%9D%94%98%F0%9D%94%AB%E2%80%AE%EF%BB%BF": 200,  # Fraktur letters, a right-to-left override, a BOM
    "q[]=abc&q=abc&q=def": 200,
}


def test_junk_searches_on_the_desk_never_fail(site, pages, event):
    owner = pages["owner"]
    answers = race(*(partial(owner.get, f"{desk(event)}?{query}") for query in JUNK_SEARCHES))
    assert_no_server_error(answers)
    assert [answer.status for answer in answers] == list(JUNK_SEARCHES.values()), answers
    assert b"Type at most 100 letters" in answers[0].body
    # Longer than gunicorn reads in a request line: refused before it reaches the site.
    too_long = owner.get(f"{desk(event)}?q={'x' * 10_000}")
    assert too_long.status == 414, str(too_long)


def test_junk_posted_to_the_desk_never_fails(pages, event, ticket):
    owner = pages["owner"]
    token = owner.form_token(desk(event))
    long_search = {"do": "undo", "booking": ticket["id"], "q": "x" * 10_000}  # undoes nothing, then searches
    forms = [
        long_search,
        {},
        {"do": ""},
        {"do": "drop"},
        {"do": "code\x00"},
        {"do": "CODE", "code": ticket["ticket_code"]},
        {"do": "code", "code": "abc\x00def"},
        {"do": "code", "code": "EVENTHUB-TICKET:" + "A" * MEGABYTE},
        {"do": "code", "code": "\u2028\u2029\x1c"},
        {"do": "booking", "booking": "abc"},
        {"do": "booking", "booking": HUGE_ID},
        {"do": "booking", "booking": "0"},
        {"do": "undo", "booking": "-1"},
        {"do": "undo", "booking": str(ticket["id"] + 100_000)},
    ]
    answers = []
    for headers in ({}, {"X-Desk-Fragment": "live"}):
        sends = [
            partial(owner.post, desk(event), form={"csrfmiddlewaretoken": token, **form}, headers=headers)
            for form in forms
        ]
        answers += race(*sends)
    assert_no_server_error(answers)
    assert {answer.status for answer in answers} <= {200, 400}, answers
    assert b"Type at most 100 letters" in answers[forms.index(long_search)].body
    # The upper-case "CODE" is no action: nothing was checked in.
    assert check_in_count(owner, event) == "0 of 1", "junk checked a ticket in"


def check_in_count(visitor: Client, event: dict) -> str:
    page = visitor.get(desk(event))
    found = re.search(rb'class="desk-count"><strong>(\d+)</strong> of (\d+) checked in', page.body)
    assert found, str(page)
    return f"{int(found.group(1))} of {int(found.group(2))}"


def test_a_desk_post_without_its_csrf_token_is_refused(site, people, pages, event, ticket):
    refused = pages["owner"].post(desk(event), form={"do": "code", "code": ticket["ticket_code"]})
    assert refused.status == 403, str(refused)
    # Not checked in by the refused post: the API can still check it in, once.
    assert check_in(site, people["owner"], event["id"], ticket["ticket_code"]).status == 201
    assert undo(site, people["owner"], event["id"], ticket["id"]).status == 204


def test_the_desk_is_not_found_for_anyone_else(site, pages, event, ticket):
    holder = pages["holder"]
    assert holder.get(desk(event)).status == 404
    token = holder.form_token(f"/bookings/{ticket['id']}/ticket/")
    posted = holder.post(
        desk(event), form={"csrfmiddlewaretoken": token, "do": "code", "code": ticket["ticket_code"]}
    )
    assert posted.status == 404, str(posted)
    assert pages["owner"].get(f"/manage/events/{HUGE_ID}/check-in/").status == 404
    anonymous = site.client().get(desk(event))
    assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/accounts/login/")


# The ticket page and its PDF ----------------------------------------------------------------------


def shown_code(page: Answer) -> str:
    found = re.search(rb'<code class="ticket-code">([^<]+)</code>', page.body)
    assert found, str(page)
    return found.group(1).decode()


def test_the_owner_gets_the_ticket_page_and_pdf_with_the_apis_code(site, people, pages, ticket):
    page = pages["holder"].get(f"/bookings/{ticket['id']}/ticket/")
    assert page.status == 200, str(page)
    from_api = site.client(people["holder"].access).get(f"/api/bookings/{ticket['id']}/")
    assert from_api.status == 200, str(from_api)
    assert shown_code(page) == from_api.json()["ticket_code"] == ticket["ticket_code"]
    assert "private" in page.headers["Cache-Control"], "a shared cache may keep the ticket's code"

    pdf = pages["holder"].get(f"/bookings/{ticket['id']}/ticket.pdf")
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf", str(pdf)
    assert pdf.body.startswith(b"%PDF"), str(pdf)
    assert "private" in pdf.headers["Cache-Control"], "a shared cache may keep the ticket's code"
    text = PdfReader(io.BytesIO(pdf.body)).pages[0].extract_text()
    assert ticket["ticket_code"] in text


def test_someone_elses_or_no_ticket_is_not_found(site, pages, ticket):
    stranger = pages["stranger"]
    for booking in (ticket["id"], ticket["id"] + 100_000, 0, HUGE_ID):
        for page in (f"/bookings/{booking}/ticket/", f"/bookings/{booking}/ticket.pdf"):
            answer = stranger.get(page)
            assert answer.status == 404, str(answer)
            assert ticket["ticket_code"].encode() not in answer.body
    anonymous = site.client().get(f"/bookings/{ticket['id']}/ticket.pdf")
    assert anonymous.status == 302 and anonymous.headers["Location"].startswith("/accounts/login/")


# The confirmation email ---------------------------------------------------------------------------


def messages_to(mailbox: Mailbox, address: str) -> list[EmailMessage]:
    """Every email the site wrote to ``address``, oldest first."""
    found = []
    for written in sorted(mailbox.folder.glob("*.log"), key=lambda file: file.stat().st_mtime):
        for raw in written.read_bytes().split(EMAIL_SEPARATOR):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw, policy=default_policy)
            if address in str(message["To"]):
                found.append(message)
    return found


def plain_text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def qr_modules(png: bytes) -> list[list[int]]:
    """The dark (1) and light (0) modules of a QR code drawn as a PNG, read at each module's centre."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // QR_SCALE - 2 * QR_BORDER
    centres = [(QR_BORDER + n) * QR_SCALE + QR_SCALE // 2 for n in range(size)]
    return [[int(image.getpixel((x, y)) < 128) for x in centres] for y in centres]


def expected_qr(event: dict, ticket: dict) -> list[list[int]]:
    """The QR code the ticket should carry: its code first, then what it is for."""
    booking = SimpleNamespace(
        ticket_code=ticket["ticket_code"],
        event=SimpleNamespace(
            title=event["title"],
            starts_at=datetime.fromisoformat(event["starts_at"]),
            timezone=event["timezone"],
            location=event["location"],
        ),
        ticket_type=SimpleNamespace(name=event["ticket_types"][0]["name"]),
        seat_id=None,
    )
    matrix = segno.make(ticket_payload(booking), error="m", micro=False).matrix
    return [list(row) for row in matrix]


def test_a_booking_emails_its_ticket_with_the_qr_code_of_its_code(site, people, event, ticket):
    holder = f"{people['holder'].username}@example.com"
    confirmations = [m for m in messages_to(site.mailbox, holder) if m["Subject"].startswith("Your ticket")]
    assert len(confirmations) == 1, [m["Subject"] for m in messages_to(site.mailbox, holder)]
    message = confirmations[0]
    assert event["title"] in message["Subject"]
    assert f"/bookings/{ticket['id']}/ticket/" in plain_text(message)
    qr = next(part for part in message.walk() if part["Content-ID"] == "<ticket-qr@eventhub>")
    assert qr.get_content_type() == "image/png"
    assert qr_modules(qr.get_content()) == expected_qr(event, ticket)
    assert any(part.get_content_type() == "text/calendar" for part in message.walk())


# Password reset -----------------------------------------------------------------------------------

RESET = "/api/auth/password-reset/"
RESET_CONFIRM = "/api/auth/password-reset/confirm/"


def test_a_reset_is_answered_alike_whether_or_not_an_account_has_the_address(site, people):
    known = f"{people['forgetful'].username}@example.com"
    unknown = f"nobody{RUN}@example.com"
    client = site.client()
    answers = race(
        *(partial(client.post, RESET, json_body={"email": address}) for address in (known, unknown))
    )
    answers.append(client.post(RESET, json_body={"email": known.upper()}))
    assert_no_server_error(answers)
    assert {(answer.status, answer.body) for answer in answers} == {(202, answers[0].body)}, answers
    links = [m for m in messages_to(site.mailbox, known) if "/accounts/password-reset/" in plain_text(m)]
    assert len(links) == 2, [m["Subject"] for m in messages_to(site.mailbox, known)]
    assert not messages_to(site.mailbox, unknown)


BAD_RESETS = {
    "not JSON": b'{"email": ',
    "a list": as_json(["someone@example.com"]),
    "no email": b"{}",
    "a null email": as_json({"email": None}),
    "an email that is a list": as_json({"email": ["someone@example.com"]}),
    "not an address": as_json({"email": "not-an-address"}),
    "a number": as_json({"email": 42}),
    "a NUL": as_json({"email": "some\x00one@example.com"}),
    "a lone surrogate": as_json({"email": "someone@\ud800.example.com"}),
    "too long": as_json({"email": "a" * 250 + "@example.com"}),
    "a 1 MB address": as_json({"email": "a" * MEGABYTE + "@example.com"}),
}


def test_malformed_reset_requests_are_400s_in_the_error_shape(site):
    client = site.client()
    sends = [partial(client.post, RESET, body=body, content_type=JSON) for body in BAD_RESETS.values()]
    problems = []
    for name, answer in zip(BAD_RESETS, race(*sends), strict=True):
        try:
            assert answer.status == 400
            assert_error_shape(answer)
        except AssertionError:
            problems.append(f"{name}: {answer}")
    assert not problems, "\n".join(problems)


def reset_link(site: Deployment, address: str) -> tuple[str, str]:
    """The uid and token of the newest reset link emailed to ``address``."""
    path = site.mailbox.link(to=address, path="/accounts/password-reset/")
    uid, token = path.strip("/").split("/")[-2:]
    return uid, token


def reset_page(uid: str, token: str) -> str:
    """The emailed link's address on the site, for a made-up uid and token."""
    return f"/accounts/password-reset/{quote(uid, safe='')}/{quote(token, safe='')}/"


def confirm(site: Deployment, uid, token, password: str = NEW_PASSWORD) -> Answer:
    return site.client().post(RESET_CONFIRM, json_body={"uid": uid, "token": token, "new_password": password})


def test_made_up_reset_links_are_invalid_tokens_and_a_real_one_works_once(site, people):
    forgetful = people["forgetful"]
    uid, token = reset_link(site, f"{forgetful.username}@example.com")
    made_up = [
        ("junk", "junk"),
        ("MQ", "c0ffee-0123456789abcdef0123456789abcdef"),
        (uid, "junk-token"),
        (uid, token[:-1] + ("0" if token[-1] != "0" else "1")),
        ("AA", token),  # decodes to a NUL byte
        ("LTE", token),  # decodes to -1
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", token),  # decodes past any id
        ("üü", "\ufeff"),
    ]
    answers = race(*(partial(confirm, site, bad_uid, bad_token) for bad_uid, bad_token in made_up))
    for answer in answers:
        assert_refusal(answer, 400, "invalid_token")
    opened = race(*(partial(site.client().get, reset_page(*link)) for link in made_up))
    for page in opened:
        assert page.status == 200 and b"This link does not work" in page.body, str(page)

    malformed = [confirm(site, bad_uid, token) for bad_uid in ("", "\u2028", "A" * 65, "MQ\x00", "MQ\ud800")]
    for answer in malformed:
        assert answer.status == 400, str(answer)
        assert_error_shape(answer)

    assert confirm(site, uid, token).status == 204
    assert_refusal(confirm(site, uid, token, "Another-Fresh-Password-42"), 400, "invalid_token")
    signed_in = site.sign_in(forgetful.username, NEW_PASSWORD)
    assert signed_in.status == 200, str(signed_in)


# Afterwards ---------------------------------------------------------------------------------------


def test_afterwards_the_counters_match_and_the_server_logged_no_error(site):
    """Last in the module: it judges what every test before it left behind."""
    checked = manage(site.env, "check_booking_counters")
    assert checked.returncode == 0, checked.stderr
    problems = [line for path in site.log_paths for line in problem_lines(path)]
    assert not problems, "\n".join(problems[:20])
