"""EventFilter: the one FilterSet behind the event list page and the API."""

from datetime import UTC, datetime, timedelta

import pytest

from accounts.tests.factories import UserFactory
from bookings.tests.factories import fill
from events.filters import EventFilter
from events.models import Event
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

JUNE_1 = datetime(2030, 6, 1, 18, 0, tzinfo=UTC)


def titles(**params):
    filterset = EventFilter(data=params, queryset=Event.objects.order_by("pk"))
    assert filterset.is_valid(), filterset.errors
    return [event.title for event in filterset.qs]


def at(day_offset, hour=18):
    start = JUNE_1 + timedelta(days=day_offset, hours=hour - 18)
    return {"starts_at": start, "ends_at": start + timedelta(hours=2)}


@pytest.fixture
def words():
    EventFactory(title="Python Meetup", description="Talks.", location="Hall A")
    EventFactory(title="Jazz night", description="Bring your PYTHONIC friends.", location="Cellar")
    EventFactory(title="Book club", description="Novels.", location="Old Python Pub, Leeds")
    EventFactory(title="Chess", description="Openings.", location="Library")


# search and location -------------------------------------------------------


def test_search_matches_part_of_title_description_or_location_in_any_case(words):
    assert titles(search="pyth") == ["Python Meetup", "Jazz night", "Book club"]


def test_search_ignores_surrounding_spaces_and_blank_input(words):
    assert titles(search="  chess ") == ["Chess"]
    assert len(titles(search="   ")) == 4


def test_search_with_no_match_is_empty(words):
    assert titles(search="opera") == []


def test_location_matches_part_of_the_location_only(words):
    assert titles(location="LEEDS") == ["Book club"]
    assert titles(location="python") == ["Book club"]


# dates ----------------------------------------------------------------------


@pytest.fixture
def june():
    EventFactory(title="May 31", **at(-1))
    EventFactory(title="June 1 morning", **at(0, hour=9))
    EventFactory(title="June 1 evening", **at(0))
    EventFactory(title="June 2", **at(1))


def test_starts_after_with_a_date_includes_that_whole_day(june):
    assert titles(starts_after="2030-06-01") == ["June 1 morning", "June 1 evening", "June 2"]


def test_starts_after_with_a_datetime_is_inclusive(june):
    assert titles(starts_after="2030-06-01T18:00:00Z") == ["June 1 evening", "June 2"]


def test_starts_after_with_an_offset_datetime(june):
    assert titles(starts_after="2030-06-01T19:00:00+02:00") == ["June 1 evening", "June 2"]


def test_starts_before_with_a_date_includes_that_whole_day(june):
    assert titles(starts_before="2030-06-01") == ["May 31", "June 1 morning", "June 1 evening"]


def test_starts_before_with_a_datetime_is_inclusive(june):
    assert titles(starts_before="2030-06-01T09:00:00Z") == ["May 31", "June 1 morning"]


def test_date_window(june):
    assert titles(starts_after="2030-06-01T12:00", starts_before="2030-06-02T00:00") == ["June 1 evening"]


def test_invalid_date_is_a_form_error(june):
    filterset = EventFilter(data={"starts_after": "next tuesday"}, queryset=Event.objects.all())

    assert not filterset.is_valid()
    assert "starts_after" in filterset.errors


# seats, organizer, status ---------------------------------------------------


def test_has_seats_leaves_out_full_events():
    EventFactory(title="Roomy", capacity=5)
    full = EventFactory(title="Full", capacity=1)
    fill(full, users=[UserFactory()])

    assert titles(has_seats="true") == ["Roomy"]
    assert titles(has_seats="false") == ["Roomy", "Full"]
    assert titles() == ["Roomy", "Full"]


def test_organizer_filter(organizer, other_organizer):
    EventFactory(title="Mine", organizer=organizer)
    EventFactory(title="Theirs", organizer=other_organizer)

    assert titles(organizer=str(organizer.pk)) == ["Mine"]


def test_status_filter():
    EventFactory(title="Open", status="published")
    EventFactory(title="Called off", status="cancelled")

    assert titles(status="cancelled") == ["Called off"]
    assert titles(status="published") == ["Open"]


def test_unknown_status_is_a_form_error():
    filterset = EventFilter(data={"status": "postponed"}, queryset=Event.objects.all())

    assert not filterset.is_valid()


# ordering -------------------------------------------------------------------


@pytest.fixture
def to_sort():
    EventFactory(title="Bravo", **at(2))
    EventFactory(title="Alpha", **at(3))
    EventFactory(title="Charlie", **at(1))


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("starts_at", ["Charlie", "Bravo", "Alpha"]),
        ("-starts_at", ["Alpha", "Bravo", "Charlie"]),
        ("title", ["Alpha", "Bravo", "Charlie"]),
        ("-title", ["Charlie", "Bravo", "Alpha"]),
        ("created_at", ["Bravo", "Alpha", "Charlie"]),
        ("-created_at", ["Charlie", "Alpha", "Bravo"]),
    ],
)
def test_ordering(to_sort, ordering, expected):
    assert titles(ordering=ordering) == expected


def test_ordering_by_an_unknown_field_is_a_form_error(to_sort):
    filterset = EventFilter(data={"ordering": "booked_seats"}, queryset=Event.objects.all())

    assert not filterset.is_valid()
