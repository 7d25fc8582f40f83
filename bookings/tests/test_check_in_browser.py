"""The check-in desk in a real browser: a ticket booked and shown by its attendee, then typed in at the
desk, or read by the device's camera (Chromium's fake camera playing the ticket's QR code)."""

import pytest
import segno
from django.urls import reverse

from accounts.tests.browser import sign_in
from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings.models import Booking
from bookings.tests.factories import make_booking
from bookings.tickets import ticket_payload
from eventhub.testing import chromium
from events.tests.factories import EventFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_out(page) -> None:
    page.get_by_role("button", name="Log out").click()


def console_errors(page) -> list[str]:
    """Errors the page logs from now on: a script or a camera refused by the CSP would show here."""
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def local_time(booking) -> str:
    booking.refresh_from_db()
    return f"{booking.checked_in_at:%H:%M}"  # the event's zone is UTC here


def test_a_ticket_booked_in_the_browser_is_typed_in_at_the_desk(live_server, page):
    from playwright.sync_api import expect

    organizer = OrganizerFactory(username="olivia")
    robin = UserFactory(username="robin", first_name="Robin", last_name="Hart")
    event = EventFactory(organizer=organizer, title="Harbour jazz evening", capacity=3)
    errors = console_errors(page)

    sign_in(page, live_server, robin.username)
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.get_by_role("button", name="Book a seat").click()
    expect(page.get_by_text("You're booked for “Harbour jazz evening”")).to_be_visible()
    page.get_by_role("link", name="My bookings").click()
    page.get_by_role("link", name="Ticket for “Harbour jazz evening”").click()
    code = page.locator(".ticket-code").inner_text().strip()
    booking = Booking.objects.get(user=robin, event=event)
    assert page.url == f"{live_server.url}{reverse('bookings:ticket', args=[booking.pk])}"
    sign_out(page)

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, organizer.username)
    page.goto(f"{live_server.url}/manage/events/{event.pk}/check-in/")
    expect(page.get_by_text("0 of 1 checked in")).to_be_visible()
    page.get_by_label("Ticket code").fill(code)
    page.get_by_role("button", name="Check in", exact=True).click()

    expect(page.locator(".desk-headline")).to_have_text("Checked in")
    expect(page.locator(".desk-detail")).to_have_text("Robin Hart · General admission")
    expect(page.get_by_text("1 of 1 checked in")).to_be_visible()
    expect(page.get_by_label("Ticket code")).to_have_value("")  # ready for the next one
    page.get_by_label("Ticket code").fill(code)
    page.get_by_label("Ticket code").press("Enter")
    expect(page.locator(".desk-headline")).to_have_text(
        f"Already checked in at {local_time(booking)} by olivia"
    )
    booking.refresh_from_db()
    assert booking.checked_in_by == organizer
    assert errors == []


def y4m_of(text: str, path) -> None:
    """A short video of a QR code holding ``text`` on white, as Chromium's fake camera plays it."""
    width, height, scale = 640, 480, 8
    matrix = [
        list(row) for row in segno.make(text, error="m", micro=False).matrix_iter(scale=scale, border=4)
    ]
    luma = bytearray(b"\xff" * (width * height))
    top, left = (height - len(matrix)) // 2, (width - len(matrix[0])) // 2
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                luma[(top + y) * width + left + x] = 0
    chroma = b"\x80" * (width * height // 4)
    frame = b"FRAME\n" + bytes(luma) + chroma + chroma
    path.write_bytes(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode() + frame * 10)


@pytest.fixture
def camera_video(tmp_path):
    """What the camera films: the test writes it (y4m_of) before the page starts the camera."""
    return tmp_path / "ticket.y4m"


@pytest.fixture
def camera_page(camera_video, monkeypatch):
    """A phone-sized page whose camera, allowed without asking, films ``camera_video``."""
    fake_camera = (
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={camera_video}",
    )
    with chromium(monkeypatch, *fake_camera) as browser:
        page = browser.new_page(viewport=PHONE)
        page.set_default_timeout(15_000)
        yield page


def test_the_camera_reads_a_tickets_qr_code_and_checks_it_in(live_server, camera_page, camera_video):
    from playwright.sync_api import expect

    page = camera_page
    organizer = OrganizerFactory(username="olivia")
    event = EventFactory(organizer=organizer, title="Harbour jazz evening")
    robin = UserFactory(username="robin", first_name="Robin", last_name="Hart")
    booking = make_booking(user=robin, event=event)
    y4m_of(ticket_payload(booking), camera_video)
    errors = console_errors(page)

    sign_in(page, live_server, organizer.username)
    page.goto(f"{live_server.url}/manage/events/{event.pk}/check-in/")
    page.get_by_role("button", name="Scan tickets with the camera").click()

    expect(page.locator(".desk-headline")).to_have_text("Checked in")
    expect(page.locator(".desk-detail")).to_have_text("Robin Hart · General admission")
    expect(page.get_by_text("1 of 1 checked in")).to_be_visible()
    page.get_by_role("button", name="Stop the camera").click()
    expect(page.get_by_role("button", name="Scan tickets with the camera")).to_be_visible()
    booking.refresh_from_db()
    assert booking.checked_in_by == organizer
    assert errors == []
