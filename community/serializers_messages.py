"""Conversations, private messages and reports as the API shows and takes them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from community.feeds import visible_comments, visible_posts
from community.messaging import messages_of
from community.models import MESSAGE_MAX_LENGTH, Comment, Conversation, Message, Post, Report
from community.reports import REASON_MAX_LENGTH
from community.serializers_posts import AuthorSerializer, VisibleRelatedField, WrittenSerializer


class LastMessageSerializer(serializers.Serializer):
    body = serializers.CharField(source="last_message_body")
    from_you = serializers.SerializerMethodField(help_text="Whether you sent it.")
    sent_at = serializers.DateTimeField(source="last_message_at")

    def get_from_you(self, conversation: Conversation) -> bool:
        return conversation.last_message_sender_id == self.context["request"].user.pk


class ConversationSerializer(serializers.ModelSerializer):
    """One of your conversations. Read from messaging.conversations_of, which adds the counts."""

    with_user = serializers.SerializerMethodField(help_text="The other person.")
    last_message = LastMessageSerializer(source="*", read_only=True)
    unread_count = serializers.IntegerField(read_only=True, help_text="Their messages you have not read.")

    class Meta:
        model = Conversation
        fields = ["id", "with_user", "last_message", "unread_count"]
        read_only_fields = fields

    @extend_schema_field(AuthorSerializer)
    def get_with_user(self, conversation: Conversation) -> dict:
        return AuthorSerializer(conversation.other(self.context["request"].user)).data


class PrivateMessageSerializer(WrittenSerializer):
    author = AuthorSerializer(source="sender", read_only=True)

    class Meta:
        model = Message
        fields = ["id", "author", "body", "body_html", "sent_at", "read_at"]
        read_only_fields = fields


def body_field() -> serializers.CharField:
    # Kept as typed (the service refuses a body of nothing but spaces, in its own words).
    return serializers.CharField(
        max_length=MESSAGE_MAX_LENGTH, allow_blank=True, trim_whitespace=False, help_text="Plain text."
    )


class PrivateMessageCreateSerializer(serializers.Serializer):
    body = body_field()


class ConversationStartSerializer(PrivateMessageCreateSerializer):
    user = serializers.IntegerField(min_value=1, help_text="The id of the friend you write to.")


class ReportCreateSerializer(serializers.Serializer):
    """What is reported (one of post, comment and message) and why. The thing must be one you can
    see (a message: one you sent or received); any other id is refused as one that does not exist."""

    post = VisibleRelatedField(visible_posts, queryset=Post.objects.all(), required=False)
    comment = VisibleRelatedField(visible_comments, queryset=Comment.objects.all(), required=False)
    message = VisibleRelatedField(messages_of, queryset=Message.objects.all(), required=False)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, help_text="What is wrong with it.")


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = Report
        fields = ["id", "post", "comment", "message", "reason", "created_at"]
        read_only_fields = fields
