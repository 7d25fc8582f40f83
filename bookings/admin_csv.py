"""Bookings as a CSV or Excel download, safe to open in a spreadsheet."""

import csv
from io import BytesIO
from itertools import chain
from zoneinfo import ZoneInfo

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from bookings.models import Booking
from events.models import Event, Question

# The columns added with ticket types come last, so spreadsheets built on the earlier ones still work;
# one column per question asked follows them.
COLUMNS = [
    "username",
    "email",
    "status",
    "booked at",
    "checked in at",
    "ticket type",
    "price",
    "currency",
    "seat",
]
# What a booking's columns read, joined in one query (the admin's lists read the same).
BOOKING_RELATIONS = ("user", "event", "ticket_type", "seat")
# Its answers, with their questions, in one more query per batch of bookings.
# A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object that hands back what csv.writer writes, so rows can be streamed."""

    def write(self, value):
        return value


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def local_iso(moment, event) -> str:
    """ISO 8601 in the event's own zone, with its offset, so the value is unambiguous."""
    if moment is None:
        return ""
    return timezone.localtime(moment, ZoneInfo(event.timezone)).isoformat(timespec="seconds")


def question_labels(bookings) -> list[str]:
    """One column per question of the exported bookings' events, in the order each event asks them.

    Questions are matched by label, so events that ask the same thing ("Dietary
    needs") share one column that a spreadsheet can sort and filter.
    """
    questions = Question.objects.filter(event__in=bookings.values("event_id"))
    ordered = questions.order_by("event__starts_at", "event_id", "position", "pk")
    return list(dict.fromkeys(ordered.values_list("label", flat=True)))


def _answers(booking: Booking, labels: list[str]) -> list[str]:
    given = {answer.question.label: answer.display for answer in booking.answers.all()}
    return [given.get(label, "") for label in labels]


def _row(booking: Booking, with_event: bool, labels: list[str]) -> list[str]:
    cells = [
        booking.user.username,
        booking.user.email,
        booking.status_label,
        local_iso(booking.created_at, booking.event),
        local_iso(booking.checked_in_at, booking.event),
        booking.ticket_type.name,
        booking.price,  # what it costs (its type's price then): a plain decimal such as "25.00"
        booking.event.currency,
        booking.seat.label if booking.seat else "",
        *_answers(booking, labels),
    ]
    if with_event:
        cells.insert(0, booking.event.title)
    return [safe_cell(cell) for cell in cells]


def bookings_csv_response(bookings, *, name: str, with_event: bool = False) -> StreamingHttpResponse:
    """Stream ``bookings`` as ``<name>-<date>.csv``; ``with_event`` adds the event title as first column."""
    labels = question_labels(bookings)
    header = [*(["event"] if with_event else []), *COLUMNS, *map(safe_cell, labels)]
    read = bookings.select_related(*BOOKING_RELATIONS).with_answers()
    rows = (_row(booking, with_event, labels) for booking in read.iterator(chunk_size=2000))
    return rows_csv_response(chain([header], rows), name=name)


def rows_csv_response(rows, *, name: str) -> StreamingHttpResponse:
    """Stream ``rows`` (the header first, text cells made safe by ``safe_cell``) as ``<name>-<date>.csv``."""
    writer = csv.writer(_Echo())
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        (writer.writerow(row) for row in rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a sheet's name may not hold in Excel, and its length: 31 at most, less room for the number
# openpyxl adds to a name already taken (two types whose names differ only in case or past the cut).
SHEET_NAME_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))
SHEET_NAME_LENGTH = 28


def sheet_title(name: str) -> str:
    return name.translate(SHEET_NAME_FORBIDDEN).strip()[:SHEET_NAME_LENGTH] or "Tickets"


def excel_cell(text: str) -> str:
    """A cell made safe by ``safe_cell``, less the control characters a workbook cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def attendees_workbook_response(event: Event, bookings) -> HttpResponse:
    """``bookings`` of ``event`` as ``<name>-<date>.xlsx``: one sheet per ticket type, the CSV's columns.

    Every type has its sheet, in display order, even one nobody booked yet.
    """
    labels = question_labels(bookings)
    header = [excel_cell(cell) for cell in (*COLUMNS, *map(safe_cell, labels))]
    workbook = Workbook(write_only=True)
    sheets = {}
    for kind in event.ticket_types.order_by("position", "pk"):
        sheets[kind.pk] = workbook.create_sheet(sheet_title(kind.name))
        sheets[kind.pk].append(header)
    read = bookings.select_related(*BOOKING_RELATIONS).with_answers()
    for booking in read.iterator(chunk_size=2000):
        sheets[booking.ticket_type_id].append([excel_cell(cell) for cell in _row(booking, False, labels)])
    return workbook_response(workbook, name=f"attendees-{event.pk}")


def rows_workbook_response(rows, *, name: str, title: str) -> HttpResponse:
    """``rows`` (the header first, text cells made safe by ``safe_cell``) as one sheet named after
    ``title``, in ``<name>-<date>.xlsx``; numbers stay numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(title))
    for row in rows:
        sheet.append([excel_cell(cell) if isinstance(cell, str) else cell for cell in row])
    return workbook_response(workbook, name=name)


def workbook_response(workbook: Workbook, *, name: str) -> HttpResponse:
    content = BytesIO()
    workbook.save(content)
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.xlsx"
    return HttpResponse(
        content.getvalue(),
        content_type=XLSX_TYPE,
        headers={"Content-Disposition": content_disposition_header(True, filename)},
    )
