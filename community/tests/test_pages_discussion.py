"""A post's page (comments, replies, editing, hiding, reporting) and an event page's discussion."""

import pytest
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.services import cancel_booking
from bookings.tests.factories import make_booking
from community.models import Comment, Post, Report
from community.posts import create_comment
from community.tests.factories import BlockFactory, PostFactory, make_friends
from community.tests.test_pages_feed import text_of
from community.views_posts import PAGE_SIZE
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

FRIENDS = Post.Visibility.FRIENDS


def page_of(post) -> str:
    return reverse("community:post", args=[post.pk])


@pytest.fixture
def author(db):
    return UserFactory(username="author", display_name="Ada")


@pytest.fixture
def friend(author):
    friend = UserFactory(username="friend", display_name="Ben")
    make_friends(author, friend)
    return friend


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def event_post(author, published_event):
    return PostFactory(author=author, event=published_event, body="See you there")


# Who may open a post ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "visibility", "status"),
    [
        ("anonymous", "public", 200),
        ("anonymous", "friends", 404),
        ("stranger", "friends", 404),
        ("friend", "friends", 200),
        ("author", "friends", 200),
        ("staff", "friends", 200),
    ],
)
def test_a_post_opens_for_those_who_may_see_it_and_is_not_found_for_the_rest(
    client, request, author, friend, stranger, staff, viewer, visibility, status
):
    post = PostFactory(author=author, visibility=visibility)
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))

    assert client.get(page_of(post)).status_code == status


@pytest.mark.parametrize("author_blocks", [True, False], ids=["author blocks", "author is blocked"])
def test_a_block_hides_the_post_both_ways(client, author, stranger, author_blocks):
    post = PostFactory(author=author)
    BlockFactory(
        **(
            {"blocker": author, "blocked": stranger}
            if author_blocks
            else {"blocker": stranger, "blocked": author}
        )
    )
    client.force_login(stranger)

    assert client.get(page_of(post)).status_code == 404


# Comments and replies -------------------------------------------------------------------


def test_comments_show_in_threads_one_level_deep(client, author, friend):
    post = PostFactory(author=author)
    first = create_comment(post=post, author=friend, body="First!")
    reply = create_comment(post=post, author=author, body="A reply", reply_to=first)
    create_comment(post=post, author=friend, body="Second")

    response = client.get(page_of(post))

    (start, second) = response.context["threads"]
    assert (start, second.body) == (first, "Second")
    assert start.thread_replies == [reply]


def test_commenting_and_replying_through_the_page(client, author, friend):
    post = PostFactory(author=author)
    client.force_login(friend)

    response = client.post(page_of(post), {"body": "Nice **one**"})
    comment = Comment.objects.get()
    assert response.url == f"{page_of(post)}#comment-{comment.pk}"

    client.post(page_of(post), {"body": "Thanks", "reply_to": comment.pk})
    reply = Comment.objects.exclude(pk=comment.pk).get()
    assert reply.reply_to == comment
    html = client.get(page_of(post)).content.decode()
    assert "Nice <strong>one</strong>" in html


def test_an_empty_comment_is_sent_back_with_the_reason(client, author, friend):
    post = PostFactory(author=author)
    client.force_login(friend)

    response = client.post(page_of(post), {"body": ""})

    assert response.status_code == 400
    assert "This field is required." in text_of(response)
    assert not Comment.objects.exists()


def test_a_reply_to_a_comment_of_another_post_is_refused(client, author, friend):
    post, other = PostFactory(author=author), PostFactory(author=author)
    elsewhere = create_comment(post=other, author=friend, body="Elsewhere")
    client.force_login(friend)

    response = client.post(page_of(post), {"body": "Hmm", "reply_to": elsewhere.pk})

    assert response.status_code == 400
    assert "This comment does not exist." in text_of(response)


def test_commenting_needs_signing_in(client, author):
    post = PostFactory(author=author)

    response = client.post(page_of(post), {"body": "Hello"})

    assert response.url == f"{reverse('accounts:login')}?next={page_of(post)}"
    assert not Comment.objects.exists()


def test_liking_a_comment(client, author, friend):
    comment = create_comment(post=PostFactory(author=author), author=friend, body="Hi")
    client.force_login(author)

    response = client.post(reverse("community:comment_like", args=[comment.pk]))

    assert response.url == f"{page_of(comment.post)}#comment-{comment.pk}"
    assert Comment.objects.get(pk=comment.pk).like_count == 1


def test_comment_bodies_render_inert(client, author, friend):
    post = PostFactory(author=author)
    create_comment(post=post, author=friend, body="<script>alert(1)</script><b onmouseover=x>hi</b>")

    html = client.get(page_of(post)).content.decode()

    assert "<script>alert" not in html and "<b onmouseover" not in html


# Editing and deleting -----------------------------------------------------------------


