from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import Booking
from community.tests.factories import NAV_QUERIES as NAV
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

MINE = reverse("bookings:mine")


def book_url(event):
    return reverse("bookings:book", kwargs={"event_id": event.pk})


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_booking_confirms_a_seat_and_says_so(client, attendee, published_event):
    client.force_login(attendee)
    response = client.post(book_url(published_event), follow=True)
    assert messages_of(response) == [f"You're booked for “{published_event.title}”. See you there!"]
    published_event.refresh_from_db()
    assert published_event.booked_seats == 1
    assert Booking.objects.get(user=attendee).status == "confirmed"


def test_booking_a_full_event_suggests_the_waitlist(client, attendee, other_attendee):
    event = EventFactory(capacity=1)
    services.book(user=other_attendee, event=event)
    client.force_login(attendee)
    response = client.post(book_url(event), follow=True)
    assert messages_of(response) == ["This event is full. You can join the waitlist."]
    assert not Booking.objects.filter(user=attendee).exists()


def test_joining_the_waitlist(client, attendee, other_attendee):
    event = EventFactory(capacity=1)
    services.book(user=other_attendee, event=event)
    client.force_login(attendee)
    response = client.post(book_url(event), {"waitlist": "1"}, follow=True)
    assert "on the waitlist" in messages_of(response)[0]
    assert "(number 1)" in messages_of(response)[0]
    assert Booking.objects.get(user=attendee).status == "waitlisted"


def test_booking_twice_says_i_already_have_a_seat(client, attendee, published_event):
    services.book(user=attendee, event=published_event)
    client.force_login(attendee)
    response = client.post(book_url(published_event), follow=True)
    assert messages_of(response) == ["You already have a seat at this event."]


def test_organizers_cannot_book(client, other_organizer, published_event):
    client.force_login(other_organizer)
    response = client.post(book_url(published_event), follow=True)
    assert messages_of(response) == ["Only attendees can book seats."]


def test_booking_needs_sign_in_and_a_post(client, attendee, published_event):
    response = client.post(book_url(published_event))
    assert response.status_code == 302
    assert reverse("accounts:login") in response.url
    client.force_login(attendee)
    assert client.get(book_url(published_event)).status_code == 405


def test_booking_a_draft_i_cannot_see_is_a_404(client, attendee, draft_event):
    client.force_login(attendee)
    assert client.post(book_url(draft_event)).status_code == 404


def test_cancelling_my_booking_frees_the_seat_for_the_waitlist(client, attendee, other_attendee):
    event = EventFactory(capacity=1)
    mine = services.book(user=attendee, event=event)
    queued = services.book(user=other_attendee, event=event, waitlist=True)
    client.force_login(attendee)
    response = client.post(reverse("bookings:cancel", kwargs={"pk": mine.pk}), follow=True)
    assert messages_of(response) == [f"Your booking for “{event.title}” is cancelled."]
    queued.refresh_from_db()
    event.refresh_from_db()
    assert queued.status == "confirmed"
    assert event.booked_seats == 1


def test_cancel_returns_to_the_page_it_came_from_but_never_off_site(client, attendee, published_event):
    booking = services.book(user=attendee, event=published_event)
    client.force_login(attendee)
    url = reverse("bookings:cancel", kwargs={"pk": booking.pk})
    response = client.post(url, {"next": published_event.get_absolute_url()})
    assert response.url == published_event.get_absolute_url()
    services.book(user=attendee, event=published_event)
    response = client.post(url, {"next": "https://evil.example.com/"})
    assert response.url == MINE


def test_someone_elses_booking_cannot_be_cancelled(client, attendee, other_attendee, published_event):
    theirs = services.book(user=other_attendee, event=published_event)
    client.force_login(attendee)
    assert client.post(reverse("bookings:cancel", kwargs={"pk": theirs.pk})).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "confirmed"


def test_my_bookings_lists_upcoming_and_past_with_status(client, attendee, other_attendee, organizer):
    soon = EventFactory(organizer=organizer, title="Soon", capacity=1)
    services.book(user=other_attendee, event=soon)
    services.book(user=attendee, event=soon, waitlist=True)
    old = EventFactory(organizer=organizer, title="Old")
    services.book(user=attendee, event=old)
    old.starts_at = timezone.now() - timedelta(days=2)
    old.ends_at = old.starts_at + timedelta(hours=1)
    old.save()
    client.force_login(attendee)
    response = client.get(MINE)
    assert [b.event.title for b in response.context["upcoming"]] == ["Soon"]
    assert [b.event.title for b in response.context["past"]] == ["Old"]
    assert "Waitlisted" in response.text
    assert response.text.count("Cancel booking") == 1  # past bookings are no longer cancellable


def test_my_bookings_query_count_does_not_grow(client, attendee, django_assert_max_num_queries):
    client.force_login(attendee)
    for event in EventFactory.create_batch(3):
        services.book(user=attendee, event=event)
    with django_assert_max_num_queries(5 + NAV) as few:
        client.get(MINE)
    for event in EventFactory.create_batch(25):
        services.book(user=attendee, event=event)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(MINE)
