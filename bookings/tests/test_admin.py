import csv
import io

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.admin_csv import safe_cell
from bookings.models import Booking
from bookings.services import cancel_booking
from bookings.tests.factories import fill, make_booking
from events.services import cancel_event
from events.tests.factories import EventFactory

CHANGELIST = reverse("admin:bookings_booking_changelist")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def booking(published_event, attendee):
    return make_booking(user=attendee, event=published_event)


@pytest.fixture
def others_booking(other_organizer, other_attendee):
    event = EventFactory(organizer=other_organizer, title="Rival gala")
    return make_booking(user=other_attendee, event=event)


def attendees(count):
    return UserFactory.create_batch(count, role="attendee")


def change_url(booking):
    return reverse("admin:bookings_booking_change", args=[booking.pk])


def run_action(client, action, bookings, **extra):
    data = {"action": action, "_selected_action": [b.pk for b in bookings], **extra}
    return client.post(CHANGELIST, data, follow=True)


def text_of(response) -> str:
    """The page as a reader sees its words: emails carry a line-break opportunity (<wbr>) before the "@"."""
    return response.content.decode().replace("<wbr>", "")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


# Scope -----------------------------------------------------------------------


def test_organizer_booking_list_shows_only_bookings_of_their_events(
    organizer_client, booking, others_booking
):
    page = text_of(organizer_client.get(CHANGELIST))
    assert booking.user.email in page
    assert others_booking.user.email not in page


def test_superuser_booking_list_shows_every_booking(client, staff, booking, others_booking):
    client.force_login(staff)
    page = text_of(client.get(CHANGELIST))
    assert booking.user.email in page
    assert others_booking.user.email in page


def test_event_filter_offers_only_the_organizers_events(organizer_client, organizer, booking, others_booking):
    second = EventFactory(organizer=organizer, title="Second show")
    make_booking(user=booking.user, event=second)
    event_filter = next(
        f for f in organizer_client.get(CHANGELIST).context["cl"].filter_specs if f.title == "event"
    )
    assert sorted(title for _, title in event_filter.lookup_choices) == sorted(
        [booking.event.title, "Second show"]
    )


def test_another_organizers_booking_page_is_not_found(organizer_client, others_booking):
    assert organizer_client.get(change_url(others_booking)).status_code == 404


def test_actions_ignore_another_organizers_bookings(organizer_client, others_booking):
    run_action(organizer_client, "cancel_selected", [others_booking], confirmed="yes")
    others_booking.refresh_from_db()
    assert others_booking.status == Booking.Status.CONFIRMED


# Read-only records -------------------------------------------------------------


def test_booking_page_is_read_only(organizer_client, booking):
    response = organizer_client.get(change_url(booking))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert organizer_client.post(change_url(booking), {"status": "cancelled"}).status_code == 403
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_bookings_cannot_be_added_or_deleted_from_the_admin(organizer_client, booking):
    assert organizer_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    delete_url = reverse("admin:bookings_booking_delete", args=[booking.pk])
    assert organizer_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Booking.objects.filter(pk=booking.pk).exists()


# Actions ---------------------------------------------------------------------


def test_cancel_action_asks_first_saying_what_happens_and_changes_nothing(organizer_client, booking):
    response = run_action(organizer_client, "cancel_selected", [booking])
    page = response.content.decode()
    assert response.status_code == 200
    assert "Cancel these bookings?" in page
    assert "Each freed seat goes to the next person on the waitlist" in page
    assert f"{booking.user.username} ({booking.user.email}) at {booking.event.title}" in page
    assert f'name="_selected_action" value="{booking.pk}"' in page
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


def test_cancel_action_gives_the_seat_to_the_waitlist(organizer_client, published_event):
    published_event.capacity = 1
    published_event.save()
    seated, waiting = fill(published_event, users=attendees(2))
    response = run_action(organizer_client, "cancel_selected", [seated], confirmed="yes")
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert (seated.status, waiting.status) == (Booking.Status.CANCELLED, Booking.Status.CONFIRMED)
    assert messages_of(response) == ["Cancelled 1 booking."]
    call_command("check_booking_counters")


def test_cancel_action_reports_each_refusal(organizer_client, booking, published_event):
    other = make_booking(user=UserFactory(role="attendee"), event=published_event)
    cancel_booking(booking=other, by=other.user)
    response = run_action(organizer_client, "cancel_selected", [booking, other], confirmed="yes")
    assert messages_of(response) == [
        f"{Booking.objects.get(pk=other.pk)}: This booking is already cancelled.",
        "Cancelled 1 booking.",
    ]
    call_command("check_booking_counters")


