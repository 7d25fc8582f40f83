"""The attendee's ticket: its page, its PDF, the links to it, the API's view of it and the event's .ics."""

import io
import re

import pytest
from django.urls import reverse
from icalendar import Calendar
from pypdf import PdfReader

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings import tickets
from bookings.services import book, cancel_booking
from bookings.tests.factories import fill
from events.calendars import calendar_uid
from events.services import SeatLayout, cancel_event, create_ticket_type
from events.tests.factories import EventFactory
from payments.tests.factories import expire, hold, priced_type

pytestmark = pytest.mark.django_db


def ticket_url(booking) -> str:
    return reverse("bookings:ticket", args=[booking.pk])


def pdf_url(booking) -> str:
    return reverse("bookings:ticket_pdf", args=[booking.pk])


def page_of(client, booking) -> str:
    response = client.get(ticket_url(booking))
    assert response.status_code == 200
    return response.text


def code_on(html: str) -> str | None:
    found = re.search(r'<code class="ticket-code">([^<]*)</code>', html)
    return found and found.group(1)


@pytest.fixture
def gala(organizer):
    return EventFactory(
        organizer=organizer, title="Winter gala", location="Opera house, Paris", timezone="Europe/Paris"
    )


@pytest.fixture
def ticket(attendee, gala):
    return book(user=attendee, event=gala)


# The page -------------------------------------------------------------------------


def test_the_owner_sees_the_qr_code_the_code_and_what_the_ticket_is_for(client, attendee, ticket):
    attendee.first_name, attendee.last_name, attendee.timezone = "Ada", "Lovelace", "America/New_York"
    attendee.save()
    client.force_login(attendee)

    html = page_of(client, ticket)

    assert code_on(html) == ticket.ticket_code
    svg = tickets.qr_svg(ticket)
    assert svg.startswith("<svg") and svg in html
    assert tickets.ticket_payload(ticket).splitlines()[:2] == [
        f"EVENTHUB-TICKET:{ticket.ticket_code}",
        "Winter gala",
    ]
    for fact in ("Winter gala", "Opera house, Paris", "General admission", "Ada Lovelace", "Confirmed"):
        assert fact in html
    assert "Europe/Paris" in html and "Your time" in html and "America/New_York" in html


def test_a_seated_ticket_names_its_seat(client, attendee, gala):
    stalls = create_ticket_type(
        event=gala, by=gala.organizer, name="Stalls", layout=SeatLayout(rows=1, seats_per_row=2)
    )
    booking = book(user=attendee, event=gala, ticket_type=stalls)
    client.force_login(attendee)

    assert "Row A, seat 1" in page_of(client, booking)
    assert "Row A, seat 1" in tickets.ticket_payload(booking).splitlines()


