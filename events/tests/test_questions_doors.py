"""Booking questions through the API (/api/events/{id}/questions/, embedded in events) and the event page."""

from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import OrganizerFactory
from bookings.models import Answer
from bookings.tests.factories import make_booking
from events.models import DEFAULT_TICKET_TYPE_NAME, Question
from events.tests.factories import EventFactory, TicketTypeFactory
from events.tests.test_admin import change_data, change_url, questions_data

pytestmark = pytest.mark.django_db

QUESTION_FIELDS = {"id", "label", "kind", "options", "required", "ticket_type", "position"}
SIZES = ["S", "M", "L"]


def questions_url(event):
    return f"/api/events/{event.pk}/questions/"


def question_url(question):
    return f"/api/events/{question.event_id}/questions/{question.pk}/"


def ask(event, label="Dietary needs", **fields) -> Question:
    return Question.objects.create(event=event, label=label, **fields)


@pytest.fixture
def vip(published_event):
    return TicketTypeFactory(event=published_event, name="VIP", position=1)


@pytest.fixture
def shirt(published_event, vip):
    return ask(published_event, "T-shirt size", kind="choice", options=SIZES, ticket_type=vip, position=2)


@pytest.fixture
def others_event(other_organizer):
    return EventFactory(organizer=other_organizer, title="Rival gala")


@pytest.fixture
def as_organizer(api_client, organizer):
    api_client.force_authenticate(organizer)
    return api_client


# Events show their questions ---------------------------------------------------------


def test_event_detail_shows_its_questions_in_order(api_client, published_event, vip, shirt):
    ask(published_event, "Dietary needs", kind="choices", options=["Vegan", "Halal"], required=True)

    body = api_client.get(f"/api/events/{published_event.pk}/").json()

    assert [q["label"] for q in body["questions"]] == ["Dietary needs", "T-shirt size"]
    assert body["questions"][1] == {
        "id": shirt.pk,
        "label": "T-shirt size",
        "kind": "choice",
        "options": SIZES,
        "required": False,
        "ticket_type": vip.pk,
        "position": 2,
    }
    assert body["questions"][0]["ticket_type"] is None


def test_event_lists_leave_the_questions_to_each_events_page(api_client, django_assert_max_num_queries):
    for _ in range(30):
        event = EventFactory(organizer=OrganizerFactory())
        ask(event, "Dietary needs")

    with django_assert_max_num_queries(4):  # the count, the page with organizers, types, tags
        listed = api_client.get("/api/events/", {"page_size": 30, "ordering": "starts_at"})

    assert all("questions" not in item for item in listed.json()["results"])
    assert len(api_client.get(f"/api/events/{event.pk}/").json()["questions"]) == 1


# Reading and writing them ---------------------------------------------------------------


def test_anyone_reads_the_questions_of_a_published_event(api_client, published_event, shirt):
    listed = api_client.get(questions_url(published_event)).json()
    one = api_client.get(question_url(shirt)).json()

    assert [q["label"] for q in listed] == ["T-shirt size"]  # the whole list, not paginated
    assert set(one) == QUESTION_FIELDS


def test_the_organizer_adds_a_question(as_organizer, published_event, vip):
    body = {
        "label": "T-shirt size",
        "kind": "choice",
        "options": SIZES,
        "required": True,
        "ticket_type": vip.pk,
    }

    response = as_organizer.post(questions_url(published_event), body, format="json")

    assert response.status_code == 201, response.json()
    question = published_event.questions.get()
    assert response.json() == {**body, "id": question.pk, "position": 0}
    assert (question.kind, question.options, question.required, question.ticket_type) == (
        "choice",
        SIZES,
        True,
        vip,
    )


def test_a_question_left_to_its_defaults_is_short_text_asked_of_everyone(as_organizer, published_event):
    response = as_organizer.post(questions_url(published_event), {"label": "Company"}, format="json")

    assert response.status_code == 201
    assert response.json() | {"id": None} == {
        "id": None,
        "label": "Company",
        "kind": "short_text",
        "options": [],
        "required": False,
        "ticket_type": None,
        "position": 0,
    }


