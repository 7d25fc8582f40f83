"""The checkout pages: a priced ticket is held while its buyer pays; the card page, the transfer details,
where a payment stands, My bookings' money, the event page's held ticket, refunds on cancel and the
invoice downloads. Only a booking's owner sees its checkout and payments; refusals are words, never a 500."""

import html
import io
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from events import services as event_services
from events.models import Event, Seat
from events.services import SeatLayout
from events.tests.factories import EventFactory
from payments import services as payment_services
from payments import views
from payments.models import Invoice, InvoiceProfile, Payment, Refund
from payments.providers import TestCard as Card

pytestmark = pytest.mark.django_db

MINE = reverse("bookings:mine")
LONDON = "Europe/London"
DECLINED_WORDS = "Your card was declined."


@pytest.fixture
def jazz(organizer):
    """An evening in London selling £25.00 tickets, 20% VAT included."""
    event = EventFactory(organizer=organizer, title="Harbour jazz evening", timezone=LONDON, currency="GBP")
    event.ticket_types.update(price=Decimal("25.00"), tax_rate=Decimal("20.00"))
    return event


@pytest.fixture
def held(attendee, jazz):
    """The attendee's £25.00 ticket, held while they pay."""
    return services.book(user=attendee, event=jazz)


@pytest.fixture
def signed_in(client, attendee):
    client.force_login(attendee)
    return client


@pytest.fixture
def transfer_details(organizer):
    return InvoiceProfile.objects.create(
        organizer=organizer, name="Harbour Events Ltd", bank_details="IBAN GB33 BUKB 2020 1555 5555 55"
    )


def checkout_url(booking) -> str:
    return reverse("payments:checkout", args=[booking.pk])


def status_url(payment) -> str:
    return reverse("payments:status", args=[payment.reference])


def card_url(payment) -> str:
    return reverse("payments:test_card", args=[payment.reference])


def start(booking, provider="test_card", name="Robin Hart") -> Payment:
    checkout = payment_services.start_payment(
        booking=booking, provider_name=provider, buyer={"name": name}, by=booking.user
    )
    return checkout.payment


def paid_booking(user, event) -> Booking:
    """A booking paid by card: confirmed, with its invoice."""
    booking = services.book(user=user, event=event)
    payment_services.confirm_payment(payment=start(booking))
    booking.refresh_from_db()
    return booking


def shown(when, zone=LONDON) -> str:
    """A hold's end as the pages write it: the time today, the date too on another day, then the zone."""
    local, today = timezone.localtime(when, ZoneInfo(zone)), timezone.localtime(timezone=ZoneInfo(zone))
    text = f"{local:%H:%M}" if local.date() == today.date() else f"{local.day} {local:%B %Y, %H:%M}"
    return f'{when.astimezone(ZoneInfo(zone)).isoformat()}">{text}</time> ({zone})'


def held_until(booking) -> str:
    booking.refresh_from_db()
    return shown(booking.hold_expires_at)


def text_of(response) -> str:
    """The page as people read it: entities such as &#x27; written as the characters they stand for."""
    return html.unescape(response.content.decode())


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def expire(booking) -> None:
    """Let the hold's time run out (its place is given back by the next booking or the periodic job)."""
    past = timezone.now() - timedelta(minutes=1)
    Booking.objects.filter(pk=booking.pk).update(hold_expires_at=past)
    Event.objects.filter(pk=booking.event_id).update(holds_expire_at=past)


# Booking a priced ticket ---------------------------------------------------------------------------


def test_booking_a_priced_ticket_holds_it_and_goes_to_checkout(signed_in, attendee, jazz):
    response = signed_in.post(reverse("bookings:book", args=[jazz.pk]))
    booking = Booking.objects.get(user=attendee, event=jazz)
    assert booking.status == Booking.Status.PENDING
    assert response.status_code == 302
    assert response.url == checkout_url(booking)


def test_booking_a_free_ticket_confirms_it_as_before(signed_in, attendee, organizer):
    event = EventFactory(organizer=organizer, title="Open rehearsal")
    response = signed_in.post(reverse("bookings:book", args=[event.pk]), follow=True)
    assert Booking.objects.get(user=attendee, event=event).status == Booking.Status.CONFIRMED
    assert response.redirect_chain[-1][0] == event.get_absolute_url()
    assert "You're booked for “Open rehearsal”" in text_of(response)


