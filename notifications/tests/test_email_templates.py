"""Every kind of email renders from real rows, as text and as HTML, in the recipient's time zone,
with the event's name, time, place and link, and carries what it promises (the ticket's QR code,
the event for calendars, the invoice)."""

import io
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar
from PIL import Image
from pypdf import PdfReader

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import book, cancel_booking
from eventhub.emails import absolute
from events.tests.factories import EventFactory
from notifications import emails
from payments.models import Invoice
from payments.tests.factories import hold, pay, priced_type

pytestmark = pytest.mark.django_db

TITLE = "Jazz & <Blues> night"
# 10:00 in UTC is 19:00 in Tokyo, the same day.
STARTS = datetime(2031, 5, 1, 10, 0, tzinfo=UTC)
TOKYO_START = "1 May 2031, 19:00"
TICKET_KINDS = ("booking_confirmed", "booking_promoted", "booking_reminder")


def part(message, content_type: str):
    """The one part of ``message``, as it goes out (MIME), with ``content_type``."""
    found = [p for p in message.message().walk() if p.get_content_type() == content_type]
    assert len(found) == 1, [p.get_content_type() for p in message.message().walk()]
    return found[0]


def html_of(message) -> str:
    (content, mimetype), *_ = message.alternatives
    assert mimetype == "text/html"
    return content


def calendar_entry(message):
    """The .ics the message carries, parsed: its one event entry."""
    ics = part(message, "text/calendar").get_payload(decode=True)
    (entry,) = Calendar.from_ical(ics).walk("VEVENT")
    return entry


def assert_qr_code_shown(message, booking):
    """The ticket's QR code is a PNG part of the message, shown by the HTML through its Content-ID."""
    image = part(message, "image/png")
    assert image["Content-ID"] == f"<{emails.QR_CONTENT_ID}>"
    assert f'src="cid:{emails.QR_CONTENT_ID}"' in html_of(message)
    assert Image.open(io.BytesIO(image.get_payload(decode=True))).format == "PNG"
    ticket_url = absolute(f"/bookings/{booking.pk}/ticket/")
    assert ticket_url in message.body and ticket_url in html_of(message)


# A booking in the state each kind of email is about, and what its signal said.


def confirmed(user, event):
    return book(user=user, event=event), {}


def held(user, event):
    return hold(user=user, event=event, ticket_type=priced_type(event)), {}


def waitlisted(user, event):
    book(user=UserFactory(), event=event)
    book(user=UserFactory(), event=event, waitlist=True)
    return book(user=user, event=event, waitlist=True), {}


def cancelled_by_organizer(user, event):
    return cancel_booking(booking=book(user=user, event=event), by=event.organizer), {"by_owner": False}


def paid(user, event):
    payment = pay(hold(user=user, event=event, ticket_type=priced_type(event)))
    return Booking.objects.get(pk=payment.booking_id), {"payment_id": payment.pk}


def moved(user, event):
    changes = {"starts_at": (STARTS, STARTS + timedelta(hours=2)), "location": ("Old hall", "New hall")}
    return book(user=user, event=event), {"changes": emails.plain_changes(changes)}


CASES = {
    "booking_confirmed": confirmed,
    "booking_promoted": confirmed,
    "booking_offered": held,
    "booking_waitlisted": waitlisted,
    "booking_cancelled": cancelled_by_organizer,
    "booking_reminder": confirmed,
    "payment_received": paid,
    "event_changed": moved,
    "event_cancelled": confirmed,
}


@pytest.fixture
def tokyo():
    return UserFactory(timezone="Asia/Tokyo")


@pytest.fixture
def event():
    return EventFactory(
        title=TITLE,
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=2),
        location="Blue Note, Tokyo",
        capacity=1,
    )


def email(kind, user, event):
    booking, details = CASES[kind](user, event)
    booking = Booking.objects.select_related("event", "ticket_type", "seat", "user").get(pk=booking.pk)
    return booking, emails.booking_email(kind, booking, details)


def test_every_kind_of_email_has_a_case_here():
    assert set(CASES) == set(emails.BOOKING_EMAILS)


@pytest.mark.parametrize("kind", sorted(CASES))
def test_every_email_renders_as_text_and_html_in_the_recipients_zone(kind, tokyo, event):
    _, message = email(kind, tokyo, event)
    html = html_of(message)

    assert message.to == [tokyo.email]
    assert TITLE in message.subject and "\n" not in message.subject
    assert TITLE in message.body and "Jazz &amp; &lt;Blues&gt; night" in html and "<Blues>" not in html
    for body in (message.body, html):
        assert TOKYO_START in body and "21:00 (Asia/Tokyo)" in body
        assert "Blue Note, Tokyo" in body
        assert absolute(event.get_absolute_url()) in body
        assert f"Hello {tokyo.username}" in body
    assert "{{" not in message.body + html and "{%" not in message.body + html


@pytest.mark.parametrize("kind", TICKET_KINDS)
def test_ticket_emails_show_the_qr_code_and_carry_the_event_for_calendars(kind, tokyo, event):
    booking, message = email(kind, tokyo, event)

    assert_qr_code_shown(message, booking)
    entry = calendar_entry(message)
    assert entry["summary"] == TITLE
    assert entry.decoded("dtstart") == STARTS


def test_the_event_changed_email_lists_each_change_old_to_new_in_the_recipients_zone(tokyo, event):
    _, message = email("event_changed", tokyo, event)

    assert "Starts: Thursday 1 May 2031, 19:00 -> Thursday 1 May 2031, 21:00 (Asia/Tokyo)" in message.body
    assert "Place: Old hall -> New hall" in message.body
    assert "Ends" not in message.body
    assert "21:00</strong>" in html_of(message)
    assert "(starts, place)" in message.subject
    assert calendar_entry(message)["summary"] == TITLE


def test_the_waitlist_email_gives_the_place_in_line(tokyo, event):
    _, message = email("booking_waitlisted", tokyo, event)
    assert "number 2" in message.subject and "number 2 in line" in message.body


def test_the_cancellation_email_says_who_cancelled(tokyo, event):
    _, message = email("booking_cancelled", tokyo, event)
    assert "The organizer cancelled your booking" in message.body


def test_the_payment_email_carries_the_invoice_and_the_amount_as_pages_show_it(tokyo, event):
    booking, message = email("payment_received", tokyo, event)
    invoice = Invoice.objects.get(payment__booking=booking)

    pdf = part(message, "application/pdf")
    assert pdf.get_filename() == invoice.filename
    assert invoice.number in PdfReader(io.BytesIO(pdf.get_payload(decode=True))).pages[0].extract_text()
    assert "€25.00" in message.subject and "€25.00" in message.body and "€25.00" in html_of(message)


def test_the_event_cancelled_email_says_a_paid_ticket_is_refunded(tokyo, event):
    booking, _ = confirmed(tokyo, event)
    booking.paid = True
    message = emails.booking_email("event_cancelled", booking)
    assert "refunded to you in full" in message.body and "refunded to you in full" in html_of(message)
    assert calendar_entry(message)["summary"] == TITLE