def test_the_organizer_changes_a_question(as_organizer, shirt):
    response = as_organizer.patch(
        question_url(shirt), {"options": ["M", "L", "XL"], "ticket_type": None}, format="json"
    )

    assert response.status_code == 200
    shirt.refresh_from_db()
    assert (shirt.options, shirt.ticket_type, shirt.label) == (["M", "L", "XL"], None, "T-shirt size")


def test_deleting_a_question_deletes_its_answers(as_organizer, published_event, vip, shirt, attendee):
    make_booking(user=attendee, event=published_event, ticket_type=vip, answers={shirt.pk: "M"})

    response = as_organizer.delete(question_url(shirt))

    assert response.status_code == 204
    assert not Question.objects.exists()
    assert not Answer.objects.exists()


def test_staff_run_the_questions_of_any_event(api_client, staff, others_event):
    api_client.force_authenticate(staff)

    response = api_client.post(questions_url(others_event), {"label": "Company"}, format="json")

    assert response.status_code == 201
    assert others_event.questions.get().label == "Company"


# Who may --------------------------------------------------------------------------------


@pytest.mark.parametrize(("caller", "status"), [(None, 401), ("attendee", 403), ("other_organizer", 403)])
def test_only_the_events_organizer_writes_its_questions(
    api_client, request, published_event, shirt, caller, status
):
    if caller:
        api_client.force_authenticate(request.getfixturevalue(caller))

    created = api_client.post(questions_url(published_event), {"label": "Company"}, format="json")
    changed = api_client.patch(question_url(shirt), {"label": "Size"}, format="json")
    deleted = api_client.delete(question_url(shirt))

    assert (created.status_code, changed.status_code, deleted.status_code) == (status, status, status)
    shirt.refresh_from_db()
    assert shirt.label == "T-shirt size"
    assert Question.objects.count() == 1


def test_someone_elses_draft_and_its_questions_do_not_exist(as_organizer, other_organizer):
    draft = EventFactory(organizer=other_organizer, status="draft")
    question = ask(draft)

    assert as_organizer.get(questions_url(draft)).status_code == 404
    assert as_organizer.get(question_url(question)).status_code == 404
    assert as_organizer.post(questions_url(draft), {"label": "Company"}, format="json").status_code == 404


def test_a_question_is_found_only_under_its_own_event(as_organizer, published_event, others_event):
    theirs = ask(others_event)

    url = f"{questions_url(published_event)}{theirs.pk}/"

    assert as_organizer.get(url).status_code == 404
    assert as_organizer.patch(url, {"label": "Mine now"}, format="json").status_code == 404
    assert as_organizer.delete(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.label == "Dietary needs"


# The model's rules, as field errors -----------------------------------------------------


def test_a_ticket_type_of_another_event_is_refused(as_organizer, published_event, others_event):
    theirs = others_event.ticket_types.get()

    response = as_organizer.post(
        questions_url(published_event), {"label": "Size", "ticket_type": theirs.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"ticket_type": ["This ticket type belongs to another event."]}
    assert not Question.objects.exists()


@pytest.mark.parametrize("ticket_type", [10**6, 10**30, -1, "VIP"])
def test_a_ticket_type_that_does_not_exist_is_a_field_error(as_organizer, published_event, ticket_type):
    response = as_organizer.post(
        questions_url(published_event), {"label": "Size", "ticket_type": ticket_type}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["ticket_type"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"kind": "choice"}, "List the choices people pick from."),
        ({"kind": "choices", "options": ["Vegan", "  "]}, "List the choices people pick from."),
        ({"kind": "choice", "options": [1, 2]}, "List the choices people pick from."),
        ({"kind": "short_text", "options": ["S"]}, "Only questions with choices have options."),
        ({"kind": "choice", "options": "S, M, L"}, 'Expected a list of items but got type "str".'),
        ({"kind": "choice", "options": {"S": 1}}, 'Expected a list of items but got type "dict".'),
    ],
)
def test_options_that_do_not_fit_the_kind_are_a_field_error(as_organizer, published_event, body, message):
    response = as_organizer.post(questions_url(published_event), {"label": "Size", **body}, format="json")

    assert response.status_code == 400
    assert response.json() == {"options": [message]}


