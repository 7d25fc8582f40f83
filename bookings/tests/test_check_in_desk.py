"""The check-in desk: the service's answer for every kind of ticket, undo and the count; the page for
those who run the event (and nobody else), its plain forms without JavaScript, its search by name,
and the organizer console's filter and link."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.desk import SEARCH_LIMIT
from bookings.models import Booking
from bookings.tests.factories import fill, make_booking
from bookings.tickets import ticket_payload
from community.tests.factories import NAV_QUERIES as NAV
from eventhub.errors import DomainError
from events import services as event_services
from events.services import SeatLayout
from events.tests.factories import EventFactory
from payments.tests.factories import expire, hold, priced_type

pytestmark = pytest.mark.django_db


def desk_url(event) -> str:
    return reverse("desk:check_in", args=[event.pk])


def refusal_of(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        services.check_in_by_code(**kwargs)
    return refused.value


def refresh(booking: Booking) -> Booking:
    booking.refresh_from_db()
    return booking


@pytest.fixture
def booking(attendee, published_event):
    attendee.first_name, attendee.last_name = "Ada", "Lovelace"
    attendee.save()
    return make_booking(user=attendee, event=published_event)


@pytest.fixture
def stalls(organizer):
    """A free seated type: rows A and B of four seats."""
    event = EventFactory(organizer=organizer, title="Hamlet", capacity=20)
    return event_services.create_ticket_type(
        event=event,
        by=organizer,
        name="Stalls",
        price=Decimal("0.00"),
        layout=SeatLayout(rows=2, seats_per_row=4),
    )


# The service's answers ---------------------------------------------------------------------------


def test_a_confirmed_ticket_is_checked_in_recording_when_and_by_whom(booking, organizer, published_event):
    before = timezone.now()

    checked = services.check_in_by_code(event=published_event, code_text=booking.ticket_code, by=organizer)

    stored = refresh(booking)
    assert checked.pk == booking.pk
    assert before <= stored.checked_in_at <= timezone.now()
    assert stored.checked_in_by == organizer


@pytest.mark.parametrize(
    "scanned",
    [
        pytest.param(lambda b: ticket_payload(b), id="the QR code's whole text"),
        pytest.param(lambda b: f"  {b.ticket_code}\n", id="a typed code with spaces around"),
    ],
)
def test_the_code_is_read_from_a_scan_or_from_typing(booking, staff, published_event, scanned):
    services.check_in_by_code(event=published_event, code_text=scanned(booking), by=staff)

    assert refresh(booking).checked_in_by == staff


def test_a_second_scan_says_when_on_the_events_clock_and_by_whom(booking, organizer, staff, published_event):
    published_event.timezone = "Asia/Tokyo"  # nine hours from UTC: a time in the wrong zone shows
    published_event.save()
    first = services.check_in_by_code(event=published_event, code_text=booking.ticket_code, by=organizer)

    refused = refusal_of(event=published_event, code_text=booking.ticket_code, by=staff)

    local = timezone.localtime(first.checked_in_at, ZoneInfo("Asia/Tokyo"))
    assert refused.code == "already_checked_in"
    assert refused.message == (
        f"Already checked in at {local:%H:%M} by {organizer.username}: this is Ada Lovelace's ticket."
    )
    assert refresh(booking).checked_in_at == first.checked_in_at
    assert refresh(booking).checked_in_by == organizer


def test_a_check_in_on_another_day_names_the_day(booking, organizer, published_event):
    services.check_in_by_code(event=published_event, code_text=booking.ticket_code, by=organizer)
    earlier = timezone.now() - timedelta(days=2)
    Booking.objects.filter(pk=booking.pk).update(checked_in_at=earlier)

    refused = refusal_of(event=published_event, code_text=booking.ticket_code, by=organizer)

    assert (
        f"Already checked in on {earlier:%a} {earlier.day} {earlier:%b} at {earlier:%H:%M} by"
        in refused.message
    )


def test_a_ticket_of_another_event_names_it_to_who_runs_both(booking, organizer, published_event):
    tonight = EventFactory(organizer=organizer, title="Tonight")

    refused = refusal_of(event=tonight, code_text=booking.ticket_code, by=organizer)

    starts = published_event.starts_at
    assert refused.code == "wrong_event"
    assert refused.message == (
        f"Not for this event: this ticket is for “{published_event.title}” "
        f"on {starts:%a} {starts.day} {starts:%b %Y}."
    )
    assert refresh(booking).checked_in_at is None


def test_a_ticket_of_someone_elses_event_is_not_named(booking, other_organizer, published_event):
    theirs = EventFactory(organizer=other_organizer)

    refused = refusal_of(event=theirs, code_text=booking.ticket_code, by=other_organizer)

    assert refused.code == "wrong_event"
    assert refused.message == "Not for this event: this ticket is for another event."
    assert published_event.title not in refused.message


def cancelled(attendee, event):
    booking = make_booking(user=attendee, event=event)
    return services.cancel_booking(booking=booking, by=attendee)


def hold_run_out(attendee, event):
    return expire(hold(user=attendee, event=event, ticket_type=priced_type(event)))


def released(attendee, event):
    booking = hold_run_out(attendee, event)
    services.release_expired_holds()
    assert refresh(booking).status == "expired"
    return booking


def awaiting_payment(attendee, event):
    return hold(user=attendee, event=event, ticket_type=priced_type(event))


def waitlisted(attendee, event):
    """Booked, cancelled, then back in line for a full event: the old ticket's code is still on record."""
    cancelled(attendee, event)
    fill(event, users=UserFactory.create_batch(event.capacity))
    return make_booking(user=attendee, event=event, waitlist=True)


