"""Idempotency-Key on the API's writes: a retried booking or payment is answered again, never done twice."""

import logging
import threading
import uuid
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import OperationalError, connection
from redis.exceptions import ConnectionError as RedisConnectionError
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import book, cancel_booking
from eventhub import idempotency
from events.tests.factories import EventFactory, TicketTypeFactory
from payments.models import Payment

pytestmark = pytest.mark.django_db

BOOKINGS = "/api/bookings/"
BUYER = {"name": "Ada Lovelace"}
# A Redis cache on a port where nothing listens: every read and write is refused.
CACHE_DOWN = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


def key() -> dict:
    return {"HTTP_IDEMPOTENCY_KEY": str(uuid.uuid4())}


def errors_logged(caplog):
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


@pytest.fixture
def signed_in(api_client, attendee):
    api_client.force_authenticate(attendee)
    return api_client


@pytest.fixture
def held(attendee, published_event):
    vip = TicketTypeFactory(event=published_event, name="VIP", price=Decimal("25.00"), capacity=5)
    return book(user=attendee, event=published_event, ticket_type=vip)


def pay_url(booking) -> str:
    return f"{BOOKINGS}{booking.pk}/pay/"


# Replays ---------------------------------------------------------------------------


def test_a_repeated_booking_gets_the_first_answer_and_books_once(signed_in, attendee, published_event):
    headers = key()

    first = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)
    again = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Booking.objects.filter(user=attendee).count() == 1


def test_a_repeated_payment_gets_the_first_answer_and_starts_one_payment(signed_in, held):
    headers = key()

    first = signed_in.post(pay_url(held), {"provider": "test_card", "buyer": BUYER}, **headers)
    again = signed_in.post(pay_url(held), {"provider": "test_card", "buyer": BUYER}, **headers)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert Payment.objects.filter(booking=held).count() == 1


def test_a_refusal_is_replayed_too_not_tried_again(signed_in, attendee, other_attendee):
    event = EventFactory(capacity=1)
    taken = book(user=other_attendee, event=event)
    headers = key()
    full = signed_in.post(BOOKINGS, {"event": event.pk}, **headers)
    cancel_booking(booking=taken, by=other_attendee)  # a place is free now

    again = signed_in.post(BOOKINGS, {"event": event.pk}, **headers)

    assert full.status_code == again.status_code == 409
    assert again.json() == {"detail": full.json()["detail"], "code": "event_full"}
    assert not Booking.objects.filter(user=attendee).exists()


def test_without_a_key_every_request_is_its_own(signed_in, published_event):
    first = signed_in.post(BOOKINGS, {"event": published_event.pk})
    again = signed_in.post(BOOKINGS, {"event": published_event.pk})

    assert (first.status_code, again.status_code) == (201, 409)
    assert "Idempotent-Replayed" not in again


def test_a_key_is_each_users_own(api_client, attendee, other_attendee, published_event):
    headers = key()
    answers = []
    for user in (attendee, other_attendee):
        api_client.force_authenticate(user)
        answers.append(api_client.post(BOOKINGS, {"event": published_event.pk}, **headers))

    assert [answer.status_code for answer in answers] == [201, 201]
    assert answers[0].json()["id"] != answers[1].json()["id"]
    assert "Idempotent-Replayed" not in answers[1]


def test_a_replay_is_remembered_for_24_hours(signed_in, published_event, monkeypatch):
    timeouts = []
    remember = cache.set

    def set_and_note(cache_key, value, timeout):
        if cache_key.startswith("idempotency:"):  # not the throttles' counts
            timeouts.append(timeout)
        remember(cache_key, value, timeout)

    monkeypatch.setattr(cache, "set", set_and_note)

    signed_in.post(BOOKINGS, {"event": published_event.pk}, **key())

    assert timeouts == [24 * 60 * 60]


