"""Booking questions on the pages: asked in the booking forms (a type's own ones only of its buyers),
refusals shown with what was typed kept, answers listed in My bookings and changed until the event starts."""

import re

import pytest
from django.urls import reverse

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from bookings import services, views
from bookings.models import Answer, Booking
from community.tests.factories import NAV_QUERIES as NAV
from events import services as event_services
from events.models import Question
from events.services import SeatLayout
from events.tests.factories import EventFactory, start_event

pytestmark = pytest.mark.django_db

MINE = reverse("bookings:mine")


def book_url(event):
    return reverse("bookings:book", kwargs={"event_id": event.pk})


def seats_url(ticket_type):
    return reverse(
        "bookings:seats", kwargs={"event_id": ticket_type.event_id, "ticket_type_id": ticket_type.pk}
    )


def answers_url(booking):
    return reverse("bookings:answers", kwargs={"pk": booking.pk})


def field(question) -> str:
    return f"question_{question.pk}"


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def input_tags(response, question) -> list[str]:
    """Every <input>, <textarea> or <select> tag a question's field renders."""
    return re.findall(rf"<(?:input|textarea|select)\b[^>]*name=\"{field(question)}\"[^>]*>", response.text)


def answers_of(booking) -> dict[str, str]:
    return {
        a.question.label: a.display for a in Answer.objects.filter(booking=booking).select_related("question")
    }


def ask(event, label, kind="short_text", **options) -> Question:
    return Question.objects.create(event=event, label=label, kind=kind, **options)


@pytest.fixture
def dinner(organizer):
    """One ticket type; the event asks about diet (required, several choices) and a note (optional)."""
    event = EventFactory(organizer=organizer, title="Dinner", capacity=5)
    diet = ask(event, "Dietary needs", "choices", options=["Vegan", "Halal", "None"], required=True)
    note = ask(event, "Anything else?", "long_text")
    return event, diet, note


@pytest.fixture
def gala(organizer):
    """General admission and VIP; everyone is asked their diet, VIP buyers (only) their T-shirt size.

    Both are free, so a booking is made on the spot: these tests are about the questions, not paying.
    """
    event = EventFactory(organizer=organizer, title="Gala", capacity=10)
    vip = event_services.create_ticket_type(event=event, by=organizer, name="VIP", capacity=5)
    diet = ask(event, "Dietary needs", "choice", options=["Vegan", "None"], required=True)
    shirt = ask(event, "T-shirt size", "choice", options=["S", "M", "L"], required=True, ticket_type=vip)
    return event, event.ticket_types.get(name="General admission"), vip, diet, shirt


# Asking -------------------------------------------------------------------------------------------------


def test_each_kind_of_question_gets_its_own_field(client, attendee, organizer):
    event = EventFactory(organizer=organizer)
    short = ask(event, "Company")
    long = ask(event, "Why you come", "long_text")
    one = ask(event, "Size", "choice", options=["S", "M"])
    several = ask(event, "Diet", "choices", options=["Vegan", "Halal"])
    yes_no = ask(event, "Parking", "yes_no")
    client.force_login(attendee)

    response = client.get(event.get_absolute_url())

    assert [tag.split()[0] for tag in input_tags(response, short)] == ["<input"]
    assert (
        'type="text"' in input_tags(response, short)[0]
        and 'maxlength="200"' in input_tags(response, short)[0]
    )
    assert input_tags(response, long)[0].startswith("<textarea")
    assert ['type="radio"' in tag for tag in input_tags(response, one)] == [True, True]
    assert ['type="checkbox"' in tag for tag in input_tags(response, several)] == [True, True]
    assert [re.search(r'value="(\w+)"', tag).group(1) for tag in input_tags(response, yes_no)] == [
        "yes",
        "no",
    ]
    assert all('type="radio"' in tag for tag in input_tags(response, yes_no))
    assert re.search(rf'id="id_{field(yes_no)}_0"[^>]*>\s*Yes</label>', response.text)