def test_the_page_keeps_to_the_sites_content_security_policy(client, attendee, ticket):
    client.force_login(attendee)
    response = client.get(ticket_url(ticket))
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "style=" not in response.text
    assert not re.search(r"<script(?![^>]*\ssrc=)", response.text)  # every script is a file of the site
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize("who", ["other_attendee", "organizer", "staff"])
def test_anyone_but_the_owner_finds_no_ticket(client, request, ticket, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(ticket_url(ticket)).status_code == 404
    assert client.get(pdf_url(ticket)).status_code == 404


def test_an_unknown_booking_has_no_ticket(client, attendee):
    client.force_login(attendee)
    assert client.get(reverse("bookings:ticket", args=[999_999])).status_code == 404


@pytest.mark.parametrize("url", [ticket_url, pdf_url])
def test_signed_out_the_ticket_asks_to_sign_in_first(client, ticket, url):
    response = client.get(url(ticket))
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={url(ticket)}"


def test_a_held_ticket_awaits_payment_with_a_link_to_pay(client, attendee, gala):
    booking = hold(user=attendee, event=gala, ticket_type=priced_type(gala))
    client.force_login(attendee)

    html = page_of(client, booking)

    assert "Awaiting payment" in html
    assert reverse("payments:checkout", args=[booking.pk]) in html
    assert "<svg" not in html and code_on(html) is None and booking.ticket_code not in html


def waitlisted(attendee, gala):
    fill(gala, users=UserFactory.create_batch(gala.capacity))
    return book(user=attendee, event=gala, waitlist=True)


def cancelled(attendee, gala):
    booking = book(user=attendee, event=gala)
    return cancel_booking(booking=booking, by=attendee)


def expired(attendee, gala):
    return expire(hold(user=attendee, event=gala, ticket_type=priced_type(gala)))


def event_called_off(attendee, gala):
    booking = book(user=attendee, event=gala)
    cancel_event(event=gala, by=gala.organizer)
    return booking


@pytest.mark.parametrize(
    ("state", "words"),
    [
        (waitlisted, "You're on the waitlist, so there is no ticket yet."),
        (cancelled, "This booking was cancelled, so it has no ticket."),
        (expired, "The time to pay for this ticket ran out"),
        (event_called_off, "This event has been cancelled, so this booking has no ticket."),
    ],
)
def test_a_booking_without_a_place_says_why_and_leads_back(client, attendee, gala, state, words):
    booking = state(attendee, gala)
    client.force_login(attendee)

    html = page_of(client, booking)

    assert words in html
    assert "<svg" not in html and code_on(html) is None
    assert gala.get_absolute_url() in html and reverse("bookings:mine") in html
    assert client.get(pdf_url(booking)).url == ticket_url(booking)  # no PDF: its page says why


def test_booking_again_after_cancelling_shows_a_new_code_and_never_the_old(client, attendee, gala, ticket):
    old_code, old_svg = ticket.ticket_code, tickets.qr_svg(ticket)
    cancel_booking(booking=ticket, by=attendee)
    again = book(user=attendee, event=gala)
    client.force_login(attendee)

    html = page_of(client, again)

    assert again.pk == ticket.pk and again.ticket_code != old_code
    assert code_on(html) == again.ticket_code
    assert old_code not in html and old_svg not in html
    assert tickets.qr_svg(again) in html


# The PDF --------------------------------------------------------------------------


def test_the_pdf_is_one_page_with_the_code_and_the_event(client, attendee, ticket):
    client.force_login(attendee)

    response = client.get(pdf_url(ticket))

    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="ticket-{ticket.event.slug}-{ticket.pk}.pdf"'
    )
    pdf = PdfReader(io.BytesIO(response.content))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    for fact in (ticket.ticket_code, "Winter gala", "Opera house, Paris", "General admission", "Confirmed"):
        assert fact in text
    assert len(pdf.pages[0].images) == 1  # the QR code


# Links to it ----------------------------------------------------------------------


def test_my_bookings_link_each_confirmed_ticket_only(client, attendee, gala, ticket, organizer):
    elsewhere = EventFactory(organizer=organizer)
    held = hold(user=attendee, event=elsewhere, ticket_type=priced_type(elsewhere))
    client.force_login(attendee)

    html = client.get(reverse("bookings:mine")).text

    assert ticket_url(ticket) in html
    assert ticket_url(held) not in html


def test_my_bookings_link_no_ticket_once_the_event_is_called_off(client, attendee, gala):
    booking = event_called_off(attendee, gala)
    client.force_login(attendee)
    assert ticket_url(booking) not in client.get(reverse("bookings:mine")).text


def test_the_event_page_links_my_confirmed_ticket(client, attendee, gala, ticket):
    client.force_login(attendee)
    html = client.get(gala.get_absolute_url(), follow=True).text
    assert "Show my ticket" in html and ticket_url(ticket) in html


def test_the_event_page_links_no_ticket_while_it_awaits_payment(client, attendee, gala):
    booking = hold(user=attendee, event=gala, ticket_type=priced_type(gala))
    client.force_login(attendee)
    assert ticket_url(booking) not in client.get(gala.get_absolute_url(), follow=True).text


# The API --------------------------------------------------------------------------


def booking_api(api_client, user, booking):
    api_client.force_authenticate(user)
    return api_client.get(f"/api/bookings/{booking.pk}/").json()


def qr_answer(api_client, user, booking, **headers):
    api_client.force_authenticate(user)
    return api_client.get(f"/api/bookings/{booking.pk}/qr/", **headers)


def test_the_owner_reads_the_code_and_fetches_the_qr_code(api_client, attendee, ticket):
    body = booking_api(api_client, attendee, ticket)
    assert body["ticket_code"] == ticket.ticket_code
    assert body["ticket_qr_url"] == f"http://testserver/api/bookings/{ticket.pk}/qr/"
    answer = qr_answer(api_client, attendee, ticket)
    assert answer.status_code == 200 and answer["Content-Type"] == "image/svg+xml"
    assert answer.content.decode() == tickets.qr_svg(ticket)
    assert "private" in answer["Cache-Control"]


