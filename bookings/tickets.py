"""Tickets: the random code a ticket carries and what its QR code says.

The QR code holds the code on its first line, then the event, its time and
place, the ticket type and the seat, so a ticket read by any phone's camera
still tells a person what it is for. The check-in desk reads the code back
from the whole text (``code_from_scan``) or from a code typed by hand.

Only a confirmed place at an event still on is a ticket (``has_ticket``): a
held one awaits payment, and a cancelled or expired booking keeps its old code
on record only so that it scans as what it is.
"""

import hashlib
import io
import re
import secrets
from contextlib import suppress
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

import segno
from django.core.cache import cache
from django.utils import dateformat, timezone
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from bookings.models import Booking
from eventhub.cache import CACHE_ERRORS
from events.models import Event

# The code's line in the QR text: "EVENTHUB-TICKET:<code>".
PREFIX = "EVENTHUB-TICKET:"
_CODE = re.compile(r"[A-Za-z0-9_-]{16,32}")
DAY_AND_TIME = "D j M Y, H:i"  # as the pages show it (includes/time_range.html)


def new_ticket_code() -> str:
    """A fresh, unguessable ticket code (about 120 random bits, URL-safe, 20 characters)."""
    return secrets.token_urlsafe(15)


def ticket_payload(booking) -> str:
    """The text of the ticket's QR code: the code, then what the ticket is for, one line each."""
    event = booking.event
    starts = timezone.localtime(event.starts_at, ZoneInfo(event.timezone))
    lines = [
        f"{PREFIX}{booking.ticket_code}",
        event.title,
        f"{starts:%Y-%m-%d %H:%M} {event.timezone}",
        event.location,
        booking.ticket_type.name,
    ]
    if booking.seat_id:
        lines.append(booking.seat.label)
    return "\n".join(line for line in lines if line)


def code_from_scan(text: str) -> str | None:
    """The ticket code in what a scanner read or a person typed, or None when there is none.

    Accepts a whole QR text (its first line carries the code) or the bare code, with
    spaces around it.
    """
    first = (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""
    if first.upper().startswith(PREFIX):
        first = first[len(PREFIX) :].strip()
    return first if _CODE.fullmatch(first) else None


def _qr(booking) -> segno.QRCode:
    # Medium error correction: still reads from a creased printout or a scratched screen.
    return segno.make(ticket_payload(booking), error="m", micro=False)


QR_CACHE_SECONDS = 24 * 60 * 60


def has_ticket(booking) -> bool:
    """Whether the booking is a ticket that admits its holder: a confirmed place at an event still on."""
    return booking.status == Booking.Status.CONFIRMED and booking.event.status != Event.Status.CANCELLED


def qr_svg(booking) -> str:
    """The ticket's QR code as an inline SVG element (for pages and the API).

    It has a viewBox and no size, so it fills the box it is put in; its light
    background is drawn, so it scans on a dark screen too. Encoding takes about
    10 ms (choosing the best mask), so the SVG is kept in the cache under its
    text's digest: a changed event or a new code makes a new one.
    """
    payload = ticket_payload(booking)
    key = f"ticket-qr-svg:{hashlib.sha256(payload.encode()).hexdigest()}"
    with suppress(*CACHE_ERRORS):
        if (svg := cache.get(key)) is not None:
            return svg
    svg = _qr(booking).svg_inline(border=2, omitsize=True, light="#fff", title="Ticket QR code")
    with suppress(*CACHE_ERRORS):
        cache.set(key, svg, QR_CACHE_SECONDS)
    return svg


def qr_png(booking, *, scale: int = 6) -> bytes:
    """The ticket's QR code as a PNG (for emails, where SVG is not shown everywhere)."""
    out = io.BytesIO()
    _qr(booking).save(out, kind="png", scale=scale, border=2)
    return out.getvalue()


def ticket_pdf(booking) -> bytes:
    """The ticket as a one-page A4 PDF: its QR code, its code in letters, and what it is for."""
    event, styles = booking.event, getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=f"Ticket: {event.title}",
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    code = styles["Code"].clone("TicketCode", fontSize=14, leading=18, alignment=TA_CENTER)
    facts = Table(
        [[label, Paragraph(escape(value), styles["Normal"])] for label, value in _facts(booking)],
        colWidths=[35 * mm, 135 * mm],
    )
    facts.setStyle(
        TableStyle([("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    doc.build(
        [
            Paragraph(escape(event.title), styles["Title"]),
            Image(io.BytesIO(qr_png(booking)), width=70 * mm, height=70 * mm),
            Paragraph(escape(booking.ticket_code), code),
            Spacer(1, 8 * mm),
            facts,
        ]
    )
    return out.getvalue()


def _facts(booking) -> list[tuple[str, str]]:
    """What the ticket is for, line by line, the times as the pages show them."""
    event, user = booking.event, booking.user
    rows = [("When", _time_range(event, event.timezone))]
    if user.timezone != event.timezone:
        rows.append(("Your time", _time_range(event, user.timezone)))
    rows += [("Where", event.place), ("Ticket", booking.ticket_type.name)]
    if booking.seat_id:
        rows.append(("Seat", booking.seat.label))
    rows += [("Attendee", user.name), ("Status", booking.status_label)]
    return rows


def _time_range(event, zone_name: str) -> str:
    """The event's start and end in ``zone_name``; the date once when both fall on the same day."""
    zone = ZoneInfo(zone_name)
    starts, ends = event.starts_at.astimezone(zone), event.ends_at.astimezone(zone)
    start = dateformat.format(starts, DAY_AND_TIME)
    if starts.date() == ends.date():
        return f"{start}\N{EN DASH}{dateformat.format(ends, 'H:i')} ({zone_name})"
    return f"{start} \N{EN DASH} {dateformat.format(ends, DAY_AND_TIME)} ({zone_name})"
