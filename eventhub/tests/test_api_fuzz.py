"""Schemathesis against the API's own OpenAPI schema, through WSGI: no 5xx, and every answer as documented.

Slow next to the rest of the suite; run it alone with `pytest -m fuzz`.
"""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings.models import Answer, Booking
from bookings.tests.factories import make_booking
from community.models import Block, Comment, Conversation, Friendship, Like, Message, Post, Report
from eventhub.wsgi import application
from events.models import Event, Question, Seat, Series, TicketType
from events.tests.factories import EventFactory
from notifications.models import OrganizerMessage, SentEmail
from payments.models import Invoice, InvoiceCounter, InvoiceProfile, Payment, Refund

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture(params=["attendee", "organizer"])
def bearer(request, monkeypatch, settings):
    """A signed-in caller of each role, with some real rows around so ids 1, 2, 3... exist."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, not security
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth", "10000/min")
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "10000/min")
    # Counts that outlive one generated example would make replays answer differently.
    settings.LOGIN_FAILURES_PER_USERNAME = settings.LOGIN_FAILURES_PER_ADDRESS = 10**6
    organizer = OrganizerFactory()
    attendee = UserFactory()
    event = EventFactory(organizer=organizer)
    make_booking(user=attendee, event=event)
    caller = attendee if request.param == "attendee" else organizer
    return {"Authorization": f"Bearer {AccessToken.for_user(caller)}"}


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)  # requests go through the real WSGI stack, which closes connections
@schema.parametrize()
@hypothesis_settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_answers_as_its_schema_says(case, bearer):
    case.call_and_validate(headers=bearer, checks=CHECKS)


@pytest.mark.fuzz
@pytest.mark.django_db(transaction=True)
def test_api_sequences_follow_the_schema(bearer):
    """Stateful: chains of calls linked through their responses (list -> detail -> book -> cancel...).

    Links are inferred by schemathesis from the schema's resources; every answer
    along a chain must be documented and no call may fail with a 5xx.
    """

    snapshot = RowSnapshot()

    class Workflow(schema.as_state_machine()):
        def setup(self):
            cache.clear()

        def teardown(self):
            snapshot.restore()  # every scenario starts from the same rows, so replays answer alike

        def get_call_kwargs(self, case):
            return {"headers": bearer}

        def validate_response(self, response, case, **kwargs):
            case.validate_response(response, checks=CHECKS)

    Workflow.run(
        settings=hypothesis_settings(
            max_examples=25,
            stateful_step_count=8,
            derandomize=True,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


class RowSnapshot:
    """The rows as they are now, to go back to after each generated scenario.

    Models are listed children first: rows a scenario added go children first (no
    protected foreign key trips), rows it changed or deleted come back parents first.
    """

    MODELS = (
        Report,
        Like,
        Message,
        Conversation,
        Comment,
        Post,
        Block,
        Friendship,
        SentEmail,
        OrganizerMessage,
        BlacklistedToken,
        OutstandingToken,
        Invoice,
        Refund,
        Payment,
        InvoiceCounter,
        InvoiceProfile,
        Answer,
        Booking,
        Question,
        Seat,
        TicketType,
        Event,
        Series,
        User,
    )

    def __init__(self):
        self.rows = {model: {row["id"]: row for row in model.objects.values()} for model in self.MODELS}

    def restore(self):
        for model in self.MODELS:
            model.objects.exclude(pk__in=self.rows[model]).delete()
        for model in reversed(self.MODELS):
            present = set(model.objects.values_list("pk", flat=True))
            model.objects.bulk_create(
                [model(**row) for pk, row in self.rows[model].items() if pk not in present]
            )
            for pk in present & self.rows[model].keys():
                row = self.rows[model][pk]
                model.objects.filter(pk=pk).update(**{k: v for k, v in row.items() if k != "id"})
