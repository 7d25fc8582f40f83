"""People pages: search, profiles, friend requests, friends, blocks, the navigation's counts and the
profile settings."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bookings.tests.factories import make_booking
from community import friends
from community.context_processors import community
from community.messaging import send_message
from community.models import Block, Friendship, Post
from community.tests.factories import BlockFactory, PostFactory, make_friends, make_request
from community.views_people import REQUEST_GONE
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

PEOPLE = reverse("community:people")
REQUESTS = reverse("community:friend_requests")
FRIENDS = reverse("community:friends")
BLOCKED = reverse("community:blocked")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def profile(person) -> str:
    return reverse("community:profile", args=[person.username])


def act(person, action: str) -> str:
    return reverse(f"community:person_{action}", args=[person.pk])


def answer(friendship, action: str) -> str:
    return reverse(f"community:request_{action}", args=[friendship.pk])


@pytest.fixture
def me(client):
    me = UserFactory(username="myriam", display_name="Myriam")
    client.force_login(me)
    return me


@pytest.fixture
def zoe(db):
    return UserFactory(username="zoe_m", display_name="Zoë Müller", bio="I like jazz.")


def without_csrf(page: str) -> str:
    """The page without its CSRF token, which differs at each answer."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def flash(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# Signed in only --------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", [PEOPLE, REQUESTS, FRIENDS, BLOCKED, "/people/zoe_m/"], ids=lambda url: url.strip("/")
)
def test_people_pages_ask_to_sign_in(client, zoe, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_a_button_pressed_signed_out_changes_nothing_and_asks_to_sign_in(client, zoe):
    response = client.post(act(zoe, "add"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))
    assert not Friendship.objects.exists()


# Search ------------------------------------------------------------------------------


def test_search_finds_part_of_a_name_without_case_or_accents_and_links_the_profile(client, me, zoe):
    UserFactory(username="chloe")

    response = client.get(PEOPLE, {"q": "MULLER"})

    assert response.status_code == 200
    assert [person.username for person in response.context["page_obj"]] == ["zoe_m"]
    assert f'href="{profile(zoe)}"' in response.text
    assert f'action="{act(zoe, "add")}"' in response.text


def test_search_offers_the_button_that_fits_each_person(client, me):
    stranger, friend, asked, asking = (UserFactory(username=f"{name}_jo") for name in ("a", "b", "c", "d"))
    make_friends(me, friend)
    make_request(me, asked)
    request = make_request(asking, me)

    page = client.get(PEOPLE, {"q": "_jo"}).text

    assert f'action="{act(stranger, "add")}"' in page
    assert f'action="{act(friend, "add")}"' not in page
    assert reverse("community:conversation", args=[friend.username]) in page
    assert "Friend request sent" in page
    assert f'action="{answer(request, "accept")}"' in page


def test_search_finds_nobody_unsearchable_or_in_a_block_either_way(client, me):
    UserFactory(username="hidden_jo", searchable=False)
    BlockFactory(blocker=me, blocked=UserFactory(username="blocked_jo"))
    BlockFactory(blocker=UserFactory(username="blocker_jo"), blocked=me)
    UserFactory(username="seen_jo")

    response = client.get(PEOPLE, {"q": "_jo"})

    assert [person.username for person in response.context["page_obj"]] == ["seen_jo"]


def test_one_letter_asks_for_more(client, me, zoe):
    response = client.get(PEOPLE, {"q": "z"})

    assert "Type at least two letters." in response.text
    assert not list(response.context["page_obj"])


def test_search_query_count_does_not_grow_with_results(client, me, django_assert_max_num_queries):
    people = UserFactory.create_batch(20, display_name="Sam Jones")
    for person in people[:5]:
        make_friends(me, person)
    for person in people[5:10]:
        make_request(person, me)

    with django_assert_max_num_queries(7):
        response = client.get(PEOPLE, {"q": "jones"})

    assert len(response.context["page_obj"]) == 20


# Profiles ------------------------------------------------------------------------------


def test_a_profile_shows_name_username_bio_and_public_posts_only_to_a_stranger(client, me, zoe):
    PostFactory(author=zoe, body="Public thoughts")
    PostFactory(author=zoe, body="Only for friends", visibility=Post.Visibility.FRIENDS)

    page = client.get(profile(zoe)).text

    assert "Zoë Müller" in page
    assert "@zoe_m" in page
    assert "I like jazz." in page
    assert "Public thoughts" in page
    assert "Only for friends" not in page
    assert f'action="{act(zoe, "add")}"' in page
    assert f'action="{act(zoe, "block")}"' in page


@pytest.mark.parametrize("viewer", ["friend", "staff"])
def test_friends_and_staff_see_friends_only_posts(client, zoe, staff, viewer):
    PostFactory(author=zoe, body="Only for friends", visibility=Post.Visibility.FRIENDS)
    if viewer == "friend":
        reader = UserFactory()
        make_friends(reader, zoe)
    else:
        reader = staff
    client.force_login(reader)

    assert "Only for friends" in client.get(profile(zoe)).text


def test_a_hidden_post_shows_on_the_profile_to_its_author_and_the_events_organizer_only(
    client, zoe, organizer
):
    event = EventFactory(organizer=organizer)
    PostFactory(author=zoe, event=event, body="Hidden words", hidden_at=timezone.now(), hidden_by=organizer)

    for viewer, sees in ((zoe, True), (organizer, True), (UserFactory(), False)):
        client.force_login(viewer)
        page = client.get(profile(zoe)).text
        assert ("Hidden words" in page) is sees
        assert ("Hidden by the organizer" in page) is sees


def test_a_profile_is_found_in_any_case(client, me, zoe):
    assert client.get("/people/ZOE_M/").context["person"] == zoe


@pytest.mark.parametrize("username", ["friends", "requests", "blocked", "people"])
def test_no_username_is_shadowed_by_a_page_of_the_site(client, me, username):
    person = UserFactory(username=username)

    assert client.get(f"/people/{username}/").context["person"] == person


@pytest.mark.parametrize("case", ["unknown", "inactive", "blocks me", "I block"])
def test_a_profile_in_a_block_either_way_is_not_found_like_an_unknown_name(client, me, zoe, case):
    unknown = client.get("/people/nobody_here/")
    if case == "inactive":
        zoe.is_active = False
        zoe.save()
    elif case == "blocks me":
        BlockFactory(blocker=zoe, blocked=me)
    elif case == "I block":
        BlockFactory(blocker=me, blocked=zoe)
    url = "/people/nobody_here/" if case == "unknown" else profile(zoe)

    response = client.get(url)

    assert response.status_code == unknown.status_code == 404
    assert without_csrf(response.text) == without_csrf(unknown.text)


def test_an_unsearchable_profile_is_still_open_by_its_address(client, me, zoe):
    zoe.searchable = False
    zoe.save()

    assert client.get(profile(zoe)).status_code == 200


@pytest.mark.parametrize(
    ("setup", "offered", "not_offered"),
    [
        ("none", ["add", "block"], ["remove"]),
        ("friends", ["remove", "block", "message"], ["add"]),
        ("asked", ["cancel", "block"], ["add", "accept"]),
        ("asking", ["accept", "decline", "block"], ["add", "cancel"]),
    ],
)
def test_the_profile_offers_the_buttons_of_the_friendship_state(client, me, zoe, setup, offered, not_offered):
    row = {
        "none": lambda: None,
        "friends": lambda: make_friends(me, zoe),
        "asked": lambda: make_request(me, zoe),
        "asking": lambda: make_request(zoe, me),
    }[setup]()
    urls = {
        "add": act(zoe, "add"),
        "remove": act(zoe, "remove"),
        "block": act(zoe, "block"),
        "message": reverse("community:conversation", args=[zoe.username]),
        "cancel": row and answer(row, "cancel"),
        "accept": row and answer(row, "accept"),
        "decline": row and answer(row, "decline"),
    }

    page = client.get(profile(zoe)).text

    assert all(urls[name] in page for name in offered)
    assert not any(urls[name] and urls[name] in page for name in not_offered)


def test_my_own_profile_offers_no_buttons_but_a_link_to_my_settings(client, me):
    page = client.get(profile(me)).text

    assert reverse("accounts:profile") in page
    assert f"/people/{me.pk}/" not in page  # no Add friend, Block, ... about myself


def test_xss_in_a_name_a_bio_and_a_post_renders_inert(client, me):
    person = UserFactory(username="mallory", display_name=XSS, bio=XSS)
    PostFactory(author=person, body=XSS)

    page = client.get(profile(person)).text

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page  # the name and the bio, shown as the text they are


def test_the_profile_posts_query_count_does_not_grow(client, me, zoe, django_assert_max_num_queries):
    make_friends(me, zoe)
    for number in range(25):
        PostFactory(author=zoe, body=f"Post {number}", visibility=Post.Visibility.FRIENDS)

    with django_assert_max_num_queries(15):
        response = client.get(profile(zoe))

    assert len(response.context["page_obj"]) == 20


# Going to -------------------------------------------------------------------------------


@pytest.fixture
def zoes_event(zoe):
    event = EventFactory(title="Harbour jazz evening")
    make_booking(user=zoe, event=event)
    return event


def test_a_friend_sees_the_events_they_go_to(client, me, zoe, zoes_event):
    make_friends(me, zoe)

    page = client.get(profile(zoe)).text

    assert "Going to" in page
    assert "Harbour jazz evening" in page


def test_events_stay_private_when_they_say_so_and_from_strangers(client, me, zoe, zoes_event):
    assert "Harbour jazz evening" not in client.get(profile(zoe)).text  # a stranger

    make_friends(me, zoe)
    zoe.friends_see_my_events = False
    zoe.save()

    assert "Harbour jazz evening" not in client.get(profile(zoe)).text


def test_i_see_my_own_events_on_my_profile(client, zoe, zoes_event):
    client.force_login(zoe)

    assert "Harbour jazz evening" in client.get(profile(zoe)).text


# Buttons --------------------------------------------------------------------------------


def test_add_friend_sends_a_request_and_goes_back_where_i_was(client, me, zoe):
    here = f"{PEOPLE}?q=zoe"

    response = client.post(act(zoe, "add"), {"next": here})

    assert response.status_code == 302
    assert response.url == here
    assert Friendship.objects.get().requested_by == me
    assert flash(client.get(here)) == ["Friend request sent to Zoë Müller."]


def test_next_off_the_site_is_ignored(client, me, zoe):
    response = client.post(act(zoe, "add"), {"next": "https://evil.example/"})

    assert response.url == profile(zoe)


def test_add_friend_when_they_asked_first_makes_us_friends(client, me, zoe):
    make_request(zoe, me)

    response = client.post(act(zoe, "add"), follow=True)

    assert Friendship.objects.get().status == Friendship.Status.ACCEPTED
    assert flash(response) == ["You and Zoë Müller are now friends."]


def test_a_refusal_is_shown_in_the_services_words(client, me, zoe):
    make_friends(me, zoe)

    response = client.post(act(zoe, "add"), {"next": PEOPLE}, follow=True)

    assert flash(response) == ["You and zoe_m are already friends."]


def test_i_accept_and_decline_requests_sent_to_me(client, me, zoe):
    accepted = make_request(zoe, me)
    declined = make_request(UserFactory(), me)

    client.post(answer(accepted, "accept"))
    response = client.post(answer(declined, "decline"), follow=True)

    assert response.request["PATH_INFO"] == REQUESTS
    assert list(Friendship.objects.values_list("status", flat=True)) == [Friendship.Status.ACCEPTED]


def test_i_cancel_my_request_but_cannot_accept_it(client, me, zoe):
    mine = make_request(me, zoe)

    refused = client.post(answer(mine, "accept"), follow=True)
    assert flash(refused) == ["Only the request's recipient can do this."]

    client.post(answer(mine, "cancel"))
    assert not Friendship.objects.exists()


def test_someone_elses_request_is_gone_for_me(client, me, zoe):
    theirs = make_request(zoe, UserFactory())

    response = client.post(answer(theirs, "accept"), follow=True)

    assert flash(response) == [REQUEST_GONE]
    assert Friendship.objects.get().status == Friendship.Status.PENDING


def test_remove_friend(client, me, zoe):
    make_friends(me, zoe)

    response = client.post(act(zoe, "remove"), {"next": FRIENDS}, follow=True)

    assert not Friendship.objects.exists()
    assert flash(response) == ["You and Zoë Müller are no longer friends."]


def test_block_hides_both_ways_ends_the_friendship_and_unblock_undoes_it(client, me, zoe):
    make_friends(me, zoe)

    response = client.post(act(zoe, "block"), {"next": profile(zoe)})

    assert response.url == BLOCKED  # the profile is gone for both now
    assert not Friendship.objects.exists()
    assert client.get(profile(zoe)).status_code == 404
    client.force_login(zoe)
    assert client.get(f"/people/{me.username}/").status_code == 404

    client.force_login(me)
    page = client.get(BLOCKED).text
    assert "Zoë Müller" in page
    client.post(act(zoe, "unblock"), {"next": BLOCKED})
    assert not Block.objects.exists()
    assert client.get(profile(zoe)).status_code == 200


# Lists -----------------------------------------------------------------------------------


def test_requests_page_lists_those_sent_to_me_and_by_me(client, me, zoe):
    make_request(zoe, me)
    sent = make_request(me, UserFactory(username="bob"))

    page = client.get(REQUESTS).text

    assert "Zoë Müller" in page
    assert "bob" in page
    assert answer(sent, "cancel") in page


@pytest.mark.parametrize("url", [REQUESTS, FRIENDS, BLOCKED])
def test_list_pages_query_count_does_not_grow(client, me, url, django_assert_max_num_queries):
    for person in UserFactory.create_batch(15):
        make_request(person, me)
    for person in UserFactory.create_batch(15):
        make_request(me, person)
    for person in UserFactory.create_batch(15):
        make_friends(me, person)
    for person in UserFactory.create_batch(15):
        BlockFactory(blocker=me, blocked=person)

    with django_assert_max_num_queries(8):
        response = client.get(url)

    assert response.status_code == 200
    assert response.text.count('class="card person-row"') >= 15


# The navigation ------------------------------------------------------------------------------


def queries_on(captured, table: str) -> int:
    return sum(table in query["sql"] for query in captured.captured_queries)


def test_the_navigation_counts_unread_messages_and_friend_requests_with_one_query_each(client, me, zoe):
    make_request(zoe, me)
    friend = UserFactory()
    make_friends(me, friend)
    send_message(sender=friend, to=me, body="Hi")
    send_message(sender=friend, to=me, body="Are you there?")

    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("events:list")).text

    assert "People (1)" in page
    assert "Messages (2)" in page
    assert queries_on(captured, "community_message") == 1
    assert queries_on(captured, "community_friendship") == 1