def test_booking_a_priced_seat_on_the_seat_map_goes_to_checkout(signed_in, attendee, organizer):
    event = EventFactory(organizer=organizer, title="Hamlet", capacity=20)
    stalls = event_services.create_ticket_type(
        event=event,
        by=organizer,
        name="Stalls",
        price=Decimal("30.00"),
        layout=SeatLayout(rows=2, seats_per_row=3),
    )
    seat = Seat.objects.get(ticket_type=stalls, row="B", number=2)
    seats = reverse("bookings:seats", kwargs={"event_id": event.pk, "ticket_type_id": stalls.pk})
    response = signed_in.post(seats, {"seat": seat.pk})
    booking = Booking.objects.get(user=attendee, event=event)
    assert (booking.status, booking.seat_id) == (Booking.Status.PENDING, seat.pk)
    assert response.url == checkout_url(booking)
    page = signed_in.get(response.url)
    assert "Row B, seat 2" in text_of(page)
    assert "€30.00" in text_of(page)


# The checkout page ---------------------------------------------------------------------------------


def test_checkout_shows_the_ticket_total_hold_and_ways_to_pay(signed_in, held):
    response = signed_in.get(checkout_url(held))
    assert response.status_code == 200
    text = text_of(response)
    assert "Harbour jazz evening" in text
    assert "General admission" in text
    assert "£25.00" in text
    assert "including 20% tax" in text
    assert f'Held for you until <time datetime="{held_until(held)}' in text
    assert 'value="test_card"' in text and "Card (test mode)" in text
    assert 'value="bank_transfer"' in text and "Bank transfer" in text
    assert (
        '<script src="/static/js/hold-countdown.js" defer></script>' in text
    )  # the time is there without it
    assert "<script>" not in text  # no inline script: the CSP allows none


def test_checkout_offers_only_the_events_ways_to_pay(signed_in, held, jazz):
    jazz.payment_providers = ["bank_transfer"]
    jazz.save()
    text = text_of(signed_in.get(checkout_url(held)))
    assert 'value="bank_transfer"' in text
    assert 'value="test_card"' not in text


def test_checkout_fills_in_the_full_name_or_else_the_username(client, jazz):
    named = UserFactory(username="robin", first_name="Robin", last_name="Hart")
    plain = UserFactory(username="sam")
    for user, expected in ((named, "Robin Hart"), (plain, "sam")):
        client.force_login(user)
        response = client.get(checkout_url(services.book(user=user, event=jazz)))
        assert response.context["form"]["name"].value() == expected


def test_checkout_of_someone_elses_booking_does_not_exist(client, other_attendee, organizer, held):
    for user in (other_attendee, organizer):
        client.force_login(user)
        assert client.get(checkout_url(held)).status_code == 404
        response = client.post(checkout_url(held), {"name": "Mallory", "provider": "test_card"})
        assert response.status_code == 404
    assert not Payment.objects.exists()


def test_checkout_asks_to_sign_in(client, held):
    response = client.get(checkout_url(held))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_paying_by_card_goes_to_the_card_page(signed_in, held):
    response = signed_in.post(
        checkout_url(held), {"name": "Robin Hart", "company": "Hart & Co", "provider": "test_card"}
    )
    payment = Payment.objects.get(booking=held)
    assert response.url == card_url(payment)
    assert (payment.state, payment.amount, payment.currency) == ("pending", Decimal("25.00"), "GBP")
    assert payment.buyer == {"name": "Robin Hart", "company": "Hart & Co"}


def test_checkout_without_a_name_says_so_beside_the_form(signed_in, held):
    response = signed_in.post(checkout_url(held), {"name": "  ", "provider": "test_card"})
    assert response.status_code == 200
    assert "Give the name the invoice is made out to." in text_of(response)
    assert not Payment.objects.exists()


