"""/api/events/{id}/check-ins/: the desk's answers as statuses and codes, in the page's own words; undo."""

import re
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import capfirst

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import make_booking
from bookings.tests.test_check_in_desk import awaiting_payment, cancelled, waitlisted
from bookings.tickets import ticket_payload
from eventhub.errors import DomainError
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def check_ins(event) -> str:
    return f"/api/events/{event.pk}/check-ins/"


def check_in_of(booking) -> str:
    return f"/api/events/{booking.event_id}/check-ins/{booking.pk}/"


@pytest.fixture
def desk(api_client, organizer):
    api_client.force_authenticate(organizer)
    return api_client


@pytest.fixture
def booking(attendee, published_event):
    attendee.first_name, attendee.last_name = "Ada", "Lovelace"
    attendee.save()
    return make_booking(user=attendee, event=published_event)


def test_a_scanned_ticket_is_checked_in_with_who_it_is_and_the_count(
    desk, booking, organizer, published_event
):
    published_event.timezone = "America/New_York"
    published_event.save()
    make_booking(user=UserFactory(), event=published_event)  # confirmed, not here yet

    response = desk.post(check_ins(published_event), {"code": ticket_payload(booking)}, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    stored = Booking.objects.get(pk=booking.pk)
    assert body == {
        "id": booking.pk,
        "name": "Ada Lovelace",
        "ticket_type": {
            "id": booking.ticket_type_id,
            "name": "General admission",
            "price": "0.00",
            "currency": published_event.currency,
        },
        "seat": None,
        "checked_in_at": body["checked_in_at"],
        "checked_in_by": organizer.username,
        "count": {"checked_in": 1, "confirmed": 2},
    }
    assert stored.checked_in_by == organizer
    # On the event's clock: New York's offset, not UTC's.
    assert re.search(r"-0[45]:00$", body["checked_in_at"]), body["checked_in_at"]
    assert datetime.fromisoformat(body["checked_in_at"]) == stored.checked_in_at


def checked_in_already(booking, organizer):
    services.check_in(booking=booking, by=organizer)
    return booking


def for_another_event(booking, organizer):
    return make_booking(user=UserFactory(), event=EventFactory(organizer=organizer))


def cancelled_one(booking, organizer):
    return cancelled(UserFactory(), booking.event)


def held(booking, organizer):
    return awaiting_payment(UserFactory(), booking.event)


def in_line(booking, organizer):
    return waitlisted(UserFactory(), booking.event)


@pytest.mark.parametrize(
    ("state", "status", "code"),
    [
        (checked_in_already, 409, "already_checked_in"),
        (for_another_event, 409, "wrong_event"),
        (cancelled_one, 409, "ticket_cancelled"),
        (held, 400, "not_confirmed"),
        (in_line, 400, "not_confirmed"),
    ],
)
def test_each_refusal_has_its_status_and_code_and_the_services_words(
    desk, booking, organizer, published_event, state, status, code
):
    ticket = state(booking, organizer)
    with pytest.raises(DomainError) as expected:
        services.check_in_by_code(event=published_event, code_text=ticket.ticket_code, by=organizer)

    response = desk.post(check_ins(published_event), {"code": ticket.ticket_code}, format="json")

    assert response.status_code == status
    assert response.json() == {"detail": expected.value.message, "code": code}


@pytest.mark.parametrize("code", ["A" * 20, "not a ticket", ""])
def test_an_unknown_code_is_404_unknown_ticket(desk, published_event, code):
    response = desk.post(check_ins(published_event), {"code": code}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_ticket"


@pytest.mark.parametrize("body", [{}, {"code": "A" * 2001}, {"code": ["A" * 20]}])
def test_a_body_without_a_code_is_400(desk, published_event, body):
    response = desk.post(check_ins(published_event), body, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"code"}


def test_the_page_and_the_api_say_the_same_words(client, desk, booking, organizer, published_event):
    services.check_in(booking=booking, by=organizer)
    client.force_login(organizer)

    api = desk.post(check_ins(published_event), {"code": booking.ticket_code}, format="json").json()
    page = client.post(
        reverse("desk:check_in", args=[published_event.pk]),
        {"do": "code", "code": booking.ticket_code},
        headers={"X-Desk-Fragment": "live"},
    )

    headline, detail = api["detail"].split(": ", 1)
    html = page.content.decode()
    assert f'<p class="desk-headline">{headline}</p>' in html
    assert f'<p class="desk-detail">{escape(capfirst(detail))}</p>' in html


def test_a_ticket_is_checked_in_in_a_fixed_number_of_queries(
    desk, booking, published_event, django_assert_max_num_queries
):
    for _ in range(20):
        make_booking(user=UserFactory(), event=published_event, waitlist=True)

    # The event seen, then locked; the ticket with its person, type, seat; the write; the count.
    with django_assert_max_num_queries(7):
        response = desk.post(check_ins(published_event), {"code": booking.ticket_code}, format="json")

    assert response.status_code == 201


@pytest.mark.parametrize(("who", "status"), [("attendee", 403), ("other_organizer", 403), (None, 401)])
def test_only_the_organizer_and_staff_check_in(api_client, request, booking, published_event, who, status):
    if who:
        api_client.force_authenticate(request.getfixturevalue(who))

    response = api_client.post(check_ins(published_event), {"code": booking.ticket_code}, format="json")

    assert response.status_code == status
    assert Booking.objects.get(pk=booking.pk).checked_in_at is None


def test_someone_elses_draft_is_404(api_client, other_organizer, draft_event):
    api_client.force_authenticate(other_organizer)

    response = api_client.post(check_ins(draft_event), {"code": "A" * 20}, format="json")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# Undo --------------------------------------------------------------------------------------------


def test_delete_undoes_a_check_in(desk, booking, organizer):
    services.check_in(booking=booking, by=organizer)

    response = desk.delete(check_in_of(booking))

    assert response.status_code == 204
    stored = Booking.objects.get(pk=booking.pk)
    assert (stored.checked_in_at, stored.checked_in_by) == (None, None)
    assert desk.delete(check_in_of(booking)).status_code == 204  # again: nothing more to undo


def test_undo_of_a_booking_of_another_event_is_404(desk, booking, organizer, published_event):
    services.check_in(booking=booking, by=organizer)
    elsewhere = EventFactory(organizer=organizer)

    response = desk.delete(f"/api/events/{elsewhere.pk}/check-ins/{booking.pk}/")

    assert response.status_code == 404
    assert Booking.objects.get(pk=booking.pk).checked_in_at is not None


def test_only_the_organizer_and_staff_undo(api_client, booking, organizer, other_organizer):
    services.check_in(booking=booking, by=organizer)
    api_client.force_authenticate(other_organizer)

    assert api_client.delete(check_in_of(booking)).status_code == 403
    assert Booking.objects.get(pk=booking.pk).checked_in_by == organizer