def test_check_in_action_checks_in_confirmed_bookings_only(organizer_client, published_event):
    published_event.capacity = 1
    published_event.save()
    seated, waiting = fill(published_event, users=attendees(2))
    response = run_action(organizer_client, "check_in_selected", [seated, waiting])
    seated.refresh_from_db()
    waiting.refresh_from_db()
    assert seated.checked_in_at is not None
    assert waiting.checked_in_at is None
    assert messages_of(response) == [
        f"{waiting}: Waitlisted: {waiting.user.username} has no place yet.",
        "Checked in 1 attendee.",
    ]


def test_export_action_writes_the_selected_bookings_as_csv(organizer_client, booking):
    response = organizer_client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [booking.pk]})
    rows = csv_rows(response)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="bookings-')
    assert rows[0] == [
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
    assert rows[1][:3] == [booking.user.username, booking.user.email, "Confirmed"]
    assert rows[1][3].startswith(f"{booking.created_at:%Y-%m-%d}")
    assert rows[1][4] == ""


def test_export_defuses_spreadsheet_formulas(organizer_client, published_event):
    sneaky = UserFactory(role="attendee", username="=HYPERLINK(evil)")
    booking = make_booking(user=sneaky, event=published_event)
    response = organizer_client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [booking.pk]})
    assert csv_rows(response)[1][0] == "'=HYPERLINK(evil)"


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_safe_cell_quotes_cells_that_start_like_formulas(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert safe_cell("plain") == "plain"


# A cancelled event -------------------------------------------------------------


def test_a_booking_at_a_cancelled_event_says_so_in_the_list_and_on_the_event_page(
    organizer_client, booking, organizer
):
    live = make_booking(user=booking.user, event=EventFactory(organizer=organizer, title="Still on"))
    cancel_event(event=booking.event, by=organizer)
    listed = organizer_client.get(CHANGELIST).content.decode()
    assert "Confirmed — event cancelled" in listed
    assert listed.count("Confirmed — event cancelled") == 1
    event_page = reverse("admin:events_event_change", args=[booking.event_id])
    assert "Confirmed — event cancelled" in organizer_client.get(event_page).content.decode()
    live_page = reverse("admin:events_event_change", args=[live.event_id])
    assert "event cancelled" not in organizer_client.get(live_page).content.decode()


def test_a_cancelled_booking_at_a_cancelled_event_is_simply_cancelled(organizer_client, booking, organizer):
    cancel_booking(booking=booking, by=organizer)
    cancel_event(event=booking.event, by=organizer)
    assert "event cancelled" not in organizer_client.get(CHANGELIST).content.decode()


# Layout ------------------------------------------------------------------------


def test_admin_pages_load_the_consoles_own_stylesheet(organizer_client, booking):
    page = organizer_client.get(CHANGELIST).content.decode()
    assert '<link rel="stylesheet" href="/static/css/admin-extra.css">' in page
    stylesheet = organizer_client.get("/static/css/admin-extra.css")
    assert stylesheet.status_code == 200
    assert b"white-space: normal" in b"".join(stylesheet.streaming_content)


def test_an_email_in_the_list_may_break_before_its_at_sign(organizer_client, booking):
    name, domain = booking.user.email.split("@")
    assert f"{name}<wbr>@{domain}" in organizer_client.get(CHANGELIST).content.decode()


# Query counts ------------------------------------------------------------------


def test_booking_list_runs_the_same_queries_for_3_or_30_bookings(
    organizer_client, published_event, django_assert_max_num_queries
):
    published_event.capacity = 100
    published_event.save()
    fill(published_event, users=attendees(3))
    with CaptureQueriesContext(connection) as few:
        organizer_client.get(CHANGELIST)
    fill(published_event, users=attendees(27))
    with django_assert_max_num_queries(len(few)):
        organizer_client.get(CHANGELIST)


def test_event_page_runs_the_same_queries_for_3_or_30_bookings(
    organizer_client, published_event, django_assert_max_num_queries
):
    published_event.capacity = 100
    published_event.save()
    url = reverse("admin:events_event_change", args=[published_event.pk])
    fill(published_event, users=attendees(3))
    with CaptureQueriesContext(connection) as few:
        organizer_client.get(url)
    fill(published_event, users=attendees(27))
    with django_assert_max_num_queries(len(few)):
        organizer_client.get(url)


def test_the_csv_export_says_when_the_event_was_cancelled(organizer_client, organizer, booking):
    cancel_event(event=booking.event, by=organizer)

    response = organizer_client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [booking.pk]})

    assert csv_rows(response)[1][2] == "Confirmed — event cancelled"
