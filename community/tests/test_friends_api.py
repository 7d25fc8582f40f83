"""The friends API: friends, requests and blocks, for anonymous callers, strangers, friends,
blocked people and staff."""

import pytest

from accounts.tests.factories import UserFactory
from community.models import Block, Friendship
from community.selectors import are_friends
from community.tests.factories import BlockFactory, make_friends, make_request

pytestmark = pytest.mark.django_db

EVERY_ENDPOINT = [
    ("get", "/api/friends/"),
    ("delete", "/api/friends/1/"),
    ("get", "/api/friends/requests/"),
    ("post", "/api/friends/requests/"),
    ("get", "/api/friends/requests/1/"),
    ("delete", "/api/friends/requests/1/"),
    ("post", "/api/friends/requests/1/accept/"),
    ("post", "/api/friends/requests/1/decline/"),
    ("get", "/api/blocks/"),
    ("post", "/api/blocks/"),
    ("delete", "/api/blocks/1/"),
]


@pytest.fixture
def ann(db):
    return UserFactory(username="ann", display_name="Ann Lee", bio="Board games.")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def signed_in(api_client, user):
    api_client.force_authenticate(user)
    return api_client


def person(user) -> dict:
    return {"id": user.pk, "username": user.username, "display_name": user.display_name, "bio": user.bio}


@pytest.mark.parametrize(("method", "address"), EVERY_ENDPOINT)
def test_nothing_here_is_for_anonymous_callers(api_client, method, address):
    response = getattr(api_client, method)(address, {"user": 1})

    assert response.status_code == 401


# Requests ----------------------------------------------------------------------


def test_a_request_is_outgoing_for_its_sender_and_incoming_for_the_person_asked(api_client, ann, bob):
    response = signed_in(api_client, ann).post("/api/friends/requests/", {"user": bob.pk})

    assert response.status_code == 201
    assert response.json() | {"created_at": None} == {
        "id": Friendship.objects.get().pk,
        "sender": person(ann),
        "recipient": person(bob),
        "direction": "outgoing",
        "status": "pending",
        "created_at": None,
        "accepted_at": None,
    }
    bobs = signed_in(api_client, bob)
    assert [r["direction"] for r in bobs.get("/api/friends/requests/").json()["results"]] == ["incoming"]
    assert bobs.get("/api/friends/requests/?direction=incoming").json()["count"] == 1
    assert bobs.get("/api/friends/requests/?direction=outgoing").json()["count"] == 0


def test_asking_someone_who_asked_you_answers_200_friends(api_client, ann, bob):
    make_request(bob, ann)

    response = signed_in(api_client, ann).post("/api/friends/requests/", {"user": bob.pk})

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    assert signed_in(api_client, bob).get("/api/friends/requests/").json()["count"] == 0


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        (lambda ann, bob: None, 409, "already_requested"),
        (lambda ann, bob: Friendship.objects.all().update(status="accepted"), 409, "already_friends"),
    ],
    ids=["requested", "friends"],
)
def test_asking_again_is_refused(api_client, ann, bob, setup, status, code):
    make_request(ann, bob)
    setup(ann, bob)

    response = signed_in(api_client, ann).post("/api/friends/requests/", {"user": bob.pk})

    assert response.status_code == status
    assert response.json()["code"] == code


def test_asking_yourself_is_refused(api_client, ann):
    response = signed_in(api_client, ann).post("/api/friends/requests/", {"user": ann.pk})

    assert (response.status_code, response.json()["code"]) == (400, "yourself")


@pytest.mark.parametrize("ann_blocks", [True, False], ids=["you block them", "they block you"])
def test_a_blocked_person_reads_exactly_like_an_unknown_id(api_client, ann, bob, ann_blocks):
    BlockFactory(blocker=ann, blocked=bob) if ann_blocks else BlockFactory(blocker=bob, blocked=ann)
    client = signed_in(api_client, bob)

    blocked = client.post("/api/friends/requests/", {"user": ann.pk})
    unknown = client.post("/api/friends/requests/", {"user": 2**63})

    assert blocked.status_code == unknown.status_code == 404
    assert blocked.json() == unknown.json()
    assert not Friendship.objects.exists()


@pytest.mark.parametrize("body", [{}, {"user": "ann"}, {"user": 0}, {"user": [1]}])
def test_a_request_names_someone_by_id(api_client, ann, body):
    response = signed_in(api_client, ann).post("/api/friends/requests/", body, format="json")

    assert response.status_code == 400
    assert "user" in response.json()


def test_the_person_asked_accepts_and_both_see_the_friendship(api_client, ann, bob):
    request = make_request(ann, bob)

    response = signed_in(api_client, bob).post(f"/api/friends/requests/{request.pk}/accept/")

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    for me, friend in ((ann, bob), (bob, ann)):
        results = signed_in(api_client, me).get("/api/friends/").json()["results"]
        assert [row["user"] for row in results] == [person(friend)]


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_the_sender_cannot_answer_their_own_request(api_client, ann, bob, answer):
    request = make_request(ann, bob)

    response = signed_in(api_client, ann).post(f"/api/friends/requests/{request.pk}/{answer}/")

    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")
    assert Friendship.objects.get().status == "pending"


