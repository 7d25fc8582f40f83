"""Reports: anyone tells staff that a post, a comment or a message is wrong; staff decide in the admin.

A person reports a thing they can see (a message: only its sender or recipient),
once: reporting it again changes nothing. Staff then decide about the thing, not
about one report of it, so every report of the thing records the same outcome:
hide it, leave it as it was (restoring it if it was hidden), warn its author by
email, or deactivate its author's account. Decisions about one thing happen one at
a time, under its row lock, so two staff pressing "warn" at once send one email.

A private message cannot be hidden: its only reader has read it already, and
hiding it from the two people who wrote it protects no one. Staff warn or
deactivate its author instead.
"""

from django.db import transaction
from django.utils import timezone

from accounts.services import revoke_refresh_tokens
from accounts.tasks import send_account_email
from community import posts
from community.feeds import visible_comments, visible_posts
from community.messaging import messages_of
from community.models import Comment, Message, Moderated, Post, Report
from eventhub.background import enqueue
from eventhub.errors import DomainError, ErrorCode

THING_MODELS = {"post": Post, "comment": Comment, "message": Message}
REASON_MAX_LENGTH = Report._meta.get_field("reason").max_length
# How much of the reported text the warning email quotes.
EXCERPT_LENGTH = 300

Outcome = Report.Outcome


def report(*, reporter, reason: str, post=None, comment=None, message=None) -> Report:
    """Record that ``reporter`` finds one post, comment or message wrong, and why.

    A thing the reporter cannot see is "not found", as for one that never was.
    A second report of the same thing by the same person is the first one, unchanged.
    """
    kind, thing = _one_thing(post=post, comment=comment, message=message)
    reason = reason.strip()
    if not reason:
        raise DomainError(ErrorCode.INVALID_REPORT, "Say what is wrong with it.", field="reason")
    if len(reason) > REASON_MAX_LENGTH:
        too_long = f"A reason can be at most {REASON_MAX_LENGTH:,} characters long."
        raise DomainError(ErrorCode.INVALID_REPORT, too_long, field="reason")
    if not _sees(reporter, kind, thing):
        raise DomainError(ErrorCode.NOT_FOUND, f"No such {kind}.")
    # The partial unique constraints keep one report per person and thing, even when sent twice at once.
    return Report.objects.get_or_create(reporter=reporter, **{kind: thing}, defaults={"reason": reason})[0]


def _one_thing(**things) -> tuple[str, Post | Comment | Message]:
    given = [(kind, thing) for kind, thing in things.items() if thing is not None]
    if len(given) != 1:
        raise DomainError(ErrorCode.INVALID_REPORT, "Report one post, comment or message at a time.")
    return given[0]


SEEN_BY = {"post": visible_posts, "comment": visible_comments, "message": messages_of}


def _sees(reporter, kind: str, thing) -> bool:
    return SEEN_BY[kind](reporter).filter(pk=thing.pk).exists()


def kind_of(report: Report) -> str:
    return next(kind for kind in THING_MODELS if getattr(report, f"{kind}_id") is not None)


def reported_thing(report: Report) -> Post | Comment | Message:
    return getattr(report, kind_of(report))


def author_of(thing: Post | Comment | Message):
    return thing.sender if isinstance(thing, Message) else thing.author


# Staff decisions ---------------------------------------------------------------------


def hide_reported(*, report: Report, by) -> Report:
    """Hide the reported post or comment from everyone but its author (and staff)."""

    def hide(thing):
        if not isinstance(thing, Moderated):
            raise DomainError(
                ErrorCode.NOT_ALLOWED, "A private message cannot be hidden: warn or deactivate its author."
            )
        posts.hide(target=thing, by=by)

    return _decide(report, by, Outcome.HIDDEN, hide)


def restore_reported(*, report: Report, by) -> Report:
    """Leave the reported thing as it was: shown again to everyone who may see it."""

    def restore(thing):
        if isinstance(thing, Moderated):
            posts.unhide(target=thing, by=by)

    return _decide(report, by, Outcome.RESTORED, restore)


def warn_author(*, report: Report, by) -> Report:
    """Email the author that what they wrote breaks the rules, quoting it: once per thing."""

    def warn(thing):
        if Report.objects.filter(pk=report.pk, outcome=Outcome.WARNED).exists():
            raise DomainError(ErrorCode.NOT_ALLOWED, "Its author was warned about it already.")
        context = {"kind": kind_of(report), "excerpt": thing.body[:EXCERPT_LENGTH]}
        enqueue(send_account_email, "community_warning", author_of(thing).pk, context)

    return _decide(report, by, Outcome.WARNED, warn)


def deactivate_author(*, report: Report, by) -> Report:
    """Close the author's account: they can no longer sign in, and their API sessions end."""

    def deactivate(thing):
        author = author_of(thing)
        if author.is_staff or author.is_superuser:
            raise DomainError(ErrorCode.NOT_ALLOWED, "A staff account is not closed from a report.")
        author.is_active = False
        author.save(update_fields=["is_active"])
        revoke_refresh_tokens(user=author)

    return _decide(report, by, Outcome.DEACTIVATED, deactivate)


def _decide(report: Report, by, outcome: str, act) -> Report:
    """Lock the reported thing, ``act`` on it, and record ``outcome`` on every report of it."""
    if not by.is_site_staff:
        raise DomainError(ErrorCode.NOT_ALLOWED, "Only site staff decide about reports.")
    kind = kind_of(report)
    with transaction.atomic():
        rows = THING_MODELS[kind].objects.select_for_update()
        thing = rows.get(pk=getattr(report, f"{kind}_id"))
        act(thing)
        decided = {"outcome": outcome, "resolved_at": timezone.now(), "resolved_by": by}
        Report.objects.filter(**{kind: thing}).update(**decided)
    report.refresh_from_db()
    return report
