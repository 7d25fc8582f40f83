"""Attendee messages in the organizers' console: an organizer writes to the events they run, sees the
email before it goes, sends it, and follows how far it got; they see only their own events' messages."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.tests.factories import EventFactory
from notifications.models import OrganizerMessage

pytestmark = pytest.mark.django_db

ADD = reverse("admin:notifications_organizermessage_add")
CHANGELIST = reverse("admin:notifications_organizermessage_changelist")
SUBJECT = "Doors open at 18:30"
BODY = "Bring your ticket.\r\nThe bar opens early."


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, title="Jazz night", capacity=3)


@pytest.fixture
def others_event(other_organizer):
    return EventFactory(organizer=other_organizer, title="Rival gala")


def booked(event, count: int) -> list:
    return [booking.user for booking in fill(event, users=UserFactory.create_batch(count))]


def written(event, button: str, **changes) -> dict:
    """The compose page's form as posted with ``button`` pressed."""
    return {
        "event": event.pk,
        "audience": "confirmed",
        "subject": SUBJECT,
        "body": BODY,
        button: "1",
        **changes,
    }


def message_on(event, subject: str) -> OrganizerMessage:
    return OrganizerMessage.objects.create(
        event=event, subject=subject, body="Hello", sent_by=event.organizer, recipients=1
    )


def change_url(message) -> str:
    return reverse("admin:notifications_organizermessage_change", args=[message.pk])


def text_of(response) -> str:
    return response.content.decode()


# Writing ---------------------------------------------------------------------


def test_the_event_page_links_to_writing_to_its_attendees(organizer_client, event):
    response = organizer_client.get(reverse("admin:events_event_change", args=[event.pk]))

    assert f'href="{ADD}?event={event.pk}"' in text_of(response)


def test_the_page_offers_only_the_organizer_s_events_with_the_one_it_came_from_chosen(
    organizer_client, event, others_event
):
    own_past = EventFactory(organizer=event.organizer, title="Spring fair")

    response = organizer_client.get(ADD, {"event": event.pk})

    assert response.status_code == 200
    choices = response.context["form"].fields["event"].queryset
    assert set(choices) == {event, own_past}
    assert f'<option value="{event.pk}" selected>Jazz night, ' in text_of(response)
    assert "Rival gala" not in text_of(response)


def test_preview_shows_the_email_for_the_first_person_and_sends_nothing(organizer_client, event):
    first, _second = booked(event, 2)

    response = organizer_client.post(ADD, written(event, "_preview"))

    page = text_of(response)
    assert response.status_code == 200
    assert f"Jazz night: {SUBJECT}" in page
    assert f"Hello {first.username}," in page
    assert "Bring your ticket.<br>The bar opens early." in page
    assert 'value="Send to 2 people"' in page
    assert 'type="hidden" name="body"' in page  # what Send sends is what was previewed
    assert not OrganizerMessage.objects.exists() and mail.outbox == []


def test_change_goes_back_to_the_filled_in_form(organizer_client, event):
    booked(event, 1)

    response = organizer_client.post(ADD, written(event, "_change"))

    page = text_of(response)
    assert "Bring your ticket." in page and f'value="{SUBJECT}"' in page
    assert 'name="_preview"' in page and 'name="_send"' not in page
    assert not OrganizerMessage.objects.exists()


def test_send_writes_to_everyone_and_shows_how_far_it_got(
    organizer_client, event, django_capture_on_commit_callbacks
):
    attendees = booked(event, 2)

    with django_capture_on_commit_callbacks(execute=True):
        response = organizer_client.post(ADD, written(event, "_send"))

    message = OrganizerMessage.objects.get()
    assert response.status_code == 302 and response.url == change_url(message)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Sending “{SUBJECT}” to 2 people. This page shows how far it got."
    ]
    assert sorted(address for m in mail.outbox for address in m.to) == sorted(a.email for a in attendees)
    page = text_of(organizer_client.get(change_url(message)))
    assert "Sent to 2 of 2 people; done" in page
    assert "Bring your ticket.<br>The bar opens early." in page


@override_settings(ORGANIZER_MESSAGES_PER_DAY=1)
@pytest.mark.parametrize("button", ["_preview", "_send"])
def test_a_refusal_shows_on_the_form(organizer_client, event, button):
    booked(event, 1)
    message_on(event, "Earlier today")

    response = organizer_client.post(ADD, written(event, button))

    assert response.status_code == 200
    (error,) = response.context["form"].non_field_errors()
    assert error.startswith("This event's attendees have had the most messages allowed in 24 hours (1).")
    assert "the most messages allowed" in text_of(response)
    assert 'name="_send"' not in text_of(response)
    assert OrganizerMessage.objects.count() == 1 and mail.outbox == []


def test_nobody_to_write_to_shows_beside_the_audience(organizer_client, event):
    booked(event, 1)

    response = organizer_client.post(ADD, written(event, "_preview", audience="waitlisted"))

    assert response.context["form"].errors["audience"] == [
        "Nobody to write to: this event has no people on the waitlist who accept organizers' messages."
    ]


def test_another_organizer_s_event_is_refused(organizer_client, others_event):
    booked(others_event, 1)

    response = organizer_client.post(ADD, written(others_event, "_send"))

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["event"][0]
    assert not OrganizerMessage.objects.exists() and mail.outbox == []


# Following what was sent ---------------------------------------------------------


def test_an_organizer_sees_only_their_events_messages(organizer_client, event, others_event):
    message_on(event, "Our news")
    theirs = message_on(others_event, "Their news")

    page = text_of(organizer_client.get(CHANGELIST))

    assert "Our news" in page and "Their news" not in page
    assert organizer_client.get(change_url(theirs)).status_code == 404


def test_staff_see_every_message(client, staff, event, others_event):
    message_on(event, "Our news")
    message_on(others_event, "Their news")
    client.force_login(staff)

    page = text_of(client.get(CHANGELIST))

    assert "Our news" in page and "Their news" in page


def test_a_sent_message_is_a_record_nobody_changes(organizer_client, event):
    message = message_on(event, "Our news")

    page = text_of(organizer_client.get(change_url(message)))
    assert 'name="_save"' not in page
    assert "Sending: 0 of 1 person so far" in page

    assert organizer_client.post(change_url(message), {"subject": "Changed"}).status_code == 403
    delete = reverse("admin:notifications_organizermessage_delete", args=[message.pk])
    assert organizer_client.post(delete, {"post": "yes"}).status_code == 403
    message.refresh_from_db()
    assert message.subject == "Our news"


def test_the_list_reads_a_fixed_number_of_queries(organizer_client, organizer, django_assert_max_num_queries):
    for event in EventFactory.create_batch(4, organizer=organizer):
        for number in range(3):
            message_on(event, f"News {number}")

    with django_assert_max_num_queries(9):
        response = organizer_client.get(CHANGELIST)

    assert response.context["cl"].result_count == 12
