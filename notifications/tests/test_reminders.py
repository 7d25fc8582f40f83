"""The reminder before an event: to each confirmed booking of a published event starting within
REMINDER_HOURS_BEFORE hours and not started yet, once per ticket whatever the scheduler does (a run
missed is made up, a run twice sends once), never to those who turned reminders off."""

import io
from datetime import timedelta
from smtplib import SMTPRecipientsRefused
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.core.management import call_command
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.services import book, cancel_booking
from bookings.tests.factories import fill
from events.services import cancel_event
from events.tests.factories import EventFactory, start_event
from notifications.models import SentEmail
from notifications.tasks import send_reminders
from notifications.tests.test_booking_emails import mails_to
from notifications.tests.test_event_emails import PER_EMAIL
from payments.tests.factories import hold, priced_type

pytestmark = pytest.mark.django_db


def starting_in(hours: float, **fields):
    return EventFactory(starts_at=timezone.now() + timedelta(hours=hours), title="Choir concert", **fields)


@pytest.fixture
def tomorrow():
    return starting_in(23)


def test_a_confirmed_booking_of_an_event_starting_within_the_window_is_reminded_once(attendee, tomorrow):
    book(user=attendee, event=tomorrow)

    assert send_reminders() == 1
    assert send_reminders() == 0

    (subject,) = mails_to(attendee)
    assert subject.startswith("Reminder: Choir concert, ")


def test_events_further_off_or_started_already_are_not_reminded(attendee, other_attendee):
    book(user=attendee, event=starting_in(25))
    started = starting_in(2)
    book(user=other_attendee, event=started)
    start_event(started)

    assert send_reminders() == 0
    assert mail.outbox == []


def test_the_window_follows_the_setting(attendee, settings):
    settings.REMINDER_HOURS_BEFORE = 48
    book(user=attendee, event=starting_in(47))
    assert send_reminders() == 1


def test_a_run_after_the_scheduler_was_down_catches_up(attendee):
    book(user=attendee, event=starting_in(2))  # its reminder was due 22 hours ago
    assert send_reminders() == 1


def test_only_confirmed_bookings_of_published_events_are_reminded(tomorrow, organizer):
    waiting, holding, leaving, at_cancelled = UserFactory.create_batch(4)
    small = starting_in(23, capacity=1)
    fill(small, users=[UserFactory(), waiting])
    hold(user=holding, event=tomorrow, ticket_type=priced_type(tomorrow))
    cancel_booking(booking=book(user=leaving, event=starting_in(23)), by=leaving)
    cancelled = starting_in(23, organizer=organizer)
    book(user=at_cancelled, event=cancelled)
    cancel_event(event=cancelled, by=organizer)
    mail.outbox.clear()

    assert send_reminders() == 1  # the one seated at ``small``
    for person in (waiting, holding, leaving, at_cancelled):
        assert mails_to(person) == []


def test_people_who_turned_reminders_off_get_none_but_still_their_tickets(
    tomorrow, django_capture_on_commit_callbacks
):
    quiet = UserFactory(email_reminders=False)
    with django_capture_on_commit_callbacks(execute=True):
        book(user=quiet, event=tomorrow)

    assert send_reminders() == 0
    assert mails_to(quiet) == ["Your ticket: Choir concert"]


def test_a_booking_taken_again_is_reminded_of_its_new_ticket(attendee, tomorrow):
    booking = book(user=attendee, event=tomorrow)
    assert send_reminders() == 1
    cancel_booking(booking=booking, by=attendee)
    book(user=attendee, event=tomorrow)

    assert send_reminders() == 1
    assert len(mails_to(attendee)) == 2


def test_the_command_sends_the_same_reminders(attendee, tomorrow):
    book(user=attendee, event=tomorrow)

    for expected in ("Sent 1 reminder.", "Sent 0 reminders."):
        out = io.StringIO()
        call_command("send_reminders", stdout=out)
        assert out.getvalue().strip() == expected
    assert len(mail.outbox) == 1


def test_an_address_refused_does_not_hold_back_the_others_and_is_tried_again(tomorrow):
    refused, fine = UserFactory.create_batch(2)
    for person in (refused, fine):
        book(user=person, event=tomorrow)
    deliver = EmailBackend.send_messages

    def refusing(backend, messages):
        if messages[0].to == [refused.email]:
            raise SMTPRecipientsRefused({refused.email: (550, b"No such mailbox")})
        return deliver(backend, messages)

    with mock.patch.object(EmailBackend, "send_messages", refusing), pytest.raises(SMTPRecipientsRefused):
        send_reminders()

    assert mails_to(fine) != [] and mails_to(refused) == []
    assert not SentEmail.objects.filter(user=refused).exists()  # its claim went back: a retry sends it
    assert send_reminders() == 1
    assert len(mails_to(refused)) == 1


def test_reminders_for_thirty_bookings_take_a_bounded_number_of_queries(
    django_assert_max_num_queries, django_assert_num_queries
):
    event = starting_in(23, capacity=30)
    fill(event, users=UserFactory.create_batch(30))

    with django_assert_max_num_queries(30 * PER_EMAIL + 2):
        assert send_reminders() == 30
    with django_assert_num_queries(1):  # those reminded already are left out by the query itself
        assert send_reminders() == 0
