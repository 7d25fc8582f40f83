"""The community's rows. Every rule about them lives in community/services.py."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

POST_MAX_LENGTH = 5_000
COMMENT_MAX_LENGTH = 2_000
MESSAGE_MAX_LENGTH = 5_000

USER = settings.AUTH_USER_MODEL


class PairQuerySet(models.QuerySet):
    def between(self, a, b):
        """The row of the pair ``a`` and ``b``, whichever order they are given in."""
        low, high = sorted((a.pk, b.pk))
        return self.filter(user_low_id=low, user_high_id=high)

    def involving(self, user):
        return self.filter(Q(user_low=user) | Q(user_high=user))


class Pair(models.Model):
    """Two people, stored once whatever the order: the lower id first (a constraint says so)."""

    user_low = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    user_high = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PairQuerySet.as_manager()

    class Meta:
        abstract = True

    def other(self, user):
        """The other person of the pair."""
        return self.user_high if user.pk == self.user_low_id else self.user_low

    @classmethod
    def ordered(cls, a, b) -> dict:
        low, high = sorted((a, b), key=lambda user: user.pk)
        return {"user_low": low, "user_high": high}


def _pair_constraints(name: str) -> list:
    return [
        models.UniqueConstraint(fields=["user_low", "user_high"], name=f"{name}_one_per_pair"),
        models.CheckConstraint(condition=Q(user_low__lt=F("user_high")), name=f"{name}_ordered_pair"),
    ]


class Friendship(Pair):
    """A friend request (pending) or a friendship (accepted) between two people; one row per pair.

    Declining, cancelling and removing delete the row; blocking deletes it too.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Requested"
        ACCEPTED = "accepted", "Friends"

    requested_by = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            *_pair_constraints("friendship"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted"]), name="friendship_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(requested_by=F("user_low")) | Q(requested_by=F("user_high")),
                name="friendship_requested_by_one_of_the_pair",
            ),
        ]
        indexes = [models.Index(fields=["user_high", "status"], name="friendship_high_idx")]

    def __str__(self):
        return f"{self.user_low} and {self.user_high} ({self.get_status_display()})"


class Block(models.Model):
    """``blocker`` hides from ``blocked`` and ``blocked`` from them: no seeing, finding or messaging."""

    blocker = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    blocked = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_one_per_pair"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="block_not_yourself"),
        ]
        indexes = [models.Index(fields=["blocked"], name="block_blocked_idx")]

    def __str__(self):
        return f"{self.blocker} blocks {self.blocked}"


class Moderated(models.Model):
    """Text someone wrote that an event's organizer or staff may hide (kept, and shown to its author)."""

    author = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # Kept with F() by the community service, in the same transaction as the like rows.
    like_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Post(Moderated):
    """Something a person says, about an event or not; a share points at another post."""

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Everyone"
        FRIENDS = "friends", "Friends only"

    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="posts"
    )
    body = models.TextField(max_length=POST_MAX_LENGTH, blank=True)
    visibility = models.CharField(max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC)
    # A share: the post it passes on (gone if that post is deleted; the share's own words stay).
    shared_post = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="shares"
    )
    comment_count = models.PositiveIntegerField(default=0)
    share_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(visibility__in=["public", "friends"]), name="post_visibility_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["event", "-created_at"], name="post_event_idx"),
            models.Index(fields=["author", "-created_at"], name="post_author_idx"),
        ]

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"


class Comment(Moderated):
    """A comment on a post, or a reply to a comment (one level deep: a reply is never replied to)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments")
    reply_to = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(max_length=COMMENT_MAX_LENGTH)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["post", "created_at"], name="comment_post_idx")]

    def __str__(self):
        return f"{self.author}: {self.body[:40]}"


class Like(models.Model):
    """One person's like of one post or one comment."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="likes")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="likes"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(post__isnull=False, comment__isnull=True)
                | Q(post__isnull=True, comment__isnull=False),
                name="like_of_a_post_or_a_comment",
            ),
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(post__isnull=False), name="like_one_per_post"
            ),
            models.UniqueConstraint(
                fields=["user", "comment"], condition=Q(comment__isnull=False), name="like_one_per_comment"
            ),
        ]

    def __str__(self):
        return f"{self.user} likes {(self.post_id and 'post') or 'comment'} {self.post_id or self.comment_id}"


class Conversation(Pair):
    """Two friends' private messages; one per pair."""

    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = _pair_constraints("conversation")
        indexes = [
            models.Index(fields=["user_low", "-last_message_at"], name="conversation_low_idx"),
            models.Index(fields=["user_high", "-last_message_at"], name="conversation_high_idx"),
        ]

    def __str__(self):
        return f"{self.user_low} and {self.user_high}"


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_LENGTH)
    sent_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [
            models.Index(fields=["conversation", "sent_at"], name="message_conversation_idx"),
            # Unread messages, counted per reader.
            models.Index(
                fields=["conversation", "sender"],
                condition=Q(read_at__isnull=True),
                name="message_unread_idx",
            ),
        ]

    def __str__(self):
        return f"{self.sender}: {self.body[:40]}"


class Report(models.Model):
    """Someone tells staff that a post, a comment or a message is wrong; staff act on it in the admin."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Open"
        HIDDEN = "hidden", "Hidden"
        RESTORED = "restored", "Left as it was"
        WARNED = "warned", "Author warned"
        DEACTIVATED = "deactivated", "Author deactivated"

    reporter = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, null=True, blank=True, related_name="reports")
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reason = models.TextField(max_length=1_000)
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(post__isnull=False, comment__isnull=True, message__isnull=True)
                    | Q(post__isnull=True, comment__isnull=False, message__isnull=True)
                    | Q(post__isnull=True, comment__isnull=True, message__isnull=False)
                ),
                name="report_of_one_thing",
            ),
            models.UniqueConstraint(
                fields=["reporter", "post"], condition=Q(post__isnull=False), name="report_one_per_post"
            ),
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(comment__isnull=False),
                name="report_one_per_comment",
            ),
            models.UniqueConstraint(
                fields=["reporter", "message"],
                condition=Q(message__isnull=False),
                name="report_one_per_message",
            ),
        ]
        indexes = [models.Index(fields=["outcome", "-created_at"], name="report_outcome_idx")]

    def __str__(self):
        return f"Report by {self.reporter} ({self.get_outcome_display()})"