def test_changing_the_kind_is_checked_against_the_options_kept(as_organizer, shirt):
    response = as_organizer.patch(question_url(shirt), {"kind": "yes_no"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"options": ["Only questions with choices have options."]}
    shirt.refresh_from_db()
    assert shirt.kind == "choice"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"label": ""}, "label"),
        ({"label": "x" * 201}, "label"),
        ({"kind": "essay"}, "kind"),
        ({"required": "maybe"}, "required"),
        ({"position": -1}, "position"),
        ({"position": 32_768}, "position"),
    ],
)
def test_a_field_out_of_bounds_is_a_field_error(as_organizer, published_event, body, field):
    response = as_organizer.post(questions_url(published_event), {"label": "Size", **body}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_an_event_asks_each_question_once(as_organizer, published_event, shirt):
    response = as_organizer.post(questions_url(published_event), {"label": "T-shirt size"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"label": ["This event already asks this question."]}


def test_a_twin_saved_in_the_same_instant_is_refused_in_the_same_words(as_organizer, published_event, shirt):
    """Both requests pass the checks; the database's constraint stops the second, and it says why."""
    checks = Question.full_clean
    calls = []

    def blind_at_first(question, *args, **kwargs):
        calls.append(question)
        if len(calls) > 1:
            checks(question, *args, **kwargs)

    with mock.patch.object(Question, "full_clean", blind_at_first):
        response = as_organizer.post(questions_url(published_event), {"label": "T-shirt size"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"label": ["This event already asks this question."]}
    assert Question.objects.count() == 1


@pytest.mark.parametrize("body", [b"[1, 2]", b'"label"', b"null", b"{"])
def test_a_body_that_is_no_object_is_a_400(as_organizer, published_event, body):
    response = as_organizer.generic(
        "POST", questions_url(published_event), body, content_type="application/json"
    )

    assert response.status_code == 400
    assert not Question.objects.exists()


# The event page in the organizer console -------------------------------------------------


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def question_forms(response):
    [inline] = [i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "questions"]
    return inline.formset


def new_question(event, **fields) -> dict:
    """The page's blank question row, filled in: one more form after the event's questions."""
    index = event.questions.count()
    row = {"label": "", "kind": "short_text", "options": "", "ticket_type": "", "position": "0", **fields}
    data = {f"questions-{index}-{name}": value for name, value in row.items()}
    return {**data, f"questions-{index}-event": str(event.pk), "questions-TOTAL_FORMS": str(index + 1)}


def post_questions(client, event, *, extra: dict | None = None, **rows):
    """The event page posted with its question rows as shown, row ``N`` changed by ``rowN={...}``."""
    data = change_data(event, **{**questions_data(event, **rows), **(extra or {})})
    return client.post(change_url(event), data)


def question_errors(response, index: int) -> dict:
    assert response.status_code == 200, response.get("Location")
    return question_forms(response).forms[index].errors


def test_event_page_lists_the_questions_with_their_choices_one_per_line(
    organizer_client, published_event, shirt
):
    response = organizer_client.get(change_url(published_event))

    formset = question_forms(response)
    assert [form.instance.label for form in formset.initial_forms] == ["T-shirt size"]
    assert "S\nM\nL</textarea>" in response.content.decode()


def test_a_new_event_page_has_no_question_rows_yet(organizer_client):
    response = organizer_client.get("/admin/events/event/add/")

    assert "questions" not in [i.formset.prefix for i in response.context["inline_admin_formsets"]]


def test_the_ticket_types_offered_are_the_events_own(organizer_client, published_event, vip, others_event):
    response = organizer_client.get(change_url(published_event))

    [form] = question_forms(response).extra_forms
    assert [label for _, label in form.fields["ticket_type"].choices] == [
        "Every ticket type",
        DEFAULT_TICKET_TYPE_NAME,
        "VIP",
    ]


def test_adding_a_question_stores_its_choices_as_a_list(organizer_client, published_event, vip):
    row = new_question(
        published_event,
        label="T-shirt size",
        kind="choice",
        options="S\r\n  M \r\n\r\nL\r\n",
        required="on",
        ticket_type=str(vip.pk),
        position="3",
    )

    response = post_questions(organizer_client, published_event, extra=row)

    assert response.status_code == 302
    question = published_event.questions.get()
    assert (question.label, question.kind, question.options, question.required) == (
        "T-shirt size",
        "choice",
        SIZES,
        True,
    )
    assert (question.ticket_type, question.position) == (vip, 3)
    assert "Added question “T-shirt size”." in LogEntry.objects.get().get_change_message()


def test_editing_a_question_changes_it(organizer_client, published_event, shirt):
    response = post_questions(
        organizer_client, published_event, row0={"options": "M\nL\nXL", "ticket_type": ""}
    )

    assert response.status_code == 302
    shirt.refresh_from_db()
    assert (shirt.options, shirt.ticket_type) == (["M", "L", "XL"], None)


def test_deleting_a_question_from_the_page(organizer_client, published_event, shirt):
    response = post_questions(organizer_client, published_event, row0={"DELETE": "on"})

    assert response.status_code == 302
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"kind": "choice", "options": ""}, "options", "List the choices people pick from."),
        ({"kind": "choices", "options": "\n  \n"}, "options", "List the choices people pick from."),
        ({"kind": "yes_no", "options": "Yes\nNo"}, "options", "Only questions with choices have options."),
        ({"kind": "essay"}, "kind", "Select a valid choice. essay is not one of the available choices."),
        ({"label": ""}, "label", "This field is required."),
    ],
)
def test_a_question_the_model_refuses_shows_the_reason_beside_its_field(
    organizer_client, published_event, row, field, message
):
    response = post_questions(
        organizer_client, published_event, extra=new_question(published_event, **{"label": "Size", **row})
    )

    assert question_errors(response, 0)[field] == [message]
    assert not Question.objects.exists()