def test_checkout_with_a_too_long_detail_says_which(signed_in, held):
    response = signed_in.post(
        checkout_url(held), {"name": "Robin", "vat_id": "GB" * 30, "provider": "test_card"}
    )
    assert response.status_code == 200
    assert "The buyer's vat_id is longer than 40 characters." in text_of(response)
    assert not Payment.objects.exists()


def test_checkout_without_a_way_to_pay_asks_for_one(signed_in, held):
    response = signed_in.post(checkout_url(held), {"name": "Robin"})
    assert response.status_code == 200
    assert "Choose how to pay." in text_of(response)


def test_checkout_refuses_an_unknown_way_to_pay_in_words(signed_in, held):
    response = signed_in.post(checkout_url(held), {"name": "Robin", "provider": "<script>"})
    assert response.status_code == 200
    assert "“<script>” is not a way to pay here." in text_of(response)
    assert response.context["form"].errors["provider"]
    assert not Payment.objects.exists()


def test_checkout_refuses_a_way_to_pay_the_event_does_not_offer(signed_in, held, jazz):
    jazz.payment_providers = ["bank_transfer"]
    jazz.save()
    response = signed_in.post(checkout_url(held), {"name": "Robin", "provider": "test_card"})
    assert response.status_code == 200
    assert "Card (test mode) is not offered for this event." in text_of(response)
    assert not Payment.objects.exists()


def test_pressing_pay_twice_keeps_one_open_payment(signed_in, held):
    form = {"name": "Robin Hart", "provider": "test_card"}
    first = signed_in.post(checkout_url(held), form)
    second = signed_in.post(checkout_url(held), form)
    assert first.url == second.url
    assert Payment.objects.filter(booking=held).open().count() == 1


def test_choosing_another_way_to_pay_leaves_one_open_payment(signed_in, held):
    signed_in.post(checkout_url(held), {"name": "Robin", "provider": "test_card"})
    signed_in.post(checkout_url(held), {"name": "Robin", "provider": "bank_transfer"})
    assert list(Payment.objects.filter(booking=held).open().values_list("provider", flat=True)) == [
        "bank_transfer"
    ]


def test_checkout_of_a_paid_ticket_goes_to_my_bookings_saying_so(signed_in, attendee, jazz):
    booking = paid_booking(attendee, jazz)
    for response in (signed_in.get(checkout_url(booking)), signed_in.post(checkout_url(booking), {})):
        assert response.url == MINE
    page = signed_in.get(MINE)
    assert "This ticket is paid for already." in text_of(page)
    assert Payment.objects.count() == 1


def test_checkout_after_the_hold_ran_out_offers_to_book_again(signed_in, held, jazz):
    expire(held)
    for response in (
        signed_in.get(checkout_url(held)),
        signed_in.post(checkout_url(held), {"name": "Robin", "provider": "test_card"}),
    ):
        assert response.status_code == 200
        assert "The time to pay ran out" in text_of(response)
        assert "ran out and it went back on sale. You can book again." in text_of(response)
        assert f'href="{jazz.get_absolute_url()}"' in text_of(response)
    assert not Payment.objects.exists()


def test_checkout_of_a_waitlisted_booking_says_it_is_not_awaiting_payment(signed_in, attendee, jazz):
    jazz.ticket_types.update(capacity=1)
    jazz.capacity = 1
    jazz.save()
    services.book(user=UserFactory(), event=jazz)
    waiting = services.book(user=attendee, event=jazz, waitlist=True)
    response = signed_in.get(checkout_url(waiting), follow=True)
    assert response.redirect_chain[-1][0] == jazz.get_absolute_url()
    assert "This booking is not awaiting payment." in text_of(response)


# Bank transfer -------------------------------------------------------------------------------------


def test_bank_transfer_shows_the_details_and_holds_the_ticket_longer(
    signed_in, held, transfer_details, settings
):
    before = held.hold_expires_at
    response = signed_in.post(checkout_url(held), {"name": "Robin", "provider": "bank_transfer"})
    payment = Payment.objects.get(booking=held)
    assert response.url == status_url(payment)
    held.refresh_from_db()
    assert held.hold_expires_at > before + timedelta(days=settings.BANK_TRANSFER_HOLD_DAYS - 1)
    text = text_of(signed_in.get(response.url))
    assert "Pay by bank transfer" in text
    assert "Harbour Events Ltd" in text
    assert "IBAN GB33 BUKB 2020 1555 5555 55" in text
    assert "£25.00" in text
    assert payment.reference in text
    assert f'Pay by</dt><dd><time datetime="{held_until(held)}' in text


