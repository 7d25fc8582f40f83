import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.admin import LATEST_BOOKINGS_SHOWN
from bookings.models import Booking
from bookings.services import cancel_booking
from bookings.tests.factories import fill, make_booking
from events.admin import local_start
from events.models import Event
from events.tests.factories import EventFactory

CHANGELIST = reverse("admin:events_event_changelist")
ADD = reverse("admin:events_event_add")
AUTOCOMPLETE = reverse("admin:autocomplete")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def others_event(other_organizer):
    return EventFactory(organizer=other_organizer, title="Rival gala")


def change_url(event):
    return reverse("admin:events_event_change", args=[event.pk])


def attendees(count):
    return UserFactory.create_batch(count, role="attendee")


def text_of(response) -> str:
    """The page as a reader sees its words: emails carry a line-break opportunity (<wbr>) before the "@"."""
    return response.content.decode().replace("<wbr>", "")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def form_data(**overrides):
    """A complete event form as the admin posts it, times typed in the event's zone."""
    start = timezone.now() + timedelta(days=30)
    data = {
        "title": "Jazz night",
        "description": "",
        "location": "Blue Note, 1 Main Street",
        "attendance": "in_person",
        "status": "draft",
        "capacity": "20",
        "currency": "EUR",
        "timezone": "UTC",
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": "19:00:00",
        "ends_at_0": f"{start:%Y-%m-%d}",
        "ends_at_1": "22:00:00",
        "bookings-TOTAL_FORMS": "0",
        "bookings-INITIAL_FORMS": "0",
    }
    return {**data, **overrides}


def change_data(event, **overrides):
    zone = ZoneInfo(event.timezone)
    start, end = (timezone.localtime(moment, zone) for moment in (event.starts_at, event.ends_at))
    current = {
        "title": event.title,
        "location": event.location,
        "attendance": event.attendance,
        "address": event.address,
        "city": event.city,
        "category": event.category_id or "",
        "tags": ", ".join(tag.name for tag in event.tags.all()),
        "status": event.status,
        "capacity": str(event.capacity),
        "currency": event.currency,
        "timezone": event.timezone,
        "starts_at_0": f"{start:%Y-%m-%d}",
        "starts_at_1": f"{start:%H:%M:%S}",
        "ends_at_0": f"{end:%Y-%m-%d}",
        "ends_at_1": f"{end:%H:%M:%S}",
    }
    return form_data(**{**current, **inline_data(event), **overrides})


def inline_data(event):
    """The inlines as the page posts them back: every ticket type's and question's row, the bookings shown."""
    return {**ticket_types_data(event), **questions_data(event), **bookings_data(event)}


def ticket_types_data(event, **rows):
    """The ticket types inline as posted: each type's row as shown; ``rows`` changes row ``N`` by name."""
    types = list(event.ticket_types.order_by("position", "pk"))
    data = {"ticket_types-TOTAL_FORMS": str(len(types)), "ticket_types-INITIAL_FORMS": str(len(types))}
    for index, ticket_type in enumerate(types):
        row = {**ticket_type_row(ticket_type), **rows.get(f"row{index}", {})}
        data.update({f"ticket_types-{index}-{name}": value for name, value in row.items()})
    return data


def ticket_type_row(ticket_type) -> dict:
    """One ticket type's inputs as the event page shows them, times on the event's clock."""
    zone = ZoneInfo(ticket_type.event.timezone)
    row = {
        "id": str(ticket_type.pk),
        "event": str(ticket_type.event_id),
        "name": ticket_type.name,
        "description": ticket_type.description,
        "price": str(ticket_type.price),
        "capacity": str(ticket_type.capacity),
        "position": str(ticket_type.position),
    }
    for name in ("sales_start", "sales_end"):
        moment = getattr(ticket_type, name)
        local = timezone.localtime(moment, zone) if moment else None
        row[f"{name}_0"] = f"{local:%Y-%m-%d}" if local else ""
        row[f"{name}_1"] = f"{local:%H:%M:%S}" if local else ""
    return row