def test_the_qr_code_is_not_sent_again_while_the_ticket_is_unchanged(api_client, attendee, ticket):
    etag = qr_answer(api_client, attendee, ticket)["ETag"]
    assert qr_answer(api_client, attendee, ticket, HTTP_IF_NONE_MATCH=etag).status_code == 304
    ticket.event.title = "Gala, moved to the big hall"
    ticket.event.save()
    assert qr_answer(api_client, attendee, ticket, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_organizer_reads_the_booking_but_not_its_ticket(api_client, organizer, ticket):
    body = booking_api(api_client, organizer, ticket)
    assert body["id"] == ticket.pk
    assert body["ticket_code"] is None and body["ticket_qr_url"] is None
    assert qr_answer(api_client, organizer, ticket).json()["code"] == "not_found"
    api_client.force_authenticate(organizer)
    listed = api_client.get(f"/api/events/{ticket.event_id}/bookings/").json()["results"]
    assert ticket.ticket_code not in str(listed)


def test_someone_else_cannot_read_the_booking(api_client, other_attendee, ticket):
    api_client.force_authenticate(other_attendee)
    assert api_client.get(f"/api/bookings/{ticket.pk}/").status_code == 404
    assert qr_answer(api_client, other_attendee, ticket).status_code == 404


def test_a_booking_without_a_place_shows_no_ticket(api_client, attendee, gala):
    held = hold(user=attendee, event=gala, ticket_type=priced_type(gala))
    body = booking_api(api_client, attendee, held)
    assert held.ticket_code and body["ticket_code"] is None and body["ticket_qr_url"] is None
    refused = qr_answer(api_client, attendee, held)
    assert refused.status_code == 409 and refused.json()["code"] == "no_ticket"


def test_the_bookings_list_with_tickets_runs_a_fixed_number_of_queries(
    api_client, attendee, organizer, django_assert_max_num_queries
):
    for _ in range(8):
        book(user=attendee, event=EventFactory(organizer=organizer))
    api_client.force_authenticate(attendee)

    with django_assert_max_num_queries(4):  # the count, the page, the answers, the payments
        results = api_client.get("/api/bookings/").json()["results"]

    assert len(results) == 8 and all(item["ticket_qr_url"].endswith("/qr/") for item in results)


# The event's .ics on the API ------------------------------------------------------


def calendar_api(api_client, event, **headers):
    return api_client.get(f"/api/events/{event.pk}/calendar.ics/", **headers)


def test_a_published_event_gives_its_calendar_entry_to_anyone(api_client, gala):
    response = calendar_api(api_client, gala, HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{gala.slug}.ics"'
    (entry,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(entry["uid"]) == calendar_uid(gala) and str(entry["summary"]) == "Winter gala"


def test_a_draft_gives_its_calendar_entry_to_its_organizer_only(
    api_client, draft_event, organizer, other_organizer, attendee
):
    assert calendar_api(api_client, draft_event).status_code == 404
    for outsider in (attendee, other_organizer):
        api_client.force_authenticate(outsider)
        response = calendar_api(api_client, draft_event)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    api_client.force_authenticate(organizer)
    assert calendar_api(api_client, draft_event).status_code == 200


def test_an_unknown_event_has_no_calendar_entry(api_client):
    assert api_client.get("/api/events/999999/calendar.ics/").status_code == 404


# In a browser ---------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_ticket_shows_a_big_qr_code_and_prints_without_the_sites_menus(live_server, page):
    from playwright.sync_api import expect

    robin = UserFactory(username="robin")
    booking = book(user=robin, event=EventFactory(title="Winter gala"))
    refused = []
    page.on("console", lambda message: refused.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{reverse('bookings:mine')}")
    page.get_by_role("link", name="Ticket for “Winter gala”").click()

    qr = page.locator(".ticket-qr svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] >= 250
    expect(page.locator(".ticket-code")).to_have_text(booking.ticket_code)
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # its script ran: the CSP allows it
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"ticket-winter-gala-{booking.pk}.pdf"

    page.emulate_media(media="print")
    expect(qr).to_be_visible()
    expect(page.locator(".ticket-code")).to_be_visible()
    for hidden in (page.get_by_role("navigation", name="Main"), page.get_by_role("button", name="Print")):
        expect(hidden).to_be_hidden()
    assert not refused
