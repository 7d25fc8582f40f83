"""Invoices and credit notes: gapless numbers per organizer and year, and their PDFs.

An invoice is issued inside the transaction that confirms its payment, after the
event, booking and payment rows are locked; its number comes from the organizer's
counter row for the year, locked last. A rolled-back payment takes its number
back with it, so numbers are never skipped; two payments never share one, however
many complete at once. The PDF is drawn from the stored invoice after commit
(outside every lock) and written once.
"""

import io
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from eventhub.money import format_money
from payments.models import Invoice, InvoiceCounter, InvoiceProfile, Payment, Refund

CENT = Decimal("0.01")


def seller_of(organizer) -> dict:
    """The organizer's invoice details, or their name alone until they fill them in."""
    profile = InvoiceProfile.objects.filter(organizer=organizer).first()
    if profile is None:
        return {
            "name": organizer.name,
            "address": "",
            "vat_id": "",
            "bank_details": "",
            "footer": "",
        }
    return profile.as_seller()


def split_tax(gross: Decimal, rate: Decimal) -> tuple[Decimal, Decimal]:
    """Net and tax of a price that includes ``rate`` percent of tax, rounded to the cent."""
    net = (gross * 100 / (100 + rate)).quantize(CENT, rounding=ROUND_HALF_UP)
    return net, gross - net


def _next_number(organizer_id: int, year: int) -> int:
    """Take the organizer's next number for ``year``, under the lock of their counter row."""
    InvoiceCounter.objects.bulk_create(
        [InvoiceCounter(organizer_id=organizer_id, year=year)], ignore_conflicts=True
    )
    counter = InvoiceCounter.objects.select_for_update().get(organizer_id=organizer_id, year=year)
    InvoiceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    return counter.last_number + 1


def _numbered(organizer_id: int) -> dict:
    now = timezone.now()
    year = now.year
    sequence = _next_number(organizer_id, year)
    return {
        "year": year,
        "sequence": sequence,
        "number": f"{year}-{sequence:05d}",
        "issued_at": now,
        "issued_on": now.date(),
    }


def issue_invoice(payment: Payment) -> Invoice:
    """The invoice for a payment just confirmed (its booking, event and row locked by the caller)."""
    booking = payment.booking
    event, ticket_type = booking.event, booking.ticket_type
    net, tax = split_tax(payment.amount, ticket_type.tax_rate)
    starts = timezone.localtime(event.starts_at, ZoneInfo(event.timezone))
    line = {
        "description": f"{ticket_type.name} ticket: {event.title}",
        "event": event.title,
        "date": f"{starts:%d %B %Y, %H:%M} ({event.timezone})",
        "ticket_type": ticket_type.name,
        "seat": booking.seat.label if booking.seat_id else "",
        "quantity": 1,
        "amount": str(payment.amount),
    }
    invoice = Invoice.objects.create(
        organizer_id=event.organizer_id,
        payment=payment,
        seller=seller_of(event.organizer),
        buyer={**payment.buyer, "email": booking.user.email},
        lines=[line],
        currency=payment.currency,
        tax_rate=ticket_type.tax_rate,
        net=net,
        tax=tax,
        gross=payment.amount,
        **_numbered(event.organizer_id),
    )
    _render_on_commit(invoice)
    return invoice


def issue_credit_note(refund: Refund) -> Invoice:
    """The credit note for a refund: a new number, the invoice it corrects, negative amounts."""
    invoice = Invoice.objects.filter(payment_id=refund.payment_id, kind=Invoice.Kind.INVOICE).first()
    gross = -refund.amount
    net, tax = split_tax(gross, invoice.tax_rate)
    line = {
        **invoice.lines[0],
        "description": f"Refund of invoice {invoice.number}: {invoice.lines[0]['description']}",
        "amount": str(gross),
    }
    note = Invoice.objects.create(
        organizer_id=invoice.organizer_id,
        kind=Invoice.Kind.CREDIT_NOTE,
        payment_id=refund.payment_id,
        refund=refund,
        refers_to=invoice,
        seller=invoice.seller,
        buyer=invoice.buyer,
        lines=[line],
        currency=invoice.currency,
        tax_rate=invoice.tax_rate,
        net=net,
        tax=tax,
        gross=gross,
        **_numbered(invoice.organizer_id),
    )
    _render_on_commit(note)
    return note


def _render_on_commit(invoice: Invoice) -> None:
    transaction.on_commit(lambda: pdf_of(invoice))


def pdf_of(invoice: Invoice) -> bytes:
    """The invoice's PDF: drawn once from the stored invoice and kept; the same bytes ever after."""
    stored = Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).first()
    if stored:
        return bytes(stored)
    pdf = render_pdf(invoice)
    Invoice.objects.filter(pk=invoice.pk, pdf__isnull=True).update(pdf=pdf)
    return bytes(Invoice.objects.filter(pk=invoice.pk).values_list("pdf", flat=True).first())


def render_pdf(invoice: Invoice) -> bytes:
    """Draw ``invoice`` as a one-page A4 PDF."""
    styles = getSampleStyleSheet()
    text, small = styles["Normal"], styles["Small"] if "Small" in styles else styles["Normal"]
    out = io.BytesIO()
    title = f"{invoice.get_kind_display()} {invoice.number}"
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author=invoice.seller.get("name", ""),
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
    )
    money = lambda amount: format_money(Decimal(amount), invoice.currency)  # noqa: E731
    parties = Table(
        [[_party("Seller", invoice.seller, text), _party("Buyer", invoice.buyer, text)]],
        colWidths=[85 * mm, 85 * mm],
    )
    parties.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    rows = [["Description", "Amount"]]
    for line in invoice.lines:
        detail = " · ".join(
            part for part in (line.get("date"), line.get("seat") and f"Seat {line['seat']}") if part
        )
        rows.append(
            [Paragraph(f"{_esc(line['description'])}<br/>{_esc(detail)}", text), money(line["amount"])]
        )
    rows += [
        ["Net", money(invoice.net)],
        [f"Tax ({invoice.tax_rate}%)", money(invoice.tax)],
        ["Total", money(invoice.gross)],
    ]
    lines = Table(rows, colWidths=[130 * mm, 40 * mm])
    lines.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.grey),
                ("LINEABOVE", (0, -3), (-1, -3), 0.5, colors.grey),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story = [
        Paragraph(_esc(title), styles["Title"]),
        Paragraph(f"Issued on {invoice.issued_on:%d %B %Y}", text),
    ]
    if invoice.refers_to_id:
        story.append(Paragraph(f"Corrects invoice {_esc(invoice.refers_to.number)}", text))
    story += [Spacer(1, 8 * mm), parties, Spacer(1, 10 * mm), lines, Spacer(1, 10 * mm)]
    if invoice.seller.get("footer"):
        story.append(Paragraph(_esc(invoice.seller["footer"]), small))
    doc.build(story)
    return out.getvalue()


def _party(heading: str, who: dict, style) -> Paragraph:
    parts = [
        f"<b>{heading}</b>",
        _esc(who.get("company") or ""),
        _esc(who.get("name") or ""),
        _esc(who.get("address") or "").replace("\n", "<br/>"),
        f"VAT id: {_esc(who['vat_id'])}" if who.get("vat_id") else "",
        _esc(who.get("email") or ""),
    ]
    return Paragraph("<br/>".join(part for part in parts if part), style)


def _esc(value: str) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
