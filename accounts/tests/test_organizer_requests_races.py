"""Simultaneous decisions about one request to become an organizer, on real threads: one decides.

The request's row lock puts them in a row (PostgreSQL); the second finds the request decided,
so the person is emailed once. Simultaneous asks by one person make one request.
"""

import threading

import pytest
from django.db import connection

from accounts import services
from accounts.models import OrganizerRequest
from accounts.tests.factories import UserFactory
from accounts.tests.mailbox import sent_to
from eventhub.errors import DomainError

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

JOIN_TIMEOUT = 30
ROUNDS = 5
STATUS_AFTER = {"approve_organizer_request": "approved", "decline_organizer_request": "declined"}


@pytest.fixture(autouse=True)
def approval(settings):
    settings.ORGANIZER_SIGNUP = "approval"


def race(actions) -> list:
    """Run every action in its own thread, released together: what each returned or refused with."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=JOIN_TIMEOUT)
            outcomes[index] = action()
        except DomainError as refusal:
            outcomes[index] = refusal.code
        except Exception as error:  # anything else is a failure the test reports
            outcomes[index] = f"error: {error!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a decision never finished"
    return outcomes


def decides(decision: str, organizer_request, by):
    return lambda: getattr(services, decision)(organizer_request=organizer_request, by=by)


@pytest.mark.postgres
@pytest.mark.parametrize(
    "decisions",
    [
        ("approve_organizer_request", "approve_organizer_request"),
        ("approve_organizer_request", "decline_organizer_request"),
    ],
    ids=["approve twice", "approve and decline"],
)
def test_simultaneous_decisions_decide_once_and_email_once(decisions):
    staff = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(ROUNDS):
        person = UserFactory()
        request = services.request_organizer_role(user=person)

        outcomes = race([decides(decision, request, staff) for decision in decisions])

        winners = [i for i, outcome in enumerate(outcomes) if isinstance(outcome, OrganizerRequest)]
        assert len(winners) == 1 and outcomes.count("already_decided") == 1, outcomes
        request.refresh_from_db()
        person.refresh_from_db()
        assert request.status == STATUS_AFTER[decisions[winners[0]]]
        assert person.is_organizer == (request.status == "approved")
        assert len(sent_to(person.email)) == 1


def test_simultaneous_asks_by_one_person_make_one_request():
    for _ in range(ROUNDS):
        person = UserFactory()

        outcomes = race([lambda person=person: services.request_organizer_role(user=person)] * 3)

        assert sum(isinstance(outcome, OrganizerRequest) for outcome in outcomes) == 1, outcomes
        assert outcomes.count("already_requested") == 2, outcomes
        assert person.organizer_requests.count() == 1