def questions_data(event, **rows):
    """The questions inline as posted: each question's row as shown; ``rows`` changes row ``N`` by name."""
    questions = list(event.questions.all())
    data = {"questions-TOTAL_FORMS": str(len(questions)), "questions-INITIAL_FORMS": str(len(questions))}
    for index, question in enumerate(questions):
        row = {**question_row(question), **rows.get(f"row{index}", {})}
        data.update({f"questions-{index}-{name}": value for name, value in row.items()})
    return data


def question_row(question) -> dict:
    """One question's inputs as the event page shows them: its choices one per line."""
    row = {
        "id": str(question.pk),
        "event": str(question.event_id),
        "label": question.label,
        "kind": question.kind,
        "options": "\n".join(question.options),
        "ticket_type": str(question.ticket_type_id or ""),
        "position": str(question.position),
    }
    return {**row, "required": "on"} if question.required else row


def bookings_data(event):
    """The bookings inline as the page posts it back: one hidden row per booking shown."""
    shown = event.bookings.order_by("-created_at", "-pk")[:LATEST_BOOKINGS_SHOWN]
    data = {"bookings-TOTAL_FORMS": str(len(shown)), "bookings-INITIAL_FORMS": str(len(shown))}
    for index, booking in enumerate(shown):
        data[f"bookings-{index}-id"] = str(booking.pk)
        data[f"bookings-{index}-event"] = str(event.pk)
    return data


def run_action(client, action, events, **extra):
    data = {"action": action, "_selected_action": [e.pk for e in events], **extra}
    return client.post(CHANGELIST, data, follow=True)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# Scope -----------------------------------------------------------------------


def test_organizer_changelist_lists_only_their_own_events(organizer_client, published_event, others_event):
    page = organizer_client.get(CHANGELIST).content.decode()
    assert published_event.title in page
    assert others_event.title not in page


def test_superuser_changelist_lists_every_event_with_its_organizer(
    staff_client, published_event, others_event
):
    page = staff_client.get(CHANGELIST).content.decode()
    assert published_event.title in page
    assert others_event.title in page
    assert others_event.organizer.username in page


def test_superuser_changes_any_organizers_event(staff_client, others_event):
    assert (
        staff_client.post(change_url(others_event), change_data(others_event, title="Renamed")).status_code
        == 302
    )
    others_event.refresh_from_db()
    assert others_event.title == "Renamed"


def test_organizer_filter_is_offered_to_superusers_only(
    client, organizer, staff, published_event, others_event
):
    client.force_login(organizer)
    assert "organizer__id__exact" not in client.get(CHANGELIST).content.decode()
    client.force_login(staff)
    assert "organizer__id__exact" in client.get(CHANGELIST).content.decode()


def test_another_organizers_event_page_is_not_found(organizer_client, others_event):
    assert organizer_client.get(change_url(others_event)).status_code == 404
    history = reverse("admin:events_event_history", args=[others_event.pk])
    assert organizer_client.get(history).status_code == 404


def test_organizer_cannot_change_another_organizers_event_by_url(organizer_client, others_event):
    response = organizer_client.post(change_url(others_event), change_data(others_event, title="Mine now"))
    assert response.status_code == 404
    others_event.refresh_from_db()
    assert others_event.title == "Rival gala"


def test_organizer_cannot_delete_another_organizers_event_by_url(organizer_client, others_event):
    url = reverse("admin:events_event_delete", args=[others_event.pk])
    assert organizer_client.get(url).status_code == 404
    assert organizer_client.post(url, {"post": "yes"}).status_code == 404
    assert Event.objects.filter(pk=others_event.pk).exists()


def test_event_autocomplete_offers_only_the_organizers_own_events(
    organizer_client, published_event, others_event
):
    params = {"app_label": "bookings", "model_name": "booking", "field_name": "event", "term": ""}
    results = organizer_client.get(AUTOCOMPLETE, params).json()["results"]
    assert [r["id"] for r in results] == [str(published_event.pk)]


