"""An organizer's message to an event's attendees: who may write, to whom it goes, how often, and how
the background batches send it to each person exactly once."""

import logging
from collections import Counter
from datetime import timedelta
from smtplib import SMTPException, SMTPRecipientsRefused
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.services import cancel_booking
from bookings.tests.factories import fill
from eventhub.errors import DomainError
from events.services import cancel_event
from events.tests.factories import EventFactory
from notifications import messages
from notifications.messages import (
    preview_organizer_message,
    send_organizer_message,
    send_organizer_message_batch,
)
from notifications.models import OrganizerMessage, SentEmail

pytestmark = pytest.mark.django_db

SUBJECT = "Doors open at 18:30"
BODY = "Bring your ticket.\nThe bar opens early."


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the block's on-commit work (the batches) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def event(organizer):
    return EventFactory(organizer=organizer, title="Jazz night", capacity=3)


def booked(event, count: int) -> list:
    """``count`` people booked: confirmed while places last, then on the waitlist."""
    return [booking.user for booking in fill(event, users=UserFactory.create_batch(count))]


def write(event, by, *, audience="confirmed", subject=SUBJECT, body=BODY) -> OrganizerMessage:
    return send_organizer_message(event=event, audience=audience, subject=subject, body=body, by=by)


def mailed() -> Counter:
    """How many emails each address received."""
    return Counter(address for message in mail.outbox for address in message.to)


def emails_of(*users) -> Counter:
    return Counter(user.email for user in users)


def refusal(action) -> DomainError:
    with pytest.raises(DomainError) as refused:
        action()
    return refused.value


# Who writes, to whom -----------------------------------------------------------


def test_the_organizer_writes_to_every_confirmed_attendee_once(event, organizer, committed):
    *seated, _waiting = booked(event, 4)

    with committed():
        message = write(event, organizer)

    assert mailed() == emails_of(*seated)
    message.refresh_from_db()
    assert (message.sent_by, message.recipients, message.sent_count) == (organizer, 3, 3)
    assert message.finished_at is not None


def test_a_message_to_the_waitlist_reaches_only_the_waitlist(event, organizer, committed):
    *_seated, first, second = booked(event, 5)

    with committed():
        message = write(event, organizer, audience="waitlisted")

    assert mailed() == emails_of(first, second)
    assert "you are on the waitlist for Jazz night" in mail.outbox[0].body
    assert OrganizerMessage.objects.get().recipients == message.recipients == 2


def test_staff_may_write_to_any_event(event, staff, committed):
    attendees = booked(event, 2)

    with committed():
        write(event, staff)

    assert mailed() == emails_of(*attendees)


@pytest.mark.parametrize("who", ["other_organizer", "attendee"])
def test_nobody_else_may_write(event, who, request, committed):
    booked(event, 2)
    someone = request.getfixturevalue(who)

    with committed():
        refused = refusal(lambda: write(event, someone))

    assert refused.code == "not_allowed"
    assert not OrganizerMessage.objects.exists() and mail.outbox == []


def test_people_who_turned_organizers_messages_off_get_nothing(event, organizer, committed):
    keen, quiet, also_keen = booked(event, 3)
    quiet.email_announcements = False
    quiet.save()

    assert (
        preview_organizer_message(
            event=event, audience="confirmed", subject=SUBJECT, body=BODY, by=organizer
        ).opted_out
        == 1
    )
    with committed():
        message = write(event, organizer)

    assert mailed() == emails_of(keen, also_keen)
    assert OrganizerMessage.objects.get().sent_count == message.recipients == 2


def test_each_batch_reads_its_people_afresh_so_someone_who_cancelled_is_not_written_to(
    event, organizer, django_capture_on_commit_callbacks
):
    staying, leaving, also_staying = booked(event, 3)
    with django_capture_on_commit_callbacks() as batches:
        message = write(event, organizer)
    cancel_booking(booking=leaving.bookings.get(), by=leaving)

    for batch in batches:
        batch()

    assert mailed() == emails_of(staying, also_staying)
    message.refresh_from_db()
    assert (message.recipients, message.sent_count) == (3, 2)
    assert message.finished_at is not None


def test_a_cancelled_event_s_attendees_can_still_be_written_to(event, organizer, committed):
    attendees = booked(event, 2)
    cancel_event(event=event, by=organizer)

    with committed():
        write(event, organizer, subject="Sorry, and a new date")

    assert mailed() == emails_of(*attendees)


# What may be sent ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("subject", "   "),
        ("body", "\n\n"),
        ("subject", "x" * 151),
        ("body", "x" * 10_001),
    ],
)
def test_the_subject_and_the_body_are_required_and_bounded(event, organizer, field, text):
    booked(event, 1)

    refused = refusal(lambda: write(event, organizer, **{field: text}))

    assert (refused.code, refused.field) == ("invalid_message", field)
    assert not OrganizerMessage.objects.exists()