def test_checkout_links_to_the_transfer_details_chosen_before(signed_in, held):
    card = start(held)
    assert status_url(card) not in text_of(signed_in.get(checkout_url(held)))
    transfer = start(held, provider="bank_transfer")
    response = signed_in.get(checkout_url(held))
    assert f'href="{status_url(transfer)}">see how to pay</a>' in text_of(response)
    assert response.context["form"]["provider"].value() == "bank_transfer"


# The test card page --------------------------------------------------------------------------------


def test_card_page_shows_the_amount_and_the_test_numbers(signed_in, held):
    response = signed_in.get(card_url(start(held)))
    assert response.status_code == 200
    for words in (
        "£25.00",
        "4242 4242 4242 4242",
        "4000 0000 0000 0002",
        "4000 0000 0000 0077",
        "Card number",
    ):
        assert words in text_of(response)


def test_card_page_does_not_exist_where_the_test_card_is_off(signed_in, held, settings):
    payment = start(held)
    settings.PAYMENT_PROVIDERS = {"bank_transfer": "payments.providers.BankTransfer"}
    assert signed_in.get(card_url(payment)).status_code == 404
    assert signed_in.post(card_url(payment), {"number": Card.SUCCEEDS}).status_code == 404
    assert Payment.objects.get().state == "pending"


def test_card_page_of_someone_elses_payment_does_not_exist(client, other_attendee, held):
    payment = start(held)
    client.force_login(other_attendee)
    assert client.get(card_url(payment)).status_code == 404
    assert client.post(card_url(payment), {"number": Card.SUCCEEDS}).status_code == 404
    assert Payment.objects.get().state == "pending"


def test_paying_with_the_succeeding_card_confirms_the_ticket_and_invoices_it(signed_in, held):
    payment = start(held)
    response = signed_in.post(card_url(payment), {"number": "4242 4242 4242 4242"}, follow=True)
    assert response.redirect_chain[-1][0] == status_url(payment)
    held.refresh_from_db()
    payment.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED
    assert payment.state == "paid" and payment.provider_reference.startswith("tc_")
    invoice = Invoice.objects.get(payment=payment)
    assert invoice.gross == Decimal("25.00")
    assert "Paid. Your ticket is confirmed." in text_of(response)
    assert reverse("payments:invoice_pdf", args=[invoice.pk]) in text_of(response)
    assert f"Invoice {invoice.number} (PDF)" in text_of(response)


def test_the_card_page_sends_a_signed_webhook_through_the_webhook_service(signed_in, held, monkeypatch):
    received = []

    def handle_webhook(**kwargs):
        received.append(kwargs)
        return payment_services.handle_webhook(**kwargs)

    monkeypatch.setattr(views, "handle_webhook", handle_webhook)
    payment = start(held)
    signed_in.post(card_url(payment), {"number": Card.SUCCEEDS})
    [call] = received
    assert call["provider_name"] == "test_card"
    news = Card().read_webhook(body=call["body"], headers=call["headers"])  # a valid signature
    assert (news.reference, news.outcome, news.amount, news.currency) == (
        payment.reference,
        "paid",
        Decimal("25.00"),
        "GBP",
    )


def test_a_declined_card_keeps_the_hold_and_offers_to_try_again(signed_in, held):
    payment = start(held)
    until = held.hold_expires_at
    response = signed_in.post(card_url(payment), {"number": Card.DECLINED}, follow=True)
    held.refresh_from_db()
    payment.refresh_from_db()
    assert (held.status, held.hold_expires_at) == (Booking.Status.PENDING, until)
    assert payment.state == "failed"
    text = text_of(response)
    assert f'{DECLINED_WORDS} Your seat is held until <time datetime="{shown(until)}: try again.' in text
    assert f'href="{checkout_url(held)}">Try again</a>' in text
    retry = signed_in.post(checkout_url(held), {"name": "Robin", "provider": "test_card"})
    assert retry.url != card_url(payment)
    signed_in.post(retry.url, {"number": Card.SUCCEEDS})
    held.refresh_from_db()
    assert held.status == Booking.Status.CONFIRMED


