"""Reports: who may report what, once; staff decisions in the admin; organizers' scope; text shown inert."""

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from community import reports
from community.messaging import send_message
from community.models import Comment, Post, Report
from community.tests.factories import make_friends
from eventhub.errors import DomainError, ErrorCode
from events.tests.factories import EventFactory

pytestmark = pytest.mark.django_db

REPORTS = reverse("admin:community_report_changelist")
POSTS = reverse("admin:community_post_changelist")
COMMENTS = reverse("admin:community_comment_changelist")
MESSAGES = reverse("admin:community_message_changelist")
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def post(other_attendee):
    return Post.objects.create(author=other_attendee, body="Tickets cheaper at my place!")


@pytest.fixture
def message(attendee, other_attendee):
    make_friends(attendee, other_attendee)
    return send_message(sender=other_attendee, to=attendee, body="You will regret going")


def refusal(**kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        reports.report(**kwargs)
    return refused.value


# Reporting -----------------------------------------------------------------------------


def test_anyone_who_sees_a_post_reports_it(attendee, post):
    report = reports.report(reporter=attendee, post=post, reason="Spam")

    assert (report.post, report.reporter, report.reason, report.outcome) == (post, attendee, "Spam", "open")


def test_a_second_report_of_the_same_thing_is_the_first(attendee, post):
    first = reports.report(reporter=attendee, post=post, reason="Spam")

    again = reports.report(reporter=attendee, post=post, reason="Really, spam")

    assert again.pk == first.pk
    assert Report.objects.get().reason == "Spam"


def test_a_post_you_cannot_see_cannot_be_reported(attendee, post):
    post.visibility = Post.Visibility.FRIENDS
    post.save()

    assert refusal(reporter=attendee, post=post, reason="Spam").code == ErrorCode.NOT_FOUND
    assert not Report.objects.exists()


def test_a_comment_is_reported_by_whoever_sees_it(attendee, post, other_attendee):
    comment = Comment.objects.create(post=post, author=other_attendee, body="Rude words")

    assert reports.report(reporter=attendee, comment=comment, reason="Rude").comment == comment


def test_a_message_is_reported_only_by_its_two_people(attendee, other_attendee, message):
    assert reports.report(reporter=attendee, message=message, reason="Threat").message == message
    assert reports.report(reporter=other_attendee, message=message, reason="Sent by mistake")

    outsider = refusal(reporter=UserFactory(), message=message, reason="Threat")

    assert outsider.code == ErrorCode.NOT_FOUND
    assert Report.objects.count() == 2


@pytest.mark.parametrize("reason", ["", "   ", "x" * (reports.REASON_MAX_LENGTH + 1)])
def test_a_report_says_why_in_at_most_a_thousand_characters(attendee, post, reason):
    refused = refusal(reporter=attendee, post=post, reason=reason)

    assert (refused.code, refused.field) == (ErrorCode.INVALID_REPORT, "reason")


def test_a_report_is_about_exactly_one_thing(attendee, post, message):
    assert refusal(reporter=attendee, reason="Spam").code == ErrorCode.INVALID_REPORT
    both = refusal(reporter=attendee, post=post, message=message, reason="Spam")
    assert both.code == ErrorCode.INVALID_REPORT


def test_the_api_records_a_report_once(api_client, attendee, post):
    api_client.force_authenticate(attendee)

    first = api_client.post("/api/reports/", {"post": post.pk, "reason": "Spam"})
    again = api_client.post("/api/reports/", {"post": post.pk, "reason": "Spam"})

    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert Report.objects.count() == 1


def test_the_api_refuses_what_you_cannot_see_as_what_does_not_exist(api_client, attendee, post, message):
    post.visibility = Post.Visibility.FRIENDS
    post.save()
    api_client.force_authenticate(UserFactory())

    hidden_from_you = api_client.post("/api/reports/", {"post": post.pk, "reason": "Spam"})
    unknown = api_client.post("/api/reports/", {"post": 999_999, "reason": "Spam"})
    not_yours = api_client.post("/api/reports/", {"message": message.pk, "reason": "Spam"})

    assert hidden_from_you.status_code == unknown.status_code == not_yours.status_code == 400
    assert hidden_from_you.json()["post"] == [f'Invalid pk "{post.pk}" - object does not exist.']
    assert unknown.json()["post"] == ['Invalid pk "999999" - object does not exist.']
    assert not Report.objects.exists()


def test_the_api_refuses_anonymous_reports(api_client, post):
    assert api_client.post("/api/reports/", {"post": post.pk, "reason": "Spam"}).status_code == 401


# Staff decisions (services) --------------------------------------------------------------


@pytest.fixture
def reported(attendee, post):
    """Two people reported the post."""
    reports.report(reporter=UserFactory(), post=post, reason="Spam too")
    return reports.report(reporter=attendee, post=post, reason="Spam")


def test_hiding_hides_the_post_and_closes_every_report_of_it(reported, post, staff):
    reports.hide_reported(report=reported, by=staff)

    post.refresh_from_db()
    assert (post.is_hidden, post.hidden_by) == (True, staff)
    assert set(Report.objects.values_list("outcome", "resolved_by")) == {("hidden", staff.pk)}


def test_restoring_shows_a_hidden_post_again(reported, post, staff):
    reports.hide_reported(report=reported, by=staff)

    reports.restore_reported(report=reported, by=staff)

    post.refresh_from_db()
    assert not post.is_hidden
    assert set(Report.objects.values_list("outcome", flat=True)) == {"restored"}


def test_a_private_message_cannot_be_hidden(attendee, message, staff):
    report = reports.report(reporter=attendee, message=message, reason="Threat")

    with pytest.raises(DomainError) as refused:
        reports.hide_reported(report=report, by=staff)

    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert Report.objects.get().outcome == "open"


def test_warning_emails_the_author_once(reported, post, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        reports.warn_author(report=reported, by=staff)
    with pytest.raises(DomainError), django_capture_on_commit_callbacks(execute=True):
        reports.warn_author(report=Report.objects.exclude(pk=reported.pk).get(), by=staff)

    (email,) = mail.outbox
    assert email.to == [post.author.email]
    assert "A warning about your post" in email.subject
    assert "Tickets cheaper at my place!" in email.body
    assert "Spam" not in email.body  # nor who reported it, nor why in their words
    assert set(Report.objects.values_list("outcome", flat=True)) == {"warned"}


def test_deactivating_closes_the_authors_account(reported, post, staff):
    reports.deactivate_author(report=reported, by=staff)

    post.author.refresh_from_db()
    assert not post.author.is_active
    assert set(Report.objects.values_list("outcome", flat=True)) == {"deactivated"}


def test_a_staff_account_is_not_deactivated_from_a_report(attendee, staff):
    report = reports.report(reporter=attendee, post=Post.objects.create(author=staff, body="Hi"), reason="x")

    with pytest.raises(DomainError):
        reports.deactivate_author(report=report, by=staff)

    staff.refresh_from_db()
    assert staff.is_active


@pytest.mark.parametrize(
    "decide",
    [reports.hide_reported, reports.restore_reported, reports.warn_author, reports.deactivate_author],
)
def test_only_site_staff_decide(reported, organizer, decide):
    with pytest.raises(DomainError) as refused:
        decide(report=reported, by=organizer)

    assert refused.value.code == ErrorCode.NOT_ALLOWED
    assert Report.objects.filter(outcome="open").count() == 2


# The admin ---------------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


def run_action(client, changelist, action, rows, **extra):
    data = {"action": action, "_selected_action": [row.pk for row in rows], **extra}
    return client.post(changelist, data, follow=True)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_an_action_asks_first_and_changes_nothing(staff_client, reported, post):
    response = run_action(staff_client, REPORTS, "hide_selected", [reported])

    page = response.content.decode()
    assert "Hide what these reports are about?" in page
    assert "Post: Tickets cheaper at my place!" in page
    post.refresh_from_db()
    assert not post.is_hidden


@pytest.mark.parametrize(
    ("action", "outcome", "done"),
    [
        ("hide_selected", "hidden", "Hid what 1 report was about."),
        ("restore_selected", "restored", "Closed 1 report, leaving it as it was."),
        ("warn_selected", "warned", "Warned the author of 1 report."),
        ("deactivate_selected", "deactivated", "Deactivated the author of 1 report."),
    ],
)
def test_each_action_acts_once_confirmed_and_says_what_it_did(
    staff_client, reported, action, outcome, done, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(staff_client, REPORTS, action, [reported], confirmed="yes")

    assert done in messages_of(response)
    reported.refresh_from_db()
    assert reported.outcome == outcome


def test_an_action_reports_each_refusal(staff_client, attendee, message):
    report = reports.report(reporter=attendee, message=message, reason="Threat")

    response = run_action(staff_client, REPORTS, "hide_selected", [report], confirmed="yes")

    assert any("cannot be hidden" in text for text in messages_of(response))


def test_reports_and_messages_are_for_site_staff_only(organizer_client, reported, message):
    assert organizer_client.get(REPORTS).status_code == 403
    assert organizer_client.get(MESSAGES).status_code == 403


def test_organizers_see_only_posts_and_comments_about_their_events(
    organizer_client, organizer, other_organizer, other_attendee
):
    mine = Post.objects.create(
        author=other_attendee, event=EventFactory(organizer=organizer), body="About mine"
    )
    theirs = Post.objects.create(
        author=other_attendee, event=EventFactory(organizer=other_organizer), body="About theirs"
    )
    Post.objects.create(author=other_attendee, body="About nothing")
    Comment.objects.create(post=mine, author=other_attendee, body="Comment on mine")
    Comment.objects.create(post=theirs, author=other_attendee, body="Comment on theirs")

    posts_page = organizer_client.get(POSTS).content.decode()
    comments_page = organizer_client.get(COMMENTS).content.decode()

    assert "About mine" in posts_page
    assert "About theirs" not in posts_page and "About nothing" not in posts_page
    assert "Comment on mine" in comments_page and "Comment on theirs" not in comments_page
    change = reverse("admin:community_post_change", args=[theirs.pk])
    assert organizer_client.get(change).status_code == 404


def test_an_organizer_hides_a_post_about_their_event(organizer_client, organizer, other_attendee):
    post = Post.objects.create(author=other_attendee, event=EventFactory(organizer=organizer), body="Rude")

    response = run_action(organizer_client, POSTS, "hide_selected", [post])

    assert messages_of(response) == ["Hid 1 item."]
    post.refresh_from_db()
    assert post.hidden_by == organizer


@pytest.mark.parametrize("count", [3, 30])
def test_the_report_list_takes_the_same_queries_however_many(staff_client, attendee, message, count):
    for number in range(count):
        post = Post.objects.create(author=UserFactory(), body=f"Post {number}")
        comment = Comment.objects.create(post=post, author=UserFactory(), body=f"Comment {number}")
        reports.report(reporter=UserFactory(), post=post, reason="Spam")
        reports.report(reporter=attendee, comment=comment, reason="Rude")
    reports.report(reporter=attendee, message=message, reason="Threat")

    with CaptureQueriesContext(connection) as queries:
        assert staff_client.get(REPORTS).status_code == 200

    assert len(queries) <= 5  # session, user, two counts, the page: none per report


def test_text_is_shown_inert_in_the_admin(staff_client, attendee, other_attendee, message):
    post = Post.objects.create(author=other_attendee, body=XSS)
    comment = Comment.objects.create(post=post, author=other_attendee, body=XSS)
    message.body = XSS
    message.save()
    report = reports.report(reporter=attendee, post=post, reason=XSS)
    pages = [
        POSTS,
        COMMENTS,
        MESSAGES,
        REPORTS,
        reverse("admin:community_post_change", args=[post.pk]),
        reverse("admin:community_comment_change", args=[comment.pk]),
        reverse("admin:community_message_change", args=[message.pk]),
        reverse("admin:community_report_change", args=[report.pk]),
    ]

    for page in pages:
        html = staff_client.get(page).content.decode()
        assert "&lt;script&gt;" in html, page
        assert "<script>alert" not in html and "<img src=x" not in html, page
    confirm = run_action(staff_client, REPORTS, "warn_selected", [report]).content.decode()
    assert "&lt;script&gt;" in confirm and "<script>alert" not in confirm