def test_the_text_is_kept_as_written_without_its_surrounding_blank_lines(event, organizer):
    booked(event, 1)

    message = write(event, organizer, subject="  Hello  ", body="\r\n Line one\r\nLine two \n\n")

    assert (message.subject, message.body) == ("Hello", "Line one\nLine two")


def test_an_unknown_audience_is_refused(event, organizer):
    booked(event, 1)

    refused = refusal(lambda: write(event, organizer, audience="everyone"))

    assert (refused.code, refused.field) == ("invalid_message", "audience")


def test_an_event_with_nobody_to_write_to_is_refused(draft_event, organizer):
    refused = refusal(lambda: write(draft_event, organizer))

    assert refused.code == "no_recipients"
    assert "no confirmed attendees" in refused.message
    assert not OrganizerMessage.objects.exists()


def test_an_audience_that_all_turned_messages_off_is_nobody_to_write_to(event, organizer):
    for person in booked(event, 2):
        person.email_announcements = False
        person.save()

    assert refusal(lambda: write(event, organizer)).code == "no_recipients"


# The daily limit ----------------------------------------------------------------


@override_settings(ORGANIZER_MESSAGES_PER_DAY=2)
def test_an_event_gets_at_most_the_daily_limit_of_messages(event, organizer):
    booked(event, 1)
    write(event, organizer)
    write(event, organizer)

    refused = refusal(lambda: write(event, organizer))

    assert refused.code == "too_many_messages"
    assert refused.code.http_status == 429
    assert "the most messages allowed in 24 hours (2)" in refused.message
    assert "The next one can go in 23" in refused.message
    assert OrganizerMessage.objects.count() == 2


@override_settings(ORGANIZER_MESSAGES_PER_DAY=2)
def test_the_limit_counts_the_last_24_hours_only(event, organizer):
    booked(event, 1)
    yesterday, earlier_today = write(event, organizer), write(event, organizer)
    OrganizerMessage.objects.filter(pk=yesterday.pk).update(created_at=timezone.now() - timedelta(hours=25))
    OrganizerMessage.objects.filter(pk=earlier_today.pk).update(
        created_at=timezone.now() - timedelta(hours=23)
    )

    write(event, organizer)

    assert refusal(lambda: write(event, organizer)).code == "too_many_messages"


@override_settings(ORGANIZER_MESSAGES_PER_DAY=1)
def test_the_limit_is_per_event(event, organizer):
    other_event = EventFactory(organizer=organizer)
    booked(event, 1)
    booked(other_event, 1)
    write(event, organizer)

    write(other_event, organizer)

    assert OrganizerMessage.objects.count() == 2


# Sending in batches --------------------------------------------------------------


@pytest.fixture
def batch_sizes(monkeypatch):
    """The number of people each batch run wrote to, in order."""
    sizes = []
    send_batch = messages.send_batch

    def counting(message, bookings):
        sizes.append(len(bookings))
        return send_batch(message, bookings)

    monkeypatch.setattr(messages, "send_batch", counting)
    return sizes


@override_settings(ORGANIZER_MESSAGE_BATCH=2)
@pytest.mark.parametrize(("people", "batches"), [(5, [2, 2, 1]), (4, [2, 2, 0])])
def test_batches_reach_everyone_exactly_once(organizer, committed, batch_sizes, people, batches):
    event = EventFactory(organizer=organizer, capacity=people)
    attendees = booked(event, people)

    with committed():
        message = write(event, organizer)

    assert batch_sizes == batches
    assert mailed() == emails_of(*attendees)
    assert set(SentEmail.objects.values_list("key", flat=True)) == {
        f"organizer_message:{message.pk}:{person.pk}" for person in attendees
    }
    message.refresh_from_db()
    assert (message.recipients, message.sent_count) == (people, people)
    assert message.finished_at is not None


@override_settings(ORGANIZER_MESSAGE_BATCH=2)
def test_running_the_batches_again_sends_nobody_twice(organizer, committed):
    event = EventFactory(organizer=organizer, capacity=5)
    attendees = booked(event, 5)
    with committed():
        message = write(event, organizer)
    message.refresh_from_db()
    finished_at = message.finished_at

    with committed():
        send_organizer_message_batch(message.pk)  # the whole chain again
        send_organizer_message_batch(message.pk, attendees[1].bookings.get().pk)  # one batch again

    assert mailed() == emails_of(*attendees)
    message.refresh_from_db()
    assert (message.sent_count, message.finished_at) == (5, finished_at)


def failing_for(address: str, error: Exception):
    """A mail server that fails with ``error`` for ``address`` until the patch is lifted."""
    deliver = EmailBackend.send_messages

    def send_messages(backend, email_messages):
        if any(address in email.to for email in email_messages):
            raise error
        return deliver(backend, email_messages)

    return mock.patch.object(EmailBackend, "send_messages", send_messages)


