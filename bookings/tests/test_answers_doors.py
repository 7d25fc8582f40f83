"""Answers to booking questions through the API (booking, changing them) and in the organizer console."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.admin import ANSWER_CHARS_IN_A_ROW
from bookings.models import Answer, Booking
from bookings.services import cancel_booking
from bookings.tests.factories import make_booking
from bookings.tests.test_admin import CHANGELIST, csv_rows
from events.models import Question
from events.services import create_ticket_type
from events.tests.factories import EventFactory, start_event

pytestmark = pytest.mark.django_db

LIST = "/api/bookings/"
EVENTS_CHANGELIST = reverse("admin:events_event_changelist")


@pytest.fixture
def asked(organizer):
    """An event asking everyone their diet (required) and whether they come by car, and VIPs their size."""
    event = EventFactory(organizer=organizer, capacity=100, title="Gala")
    vip = create_ticket_type(event=event, by=organizer, name="VIP", capacity=100)
    diet = Question.objects.create(
        event=event, label="Dietary needs", kind="choices", options=["Vegan", "Halal", "None"], required=True
    )
    car = Question.objects.create(event=event, label="Coming by car", kind="yes_no", position=1)
    shirt = Question.objects.create(
        event=event, ticket_type=vip, label="T-shirt size", kind="choice", options=["S", "M"], position=2
    )
    return event, vip, diet, car, shirt


def general(event):
    return event.ticket_types.get(name="General admission")


def answers_of(booking) -> dict:
    return {
        a.question.label: a.value for a in Answer.objects.filter(booking=booking).select_related("question")
    }


def book_with_answers(event, user, vip=None, **answers):
    """A booking of the VIP type (or general admission) with a diet and the answers given by question id."""
    diet = event.questions.get(label="Dietary needs")
    return make_booking(
        user=user, event=event, ticket_type=vip or general(event), answers={diet.pk: ["Vegan"], **answers}
    )


def answers_url(booking):
    return f"{LIST}{booking.pk}/answers/"


@pytest.fixture
def as_attendee(api_client, attendee):
    api_client.force_authenticate(attendee)
    return api_client


# Booking with answers -------------------------------------------------------------------------


def test_a_booking_keeps_the_answers_sent_and_shows_them(as_attendee, asked, attendee):
    event, vip, diet, car, shirt = asked
    answers = {str(diet.pk): ["Halal", "Vegan"], str(car.pk): True, str(shirt.pk): "M"}

    response = as_attendee.post(
        LIST, {"event": event.pk, "ticket_type": vip.pk, "answers": answers}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["answers"] == [
        {
            "question": diet.pk,
            "label": "Dietary needs",
            "value": ["Vegan", "Halal"],
            "display": "Vegan, Halal",
        },
        {"question": car.pk, "label": "Coming by car", "value": True, "display": "Yes"},
        {"question": shirt.pk, "label": "T-shirt size", "value": "M", "display": "M"},
    ]
    booking = Booking.objects.get(user=attendee)
    assert answers_of(booking) == {
        "Dietary needs": ["Vegan", "Halal"],
        "Coming by car": True,
        "T-shirt size": "M",
    }


def test_a_booking_without_questions_shows_no_answers_and_reads_none(as_attendee, published_event):
    with CaptureQueriesContext(connection) as queries:
        response = as_attendee.post(LIST, {"event": published_event.pk}, format="json")

    assert response.status_code == 201
    assert response.json()["answers"] == []
    assert not [q["sql"] for q in queries if "bookings_answer" in q["sql"]]


def test_a_required_answer_left_out_is_a_field_error_and_nothing_is_booked(as_attendee, asked):
    event, _, _, car, _ = asked

    response = as_attendee.post(
        LIST,
        {"event": event.pk, "ticket_type": general(event).pk, "answers": {str(car.pk): "no"}},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"answers": ["“Dietary needs” needs an answer."]}
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ("Vegan", 'Expected a dictionary of items but got type "str".'),
        (["Vegan"], 'Expected a dictionary of items but got type "list".'),
        (None, "This field may not be null."),
        ({"diet": "Vegan"}, "“diet” is not a question id."),
        ({"99999999999999999999999999": "Vegan"}, "Question 99999999999999999999999999 is not asked"),
        ({"{diet}": 42}, "“Dietary needs”: choose among Vegan, Halal, None."),
        ({"{diet}": {"Vegan": True}}, "“Dietary needs”: choose among Vegan, Halal, None."),
        ({"{diet}": ["Vegan"], "{car}": "perhaps"}, "“Coming by car”: answer yes or no."),
        ({"{diet}": ["Vegan"], "{shirt}": "M"}, "is not asked for this ticket."),
    ],
)
def test_answers_that_do_not_fit_are_a_field_error(as_attendee, asked, answers, message):
    event, _, diet, car, shirt = asked
    if isinstance(answers, dict):
        ids = {"{diet}": str(diet.pk), "{car}": str(car.pk), "{shirt}": str(shirt.pk)}
        answers = {ids.get(key, key): value for key, value in answers.items()}

    response = as_attendee.post(
        LIST, {"event": event.pk, "ticket_type": general(event).pk, "answers": answers}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["answers"]
    [refusal] = response.json()["answers"]
    assert message in refusal
    assert not Booking.objects.exists()


def test_a_ten_megabyte_answer_is_refused_as_too_large(attendee, asked):
    event, _, diet, _, _ = asked
    client = Client(raise_request_exception=False)
    client.force_login(attendee)
    body = f'{{"event": {event.pk}, "answers": {{"{diet.pk}": "{"x" * 10_000_000}"}}}}'

    response = client.post(LIST, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert not Booking.objects.exists()


def test_a_long_answer_within_the_body_limit_is_refused_by_its_question(as_attendee, organizer):
    event = EventFactory(organizer=organizer)
    note = Question.objects.create(event=event, label="Anything else", kind="long_text")

    response = as_attendee.post(
        LIST, {"event": event.pk, "answers": {str(note.pk): "x" * 1_000_000}}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"answers": ["“Anything else”: at most 2,000 characters."]}


def test_answers_may_be_posted_as_a_form(as_attendee, asked, attendee):
    event, _, diet, car, _ = asked
    form = {"event": event.pk, "ticket_type": general(event).pk, f"answers.{car.pk}": "yes"}

    response = as_attendee.post(LIST, {**form, f"answers.{diet.pk}": ["Vegan", "Halal"]}, format="multipart")

    assert response.status_code == 201, response.json()
    assert answers_of(Booking.objects.get(user=attendee)) == {
        "Dietary needs": ["Vegan", "Halal"],
        "Coming by car": True,
    }


# Changing the answers ------------------------------------------------------------------------


def test_the_owner_changes_the_answers_and_sees_the_new_ones(as_attendee, asked, attendee):
    event, _, diet, car, _ = asked
    booking = book_with_answers(event, attendee, **{str(car.pk): True})

    response = as_attendee.post(
        answers_url(booking), {"answers": {str(diet.pk): ["Halal"], str(car.pk): False}}, format="json"
    )

    assert response.status_code == 200
    assert [(a["label"], a["display"]) for a in response.json()["answers"]] == [
        ("Dietary needs", "Halal"),
        ("Coming by car", "No"),
    ]
    assert answers_of(booking) == {"Dietary needs": ["Halal"], "Coming by car": False}


def test_changed_answers_are_checked_like_new_ones(as_attendee, asked, attendee):
    event, _, _, car, _ = asked
    booking = book_with_answers(event, attendee)

    response = as_attendee.post(answers_url(booking), {"answers": {str(car.pk): True}}, format="json")

    assert response.status_code == 400
    assert response.json() == {"answers": ["“Dietary needs” needs an answer."]}
    assert answers_of(booking) == {"Dietary needs": ["Vegan"]}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "This field is required."),
        ({"answers": "Vegan"}, 'Expected a dictionary of items but got type "str".'),
        ({"answers": {"1x": "Vegan"}}, "“1x” is not a question id."),
    ],
)
def test_a_malformed_change_is_a_field_error(as_attendee, asked, attendee, body, message):
    booking = book_with_answers(asked[0], attendee)

    response = as_attendee.post(answers_url(booking), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"answers": [message]}


def test_answers_cannot_change_once_the_event_started(as_attendee, asked, attendee):
    event, _, diet, _, _ = asked
    booking = book_with_answers(event, attendee)
    start_event(event)

    response = as_attendee.post(answers_url(booking), {"answers": {str(diet.pk): "Halal"}}, format="json")

    assert response.status_code == 400
    assert response.json() == {
        "detail": "This event has started; the answers can no longer change.",
        "code": "not_cancellable",
    }
    assert answers_of(booking) == {"Dietary needs": ["Vegan"]}


def test_the_organizer_changes_answers_after_the_start(api_client, asked, attendee, organizer):
    event, _, diet, _, _ = asked
    booking = book_with_answers(event, attendee)
    start_event(event)
    api_client.force_authenticate(organizer)

    response = api_client.post(answers_url(booking), {"answers": {str(diet.pk): "Halal"}}, format="json")

    assert response.status_code == 200
    assert answers_of(booking) == {"Dietary needs": ["Halal"]}


def test_a_cancelled_booking_keeps_its_answers(as_attendee, asked, attendee):
    event, _, diet, _, _ = asked
    booking = cancel_booking(booking=book_with_answers(event, attendee), by=attendee)

    response = as_attendee.post(answers_url(booking), {"answers": {str(diet.pk): "Halal"}}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "already_cancelled"
    assert answers_of(booking) == {"Dietary needs": ["Vegan"]}


@pytest.mark.parametrize("caller", ["other_attendee", "other_organizer"])
def test_someone_elses_booking_is_not_found(api_client, request, asked, attendee, caller):
    event, _, diet, _, _ = asked
    booking = book_with_answers(event, attendee)
    api_client.force_authenticate(request.getfixturevalue(caller))

    response = api_client.post(answers_url(booking), {"answers": {str(diet.pk): "Halal"}}, format="json")

    assert response.status_code == 404
    assert answers_of(booking) == {"Dietary needs": ["Vegan"]}


def test_anonymous_callers_must_sign_in(api_client, asked, attendee):
    booking = book_with_answers(asked[0], attendee)

    assert api_client.post(answers_url(booking), {"answers": {}}, format="json").status_code == 401


# Reading them --------------------------------------------------------------------------------


def bookings_with_answers(event, vip, count):
    car = event.questions.get(label="Coming by car")
    shirt = event.questions.get(label="T-shirt size")
    users = UserFactory.create_batch(count, role="attendee")
    return [book_with_answers(event, user, vip, **{str(car.pk): "yes", str(shirt.pk): "S"}) for user in users]


def test_booking_list_shows_every_answer_in_a_fixed_number_of_queries(
    api_client, asked, organizer, django_assert_max_num_queries
):
    event, vip, *_ = asked
    bookings_with_answers(event, vip, 60)
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(4):  # the count, the page with its joins, the answers, the payments
        response = api_client.get(LIST, {"page_size": 100})

    results = response.json()["results"]
    assert len(results) == 60
    assert {tuple(a["display"] for a in item["answers"]) for item in results} == {("Vegan", "Yes", "S")}


def test_event_bookings_show_every_answer_in_a_fixed_number_of_queries(
    api_client, asked, organizer, django_assert_max_num_queries
):
    event, vip, *_ = asked
    bookings_with_answers(event, vip, 60)
    api_client.force_authenticate(organizer)

    with django_assert_max_num_queries(4):  # the event, the count, the page with its joins, the answers
        response = api_client.get(f"/api/events/{event.pk}/bookings/", {"page_size": 100})

    results = response.json()["results"]
    assert len(results) == 60
    assert {len(item["answers"]) for item in results} == {3}


def test_one_booking_shows_its_answers(as_attendee, asked, attendee):
    booking = book_with_answers(asked[0], attendee)

    body = as_attendee.get(f"{LIST}{booking.pk}/").json()

    assert [(a["label"], a["value"]) for a in body["answers"]] == [("Dietary needs", ["Vegan"])]


# The organizer console -----------------------------------------------------------------------


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def test_a_bookings_page_shows_its_answers_whole(organizer_client, asked, attendee):
    event, vip, _, car, shirt = asked
    booking = book_with_answers(event, attendee, vip, **{str(car.pk): False, str(shirt.pk): "M"})

    response = organizer_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))

    assert "Dietary needs: Vegan<br>Coming by car: No<br>T-shirt size: M" in response.content.decode()


def test_the_event_page_shows_each_bookings_answers_cut_short(organizer_client, asked, organizer, attendee):
    event, _, _, car, _ = asked
    note = Question.objects.create(event=event, label="Anything else", kind="long_text", position=3)
    late = "I will arrive late because my train gets in at seven."
    book_with_answers(event, attendee, **{str(car.pk): "no", str(note.pk): late})

    page = organizer_client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()

    whole = f"Dietary needs: Vegan · Coming by car: No · Anything else: {late}"
    shown = "Dietary needs: Vegan · Coming by car: No · Anything else: I…"
    assert len(shown) == ANSWER_CHARS_IN_A_ROW
    assert f'<span title="{whole}">{shown}</span>' in page


def test_the_event_page_runs_the_same_queries_for_3_or_30_bookings_with_answers(
    organizer_client, asked, django_assert_max_num_queries
):
    event, vip, *_ = asked
    url = reverse("admin:events_event_change", args=[event.pk])
    bookings_with_answers(event, vip, 3)
    with CaptureQueriesContext(connection) as few:
        organizer_client.get(url)
    bookings_with_answers(event, vip, 27)

    with django_assert_max_num_queries(len(few)):
        response = organizer_client.get(url)

    assert (
        response.content.decode().count('title="Dietary needs: Vegan · Coming by car: Yes · T-shirt size: S"')
        == 30
    )


def export(client, bookings):
    return client.post(CHANGELIST, {"action": "export_csv", "_selected_action": [b.pk for b in bookings]})


def test_the_csv_has_a_column_per_question_in_the_order_asked(
    organizer_client, asked, attendee, other_attendee
):
    event, vip, _, car, shirt = asked
    in_vip = book_with_answers(event, attendee, vip, **{str(car.pk): True, str(shirt.pk): "M"})
    in_general = book_with_answers(event, other_attendee)

    rows = csv_rows(export(organizer_client, [in_vip, in_general]))

    assert rows[0][-4:] == ["seat", "Dietary needs", "Coming by car", "T-shirt size"]
    by_user = {row[0]: row[-3:] for row in rows[1:]}
    assert by_user[attendee.username] == ["Vegan", "Yes", "M"]
    assert by_user[other_attendee.username] == ["Vegan", "", ""]


def test_an_export_of_several_events_shares_a_column_between_questions_of_the_same_label(
    organizer_client, asked, organizer, attendee, other_attendee
):
    gala, *_ = asked
    later = EventFactory(organizer=organizer, title="Picnic", starts_at=gala.starts_at.replace(year=2099))
    diet = Question.objects.create(event=later, label="Dietary needs", kind="short_text")
    Question.objects.create(event=later, label="Bringing a dog", kind="yes_no")
    book_with_answers(gala, attendee)
    make_booking(user=other_attendee, event=later, answers={diet.pk: "Nut allergy"})

    response = organizer_client.post(
        EVENTS_CHANGELIST, {"action": "export_attendees", "_selected_action": [gala.pk, later.pk]}
    )

    rows = csv_rows(response)
    assert rows[0][-4:] == ["Dietary needs", "Coming by car", "T-shirt size", "Bringing a dog"]
    assert [(row[0], row[-4:]) for row in rows[1:]] == [
        ("Gala", ["Vegan", "", "", ""]),
        ("Picnic", ["Nut allergy", "", "", ""]),
    ]


def test_a_question_or_answer_that_looks_like_a_formula_is_defused(organizer_client, organizer, attendee):
    event = EventFactory(organizer=organizer)
    question = Question.objects.create(event=event, label="=HYPERLINK(evil)")
    booking = make_booking(user=attendee, event=event, answers={question.pk: "+SUM(A1)"})

    rows = csv_rows(export(organizer_client, [booking]))

    assert (rows[0][-1], rows[1][-1]) == ("'=HYPERLINK(evil)", "'+SUM(A1)")


def test_the_csv_export_runs_the_same_queries_for_3_or_30_bookings_with_answers(
    organizer_client, asked, django_assert_max_num_queries
):
    event, vip, *_ = asked

    def exported(bookings):
        return b"".join(export(organizer_client, bookings).streaming_content)

    bookings = bookings_with_answers(event, vip, 3)
    with CaptureQueriesContext(connection) as few:
        exported(bookings)
    bookings += bookings_with_answers(event, vip, 27)

    with django_assert_max_num_queries(len(few)):
        assert exported(bookings).count(b"Vegan,Yes,S") == 30


def test_a_move_through_the_api_answers_the_new_types_questions(api_client, attendee, organizer):
    event = EventFactory(organizer=organizer, capacity=10)
    general = event.ticket_types.get()
    vip = create_ticket_type(event=event, by=organizer, name="VIP", capacity=2)
    shirt = Question.objects.create(
        event=event, ticket_type=vip, label="Size", kind="choice", options=["M"], required=True
    )
    booking = make_booking(user=attendee, event=event, ticket_type=general)
    api_client.force_authenticate(attendee)
    url = f"/api/bookings/{booking.pk}/change/"

    unanswered = api_client.post(url, {"ticket_type": vip.pk}, format="json")
    moved = api_client.post(url, {"ticket_type": vip.pk, "answers": {str(shirt.pk): "M"}}, format="json")

    assert unanswered.status_code == 400 and "answers" in unanswered.json()
    assert moved.status_code == 200
    assert [(a["label"], a["display"]) for a in moved.json()["answers"]] == [("Size", "M")]
