"""How an event is listed (category, tags) and where it happens (online or in person, address, city, map):
the services' rules, the API's fields and filters, the pages."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import OrganizerFactory, UserFactory
from bookings.tests.factories import make_booking
from eventhub.errors import DomainError
from events import services
from events.calendars import event_calendar
from events.models import Category, Event, Tag
from events.tests.factories import CategoryFactory, EventFactory
from events.tests.test_admin import form_data

pytestmark = pytest.mark.django_db

LIST = "/api/events/"


def new_event(organizer, **fields) -> Event:
    start = timezone.now() + timedelta(days=10)
    defaults = {"title": "Jazz night", "location": "Blue Note", "starts_at": start}
    defaults |= {"ends_at": start + timedelta(hours=3), "capacity": 20}
    return services.create_event(organizer=organizer, **(defaults | fields))


def tag_names(event) -> list[str]:
    return sorted(event.tags.values_list("name", flat=True))


# Tags ----------------------------------------------------------------------------------------


def test_tags_are_trimmed_and_kept_once_whatever_their_case():
    assert services.clean_tags(["  Jazz ", "jazz", "Open   air", "", "JAZZ"]) == ["Jazz", "Open air"]


@pytest.mark.parametrize(
    ("names", "words"),
    [
        (["x" * 41], "at most 40 characters"),
        (["ﬃ" * 14], "at most 40 characters"),  # 14 letters, but its link spells 42
        (["!!!"], "use letters or digits"),
        ([f"tag {n}" for n in range(11)], "at most 10 tags"),
    ],
)
def test_tags_refused_say_why(names, words):
    with pytest.raises(DomainError) as refused:
        services.clean_tags(names)
    assert refused.value.code == "invalid_tags"
    assert refused.value.field == "tags"
    assert words in refused.value.message


def test_an_event_is_filed_under_its_tags_and_shares_them_with_others(organizer):
    first = new_event(organizer, tags=["Jazz", "Outdoor"])
    second = new_event(organizer, tags=["jazz"])

    assert tag_names(first) == ["Jazz", "Outdoor"]
    assert Tag.objects.count() == 2  # "jazz" is the tag "Jazz" already has
    assert list(second.tags.values_list("slug", flat=True)) == ["jazz"]


def test_changing_the_tags_replaces_them_and_leaving_them_out_keeps_them(organizer):
    event = new_event(organizer, tags=["Jazz", "Outdoor"])

    services.update_event(event=event, by=organizer, tags=["Blues"])
    assert tag_names(event) == ["Blues"]
    services.update_event(event=event, by=organizer, title="Blues night")
    assert tag_names(event) == ["Blues"]


def test_a_refused_tag_list_changes_nothing(organizer):
    event = new_event(organizer, tags=["Jazz"])
    with pytest.raises(DomainError):
        services.update_event(event=event, by=organizer, title="Other", tags=["!!!"])
    event.refresh_from_db()
    assert (event.title, tag_names(event)) == ("Jazz night", ["Jazz"])


def test_the_form_check_reports_a_bad_tag_beside_its_field(organizer):
    event = new_event(organizer)
    refusals = services.event_change_refusals(event=event, by=organizer, tags=["x" * 50])
    assert [refusal.field for refusal in refusals] == ["tags"]


# Place ---------------------------------------------------------------------------------------


def test_a_map_link_must_lead_to_openstreetmap(organizer):
    with pytest.raises(ValidationError) as refused:
        new_event(organizer, map_url="https://maps.example.com/?q=blue+note")
    assert "openstreetmap.org" in str(refused.value.message_dict["map_url"])
    event = new_event(organizer, map_url="https://www.openstreetmap.org/#map=18/40.73/-74.00")
    assert event.map_link == "https://www.openstreetmap.org/#map=18/40.73/-74.00"


def test_without_a_map_link_the_map_searches_the_address(organizer):
    event = new_event(organizer, address="131 W 3rd St", city="New York")
    link = urlsplit(event.map_link)
    assert (link.scheme, link.hostname) == ("https", "www.openstreetmap.org")
    assert parse_qs(link.query) == {"query": ["Blue Note, 131 W 3rd St, New York"]}


@pytest.mark.parametrize(
    ("location", "address", "city", "place", "short"),
    [
        ("Blue Note", "131 W 3rd St", "New York", "Blue Note, 131 W 3rd St, New York", "Blue Note, New York"),
        ("Bryant Park, New York", "", "New York", "Bryant Park, New York", "Bryant Park, New York"),
        ("The Hive, 12 High St, London", "12 High St", "london", "The Hive, 12 High St, London", None),
    ],
)
def test_a_place_says_each_part_once(organizer, location, address, city, place, short):
    event = Event(location=location, address=address, city=city)
    assert event.place == place
    assert event.venue_and_city == (short or place)


def test_an_online_event_has_a_joining_link_and_no_map(organizer):
    event = new_event(
        organizer, attendance="online", location="Online", online_url="https://meet.example.com/jazz"
    )
    assert event.is_online and event.map_link == ""
    with pytest.raises(ValidationError) as refused:
        new_event(organizer, online_url="https://meet.example.com/jazz")  # in person
    assert "online_url" in refused.value.message_dict


def test_moving_to_another_address_tells_the_booked_and_updates_calendars(
    organizer, attendee, mailoutbox, django_capture_on_commit_callbacks
):
    event = new_event(organizer, address="1 Main Street", city="Springfield", status="published")
    make_booking(user=attendee, event=event)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.update_event(event=event, by=organizer, address="2 Harbour Road")

    event.refresh_from_db()
    assert event.calendar_sequence == 1
    assert [message.to for message in mailoutbox] == [[attendee.email]]
    assert "2 Harbour Road" in mailoutbox[0].body and "Address" in mailoutbox[0].body
    assert b"Blue Note\\, 2 Harbour Road\\, Springfield" in event_calendar(event)


def test_a_copy_keeps_the_place_category_and_tags(organizer):
    music = CategoryFactory(slug="music")
    event = new_event(organizer, city="Berlin", address="Oranienstr. 1", category=music, tags=["Jazz"])

    copy = services.copy_event(event=event, by=organizer, offset=timedelta(days=7))

    assert (copy.city, copy.address, copy.category) == ("Berlin", "Oranienstr. 1", music)
    assert tag_names(copy) == ["Jazz"]


# The API -------------------------------------------------------------------------------------


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return sorted(item["title"] for item in response.json()["results"])


@pytest.fixture
def listed(organizer):
    music, tech = CategoryFactory(slug="music", name="Music"), CategoryFactory(slug="tech", name="Tech")
    jazz = EventFactory(organizer=organizer, title="Jazz", category=music, city="München")
    jazz.tags.add(Tag.objects.create(name="Open air", slug="open-air"))
    EventFactory(organizer=organizer, title="Rust", category=tech, city="Berlin")
    EventFactory(organizer=organizer, title="Webinar", attendance="online", location="Online")
    return music


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"category": "music"}, ["Jazz"]),
        ({"tag": "Open Air"}, ["Jazz"]),
        ({"tag": "open-air"}, ["Jazz"]),
        ({"city": "munchen"}, ["Jazz"]),
        ({"city": "MÜNCHEN "}, ["Jazz"]),
        ({"city": "Münch"}, []),
        ({"attendance": "online"}, ["Webinar"]),
        ({"attendance": "in_person"}, ["Jazz", "Rust"]),
        ({"tag": "nothing-like-it"}, []),
        ({"city": "!!!"}, []),  # names no city: not the events without one
    ],
)
def test_the_api_filters_by_category_tag_city_and_attendance(api_client, listed, query, expected):
    assert titles(api_client.get(LIST, query)) == expected


@pytest.mark.parametrize("query", [{"category": "no-such"}, {"attendance": "sometimes"}])
def test_an_unknown_category_or_attendance_is_a_400_naming_the_field(api_client, listed, query):
    response = api_client.get(LIST, query)
    assert response.status_code == 400
    assert set(response.json()) == set(query)


def test_the_api_shows_category_tags_and_place(api_client, listed):
    item = next(i for i in api_client.get(LIST).json()["results"] if i["title"] == "Jazz")
    assert (item["category"], item["tags"], item["city"]) == ("music", ["Open air"], "München")
    assert item["attendance"] == "in_person"
    assert item["map_link"].startswith("https://www.openstreetmap.org/search?")
    assert "online_url" not in item


def test_categories_are_listed_in_order(api_client, listed):
    Category.objects.filter(slug="tech").update(position=0)
    Category.objects.filter(slug="music").update(position=1)
    listed = api_client.get("/api/categories/").json()
    assert listed == [{"slug": c.slug, "name": c.name} for c in Category.objects.order_by("position", "name")]
    assert listed.index({"slug": "tech", "name": "Tech"}) < listed.index({"slug": "music", "name": "Music"})


def test_an_organizer_files_an_event_through_the_api(api_client, organizer, listed):
    api_client.force_authenticate(organizer)
    start = timezone.now() + timedelta(days=5)
    body = {
        "title": "Talk",
        "location": "Online",
        "attendance": "online",
        "online_url": "https://meet.example.com/talk",
        "category": "music",
        "tags": ["Jazz", "jazz ", "History"],
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat(),
        "capacity": 100,
    }
    created = api_client.post(LIST, body, format="json")

    assert created.status_code == 201, created.content
    assert created.json()["tags"] == ["History", "Jazz"]
    assert created.json()["online_url"] == "https://meet.example.com/talk"  # its organizer sees it
    assert (
        api_client.patch(f"{LIST}{created.json()['id']}/", {"tags": []}, format="json").json()["tags"] == []
    )


def test_a_bad_category_or_tag_is_a_400_beside_its_field(api_client, organizer, listed):
    api_client.force_authenticate(organizer)
    event = EventFactory(organizer=organizer)
    for body, field in (({"category": "no-such"}, "category"), ({"tags": ["!!!"]}, "tags")):
        response = api_client.patch(f"{LIST}{event.pk}/", body, format="json")
        assert response.status_code == 400
        assert field in response.json()


def test_the_list_reads_categories_and_tags_in_fixed_queries(api_client, django_assert_max_num_queries):
    music = CategoryFactory()
    for n in range(30):
        event = EventFactory(organizer=OrganizerFactory(), category=music)
        event.tags.add(Tag.objects.get_or_create(name=f"Tag {n % 3}", slug=f"tag-{n % 3}")[0])
    with django_assert_max_num_queries(4):  # the count, the page with organizers and categories, types, tags
        api_client.get(LIST, {"page_size": 30, "ordering": "starts_at"})


# Popularity ---------------------------------------------------------------------------------


def test_most_popular_sorts_by_last_weeks_bookings_then_soonest(api_client, organizer):
    soon, later, hot = (EventFactory(organizer=organizer, title=t) for t in ("Soon", "Later", "Hot"))
    far = timezone.now() + timedelta(days=20)
    Event.objects.filter(pk=later.pk).update(starts_at=far, ends_at=far + timedelta(hours=2))
    Event.objects.filter(pk=hot.pk).update(recent_bookings=5)
    Event.objects.filter(pk=soon.pk).update(recent_bookings=1)
    Event.objects.filter(pk=later.pk).update(recent_bookings=1)

    items = api_client.get(LIST, {"ordering": "-popularity"}).json()["results"]
    assert [item["title"] for item in items] == ["Hot", "Soon", "Later"]


def test_event_page_list_sorts_by_popularity_too(client, organizer):
    EventFactory(organizer=organizer, title="Quiet")
    Event.objects.filter(pk=EventFactory(organizer=organizer, title="Busy").pk).update(recent_bookings=3)
    page = client.get("/", {"ordering": "-popularity"}).content.decode()
    assert page.index("Busy") < page.index("Quiet")


# Pages ---------------------------------------------------------------------------------------


def test_the_list_page_filters_by_category_and_city(client, listed):
    page = client.get("/", {"category": "music", "city": "munchen"}).content.decode()
    assert "Jazz" in page and "Rust" not in page and "Webinar" not in page
    assert '<option value="music" selected>Music</option>' in page


def test_the_list_page_keeps_its_query_count_with_categories(client, django_assert_max_num_queries):
    music = CategoryFactory()
    for _ in range(12):
        EventFactory(organizer=OrganizerFactory(), category=music, city="Berlin")
    with django_assert_max_num_queries(6) as few:  # count, page, the categories; navigation's 2 at most
        client.get("/")
    EventFactory.create_batch(12, category=CategoryFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/", {"page": 2})


def test_the_event_page_links_its_category_tags_and_map(client, listed):
    jazz = Event.objects.get(title="Jazz")
    Event.objects.filter(pk=jazz.pk).update(address="Hauptstr. 1")
    page = client.get(jazz.get_absolute_url()).content.decode()
    assert '<a href="/?category=music">Music</a>' in page
    assert '<a href="/?tag=open-air">#Open air</a>' in page
    assert "Hauptstr.+1%2C+M%C3%BCnchen" in page  # the map searches the whole place


@pytest.fixture
def webinar(organizer):
    return new_event(
        organizer,
        attendance="online",
        location="Online",
        online_url="https://meet.example.com/secret-room",
        status="published",
    )


def test_the_joining_link_is_only_for_ticket_holders_and_those_running_it(client, webinar, organizer):
    assert "secret-room" not in client.get(webinar.get_absolute_url()).content.decode()

    guest = UserFactory()
    client.force_login(guest)
    assert "secret-room" not in client.get(webinar.get_absolute_url()).content.decode()
    make_booking(user=guest, event=webinar)
    assert "secret-room" in client.get(webinar.get_absolute_url()).content.decode()

    client.force_login(organizer)
    assert "secret-room" in client.get(webinar.get_absolute_url()).content.decode()


def test_the_joining_link_is_hidden_from_the_api_for_others(api_client, webinar, attendee):
    api_client.force_authenticate(attendee)
    assert "online_url" not in api_client.get(f"{LIST}{webinar.pk}/").json()


# The organizer console -----------------------------------------------------------------------


def test_an_organizer_types_tags_and_picks_a_category_in_the_console(client, organizer, listed):
    client.force_login(organizer)
    data = form_data(category=str(listed.pk), tags="Jazz, Late night, jazz", city="Köln", address="Ring 1")

    response = client.post(reverse("admin:events_event_add"), data)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    event = Event.objects.get(title="Jazz night", city="Köln")
    assert (event.category, tag_names(event)) == (listed, ["Jazz", "Late night"])
    page = client.get(reverse("admin:events_event_change", args=[event.pk])).content.decode()
    assert 'value="Jazz, Late night"' in page


def test_a_bad_tag_shows_beside_the_field_in_the_console(client, organizer):
    client.force_login(organizer)
    response = client.post(reverse("admin:events_event_add"), form_data(tags="ok, !!!"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tags"] == [
        "“!!!” cannot be a tag: use letters or digits."
    ]


def test_categories_are_kept_by_staff_alone(client, organizer, staff):
    client.force_login(organizer)
    assert client.get(reverse("admin:events_category_changelist")).status_code == 403
    client.force_login(staff)
    assert client.get(reverse("admin:events_category_changelist")).status_code == 200


def test_the_ticket_and_its_email_carry_the_joining_link(
    client, webinar, attendee, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        booking = make_booking(user=attendee, event=webinar)
    client.force_login(attendee)

    assert "https://meet.example.com/secret-room" in client.get(f"/bookings/{booking.pk}/ticket/").text
    assert "Join online: https://meet.example.com/secret-room" in mailoutbox[-1].body


@pytest.mark.parametrize(
    "tags",
    [["ok", ""], ["x" * 41], [{"not": "text"}], "not a list", [f"t{n}" for n in range(11)]],
)
def test_bad_tags_over_the_api_are_one_flat_list_of_messages(api_client, organizer, tags):
    api_client.force_authenticate(organizer)
    event = EventFactory(organizer=organizer)
    response = api_client.patch(f"{LIST}{event.pk}/", {"tags": tags}, format="json")
    if tags == ["ok", ""]:  # a blank tag is left out
        assert response.status_code == 200 and response.json()["tags"] == ["ok"]
        return
    assert response.status_code == 400
    assert all(isinstance(message, str) for message in response.json()["tags"])


def test_a_city_that_folds_longer_is_kept_and_found(organizer):
    event = new_event(organizer, city="ß" * 100)
    assert event.city_key == "ss" * 100
    assert Event.objects.filter(city_key="ss" * 100).get() == event
