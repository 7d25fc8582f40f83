"""Posts and comments as the API shows them (``body_html`` is the body rendered safe) and takes them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.feeds import visible_comments
from community.models import COMMENT_MAX_LENGTH, POST_MAX_LENGTH, Comment, Post
from community.text import render_body
from events.models import Event

BODY_HTML_HELP = (
    "The body as HTML, safe to insert into a page: links made clickable (rel nofollow ugc), "
    "**bold**, *italics*, `code`, line breaks and lists; any HTML in the body shows as text."
)


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)
    name = serializers.CharField(
        read_only=True, help_text="How the site names them: display name, else full name, else username."
    )


class EventSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Event
        fields = ["id", "title"]
        read_only_fields = fields


class WrittenSerializer(serializers.ModelSerializer):
    """What posts and comments share: who wrote what, when, and how it is shown."""

    author = AuthorSerializer(read_only=True)
    body_html = serializers.SerializerMethodField(help_text=BODY_HTML_HELP)

    @extend_schema_field(serializers.CharField())
    def get_body_html(self, written) -> str:
        return render_body(written.body)


class SharedPostSerializer(WrittenSerializer):
    event = EventSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Post
        fields = ["id", "author", "event", "body", "body_html", "created_at", "edited_at"]
        read_only_fields = fields


class PostSerializer(WrittenSerializer):
    """A post as its reader sees it. Read from feeds.posts_as_shown, which adds liked and the
    shared post's visibility."""

    event = EventSummarySerializer(
        read_only=True, allow_null=True, help_text="The event it is about, if any."
    )
    shared_post = serializers.SerializerMethodField(
        help_text="The post this one shares; null when it is not a share, or when that post is gone "
        "or no longer visible to you."
    )
    liked = serializers.BooleanField(read_only=True, help_text="Whether you like it.")
    hidden = serializers.BooleanField(
        source="is_hidden",
        read_only=True,
        help_text="Hidden by a moderator: only its author, the event's organizer and staff still see it.",
    )

    class Meta:
        model = Post
        fields = [
            "id",
            "author",
            "event",
            "body",
            "body_html",
            "visibility",
            "shared_post",
            "like_count",
            "comment_count",
            "share_count",
            "liked",
            "hidden",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields

    @extend_schema_field(SharedPostSerializer(allow_null=True))
    def get_shared_post(self, post: Post) -> dict | None:
        if post.shared_post is None or not post.shared_post_visible:
            return None
        return SharedPostSerializer(post.shared_post, context=self.context).data


class CommentSerializer(WrittenSerializer):
    liked = serializers.BooleanField(read_only=True, help_text="Whether you like it.")
    hidden = serializers.BooleanField(
        source="is_hidden",
        read_only=True,
        help_text="Hidden by a moderator: only its author, the event's organizer and staff still see it.",
    )

    class Meta:
        model = Comment
        fields = [
            "id",
            "post",
            "reply_to",
            "author",
            "body",
            "body_html",
            "like_count",
            "liked",
            "hidden",
            "created_at",
            "edited_at",
        ]
        read_only_fields = fields


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A row by id, among those the caller may see: one they may not reads as one that does not exist.

    ``queryset`` names the model for the schema; ``visible_to(user)`` gives the rows looked in.
    """

    def __init__(self, visible_to, **kwargs):
        self.visible_to = visible_to
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.visible_to(self.context["request"].user)


def visibility_field(**kwargs) -> serializers.ChoiceField:
    help_text = "public: everyone; friends: your friends only."
    return serializers.ChoiceField(choices=Post.Visibility.choices, help_text=help_text, **kwargs)


class PostCreateSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=POST_MAX_LENGTH,
        allow_blank=True,
        default="",
        help_text="Plain text with a little markdown. May be empty for a post about an event (sharing it).",
    )
    event = VisibleRelatedField(
        Event.objects.visible_to,
        queryset=Event.objects.all(),
        allow_null=True,
        default=None,
        help_text="The id of an event the post is about.",
    )
    visibility = visibility_field(default=Post.Visibility.PUBLIC)


class PostEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=POST_MAX_LENGTH, allow_blank=True, required=False)
    visibility = visibility_field(required=False)


class ShareSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=POST_MAX_LENGTH, allow_blank=True, default="", help_text="Your words about it, if any."
    )
    visibility = visibility_field(default=Post.Visibility.PUBLIC)


class CommentCreateSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH)
    reply_to = VisibleRelatedField(
        visible_comments,
        queryset=Comment.objects.all(),
        allow_null=True,
        default=None,
        help_text="The id of the comment this replies to (a reply to a reply joins its thread).",
    )


class CommentEditSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH)


class LikesSerializer(serializers.Serializer):
    liked = serializers.BooleanField(help_text="Whether you like it now.")
    like_count = serializers.IntegerField(help_text="How many people like it now.")
