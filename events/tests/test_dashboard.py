"""The organizer dashboard: each upcoming event's sales, waitlist, money and check-in; the bookings charts."""

from datetime import datetime, timedelta
from unittest.mock import patch
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.services import set_role
from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import check_in
from bookings.tests.factories import make_booking
from eventhub.money import format_money
from events import browse_cache
from events.admin import EventAdmin
from events.dashboard import CHART_HOURS, MIN_CHART_DAYS, bookings_per_day, bookings_per_hour, whole_steps
from events.models import Event, TicketType
from events.tests.factories import EventFactory
from payments.tests.factories import hold, pay, priced_type

INDEX = reverse("admin:index")
SVG = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def drawn_each_time(settings):
    """No cache: every request reads the glance's events and bookings, as a first visit does."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}


@pytest.fixture
def clock(monkeypatch):
    """The glance's clock (events.browse_cache), moved only by the test: a slow drawing stays fresh."""

    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr(browse_cache, "_now", lambda: Clock.now)
    return Clock


def chart_url(span, event=None):
    if event is None:
        return reverse("admin:events_event_chart_all", args=[span])
    return reverse("admin:events_event_chart", args=[event.pk, span])


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def bulk_bookings(event: Event, count: int, *, status=Booking.Status.CONFIRMED) -> None:
    """``count`` bookings of ``event``'s first type written in bulk, its counters raised to match."""
    users = [
        User(username=f"bulk{event.pk}x{n}", email=f"bulk{event.pk}x{n}@example.com") for n in range(count)
    ]
    for user in users:
        user.fill_keys()
    users = User.objects.bulk_create(users, batch_size=2_000)
    kind = event.ticket_types.first()
    Booking.objects.bulk_create(
        (Booking(event=event, ticket_type=kind, user=user, status=status) for user in users), batch_size=2_000
    )
    if status == Booking.Status.CONFIRMED:
        capacity = event.capacity + count
        Event.objects.filter(pk=event.pk).update(capacity=capacity, booked_seats=count)
        TicketType.objects.filter(pk=kind.pk).update(capacity=capacity, booked_seats=count)


def parse_svg(response) -> ElementTree.Element:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == SVG
    return root


# The table ------------------------------------------------------------------------------


def test_dashboard_shows_each_types_sales_the_waitlist_the_money_kept_and_check_in(
    organizer_client, organizer, attendee, other_attendee
):
    event = EventFactory(organizer=organizer, capacity=2)
    vip = priced_type(event, name="VIP", price="25.00", capacity=1)
    pay(hold(user=attendee, event=event, ticket_type=vip))
    general = event.ticket_types.get(name="General admission")
    check_in(booking=make_booking(user=other_attendee, event=event, ticket_type=general), by=organizer)
    make_booking(user=UserFactory(), event=event, ticket_type=general, waitlist=True)

    page = organizer_client.get(INDEX).content.decode()

    assert "<li>General admission 1&nbsp;/&nbsp;2</li>" in page
    assert "<li>VIP 1&nbsp;/&nbsp;1</li>" in page
    assert "<td>1</td>" in page  # one on the waitlist
    assert f"<td>{format_money(vip.price, event.currency)}</td>" in page
    assert '<meter min="0" max="2" value="1" title="50% checked in">' in page
    assert "1&nbsp;/&nbsp;2</td>" in page


def test_dashboard_shows_no_revenue_before_anyone_paid(organizer_client, published_event, attendee):
    make_booking(user=attendee, event=published_event)
    page = organizer_client.get(INDEX).content.decode()
    assert "<td>—</td>" in page


def test_dashboard_counts_nothing_for_an_event_nobody_booked(organizer_client, published_event):
    page = organizer_client.get(INDEX).content.decode()
    assert published_event.title in page
    assert "<td>0</td>" in page  # nobody on the waitlist
    assert '<meter min="0" max="0" value="0" title="0% checked in">0%</meter> 0&nbsp;/&nbsp;0</td>' in page


def test_dashboard_leaves_out_other_organizers_and_past_and_cancelled_events(
    organizer_client, organizer, other_organizer, past_event
):
    EventFactory(organizer=other_organizer, title="Rival gala")
    EventFactory(organizer=organizer, title="Called off", status=Event.Status.CANCELLED)
    page = organizer_client.get(INDEX).content.decode()
    assert "Rival gala" not in page
    assert "Called off" not in page
    assert past_event.title not in page