def test_required_questions_say_so_in_words_and_to_the_browser(client, attendee, dinner):
    event, diet, note = dinner
    ask(event, "Company", required=True)
    client.force_login(attendee)

    response = client.get(event.get_absolute_url())

    assert "Dietary needs (required)" in response.text
    assert "Anything else? (required)" not in response.text
    company = Question.objects.get(label="Company")
    assert " required" in input_tags(response, company)[0]
    assert not any(" required" in tag for tag in input_tags(response, note))
    # A required attribute on each checkbox would demand every box ticked: several choices never get one.
    assert not any(" required" in tag for tag in input_tags(response, diet))


def test_with_several_types_each_types_questions_carry_its_name_and_never_block_another(
    client, attendee, gala
):
    event, _, _, diet, shirt = gala
    client.force_login(attendee)

    response = client.get(event.get_absolute_url())

    assert "VIP: T-shirt size (required)" in response.text
    assert all(" required" not in tag for tag in input_tags(response, shirt))
    assert all(" required" in tag for tag in input_tags(response, diet))  # asked of every type


def test_a_page_without_questions_shows_no_question_box(client, attendee, published_event):
    client.force_login(attendee)

    response = client.get(published_event.get_absolute_url())

    assert "Questions from the organizer" not in response.text


# Booking with answers -----------------------------------------------------------------------------------


def test_answers_are_stored_with_the_booking(client, attendee, dinner):
    event, diet, note = dinner
    client.force_login(attendee)

    response = client.post(
        book_url(event), {field(diet): ["Halal", "Vegan"], field(note): " Late "}, follow=True
    )

    booking = Booking.objects.get(user=attendee, event=event)
    assert booking.status == "confirmed"
    assert answers_of(booking) == {"Dietary needs": "Vegan, Halal", "Anything else?": "Late"}
    assert any("You're booked" in m for m in messages_of(response))


def test_a_required_answer_missing_shows_the_page_again_with_what_was_typed(client, attendee, dinner):
    event, _, note = dinner
    client.force_login(attendee)

    response = client.post(book_url(event), {field(note): "Arriving at eight"})

    assert response.status_code == 200
    assert "Some answers need another look" in " ".join(messages_of(response))
    assert "Please answer this question." in response.text
    assert "Arriving at eight</textarea>" in response.text
    assert not Booking.objects.filter(user=attendee).exists()


def test_an_answer_that_does_not_fit_is_shown_beside_its_question(client, attendee, dinner):
    event, diet, note = dinner
    client.force_login(attendee)

    response = client.post(book_url(event), {field(diet): "None", field(note): "x" * 2_001})

    assert response.status_code == 200
    assert "“Anything else?”: at most 2,000 characters." in response.text
    assert not Booking.objects.filter(user=attendee).exists()


def test_the_services_refusal_of_the_answers_shows_the_page_again_not_an_error(
    client, attendee, dinner, monkeypatch
):
    """The question was added between the page and the click: the form knew nothing of it."""
    event, diet, _ = dinner
    monkeypatch.setattr(views, "questions_for", lambda **kwargs: [])
    client.force_login(attendee)

    response = client.post(book_url(event), {"anything": "else"})

    assert response.status_code == 200
    assert messages_of(response) == ["“Dietary needs” needs an answer."]
    assert field(diet) in response.text  # the page asks it now
    assert not Booking.objects.filter(user=attendee).exists()


def test_the_waitlist_asks_the_questions_too(client, attendee, dinner):
    event, diet, _ = dinner
    for user in UserFactory.create_batch(5):
        services.book(user=user, event=event, answers={diet.pk: ["None"]})
    client.force_login(attendee)

    page = client.get(event.get_absolute_url())
    assert "Join the waitlist" in page.text and "Dietary needs (required)" in page.text
    client.post(book_url(event), {"waitlist": "1", field(diet): ["Vegan"]})

    booking = Booking.objects.get(user=attendee)
    assert booking.status == "waitlisted"
    assert answers_of(booking) == {"Dietary needs": "Vegan"}


