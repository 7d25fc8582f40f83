"""tickets_sold: per event and ticket type, what sold, what is left, who waits and what it grossed."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.services import create_ticket_type
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(organizer):
    """Concert: VIP 2 of 2 sold at 80.00 with 1 waiting, General 3 of 10 at 25.00. Talk: free, 1 sold."""
    concert = EventFactory(organizer=organizer, title="Concert", capacity=50, ticket_types=True)
    vip = create_ticket_type(event=concert, by=organizer, name="VIP", capacity=2, price=Decimal("80.00"))
    general = create_ticket_type(
        event=concert, by=organizer, name="General", capacity=10, price=Decimal("25.00")
    )
    fill(concert, users=UserFactory.create_batch(3), ticket_type=vip)
    fill(concert, users=UserFactory.create_batch(3), ticket_type=general)
    talk = EventFactory(organizer=organizer, title="Talk", capacity=5)
    fill(talk, users=UserFactory.create_batch(1))
    return concert, talk


def run(*args):
    out = io.StringIO()
    call_command("tickets_sold", *args, stdout=out)
    return out.getvalue()


def test_json_gives_each_type_and_each_events_totals(sales):
    report = json.loads(run("--format", "json"))

    vip, general, free = report["ticket_types"]
    assert (vip["ticket_type"], vip["sold"], vip["capacity"], vip["waitlisted"], vip["gross"]) == (
        "VIP",
        2,
        2,
        1,
        "160.00",
    )
    assert (general["sold"], general["waitlisted"], general["gross"]) == (3, 0, "75.00")
    assert (free["event"], free["sold"], free["gross"]) == ("Talk", 1, "0.00")
    totals = {t["event"]: t for t in report["events"]}
    assert totals["Concert"]["sold"] == 5 and totals["Concert"]["waitlisted"] == 1
    assert totals["Concert"]["gross"] == {"EUR": "235.00"}


def test_csv_has_a_row_per_type(sales):
    rows = list(csv.DictReader(io.StringIO(run("--format", "csv"))))

    assert [(r["event"], r["ticket_type"], r["sold"], r["gross"]) for r in rows] == [
        ("Concert", "VIP", "2", "160.00"),
        ("Concert", "General", "3", "75.00"),
        ("Talk", "General admission", "1", "0.00"),
    ]


def test_the_table_shows_the_totals_per_event(sales):
    table = run()

    assert "Total: 5 sold, 1 waiting, gross 235.00 EUR" in table
    assert "Total: 1 sold, 0 waiting, gross 0.00 EUR" in table


def test_event_narrows_the_report_to_one_event(sales):
    concert, _ = sales

    rows = list(csv.DictReader(io.StringIO(run("--event", str(concert.pk), "--format", "csv"))))

    assert {r["event"] for r in rows} == {"Concert"}


def test_an_unknown_event_is_an_error_in_words(sales):
    with pytest.raises(CommandError, match="no event with id 999999"):
        run("--event", "999999")


def test_the_report_reads_in_one_query(sales, django_assert_num_queries):
    from bookings.selectors import ticket_sales

    with django_assert_num_queries(1):
        ticket_sales()