def test_dashboard_counts_an_unpaid_hold_as_booked_but_not_as_confirmed(
    organizer_client, organizer, attendee
):
    event = EventFactory(organizer=organizer, capacity=5)
    hold(user=attendee, event=event, ticket_type=priced_type(event, name="VIP", capacity=5))
    page = organizer_client.get(INDEX).content.decode()
    assert '<meter min="0" max="5" value="1" title="20% full">' in page  # the hold takes its place
    assert '<meter min="0" max="0" value="0" title="0% checked in">' in page  # but is not a ticket yet


def test_dashboard_runs_the_same_queries_for_one_event_or_twelve_with_10000_bookings(
    organizer_client, organizer, drawn_each_time
):
    bulk_bookings(EventFactory(organizer=organizer), 3)
    few = queries_of(organizer_client, INDEX)
    events = EventFactory.create_batch(11, organizer=organizer)
    bulk_bookings(events[0], 9_000)
    bulk_bookings(events[1], 1_000, status=Booking.Status.WAITLISTED)
    assert queries_of(organizer_client, INDEX) == few
    page = organizer_client.get(INDEX).content.decode()
    assert "9000&nbsp;/&nbsp;9010" in page


def test_dashboard_asks_each_model_admin_for_the_users_permissions_once(organizer_client):
    asks = EventAdmin.get_model_perms
    with patch.object(EventAdmin, "get_model_perms", autospec=True, side_effect=asks) as asked:
        page = organizer_client.get(INDEX).content.decode()
    assert asked.call_count == 1
    assert reverse("admin:events_event_changelist") in page


def test_the_consoles_sections_are_asked_for_once_a_second_per_person(client, organizer, staff, clock):
    asks = EventAdmin.get_model_perms
    with patch.object(EventAdmin, "get_model_perms", autospec=True, side_effect=asks) as asked:
        client.force_login(organizer)
        client.get(INDEX)
        clock.now += browse_cache.FRESH_FOR * 0.9
        client.get(INDEX)
        assert asked.call_count == 1
        client.force_login(staff)
        assert reverse("admin:auth_group_changelist") in client.get(INDEX).content.decode()
        assert asked.call_count == 2  # the staff member's own sections, not the organizer's
        clock.now += browse_cache.FRESH_FOR * 0.2
        client.force_login(organizer)
        page = client.get(INDEX).content.decode()
        assert asked.call_count == 3
    assert reverse("admin:auth_group_changelist") not in page


def test_a_demoted_organizer_is_refused_at_once_though_their_sections_were_listed(
    organizer_client, organizer, published_event, clock
):
    changelist = reverse("admin:events_event_changelist")
    assert changelist in organizer_client.get(INDEX).content.decode()

    set_role(user=organizer, role=User.Role.ATTENDEE)

    assert organizer_client.get(changelist).status_code == 302  # to the sign-in page, within the second
    assert organizer_client.get(INDEX).status_code == 302


def test_the_consoles_sections_are_listed_when_the_cache_is_down(organizer_client):
    with patch.object(browse_cache.cache, "get", side_effect=ConnectionError("down")):
        page = organizer_client.get(INDEX).content.decode()
    assert reverse("admin:events_event_changelist") in page


# Kept for under a second ---------------------------------------------------------------------


def glance_queries(client) -> list[str]:
    """The queries of one home page that read the events, their ticket types or their bookings."""
    with CaptureQueriesContext(connection) as queries:
        assert client.get(INDEX).status_code == 200
    tables = ('"events_event"', '"events_tickettype"', '"bookings_booking"')
    return [q["sql"] for q in queries if any(table in q["sql"] for table in tables)]


def test_dashboard_reads_its_events_once_within_a_second_and_shows_a_booking_after_it(
    organizer_client, organizer, attendee, clock
):
    event = EventFactory(organizer=organizer, capacity=10)
    assert glance_queries(organizer_client)
    make_booking(user=attendee, event=event)

    clock.now += browse_cache.FRESH_FOR * 0.9
    assert glance_queries(organizer_client) == []
    assert "0&nbsp;/&nbsp;10</td>" in organizer_client.get(INDEX).content.decode()

    clock.now += browse_cache.FRESH_FOR * 0.2
    assert "1&nbsp;/&nbsp;10</td>" in organizer_client.get(INDEX).content.decode()


