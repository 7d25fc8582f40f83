"""The REST API under /api/: the router, JWT sign-in and the OpenAPI docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import (
    LogoutView,
    PasswordResetConfirmView,
    PasswordResetView,
    RegisterView,
    TokenObtainView,
    TokenRefreshView,
)
from bookings.api import BookingViewSet, EventBookingsView, EventCheckInsView, EventCheckInView
from community.api_friends import BlockViewSet, FriendRequestViewSet, FriendViewSet, PeopleViewSet
from community.api_messages import ConversationMessagesView, ConversationViewSet, ReportView
from community.api_posts import CommentViewSet, FeedViewSet, PostCommentViewSet, PostViewSet
from eventhub.api_errors import api_not_found
from events.api import CategoryViewSet, EventViewSet, QuestionViewSet, SeriesViewSet, TicketTypeViewSet
from payments.api import InvoiceViewSet, PaymentViewSet, RefundViewSet

router = DefaultRouter()
router.register("events", EventViewSet, basename="event")
router.register("categories", CategoryViewSet, basename="category")
router.register(r"events/(?P<event_id>\d+)/ticket-types", TicketTypeViewSet, basename="ticket-type")
router.register(r"events/(?P<event_id>\d+)/questions", QuestionViewSet, basename="question")
router.register("series", SeriesViewSet, basename="series")
router.register("bookings", BookingViewSet, basename="booking")
router.register("payments", PaymentViewSet, basename="payment")
router.register("refunds", RefundViewSet, basename="refund")
router.register("invoices", InvoiceViewSet, basename="invoice")
# The accounts API, with the community's people search on its list.
router.register("users", PeopleViewSet, basename="user")
router.register("friends/requests", FriendRequestViewSet, basename="friend-request")
router.register("friends", FriendViewSet, basename="friend")
router.register("blocks", BlockViewSet, basename="block")
router.register("posts", PostViewSet, basename="post")
router.register(r"posts/(?P<post_id>\d+)/comments", PostCommentViewSet, basename="post-comment")
router.register("comments", CommentViewSet, basename="comment")
router.register("feed", FeedViewSet, basename="feed")
router.register("conversations", ConversationViewSet, basename="conversation")

urlpatterns = [
    path("auth/register/", RegisterView.as_view(), name="auth-register"),
    path("auth/token/", TokenObtainView.as_view(), name="auth-token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="auth-token-refresh"),
    path("auth/logout/", LogoutView.as_view(), name="auth-logout"),
    path("auth/password-reset/", PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm/", PasswordResetConfirmView.as_view(), name="auth-password-reset-confirm"
    ),
    path("events/<int:event_id>/bookings/", EventBookingsView.as_view(), name="event-bookings"),
    path("events/<int:event_id>/check-ins/", EventCheckInsView.as_view(), name="event-check-ins"),
    path(
        "events/<int:event_id>/check-ins/<int:booking_id>/", EventCheckInView.as_view(), name="event-check-in"
    ),
    path(
        "conversations/<int:conversation_id>/messages/",
        ConversationMessagesView.as_view(),
        name="conversation-messages",
    ),
    path("reports/", ReportView.as_view(), name="report"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file: the site's CSP forbids inline scripts.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    *router.urls,
    # Last: any other address ending in a slash, even one holding an encoded line break (which
    # "." would not match), answers with a JSON 404. Addresses without the slash are first
    # redirected to it by APPEND_SLASH, so they end here too.
    re_path(r"^[\s\S]*/$", api_not_found),
]