@pytest.mark.parametrize(
    ("state", "code", "message"),
    [
        (cancelled, "ticket_cancelled", "Cancelled booking: Ada Lovelace's ticket was cancelled."),
        (released, "ticket_cancelled", "Cancelled booking: Ada Lovelace's ticket was not paid in time."),
        (hold_run_out, "ticket_cancelled", "Cancelled booking: Ada Lovelace's ticket was not paid in time."),
        (awaiting_payment, "not_confirmed", "Awaiting payment: Ada Lovelace's ticket is not paid yet."),
        (waitlisted, "not_confirmed", "Waitlisted: Ada Lovelace has no place yet."),
    ],
)
def test_a_ticket_without_a_place_is_turned_away_saying_why(
    attendee, organizer, published_event, state, code, message
):
    attendee.first_name, attendee.last_name = "Ada", "Lovelace"
    attendee.save()
    booking = state(attendee, published_event)

    refused = refusal_of(event=published_event, code_text=booking.ticket_code, by=organizer)

    assert (refused.code, refused.message) == (code, message)
    assert refresh(booking).checked_in_at is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("EVENTHUB-TICKET:" + "A" * 20, "Unknown code: no ticket has this code."),
        ("A" * 20, "Unknown code: no ticket has this code."),
        ("https://example.com/not-a-ticket", "Unknown code: this is not a ticket's code."),
        ("", "Unknown code: this is not a ticket's code."),
    ],
)
def test_an_unknown_or_unreadable_code_is_unknown(booking, organizer, published_event, text, message):
    refused = refusal_of(event=published_event, code_text=text, by=organizer)

    assert (refused.code, refused.message) == ("unknown_ticket", message)


@pytest.mark.parametrize("by", ["attendee", "other_attendee", "other_organizer"])
def test_only_the_organizer_and_staff_check_in(request, booking, published_event, by):
    refused = refusal_of(event=published_event, code_text=booking.ticket_code, by=request.getfixturevalue(by))

    assert refused.code == "not_allowed"
    assert refresh(booking).checked_in_at is None


def test_the_admins_check_in_records_who_and_refuses_a_second_time(booking, organizer):
    services.check_in(booking=booking, by=organizer)

    with pytest.raises(DomainError) as refused:
        services.check_in(booking=booking, by=organizer)

    assert refresh(booking).checked_in_by == organizer
    assert refused.value.code == "already_checked_in"


