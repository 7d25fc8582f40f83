"""The private messages API: your conversations and their messages; and reports of what is wrong.

A conversation is open to its two people only: site staff read reported messages
in the admin, not here.
"""

from functools import cached_property

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from community import messaging, reports
from community.models import Conversation, Message
from community.serializers_messages import (
    ConversationSerializer,
    ConversationStartSerializer,
    PrivateMessageCreateSerializer,
    PrivateMessageSerializer,
    ReportCreateSerializer,
    ReportSerializer,
)
from eventhub.api_errors import error_responses

REFUSALS = (
    "400 invalid_message (an empty body), 403 not_allowed (not friends: the same answer for anyone else, "
    "whatever the reason), 429 throttled (more than COMMUNITY_MESSAGES_PER_WINDOW messages, 60 by default, "
    "in COMMUNITY_LIMIT_WINDOW_SECONDS, ten minutes by default)."
)


@extend_schema_view(
    list=extend_schema(
        summary="List your conversations",
        description="The latest first, each with the other person, its last message and how many of "
        "their messages you have not read. A conversation stays after a friendship ends, to read.",
        responses={200: ConversationSerializer, **error_responses(400, 401, 404)},
    ),
)
class ConversationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = ConversationSerializer
    permission_classes = (IsAuthenticated,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn with nobody signed in
            return Conversation.objects.none()
        return messaging.conversations_of(self.request.user)

    @extend_schema(
        summary="Write to a friend",
        request=ConversationStartSerializer,
        description="Send a message to a friend, starting your conversation with them or adding to it: "
        f"201 with the conversation. Refusals: {REFUSALS}",
        responses={201: ConversationSerializer, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        serializer = ConversationStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to = messaging.find_recipient(pk=serializer.validated_data["user"])
        message = messaging.send_message(sender=request.user, to=to, body=serializer.validated_data["body"])
        conversation = self.get_queryset().get(pk=message.conversation_id)
        return Response(self.get_serializer(conversation).data, status=status.HTTP_201_CREATED)


CONVERSATION_ID = OpenApiParameter("conversation_id", int, OpenApiParameter.PATH, description="Its id.")


@extend_schema(parameters=[CONVERSATION_ID])
class ConversationMessagesView(generics.ListCreateAPIView):
    """The messages of one of your conversations (anyone else's is 404)."""

    serializer_class = PrivateMessageSerializer
    permission_classes = (IsAuthenticated,)

    @cached_property
    def conversation(self) -> Conversation:
        yours = Conversation.objects.involving(self.request.user).select_related("user_low", "user_high")
        return generics.get_object_or_404(yours, pk=self.kwargs["conversation_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Message.objects.none()
        return self.conversation.messages.select_related("sender").order_by("sent_at", "pk")

    @extend_schema(
        summary="Read a conversation",
        description="Oldest first (?page=last for the latest). Reading marks the other person's "
        "messages read.",
        responses={200: PrivateMessageSerializer, **error_responses(400, 401, 404)},
    )
    def get(self, request, conversation_id):
        messaging.mark_read(conversation=self.conversation, reader=request.user)
        return self.list(request)

    @extend_schema(
        summary="Write in a conversation",
        request=PrivateMessageCreateSerializer,
        description=f"Add a message: 201 with it. Refusals: {REFUSALS}",
        responses={201: PrivateMessageSerializer, **error_responses(400, 401, 403, 404)},
    )
    def post(self, request, conversation_id):
        serializer = PrivateMessageCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        to = self.conversation.other(request.user)
        message = messaging.send_message(sender=request.user, to=to, body=serializer.validated_data["body"])
        return Response(PrivateMessageSerializer(message).data, status=status.HTTP_201_CREATED)


class ReportView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        summary="Report a post, a comment or a message",
        request=ReportCreateSerializer,
        description="Tell site staff that something you can see is wrong (a message: one you sent or "
        "received). Name exactly one of post, comment and message (400 invalid_report otherwise). An id "
        "you cannot see is refused like one that does not exist. Reporting the same thing again answers "
        "with your first report, unchanged.",
        responses={201: ReportSerializer, **error_responses(400, 401, 404)},
    )
    def post(self, request):
        serializer = ReportCreateSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        report = reports.report(reporter=request.user, **serializer.validated_data)
        return Response(ReportSerializer(report).data, status=status.HTTP_201_CREATED)