def test_each_organizer_sees_their_own_glance_within_the_same_second(
    client, organizer, other_organizer, clock
):
    EventFactory(organizer=organizer, title="Mine")
    EventFactory(organizer=other_organizer, title="Theirs")
    client.force_login(organizer)
    assert "Mine" in client.get(INDEX).content.decode()
    client.force_login(other_organizer)
    page = client.get(INDEX).content.decode()
    assert "Theirs" in page
    assert "Mine" not in page


def test_dashboard_draws_the_glance_when_the_cache_is_down(organizer_client, published_event):
    with patch.object(browse_cache.cache, "get", side_effect=ConnectionError("down")):
        assert published_event.title in organizer_client.get(INDEX).content.decode()


# Recent actions ------------------------------------------------------------------------------


def test_recent_actions_link_the_users_changes_without_reading_their_account(
    organizer_client, organizer, published_event
):
    LogEntry.objects.log_actions(organizer.pk, [published_event], CHANGE, change_message="[]")
    with CaptureQueriesContext(connection) as queries:
        page = organizer_client.get(INDEX).content.decode()
    recent = page[page.index("recent-actions-module") :]
    change = reverse("admin:events_event_change", args=[published_event.pk])
    assert f'<a href="{change}">{published_event}</a>' in recent
    assert '<span class="mini quiet">Event</span>' in recent
    (log,) = [q["sql"] for q in queries if '"django_admin_log"' in q["sql"]]
    assert '"accounts_user"' not in log


# The charts ------------------------------------------------------------------------------


def test_dashboard_and_event_page_show_the_charts_as_images(organizer_client, published_event):
    home = organizer_client.get(INDEX).content.decode()
    page = organizer_client.get(
        reverse("admin:events_event_change", args=[published_event.pk])
    ).content.decode()
    for span in ("days", "hours"):
        assert f'src="{chart_url(span)}"' in home
        assert f'src="{chart_url(span, published_event)}"' in page


@pytest.mark.parametrize("span", ["days", "hours"])
def test_chart_is_a_valid_svg_without_any_booking(organizer_client, published_event, span):
    parse_svg(organizer_client.get(chart_url(span, published_event)))
    parse_svg(organizer_client.get(chart_url(span)))


def test_chart_response_lets_its_own_styles_apply_and_nothing_else(organizer_client, published_event):
    policy = organizer_client.get(chart_url("days", published_event))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives == {"default-src": "'none'", "style-src": "'unsafe-inline'"}


def test_chart_draws_no_script_from_another_site(organizer_client, published_event):
    svg = organizer_client.get(chart_url("days", published_event)).content.decode()
    assert "<script" not in svg.replace('<script type="text/javascript">window.pygal', "")
    assert "kozea.github.io" not in svg


@pytest.mark.parametrize("span", ["days", "hours"])
def test_chart_of_10000_bookings_is_valid_and_costs_the_same_queries(organizer_client, organizer, span):
    event = EventFactory(organizer=organizer)
    few = queries_of(organizer_client, chart_url(span, event))
    few_all = queries_of(organizer_client, chart_url(span))
    bulk_bookings(event, 10_000)
    assert queries_of(organizer_client, chart_url(span, event)) == few
    assert queries_of(organizer_client, chart_url(span)) == few_all
    root = parse_svg(organizer_client.get(chart_url(span, event)))
    assert "10000" in ElementTree.tostring(root, encoding="unicode")


def test_chart_of_another_organizers_event_is_not_found(organizer_client, other_organizer):
    theirs = EventFactory(organizer=other_organizer)
    assert organizer_client.get(chart_url("days", theirs)).status_code == 404


def test_chart_of_all_events_counts_only_the_organizers_own(organizer, other_organizer, attendee):
    mine, theirs = EventFactory(organizer=organizer), EventFactory(organizer=other_organizer)
    make_booking(user=attendee, event=theirs)
    days = bookings_per_day(Event.objects.managed_by(organizer), zone=ZoneInfo("UTC"))
    assert sum(days.values()) == 0
    make_booking(user=attendee, event=mine)
    assert sum(bookings_per_day(Event.objects.managed_by(organizer), zone=ZoneInfo("UTC")).values()) == 1


