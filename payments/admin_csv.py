"""Invoices and credit notes as a CSV for the accountant, safe to open in a spreadsheet.

Each row is what the document says, as issued (its own copy of the buyer and the
ticket), so a later change to an event or an account never changes a row.
Amounts are plain decimals ("25.00", a credit note's "-25.00"), which
spreadsheets read as numbers.
"""

import csv

from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header

from bookings.admin_csv import safe_cell
from payments.models import Invoice

COLUMNS = [
    "number",
    "kind",
    "issued on",
    "buyer",
    "company",
    "VAT id",
    "event",
    "ticket type",
    "seat",
    "net",
    "tax rate",
    "tax",
    "gross",
    "currency",
    "refers to",
]
# Everything a row needs, read in one query (never the PDFs).
READ = (
    "number",
    "kind",
    "issued_on",
    "buyer",
    "lines",
    "net",
    "tax_rate",
    "tax",
    "gross",
    "currency",
    "refers_to__number",
)


def _line_detail(lines: list[dict], key: str) -> str:
    """One detail of the document's lines ("VIP"), each different value once, in order."""
    return "; ".join(dict.fromkeys(str(line.get(key) or "") for line in lines if line.get(key)))


def _row(invoice: dict, kinds: dict[str, str]) -> list:
    buyer, lines = invoice["buyer"], invoice["lines"]
    text = [
        invoice["number"],
        kinds.get(invoice["kind"], invoice["kind"]),
        invoice["issued_on"].isoformat(),
        buyer.get("name", ""),
        buyer.get("company", ""),
        buyer.get("vat_id", ""),
        _line_detail(lines, "event"),
        _line_detail(lines, "ticket_type"),
        _line_detail(lines, "seat"),
    ]
    amounts = [invoice["net"], invoice["tax_rate"], invoice["tax"], invoice["gross"]]
    return [*map(safe_cell, text), *amounts, invoice["currency"], safe_cell(invoice["refers_to__number"])]


def invoices_csv_response(invoices) -> HttpResponse:
    """``invoices`` as ``invoices-<date>.csv``, in number order (each organizer's in turn): one query."""
    kinds = dict(Invoice.Kind.choices)
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition_header(
                True, f"invoices-{timezone.localdate():%Y-%m-%d}.csv"
            )
        },
    )
    writer = csv.writer(response)
    writer.writerow(COLUMNS)
    rows = invoices.order_by("organizer_id", "year", "sequence", "pk").values(*READ)
    writer.writerows(_row(invoice, kinds) for invoice in rows)
    return response
