"""People search: /api/users/?search= for everyone signed in, and community.friends.search_people."""

import pytest

from accounts.tests.factories import UserFactory
from community.friends import search_people
from community.tests.factories import BlockFactory

pytestmark = pytest.mark.django_db

PERSON_FIELDS = {"id", "username", "display_name", "bio"}


@pytest.fixture
def me(db):
    return UserFactory(username="myriam")


@pytest.fixture
def people(db):
    """Three whose names hold "my" (in the username or the display name, in any case) and one whose do not."""
    return {
        "tommy": UserFactory(username="tommy"),
        "amy": UserFactory(username="a_lee", display_name="AMY Lee"),
        "sammy": UserFactory(username="Sammy"),
        "maya": UserFactory(username="maya", display_name="Maya Ymir"),
    }


def found(viewer, text) -> list[str]:
    return [person.username for person in search_people(viewer=viewer, text=text)]


def search(api_client, viewer, text):
    api_client.force_authenticate(viewer)
    return api_client.get("/api/users/", {"search": text})


def test_part_of_a_username_or_display_name_finds_them_in_any_case(me, people):
    assert found(me, "my") == ["a_lee", "Sammy", "tommy"]
    assert found(me, "MY") == found(me, "my")


def test_accents_and_case_do_not_matter_either_way(me):
    UserFactory(username="zoe_m", display_name="Zoë Müller")
    UserFactory(username="chloe")

    assert found(me, "ZOE MULLER") == ["zoe_m"]
    assert found(me, "müll") == ["zoe_m"]
    assert found(me, "chloé") == ["chloe"]


@pytest.mark.parametrize("me_blocks", [True, False], ids=["you block them", "they block you"])
def test_a_block_either_way_hides_them(me, people, me_blocks):
    tommy = people["tommy"]
    BlockFactory(blocker=me, blocked=tommy) if me_blocks else BlockFactory(blocker=tommy, blocked=me)

    assert found(me, "my") == ["a_lee", "Sammy"]
    assert "myriam" not in found(tommy, "myri")


def test_people_who_do_not_want_to_be_found_are_not(me, people):
    people["sammy"].searchable = False
    people["sammy"].save()

    assert found(me, "my") == ["a_lee", "tommy"]


def test_closed_accounts_are_not_found(me, people):
    people["sammy"].is_active = False
    people["sammy"].save()

    assert "Sammy" not in found(me, "my")


def test_you_are_not_in_your_own_results(me):
    assert found(me, "myriam") == []


def test_one_letter_finds_nobody(me, people):
    assert found(me, "m") == []
    assert found(me, "  ") == []


def test_an_email_address_finds_nobody(me, people):
    assert found(me, "tommy@example") == []


# The API ------------------------------------------------------------------------


def test_signed_in_people_search_and_see_no_email(api_client, me, people):
    response = search(api_client, me, "my")

    assert response.status_code == 200
    body = response.json()
    assert [person["username"] for person in body["results"]] == ["a_lee", "Sammy", "tommy"]
    assert all(set(person) == PERSON_FIELDS for person in body["results"])
    assert "@" not in response.content.decode()


def test_anonymous_callers_cannot_search(api_client, people):
    assert api_client.get("/api/users/", {"search": "my"}).status_code == 401


def test_without_search_only_staff_list_accounts(api_client, me):
    api_client.force_authenticate(me)

    assert api_client.get("/api/users/").status_code == 403


def test_a_search_of_one_letter_asks_for_more(api_client, me):
    response = search(api_client, me, "m")

    assert response.status_code == 400
    assert "search" in response.json()


def test_staff_keep_their_listing_of_whole_accounts(api_client, staff, people):
    people["sammy"].searchable = False
    people["sammy"].save()

    response = search(api_client, staff, "sammy@example")

    assert response.status_code == 200
    assert [(user["username"], user["email"]) for user in response.json()["results"]] == [
        ("Sammy", "Sammy@example.com")
    ]


def test_search_reads_in_fixed_queries(api_client, me, django_assert_max_num_queries):
    UserFactory.create_batch(60, display_name="Jimmy")

    with django_assert_max_num_queries(2):  # the count, then the page
        response = search(api_client, me, "jimmy")

    assert response.json()["count"] == 60
    assert len(response.json()["results"]) == 20