def test_only_the_chosen_types_answers_are_sent(client, attendee, gala):
    event, general, _, diet, shirt = gala
    client.force_login(attendee)

    client.post(book_url(event), {"ticket_type": general.pk, field(diet): "Vegan", field(shirt): "M"})

    booking = Booking.objects.get(user=attendee)
    assert booking.ticket_type == general
    assert answers_of(booking) == {"Dietary needs": "Vegan"}


def test_a_types_required_question_is_asked_only_when_that_type_is_chosen(client, attendee, gala):
    event, _, vip, diet, shirt = gala
    client.force_login(attendee)

    refused = client.post(book_url(event), {"ticket_type": vip.pk, field(diet): "Vegan"})
    assert refused.status_code == 200
    assert "Please answer this question." in refused.text
    assert re.search(rf'value="{vip.pk}"[^>]*checked', refused.text)  # the chosen type stays chosen
    assert not Booking.objects.filter(user=attendee).exists()

    client.post(book_url(event), {"ticket_type": vip.pk, field(diet): "Vegan", field(shirt): "L"})
    booking = Booking.objects.get(user=attendee)
    assert (booking.ticket_type, answers_of(booking)) == (
        vip,
        {"Dietary needs": "Vegan", "T-shirt size": "L"},
    )


# Seat map -----------------------------------------------------------------------------------------------


@pytest.fixture
def theatre(organizer):
    """General admission and Stalls (two rows of three seats), whose buyers say if they need step-free
    access; everyone may give their diet."""
    event = EventFactory(organizer=organizer, title="Hamlet", capacity=20)
    stalls = event_services.create_ticket_type(
        event=event, by=organizer, name="Stalls", layout=SeatLayout(rows=2, seats_per_row=3)
    )
    access = ask(event, "Step-free access", "yes_no", required=True, ticket_type=stalls)
    diet = ask(event, "Dietary needs", "choice", options=["Vegan", "None"])
    return stalls, access, diet


def test_the_seat_map_asks_the_types_questions_and_stores_the_answers(client, attendee, theatre):
    stalls, access, diet = theatre
    client.force_login(attendee)

    page = client.get(seats_url(stalls))
    assert "Step-free access (required)" in page.text  # one type on this page: no type name before it
    assert all(" required" in tag for tag in input_tags(page, access))
    seat = stalls.seats.get(row="B", number=2)
    client.post(seats_url(stalls), {"seat": seat.pk, field(access): "yes", field(diet): "Vegan"})

    booking = Booking.objects.get(user=attendee)
    assert (booking.seat, answers_of(booking)) == (
        seat,
        {"Step-free access": "Yes", "Dietary needs": "Vegan"},
    )


def test_the_seat_map_shows_a_missing_answer_again(client, attendee, theatre):
    stalls, _, diet = theatre
    client.force_login(attendee)

    response = client.post(seats_url(stalls), {"seat": "", field(diet): "Vegan"})

    assert response.status_code == 200
    assert "Choose your seat" in response.text
    assert "Please answer this question." in response.text
    assert re.search(rf'name="{field(diet)}" value="Vegan"[^>]*checked', response.text)
    assert not Booking.objects.filter(user=attendee).exists()


def test_the_seat_map_shown_again_keeps_the_seat_picked(client, attendee, theatre):
    stalls, _, diet = theatre
    seat = stalls.seats.get(row="B", number=3)
    client.force_login(attendee)

    response = client.post(seats_url(stalls), {"seat": seat.pk, field(diet): "Vegan"})

    assert response.status_code == 200
    assert re.search(rf'value="{seat.pk}" checked', response.text)
    assert not re.search(r'id="seat-best" checked', response.text)