def test_a_ticket_type_of_another_event_cannot_be_picked(organizer_client, published_event, others_event):
    theirs = others_event.ticket_types.get()

    response = post_questions(
        organizer_client,
        published_event,
        extra=new_question(published_event, label="Size", ticket_type=str(theirs.pk)),
    )

    assert question_errors(response, 0)["ticket_type"] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not Question.objects.exists()


def test_a_label_the_event_already_asks_is_refused_on_its_row(organizer_client, published_event, shirt):
    response = post_questions(
        organizer_client, published_event, extra=new_question(published_event, label="T-shirt size")
    )

    assert question_errors(response, 1)["label"] == ["This event already asks this question."]
    assert Question.objects.count() == 1


def test_every_event_page_keeps_its_questions_apart(organizer_client, published_event, others_event):
    """A question id of another event typed into the post is not that question."""
    theirs = ask(others_event)
    row = {"id": str(theirs.pk), "event": str(published_event.pk), "label": "Stolen", "kind": "short_text"}
    data = {f"questions-0-{name}": value for name, value in row.items()}

    organizer_client.post(
        change_url(published_event),
        change_data(
            published_event, **data, **{"questions-TOTAL_FORMS": "1", "questions-INITIAL_FORMS": "1"}
        ),
    )

    theirs.refresh_from_db()
    assert (theirs.label, theirs.event) == ("Dietary needs", others_event)


def test_staff_edit_the_questions_of_any_organizers_event(client, staff, others_event):
    client.force_login(staff)
    question = ask(others_event)

    response = post_questions(client, others_event, row0={"label": "Diet"})

    assert response.status_code == 302
    question.refresh_from_db()
    assert question.label == "Diet"


def test_event_page_runs_the_same_queries_for_2_or_12_questions(
    organizer_client, published_event, vip, django_assert_max_num_queries
):
    ask(published_event, "Q0", ticket_type=vip)
    ask(published_event, "Q1", kind="choice", options=SIZES)
    with CaptureQueriesContext(connection) as few:
        organizer_client.get(change_url(published_event))
    for number in range(2, 12):
        ask(published_event, f"Q{number}", ticket_type=vip, position=number)

    with django_assert_max_num_queries(len(few)):
        response = organizer_client.get(change_url(published_event))

    assert len(question_forms(response).initial_forms) == 12
