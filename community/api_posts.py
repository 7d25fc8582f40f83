"""The posts API: posts, the feed, comments, likes, shares and hiding. The rules live in
community.posts (writes) and community.feeds (who sees what)."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from community.feeds import comments_as_shown, feed, posts_as_shown, visible_comments, visible_posts
from community.models import Comment, Post
from community.posts import (
    create_comment,
    create_post,
    delete_comment,
    delete_post,
    edit_comment,
    edit_post,
    hide,
    like,
    share,
    unhide,
    unlike,
)
from community.serializers_posts import (
    CommentCreateSerializer,
    CommentEditSerializer,
    CommentSerializer,
    LikesSerializer,
    PostCreateSerializer,
    PostEditSerializer,
    PostSerializer,
    ShareSerializer,
)
from eventhub.api_errors import error_responses
from events.filters import IdFilter

WRITE_ERRORS = error_responses(400, 401, 403, 404)
HIDDEN_RULE = (
    "Hidden ones are shown, marked hidden, only to their author, the organizer of the event they are "
    "about and site staff."
)


class PostFilter(django_filters.FilterSet):
    event = IdFilter(field_name="event_id", help_text="Only posts about this event id.")

    class Meta:
        model = Post
        fields = ["event"]


class WrittenViewSet(viewsets.GenericViewSet):
    """What posts and comments answer alike: likes, hiding, and the item as its reader sees it.

    Subclasses document the item hide and unhide answer with.
    """

    lookup_value_regex = r"\d+"

    def shown(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        """The item read again as the caller sees it (with their like and its counts)."""
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data, status=status_code)

    @extend_schema(
        request=None,
        description="POST likes it, once (liking it again changes nothing); DELETE takes your like back "
        "(without one, nothing changes). Hidden items cannot be liked (403 not_allowed).",
        responses={200: LikesSerializer, **error_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["post", "delete"], permission_classes=[IsAuthenticated])
    def like(self, request, pk=None):
        """Like it, or take your like back."""
        target = self.get_object()
        liking = request.method == "POST"
        count = (like if liking else unlike)(by=request.user, target=target)
        return Response(LikesSerializer({"liked": liking, "like_count": count}).data)

    @extend_schema(
        request=None,
        description="Hide it from everyone but its author, the organizer of the event it is about and "
        "site staff, who alone may hide it (403 not_allowed). It is kept, not deleted.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def hide(self, request, pk=None):
        """Hide it (moderators)."""
        return self.shown(hide(target=self.get_object(), by=request.user).pk)

    @extend_schema(
        request=None,
        description="Show a hidden item again (the event's organizer and site staff).",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def unhide(self, request, pk=None):
        """Show it again (moderators)."""
        return self.shown(unhide(target=self.get_object(), by=request.user).pk)


@extend_schema_view(
    list=extend_schema(
        description="Posts you can see, newest first: public ones, your friends' friends-only ones and your "
        f"own; nothing by anyone you block or who blocks you. {HIDDEN_RULE}",
        responses={200: PostSerializer, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(responses={200: PostSerializer, **error_responses(404)}),
    hide=extend_schema(responses={200: PostSerializer, **WRITE_ERRORS}),
    unhide=extend_schema(responses={200: PostSerializer, **WRITE_ERRORS}),
)
class PostViewSet(WrittenViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    serializer_class = PostSerializer
    filterset_class = PostFilter

    def get_queryset(self):
        return posts_as_shown(visible_posts(self.request.user), self.request.user)

    @extend_schema(
        request=PostCreateSerializer,
        description="Post, about an event or not. A post about an event may leave body empty: it shares "
        "the event. An event you cannot see is a field error on event. 400 invalid_body (empty, or "
        "too long), 429 throttled when you post too fast.",
        responses={201: PostSerializer, **error_responses(400, 401)},
    )
    def create(self, request):
        """Write a post."""
        serializer = PostCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        post = create_post(author=request.user, **serializer.validated_data)
        return self.shown(post.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=PostEditSerializer,
        description="Change your post's body or visibility (anyone else: 403 not_allowed).",
        responses={200: PostSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, pk=None):
        """Edit your post."""
        serializer = PostEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = edit_post(post=self.get_object(), by=request.user, **serializer.validated_data)
        return self.shown(post.pk)

    @extend_schema(
        description="Delete a post with its comments and likes: its author or site staff (403 not_allowed). "
        "Its shares stay, without it.",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def destroy(self, request, pk=None):
        """Delete a post."""
        delete_post(post=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ShareSerializer,
        description="Share a post with your readers, with words of your own or none; a share of a share "
        "shares the original. Friends-only and hidden posts cannot be shared (403 not_allowed); "
        "429 throttled when you post too fast.",
        responses={201: PostSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def share(self, request, pk=None):
        """Share a post."""
        serializer = ShareSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        shared = share(by=request.user, post=self.get_object(), **serializer.validated_data)
        return self.shown(shared.pk, status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        description="Your feed, newest first: your posts, your friends' posts, and posts about the events "
        "you hold a place at.",
        responses={200: PostSerializer, **error_responses(400, 404)},
    )
)
class FeedViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = PostSerializer
    permission_classes = (IsAuthenticated,)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Post.objects.none()
        return posts_as_shown(feed(self.request.user), self.request.user)


POST_ID = OpenApiParameter("post_id", int, OpenApiParameter.PATH, description="The post's id.")


@extend_schema_view(
    list=extend_schema(
        parameters=[POST_ID],
        description="A post's comments and replies, oldest first (a reply names the comment it is under "
        "in reply_to); none by anyone you block or who blocks you. " + HIDDEN_RULE,
        responses={200: CommentSerializer, **error_responses(400, 404)},
    ),
)
class PostCommentViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The comments of one post."""

    serializer_class = CommentSerializer

    def commented_post(self) -> Post:
        """The address's post: 404 when the caller cannot see it."""
        return get_object_or_404(visible_posts(self.request.user), pk=self.kwargs["post_id"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        viewer = self.request.user
        return comments_as_shown(visible_comments(viewer).filter(post=self.commented_post()), viewer)

    @extend_schema(
        parameters=[POST_ID],
        request=CommentCreateSerializer,
        description="Comment on a post you can see, or reply to one of its comments. Hidden posts and "
        "comments take no replies (403 not_allowed); 400 invalid_body; 429 throttled when you write "
        "too fast.",
        responses={201: CommentSerializer, **WRITE_ERRORS},
    )
    def create(self, request, post_id=None):
        """Write a comment."""
        serializer = CommentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        comment = create_comment(post=self.commented_post(), author=request.user, **serializer.validated_data)
        shown = comments_as_shown(Comment.objects.filter(pk=comment.pk), request.user).get()
        return Response(self.get_serializer(shown).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    hide=extend_schema(responses={200: CommentSerializer, **WRITE_ERRORS}),
    unhide=extend_schema(responses={200: CommentSerializer, **WRITE_ERRORS}),
)
class CommentViewSet(WrittenViewSet):
    serializer_class = CommentSerializer

    def get_queryset(self):
        return comments_as_shown(visible_comments(self.request.user), self.request.user)

    @extend_schema(
        request=CommentEditSerializer,
        description="Change your comment's body (anyone else: 403 not_allowed).",
        responses={200: CommentSerializer, **WRITE_ERRORS},
    )
    def partial_update(self, request, pk=None):
        """Edit your comment."""
        serializer = CommentEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = edit_comment(comment=self.get_object(), by=request.user, **serializer.validated_data)
        return self.shown(comment.pk)

    @extend_schema(
        description="Delete a comment and the replies under it: its author or site staff (403 not_allowed).",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    def destroy(self, request, pk=None):
        """Delete a comment."""
        delete_comment(comment=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
