"""The money API: a booking's price and payment, paying, the organizer's payments and refunds, invoices."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import book, cancel_booking
from events.tests.factories import EventFactory, TicketTypeFactory
from payments.models import Invoice, Payment, Refund
from payments.providers import TestCard
from payments.services import mark_paid, refund_payment
from payments.tests.factories import expire, hold, pay, start, webhook

pytestmark = pytest.mark.django_db

BOOKINGS = "/api/bookings/"
PAYMENTS = "/api/payments/"
REFUNDS = "/api/refunds/"
INVOICES = "/api/invoices/"
BUYER = {"name": "Ada Lovelace", "address": "12 St James's Square, London"}
DECIMAL = re.compile(r"-?\d+\.\d\d")


def booking_url(booking) -> str:
    return f"{BOOKINGS}{booking.pk}/"


def pay_url(booking) -> str:
    return f"{BOOKINGS}{booking.pk}/pay/"


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


def priced(event, *, price="25.00", capacity=5, tax_rate="19.00"):
    return TicketTypeFactory(
        event=event, name="VIP", price=Decimal(price), tax_rate=Decimal(tax_rate), capacity=capacity
    )


@pytest.fixture
def vip(published_event):
    return priced(published_event)


@pytest.fixture
def held(attendee, vip):
    return hold(user=attendee, event=vip.event, ticket_type=vip)


def by_bank(booking) -> Payment:
    return start(booking, provider="bank_transfer")


# The booking shows its price, its hold and its latest payment ------------------------


def test_a_priced_booking_is_held_at_its_price_with_no_payment_yet(api_client, attendee, vip):
    api_client.force_authenticate(attendee)

    response = api_client.post(BOOKINGS, {"event": vip.event_id, "ticket_type": vip.pk})

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["price"] == "25.00"
    assert body["hold_expires_at"] is not None
    assert body["payment"] is None


def test_a_free_booking_costs_nothing_and_holds_nothing(api_client, attendee, published_event):
    api_client.force_authenticate(attendee)

    body = api_client.post(BOOKINGS, {"event": published_event.pk}).json()

    assert (body["status"], body["price"], body["hold_expires_at"], body["payment"]) == (
        "confirmed",
        "0.00",
        None,
        None,
    )


def test_a_ticket_taken_again_answers_with_its_earlier_payment_as_reading_it_shows(api_client, held):
    """A booking created anew has no payment to read; one taken again after cancelling still has its
    earlier ones, so its 201 shows the latest, as reading the booking does."""
    paid = pay(held)
    cancel_booking(booking=held, by=held.user)
    api_client.force_authenticate(held.user)

    taken = api_client.post(BOOKINGS, {"event": held.event_id, "ticket_type": held.ticket_type_id})

    assert taken.status_code == 201
    assert taken.json()["payment"]["id"] == paid.pk
    assert taken.json() == api_client.get(booking_url(held)).json()


def test_a_booking_shows_its_latest_payment_with_a_link_to_the_checkout_page(api_client, held):
    start(held)  # replaced by the next one
    latest = by_bank(held)
    held.refresh_from_db()
    api_client.force_authenticate(held.user)

    payment = api_client.get(booking_url(held)).json()["payment"]

    checkout = reverse("payments:checkout", args=[held.pk])
    assert payment["id"] == latest.pk
    assert payment["state"] == "pending"
    assert payment["amount"] == "25.00"
    assert payment["currency"] == held.event.currency
    assert payment["provider"] == "bank_transfer"
    assert payment["reference"] == latest.reference
    assert payment["pay_url"] == f"http://testserver{checkout}"
    assert payment["hold_expires_at"] == api_client.get(booking_url(held)).json()["hold_expires_at"]
    assert payment["hold_expires_at"] is not None


def test_a_paid_booking_shows_its_payment_paid_and_no_checkout_link(api_client, held):
    pay(held)
    api_client.force_authenticate(held.user)

    body = api_client.get(booking_url(held)).json()

    assert body["status"] == "confirmed"
    assert body["hold_expires_at"] is None
    assert body["payment"]["state"] == "paid"
    assert body["payment"]["pay_url"] is None
    assert body["payment"]["hold_expires_at"] is None


def test_the_booking_list_reads_every_payment_in_one_query(
    api_client, organizer, django_assert_max_num_queries
):
    event = EventFactory(organizer=organizer, capacity=100)
    vip = priced(event, capacity=100)
    for user in UserFactory.create_batch(30):
        start(hold(user=user, event=event, ticket_type=vip))
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(4):  # the count, the page with its joins, the answers, the payments
        response = api_client.get(BOOKINGS, {"page_size": 100})

    results = response.json()["results"]
    assert len(results) == 30
    assert all(item["payment"]["state"] == "pending" for item in results)


# Paying -----------------------------------------------------------------------------


def test_paying_by_card_answers_with_the_payment_and_where_to_go(api_client, held):
    api_client.force_authenticate(held.user)

    response = api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER})

    assert response.status_code == 201
    body = response.json()
    payment = Payment.objects.get(booking=held)
    assert body["payment"]["id"] == payment.pk
    assert body["payment"]["state"] == "pending"
    assert body["payment"]["amount"] == "25.00"
    assert body["payment"]["buyer"] == BUYER
    assert body["next"]["kind"] == "redirect"
    assert body["next"]["url"] == "http://testserver" + reverse(
        "payments:test_card", args=[payment.reference]
    )


def test_paying_by_bank_transfer_gives_instructions_and_holds_the_ticket_longer(api_client, held):
    api_client.force_authenticate(held.user)
    before = held.hold_expires_at

    response = api_client.post(pay_url(held), {"provider": "bank_transfer", "buyer": BUYER})

    assert response.status_code == 201
    step = response.json()["next"]
    assert step["kind"] == "instructions"
    assert step["url"] is None
    assert step["details"]["reference"] == response.json()["payment"]["reference"]
    assert step["details"]["amount"] == "25.00"
    assert response.json()["payment"]["reference"] in step["instructions"]
    held.refresh_from_db()
    assert held.hold_expires_at > before


def test_paying_twice_with_the_same_provider_answers_with_the_same_payment(api_client, held):
    api_client.force_authenticate(held.user)

    first = api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER}).json()
    second = api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER}).json()

    assert first["payment"]["id"] == second["payment"]["id"]
    assert Payment.objects.filter(booking=held).count() == 1


@pytest.mark.parametrize("caller", ["other_attendee", "organizer", "staff"])
def test_only_the_owner_pays_anyone_else_gets_the_404_of_a_missing_booking(request, api_client, held, caller):
    api_client.force_authenticate(request.getfixturevalue(caller))

    theirs = api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER})
    missing = api_client.post(f"{BOOKINGS}{held.pk + 1000}/pay/", {"provider": "test_card", "buyer": BUYER})

    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert not Payment.objects.exists()


def test_paying_needs_a_sign_in(api_client, held):
    assert api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER}).status_code == 401


def test_paying_after_the_hold_ran_out_is_409_hold_expired(api_client, held):
    expire(held)
    api_client.force_authenticate(held.user)

    response = api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER})

    assert response.status_code == 409
    assert response.json()["code"] == "hold_expired"


def test_paying_a_paid_ticket_is_409_already_paid(api_client, held):
    pay(held)
    api_client.force_authenticate(held.user)

    response = api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER})

    assert response.status_code == 409
    assert response.json()["code"] == "already_paid"


@pytest.mark.parametrize("how", ["cancelled", "waitlisted"])
def test_paying_a_booking_not_awaiting_payment_is_400_not_payable(api_client, attendee, other_attendee, how):
    vip = priced(EventFactory(), capacity=1)
    if how == "cancelled":
        booking = hold(user=attendee, event=vip.event, ticket_type=vip)
        cancel_booking(booking=booking, by=attendee)
    else:
        hold(user=other_attendee, event=vip.event, ticket_type=vip)
        booking = book(user=attendee, event=vip.event, ticket_type=vip, waitlist=True)
    api_client.force_authenticate(attendee)

    response = api_client.post(pay_url(booking), {"provider": "test_card", "buyer": BUYER})

    assert response.status_code == 400
    assert response.json()["code"] == "not_payable"


def test_a_provider_the_event_does_not_offer_is_a_field_error(api_client, held):
    held.event.payment_providers = ["bank_transfer"]
    held.event.save()
    api_client.force_authenticate(held.user)

    offered_elsewhere = api_client.post(pay_url(held), {"provider": "test_card", "buyer": BUYER})
    unknown = api_client.post(pay_url(held), {"provider": "bitcoin", "buyer": BUYER})

    for response in (offered_elsewhere, unknown):
        assert response.status_code == 400
        assert list(response.json()) == ["provider"]


HUGE = "x" * 100_000
MALFORMED_PAY = {
    "no body": ({}, {"provider", "buyer"}),
    "no buyer": ({"provider": "test_card"}, {"buyer"}),
    "buyer as text": ({"provider": "test_card", "buyer": "Ada"}, {"buyer"}),
    "buyer as a list": ({"provider": "test_card", "buyer": ["Ada"]}, {"buyer"}),
    "buyer as a number": ({"provider": "test_card", "buyer": 5}, {"buyer"}),
    "buyer null": ({"provider": "test_card", "buyer": None}, {"buyer"}),
    "buyer without a name": ({"provider": "test_card", "buyer": {"address": "Here"}}, {"buyer"}),
    "a name that is no text": ({"provider": "test_card", "buyer": {"name": 5}}, {"buyer"}),
    "a name that is an object": ({"provider": "test_card", "buyer": {"name": {"first": "Ada"}}}, {"buyer"}),
    "a huge name": ({"provider": "test_card", "buyer": {"name": HUGE}}, {"buyer"}),
    "a huge key": ({"provider": "test_card", "buyer": {"name": "Ada", HUGE: "x"}}, {"buyer"}),
    "an unknown detail": ({"provider": "test_card", "buyer": {"name": "Ada", "iban": "DE00"}}, {"buyer"}),
    "a NUL in the name": ({"provider": "test_card", "buyer": {"name": "Ada\x00"}}, {"buyer"}),
    "a NUL in a key": ({"provider": "test_card", "buyer": {"name": "Ada", "\x00": "x"}}, {"buyer"}),
    "provider as a list": ({"provider": ["test_card"], "buyer": BUYER}, {"provider"}),
    "provider as an object": ({"provider": {"name": "test_card"}, "buyer": BUYER}, {"provider"}),
    "provider as a number": ({"provider": 5, "buyer": BUYER}, {"provider"}),
    "a huge provider": ({"provider": HUGE, "buyer": BUYER}, {"provider"}),
    "a NUL in the provider": ({"provider": "test_card\x00", "buyer": BUYER}, {"provider"}),
    "a body that is a list": ([{"provider": "test_card", "buyer": BUYER}], {"non_field_errors"}),
}


@pytest.mark.parametrize(("body", "fields"), MALFORMED_PAY.values(), ids=MALFORMED_PAY.keys())
def test_a_malformed_payment_request_is_a_field_error_and_pays_nothing(api_client, held, body, fields):
    api_client.force_authenticate(held.user)

    response = api_client.post(pay_url(held), body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == fields
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'{"provider": "test_card", "buyer": {"name": "Ada\\ud800"}}',
        b'{"provider": "test_card", "buyer": {"name": "Ada", "\\udfff": "x"}}',
        b'{"provider": "test_card\\ud800", "buyer": {"name": "Ada"}}',
    ],
)
def test_a_lone_surrogate_escaped_in_json_is_a_field_error(api_client, held, body):
    api_client.force_authenticate(held.user)

    response = api_client.generic("POST", pay_url(held), body, content_type="application/json")

    assert response.status_code == 400
    assert len(response.json()) == 1
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b'{"provider": "test_card", "buyer": {'),
        ("application/json", b"[" * 100_000 + b"]" * 100_000),
        ("application/json", b'{"provider": "' + b"x" * 3_000_000 + b'"}'),
        ("text/plain", b"provider=test_card"),
    ],
    ids=["broken json", "json nested too deeply", "past the upload limit", "an unknown media type"],
)
def test_a_body_that_does_not_parse_is_a_4xx_in_the_error_shape(api_client, held, content_type, body):
    api_client.force_authenticate(held.user)

    response = api_client.generic("POST", pay_url(held), body, content_type=content_type)

    assert response.status_code in (400, 413, 415)
    assert set(response.json()) == {"detail", "code"}


# The organizer's payments -----------------------------------------------------------


@pytest.fixture
def money(published_event, vip, attendee, other_attendee):
    """The attendee paid at the organizer's event and at someone else's; the other attendee is paying
    the organizer by bank transfer."""
    elsewhere = priced(EventFactory())
    return {
        "mine": pay(hold(user=attendee, event=published_event, ticket_type=vip)),
        "mine_elsewhere": pay(hold(user=attendee, event=elsewhere.event, ticket_type=elsewhere)),
        "theirs": by_bank(hold(user=other_attendee, event=published_event, ticket_type=vip)),
    }


VIEWERS = [
    ("attendee", {"mine", "mine_elsewhere"}),
    ("other_attendee", {"theirs"}),
    ("organizer", {"mine", "theirs"}),
    ("other_organizer", set()),
    ("staff", {"mine", "mine_elsewhere", "theirs"}),
]


@pytest.mark.parametrize(("viewer", "expected"), VIEWERS)
def test_payments_are_those_of_the_events_you_run_or_your_own(request, api_client, money, viewer, expected):
    api_client.force_authenticate(request.getfixturevalue(viewer))

    response = api_client.get(PAYMENTS)

    assert ids(response) == {money[name].pk for name in expected}


def test_payments_show_money_as_decimal_strings(api_client, organizer, money):
    api_client.force_authenticate(organizer)

    body = api_client.get(f"{PAYMENTS}{money['mine'].pk}/").json()

    assert body["amount"] == "25.00"
    assert body["refunded_amount"] == "0.00"
    assert body["refundable_amount"] == "25.00"
    assert body["state"] == "paid"
    assert body["event"] == money["mine"].booking.event_id
    assert body["buyer"] == {"name": "Ada Lovelace", "address": "12 St James's Square, London"}


def test_payments_filter_by_event_state_and_booking(api_client, staff, money, published_event):
    api_client.force_authenticate(staff)

    by_event = api_client.get(PAYMENTS, {"event": published_event.pk})
    by_state = api_client.get(PAYMENTS, {"state": "pending"})
    by_booking = api_client.get(PAYMENTS, {"booking": money["mine"].booking_id})

    assert ids(by_event) == {money["mine"].pk, money["theirs"].pk}
    assert ids(by_state) == {money["theirs"].pk}
    assert ids(by_booking) == {money["mine"].pk}


@pytest.mark.parametrize(
    "query", [{"event": "x"}, {"event": str(2**63)}, {"state": "lost"}, {"booking": "-1"}]
)
def test_a_payment_filter_that_does_not_parse_is_a_400(api_client, organizer, query):
    api_client.force_authenticate(organizer)

    response = api_client.get(PAYMENTS, query)

    assert response.status_code == 400
    assert list(response.json()) == list(query)


def test_someone_elses_payment_is_404(api_client, other_organizer, money):
    api_client.force_authenticate(other_organizer)
    payment = money["theirs"]

    assert api_client.get(f"{PAYMENTS}{payment.pk}/").status_code == 404
    assert api_client.post(f"{PAYMENTS}{payment.pk}/mark-paid/").status_code == 404
    assert api_client.post(f"{PAYMENTS}{payment.pk}/refund/").status_code == 404
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


def test_the_payment_list_runs_a_fixed_number_of_queries(
    api_client, organizer, django_assert_max_num_queries
):
    event = EventFactory(organizer=organizer, capacity=100)
    vip = priced(event, capacity=100)
    for user in UserFactory.create_batch(25):
        by_bank(hold(user=user, event=event, ticket_type=vip))
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(2):  # the count, the page with its bookings
        response = api_client.get(PAYMENTS, {"page_size": 100})

    assert response.json()["count"] == 25


def test_the_organizer_marks_a_bank_transfer_paid(api_client, organizer, money):
    payment = money["theirs"]
    api_client.force_authenticate(organizer)

    response = api_client.post(f"{PAYMENTS}{payment.pk}/mark-paid/")
    again = api_client.post(f"{PAYMENTS}{payment.pk}/mark-paid/")

    assert response.status_code == again.status_code == 200
    assert response.json()["state"] == "paid"
    assert response.json()["pay_url"] is None
    assert Booking.objects.get(pk=payment.booking_id).status == Booking.Status.CONFIRMED
    assert Invoice.objects.filter(payment=payment).count() == 1  # marked twice, invoiced once


def test_a_buyer_cannot_mark_their_own_payment_paid(api_client, other_attendee, money):
    payment = money["theirs"]
    api_client.force_authenticate(other_attendee)

    response = api_client.post(f"{PAYMENTS}{payment.pk}/mark-paid/")

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


# Refunds ------------------------------------------------------------------------------


def test_the_organizer_refunds_a_card_payment_in_full_by_default(
    api_client, organizer, money, django_capture_on_commit_callbacks
):
    payment = money["mine"]
    api_client.force_authenticate(organizer)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(f"{PAYMENTS}{payment.pk}/refund/", {"reason": "Stage collapsed"})

    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["currency"], body["reason"]) == (
        "25.00",
        payment.currency,
        "Stage collapsed",
    )
    payment.refresh_from_db()
    assert payment.state == Payment.State.REFUNDED
    assert Refund.objects.get(pk=body["id"]).state == Refund.State.DONE  # the card provider sent it
    assert Invoice.objects.filter(payment=payment, kind=Invoice.Kind.CREDIT_NOTE).count() == 1


def test_the_organizer_refunds_part_of_a_payment(api_client, organizer, money):
    payment = money["mine"]
    api_client.force_authenticate(organizer)

    response = api_client.post(f"{PAYMENTS}{payment.pk}/refund/", {"amount": "5.50"})

    assert response.status_code == 201
    assert response.json()["amount"] == "5.50"
    body = api_client.get(f"{PAYMENTS}{payment.pk}/").json()
    assert (body["state"], body["refunded_amount"], body["refundable_amount"]) == (
        "partially_refunded",
        "5.50",
        "19.50",
    )


@pytest.mark.parametrize("amount", ["25.01", "0.00", "-5.00"])
def test_refunding_more_than_is_left_or_nothing_is_400_not_refundable(api_client, organizer, money, amount):
    api_client.force_authenticate(organizer)

    response = api_client.post(f"{PAYMENTS}{money['mine'].pk}/refund/", {"amount": amount})

    assert response.status_code == 400
    assert response.json()["code"] == "not_refundable"
    assert not Refund.objects.exists()


def test_refunding_an_unpaid_payment_is_400_not_refundable(api_client, organizer, money):
    api_client.force_authenticate(organizer)

    response = api_client.post(f"{PAYMENTS}{money['theirs'].pk}/refund/")

    assert response.status_code == 400
    assert response.json()["code"] == "not_refundable"


@pytest.mark.parametrize(
    "body",
    [
        {"amount": "abc"},
        {"amount": "NaN"},
        {"amount": "Infinity"},
        {"amount": "1e400"},
        {"amount": "12345678901234.00"},
        {"amount": "1.001"},
        {"amount": ["5"]},
        {"reason": "x" * 301},
        {"reason": ["late"]},
        {"reason": "late\x00"},
    ],
)
def test_a_malformed_refund_request_is_a_field_error(api_client, organizer, money, body):
    api_client.force_authenticate(organizer)

    response = api_client.post(f"{PAYMENTS}{money['mine'].pk}/refund/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == list(body)
    assert not Refund.objects.exists()


def test_a_buyer_cannot_refund_their_own_payment(api_client, attendee, money):
    api_client.force_authenticate(attendee)

    response = api_client.post(f"{PAYMENTS}{money['mine'].pk}/refund/")

    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"


@pytest.fixture
def to_do(organizer, money):
    """A bank transfer paid, then refunded by the organizer: a refund to send back by hand."""
    payment = money["theirs"]
    mark_paid(payment=payment, by=organizer)
    return refund_payment(payment=payment, by=organizer)


def test_refunds_to_do_by_hand_are_listed_and_marked_done(api_client, organizer, money, to_do):
    api_client.force_authenticate(organizer)

    listed = api_client.get(REFUNDS, {"state": "to_do"})
    done = api_client.post(f"{REFUNDS}{to_do.pk}/done/")
    again = api_client.post(f"{REFUNDS}{to_do.pk}/done/")

    assert ids(listed) == {to_do.pk}
    item = listed.json()["results"][0]
    assert (item["amount"], item["state"], item["reference"]) == ("25.00", "to_do", money["theirs"].reference)
    assert done.status_code == again.status_code == 200
    assert done.json()["state"] == "done"
    assert done.json()["done_at"] is not None
    assert api_client.get(REFUNDS, {"state": "to_do"}).json()["count"] == 0


@pytest.mark.parametrize(
    ("viewer", "sees"), [("other_attendee", True), ("attendee", False), ("other_organizer", False)]
)
def test_refunds_are_seen_by_their_buyer_and_organizer_only(request, api_client, to_do, viewer, sees):
    api_client.force_authenticate(request.getfixturevalue(viewer))

    assert ids(api_client.get(REFUNDS)) == ({to_do.pk} if sees else set())


def test_someone_elses_refund_is_404_and_its_buyer_cannot_mark_it_done(
    api_client, other_organizer, other_attendee, to_do
):
    api_client.force_authenticate(other_organizer)
    stranger = api_client.post(f"{REFUNDS}{to_do.pk}/done/")
    api_client.force_authenticate(other_attendee)
    buyer = api_client.post(f"{REFUNDS}{to_do.pk}/done/")

    assert stranger.status_code == 404
    assert buyer.status_code == 403
    to_do.refresh_from_db()
    assert to_do.state == Refund.State.TO_DO


def test_the_refund_list_runs_a_fixed_number_of_queries(
    api_client, organizer, published_event, vip, django_assert_max_num_queries
):
    vip.capacity = 30
    vip.save()
    published_event.capacity = 30
    published_event.save()
    for user in UserFactory.create_batch(12):
        payment = pay(hold(user=user, event=published_event, ticket_type=vip))
        refund_payment(payment=payment, by=organizer, amount=Decimal("1.00"))
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(2):  # the count, the page with payments and bookings
        response = api_client.get(REFUNDS, {"page_size": 100})

    assert response.json()["count"] == 12


# Invoices ------------------------------------------------------------------------------


@pytest.mark.parametrize(("viewer", "expected"), VIEWERS)
def test_invoices_are_the_buyers_and_those_of_the_events_you_run(
    request, api_client, money, viewer, expected
):
    api_client.force_authenticate(request.getfixturevalue(viewer))

    response = api_client.get(INVOICES)

    invoiced = {name for name in expected if name != "theirs"}  # a pending transfer has no invoice yet
    assert ids(response) == {Invoice.objects.get(payment=money[name]).pk for name in invoiced}


def test_an_invoice_shows_its_amounts_as_decimal_strings(api_client, attendee, money):
    api_client.force_authenticate(attendee)
    invoice = Invoice.objects.get(payment=money["mine"])

    body = api_client.get(f"{INVOICES}{invoice.pk}/").json()

    assert body["kind"] == "invoice"
    assert body["number"] == invoice.number
    assert (body["gross"], body["net"], body["tax"], body["tax_rate"]) == ("25.00", "21.01", "3.99", "19.00")
    assert body["lines"][0]["amount"] == "25.00"
    assert body["buyer"]["name"] == "Ada Lovelace"
    assert body["event"] == money["mine"].booking.event_id
    assert body["refers_to"] is None
    assert body["pdf_url"] == f"http://testserver{INVOICES}{invoice.pk}/pdf/"
    for key in ("gross", "net", "tax", "tax_rate"):
        assert DECIMAL.fullmatch(body[key]), key


def test_a_credit_note_is_listed_beside_the_invoice_it_corrects(api_client, attendee, organizer, money):
    refund_payment(payment=money["mine"], by=organizer, amount=Decimal("10.00"))
    api_client.force_authenticate(attendee)

    results = api_client.get(INVOICES, {"kind": "credit_note"}).json()["results"]

    (note,) = results
    invoice = Invoice.objects.get(payment=money["mine"], kind=Invoice.Kind.INVOICE)
    assert note["refers_to"] == invoice.pk
    assert note["gross"] == "-10.00"


def test_invoices_filter_by_event_and_issue_day(api_client, staff, money, published_event):
    api_client.force_authenticate(staff)
    today = Invoice.objects.get(payment=money["mine"]).issued_on

    by_event = api_client.get(INVOICES, {"event": published_event.pk})
    today_on = api_client.get(
        INVOICES, {"issued_after": today.isoformat(), "issued_before": today.isoformat()}
    )
    later = api_client.get(INVOICES, {"issued_after": today.replace(year=today.year + 1).isoformat()})

    assert ids(by_event) == {Invoice.objects.get(payment=money["mine"]).pk}
    assert len(ids(today_on)) == 2
    assert ids(later) == set()


@pytest.mark.parametrize(
    "query",
    [{"issued_after": "yesterday"}, {"issued_before": "99999-01-01"}, {"event": "1.5"}, {"kind": "bill"}],
)
def test_an_invoice_filter_that_does_not_parse_is_a_400(api_client, attendee, query):
    api_client.force_authenticate(attendee)

    response = api_client.get(INVOICES, query)

    assert response.status_code == 400
    assert list(response.json()) == list(query)


def test_the_invoice_list_runs_a_fixed_number_of_queries_and_leaves_the_pdfs_out(
    api_client, organizer, published_event, vip, django_assert_max_num_queries
):
    vip.capacity = published_event.capacity = 30
    vip.save()
    published_event.save()
    for user in UserFactory.create_batch(15):
        pay(hold(user=user, event=published_event, ticket_type=vip))
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(2) as queries:  # the count, the page with payments and bookings
        response = api_client.get(INVOICES, {"page_size": 100})

    assert response.json()["count"] == 15
    assert all('"pdf"' not in query["sql"] for query in queries.captured_queries)


def test_an_invoice_downloads_as_the_same_pdf_every_time(api_client, attendee, money):
    invoice = Invoice.objects.get(payment=money["mine"])
    api_client.force_authenticate(attendee)

    first = api_client.get(f"{INVOICES}{invoice.pk}/pdf/")
    second = api_client.get(f"{INVOICES}{invoice.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert first.status_code == second.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert first["Content-Disposition"] == f'attachment; filename="{invoice.filename}"'
    assert first.content.startswith(b"%PDF-")
    assert first.content == second.content


@pytest.mark.parametrize(
    ("path", "accept"),
    [("", "application/json"), ("pdf/", "application/json"), ("pdf/", "application/pdf"), ("pdf/", "*/*")],
)
def test_someone_elses_invoice_is_a_json_404(api_client, other_attendee, money, path, accept):
    invoice = Invoice.objects.get(payment=money["mine"])
    api_client.force_authenticate(other_attendee)

    response = api_client.get(f"{INVOICES}{invoice.pk}/{path}", HTTP_ACCEPT=accept)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


# The whole flow, through the doors a buyer and a provider use ------------------------------


def test_book_pay_by_card_and_get_the_invoice(api_client, client, attendee, vip):
    api_client.force_authenticate(attendee)
    booking = api_client.post(BOOKINGS, {"event": vip.event_id, "ticket_type": vip.pk}).json()
    checkout = api_client.post(
        f"{BOOKINGS}{booking['id']}/pay/", {"provider": "test_card", "buyer": BUYER}, format="json"
    ).json()
    assert checkout["next"]["kind"] == "redirect"

    # The card provider calls the site back with its signed webhook.
    payment = Payment.objects.get(pk=checkout["payment"]["id"])
    body, headers = webhook(payment)
    delivered = client.post(
        f"/payments/webhooks/{TestCard.name}/", body, content_type="application/json", headers=headers
    )
    assert delivered.status_code == 200

    paid = api_client.get(f"{BOOKINGS}{booking['id']}/").json()
    assert paid["status"] == "confirmed"
    assert paid["payment"]["state"] == "paid"
    (invoice,) = api_client.get(INVOICES).json()["results"]
    assert invoice["payment"] == payment.pk
    assert invoice["gross"] == "25.00"
    pdf = api_client.get(invoice["pdf_url"])
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_a_webhook_with_a_bad_signature_changes_nothing(api_client, client, held):
    payment = start(held)
    body, _headers = webhook(payment)

    response = client.post(
        f"/payments/webhooks/{TestCard.name}/",
        body,
        content_type="application/json",
        headers={TestCard.SIGNATURE_HEADER: "t=1,v1=forged"},
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook"
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING
