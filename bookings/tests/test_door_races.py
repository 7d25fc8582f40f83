"""Bookings racing the deletion of their account or their event, and who may still run an event.

Each race ends in a documented refusal (401, 404, 409), never a broken foreign key.
"""

from types import SimpleNamespace

import pytest

from accounts.models import User
from accounts.services import delete_account, set_role
from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Booking
from bookings.tests.factories import assert_counter_exact
from bookings.tests.test_concurrency import race
from eventhub.errors import DomainError
from events import services as event_services
from events.models import Event
from events.tests.factories import EventFactory

BOOKINGS = "/api/bookings/"
DONE = SimpleNamespace(status="done")  # what a deletion that went through reports in a race


@pytest.mark.django_db(transaction=True)
def test_booking_for_an_account_deleted_meanwhile_is_refused_as_signed_out(published_event):
    ghost = UserFactory(role="attendee")
    User.objects.filter(pk=ghost.pk).delete()  # gone after the request authenticated it
    with pytest.raises(DomainError) as refusal:
        services.book(user=ghost, event=published_event)
    assert refusal.value.code == "not_authenticated"
    assert refusal.value.message == "Your account no longer exists."
    assert not Booking.objects.exists()
    assert_counter_exact(published_event)


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_401_when_the_account_went_during_the_booking(api_client, published_event):
    ghost = UserFactory(role="attendee")
    api_client.force_authenticate(ghost)
    User.objects.filter(pk=ghost.pk).delete()
    response = api_client.post(BOOKINGS, {"event": published_event.pk})
    assert response.status_code == 401
    assert response.json() == {"detail": "Your account no longer exists.", "code": "not_authenticated"}


@pytest.mark.django_db
def test_an_account_deletion_that_meets_a_new_booking_starts_again_and_cancels_it(
    attendee, published_event, monkeypatch
):
    """A booking that slips in between cancelling and deleting holds the account back; the retry takes it."""
    other = EventFactory(capacity=5)
    services.book(user=attendee, event=published_event)
    real_cancel_all = services.cancel_all_bookings_of
    calls = []

    def cancel_all_then_a_booking_arrives(*, user, by):
        cancelled = real_cancel_all(user=user, by=by)
        if not calls:
            services.book(user=user, event=other)
        calls.append(cancelled)
        return cancelled

    monkeypatch.setattr(services, "cancel_all_bookings_of", cancel_all_then_a_booking_arrives)
    delete_account(user=attendee, by=attendee)
    assert len(calls) == 2
    assert not User.objects.filter(pk=attendee.pk).exists()
    for event in (published_event, other):
        assert_counter_exact(event)
        assert event.booked_seats == 0


@pytest.mark.django_db
def test_deleting_an_event_with_bookings_is_refused_and_keeps_it(
    api_client, organizer, published_event, attendee
):
    services.book(user=attendee, event=published_event)
    api_client.force_authenticate(organizer)
    response = api_client.delete(f"/api/events/{published_event.pk}/")
    assert response.status_code == 409
    assert response.json()["code"] == "has_bookings"
    assert Event.objects.filter(pk=published_event.pk).exists()


@pytest.mark.django_db
def test_deleting_an_event_without_bookings_works_and_a_later_booking_finds_nothing(
    api_client, organizer, published_event, attendee
):
    api_client.force_authenticate(organizer)
    assert api_client.delete(f"/api/events/{published_event.pk}/").status_code == 204
    api_client.force_authenticate(attendee)
    response = api_client.post(BOOKINGS, {"event": published_event.pk})
    assert response.status_code == 404


@pytest.mark.postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_deleting_an_event_while_bookings_are_in_flight_never_breaks_a_foreign_key(organizer):
    for _ in range(5):
        event = EventFactory(organizer=organizer, capacity=3)
        attendees = UserFactory.create_batch(4, role="attendee")
        actions = [lambda u=u, pk=event.pk: services.book(user=u, event=Event(pk=pk)) for u in attendees]
        actions.append(
            lambda pk=event.pk: event_services.delete_event(event=Event(pk=pk), by=organizer) or DONE
        )
        outcomes = race(actions)
        if Event.objects.filter(pk=event.pk).exists():
            assert outcomes[-1] == "has_bookings"
            assert_counter_exact(event)
        else:
            assert outcomes[-1] == "done"
            assert set(outcomes[:-1]) == {"not_found"}


@pytest.mark.postgres
@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_deleting_an_account_while_it_books_never_breaks_a_foreign_key():
    for _ in range(5):
        person = UserFactory(role="attendee")
        events = EventFactory.create_batch(3, capacity=5)
        actions = [lambda e=e, p=person: services.book(user=p, event=Event(pk=e.pk)) for e in events]
        actions.append(lambda p=person: delete_account(user=p, by=p) or DONE)
        outcomes = race(actions)
        assert outcomes[-1] == "done"
        assert set(outcomes[:-1]) <= {"confirmed", "not_authenticated"}
        for event in events:
            assert_counter_exact(event)
            assert event.booked_seats == 0


# Who may run an event, and who may see it ------------------------------------------------------


@pytest.mark.django_db
def test_a_demoted_organizer_no_longer_runs_their_events_through_the_api(
    api_client, organizer, published_event, attendee
):
    services.book(user=attendee, event=published_event)
    set_role(user=organizer, role="attendee")
    api_client.force_authenticate(organizer)
    event_url = f"/api/events/{published_event.pk}/"
    assert api_client.patch(event_url, {"title": "Mine still?"}).status_code == 403
    assert api_client.get(f"{event_url}bookings/").status_code == 403
    assert api_client.get(BOOKINGS).json()["count"] == 0
    booking = Booking.objects.get()
    assert api_client.post(f"{BOOKINGS}{booking.pk}/cancel/").status_code == 404
    published_event.refresh_from_db()
    assert published_event.booked_seats == 1


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["attendee", "other_organizer"])
def test_someone_elses_draft_is_404_for_booking_whatever_the_role(api_client, draft_event, who, request):
    api_client.force_authenticate(request.getfixturevalue(who))
    existing = api_client.post(BOOKINGS, {"event": draft_event.pk})
    missing = api_client.post(BOOKINGS, {"event": draft_event.pk + 1000})
    assert existing.status_code == missing.status_code == 404
    assert existing.json() == missing.json() == {"detail": "This event does not exist.", "code": "not_found"}
