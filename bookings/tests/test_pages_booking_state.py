"""The pages tell the truth about a booking: a cancelled event, closed booking, sign-in, asking first."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings import services
from bookings.models import Booking
from community.tests.factories import NAV_QUERIES as NAV
from events import services as event_services
from events.tests.factories import EventFactory
from events.tests.test_pages import text_of

pytestmark = pytest.mark.django_db

MINE = reverse("bookings:mine")
LOGIN = reverse("accounts:login")


def cancel_url(booking):
    return reverse("bookings:cancel", kwargs={"pk": booking.pk})


def book_url(event):
    return reverse("bookings:book", kwargs={"event_id": event.pk})


def next_of(login_redirect: str) -> str:
    """The page the sign-in form will return to."""
    assert login_redirect.startswith(LOGIN)
    return parse_qs(urlsplit(login_redirect).query)["next"][0]


def accessible_names(html: str, target: str) -> list[str]:
    """What a screen reader announces for each link to ``target`` and each button of a form posting to it."""
    target = re.escape(target)
    links = re.findall(rf'<a [^>]*href="{target}[^"]*"[^>]*>(.*?)</a>', html, flags=re.S)
    form_buttons = rf'<form [^>]*action="{target}"[^>]*>.*?<button[^>]*>(.*?)</button>'
    buttons = re.findall(form_buttons, html, flags=re.S)
    return [" ".join(re.sub(r"<[^>]+>", "", inner).split()) for inner in links + buttons]


# 1. A booking at a cancelled event --------------------------------------------


@pytest.fixture
def called_off(organizer):
    """An event its organizer will cancel."""
    return EventFactory(organizer=organizer, title="Harbour jazz", capacity=1)


@pytest.mark.parametrize(("waitlist", "held"), [(False, "had a seat"), (True, "were on the waitlist")])
def test_event_page_says_the_event_was_cancelled_and_offers_no_cancel(
    client, attendee, other_attendee, organizer, called_off, waitlist, held
):
    if waitlist:
        services.book(user=other_attendee, event=called_off)
    booking = services.book(user=attendee, event=called_off, waitlist=waitlist)
    event_services.cancel_event(event=called_off, by=organizer)
    client.force_login(attendee)

    response = client.get(called_off.get_absolute_url())

    page = text_of(response)
    assert "You have a seat." not in page and "You're on the waitlist" not in page
    assert f"You {held}, but the event will not take place." in page
    assert "Booking closed. This event has been cancelled." in page
    assert response.context["action"].kind == "closed"
    assert cancel_url(booking) not in response.text


def test_my_bookings_says_the_event_was_cancelled_instead_of_confirmed(
    client, attendee, organizer, called_off
):
    booking = services.book(user=attendee, event=called_off)
    event_services.cancel_event(event=called_off, by=organizer)
    client.force_login(attendee)

    response = client.get(MINE)

    page = text_of(response)
    assert "Event cancelled" in page
    assert "You had a seat, but the event will not take place." in page
    assert "Confirmed" not in page
    assert "Cancel booking" not in page
    assert cancel_url(booking) not in response.text


def test_api_booking_shows_the_event_status_beside_its_own(api_client, attendee, organizer, called_off):
    booking = services.book(user=attendee, event=called_off)
    api_client.force_authenticate(attendee)
    assert api_client.get(f"/api/bookings/{booking.pk}/").json()["event_status"] == "published"

    event_services.cancel_event(event=called_off, by=organizer)

    listed = api_client.get("/api/bookings/").json()["results"][0]
    assert (listed["status"], listed["event_status"]) == ("confirmed", "cancelled")
    detail = api_client.get(f"/api/bookings/{booking.pk}/").json()
    assert (detail["status"], detail["event_status"]) == ("confirmed", "cancelled")


def test_schema_documents_event_status_as_read_only(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["Booking"]["properties"]["event_status"]

    assert field["readOnly"] is True
    assert field["allOf"] == [{"$ref": "#/components/schemas/EventStatusEnum"}]
    assert "will not take place" in field["description"]


def test_api_booking_list_runs_a_fixed_number_of_queries(api_client, attendee, django_assert_max_num_queries):
    api_client.force_authenticate(attendee)
    for event in EventFactory.create_batch(3):
        services.book(user=attendee, event=event)
    with django_assert_max_num_queries(4) as few:  # the count, the page, the answers, the payments
        api_client.get("/api/bookings/", {"page_size": 100})
    for event in EventFactory.create_batch(30):
        services.book(user=attendee, event=event)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api_client.get("/api/bookings/", {"page_size": 100})

    assert len(response.json()["results"]) == 33


# 2. Booking closed, for everyone ----------------------------------------------


def test_signed_out_visitors_see_booking_closed_with_the_reason(client, past_event):
    cancelled = EventFactory(status="cancelled")
    for event, reason in (
        (past_event, "This event has already started"),
        (cancelled, "This event has been cancelled."),
    ):
        response = client.get(event.get_absolute_url())

        assert response.context["action"].kind == "closed"
        assert "Sign in to book" not in response.text
        assert f"Booking closed. {reason}" in text_of(response)


def test_signed_out_visitors_are_invited_to_sign_in_for_an_open_event(client, published_event):
    response = client.get(published_event.get_absolute_url())

    assert response.context["action"].kind == "sign_in"
    assert "Sign in to book" in response.text


# 3. Signed out at the moment of pressing the button ---------------------------


def test_booking_after_the_session_expired_returns_to_the_event_page_ready_to_book(
    client, attendee, published_event
):
    response = client.post(book_url(published_event))

    assert response.status_code == 302
    assert next_of(response.url) == reverse("events:detail", kwargs={"pk": published_event.pk})
    signed_in = client.post(
        response.url, {"username": attendee.username, "password": DEFAULT_PASSWORD}, follow=True
    )
    assert signed_in.status_code == 200
    assert signed_in.redirect_chain[-1][0] == published_event.get_absolute_url()
    assert signed_in.context["action"].kind == "book"
    assert f'action="{book_url(published_event)}"' in signed_in.text


def test_signed_out_get_of_the_booking_url_also_returns_to_the_event_page(client, published_event):
    response = client.get(book_url(published_event))

    assert next_of(response.url) == reverse("events:detail", kwargs={"pk": published_event.pk})


def test_cancelling_after_the_session_expired_returns_to_the_page_it_came_from(
    client, attendee, published_event
):
    booking = services.book(user=attendee, event=published_event)
    event_page = published_event.get_absolute_url()

    from_event_page = client.post(cancel_url(booking), {"next": event_page})
    from_nowhere = client.post(cancel_url(booking))
    off_site = client.post(cancel_url(booking), {"next": "https://evil.example.com/"})

    assert next_of(from_event_page.url) == event_page
    assert next_of(from_nowhere.url) == MINE
    assert next_of(off_site.url) == MINE
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED


# 4. Ask before cancelling -------------------------------------------------------


def test_the_cancel_button_asks_first_and_asking_cancels_nothing(client, attendee, published_event):
    booking = services.book(user=attendee, event=published_event)
    client.force_login(attendee)
    event_page = client.get(published_event.get_absolute_url()).text
    assert f'href="{cancel_url(booking)}?next=' in event_page
    assert f'action="{cancel_url(booking)}"' not in event_page  # a link to the question, not the deed

    response = client.get(cancel_url(booking), {"next": published_event.get_absolute_url()})

    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    page = text_of(response)
    assert "Cancel your booking?" in page
    assert published_event.title in page and published_event.location in page
    assert "You can book again while seats are left." in page
    assert f'<form method="post" action="{cancel_url(booking)}"' in response.text
    assert f'<a href="{published_event.get_absolute_url()}">No, keep my seat</a>' in response.text


def test_confirming_cancels_and_returns_where_the_person_started(client, attendee, published_event):
    booking = services.book(user=attendee, event=published_event)
    client.force_login(attendee)
    question = client.get(cancel_url(booking), {"next": MINE})
    assert f'name="next" value="{MINE}"' in question.text

    response = client.post(cancel_url(booking), {"next": MINE})

    assert response.url == MINE
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED


def test_the_question_says_the_seat_goes_to_the_waitlist_when_someone_waits(client, attendee, other_attendee):
    event = EventFactory(capacity=1)
    booking = services.book(user=attendee, event=event)
    services.book(user=other_attendee, event=event, waitlist=True)
    client.force_login(attendee)

    page = text_of(client.get(cancel_url(booking)))

    assert "Your seat will go to the next person on the waitlist." in page
    assert "You can book again while seats are left." not in page


def test_the_question_for_a_waitlist_place(client, attendee, other_attendee):
    event = EventFactory(capacity=1)
    services.book(user=other_attendee, event=event)
    booking = services.book(user=attendee, event=event, waitlist=True)
    client.force_login(attendee)

    page = text_of(client.get(cancel_url(booking)))

    assert "Cancel your place on the waitlist?" in page
    assert "You will leave the waitlist." in page


def test_there_is_nothing_to_confirm_for_a_booking_that_cannot_be_cancelled(
    client, attendee, organizer, called_off, published_event
):
    at_cancelled_event = services.book(user=attendee, event=called_off)
    event_services.cancel_event(event=called_off, by=organizer)
    already_cancelled = services.book(user=attendee, event=published_event)
    services.cancel_booking(booking=already_cancelled, by=attendee)
    client.force_login(attendee)

    for booking, event in ((at_cancelled_event, called_off), (already_cancelled, published_event)):
        response = client.get(cancel_url(booking))
        assert response.status_code == 302
        assert response.url == event.get_absolute_url()


def test_someone_elses_booking_has_no_question_page(client, attendee, other_attendee, published_event):
    theirs = services.book(user=other_attendee, event=published_event)
    client.force_login(attendee)

    assert client.get(cancel_url(theirs)).status_code == 404


def test_signed_out_question_page_returns_to_itself_after_sign_in(client, attendee, published_event):
    booking = services.book(user=attendee, event=published_event)

    response = client.get(cancel_url(booking))

    assert next_of(response.url) == cancel_url(booking)


# 8. Cancel buttons name their event ---------------------------------------------


def test_cancel_buttons_name_their_event_for_screen_readers(client, attendee, published_event):
    booking = services.book(user=attendee, event=published_event)
    client.force_login(attendee)
    title = published_event.title
    event_page = client.get(published_event.get_absolute_url()).text
    my_bookings = client.get(MINE).text
    question = client.get(cancel_url(booking)).text

    assert accessible_names(event_page, cancel_url(booking)) == [f"Cancel my booking for “{title}”"]
    assert accessible_names(my_bookings, cancel_url(booking)) == [f"Cancel booking for “{title}”"]
    assert accessible_names(question, cancel_url(booking)) == [f"Yes, cancel my booking for “{title}”"]
    assert 'class="visually-hidden"' in my_bookings


# 9. My bookings keeps a fixed number of queries -----------------------------------


def test_my_bookings_query_count_stays_fixed_with_cancelled_events_and_zones(
    client, django_assert_max_num_queries
):
    viewer = UserFactory(timezone="Europe/Paris")
    client.force_login(viewer)

    def add_bookings(count):
        for n, event in enumerate(EventFactory.create_batch(count, timezone="Asia/Tokyo")):
            services.book(user=viewer, event=event)
            if n % 2:
                event_services.cancel_event(event=event, by=event.organizer)

    add_bookings(4)
    with django_assert_max_num_queries(6 + NAV) as few:
        client.get(MINE)
    add_bookings(30)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(MINE)

    assert len(response.context["upcoming"]) == 34
