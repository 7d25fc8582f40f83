"""The friends API: your friends, friend requests, the people you block, and people search."""

import django_filters
from drf_spectacular.utils import (
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.api import UserFilter, UserViewSet
from accounts.serializers import UserSerializer
from community import friends
from community.models import Block, Friendship
from community.serializers_friends import (
    DIRECTIONS,
    BlockSerializer,
    FriendRequestSerializer,
    FriendSerializer,
    PeopleSearchSerializer,
    PersonChoiceSerializer,
    PersonSerializer,
)
from eventhub.api_errors import error_responses


class YourRowsViewSet(viewsets.GenericViewSet):
    """Rows that belong to the person signed in: ``rows_of(user)``, one query for a list."""

    permission_classes = (IsAuthenticated,)
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema is drawn with nobody signed in
            return self.serializer_class.Meta.model.objects.none()
        return self.rows_of(self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List your friends",
        description="Latest friendships first.",
        responses={200: FriendSerializer, **error_responses(401, 404)},
    ),
    destroy=extend_schema(
        summary="Remove a friend",
        description="Either friend may end a friendship (404 not_found when you are not friends).",
        responses={204: None, **error_responses(401, 404)},
    ),
)
class FriendViewSet(mixins.ListModelMixin, YourRowsViewSet):
    serializer_class = FriendSerializer
    lookup_url_kwarg = "user_id"

    def rows_of(self, user):
        rows = Friendship.objects.involving(user).filter(status=Friendship.Status.ACCEPTED)
        return rows.select_related("user_low", "user_high").order_by("-accepted_at", "-pk")

    def destroy(self, request, user_id):
        friends.remove_friend(by=request.user, friend=friends.find_person(pk=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class FriendRequestFilter(django_filters.FilterSet):
    direction = django_filters.ChoiceFilter(
        choices=DIRECTIONS, method="filter_direction", help_text="Only requests sent to you, or by you."
    )

    class Meta:
        model = Friendship
        fields = ["direction"]

    def filter_direction(self, queryset, name, value):
        sent_by_me = {"requested_by": self.request.user}
        return queryset.filter(**sent_by_me) if value == "outgoing" else queryset.exclude(**sent_by_me)


@extend_schema_view(
    list=extend_schema(
        summary="List your open friend requests",
        description="Requests sent to you and by you that wait for an answer, latest first.",
        responses={200: FriendRequestSerializer, **error_responses(400, 401, 404)},
    ),
    retrieve=extend_schema(responses={200: FriendRequestSerializer, **error_responses(401, 404)}),
    destroy=extend_schema(
        summary="Cancel a friend request you sent",
        description="403 not_allowed for a request sent to you (decline it instead).",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    ),
)
class FriendRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, YourRowsViewSet
):
    serializer_class = FriendRequestSerializer
    filterset_class = FriendRequestFilter

    def rows_of(self, user):
        rows = Friendship.objects.involving(user).filter(status=Friendship.Status.PENDING)
        return rows.select_related("user_low", "user_high", "requested_by").order_by("-created_at", "-pk")

    @extend_schema(
        summary="Ask someone to be friends",
        request=PersonChoiceSerializer,
        description="201 with the new request. When they had already asked you, that request is "
        "accepted instead: 200, status accepted. Refusals: 400 yourself, 409 already_friends, "
        "409 already_requested, 404 not_found when the id names nobody you may ask (a block either "
        "way reads the same, so it is not revealed).",
        responses={
            201: FriendRequestSerializer,
            200: OpenApiResponse(FriendRequestSerializer, "They had asked you: you are now friends."),
            **error_responses(400, 401, 404, 409),
        },
    )
    def create(self, request):
        choice = PersonChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        friendship = friends.request_friendship(by=request.user, to=choice.validated_data["user"])
        accepted = friendship.status == Friendship.Status.ACCEPTED
        code = status.HTTP_200_OK if accepted else status.HTTP_201_CREATED
        return Response(self.get_serializer(friendship).data, status=code)

    @extend_schema(
        summary="Accept a friend request sent to you",
        request=None,
        description="403 not_allowed for a request you sent.",
        responses={200: FriendRequestSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        friendship = friends.accept_request(friendship=self.get_object(), by=request.user)
        return Response(self.get_serializer(friendship).data)

    @extend_schema(
        summary="Decline a friend request sent to you",
        request=None,
        description="The request goes; its sender is not told and may ask again. "
        "403 not_allowed for a request you sent (cancel it instead).",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        friends.decline_request(friendship=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_destroy(self, instance):
        friends.cancel_request(friendship=instance, by=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List the people you block",
        responses={200: BlockSerializer, **error_responses(401, 404)},
    ),
    destroy=extend_schema(
        summary="Stop blocking someone",
        description="A block they hold on you stays. 404 not_found when you do not block them.",
        responses={204: None, **error_responses(401, 404)},
    ),
)
class BlockViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, YourRowsViewSet):
    serializer_class = BlockSerializer
    lookup_field = "blocked_id"
    lookup_url_kwarg = "user_id"

    def rows_of(self, user):
        blocks = Block.objects.filter(blocker=user)
        return blocks.select_related("blocked").order_by("-created_at", "-pk")

    @extend_schema(
        summary="Block someone",
        request=PersonChoiceSerializer,
        description="You and they no longer see, find, message or befriend each other; a friendship "
        "or friend request between you ends. Blocking again changes nothing. "
        "Refusals: 400 yourself, 404 not_found when the id names nobody.",
        responses={201: BlockSerializer, **error_responses(400, 401, 404)},
    )
    def create(self, request):
        choice = PersonChoiceSerializer(data=request.data)
        choice.is_valid(raise_exception=True)
        block = friends.block(by=request.user, whom=choice.validated_data["user"])
        return Response(self.get_serializer(block).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        friends.unblock(by=self.request.user, whom=instance.blocked)


class PeopleFilter(UserFilter):
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Site staff: part of the username or email address. Everyone else: part of a "
        f"username or display name, at least {friends.SEARCH_MIN_LENGTH} characters, in any case, "
        "accents or not.",
    )


@extend_schema_view(
    list=extend_schema(
        summary="Search people (everyone signed in); list accounts (site staff)",
        description="With ?search=, anyone signed in finds other people by username or display name: "
        "only those who let others find them and who are in no block with you, each as id, username, "
        "display name and bio, never an email address. Without it, only site staff may list (403), "
        "and staff always get whole accounts.",
        responses={
            200: PolymorphicProxySerializer(
                component_name="AccountOrPerson",
                serializers=[UserSerializer, PersonSerializer],
                resource_type_field_name=None,
                many=True,
            ),
            **error_responses(400, 401, 403, 404),
        },
    ),
)
class PeopleViewSet(UserViewSet):
    # The accounts API (its docstring describes the other operations), with people search on its list.
    filterset_class = PeopleFilter

    def get_permissions(self):
        if self.action == "list" and "search" in self.request.query_params:
            return [IsAuthenticated()]
        return super().get_permissions()

    def list(self, request, *args, **kwargs):
        if request.user.is_site_staff:
            return super().list(request, *args, **kwargs)
        query = PeopleSearchSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        people = friends.search_people(viewer=request.user, text=query.validated_data["search"])
        return self.get_paginated_response(PersonSerializer(self.paginate_queryset(people), many=True).data)