def test_answers_given_on_the_event_page_go_along_to_the_seat_map(client, attendee, theatre):
    stalls, access, diet = theatre
    client.force_login(attendee)

    to_map = client.post(
        book_url(stalls.event), {"ticket_type": stalls.pk, field(access): "no", field(diet): "Vegan"}
    )
    assert to_map.url == seats_url(stalls)
    page = client.get(seats_url(stalls))
    assert re.search(rf'name="{field(access)}" value="no"[^>]*checked', page.text)
    client.post(seats_url(stalls), {"seat": "", field(access): "no", field(diet): "Vegan"})

    booking = Booking.objects.get(user=attendee)
    assert answers_of(booking) == {"Step-free access": "No", "Dietary needs": "Vegan"}
    assert f"booking-answers-{stalls.event_id}" not in client.session  # booked: nothing left waiting


def test_a_sold_out_seated_types_waitlist_asks_its_questions(client, attendee, theatre):
    stalls, access, _ = theatre
    for user in UserFactory.create_batch(6):
        services.book(user=user, event=stalls.event, ticket_type=stalls, answers={access.pk: "no"})
    client.force_login(attendee)

    page = client.get(seats_url(stalls))
    assert "Stalls is sold out." in page.text and "Step-free access (required)" in page.text
    refused = client.post(seats_url(stalls), {"waitlist": "1"})
    assert "Please answer this question." in refused.text
    client.post(seats_url(stalls), {"waitlist": "1", field(access): "yes"})

    booking = Booking.objects.get(user=attendee)
    assert (booking.status, answers_of(booking)) == ("waitlisted", {"Step-free access": "Yes"})


# My bookings and changing answers -----------------------------------------------------------------------


def test_my_bookings_show_the_answers_and_a_way_to_change_them(client, attendee, dinner):
    event, diet, note = dinner
    booking = services.book(user=attendee, event=event, answers={diet.pk: ["Vegan"], note.pk: "Late"})
    client.force_login(attendee)

    response = client.get(MINE)

    text = re.sub(r"<[^>]+>", "", response.text)
    assert "Dietary needs: Vegan" in text and "Anything else?: Late" in text
    assert f'href="{answers_url(booking)}"' in response.text


def test_my_bookings_offer_no_change_once_the_event_started_or_without_questions(
    client, attendee, dinner, published_event
):
    event, diet, _ = dinner
    started = services.book(user=attendee, event=event, answers={diet.pk: ["None"]})
    unasked = services.book(user=attendee, event=published_event)
    start_event(event)
    client.force_login(attendee)

    response = client.get(MINE)

    assert "Dietary needs: None" in re.sub(r"<[^>]+>", "", response.text)
    assert answers_url(started) not in response.text
    assert answers_url(unasked) not in response.text


def test_the_change_page_shows_the_answers_filled_in_and_saves_new_ones(client, attendee, dinner):
    event, diet, note = dinner
    booking = services.book(user=attendee, event=event, answers={diet.pk: ["Halal"], note.pk: "Late"})
    client.force_login(attendee)

    page = client.get(answers_url(booking))
    assert re.search(rf'name="{field(diet)}" value="Halal"[^>]*checked', page.text)
    assert "Late</textarea>" in page.text
    response = client.post(answers_url(booking), {field(diet): ["Vegan", "None"]}, follow=True)

    assert response.redirect_chain[-1][0] == MINE
    assert "Your answers for “Dinner” are saved." in messages_of(response)
    assert answers_of(booking) == {"Dietary needs": "Vegan, None"}


def test_the_change_page_keeps_the_answers_when_one_is_missing(client, attendee, dinner):
    event, diet, note = dinner
    booking = services.book(user=attendee, event=event, answers={diet.pk: ["Halal"]})
    client.force_login(attendee)

    response = client.post(answers_url(booking), {field(note): "Typed, kept"})

    assert response.status_code == 200
    assert "Please answer this question." in response.text and "Typed, kept</textarea>" in response.text
    assert answers_of(booking) == {"Dietary needs": "Halal"}


