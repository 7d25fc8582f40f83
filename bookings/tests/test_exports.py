"""An event's attendees as CSV and as an Excel workbook, one sheet per ticket type, safe to open."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.tests.factories import UserFactory
from bookings.admin_csv import COLUMNS, sheet_title
from bookings.services import cancel_booking
from bookings.tests.factories import make_booking
from events import services
from events.models import Question
from events.tests.factories import EventFactory


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def event(organizer):
    """Two types, a question, two attendees of the general admission, one of VIP who answers like a formula,
    one who cancelled."""
    event = EventFactory(organizer=organizer, capacity=10)
    vip = services.create_ticket_type(event=event, by=organizer, name="VIP: front/back", capacity=5)
    services.create_ticket_type(event=event, by=organizer, name="Nobody yet", capacity=5)
    question = Question.objects.create(event=event, label="Dietary needs")
    general = event.ticket_types.get(name="General admission")
    for name in ("ada", "grace"):
        make_booking(user=UserFactory(username=name), event=event, ticket_type=general)
    make_booking(
        user=UserFactory(username="mallory"),
        event=event,
        ticket_type=vip,
        answers={question.pk: '=HYPERLINK("http://evil")\x07'},
    )
    gone = make_booking(user=UserFactory(username="gone"), event=event, ticket_type=general)
    cancel_booking(booking=gone, by=gone.user)
    return event


def export_url(event, kind):
    return reverse("admin:events_event_attendees", args=[event.pk, kind])


def workbook_of(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attendees-" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet):
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_event_page_offers_both_exports(organizer_client, event):
    page = organizer_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert f'href="{export_url(event, "csv")}"' in page
    assert f'href="{export_url(event, "xlsx")}"' in page


def test_workbook_has_one_sheet_per_ticket_type_in_display_order(organizer_client, event):
    workbook = workbook_of(organizer_client.get(export_url(event, "xlsx")))
    assert workbook.sheetnames == ["General admission", "VIP  front back", "Nobody yet"]
    header = [*COLUMNS, "Dietary needs"]
    for sheet in workbook:
        assert rows_of(sheet)[0] == header


def test_each_sheet_lists_the_attendees_of_its_type_with_the_csvs_columns(organizer_client, event):
    workbook = workbook_of(organizer_client.get(export_url(event, "xlsx")))
    general = rows_of(workbook["General admission"])[1:]
    assert [(row[0], row[2], row[5], row[6]) for row in general] == [
        ("ada", "Confirmed", "General admission", "0.00"),
        ("grace", "Confirmed", "General admission", "0.00"),
    ]
    assert rows_of(workbook["Nobody yet"])[1:] == []


def test_workbook_cells_that_look_like_formulas_stay_text(organizer_client, event):
    workbook = workbook_of(organizer_client.get(export_url(event, "xlsx")))
    sheet = workbook["VIP  front back"]
    (row,) = rows_of(sheet)[1:]
    assert row[0] == "mallory"
    assert row[-1] == '\'=HYPERLINK("http://evil")'  # quoted as the CSV does; the bell character dropped
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_csv_export_of_the_event_has_the_same_rows(organizer_client, event):
    response = organizer_client.get(export_url(event, "csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [*COLUMNS, "Dietary needs"]
    assert sorted(row[0] for row in rows[1:]) == ["ada", "grace", "mallory"]


def test_another_organizers_attendees_are_not_found(client, other_organizer, event):
    client.force_login(other_organizer)
    for kind in ("csv", "xlsx"):
        assert client.get(export_url(event, kind)).status_code == 404


def test_unknown_export_is_not_found(organizer_client, event):
    assert organizer_client.get(export_url(event, "pdf")).status_code == 404


def test_exporting_runs_the_same_queries_for_few_or_many_attendees(
    organizer_client, organizer, django_assert_max_num_queries
):
    event = EventFactory(organizer=organizer, capacity=50)
    make_booking(user=UserFactory(), event=event)
    with django_assert_max_num_queries(20) as few:
        organizer_client.get(export_url(event, "xlsx"))
    for _ in range(20):
        make_booking(user=UserFactory(), event=event)
    with django_assert_max_num_queries(len(few)):
        workbook_of(organizer_client.get(export_url(event, "xlsx")))


@pytest.mark.parametrize(
    ("name", "title"),
    [("VIP", "VIP"), ("a/b:c*d?e[f]g\\h", "a b c d e f g h"), ("x" * 40, "x" * 28), ("***", "Tickets")],
)
def test_sheet_titles_are_names_excel_accepts(name, title):
    assert sheet_title(name) == title
