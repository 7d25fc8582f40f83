"""What happens to a booking is emailed to its owner once it commits: confirmed (with the ticket),
on the waitlist (with the place in line), promoted, cancelled (by whom, with the refund). Each email
goes once however often its task runs, never for a rolled-back change, never once it is untrue, and
a mail server that fails gets the email again later."""

from smtplib import SMTPException
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.test import TestCase

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import book, cancel_booking
from events.tests.factories import EventFactory
from notifications import emails, tasks
from notifications.models import SentEmail
from notifications.tests.test_email_templates import assert_qr_code_shown, calendar_entry
from payments.tests.factories import hold, pay, priced_type

pytestmark = pytest.mark.django_db


def mails_to(user) -> list[str]:
    """The subjects of the emails ``user`` received, in order."""
    return [m.subject for m in mail.outbox if m.to == [user.email]]


def committed():
    """Run the block's on-commit work (the emails) as a real commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def only_mail_to(user):
    (message,) = [m for m in mail.outbox if m.to == [user.email]]
    return message


@pytest.fixture
def small_event(organizer):
    return EventFactory(organizer=organizer, title="Poetry slam", capacity=1)


def test_a_confirmed_booking_is_emailed_with_its_ticket(attendee, small_event):
    with committed():
        booking = book(user=attendee, event=small_event)

    message = only_mail_to(attendee)
    assert message.subject == "Your ticket: Poetry slam"
    assert_qr_code_shown(message, booking)
    assert calendar_entry(message)["summary"] == "Poetry slam"


def test_a_held_ticket_is_emailed_once_paid_with_the_receipt_beside(attendee, small_event):
    with committed():
        booking = hold(user=attendee, event=small_event, ticket_type=priced_type(small_event))
    assert mails_to(attendee) == []  # its buyer is at the checkout

    with committed():
        pay(booking)

    assert mails_to(attendee) == ["Your ticket: Poetry slam", "Payment received: €25.00 for Poetry slam"]


def test_booking_again_after_cancelling_is_a_new_ticket_and_a_new_email(attendee, small_event):
    with committed():
        first = book(user=attendee, event=small_event)
    with committed():
        cancel_booking(booking=first, by=attendee)
    with committed():
        again = book(user=attendee, event=small_event)

    assert mails_to(attendee) == [
        "Your ticket: Poetry slam",
        "Booking cancelled: Poetry slam",
        "Your ticket: Poetry slam",
    ]
    assert first.pk == again.pk


def test_joining_the_waitlist_says_the_place_in_line(small_event):
    first, second, third = UserFactory.create_batch(3)
    with committed():
        book(user=first, event=small_event)
        book(user=second, event=small_event, waitlist=True)
        book(user=third, event=small_event, waitlist=True)

    assert mails_to(second) == ["You're number 1 on the waitlist: Poetry slam"]
    assert mails_to(third) == ["You're number 2 on the waitlist: Poetry slam"]


def test_a_promotion_carries_the_ticket_and_the_leaver_hears_they_cancelled(small_event):
    leaving, waiting = UserFactory.create_batch(2)
    seat = book(user=leaving, event=small_event)
    promoted = book(user=waiting, event=small_event, waitlist=True)

    with committed():
        cancel_booking(booking=seat, by=leaving)

    message = only_mail_to(waiting)
    assert message.subject == "You're in: Poetry slam"
    assert_qr_code_shown(message, promoted)
    assert calendar_entry(message)["summary"] == "Poetry slam"
    assert "You cancelled your booking" in only_mail_to(leaving).body


def test_an_organizer_cancelling_a_booking_says_so(attendee, small_event):
    booking = book(user=attendee, event=small_event)
    with committed():
        cancel_booking(booking=booking, by=small_event.organizer)

    assert "The organizer cancelled your booking" in only_mail_to(attendee).body


def test_cancelling_a_paid_ticket_says_what_is_refunded(attendee, small_event):
    booking = hold(user=attendee, event=small_event, ticket_type=priced_type(small_event))
    pay(booking)

    with committed():
        cancel_booking(booking=booking, by=attendee)

    body = only_mail_to(attendee).body
    assert "You cancelled your booking" in body and "€25.00 is refunded to you" in body


def test_a_rolled_back_booking_sends_nothing(attendee, small_event):
    with committed(), pytest.raises(RuntimeError), transaction.atomic():
        book(user=attendee, event=small_event)
        raise RuntimeError("the caller's transaction fails afterwards")

    assert mail.outbox == [] and not Booking.objects.exists()


def test_an_email_task_run_twice_sends_once(attendee, small_event):
    with committed():
        booking = book(user=attendee, event=small_event)
    key = emails.booking_email_key("booking_confirmed", booking)

    assert tasks.send_booking_email("booking_confirmed", booking.pk, key) is False

    assert len(mail.outbox) == 1
    assert SentEmail.objects.get().key == key


def test_a_booking_cancelled_before_its_confirmation_went_gets_no_stale_confirmation(
    attendee, small_event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as pending_emails:
        booking = book(user=attendee, event=small_event)
    with committed():
        cancel_booking(booking=booking, by=attendee)

    for send in pending_emails:  # the confirmation's task runs late, after the cancellation
        send()

    assert mails_to(attendee) == ["Booking cancelled: Poetry slam"]


def test_a_confirmation_for_an_earlier_ticket_of_a_booking_taken_again_is_not_sent(
    attendee, small_event, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as pending_emails:
        booking = book(user=attendee, event=small_event)
    cancel_booking(booking=booking, by=attendee)
    with committed():
        book(user=attendee, event=small_event)  # confirmed again, with a new ticket code

    for send in pending_emails:
        send()

    assert mails_to(attendee) == ["Your ticket: Poetry slam"]


def failing_once():
    """A mail server that fails the first message it is given, then works."""
    calls = []
    deliver = EmailBackend.send_messages

    def send_messages(backend, messages):
        calls.append(messages)
        if len(calls) == 1:
            raise SMTPException("421 try again later")
        return deliver(backend, messages)

    return calls, mock.patch.object(EmailBackend, "send_messages", send_messages)


def test_a_mail_server_failure_gives_the_claim_back_and_the_task_retries(attendee, small_event):
    calls, server = failing_once()
    with server, committed():
        book(user=attendee, event=small_event)

    assert len(calls) == 2  # failed, then retried
    assert mails_to(attendee) == ["Your ticket: Poetry slam"]
    assert SentEmail.objects.count() == 1


def test_a_failed_send_leaves_no_claim_so_the_next_run_sends(attendee, small_event):
    booking = book(user=attendee, event=small_event)
    key = emails.booking_email_key("booking_confirmed", booking)
    down = mock.patch.object(EmailBackend, "send_messages", side_effect=SMTPException("down"))
    with down, pytest.raises(SMTPException):
        tasks.send_booking_email("booking_confirmed", booking.pk, key)
    assert not SentEmail.objects.exists()

    assert tasks.send_booking_email("booking_confirmed", booking.pk, key) is True
    assert mails_to(attendee) == ["Your ticket: Poetry slam"]
