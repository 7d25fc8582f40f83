"""The console's series: "Repeat as a series" with a preview of the dates, the series' own pages (its
dates with what they sold, a summary export, cancelling what remains), and changes to later dates."""

import csv
import io
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.tests.factories import UserFactory
from bookings.tests.factories import make_booking
from events.models import Event, Series
from events.series import Frequency, Repeat, create_series
from events.tests.factories import EventFactory, make_series
from events.tests.test_admin import change_data, change_url, messages_of, ticket_types_data

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
SERIES_LIST = reverse("admin:events_series_changelist")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def event(organizer):
    """Tue 18 Mar 2031 (the third Tuesday of the month), 19:00 in Berlin."""
    start = datetime(2031, 3, 18, 19, 0, tzinfo=BERLIN)
    return EventFactory(
        organizer=organizer, timezone="Europe/Berlin", starts_at=start, ends_at=start.replace(hour=21)
    )


@pytest.fixture
def dates(event) -> list[Event]:
    series = create_series(event=event, by=event.organizer, repeat=Repeat(Frequency.WEEKLY, (1,), count=4))
    return list(series.occurrences.order_by("starts_at"))


def repeat_url(event):
    return reverse("admin:events_event_repeat", args=[event.pk])


def series_url(series, name="change", *args):
    return reverse(f"admin:events_series_{name}", args=[series.pk, *args])


def weekly(**fields) -> dict:
    return {
        "frequency": "weekly",
        "weekdays": ["1"],
        "nth": "3",
        "interval": "1",
        "ends": "count",
        "count": "4",
        "until": "",
        **fields,
    }


# Repeat as a series ----------------------------------------------------------------------------


def test_an_events_page_offers_to_repeat_it_and_a_dates_page_links_its_series(organizer_client, event, dates):
    single = EventFactory(organizer=event.organizer)
    assert f'href="{repeat_url(single)}"' in organizer_client.get(change_url(single)).text
    page = organizer_client.get(change_url(dates[1])).text
    assert f'href="{series_url(dates[1].series)}"' in page
    assert repeat_url(dates[1]) not in page


def test_the_repeat_form_starts_from_the_events_own_weekday(organizer_client, event):
    form = organizer_client.get(repeat_url(event)).context["form"]
    assert (form["weekdays"].value(), form["nth"].value(), form["frequency"].value()) == ([1], 3, "weekly")


def test_preview_lists_the_dates_on_the_events_clock_and_creates_nothing(organizer_client, event):
    response = organizer_client.post(repeat_url(event), {**weekly(), "preview": "1"})
    assert response.context["dates"] == [
        "Tue 18 Mar 2031, 19:00",
        "Tue 25 Mar 2031, 19:00",
        "Tue 1 Apr 2031, 19:00",
        "Tue 8 Apr 2031, 19:00",
    ]
    assert 'name="create"' in response.text
    assert (Series.objects.count(), Event.objects.count()) == (0, 1)


def test_create_makes_the_series_and_opens_its_page(organizer_client, event):
    response = organizer_client.post(
        repeat_url(event), {**weekly(ends="until", until="2031-04-30"), "create": "1"}
    )
    series = Series.objects.get()
    assert response.status_code == 302
    assert response["Location"] == series_url(series)
    assert series.occurrences.count() == 7
    assert messages_of(organizer_client.get(response["Location"])) == [
        f"{event.title} now repeats: Every week on Tuesday, until 30 April 2031."
    ]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"weekdays": ["3"]}, "which this rule skips"),
        ({"frequency": "monthly", "weekdays": ["1", "3"]}, "one weekday"),
        ({"count": "300"}, "at most 104 dates"),
        ({"count": "", "interval": "x"}, "Enter a whole number"),
    ],
)
def test_a_refused_rule_shows_why_and_offers_no_create(organizer_client, event, fields, words):
    response = organizer_client.post(repeat_url(event), {**weekly(**fields), "create": "1"})
    assert response.status_code == 200
    assert words in response.text
    assert 'name="create"' not in response.text
    assert not Series.objects.exists()


def test_an_event_of_a_series_is_not_repeated_again(organizer_client, dates):
    response = organizer_client.get(repeat_url(dates[0]))
    assert response["Location"] == change_url(dates[0])
    assert messages_of(organizer_client.get(response["Location"])) == [
        "This event is already part of a series."
    ]


def test_another_organizers_event_cannot_be_repeated(client, other_organizer, event):
    client.force_login(other_organizer)
    assert client.get(repeat_url(event)).status_code == 404
    assert client.post(repeat_url(event), {**weekly(), "create": "1"}).status_code == 404
    assert not Series.objects.exists()


# The series' pages -----------------------------------------------------------------------------


def test_the_series_list_shows_only_the_organizers_own_with_their_rule(
    organizer_client, dates, other_organizer
):
    make_series(EventFactory(organizer=other_organizer, title="Rival"), count=2)
    response = organizer_client.get(SERIES_LIST)
    assert [s.pk for s in response.context["cl"].result_list] == [dates[0].series_id]
    assert "Every week on Tuesday, 4 times" in response.text
    assert "4 of 4 to come" in response.text


def test_the_series_page_lists_each_date_with_what_it_sold(organizer_client, dates, attendee):
    make_booking(user=attendee, event=dates[1])
    page = organizer_client.get(series_url(dates[0].series)).text
    for date in dates:
        assert f'href="{change_url(date)}"' in page
        assert f'href="{date.get_absolute_url()}"' in page
    assert '<meter min="0" max="10" value="1"' in page
    assert "Tue 1 Apr 2031, 19:00 (Europe/Berlin)" in page