def test_the_navigation_costs_no_query_signed_out(client, zoe):
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("events:list")).text

    assert "Messages" not in page
    assert not any("community_" in query["sql"] for query in captured.captured_queries)


def test_the_counts_are_read_only_when_shown_and_once(rf, me, zoe, django_assert_num_queries):
    make_request(zoe, me)
    request = rf.get("/")
    request.user = me

    with django_assert_num_queries(0):
        counts = community(request)
    with django_assert_num_queries(2):  # as the navigation shows them
        shown = [str(counts["friend_request_count"]), str(counts["unread_message_count"])]
    with django_assert_num_queries(0):
        assert (
            shown == [str(counts["friend_request_count"]), str(counts["unread_message_count"])] == ["1", "0"]
        )


# Profile settings ---------------------------------------------------------------------------


def test_the_profile_page_saves_what_others_see(client, me):
    response = client.post(
        reverse("accounts:profile"),
        {"email": me.email, "timezone": "UTC", "display_name": "Mimi Ångström", "bio": "Hello"},
        follow=True,
    )

    assert "Your profile is saved." in response.text
    me.refresh_from_db()
    assert (me.display_name, me.bio, me.searchable, me.friends_see_my_events) == (
        "Mimi Ångström",
        "Hello",
        False,
        False,
    )
    assert [person.username for person in friends.search_people(viewer=UserFactory(), text="angst")] == []


def test_the_api_changes_what_others_see_and_search_follows(api_client, me):
    api_client.force_authenticate(me)

    response = api_client.patch(
        "/api/users/me/", {"display_name": "Mimi Ångström", "bio": "Hi"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["display_name"] == "Mimi Ångström"
    assert response.json()["searchable"] is True
    assert [person.username for person in friends.search_people(viewer=UserFactory(), text="angst")] == [
        "myriam"
    ]