def test_another_card_number_leaves_the_payment_being_processed(signed_in, held):
    payment = start(held)
    response = signed_in.post(card_url(payment), {"number": "4000 0000 0000 0077"}, follow=True)
    assert "Your payment is being processed" in text_of(response)
    assert f'href="{card_url(payment)}">Go back to the payment page</a>' in text_of(response)
    assert Payment.objects.get().state == "pending"
    assert Booking.objects.get().status == Booking.Status.PENDING


def test_card_page_of_a_finished_payment_shows_where_it_stands(signed_in, held):
    payment = start(held)
    signed_in.post(card_url(payment), {"number": Card.SUCCEEDS})
    for response in (
        signed_in.get(card_url(payment)),
        signed_in.post(card_url(payment), {"number": Card.DECLINED}),
    ):
        assert response.url == status_url(payment)
    assert Payment.objects.get().state == "paid"
    assert Invoice.objects.count() == 1


def test_card_page_without_a_number_asks_for_one(signed_in, held):
    response = signed_in.post(card_url(start(held)), {"number": ""})
    assert response.status_code == 200
    assert "Type a card number" in text_of(response)


# The status page -----------------------------------------------------------------------------------


def test_status_page_is_only_the_buyers(client, other_attendee, organizer, staff, held):
    payment = start(held)
    for user in (other_attendee, organizer, staff):
        client.force_login(user)
        assert client.get(status_url(payment)).status_code == 404
    assert client.get(reverse("payments:status", args=["EH-NONE-NONE"])).status_code == 404


def test_status_page_after_the_hold_ran_out_offers_to_book_again(signed_in, held, jazz):
    payment = start(held)
    expire(held)
    text = text_of(signed_in.get(status_url(payment)))
    assert "The time to pay for this ticket ran out" in text
    assert f'href="{jazz.get_absolute_url()}">Book again' in text


def test_status_page_of_a_refunded_card_payment_shows_the_refund_and_credit_note(
    signed_in, attendee, jazz, organizer
):
    booking = paid_booking(attendee, jazz)
    payment = Payment.objects.get(booking=booking)
    payment_services.refund_payment(payment=payment, by=organizer, amount=Decimal("10.00"))
    text = text_of(signed_in.get(status_url(payment)))
    assert "Partially refunded" in text
    assert "£10.00: Refund on its way" in text
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    assert f"Credit note {note.number} (PDF)" in text


def test_status_page_says_who_sends_a_bank_transfer_refund(signed_in, attendee, jazz, organizer):
    booking = services.book(user=attendee, event=jazz)
    payment = payment_services.mark_paid(payment=start(booking, provider="bank_transfer"), by=organizer)
    payment_services.refund_payment(payment=payment, by=organizer)
    text = text_of(signed_in.get(status_url(payment)))
    assert "£25.00: Refund to be sent by the organizer" in text


# My bookings ---------------------------------------------------------------------------------------


def test_my_bookings_show_a_held_ticket_with_its_pay_button(signed_in, held):
    text = text_of(signed_in.get(MINE))
    assert f'Awaiting payment — pay by <time datetime="{held_until(held)}' in text
    assert f'href="{checkout_url(held)}">Pay' in text


def test_my_bookings_show_an_expired_hold(signed_in, held):
    expire(held)
    text = text_of(signed_in.get(MINE))
    assert "Hold expired" in text
    assert checkout_url(held) not in text
    services.release_expired_holds()
    text = text_of(signed_in.get(MINE))
    assert "Hold expired" in text
    assert checkout_url(held) not in text


