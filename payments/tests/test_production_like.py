"""Checkout attacked from outside, on the site deployed as production runs it.

gunicorn with two workers, DEBUG off, PostgreSQL and Redis (see eventhub/tests/production_server.py):
webhooks delivered twice at the same instant to different workers, double clicks on Pay, the same
Idempotency-Key sent twice at once, paying while cancelling, and bad webhook bodies. No request
may get a 500, and afterwards the counters match and the server logged no error.
"""

import hashlib
import hmac
import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import partial

import pytest

from eventhub.tests.production_server import (
    Answer,
    Client,
    Mailbox,
    confirm_address,
    deployed,
    manage,
    problem_lines,
    race,
)
from eventhub.tests.test_production_like import (
    PASSWORD,
    Account,
    assert_no_server_error,
    assert_refusal,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.concurrency]

RUN = secrets.token_hex(3)
WEBHOOK_SECRET = secrets.token_urlsafe(32)
CACHE_DB = 6
ROUNDS = 6


class Shop:
    """The deployed site, and the calls a buyer, an organizer and a card provider make to it."""

    def __init__(self, port: int, env: dict, mailbox: Mailbox, log_path):
        self.port, self.env, self.mailbox, self.log_paths = port, env, mailbox, [log_path]

    def client(self, token: str | None = None) -> Client:
        return Client(self.port, token=token)

    def account(self, username: str, role: str = "attendee") -> Account:
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD, "role": role}
        created = self.client().post("/api/auth/register/", json_body=body)
        assert created.status == 201, str(created)
        if role == "organizer":
            confirm_address(self.client(), self.mailbox, body["email"])
        token = self.client().post("/api/auth/token/", json_body={"username": username, "password": PASSWORD})
        assert token.status == 200, str(token)
        return Account(created.json()["id"], username, token.json()["access"], token.json()["refresh"])

    def priced_event(self, organizer: Account, *, capacity: int = 5) -> tuple[int, int]:
        starts = datetime.now(UTC) + timedelta(days=30)
        body = {
            "title": f"Paid night {secrets.token_hex(2)}",
            "location": "Hall B",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "capacity": capacity,
            "status": "published",
        }
        event = self.client(organizer.access).post("/api/events/", json_body=body)
        assert event.status == 201, str(event)
        event_id = event.json()["id"]
        ticket_type = event.json()["ticket_types"][0]["id"]
        priced = self.client(organizer.access).request(
            "PATCH", f"/api/events/{event_id}/ticket-types/{ticket_type}/", json_body={"price": "25.00"}
        )
        assert priced.status == 200, str(priced)
        return event_id, ticket_type

    def hold(self, buyer: Account, event: int) -> dict:
        booked = self.client(buyer.access).post("/api/bookings/", json_body={"event": event})
        assert booked.status == 201 and booked.json()["status"] == "pending", str(booked)
        return booked.json()

    def pay(self, buyer: Account, booking: int) -> Answer:
        body = {"provider": "test_card", "buyer": {"name": f"{buyer.username} Buyer"}}
        return self.client(buyer.access).post(f"/api/bookings/{booking}/pay/", json_body=body)

    def webhook(self, payload: dict, *, signed_at: int | None = None, body: bytes | None = None) -> Answer:
        body = body if body is not None else json.dumps(payload).encode()
        at = int(time.time()) if signed_at is None else signed_at
        mac = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256).hexdigest()
        return self.client().post(
            "/payments/webhooks/test_card/",
            body=body,
            content_type="application/json",
            headers={"X-Eventhub-Signature": f"t={at},v1={mac}"},
        )

    def paid_webhook(self, reference: str) -> dict:
        return {"reference": reference, "outcome": "paid", "amount": "25.00", "currency": "EUR", "id": "tc_1"}

    def booking(self, buyer: Account, booking: int) -> dict:
        answer = self.client(buyer.access).get(f"/api/bookings/{booking}/")
        assert answer.status == 200, str(answer)
        return answer.json()

    def invoices(self, buyer: Account) -> list[dict]:
        answer = self.client(buyer.access).get("/api/invoices/?page_size=100")
        assert answer.status == 200, str(answer)
        return answer.json()["results"]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    overrides = {
        "TEST_CARD_ENABLED": "1",
        "TEST_CARD_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DEFAULT_CURRENCY": "EUR",
    }
    with deployed(tmp_path_factory, name="pay", cache_db=CACHE_DB, **overrides) as served:
        yield Shop(served.port, served.env, served.mailbox, served.log_path)


@pytest.fixture(scope="module")
def organizer(shop) -> Account:
    return shop.account(f"paula{RUN}", role="organizer")


@pytest.fixture(scope="module")
def buyers(shop) -> list[Account]:
    return [shop.account(f"payer{RUN}n{n}") for n in range(3)]


def test_one_webhook_delivered_twice_at_once_confirms_and_invoices_once(shop, organizer, buyers):
    for round_ in range(ROUNDS):
        buyer = buyers[round_ % len(buyers)]
        event, _ = shop.priced_event(organizer)
        booking = shop.hold(buyer, event)
        started = shop.pay(buyer, booking["id"])
        assert started.status == 201, str(started)
        reference = started.json()["payment"]["reference"]
        invoices_before = len(shop.invoices(buyer))

        answers = race(*(partial(shop.webhook, shop.paid_webhook(reference)) for _ in range(2)))

        assert_no_server_error(answers)
        assert [answer.status for answer in answers] == [200, 200], f"round {round_}: {answers}"
        assert shop.booking(buyer, booking["id"])["status"] == "confirmed"
        assert len(shop.invoices(buyer)) == invoices_before + 1, f"round {round_}"


def test_a_double_click_on_pay_opens_one_payment(shop, organizer, buyers):
    event, _ = shop.priced_event(organizer)
    booking = shop.hold(buyers[0], event)

    answers = race(*(partial(shop.pay, buyers[0], booking["id"]) for _ in range(2)))

    assert_no_server_error(answers)
    assert [answer.status for answer in answers] == [201, 201], str(answers)
    references = {answer.json()["payment"]["reference"] for answer in answers}
    assert len(references) == 1, str(answers)


def test_the_same_idempotency_key_sent_twice_at_once_books_once(shop, organizer, buyers):
    for round_ in range(ROUNDS):
        event, _ = shop.priced_event(organizer)
        key = f"book-{RUN}-{round_}"
        book = partial(
            shop.client(buyers[1].access).post,
            "/api/bookings/",
            json_body={"event": event},
            headers={"Idempotency-Key": key},
        )
        answers = race(book, book)
        assert_no_server_error(answers)
        statuses = sorted(answer.status for answer in answers)
        assert statuses in ([201, 201], [201, 409]), f"round {round_}: {answers}"
        if statuses == [201, 409]:
            assert_refusal(max(answers, key=lambda a: a.status), 409, "request_in_progress")
        else:  # the second came after the first had finished: the stored answer, word for word
            assert answers[0].body == answers[1].body, f"round {round_}"
        replay = book()
        assert replay.status == 201 and replay.json()["id"] == answers[0].json().get(
            "id", replay.json()["id"]
        )


def test_paying_while_cancelling_never_keeps_money_for_a_cancelled_ticket(shop, organizer, buyers):
    for round_ in range(ROUNDS):
        buyer = buyers[2]
        event, _ = shop.priced_event(organizer)
        booking = shop.hold(buyer, event)
        reference = shop.pay(buyer, booking["id"]).json()["payment"]["reference"]
        cancel = partial(shop.client(buyer.access).post, f"/api/bookings/{booking['id']}/cancel/")

        answers = race(partial(shop.webhook, shop.paid_webhook(reference)), cancel)

        assert_no_server_error(answers)
        after = shop.booking(buyer, booking["id"])
        assert after["status"] == "cancelled", f"round {round_}: {answers}"
        assert after["payment"]["state"] in ("refunded", "cancelled"), f"round {round_}: {after}"


@pytest.mark.parametrize(
    ("name", "body", "signed"),
    [
        ("not json", b"{not json", True),
        ("a list", b"[1, 2]", True),
        ("no reference", json.dumps({"outcome": "paid", "amount": "1", "currency": "EUR"}).encode(), True),
        (
            "unknown outcome",
            json.dumps({"reference": "x", "outcome": "maybe", "amount": "1", "currency": "EUR"}).encode(),
            True,
        ),
        (
            "amount not a number",
            json.dumps({"reference": "x", "outcome": "paid", "amount": "lots", "currency": "EUR"}).encode(),
            True,
        ),
        ("unsigned", b"{}", False),
        ("huge", b"{" + b" " * 3_000_000 + b"}", True),
    ],
)
def test_bad_webhooks_are_refused_in_the_error_shape(shop, name, body, signed):
    if signed:
        answer = shop.webhook({}, body=body)
    else:
        answer = shop.client().post(
            "/payments/webhooks/test_card/", body=body, content_type="application/json"
        )
    assert answer.status in (400, 404, 413), f"{name}: {answer}"
    assert answer.status == 413 or set(answer.json()) == {"detail", "code"}, f"{name}: {answer}"


def test_a_replayed_webhook_and_one_for_another_provider_are_refused(shop, organizer, buyers):
    event, _ = shop.priced_event(organizer)
    booking = shop.hold(buyers[0], event)
    reference = shop.pay(buyers[0], booking["id"]).json()["payment"]["reference"]
    old = shop.webhook(shop.paid_webhook(reference), signed_at=int(time.time()) - 3600)
    assert_refusal(old, 400, "invalid_webhook")
    other = shop.client().post("/payments/webhooks/pigeon/", body=b"{}", content_type="application/json")
    assert_refusal(other, 400, "invalid_provider")
    assert shop.booking(buyers[0], booking["id"])["status"] == "pending"


def test_someone_elses_booking_cannot_be_paid_or_seen(shop, organizer, buyers):
    event, _ = shop.priced_event(organizer)
    booking = shop.hold(buyers[0], event)
    assert_refusal(shop.pay(buyers[1], booking["id"]), 404, "not_found")
    checkout = shop.client().get(f"/payments/checkout/{booking['id']}/")
    assert checkout.status in (302, 404), str(checkout)


def test_afterwards_the_counters_match_and_the_server_logged_no_error(shop):
    """Last in the module: it judges what every test before it left behind."""
    checked = manage(shop.env, "check_booking_counters")
    assert checked.returncode == 0, checked.stderr
    problems = [line for path in shop.log_paths for line in problem_lines(path)]
    assert not problems, "\n".join(problems[:20])