def test_the_answer_carries_the_type_and_seat_read_with_it(
    stalls, attendee, organizer, django_assert_num_queries
):
    booking = make_booking(user=attendee, event=stalls.event, ticket_type=stalls)

    checked = services.check_in_by_code(event=stalls.event, code_text=booking.ticket_code, by=organizer)

    with django_assert_num_queries(0):
        assert (checked.ticket_type.name, checked.seat.label) == ("Stalls", "Row A, seat 1")
        assert checked.event.timezone and checked.ticket_type.event.currency


# Undo -------------------------------------------------------------------------------------------


def test_undo_clears_the_check_in(booking, organizer):
    services.check_in(booking=booking, by=organizer)

    services.undo_check_in(booking=booking, by=organizer)

    stored = refresh(booking)
    assert (stored.checked_in_at, stored.checked_in_by) == (None, None)
    services.check_in(booking=booking, by=organizer)  # and the ticket gets in again
    assert refresh(booking).checked_in_at is not None


def test_undoing_twice_changes_nothing_more(booking, staff):
    services.check_in(booking=booking, by=staff)
    services.undo_check_in(booking=booking, by=staff)

    assert services.undo_check_in(booking=booking, by=staff).checked_in_at is None


@pytest.mark.parametrize("by", ["attendee", "other_organizer"])
def test_only_the_organizer_and_staff_undo(request, booking, organizer, by):
    services.check_in(booking=booking, by=organizer)

    with pytest.raises(DomainError) as refused:
        services.undo_check_in(booking=booking, by=request.getfixturevalue(by))

    assert refused.value.code == "not_allowed"
    assert refresh(booking).checked_in_by == organizer


# The count --------------------------------------------------------------------------------------


def test_the_count_is_confirmed_bookings_checked_in_of_all_confirmed(
    organizer, published_event, django_assert_num_queries
):
    confirmed = fill(published_event, users=UserFactory.create_batch(4))
    for booking in confirmed[:3]:
        services.check_in(booking=booking, by=organizer)
    services.cancel_booking(booking=confirmed[0], by=organizer)  # let in, then cancelled: not counted
    awaiting_payment(UserFactory(), published_event)
    make_booking(user=UserFactory(), event=EventFactory(organizer=organizer))  # another event's

    with django_assert_num_queries(1):
        count = services.check_in_count(event=published_event)

    assert (count.checked_in, count.confirmed) == (2, 3)


# The page: who may open it ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["organizer", "staff"])
def test_the_organizer_and_staff_open_the_desk(client, request, published_event, who):
    client.force_login(request.getfixturevalue(who))

    response = client.get(desk_url(published_event))

    assert response.status_code == 200
    assert "0 of 0 checked in" in text_of(response)


