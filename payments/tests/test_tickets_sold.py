"""tickets_sold with money: per event and ticket type, what sold, what is held unpaid, and the money kept."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import UserFactory
from bookings.management.commands.tickets_sold import COLUMNS
from bookings.tests.factories import fill
from events.tests.factories import EventFactory
from payments.models import Payment
from payments.selectors import sales_with_revenue
from payments.services import refund_payment
from payments.tests.factories import hold, pay, priced_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales(organizer):
    """Concert: VIP 2 of 2 paid at 80.00 with 1 waiting; General at 25.00: 2 paid (1 of them refunded since)
    and 1 held unpaid. Talk: free, 1 booked."""
    concert = EventFactory(organizer=organizer, title="Concert", capacity=50, ticket_types=True)
    vip = priced_type(concert, name="VIP", price="80.00", capacity=2, position=1)
    general = priced_type(concert, name="General", price="25.00", capacity=10, position=2)
    for _ in range(2):
        pay(hold(user=UserFactory(), event=concert, ticket_type=vip))
    fill(concert, users=[UserFactory()], ticket_type=vip)  # VIP is full: the waitlist
    refunded = pay(hold(user=UserFactory(), event=concert, ticket_type=general))
    refund_payment(payment=refunded, by=organizer)
    pay(hold(user=UserFactory(), event=concert, ticket_type=general))
    hold(user=UserFactory(), event=concert, ticket_type=general)
    talk = EventFactory(organizer=organizer, title="Talk", capacity=5)
    fill(talk, users=[UserFactory()])
    return concert, talk


def run(*args):
    out = io.StringIO()
    call_command("tickets_sold", *args, stdout=out)
    return out.getvalue()


def test_json_gives_each_type_and_each_events_totals(sales):
    report = json.loads(run("--format", "json"))

    vip, general, free = report["ticket_types"]
    keys = ("ticket_type", "sold", "held", "capacity", "waitlisted", "gross", "revenue")
    assert tuple(vip[key] for key in keys) == ("VIP", 2, 0, 2, 1, "160.00", "160.00")
    assert tuple(general[key] for key in keys) == ("General", 2, 1, 10, 0, "50.00", "25.00")
    assert (free["event"], free["sold"], free["held"], free["gross"], free["revenue"]) == (
        "Talk",
        1,
        0,
        "0.00",
        "0.00",
    )
    totals = {t["event"]: t for t in report["events"]}
    concert = totals["Concert"]
    assert (concert["sold"], concert["held"], concert["waitlisted"]) == (4, 1, 1)
    assert (concert["gross"], concert["revenue"]) == ({"EUR": "210.00"}, {"EUR": "185.00"})


def test_csv_keeps_its_columns_and_adds_held_and_revenue_last(sales):
    output = run("--format", "csv")
    rows = list(csv.DictReader(io.StringIO(output)))

    assert output.splitlines()[0].split(",") == list(COLUMNS)
    assert COLUMNS[-2:] == ("held", "revenue")
    assert [(r["event"], r["ticket_type"], r["sold"], r["held"], r["gross"], r["revenue"]) for r in rows] == [
        ("Concert", "VIP", "2", "0", "160.00", "160.00"),
        ("Concert", "General", "2", "1", "50.00", "25.00"),
        ("Talk", "General admission", "1", "0", "0.00", "0.00"),
    ]


def test_the_table_shows_holds_and_revenue_in_each_events_total(sales):
    table = run()

    assert "Total: 4 sold, 1 held awaiting payment, 1 waiting, gross 210.00 EUR, revenue 185.00 EUR" in table
    assert "Total: 1 sold, 0 held awaiting payment, 0 waiting, gross 0.00 EUR, revenue 0.00 EUR" in table


def test_a_refund_lowers_revenue_but_not_what_was_sold(sales, organizer):
    concert, _ = sales
    vip_payment = Payment.objects.filter(booking__ticket_type__name="VIP").first()

    refund_payment(payment=vip_payment, by=organizer, amount=Decimal("30.00"))

    vip = next(row for row in sales_with_revenue(concert.pk)[0] if row["ticket_type"] == "VIP")
    assert (vip["sold"], vip["gross"], vip["revenue"]) == (2, Decimal("160.00"), Decimal("130.00"))


def test_event_narrows_the_report_to_one_event(sales):
    concert, _ = sales

    rows = list(csv.DictReader(io.StringIO(run("--event", str(concert.pk), "--format", "csv"))))

    assert {r["event"] for r in rows} == {"Concert"}


def test_an_unknown_event_is_an_error_in_words(sales):
    with pytest.raises(CommandError, match="no event with id 999999"):
        run("--event", "999999")


def test_the_report_reads_in_two_queries(sales, django_assert_num_queries):
    with django_assert_num_queries(2):  # the types with their counts, the money per type
        sales_with_revenue()
