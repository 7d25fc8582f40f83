"""The emails about bookings, events and payments: which template, what it shows, what is attached.

Every email is about one booking and goes to its owner: ``BOOKING_EMAILS`` says, per
kind, what the booking must still be when the email is sent and what the email
carries; ``booking_email`` builds any of them from ``templates/emails/<kind>.*``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from email.mime.image import MIMEImage

from django.db.models import CharField, Exists, OuterRef, Q, Sum, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse

from bookings.models import Booking
from bookings.tickets import qr_png
from eventhub.emails import Attachment, absolute, build_email
from events.calendars import event_calendar
from events.models import Event
from notifications.models import SentEmail
from payments.invoicing import pdf_of
from payments.models import Invoice, Payment, Refund

Status = Booking.Status

# The ticket's QR code travels as an inline image of the message, shown by the HTML at "cid:<this>".
QR_CONTENT_ID = "ticket-qr@eventhub"

# What an event's time-or-place email lists, in this order (events.signals.event_changed).
CHANGE_LABELS = {
    "starts_at": "Starts",
    "ends_at": "Ends",
    "location": "Place",
    "attendance": "Held",
    "address": "Address",
    "city": "City",
    "timezone": "Event's time zone",
}
TIME_FIELDS = ("starts_at", "ends_at")


@dataclass(frozen=True)
class Extra:
    """What a kind of email adds to the event and booking every email shows."""

    context: dict = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()
    inline: tuple[MIMEImage, ...] = ()


def _ticket(booking: Booking, details: dict) -> Extra:
    """The ticket: its page, its QR code shown in the message, the event for the calendar."""
    qr = MIMEImage(qr_png(booking), "png")
    qr.add_header("Content-ID", f"<{QR_CONTENT_ID}>")
    qr.add_header("Content-Disposition", "inline", filename="ticket-qr-code.png")
    return Extra(
        context={
            "ticket_url": absolute(reverse("bookings:ticket", args=[booking.pk])),
            "qr_src": f"cid:{QR_CONTENT_ID}",
        },
        attachments=_calendar(booking, details).attachments,
        inline=(qr,),
    )


def _calendar(booking: Booking, details: dict) -> Extra:
    """The event as it is now, for calendars (an entry imported before is updated, not doubled)."""
    event = booking.event
    return Extra(attachments=(Attachment(f"{event.slug}.ics", event_calendar(event), "text/calendar"),))


def _waitlist_position(booking: Booking, details: dict) -> Extra:
    """Where the booking stands in its event's line: 1 for the next to be served."""
    ahead = Booking.objects.filter(event_id=booking.event_id, status=Status.WAITLISTED).filter(
        Q(waitlisted_at__lt=booking.waitlisted_at) | Q(waitlisted_at=booking.waitlisted_at, pk__lt=booking.pk)
    )
    return Extra(context={"position": ahead.count() + 1})


def _cancellation(booking: Booking, details: dict) -> Extra:
    """Who cancelled (the signal said; the row does not keep it) and what the cancellation refunded."""
    refunded = Refund.objects.filter(
        payment__booking=booking, created_at__gte=booking.cancelled_at
    ).aggregate(total=Sum("amount"))["total"]
    return Extra(context={"by_owner": details["by_owner"], "refunded": refunded or Decimal("0.00")})


def _changes(booking: Booking, details: dict) -> Extra:
    """The event's changes as (label, old, new) rows; times back as datetimes, shown in the reader's zone."""
    rows = [
        {
            "label": label,
            "old": _from_plain(name, details["changes"][name][0]),
            "new": _from_plain(name, details["changes"][name][1]),
            "is_time": name in TIME_FIELDS,
        }
        for name, label in CHANGE_LABELS.items()
        if name in details["changes"]
    ]
    return Extra(context={"changes": rows}, attachments=_calendar(booking, details).attachments)


def _payment(booking: Booking, details: dict) -> Extra:
    """The payment received and its invoice, as a PDF (drawn after the payment committed, once)."""
    payment = Payment.objects.get(pk=details["payment_id"])
    invoice = Invoice.objects.get(payment=payment, kind=Invoice.Kind.INVOICE)
    return Extra(
        context={
            "payment": payment,
            "invoice": invoice,
            "payment_url": absolute(reverse("payments:status", args=[payment.reference])),
        },
        attachments=(Attachment(invoice.filename, pdf_of(invoice), "application/pdf"),),
    )