def test_my_bookings_show_what_was_paid_refunded_and_the_pdfs(signed_in, attendee, jazz, organizer):
    booking = services.book(user=attendee, event=jazz)
    payment = payment_services.mark_paid(payment=start(booking, provider="bank_transfer"), by=organizer)
    text = text_of(signed_in.get(MINE))
    assert "Paid: £25.00" in text
    invoice = Invoice.objects.get()
    assert f'href="{reverse("payments:invoice_pdf", args=[invoice.pk])}"' in text
    services.cancel_booking(booking=booking, by=attendee)
    text = text_of(signed_in.get(MINE))
    assert "Refunded: £25.00" in text
    assert "£25.00: Refund to be sent by the organizer" in text
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE, payment=payment)
    assert f"Invoice {invoice.number} (PDF)" in text
    assert f"Credit note {note.number} (PDF)" in text


def test_my_bookings_query_count_does_not_grow_with_payments(
    signed_in, attendee, organizer, django_assert_max_num_queries
):
    def add_bookings(count):
        for _ in range(count):
            event = EventFactory(organizer=organizer, currency="GBP")
            event.ticket_types.update(price=Decimal("25.00"))
            booking = paid_booking(attendee, event)
            payment_services.refund_payment(
                payment=booking.payments.get(), by=organizer, amount=Decimal("5.00")
            )
            services.book(user=attendee, event=EventFactory(organizer=organizer))  # a free one

    add_bookings(2)
    with django_assert_max_num_queries(10) as few:
        signed_in.get(MINE)
    add_bookings(8)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in.get(MINE)
    assert text_of(response).count("Credit note ") == 10


# The event page and cancelling ---------------------------------------------------------------------


def test_event_page_shows_the_held_ticket_and_pay_now(signed_in, held, jazz):
    text = text_of(signed_in.get(jazz.get_absolute_url()))
    assert f'A ticket is held for you until <time datetime="{held_until(held)}' in text
    assert f'href="{checkout_url(held)}">Pay now</a>' in text


def test_event_page_after_the_hold_ran_out_offers_booking_again(signed_in, held, jazz):
    expire(held)
    services.release_expired_holds()
    text = text_of(signed_in.get(jazz.get_absolute_url()))
    assert "The time to pay for your last ticket ran out" in text
    assert "Book a seat" in text