def test_the_change_page_is_read_only_once_the_event_started(client, attendee, dinner):
    event, diet, _ = dinner
    booking = services.book(user=attendee, event=event, answers={diet.pk: ["Halal"]})
    start_event(event)
    client.force_login(attendee)

    page = client.get(answers_url(booking))
    assert "The event has started: the answers can no longer change." in page.text
    assert "Dietary needs:" in page.text and "<form" not in page.text.split("<main")[-1]
    client.post(answers_url(booking), {field(diet): ["Vegan"]})

    assert answers_of(booking) == {"Dietary needs": "Halal"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_elses_booking_has_no_answers_page(client, attendee, other_attendee, dinner, method):
    event, diet, _ = dinner
    booking = services.book(user=attendee, event=event, answers={diet.pk: ["Halal"]})
    client.force_login(other_attendee)

    response = getattr(client, method)(answers_url(booking), {field(diet): ["Vegan"]})

    assert response.status_code == 404
    assert answers_of(booking) == {"Dietary needs": "Halal"}


# Query counts -------------------------------------------------------------------------------------------


def test_the_event_page_asks_ten_questions_in_as_many_queries_as_one(
    client, attendee, gala, django_assert_max_num_queries
):
    event, _, vip, _, _ = gala
    client.force_login(attendee)
    # 13: the page's own 7, the navigation's community counts (2) and the community's part of the
    # page (4: friends going, the discussion's posts and the two block lists they are read past).
    with django_assert_max_num_queries(13) as few:
        client.get(event.get_absolute_url())
    for n in range(10):
        ask(
            event,
            f"Question {n}",
            ["short_text", "choices", "yes_no"][n % 3],
            ticket_type=vip if n % 2 else None,
            options=["A", "B"] if n % 3 == 1 else [],
        )

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(event.get_absolute_url())

    assert "VIP: Question 9" in response.text and "Question 8" in response.text


def test_my_bookings_with_answers_run_a_fixed_number_of_queries(
    client, attendee, django_assert_max_num_queries
):
    def add_bookings(count):
        for event in EventFactory.create_batch(count):
            diet = ask(event, "Dietary needs", "choices", options=["Vegan", "Halal"])
            shirt = ask(event, "T-shirt size", "choice", options=["S", "M"])
            services.book(user=attendee, event=event, answers={diet.pk: ["Vegan"], shirt.pk: "M"})

    client.force_login(attendee)
    add_bookings(2)
    with django_assert_max_num_queries(6 + NAV) as few:
        client.get(MINE)
    add_bookings(20)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(MINE)

    assert response.text.count("Change my answers") == 22
    assert re.sub(r"<[^>]+>", "", response.text).count("Dietary needs: Vegan") == 22


# In a real browser --------------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_attendee_answers_the_questions_while_booking_and_changes_them_later(live_server, page):
    from playwright.sync_api import expect

    organizer = UserFactory(role="organizer")
    event = EventFactory(organizer=organizer, title="Dinner", capacity=5)
    ask(event, "Dietary needs", "choices", options=["Vegan", "Halal", "None"])
    ask(event, "Parking", "yes_no", required=True)
    UserFactory(username="robin")
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    page.get_by_label("Username").fill("robin")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{event.get_absolute_url()}")

    page.get_by_label("Vegan").check()
    page.get_by_role("button", name="Book a seat").click()  # the browser asks for the required one first
    assert not Booking.objects.filter(user__username="robin").exists()
    page.get_by_role("group", name="Parking (required)").get_by_label("No").check()
    page.get_by_role("button", name="Book a seat").click()
    expect(page.get_by_text("You're booked for “Dinner”")).to_be_visible()

    page.get_by_role("link", name="My bookings").click()
    expect(page.get_by_text("Dietary needs: Vegan")).to_be_visible()
    page.get_by_role("link", name="Change my answers for “Dinner”").click()
    expect(page.get_by_label("Vegan")).to_be_checked()
    page.get_by_label("Halal").check()
    page.get_by_role("group", name="Parking (required)").get_by_label("Yes").check()
    page.get_by_role("button", name="Save my answers").click()
    expect(page.get_by_text("Your answers for “Dinner” are saved.")).to_be_visible()
    expect(page.get_by_text("Dietary needs: Vegan, Halal")).to_be_visible()
    expect(page.get_by_text("Parking: Yes")).to_be_visible()