@dataclass(frozen=True)
class Kind:
    """One kind of email about a booking."""

    # What the booking must still be when the email goes (one cancelled a second after it was
    # confirmed gets no confirmation); the batch emails pick their recipients by it.
    statuses: tuple[str, ...]
    # The booking's field that tells this occurrence from the next (a booking confirmed, cancelled,
    # then confirmed again has a new ticket code): part of the send-once key. None: once per booking.
    moment: str | None = "ticket_code"
    extra: Callable[[Booking, dict], Extra] | None = None


BOOKING_EMAILS = {
    "booking_confirmed": Kind((Status.CONFIRMED,), extra=_ticket),
    "booking_promoted": Kind((Status.CONFIRMED,), extra=_ticket),
    "booking_offered": Kind((Status.PENDING,)),
    "booking_waitlisted": Kind((Status.WAITLISTED,), moment="waitlisted_at", extra=_waitlist_position),
    "booking_cancelled": Kind((Status.CANCELLED,), moment="cancelled_at", extra=_cancellation),
    "booking_reminder": Kind((Status.CONFIRMED,), extra=_ticket),
    "payment_received": Kind((Status.CONFIRMED,), extra=_payment),
    # Sent per event revision (the key carries the event's calendar sequence).
    "event_changed": Kind(Booking.HOLDING_STATUSES, moment=None, extra=_changes),
    "event_cancelled": Kind(Booking.ACTIVE_STATUSES, moment=None, extra=_calendar),
}


def booking_email_kind(*, status: str, was: str | None) -> str | None:
    """The email a booking's move from ``was`` to ``status`` calls for, if any.

    A new hold awaiting payment gets none (its buyer is at the checkout; the
    payment's confirmation follows), nor does a hold that ran out.
    """
    if was == Status.WAITLISTED:
        return {Status.CONFIRMED: "booking_promoted", Status.PENDING: "booking_offered"}.get(status)
    return {Status.CONFIRMED: "booking_confirmed", Status.WAITLISTED: "booking_waitlisted"}.get(status)


def booking_email_key(kind: str, booking: Booking, *, revision: object = None) -> str:
    """What makes this email the same one if its task runs twice, and another one next time.

    ``revision`` names an occurrence the booking does not record (an event's revision).
    """
    parts = [kind, booking.pk]
    moment = BOOKING_EMAILS[kind].moment
    if moment is not None:
        parts.append(_plain(getattr(booking, moment)) or "")
    if revision is not None:
        parts.append(revision)
    return ":".join(map(str, parts))


def sent_already(kind: str) -> Exists:
    """Whether the outer booking had its ``kind`` email for its ticket: booking_email_key, in SQL.

    For the kinds keyed by the ticket code; it lets a periodic job skip in its
    query (along the key's unique index) what it sent on an earlier run.
    """
    key = Concat(
        Value(f"{kind}:"),
        Cast(OuterRef("pk"), CharField()),
        Value(":"),
        OuterRef("ticket_code"),
        output_field=CharField(),
    )
    return Exists(SentEmail.objects.filter(key=key))


def still_true(kind: str, booking: Booking, key: str) -> bool:
    """Whether the email enqueued with ``key`` still tells the truth about ``booking``."""
    return booking.status in BOOKING_EMAILS[kind].statuses and booking_email_key(kind, booking) == key


def booking_email(kind: str, booking: Booking, details: dict | None = None):
    """The ``kind`` email to ``booking``'s owner (``details``: what the signal knew, as JSON values)."""
    spec = BOOKING_EMAILS[kind]
    extra = spec.extra(booking, details or {}) if spec.extra else Extra()
    message = build_email(
        template=kind,
        to=booking.user,
        context={**_booking_context(booking), **extra.context},
        attachments=extra.attachments,
    )
    for part in extra.inline:
        message.attach(part)
    return message


def _booking_context(booking: Booking) -> dict:
    event = booking.event
    return {
        "booking": booking,
        "event": event,
        "event_url": absolute(event.get_absolute_url()),
        "bookings_url": absolute(reverse("bookings:mine")),
        "checkout_url": absolute(reverse("payments:checkout", args=[booking.pk])),
    }


def plain_changes(changes: dict) -> dict:
    """An event's changes ({field: (old, new)}) as JSON values for a task's arguments."""
    return {name: [_plain(old), _plain(new)] for name, (old, new) in changes.items()}


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def _from_plain(name: str, value):
    if name == "attendance":
        return Event.Attendance(value).label if value in Event.Attendance.values else value
    return datetime.fromisoformat(value) if name in TIME_FIELDS else value