def test_cancelling_a_paid_ticket_says_what_is_refunded(signed_in, attendee, jazz):
    booking = paid_booking(attendee, jazz)
    cancel = reverse("bookings:cancel", args=[booking.pk])
    page = signed_in.get(cancel)
    assert "You paid £25.00 for this ticket: £25.00 will be refunded to you." in text_of(page)
    response = signed_in.post(cancel, follow=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert Refund.objects.get().amount == Decimal("25.00")
    assert "Your booking for “Harbour jazz evening” is cancelled. A refund of £25.00 will follow." in text_of(
        response
    )


def test_after_the_refund_window_the_cancel_page_says_so_and_offers_no_cancel_button(
    signed_in, attendee, jazz
):
    booking = paid_booking(attendee, jazz)
    Event.objects.filter(pk=jazz.pk).update(refund_cutoff_hours=24 * 365)
    page = signed_in.get(reverse("bookings:cancel", args=[booking.pk]))
    assert "Refunds for this event closed on" in text_of(page)
    assert "Yes, cancel" not in text_of(page)


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_card_paid_ticket_says_the_money_went_back(signed_in, attendee, jazz):
    """Committed for real: the card refund is sent on commit, before the page says how it went."""
    booking = paid_booking(attendee, jazz)
    response = signed_in.post(reverse("bookings:cancel", args=[booking.pk]), follow=True)
    assert Refund.objects.get().state == Refund.State.DONE
    assert "is cancelled. £25.00 has been refunded to you." in text_of(response)


def test_cancelling_a_ticket_paid_by_transfer_says_the_organizer_sends_the_refund(
    signed_in, attendee, jazz, organizer
):
    booking = services.book(user=attendee, event=jazz)
    payment_services.mark_paid(payment=start(booking, provider="bank_transfer"), by=organizer)
    response = signed_in.post(reverse("bookings:cancel", args=[booking.pk]), follow=True)
    assert "A refund of £25.00 will follow: the organizer sends it to you." in text_of(response)
    assert Refund.objects.get().state == Refund.State.TO_DO


def test_cancelling_a_paid_ticket_after_refunds_closed_is_refused_in_words(signed_in, attendee, jazz):
    booking = paid_booking(attendee, jazz)
    jazz.refund_cutoff_hours = 24 * 30
    jazz.save()
    response = signed_in.post(reverse("bookings:cancel", args=[booking.pk]), follow=True)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert not Refund.objects.exists()
    assert "Refunds for this event closed on" in text_of(response)
    assert "Please contact the organizer." in text_of(response)


def test_cancelling_a_held_ticket_refunds_nothing_and_frees_it(signed_in, held, jazz):
    start(held)
    response = signed_in.post(reverse("bookings:cancel", args=[held.pk]), follow=True)
    assert "Your booking for “Harbour jazz evening” is cancelled." in text_of(response)
    assert "refund" not in messages_of(response)[0].lower()
    assert Payment.objects.get().state == "cancelled"
    jazz.refresh_from_db()
    assert jazz.booked_seats == 0


# Invoice downloads ---------------------------------------------------------------------------------


@pytest.fixture
def invoice(attendee, jazz) -> Invoice:
    attendee.first_name, attendee.last_name = "Robin", "Hart"
    attendee.save()
    booking = services.book(user=attendee, event=jazz)
    payment_services.confirm_payment(payment=start(booking, name="Robin Hart"))
    return Invoice.objects.get()


def test_the_buyer_downloads_their_invoice_as_a_pdf(signed_in, invoice):
    response = signed_in.get(reverse("payments:invoice_pdf", args=[invoice.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.filename}"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert invoice.number in text
    assert "Robin Hart" in text


def test_the_buyer_downloads_a_credit_note(signed_in, invoice, organizer):
    payment_services.refund_payment(payment=invoice.payment, by=organizer)
    note = Invoice.objects.get(kind=Invoice.Kind.CREDIT_NOTE)
    response = signed_in.get(reverse("payments:invoice_pdf", args=[note.pk]))
    assert response["Content-Disposition"] == f'attachment; filename="credit-note-{note.number}.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"Corrects invoice {invoice.number}" in text


def test_the_organizer_and_staff_download_the_invoice_others_do_not_see_it(
    client, invoice, organizer, staff, other_organizer, other_attendee
):
    url = reverse("payments:invoice_pdf", args=[invoice.pk])
    for user, status in ((organizer, 200), (staff, 200), (other_organizer, 404), (other_attendee, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    client.logout()
    assert client.get(url).url.startswith(reverse("accounts:login"))
    client.force_login(other_attendee)
    assert client.get(reverse("payments:invoice_pdf", args=[invoice.pk + 1000])).status_code == 404


# Junk ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reference", ["%00", "x" * 5_000, "EH-%FF%FE", "..%2F..", "99999999999999999999999"])
def test_junk_references_are_not_found_never_a_server_error(signed_in, reference):
    """Not found (404), or refused at the door (400: a NUL in the address)."""
    for name in ("payments:status", "payments:test_card"):
        url = reverse(name, args=["REF"]).replace("REF", reference)
        assert signed_in.get(url).status_code in (400, 404)
        assert signed_in.post(url).status_code in (400, 404, 405)


@pytest.mark.parametrize("pk", ["0", "99999999999999999999999"])
def test_junk_ids_are_not_found_never_a_server_error(signed_in, pk):
    for name in ("payments:checkout", "payments:invoice_pdf"):
        assert signed_in.get(reverse(name, args=[1]).replace("1", pk, 1)).status_code == 404
    assert signed_in.post(reverse("payments:checkout", args=[1]).replace("1", pk, 1)).status_code == 404


def test_junk_in_the_forms_is_said_in_words(signed_in, held):
    response = signed_in.post(checkout_url(held), {"name": "Robin\x00", "provider": "test_card\x00"})
    assert response.status_code == 200
    assert "Null characters are not allowed." in text_of(response)
    payment = start(held)
    response = signed_in.post(card_url(payment), {"number": "4242\x00" * 100})
    assert response.status_code == 200
    assert not Payment.objects.exclude(state="pending").exists()