def test_another_organizers_series_is_not_found(client, other_organizer, dates):
    client.force_login(other_organizer)
    series = dates[0].series
    for url in (series_url(series), series_url(series, "cancel"), series_url(series, "summary", "csv")):
        assert client.get(url).status_code == 404
    assert client.post(series_url(series, "cancel"), {"confirmed": "yes"}).status_code == 404
    assert {d.status for d in Event.objects.all()} == {"published"}


def test_cancel_the_remaining_dates_asks_first_then_cancels(organizer_client, dates):
    url = series_url(dates[0].series, "cancel")
    asked = organizer_client.get(url)
    assert "Every date that has not started is cancelled" in asked.text
    assert {d.status for d in Event.objects.all()} == {"published"}
    done = organizer_client.post(url, {"confirmed": "yes"}, follow=True)
    assert "Cancelled the remaining dates of 1 series." in messages_of(done)
    assert {d.status for d in Event.objects.all()} == {"cancelled"}


def test_the_list_action_cancels_the_remaining_dates_after_asking(organizer_client, dates):
    data = {"action": "cancel_remaining", "_selected_action": [dates[0].series_id]}
    assert "Cancel the remaining dates?" in organizer_client.post(SERIES_LIST, data).text
    organizer_client.post(SERIES_LIST, {**data, "confirmed": "yes"})
    assert {d.status for d in Event.objects.all()} == {"cancelled"}


def test_the_summary_exports_one_row_per_date_as_csv_and_excel(organizer_client, dates, attendee):
    make_booking(user=attendee, event=dates[1])
    series = dates[0].series
    response = organizer_client.get(series_url(series, "summary", "csv"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["date", "status", "sold", "capacity", "waitlist", "revenue", "currency", "checked in"]
    assert rows[1:3] == [
        ["2031-03-18T19:00:00+01:00", "Published", "0", "10", "0", "", "EUR", "0"],
        ["2031-03-25T19:00:00+01:00", "Published", "1", "10", "0", "", "EUR", "0"],
    ]
    assert len(rows) == 5
    workbook = load_workbook(io.BytesIO(organizer_client.get(series_url(series, "summary", "xlsx")).content))
    sheet_rows = list(workbook.active.iter_rows(values_only=True))
    assert sheet_rows[0][:3] == ("date", "status", "sold")
    assert sheet_rows[2][:4] == ("2031-03-25T19:00:00+01:00", "Published", 1, 10)
    assert organizer_client.get(series_url(series, "summary", "pdf")).status_code == 404


# Changes to later dates ------------------------------------------------------------------------


def post_change(client, event, **overrides):
    data = change_data(event, description=event.description, **overrides)
    return client.post(change_url(event), data)


def test_a_dates_page_applies_a_change_to_it_only_by_default(organizer_client, dates):
    response = post_change(organizer_client, dates[1], title="Only this one", apply_to="this")
    assert response.status_code == 302
    titles = list(Event.objects.order_by("starts_at").values_list("title", flat=True))
    assert titles == [dates[0].title, "Only this one", dates[0].title, dates[0].title]


def test_a_dates_page_applies_a_change_and_prices_to_every_later_date(organizer_client, dates):
    extra = ticket_types_data(dates[1], row0={"price": "12.50"})
    response = post_change(
        organizer_client, dates[1], title="Renamed", capacity="15", apply_to="future", **extra
    )
    assert response.status_code == 302
    rows = Event.objects.order_by("starts_at").values_list("title", "capacity", "ticket_types__price")
    assert list(rows) == [
        (dates[0].title, 10, Decimal("0.00")),
        ("Renamed", 15, Decimal("12.50")),
        ("Renamed", 15, Decimal("12.50")),
        ("Renamed", 15, Decimal("12.50")),
    ]


def test_a_later_dates_refusal_shows_on_the_page_and_nothing_is_written(organizer_client, dates, attendee):
    for person in (attendee, *UserFactory.create_batch(2, role="attendee")):
        make_booking(user=person, event=dates[3])
    response = post_change(organizer_client, dates[1], title="Smaller", capacity="2", apply_to="future")
    assert response.status_code == 200
    assert "Tue 8 Apr 2031: Capacity cannot be lower than the 3 seats already booked." in response.text
    assert set(Event.objects.values_list("title", "capacity")) == {(dates[0].title, 10)}


def test_moving_every_later_date_at_once_is_refused_beside_the_time(organizer_client, dates):
    response = post_change(organizer_client, dates[1], starts_at_1="20:00:00", apply_to="future")
    assert response.status_code == 200
    assert "change one event at a time" in str(response.context["adminform"].form.errors["starts_at"])
    assert list(Event.objects.order_by("starts_at")) == dates
    assert [e.starts_at for e in Event.objects.order_by("starts_at")] == [d.starts_at for d in dates]


def test_the_series_list_runs_the_same_queries_for_2_or_8_series(
    organizer_client, organizer, django_assert_max_num_queries
):
    def add(count):
        for _ in range(count):
            make_series(EventFactory(organizer=organizer), count=3)

    add(2)
    with django_assert_max_num_queries(20) as few:
        organizer_client.get(SERIES_LIST)
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(organizer_client.get(SERIES_LIST).context["cl"].result_list) == 8


def test_the_series_page_runs_the_same_queries_for_3_or_12_dates(
    organizer_client, organizer, django_assert_max_num_queries
):
    few_dates = make_series(EventFactory(organizer=organizer), count=3)
    many_dates = make_series(EventFactory(organizer=organizer), count=12)
    with django_assert_max_num_queries(30) as few:
        organizer_client.get(series_url(few_dates))
    with django_assert_max_num_queries(len(few.captured_queries)):
        organizer_client.get(series_url(many_dates))