def test_actions_ignore_another_organizers_events(organizer_client, others_event):
    run_action(organizer_client, "publish_selected", [others_event])
    run_action(organizer_client, "cancel_selected", [others_event], confirmed="yes")
    others_event.refresh_from_db()
    assert others_event.status == Event.Status.PUBLISHED


# Adding and changing through the services ------------------------------------


def test_adding_an_event_makes_the_signed_in_organizer_its_organizer(
    organizer_client, organizer, other_organizer
):
    response = organizer_client.post(ADD, form_data(organizer=str(other_organizer.pk)))
    assert response.status_code == 302
    event = Event.objects.get(title="Jazz night")
    assert event.organizer == organizer
    assert event.status == Event.Status.DRAFT


def test_add_form_hides_the_organizer_field_from_organizers(organizer_client):
    form = organizer_client.get(ADD).context["adminform"].form
    assert "organizer" not in form.fields
    assert "booked_seats" not in form.fields


def test_superuser_picks_the_organizer_among_organizers_only(staff_client, organizer, attendee):
    choices = staff_client.get(ADD).context["adminform"].form.fields["organizer"].queryset
    assert organizer in choices
    assert attendee not in choices
    staff_client.post(ADD, form_data(organizer=str(organizer.pk)))
    assert Event.objects.get(title="Jazz night").organizer == organizer


def test_add_form_reads_times_in_the_events_zone(organizer_client):
    data = form_data(timezone="Europe/Paris", starts_at_0="2031-12-05", ends_at_0="2031-12-05")
    organizer_client.post(ADD, data)
    event = Event.objects.get(title="Jazz night")
    assert event.starts_at == datetime(2031, 12, 5, 18, 0, tzinfo=ZoneInfo("UTC"))


def test_adding_a_published_event_publishes_it(organizer_client):
    organizer_client.post(ADD, form_data(status="published"))
    assert Event.objects.get(title="Jazz night").status == Event.Status.PUBLISHED


def test_ends_before_starts_is_a_form_error_on_ends_at(organizer_client):
    response = organizer_client.post(ADD, form_data(ends_at_1="18:00:00"))
    assert response.status_code == 200
    assert "ends_at" in response.context["adminform"].form.errors
    assert not Event.objects.exists()


def test_start_in_the_past_is_a_form_error_on_starts_at(organizer_client):
    past = timezone.now() - timedelta(days=2)
    response = organizer_client.post(
        ADD, form_data(starts_at_0=f"{past:%Y-%m-%d}", ends_at_0=f"{past:%Y-%m-%d}")
    )
    assert response.status_code == 200
    assert "starts_at" in response.context["adminform"].form.errors