def test_the_person_asked_declines(api_client, ann, bob):
    request = make_request(ann, bob)

    response = signed_in(api_client, bob).post(f"/api/friends/requests/{request.pk}/decline/")

    assert response.status_code == 204
    assert not Friendship.objects.exists()


def test_the_sender_cancels_and_the_person_asked_cannot(api_client, ann, bob):
    request = make_request(ann, bob)
    address = f"/api/friends/requests/{request.pk}/"

    assert signed_in(api_client, bob).delete(address).status_code == 403
    assert signed_in(api_client, ann).delete(address).status_code == 204
    assert not Friendship.objects.exists()


@pytest.mark.parametrize("role", ["stranger", "staff"])
def test_someone_elses_request_is_not_found(api_client, ann, bob, staff, role):
    request = make_request(ann, bob)
    client = signed_in(api_client, staff if role == "staff" else UserFactory())

    for method, address in [
        ("get", f"/api/friends/requests/{request.pk}/"),
        ("post", f"/api/friends/requests/{request.pk}/accept/"),
        ("post", f"/api/friends/requests/{request.pk}/decline/"),
        ("delete", f"/api/friends/requests/{request.pk}/"),
    ]:
        assert getattr(client, method)(address).status_code == 404, address
    assert client.get("/api/friends/requests/").json()["count"] == 0
    assert Friendship.objects.get().status == "pending"


def test_a_friendship_is_not_an_open_request(api_client, ann, bob):
    friendship = make_friends(ann, bob)

    response = signed_in(api_client, bob).post(f"/api/friends/requests/{friendship.pk}/accept/")

    assert response.status_code == 404


# Friends -----------------------------------------------------------------------


def test_either_friend_removes_the_friendship(api_client, ann, bob):
    make_friends(ann, bob)

    response = signed_in(api_client, bob).delete(f"/api/friends/{ann.pk}/")

    assert response.status_code == 204
    assert not are_friends(ann, bob)


@pytest.mark.parametrize("whom", ["stranger", "unknown", "yourself"])
def test_removing_someone_who_is_not_your_friend_is_not_found(api_client, ann, bob, whom):
    make_friends(ann, bob)
    other = {"stranger": UserFactory().pk, "unknown": 2**63, "yourself": ann.pk}[whom]

    response = signed_in(api_client, ann).delete(f"/api/friends/{other}/")

    assert response.status_code == 404
    assert are_friends(ann, bob)


def test_a_stranger_sees_none_of_your_friends(api_client, ann, bob):
    make_friends(ann, bob)

    assert signed_in(api_client, UserFactory()).get("/api/friends/").json()["count"] == 0


def test_friend_lists_show_no_email_and_read_in_fixed_queries(api_client, ann, django_assert_max_num_queries):
    for _ in range(25):
        make_friends(ann, UserFactory())
        make_request(UserFactory(), ann)
    client = signed_in(api_client, ann)

    for address in ("/api/friends/?page_size=100", "/api/friends/requests/?page_size=100"):
        with django_assert_max_num_queries(2):  # the count, then the page with its people
            response = client.get(address)
        assert response.json()["count"] == 25
        assert "@" not in response.content.decode()


# Blocks ------------------------------------------------------------------------


def test_blocking_a_friend_ends_the_friendship_and_lists_the_block(api_client, ann, bob):
    make_friends(ann, bob)
    client = signed_in(api_client, ann)

    response = client.post("/api/blocks/", {"user": bob.pk})

    assert response.status_code == 201
    assert response.json()["user"] == person(bob)
    assert not Friendship.objects.exists()
    assert [row["user"] for row in client.get("/api/blocks/").json()["results"]] == [person(bob)]
    assert client.post("/api/blocks/", {"user": bob.pk}).status_code == 201  # again: nothing changes
    assert Block.objects.count() == 1


def test_the_blocked_person_is_not_told(api_client, ann, bob):
    BlockFactory(blocker=ann, blocked=bob)

    assert signed_in(api_client, bob).get("/api/blocks/").json()["count"] == 0


def test_the_blocked_person_may_block_back_but_cannot_lift_the_block(api_client, ann, bob):
    BlockFactory(blocker=ann, blocked=bob)
    client = signed_in(api_client, bob)

    assert client.delete(f"/api/blocks/{ann.pk}/").status_code == 404
    assert client.post("/api/blocks/", {"user": ann.pk}).status_code == 201
    assert client.delete(f"/api/blocks/{ann.pk}/").status_code == 204
    assert list(Block.objects.values_list("blocker", "blocked")) == [(ann.pk, bob.pk)]


def test_unblocking_twice_is_not_found_the_second_time(api_client, ann, bob):
    BlockFactory(blocker=ann, blocked=bob)
    client = signed_in(api_client, ann)

    assert client.delete(f"/api/blocks/{bob.pk}/").status_code == 204
    assert client.delete(f"/api/blocks/{bob.pk}/").status_code == 404


@pytest.mark.parametrize(("user", "status", "code"), [("self", 400, "yourself"), (2**63, 404, "not_found")])
def test_blocking_yourself_or_nobody_is_refused(api_client, ann, user, status, code):
    response = signed_in(api_client, ann).post("/api/blocks/", {"user": ann.pk if user == "self" else user})

    assert (response.status_code, response.json()["code"]) == (status, code)
