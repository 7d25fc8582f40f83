"""The rules of posts, comments, likes and shares, asked of the services and selectors directly."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.tests.factories import UserFactory
from bookings.services import cancel_booking
from bookings.tests.factories import make_booking
from community import posts as services
from community.feeds import feed, visible_comments, visible_posts
from community.models import POST_MAX_LENGTH, Comment, Like, Post
from community.tests.factories import BlockFactory, PostFactory, make_friends
from eventhub.errors import DomainError, ErrorCode
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

FRIENDS = Post.Visibility.FRIENDS


def refusal(call, **kwargs) -> ErrorCode:
    with pytest.raises(DomainError) as caught:
        call(**kwargs)
    return caught.value.code


def fresh(row):
    row.refresh_from_db()
    return row


@pytest.fixture
def friend(author):
    friend = UserFactory(username="friend")
    make_friends(author, friend)
    return friend


@pytest.fixture
def stranger(db):
    return UserFactory(username="stranger")


@pytest.fixture
def public_post(author):
    return PostFactory(author=author)


@pytest.fixture
def event_post(author, published_event):
    return PostFactory(author=author, event=published_event)


# Who sees what ------------------------------------------------------------------------


def test_public_posts_reach_everyone_and_friends_only_posts_only_friends(author, friend, stranger, staff):
    public, friends_only = PostFactory(author=author), PostFactory(author=author, visibility=FRIENDS)

    assert set(visible_posts(AnonymousUser())) == {public}
    assert set(visible_posts(stranger)) == {public}
    assert set(visible_posts(friend)) == {public, friends_only}
    assert set(visible_posts(author)) == {public, friends_only}
    assert set(visible_posts(staff)) == {public, friends_only}


@pytest.mark.parametrize("author_blocks", [True, False], ids=["author blocks", "author is blocked"])
def test_nobody_sees_anything_across_a_block_either_way(author, stranger, public_post, author_blocks):
    comment = services.create_comment(post=PostFactory(author=UserFactory()), author=author, body="Hi")
    blocker, blocked = (author, stranger) if author_blocks else (stranger, author)
    BlockFactory(blocker=blocker, blocked=blocked)

    assert not visible_posts(stranger).filter(pk=public_post.pk).exists()
    assert not visible_comments(stranger).filter(pk=comment.pk).exists()
    assert visible_posts(UserFactory()).filter(pk=public_post.pk).exists()


def test_a_hidden_post_is_seen_only_by_its_author_the_events_organizer_and_staff(
    event_post, author, organizer, other_organizer, stranger, staff
):
    services.hide(target=event_post, by=organizer)

    for viewer in (author, organizer, staff):
        assert visible_posts(viewer).get().is_hidden
    for viewer in (stranger, other_organizer, AnonymousUser()):
        assert not visible_posts(viewer).exists()


def test_a_hidden_comment_is_seen_only_by_its_author_the_events_organizer_and_staff(
    event_post, organizer, stranger, staff
):
    commenter = UserFactory()
    comment = services.create_comment(post=event_post, author=commenter, body="Off topic")
    services.hide(target=comment, by=organizer)

    for viewer in (commenter, organizer, staff):
        assert visible_comments(viewer).filter(pk=comment.pk).exists()
        assert visible_comments(viewer, on_posts=[event_post]).filter(pk=comment.pk).exists()
    for viewer in (stranger, event_post.author, AnonymousUser()):
        assert not visible_comments(viewer).filter(pk=comment.pk).exists()
        assert not visible_comments(viewer, on_posts=[event_post]).filter(pk=comment.pk).exists()


def test_comments_on_posts_already_shown_still_leave_out_anyone_in_a_block(author, friend, stranger):
    post = PostFactory(author=author)
    services.create_comment(post=post, author=stranger, body="Hi")
    mine = services.create_comment(post=post, author=friend, body="Hello")
    BlockFactory(blocker=stranger, blocked=friend)

    assert list(visible_comments(friend, on_posts=[post])) == [mine]


def test_comments_follow_their_posts_visibility(author, friend, stranger):
    post = PostFactory(author=author, visibility=FRIENDS)
    comment = services.create_comment(post=post, author=friend, body="Nice")

    assert visible_comments(friend).filter(pk=comment.pk).exists()
    assert not visible_comments(stranger).exists()


# The feed -----------------------------------------------------------------------------


def test_the_feed_holds_own_friends_and_booked_events_posts_newest_first(
    author, friend, stranger, published_event
):
    own = PostFactory(author=author)
    friends = PostFactory(author=friend, visibility=FRIENDS)
    make_booking(user=author, event=published_event)
    about_booked = PostFactory(author=stranger, event=published_event)
    PostFactory(author=stranger)  # a stranger's post about nothing the author follows
    PostFactory(author=stranger, event=EventFactory(status="published"))

    assert list(feed(author)) == [about_booked, friends, own]


def test_the_feed_forgets_an_event_once_its_booking_is_cancelled(author, stranger, published_event):
    booking = make_booking(user=author, event=published_event)
    PostFactory(author=stranger, event=published_event)
    cancel_booking(booking=booking, by=author)

    assert not feed(author).exists()


def test_the_feed_leaves_out_posts_across_a_block(author, stranger, published_event):
    make_booking(user=author, event=published_event)
    PostFactory(author=stranger, event=published_event)
    BlockFactory(blocker=author, blocked=stranger)

    assert not feed(author).exists()


# Writing posts ------------------------------------------------------------------------


def test_a_post_is_written_trimmed(author):
    post = services.create_post(author=author, body="  Hello  \n", visibility=FRIENDS)

    assert (post.body, post.visibility, post.author) == ("Hello", FRIENDS, author)


@pytest.mark.parametrize("body", ["", "  \n ", "x" * (POST_MAX_LENGTH + 1)], ids=["empty", "blank", "long"])
def test_a_post_needs_words_within_the_limit(author, body):
    assert refusal(services.create_post, author=author, body=body) == ErrorCode.INVALID_BODY


def test_a_post_about_an_event_may_leave_the_words_out(author, published_event):
    post = services.create_post(author=author, body="", event=published_event)

    assert post.event == published_event


def test_nobody_posts_about_an_event_they_cannot_see(author, draft_event, organizer):
    assert refusal(services.create_post, author=author, body="Hi", event=draft_event) == ErrorCode.NOT_FOUND
    assert services.create_post(author=organizer, body="Soon", event=draft_event).event == draft_event


def test_posting_too_fast_is_refused_and_comments_count_apart(author, public_post, settings):
    settings.COMMUNITY_WRITES_PER_WINDOW = 2
    for _ in range(2):
        services.create_post(author=author, body="Again")

    assert refusal(services.create_post, author=author, body="Again") == ErrorCode.THROTTLED
    assert refusal(services.share, by=author, post=public_post) == ErrorCode.THROTTLED
    services.create_comment(post=public_post, author=author, body="Still allowed")
    assert services.create_post(author=UserFactory(), body="Someone else").pk


def test_only_the_author_edits_a_post(public_post, author, staff, stranger):
    for someone in (staff, stranger):
        assert refusal(services.edit_post, post=public_post, by=someone, body="Mine") == ErrorCode.NOT_ALLOWED

    edited = services.edit_post(post=public_post, by=author, body="Better", visibility=FRIENDS)

    assert (fresh(public_post).body, public_post.visibility) == ("Better", FRIENDS)
    assert edited.edited_at is not None


def test_a_plain_post_cannot_be_emptied(public_post, author):
    assert refusal(services.edit_post, post=public_post, by=author, body=" ") == ErrorCode.INVALID_BODY


def test_the_author_and_staff_delete_a_post_and_nobody_else(
    author, staff, stranger, organizer, published_event
):
    first, second = PostFactory(author=author, event=published_event), PostFactory(author=author)
    for someone in (stranger, organizer):
        assert refusal(services.delete_post, post=first, by=someone) == ErrorCode.NOT_ALLOWED

    services.delete_post(post=first, by=author)
    services.delete_post(post=second, by=staff)

    assert not Post.objects.exists()


def test_deleting_a_deleted_post_is_not_found(public_post, author):
    services.delete_post(post=public_post, by=author)

    assert refusal(services.delete_post, post=public_post, by=author) == ErrorCode.NOT_FOUND


# Shares -------------------------------------------------------------------------------


def test_a_share_points_at_the_post_and_counts_on_it(public_post, stranger):
    shared = services.share(by=stranger, post=public_post, body="Look")

    assert (shared.shared_post, shared.author, shared.body) == (public_post, stranger, "Look")
    assert fresh(public_post).share_count == 1


def test_a_share_of_a_share_passes_on_the_original(public_post, stranger):
    first = services.share(by=stranger, post=public_post)

    second = services.share(by=UserFactory(), post=first)

    assert second.shared_post == public_post
    assert (fresh(public_post).share_count, fresh(first).share_count) == (2, 0)


def test_deleting_a_share_gives_back_its_count_and_deleting_the_original_keeps_shares(
    public_post, author, stranger
):
    kept, dropped = (services.share(by=stranger, post=public_post) for _ in range(2))
    services.delete_post(post=dropped, by=stranger)
    assert fresh(public_post).share_count == 1

    services.delete_post(post=public_post, by=author)

    assert fresh(kept).shared_post is None


def test_a_friends_only_post_cannot_be_shared_even_by_a_friend(author, friend):
    post = PostFactory(author=author, visibility=FRIENDS)

    assert refusal(services.share, by=friend, post=post) == ErrorCode.NOT_ALLOWED
    assert fresh(post).share_count == 0


def test_nobody_shares_a_post_they_cannot_see_or_a_hidden_one(public_post, author, stranger, staff):
    BlockFactory(blocker=author, blocked=stranger)
    assert refusal(services.share, by=stranger, post=public_post) == ErrorCode.NOT_FOUND

    services.hide(target=public_post, by=staff)
    assert refusal(services.share, by=UserFactory(), post=public_post) == ErrorCode.NOT_FOUND
    assert refusal(services.share, by=author, post=public_post) == ErrorCode.NOT_ALLOWED


def test_sharing_an_event_posts_about_it(stranger, published_event):
    shared = services.share(by=stranger, event=published_event)

    assert (shared.event, shared.body, shared.shared_post) == (published_event, "", None)


# Comments -----------------------------------------------------------------------------


def test_a_comment_counts_on_its_post(public_post, stranger):
    comment = services.create_comment(post=public_post, author=stranger, body="Agreed")

    assert (comment.post, comment.reply_to, comment.body) == (public_post, None, "Agreed")
    assert fresh(public_post).comment_count == 1


def test_a_reply_to_a_reply_joins_the_thread_of_its_comment(public_post, author, stranger):
    comment = services.create_comment(post=public_post, author=stranger, body="Question?")
    reply = services.create_comment(post=public_post, author=author, body="Answer", reply_to=comment)

    again = services.create_comment(post=public_post, author=stranger, body="Thanks", reply_to=reply)

    assert (reply.reply_to, again.reply_to) == (comment, comment)


def test_a_reply_to_a_comment_on_another_post_is_refused(public_post, stranger):
    elsewhere = services.create_comment(post=PostFactory(), author=stranger, body="Hi")

    code = refusal(services.create_comment, post=public_post, author=stranger, body="x", reply_to=elsewhere)

    assert code == ErrorCode.NOT_FOUND


def test_nobody_comments_on_what_they_cannot_see_or_what_is_hidden(author, stranger, event_post, organizer):
    friends_only = PostFactory(author=author, visibility=FRIENDS)
    assert (
        refusal(services.create_comment, post=friends_only, author=stranger, body="x") == ErrorCode.NOT_FOUND
    )

    comment = services.create_comment(post=event_post, author=stranger, body="Rude")
    services.hide(target=comment, by=organizer)
    for replier, code in ((author, ErrorCode.NOT_FOUND), (stranger, ErrorCode.NOT_ALLOWED)):
        reply = {"post": event_post, "author": replier, "body": "x", "reply_to": comment}
        assert refusal(services.create_comment, **reply) == code  # only its author still sees it

    services.hide(target=event_post, by=organizer)
    assert refusal(services.create_comment, post=event_post, author=author, body="x") == ErrorCode.NOT_ALLOWED
    assert fresh(event_post).comment_count == 1


def test_a_comment_is_edited_by_its_author_only(public_post, author, stranger, staff):
    comment = services.create_comment(post=public_post, author=stranger, body="Tpyo")
    for someone in (author, staff):
        assert refusal(services.edit_comment, comment=comment, by=someone, body="x") == ErrorCode.NOT_ALLOWED

    services.edit_comment(comment=comment, by=stranger, body="Typo")

    assert (fresh(comment).body, comment.edited_at is not None) == ("Typo", True)


def test_deleting_a_comment_deletes_its_replies_and_their_counts(public_post, author, stranger, staff):
    comment = services.create_comment(post=public_post, author=stranger, body="Question?")
    services.create_comment(post=public_post, author=author, body="Answer", reply_to=comment)
    other = services.create_comment(post=public_post, author=author, body="Another")
    assert refusal(services.delete_comment, comment=comment, by=author) == ErrorCode.NOT_ALLOWED

    services.delete_comment(comment=comment, by=stranger)
    services.delete_comment(comment=other, by=staff)

    assert not Comment.objects.exists()
    assert fresh(public_post).comment_count == 0


# Likes --------------------------------------------------------------------------------


def test_liking_twice_leaves_one_like_and_unliking_twice_none(public_post, stranger):
    assert services.like(by=stranger, target=public_post) == 1
    assert services.like(by=stranger, target=public_post) == 1
    assert (fresh(public_post).like_count, Like.objects.count()) == (1, 1)

    assert services.unlike(by=stranger, target=public_post) == 0
    assert services.unlike(by=stranger, target=public_post) == 0
    assert (fresh(public_post).like_count, Like.objects.count()) == (0, 0)


def test_likes_of_a_comment_count_on_the_comment(public_post, author, stranger):
    comment = services.create_comment(post=public_post, author=stranger, body="Hi")

    services.like(by=author, target=comment)
    services.like(by=stranger, target=comment)
    services.unlike(by=author, target=comment)

    assert (fresh(comment).like_count, fresh(public_post).like_count) == (1, 0)
    assert list(Like.objects.values_list("user", "comment")) == [(stranger.pk, comment.pk)]


def test_nobody_likes_what_they_cannot_see_or_what_is_hidden(author, stranger, public_post, staff):
    friends_only = PostFactory(author=author, visibility=FRIENDS)
    assert refusal(services.like, by=stranger, target=friends_only) == ErrorCode.NOT_FOUND

    services.hide(target=public_post, by=staff)
    assert refusal(services.like, by=author, target=public_post) == ErrorCode.NOT_ALLOWED
    assert not Like.objects.exists()


# Hiding -------------------------------------------------------------------------------


def test_the_events_organizer_and_staff_hide_and_nobody_else(
    event_post, author, organizer, other_organizer, staff
):
    for someone in (author, other_organizer, UserFactory()):
        assert refusal(services.hide, target=event_post, by=someone) == ErrorCode.NOT_ALLOWED

    services.hide(target=event_post, by=organizer)
    first = fresh(event_post).hidden_at
    services.hide(target=event_post, by=staff)

    assert (fresh(event_post).hidden_at, event_post.hidden_by) == (first, organizer)
    services.unhide(target=event_post, by=staff)
    assert (fresh(event_post).hidden_at, event_post.hidden_by) == (None, None)


def test_an_organizer_cannot_hide_posts_about_nothing_of_theirs(public_post, organizer, staff):
    assert refusal(services.hide, target=public_post, by=organizer) == ErrorCode.NOT_ALLOWED

    assert services.hide(target=public_post, by=staff).is_hidden


def test_the_events_organizer_hides_comments_on_posts_about_it(event_post, organizer, other_organizer):
    comment = services.create_comment(post=event_post, author=UserFactory(), body="Spam")
    assert refusal(services.hide, target=comment, by=other_organizer) == ErrorCode.NOT_ALLOWED

    assert services.hide(target=comment, by=organizer).is_hidden
    assert not services.unhide(target=comment, by=organizer).is_hidden


# Accounts that go -----------------------------------------------------------------------------


def test_a_deleted_account_takes_its_likes_comments_and_shares_out_of_everyones_counts(
    author, stranger, public_post
):
    from accounts.services import delete_account

    comment = services.create_comment(post=public_post, author=author, body="Mine")
    services.like(by=stranger, target=public_post)
    services.like(by=stranger, target=comment)
    services.create_comment(post=public_post, author=stranger, body="Theirs")
    services.create_comment(post=public_post, author=author, body="A reply", reply_to=comment)
    services.share(by=stranger, post=public_post, body="Look")

    delete_account(user=stranger, by=stranger)

    post, comment = fresh(public_post), fresh(comment)
    assert (post.like_count, comment.like_count) == (0, 0)
    assert post.comment_count == Comment.objects.filter(post=post).count() == 2
    assert post.share_count == Post.objects.filter(shared_post=post).count() == 0
    assert not Like.objects.exists()