def test_the_author_edits_a_post_on_its_edit_page(client, author):
    post = PostFactory(author=author, body="Old words")
    client.force_login(author)
    edit = reverse("community:post_edit", args=[post.pk])

    assert "Old words" in client.get(edit).content.decode()
    response = client.post(edit, {"body": "New words", "visibility": FRIENDS})

    assert response.url == page_of(post)
    post.refresh_from_db()
    assert (post.body, post.visibility) == ("New words", FRIENDS)
    assert post.edited_at is not None


@pytest.mark.parametrize("who", ["friend", "staff"])
def test_nobody_else_edits_a_post_or_a_comment(client, request, author, friend, who):
    post = PostFactory(author=author, body="Mine")
    comment = create_comment(post=post, author=author, body="Also mine")
    client.force_login(request.getfixturevalue(who))

    for edit in (
        reverse("community:post_edit", args=[post.pk]),
        reverse("community:comment_edit", args=[comment.pk]),
    ):
        assert client.get(edit).status_code == 404
        assert client.post(edit, {"body": "Theirs", "visibility": "public"}).status_code == 404
    assert (Post.objects.get().body, Comment.objects.get().body) == ("Mine", "Also mine")


def test_the_author_edits_and_deletes_a_comment(client, author, friend):
    comment = create_comment(post=PostFactory(author=author), author=friend, body="Tpyo")
    client.force_login(friend)

    client.post(reverse("community:comment_edit", args=[comment.pk]), {"body": "Typo"})
    assert Comment.objects.get().body == "Typo"

    response = client.post(reverse("community:comment_delete", args=[comment.pk]))
    assert response.url.startswith(page_of(comment.post))
    assert not Comment.objects.exists()


def test_deleting_a_post_from_its_page_goes_to_the_feed(client, author):
    post = PostFactory(author=author)
    client.force_login(author)

    page = client.get(page_of(post)).content.decode()
    assert f'name="next" value="{reverse("community:feed")}"' in page
    client.post(reverse("community:post_delete", args=[post.pk]), {"next": reverse("community:feed")})

    assert not Post.objects.exists()


# Hiding ------------------------------------------------------------------------------


def test_the_events_organizer_hides_a_post_and_its_author_still_sees_it_marked(
    client, author, stranger, organizer, event_post
):
    client.force_login(organizer)
    client.post(reverse("community:post_hide", args=[event_post.pk]))
    event_post.refresh_from_db()
    assert event_post.is_hidden

    client.force_login(stranger)
    assert client.get(page_of(event_post)).status_code == 404
    client.force_login(author)
    assert "Hidden by the organizer" in text_of(client.get(page_of(event_post)))

    client.force_login(organizer)
    client.post(reverse("community:post_unhide", args=[event_post.pk]))
    event_post.refresh_from_db()
    assert not event_post.is_hidden


def test_hiding_is_offered_to_moderators_only(client, author, stranger, organizer, event_post):
    hide_url = reverse("community:post_hide", args=[event_post.pk])
    client.force_login(organizer)
    assert hide_url in client.get(page_of(event_post)).content.decode()

    client.force_login(stranger)
    assert hide_url not in client.get(page_of(event_post)).content.decode()
    response = client.post(hide_url, follow=True)
    assert "Only the event's organizer or site staff can hide or show it." in text_of(response)
    event_post.refresh_from_db()
    assert not event_post.is_hidden


def test_the_organizer_hides_a_comment_about_their_event(client, friend, organizer, event_post):
    comment = create_comment(post=event_post, author=friend, body="Rude words")
    client.force_login(organizer)

    client.post(reverse("community:comment_hide", args=[comment.pk]))

    comment.refresh_from_db()
    assert comment.is_hidden
    client.logout()
    assert "Rude words" not in text_of(client.get(page_of(event_post)))


def test_reporting_a_comment(client, author, friend):
    comment = create_comment(post=PostFactory(author=author), author=friend, body="Hm")
    client.force_login(author)

    client.post(reverse("community:comment_report", args=[comment.pk]), {"reason": "Insulting"})

    assert Report.objects.get().comment == comment


# The event page's discussion --------------------------------------------------------------


def test_the_event_page_shows_the_newest_ten_posts_and_a_link_to_the_rest(client, published_event, author):
    posts = [PostFactory(author=author, event=published_event, body=f"Note {n}") for n in range(11)]

    response = client.get(published_event.get_absolute_url())

    page = text_of(response)
    assert "Note 10" in page and "Note 1 " in page
    assert "Note 0" not in page
    assert reverse("community:event_posts", args=[published_event.pk]) in response.content.decode()
    all_posts = client.get(reverse("community:event_posts", args=[published_event.pk]))
    assert list(all_posts.context["page_obj"].object_list) == posts[::-1][:PAGE_SIZE]


def test_writing_a_post_from_the_event_page_comes_back_to_its_discussion(client, published_event, author):
    client.force_login(author)
    here = published_event.get_absolute_url()

    response = client.post(
        reverse("community:event_posts", args=[published_event.pk]),
        {"body": "Who else is going?", "visibility": "public", "next": f"{here}#discussion"},
    )

    assert response.url == f"{here}#discussion"
    assert Post.objects.get().event == published_event
    assert "Who else is going?" in text_of(client.get(here))