@pytest.mark.parametrize("who", ["attendee", "other_organizer"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_anyone_else_finds_no_desk(client, request, booking, published_event, who, method):
    client.force_login(request.getfixturevalue(who))

    response = getattr(client, method)(desk_url(published_event), {"do": "code", "code": booking.ticket_code})

    assert response.status_code == 404
    assert refresh(booking).checked_in_at is None


def test_signing_in_leads_back_to_the_desk(client, published_event):
    response = client.get(desk_url(published_event))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={desk_url(published_event)}"


def test_a_form_posted_without_its_csrf_token_is_refused(booking, organizer, published_event):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(organizer)

    response = client.post(desk_url(published_event), {"do": "code", "code": booking.ticket_code})

    assert response.status_code == 403
    assert refresh(booking).checked_in_at is None


# The page without JavaScript --------------------------------------------------------------------


def text_of(response) -> str:
    """The page's words, tags and runs of spaces taken out."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def post(client, event, **data):
    return client.post(desk_url(event), data)


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def test_a_typed_code_checks_in_and_offers_to_undo(organizer_client, stalls, attendee, organizer):
    booking = make_booking(user=attendee, event=stalls.event, ticket_type=stalls)

    response = post(organizer_client, stalls.event, do="code", code=booking.ticket_code)

    words = text_of(response)
    assert response.status_code == 200
    assert f"Checked in {attendee.username} · Stalls · Row A, seat 1" in words
    assert "1 of 1 checked in" in words
    assert f'name="booking" value="{booking.pk}"' in response.content.decode()
    assert "Undo this check-in" in words
    assert refresh(booking).checked_in_by == organizer


def test_the_same_code_again_says_already_checked_in_by_whom(
    organizer_client, booking, organizer, published_event
):
    post(organizer_client, published_event, do="code", code=booking.ticket_code)

    response = post(organizer_client, published_event, do="code", code=booking.ticket_code)

    stamp = refresh(booking).checked_in_at
    assert f"Already checked in at {stamp:%H:%M} by {organizer.username}" in text_of(response)
    assert "Undo this check-in" not in text_of(response)


def test_undo_takes_the_check_in_back(organizer_client, booking, published_event):
    post(organizer_client, published_event, do="code", code=booking.ticket_code)

    response = post(organizer_client, published_event, do="undo", booking=booking.pk)

    assert "Check-in undone Ada Lovelace" in text_of(response)
    assert "0 of 1 checked in" in text_of(response)
    assert refresh(booking).checked_in_at is None


def test_an_unknown_code_stays_in_its_box_to_correct(organizer_client, booking, published_event):
    typo = booking.ticket_code[:-1] + ("A" if booking.ticket_code[-1] != "A" else "B")

    response = post(organizer_client, published_event, do="code", code=typo)

    assert "Unknown code No ticket has this code." in text_of(response)
    assert f'name="code" value="{typo}"' in response.content.decode()


def test_a_refusal_shows_big_and_in_red(organizer_client, attendee, published_event):
    booking = cancelled(attendee, published_event)

    response = post(organizer_client, published_event, do="code", code=booking.ticket_code)

    assert '<div class="desk-answer bad" data-outcome="ticket_cancelled">' in response.content.decode()
    assert "Cancelled booking" in text_of(response)


def test_a_booking_of_another_event_cannot_be_checked_in_by_its_id(
    organizer_client, organizer, published_event
):
    elsewhere = make_booking(user=UserFactory(), event=EventFactory(organizer=organizer))

    response = post(organizer_client, published_event, do="booking", booking=elsewhere.pk)

    assert "This booking does not exist." in text_of(response)
    assert refresh(elsewhere).checked_in_at is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"do": "dance"},
        {"do": "booking"},
        {"do": "undo", "booking": "x"},
        {"do": "booking", "booking": "9" * 30},
    ],
)
def test_a_form_that_makes_no_sense_is_a_bad_request(organizer_client, published_event, data):
    assert organizer_client.post(desk_url(published_event), data).status_code == 400


def test_the_script_gets_only_the_live_part_and_the_outcome(organizer_client, booking, published_event):
    response = organizer_client.post(
        desk_url(published_event),
        {"do": "code", "code": booking.ticket_code},
        headers={"X-Desk-Fragment": "live"},
    )

    html = response.content.decode()
    assert response["X-Desk-Fragment"] == "checked_in"
    assert "1 of 1 checked in" in text_of(response)
    assert "<html" not in html and "Find by name" not in html


def test_the_page_loads_its_scripts_from_the_site_only(organizer_client, published_event):
    html = organizer_client.get(desk_url(published_event)).content.decode()

    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts == [
        '<script src="/static/vendor/jsqr/jsQR.min.js" defer>',
        '<script src="/static/js/check-in.js" defer>',
    ]
    vendored = Path(settings.BASE_DIR, "static", "vendor", "jsqr")
    assert (vendored / "LICENSE").is_file()
    assert "jsQR 1.4.0" in (vendored / "jsQR.min.js").read_text()[:200]


# Search by name ---------------------------------------------------------------------------------


def named(first, last):
    return UserFactory(first_name=first, last_name=last)


def test_a_name_search_finds_the_bookings_and_checks_one_in(organizer_client, published_event):
    ada = make_booking(user=named("Ada", "Lovelace"), event=published_event)
    make_booking(user=named("Grace", "Hopper"), event=published_event)

    found = organizer_client.get(desk_url(published_event), {"q": "love"})
    response = post(organizer_client, published_event, do="booking", booking=ada.pk, q="love")

    assert "Ada Lovelace" in text_of(found) and "Grace Hopper" not in text_of(found)
    assert "Checked in Ada Lovelace · General admission" in text_of(response)
    assert re.search(r"Checked in \w{3} \d+ \w{3}, \d\d:\d\d by", text_of(response))  # the list, read anew
    assert refresh(ada).checked_in_at is not None


def test_every_word_typed_must_match(organizer_client, published_event):
    make_booking(user=named("Ada", "Lovelace"), event=published_event)
    make_booking(user=named("Ada", "Byron"), event=published_event)

    response = organizer_client.get(desk_url(published_event), {"q": "ada byr"})

    assert "Ada Byron" in text_of(response) and "Ada Lovelace" not in text_of(response)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("ad", "Type at least 3 letters to find a name."),
        (" a  ", "Type at least 3 letters to find a name."),
        ("ada " * 30, "Type at most 100 letters of a name."),
        ("ada\x00", "Null characters are not allowed."),
    ],
)
def test_a_search_too_short_or_too_long_lists_nobody(organizer_client, published_event, query, words):
    make_booking(user=named("Ada", "Lovelace"), event=published_event)

    response = organizer_client.post(desk_url(published_event), {"do": "code", "code": "", "q": query})

    assert "Ada Lovelace" not in text_of(response)
    assert words in text_of(response)


def test_a_search_shows_at_most_the_limit_in_a_fixed_number_of_queries(
    organizer_client, organizer, stalls, django_assert_max_num_queries
):
    event = stalls.event
    people = [named("Sam", f"Smith{n:02}") for n in range(SEARCH_LIMIT + 5)]
    standing = event.ticket_types.exclude(pk=stalls.pk).get()
    bookings = fill(event, users=people[:8], ticket_type=stalls) + fill(
        event, users=people[8:], ticket_type=standing
    )
    for booking in bookings[: event.capacity : 2]:  # the rest wait for a place
        services.check_in(booking=booking, by=organizer)

    # Session and user, the event, the count, the bookings found with their people, types and seats.
    with django_assert_max_num_queries(5 + NAV):
        response = organizer_client.get(desk_url(event), {"q": "smith"})

    words = text_of(response)
    assert response.content.decode().count('<p class="desk-name">Sam Smith') == SEARCH_LIMIT
    assert f"Only the first {SEARCH_LIMIT} are shown: type more of the name." in words
    assert f"by {organizer.username}" in words and "Row A, seat 1" in words


# The organizer console --------------------------------------------------------------------------


def test_the_booking_list_filters_by_check_in_and_says_who(organizer_client, organizer, published_event):
    arrived = make_booking(user=named("Ada", "Lovelace"), event=published_event)
    make_booking(user=named("Grace", "Hopper"), event=published_event)
    services.check_in(booking=arrived, by=organizer)
    changelist = reverse("admin:bookings_booking_changelist")

    checked_in = organizer_client.get(changelist, {"checked_in": "yes"})
    not_yet = organizer_client.get(changelist, {"checked_in": "no"})

    assert [b.pk for b in checked_in.context["cl"].result_list] == [arrived.pk]
    assert arrived.pk not in [b.pk for b in not_yet.context["cl"].result_list]
    assert len(not_yet.context["cl"].result_list) == 1
    assert f"by {organizer.username}" in checked_in.content.decode()


def test_the_desk_links_to_who_has_not_arrived_in_the_console(organizer_client, organizer, published_event):
    arrived, awaited = fill(published_event, users=[named("Ada", "Lovelace"), named("Grace", "Hopper")])
    services.check_in(booking=arrived, by=organizer)
    make_booking(user=named("Alan", "Turing"), event=EventFactory(organizer=organizer))  # another event's
    desk = organizer_client.get(desk_url(published_event)).content.decode()

    link = re.search(r'<a href="([^"]+)">not checked in yet</a>', desk).group(1).replace("&amp;", "&")
    listed = organizer_client.get(link).context["cl"].result_list

    assert [b.pk for b in listed] == [awaited.pk]


def test_the_events_console_page_links_to_its_desk(organizer_client, published_event):
    response = organizer_client.get(reverse("admin:events_event_change", args=[published_event.pk]))

    assert f'<a href="{desk_url(published_event)}">Check-in desk</a>' in response.content.decode()
