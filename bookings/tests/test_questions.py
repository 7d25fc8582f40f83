"""Questions asked at booking (dietary needs, T-shirt size): checked before the lock, kept with it."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from bookings import services
from bookings.models import Answer
from bookings.tests.factories import make_booking
from eventhub.errors import DomainError, ErrorCode
from events import services as event_services
from events.models import Question
from events.services import create_ticket_type
from events.tests.factories import EventFactory, start_event

pytestmark = pytest.mark.django_db


def refused(code, action):
    with pytest.raises(DomainError) as refusal:
        action()
    assert refusal.value.code == code
    return refusal.value


@pytest.fixture
def asked(organizer):
    """An event asking everyone their diet (required) and VIP buyers their T-shirt size."""
    event = EventFactory(organizer=organizer, capacity=10)
    vip = create_ticket_type(event=event, by=organizer, name="VIP", capacity=2)
    diet = Question.objects.create(
        event=event, label="Dietary needs", kind="choices", options=["Vegan", "Halal", "None"], required=True
    )
    shirt = Question.objects.create(
        event=event,
        ticket_type=vip,
        label="T-shirt size",
        kind="choice",
        options=["S", "M", "L"],
        required=True,
    )
    return event, event.ticket_types.get(name="General admission"), vip, diet, shirt


def answers_of(booking):
    return {
        a.question.label: a.display for a in Answer.objects.filter(booking=booking).select_related("question")
    }


def test_answers_are_kept_with_the_booking(attendee, asked):
    event, _, vip, diet, shirt = asked

    booking = make_booking(
        user=attendee, event=event, ticket_type=vip, answers={diet.pk: ["Halal", "Vegan"], str(shirt.pk): "M"}
    )

    assert answers_of(booking) == {"Dietary needs": "Vegan, Halal", "T-shirt size": "M"}


def test_a_required_question_left_blank_refuses_the_booking_before_anything_is_written(attendee, asked):
    event, general, _, _, _ = asked

    refusal = refused(
        ErrorCode.INVALID_ANSWERS, lambda: make_booking(user=attendee, event=event, ticket_type=general)
    )

    assert refusal.field == "answers"
    assert refusal.message == "“Dietary needs” needs an answer."
    event.refresh_from_db()
    assert event.booked_seats == 0


def test_answers_given_are_refused_before_the_event_is_locked(attendee, asked):
    event, general, _, diet, _ = asked

    with CaptureQueriesContext(connection) as queries, pytest.raises(DomainError):
        make_booking(user=attendee, event=event, ticket_type=general, answers={diet.pk: ["Pizza"]})

    assert not any("events_event" in q["sql"] for q in queries.captured_queries)


def test_a_full_event_refuses_a_booking_without_answers_in_one_statement(attendee, organizer, asked):
    event, general, _, _, _ = asked
    event_services.change_capacity(event=event, capacity=1, by=organizer)
    make_booking(user=UserFactory(), event=event, ticket_type=general, answers={asked[3].pk: "None"})

    with CaptureQueriesContext(connection) as queries, pytest.raises(DomainError):
        make_booking(user=attendee, event=event, ticket_type=general)

    assert len([q for q in queries.captured_queries if q["sql"].startswith("SELECT")]) == 1


def test_a_types_question_is_asked_only_of_that_types_buyers(attendee, other_attendee, asked):
    event, general, vip, diet, _ = asked

    make_booking(user=attendee, event=event, ticket_type=general, answers={diet.pk: "None"})
    refusal = refused(
        ErrorCode.INVALID_ANSWERS,
        lambda: make_booking(user=other_attendee, event=event, ticket_type=vip, answers={diet.pk: "None"}),
    )
    assert "T-shirt size" in refusal.message


def test_an_answer_to_a_question_not_asked_is_refused(attendee, asked, published_event):
    event, general, _, diet, shirt = asked

    refusal = refused(
        ErrorCode.INVALID_ANSWERS,
        lambda: make_booking(
            user=attendee, event=event, ticket_type=general, answers={diet.pk: "None", shirt.pk: "S"}
        ),
    )
    assert f"Question {shirt.pk} is not asked" in refusal.message


@pytest.mark.parametrize(
    ("kind", "options", "given", "stored"),
    [
        ("short_text", [], "  Gluten free ", "Gluten free"),
        ("long_text", [], "Arriving late.", "Arriving late."),
        ("choice", ["S", "M"], "M", "M"),
        ("choices", ["A", "B", "C"], ["C", "A"], ["A", "C"]),
        ("yes_no", [], "yes", True),
        ("yes_no", [], False, False),
    ],
)
def test_each_kind_of_question_stores_its_answer(organizer, kind, options, given, stored):
    question = Question(event=EventFactory(organizer=organizer), label="Q", kind=kind, options=options)

    assert question.clean_answer(given) == stored


@pytest.mark.parametrize(
    ("kind", "options", "given"),
    [
        ("short_text", [], "x" * 201),
        ("short_text", [], ["a list"]),
        ("choice", ["S", "M"], "XL"),
        ("choices", ["A", "B"], ["A", "Z"]),
        ("yes_no", [], "perhaps"),
        ("yes_no", [], 3),
    ],
)
def test_an_answer_that_does_not_fit_the_question_is_refused_in_words(organizer, kind, options, given):
    question = Question(event=EventFactory(organizer=organizer), label="Size", kind=kind, options=options)

    with pytest.raises(ValidationError, match="“Size”"):
        question.clean_answer(given)


def test_a_choice_question_needs_its_options(organizer, published_event):
    with pytest.raises(ValidationError) as error:
        Question(event=published_event, label="Size", kind="choice", options=[]).full_clean()
    assert "options" in error.value.message_dict


def test_a_question_cannot_name_another_events_type(organizer, published_event, asked):
    _, _, vip, _, _ = asked
    with pytest.raises(ValidationError) as error:
        Question(event=published_event, ticket_type=vip, label="Size").full_clean()
    assert "ticket_type" in error.value.message_dict


def test_the_owner_changes_the_answers_until_the_event_starts(attendee, asked):
    event, general, _, diet, _ = asked
    booking = make_booking(user=attendee, event=event, ticket_type=general, answers={diet.pk: "None"})

    services.update_answers(booking=booking, answers={diet.pk: ["Vegan"]}, by=attendee)
    assert answers_of(booking) == {"Dietary needs": "Vegan"}

    start_event(event)
    booking.refresh_from_db()
    refused(
        ErrorCode.NOT_CANCELLABLE,
        lambda: services.update_answers(booking=booking, answers={diet.pk: "Halal"}, by=attendee),
    )
    assert answers_of(booking) == {"Dietary needs": "Vegan"}


def test_changed_answers_are_checked_like_new_ones(attendee, asked):
    event, general, _, diet, _ = asked
    booking = make_booking(user=attendee, event=event, ticket_type=general, answers={diet.pk: "None"})

    refused(
        ErrorCode.INVALID_ANSWERS, lambda: services.update_answers(booking=booking, answers={}, by=attendee)
    )
    assert answers_of(booking) == {"Dietary needs": "None"}


def test_only_the_owner_or_the_organizer_changes_answers(attendee, other_attendee, organizer, asked):
    event, general, _, diet, _ = asked
    booking = make_booking(user=attendee, event=event, ticket_type=general, answers={diet.pk: "None"})

    refused(
        ErrorCode.NOT_ALLOWED,
        lambda: services.update_answers(booking=booking, answers={diet.pk: "Vegan"}, by=other_attendee),
    )
    services.update_answers(booking=booking, answers={diet.pk: "Halal"}, by=organizer)
    assert answers_of(booking) == {"Dietary needs": "Halal"}


def test_a_booking_without_questions_writes_no_answers(attendee, published_event):
    booking = make_booking(user=attendee, event=published_event)

    assert not Answer.objects.filter(booking=booking).exists()


def test_the_type_left_out_still_asks_the_one_types_required_questions(attendee, organizer):
    event = EventFactory(organizer=organizer, capacity=5)
    only = event.ticket_types.get()
    Question.objects.create(event=event, ticket_type=only, label="Company", required=True)

    refused(ErrorCode.INVALID_ANSWERS, lambda: make_booking(user=attendee, event=event))


def test_moving_to_a_type_with_a_required_question_asks_it(attendee, asked):
    event, general, vip, diet, shirt = asked
    booking = make_booking(user=attendee, event=event, ticket_type=general, answers={diet.pk: "Vegan"})

    refused(
        ErrorCode.INVALID_ANSWERS,
        lambda: services.change_ticket_type(booking=booking, ticket_type=vip, by=attendee),
    )
    booking.refresh_from_db()
    assert booking.ticket_type == general

    services.change_ticket_type(booking=booking, ticket_type=vip, answers={shirt.pk: "L"}, by=attendee)
    assert answers_of(booking) == {"Dietary needs": "Vegan", "T-shirt size": "L"}


def test_moving_off_a_type_drops_its_own_answers_and_keeps_the_events(attendee, asked):
    event, general, vip, diet, shirt = asked
    booking = make_booking(
        user=attendee, event=event, ticket_type=vip, answers={diet.pk: "None", shirt.pk: "S"}
    )

    services.change_ticket_type(booking=booking, ticket_type=general, by=attendee)

    assert answers_of(booking) == {"Dietary needs": "None"}


def test_the_event_row_knows_whether_booking_asks_anything(organizer, published_event):
    assert not published_event.asks_questions

    question = Question.objects.create(event=published_event, label="Company")
    published_event.refresh_from_db()
    assert published_event.asks_questions

    question.delete()
    published_event.refresh_from_db()
    assert not published_event.asks_questions


def test_answers_stay_as_they_are_once_the_event_is_cancelled_except_for_its_organizer(
    attendee, organizer, asked
):
    event, general, _, diet, _ = asked
    booking = make_booking(user=attendee, event=event, ticket_type=general, answers={diet.pk: "None"})
    event_services.cancel_event(event=event, by=organizer)
    booking.refresh_from_db()

    refused(
        ErrorCode.NOT_CANCELLABLE,
        lambda: services.update_answers(booking=booking, answers={diet.pk: "Vegan"}, by=attendee),
    )
    services.update_answers(booking=booking, answers={diet.pk: "Halal"}, by=organizer)

    assert answers_of(booking) == {"Dietary needs": "Halal"}