def test_a_form_encoded_request_is_replayed_like_json(signed_in, attendee, published_event):
    headers = key()
    body = f"event={published_event.pk}"

    first = signed_in.generic("POST", BOOKINGS, body, "application/x-www-form-urlencoded", **headers)
    again = signed_in.generic("POST", BOOKINGS, body, "application/x-www-form-urlencoded", **headers)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert Booking.objects.filter(user=attendee).count() == 1


# Conflicts ---------------------------------------------------------------------------


def test_a_repeat_while_the_first_still_runs_is_409_request_in_progress(
    signed_in, attendee, published_event, monkeypatch
):
    """The repeat arrives while the first request is inside the booking service."""
    headers, repeats = key(), []

    def book_while_repeated(**kwargs):
        repeats.append(signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers))
        return book(**kwargs)

    monkeypatch.setattr("bookings.api.book", book_while_repeated)

    first = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    assert first.status_code == 201
    (repeat,) = repeats
    assert repeat.status_code == 409
    assert repeat.json()["code"] == "request_in_progress"
    assert Booking.objects.filter(user=attendee).count() == 1


def test_the_same_key_with_another_body_is_422(signed_in, attendee, published_event):
    other = EventFactory()
    headers = key()
    signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    response = signed_in.post(BOOKINGS, {"event": other.pk}, **headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert not Booking.objects.filter(user=attendee, event=other).exists()


def test_the_same_key_at_another_address_is_422(signed_in, held, published_event):
    headers = key()
    signed_in.post(pay_url(held), {"provider": "test_card", "buyer": BUYER}, **headers)

    response = signed_in.post(BOOKINGS, {"provider": "test_card", "buyer": BUYER}, **headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"


def test_another_body_while_the_first_still_runs_is_422(signed_in, published_event, monkeypatch):
    headers, repeats = key(), []
    other = EventFactory()

    def book_while_reused(**kwargs):
        repeats.append(signed_in.post(BOOKINGS, {"event": other.pk}, **headers))
        return book(**kwargs)

    monkeypatch.setattr("bookings.api.book", book_while_reused)

    signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    assert repeats[0].status_code == 422


@pytest.mark.parametrize(
    "bad_key",
    ["", "x" * 256, "has space", "tab\there", "ключ", "caf\u00e9"],
    ids=["empty", "256 characters", "a space", "a tab", "cyrillic", "latin-1"],
)
def test_a_malformed_key_is_400_invalid_idempotency_key(signed_in, attendee, published_event, bad_key):
    response = signed_in.post(BOOKINGS, {"event": published_event.pk}, HTTP_IDEMPOTENCY_KEY=bad_key)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_idempotency_key"
    assert not Booking.objects.filter(user=attendee).exists()


@pytest.mark.parametrize("good_key", ["a", "x" * 255, "~!#$%&'*+-.^_`|0123456789"])
def test_any_1_to_255_visible_ascii_characters_make_a_key(signed_in, published_event, good_key):
    response = signed_in.post(BOOKINGS, {"event": published_event.pk}, HTTP_IDEMPOTENCY_KEY=good_key)

    assert response.status_code == 201


def test_a_malformed_body_with_a_key_is_a_400_and_claims_nothing(signed_in, published_event):
    headers = key()

    broken = signed_in.generic("POST", BOOKINGS, b'{"event": ', "application/json", **headers)
    fixed = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    assert broken.status_code == 400
    assert broken.json()["code"] == "parse_error"
    assert fixed.status_code == 201


# Failures on the site's side ------------------------------------------------------------


def test_a_first_attempt_that_failed_gives_the_key_back(signed_in, attendee, published_event, monkeypatch):
    headers = key()

    def broken(**kwargs):
        raise RuntimeError("a bug, or a provider's outage")

    monkeypatch.setattr("bookings.api.book", broken)
    failed = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)
    monkeypatch.setattr("bookings.api.book", book)
    retried = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    assert failed.status_code == 500
    assert retried.status_code == 201
    assert "Idempotent-Replayed" not in retried
    assert Booking.objects.filter(user=attendee).count() == 1


def test_a_503_gives_the_key_back(signed_in, attendee, published_event, monkeypatch):
    headers = key()

    def database_gone(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("bookings.api.book", database_gone)
    unavailable = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)
    monkeypatch.setattr("bookings.api.book", book)
    retried = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    assert unavailable.status_code == 503
    assert retried.status_code == 201


def test_booking_carries_on_without_idempotency_when_the_cache_is_down(
    signed_in, attendee, published_event, settings, caplog
):
    settings.CACHES = CACHE_DOWN
    headers = key()

    first = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)
    again = signed_in.post(BOOKINGS, {"event": published_event.pk}, **headers)

    assert first.status_code == 201
    assert again.status_code == 409  # not replayed, but the booking rules still hold
    assert again.json()["code"] == "already_booked"
    assert errors_logged(caplog) == []
    assert "idempotency.cache_unavailable" in [record.getMessage() for record in caplog.records]
    assert Booking.objects.filter(user=attendee).count() == 1