def test_a_mail_server_failing_midway_counts_what_went_and_the_retry_sends_the_rest(
    event, organizer, django_capture_on_commit_callbacks
):
    first, second, third = booked(event, 3)
    with django_capture_on_commit_callbacks():
        message = write(event, organizer)

    with failing_for(second.email, SMTPException("421 try again later")), pytest.raises(SMTPException):
        send_organizer_message_batch(message.pk)
    message.refresh_from_db()
    assert (message.sent_count, message.finished_at) == (1, None)

    send_organizer_message_batch(message.pk)  # the task's retry

    assert mailed() == emails_of(first, second, third)
    message.refresh_from_db()
    assert message.sent_count == 3 and message.finished_at is not None


def test_an_address_the_server_refuses_is_left_out_and_the_others_get_it(event, organizer, committed):
    first, refused, third = booked(event, 3)
    server = failing_for(refused.email, SMTPRecipientsRefused({refused.email: (550, b"No such user")}))

    with server, committed():
        message = write(event, organizer)

    assert mailed() == emails_of(first, third)
    message.refresh_from_db()
    assert (message.recipients, message.sent_count) == (3, 2)
    assert message.finished_at is not None


@override_settings(ORGANIZER_MESSAGE_BATCH=4)
def test_a_batch_reads_the_message_and_its_people_in_two_queries(
    organizer, django_capture_on_commit_callbacks
):
    event = EventFactory(organizer=organizer, capacity=4)
    booked(event, 4)
    with django_capture_on_commit_callbacks():  # the batches wait: this test runs the first alone
        message = write(event, organizer)

    with CaptureQueriesContext(connection) as queries:
        assert send_organizer_message_batch(message.pk) == 4

    reads = [query["sql"] for query in queries if query["sql"].lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, reads
    # Beyond the reads, each person costs only the claim of their email (in its savepoint),
    # and the batch one update of the count.
    assert len(queries) <= 2 + 3 * 4 + 1


def test_the_log_says_how_many_got_it(event, organizer, committed):
    records = []
    collect = logging.Handler(level=logging.INFO)
    collect.emit = records.append
    logger = logging.getLogger("eventhub.notifications")
    logger.addHandler(collect)
    booked(event, 3)
    try:
        with committed():
            message = write(event, organizer)
    finally:
        logger.removeHandler(collect)

    (record,) = [r for r in records if r.getMessage() == "organizer_message.sent"]
    assert record.event_data == {
        "organizer_message": message.pk,
        "event": event.pk,
        "recipients": 3,
        "sent": 3,
    }


# The email ----------------------------------------------------------------------


def test_the_email_shows_the_text_as_written_the_event_who_wrote_and_why(event, organizer, committed):
    organizer.first_name, organizer.last_name = "Olivia", "Stone"
    organizer.save()
    booked(event, 1)

    with committed():
        write(event, organizer, subject="Doors & bar", body="<b>Bring</b> your ticket\nand a friend")

    (email,) = mail.outbox
    html = email.alternatives[0][0]
    assert email.subject == "Jazz night: Doors & bar"
    assert "<b>Bring</b> your ticket\nand a friend" in email.body
    assert "&lt;b&gt;Bring&lt;/b&gt; your ticket<br>and a friend" in html and "<b>Bring" not in html
    for text in (email.body, html):
        assert "Olivia Stone (the organizer) wrote to everyone booked for Jazz night:" in text
        assert event.location in text
        assert "because you booked Jazz night" in text
        assert "Turn their messages off in your profile" in text


def test_staff_are_named_as_writing_for_the_site(event, staff, committed):
    booked(event, 1)

    with committed():
        write(event, staff)

    assert f"{staff.username} (eventhub staff) wrote to everyone" in mail.outbox[0].body


# The preview ---------------------------------------------------------------------


def test_the_preview_is_the_email_the_first_person_gets_and_sends_nothing(event, organizer, committed):
    first, _second = booked(event, 2)

    with committed():
        preview = preview_organizer_message(
            event=event, audience="confirmed", subject=SUBJECT, body=BODY, by=organizer
        )

    assert (preview.recipients, preview.opted_out) == (2, 0)
    assert preview.email.to == [first.email]
    assert preview.email.subject == f"Jazz night: {SUBJECT}"
    assert f"Hello {first.username}," in preview.email.body
    assert not OrganizerMessage.objects.exists() and mail.outbox == []


@override_settings(ORGANIZER_MESSAGES_PER_DAY=1)
@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda event, organizer: write(event, organizer), "too_many_messages"),
        (
            lambda event, organizer: cancel_booking(booking=event.bookings.get(), by=organizer),
            "no_recipients",
        ),
    ],
    ids=["at the limit", "nobody left"],
)
def test_the_preview_refuses_what_sending_would(event, organizer, other_organizer, change, code):
    booked(event, 1)
    change(event, organizer)

    def preview(by):
        return preview_organizer_message(event=event, audience="confirmed", subject=SUBJECT, body=BODY, by=by)

    assert refusal(lambda: preview(organizer)).code == code
    assert refusal(lambda: preview(other_organizer)).code == "not_allowed"