def test_capacity_below_booked_seats_is_a_form_error_on_capacity(organizer_client, published_event):
    fill(published_event, users=attendees(3))
    response = organizer_client.post(change_url(published_event), change_data(published_event, capacity="2"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["capacity"] == ["Capacity cannot be lower than the 3 seats already booked."]
    published_event.refresh_from_db()
    assert published_event.capacity == 10


def test_raising_capacity_confirms_the_waitlist_in_order(organizer_client, published_event):
    published_event.capacity = 1
    published_event.save()
    first, second = attendees(2)
    make_booking(user=first, event=published_event)
    waiting = make_booking(user=second, event=published_event, waitlist=True)
    response = organizer_client.post(change_url(published_event), change_data(published_event, capacity="2"))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == Booking.Status.CONFIRMED
    call_command("check_booking_counters")


def test_changing_details_keeps_the_times_in_the_events_zone(organizer_client, organizer):
    start = datetime(2031, 12, 5, 18, 0, tzinfo=ZoneInfo("UTC"))
    event = EventFactory(organizer=organizer, timezone="Europe/Paris", starts_at=start)
    organizer_client.post(change_url(event), change_data(event, title="Renamed"))
    event.refresh_from_db()
    assert (event.title, event.starts_at) == ("Renamed", start)


def test_a_published_event_cannot_go_back_to_draft(organizer_client, published_event):
    response = organizer_client.post(
        change_url(published_event), change_data(published_event, status="draft")
    )
    assert response.status_code == 200
    assert "status" in response.context["adminform"].form.errors


def test_booked_seats_cannot_be_set_from_the_form(organizer_client, published_event):
    organizer_client.post(change_url(published_event), change_data(published_event, booked_seats="7"))
    published_event.refresh_from_db()
    assert published_event.booked_seats == 0


# The event page ----------------------------------------------------------------


def test_event_page_lists_its_bookings_read_only(organizer_client, published_event):
    booking = make_booking(user=UserFactory(role="attendee"), event=published_event)
    response = organizer_client.get(change_url(published_event))
    [inline] = [
        inline for inline in response.context["inline_admin_formsets"] if inline.formset.prefix == "bookings"
    ]
    page = text_of(response)
    assert booking.user.username in page
    assert booking.user.email in page
    assert not inline.has_add_permission
    assert not inline.has_change_permission
    assert not inline.has_delete_permission


def test_event_page_lists_only_the_latest_bookings(organizer_client, published_event, monkeypatch):
    monkeypatch.setattr("bookings.admin.LATEST_BOOKINGS_SHOWN", 2)
    oldest, *latest = fill(published_event, users=attendees(3))
    page = text_of(organizer_client.get(change_url(published_event)))
    assert all(booking.user.email in page for booking in latest)
    assert oldest.user.email not in page


def test_organizer_deletes_their_own_event_without_bookings(organizer_client, draft_event):
    url = reverse("admin:events_event_delete", args=[draft_event.pk])
    assert organizer_client.post(url, {"post": "yes"}).status_code == 302
    assert not Event.objects.filter(pk=draft_event.pk).exists()


def test_an_event_with_bookings_stays_when_deletion_is_asked(organizer_client, published_event, attendee):
    make_booking(user=attendee, event=published_event)
    url = reverse("admin:events_event_delete", args=[published_event.pk])
    response = organizer_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "Cannot delete event" in response.content.decode()
    assert Event.objects.filter(pk=published_event.pk).exists()


def test_changelist_shows_the_start_in_the_events_zone(organizer_client, organizer):
    start = datetime(2031, 12, 5, 18, 0, tzinfo=ZoneInfo("UTC"))
    EventFactory(organizer=organizer, timezone="Europe/Paris", starts_at=start)
    assert "Fri 5 Dec 2031, 19:00 (Europe/Paris)" in organizer_client.get(CHANGELIST).content.decode()


def test_changelist_shows_fill_and_waitlist_size(organizer_client, published_event):
    published_event.capacity = 2
    published_event.save()
    fill(published_event, users=attendees(5))
    response = organizer_client.get(CHANGELIST)
    row = response.context["cl"].result_list[0]
    assert (row.booked_seats, row.waitlist_size) == (2, 3)
    assert '<meter min="0" max="2" value="2" title="100% full">' in response.content.decode()


def test_changelist_runs_the_same_queries_for_3_or_30_events(
    organizer_client, organizer, django_assert_max_num_queries
):
    def add_events(count):
        for event in EventFactory.create_batch(count, organizer=organizer, capacity=1):
            fill(event, users=attendees(2))

    add_events(3)
    few = count_queries(organizer_client, CHANGELIST)
    add_events(27)
    with django_assert_max_num_queries(few):
        organizer_client.get(CHANGELIST)


# Actions ---------------------------------------------------------------------


def test_publish_action_publishes_drafts_and_reports_refusals(organizer_client, draft_event, organizer):
    cancelled = EventFactory(organizer=organizer, status=Event.Status.CANCELLED, title="Called off")
    response = run_action(organizer_client, "publish_selected", [draft_event, cancelled])
    draft_event.refresh_from_db()
    assert draft_event.status == Event.Status.PUBLISHED
    assert messages_of(response) == [
        "Called off: A cancelled event cannot be published again.",
        "Published 1 event.",
    ]


def test_cancel_action_asks_first_saying_what_happens_and_changes_nothing(organizer_client, published_event):
    fill(published_event, users=attendees(2))
    response = run_action(organizer_client, "cancel_selected", [published_event])
    page = response.content.decode()
    assert response.status_code == 200
    assert "admin/confirm_action.html" in [template.name for template in response.templates]
    assert "Cancel these events?" in page
    assert "Booking closes for good. Paid and held tickets are cancelled and refunded" in page
    assert f"{published_event.title}, {local_start(published_event)}: 2 booked, 0 on the waitlist" in page
    assert f'name="_selected_action" value="{published_event.pk}"' in page
    assert 'name="confirmed" value="yes"' in page
    published_event.refresh_from_db()
    assert published_event.status == Event.Status.PUBLISHED


def test_cancel_confirmation_lists_and_cancels_only_the_organizers_own_events(
    organizer_client, published_event, others_event
):
    page = run_action(organizer_client, "cancel_selected", [published_event, others_event]).content.decode()
    assert published_event.title in page
    assert others_event.title not in page
    run_action(organizer_client, "cancel_selected", [published_event, others_event], confirmed="yes")
    assert Event.objects.get(pk=published_event.pk).status == Event.Status.CANCELLED
    assert Event.objects.get(pk=others_event.pk).status == Event.Status.PUBLISHED


def test_cancel_action_closes_the_event_and_keeps_its_bookings(organizer_client, published_event):
    booking = make_booking(user=UserFactory(role="attendee"), event=published_event)
    response = run_action(organizer_client, "cancel_selected", [published_event], confirmed="yes")
    published_event.refresh_from_db()
    booking.refresh_from_db()
    assert published_event.status == Event.Status.CANCELLED
    assert booking.status == Booking.Status.CONFIRMED
    assert messages_of(response) == ["Cancelled 1 event."]
    call_command("check_booking_counters")


def test_export_attendees_writes_the_active_bookings_of_the_selected_events(
    organizer_client, published_event
):
    stayed, left = attendees(2)
    make_booking(user=stayed, event=published_event)
    cancel_booking(booking=make_booking(user=left, event=published_event), by=left)
    response = organizer_client.post(
        CHANGELIST, {"action": "export_attendees", "_selected_action": [published_event.pk]}
    )
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Disposition"].startswith('attachment; filename="attendees-')
    assert rows[0] == [
        "event",
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
    assert [row[:4] for row in rows[1:]] == [
        [published_event.title, stayed.username, stayed.email, "Confirmed"]
    ]


# At a glance -------------------------------------------------------------------


def test_admin_index_shows_fill_levels_of_the_organizers_upcoming_events(
    organizer_client, published_event, others_event, past_event
):
    fill(published_event, users=attendees(4))
    page = organizer_client.get(reverse("admin:index")).content.decode()
    assert "Upcoming events at a glance" in page
    assert change_url(published_event) in page
    assert "4&nbsp;/&nbsp;10" in page
    assert '<meter min="0" max="10" value="4" title="40% full">' in page
    assert others_event.title not in page
    assert past_event.title not in page


def test_admin_index_shows_every_upcoming_event_to_superusers(staff_client, published_event, others_event):
    page = staff_client.get(reverse("admin:index")).content.decode()
    assert change_url(published_event) in page
    assert change_url(others_event) in page


def test_admin_index_runs_the_same_queries_for_3_or_12_events(
    organizer_client, organizer, django_assert_max_num_queries, settings
):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    }  # drawn each time
    EventFactory.create_batch(3, organizer=organizer)
    few = count_queries(organizer_client, reverse("admin:index"))
    EventFactory.create_batch(9, organizer=organizer)
    with django_assert_max_num_queries(few):
        organizer_client.get(reverse("admin:index"))


def test_admin_carries_the_eventhub_titles(organizer_client):
    page = organizer_client.get(reverse("admin:index")).content.decode()
    assert "eventhub admin" in page
    assert "Run your events" in page