def test_paying_carries_on_when_the_cache_is_down(signed_in, held, settings):
    settings.CACHES = CACHE_DOWN

    response = signed_in.post(pay_url(held), {"provider": "test_card", "buyer": BUYER}, **key())

    assert response.status_code == 201


def test_a_cache_lost_after_the_claim_still_answers(
    signed_in, attendee, published_event, monkeypatch, caplog
):
    def cache_gone(*args, **kwargs):
        raise RedisConnectionError("Connection refused")

    monkeypatch.setattr(cache, "set", cache_gone)

    response = signed_in.post(BOOKINGS, {"event": published_event.pk}, **key())

    assert response.status_code == 201
    assert errors_logged(caplog) == []
    assert "idempotency.cache_unavailable" in [record.getMessage() for record in caplog.records]


def test_a_record_that_lapses_between_claim_and_read_is_claimed_again(
    signed_in, attendee, published_event, monkeypatch
):
    """cache.add refused (someone held the key), but the record was gone when read: claim it now."""
    adds = []
    add = cache.add

    def add_refused_once(*args, **kwargs):
        adds.append(args[0])
        return len(adds) > 1 and add(*args, **kwargs)

    monkeypatch.setattr(cache, "add", add_refused_once)

    response = signed_in.post(BOOKINGS, {"event": published_event.pk}, **key())

    assert response.status_code == 201
    assert len(adds) == 2


# Simultaneous requests ------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_book_once():
    """Real threads send the same key at once: one books; every other gets 409 or the replay."""
    attendee = UserFactory()
    event = EventFactory(capacity=50)
    headers = key()
    barrier = threading.Barrier(6)
    answers = []

    def send():
        client = APIClient()
        client.force_authenticate(attendee)
        try:
            barrier.wait()
            answers.append(client.post(BOOKINGS, {"event": event.pk}, **headers))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Booking.objects.filter(user=attendee).count() == 1
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    refused = [answer.json()["code"] for answer in answers if answer.status_code == 409]
    assert set(refused) <= {"request_in_progress"}
    booked = {answer.json()["id"] for answer in answers if answer.status_code == 201}
    assert len(booked) == 1


def test_a_claim_lapses_if_its_request_dies(signed_in, published_event, monkeypatch):
    """A worker killed mid-request cannot give its key back: the claim is made to lapse on its own."""
    timeouts = []
    add = cache.add

    def add_and_note(cache_key, value, timeout):
        if cache_key.startswith("idempotency:"):
            timeouts.append(timeout)
        return add(cache_key, value, timeout)

    monkeypatch.setattr(cache, "add", add_and_note)

    signed_in.post(BOOKINGS, {"event": published_event.pk}, **key())

    assert timeouts == [idempotency.RUNNING_SECONDS]
    assert 0 < idempotency.RUNNING_SECONDS <= 5 * 60