def test_staff_chart_of_all_events_counts_everyones(staff, organizer, other_organizer, attendee):
    for event in (EventFactory(organizer=organizer), EventFactory(organizer=other_organizer)):
        make_booking(user=attendee, event=event)
    assert sum(bookings_per_day(Event.objects.managed_by(staff), zone=ZoneInfo("UTC")).values()) == 2


def test_unknown_chart_is_not_found(organizer_client, published_event):
    assert organizer_client.get(chart_url("weeks", published_event)).status_code == 404


def test_attendees_get_no_chart(client, attendee, published_event):
    client.force_login(attendee)
    assert client.get(chart_url("days", published_event)).status_code in (302, 403)


def booked_at(event, user, moment):
    booking = make_booking(user=user, event=event)
    Booking.objects.filter(pk=booking.pk).update(created_at=moment)


def test_bookings_per_day_counts_on_the_zones_calendar_from_the_first_booking(
    organizer, attendee, other_attendee
):
    event = EventFactory(organizer=organizer)
    tokyo = ZoneInfo("Asia/Tokyo")
    today = timezone.localdate(timezone=tokyo)
    three_days_ago = datetime.combine(today - timedelta(days=3), datetime.min.time(), tzinfo=tokyo)
    booked_at(event, attendee, three_days_ago + timedelta(minutes=30))  # the day before in UTC
    booked_at(event, other_attendee, three_days_ago + timedelta(hours=23))

    days = bookings_per_day(Event.objects.filter(pk=event.pk), zone=tokyo)

    assert list(days) == [today - timedelta(days=n) for n in reversed(range(MIN_CHART_DAYS))]
    assert list(days.values())[-4:] == [2, 0, 0, 0]
    assert sum(days.values()) == 2


def test_bookings_per_day_reach_back_to_the_first_booking(organizer, attendee):
    event = EventFactory(organizer=organizer)
    booked_at(event, attendee, timezone.now() - timedelta(days=40))
    days = bookings_per_day(Event.objects.filter(pk=event.pk), zone=ZoneInfo("UTC"))
    assert len(days) == 41
    assert list(days.values()) == [1] + [0] * 40


@pytest.mark.parametrize(
    ("highest", "marks"),
    [(0, [0, 1]), (1, [0, 1]), (7, [0, 2, 4, 6, 8]), (10_000, [0, 2000, 4000, 6000, 8000, 10_000])],
)
def test_chart_marks_whole_bookings(highest, marks):
    assert whole_steps(highest) == marks


def test_bookings_per_hour_covers_the_last_two_days_hour_by_hour(organizer, attendee, other_attendee):
    event = EventFactory(organizer=organizer)
    booked_at(event, attendee, timezone.now() - timedelta(hours=CHART_HOURS + 1))  # too old
    booked_at(event, other_attendee, timezone.now())

    hours = bookings_per_hour(Event.objects.filter(pk=event.pk), zone=ZoneInfo("UTC"))

    assert len(hours) == CHART_HOURS
    assert list(hours.values())[-1] == 1
    assert sum(hours.values()) == 1


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_charts_render_on_the_dashboard_under_the_sites_content_policy(
    live_server, monkeypatch, attendee, organizers_group
):
    from accounts.tests.browser import sign_in
    from eventhub.testing import chromium

    organizer = UserFactory(role="organizer", username="olivia")
    make_booking(user=attendee, event=EventFactory(organizer=organizer, title="Harbour jazz evening"))
    with chromium(monkeypatch) as browser:
        page = browser.new_context(viewport={"width": 1280, "height": 1400}).new_page()
        refused = []
        page.on(
            "console",
            lambda message: refused.append(message.text) if "Content Security" in message.text else None,
        )
        sign_in(page, live_server, "olivia")
        page.goto(f"{live_server.url}{INDEX}")
        page.wait_for_load_state("networkidle")
        widths = page.eval_on_selector_all("img.bookings-chart", "images => images.map(i => i.naturalWidth)")
    assert widths == [800, 800]
    assert refused == []
