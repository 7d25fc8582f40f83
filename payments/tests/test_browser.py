"""Buying a ticket in a real browser: book, pay on the test card page, download the invoice."""

import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings.models import Booking
from eventhub.testing import chromium
from events.tests.factories import EventFactory
from payments.models import Invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(monkeypatch):
    """A headless Chromium page that keeps what it downloads (the invoice PDF)."""
    with chromium(monkeypatch) as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page


def test_attendee_buys_a_ticket_by_card_and_downloads_the_invoice(live_server, page):
    from playwright.sync_api import expect

    robin = UserFactory(username="robin", first_name="Robin", last_name="Hart")
    event = EventFactory(title="Harbour jazz evening", timezone="Europe/London", currency="GBP")
    event.ticket_types.update(price=Decimal("25.00"), tax_rate=Decimal("20.00"))
    refused_scripts = []
    page.on(
        "console", lambda message: refused_scripts.append(message.text) if message.type == "error" else None
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.get_by_role("button", name="Book a seat").click()

    expect(page.get_by_role("heading", name="Pay for your ticket")).to_be_visible()
    expect(page.get_by_text("Held for you until")).to_be_visible()
    expect(page.locator("[data-countdown]")).to_have_text(re.compile(r"^1?\d:\d\d left\.$"))
    expect(page.get_by_label("Name on the invoice")).to_have_value("Robin Hart")
    page.get_by_label("Card (test mode)").check()
    page.get_by_role("button", name="Continue to pay £25.00").click()

    expect(page.get_by_role("heading", name="Card payment (test mode)")).to_be_visible()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name="Pay £25.00").click()

    expect(page.get_by_text("Paid. Your ticket is confirmed.")).to_be_visible()
    assert Booking.objects.get(user=robin, event=event).status == Booking.Status.CONFIRMED
    invoice = Invoice.objects.get(payment__booking__user=robin)
    with page.expect_download() as download:
        page.get_by_role("link", name=f"Invoice {invoice.number} (PDF)").click()
    assert download.value.suggested_filename == invoice.filename
    with open(download.value.path(), "rb") as pdf:
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.read())).pages)
    assert invoice.number in text
    assert "Robin Hart" in text
    assert not refused_scripts