def test_sharing_the_event_posts_that_i_shared_it(client, published_event, author):
    client.force_login(author)

    client.post(reverse("community:event_share", args=[published_event.pk]))

    post = Post.objects.get()
    assert (post.author, post.event, post.body) == (author, published_event, "")
    assert f"Ada shared the event {published_event.title}" in text_of(client.get(reverse("community:feed")))


def test_the_discussion_of_a_draft_is_not_found_by_others(client, draft_event, author):
    client.force_login(author)

    assert client.get(reverse("community:event_posts", args=[draft_event.pk])).status_code == 404
    assert client.post(reverse("community:event_share", args=[draft_event.pk])).status_code == 404
    assert not Post.objects.exists()


def test_a_blocked_person_sees_nothing_of_the_blocker_in_the_discussion(
    client, published_event, author, stranger
):
    PostFactory(author=author, event=published_event, body="Blocker's words")
    BlockFactory(blocker=author, blocked=stranger)
    client.force_login(stranger)

    assert "Blocker's words" not in text_of(client.get(published_event.get_absolute_url()))
    assert "Blocker's words" not in text_of(
        client.get(reverse("community:event_posts", args=[published_event.pk]))
    )


def test_signed_out_visitors_read_the_discussion_and_are_asked_to_sign_in_to_join(client, event_post):
    page = text_of(client.get(event_post.event.get_absolute_url()))

    assert "See you there" in page
    assert "Sign in to join the discussion." in page


# Friends going ---------------------------------------------------------------------------


def going(event, *names):
    people = [UserFactory(display_name=name) for name in names]
    for person in people:
        make_booking(user=person, event=event, waitlist=True)
    return people


def test_friends_going_names_my_friends_with_a_place(client, published_event, author):
    for friend in going(published_event, "Chloe", "Ben", "Dan"):
        make_friends(author, friend)
    going(published_event, "Stranger")
    client.force_login(author)

    assert "3 friends going: Ben, Chloe and Dan" in text_of(client.get(published_event.get_absolute_url()))


def test_friends_going_counts_the_ones_it_does_not_name(client, published_event, author):
    for friend in going(published_event, "A1", "A2", "A3", "A4", "A5"):
        make_friends(author, friend)
    client.force_login(author)

    assert "5 friends going: A1, A2, A3 and 2 more" in text_of(client.get(published_event.get_absolute_url()))


def test_friends_going_leaves_out_hidden_cancelled_and_waitlisted_friends_and_blocks(
    client, organizer, author
):
    event = EventFactory(organizer=organizer, capacity=2)
    shy, blocked = going(event, "Shy", "Blocked")
    shy.friends_see_my_events = False
    shy.save()
    cancelled, waitlisted = going(event, "Gone", "Waiting")  # the event is full: both wait
    cancel_booking(booking=Booking.objects.get(user=cancelled), by=cancelled)
    for person in (shy, blocked, cancelled, waitlisted):
        make_friends(author, person)
    # Rows that never meet (a block ends a friendship): whatever the rows say, the block wins.
    BlockFactory(blocker=blocked, blocked=author)
    client.force_login(author)

    assert "going:" not in text_of(client.get(event.get_absolute_url()))


def test_friends_going_reads_one_query_and_is_for_signed_in_viewers(
    client, published_event, author, django_assert_num_queries
):
    from django.template import Context, Template
    from django.test import RequestFactory

    for friend in going(published_event, "Ben", "Chloe"):
        make_friends(author, friend)
    request = RequestFactory().get("/")
    request.user = author
    tag = Template("{% load community %}{% friends_going event %}")

    with django_assert_num_queries(1):
        html = tag.render(Context({"request": request, "event": published_event}))
    assert "2 friends going: Ben and Chloe" in html

    client.logout()
    assert "going:" not in text_of(client.get(published_event.get_absolute_url()))


# Query counts ---------------------------------------------------------------------------


def test_a_posts_page_reads_the_same_queries_for_2_or_40_comments(
    client, author, friend, django_assert_max_num_queries
):
    post = PostFactory(author=author)
    client.force_login(friend)

    def add_comments(count):
        for n in range(count):
            comment = create_comment(post=post, author=UserFactory(), body=f"Comment {n}")
            create_comment(post=post, author=author, body=f"Reply {n}", reply_to=comment)

    add_comments(1)
    with django_assert_max_num_queries(11) as few:
        client.get(page_of(post))
    add_comments(19)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(page_of(post))
    assert [len(thread.thread_replies) for thread in response.context["threads"]] == [1] * 20


def test_the_event_page_reads_the_same_queries_for_1_or_10_posts(
    client, published_event, author, friend, django_assert_max_num_queries
):
    def add_posts(count):
        for n in range(count):
            original = PostFactory(author=UserFactory(), body=f"Original {n}")
            PostFactory(author=UserFactory(), event=published_event, shared_post=original)

    add_posts(1)
    client.force_login(friend)
    with django_assert_max_num_queries(13) as few:
        client.get(published_event.get_absolute_url())
    add_posts(9)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(published_event.get_absolute_url())
    assert text_of(response).count("Original") == 10
