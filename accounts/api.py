"""The accounts API: sign-up, JWT sign-in, refresh and sign-out, password reset, profiles."""

import django_filters
from django.contrib.auth import update_session_auth_hash
from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework_simplejwt import views as jwt_views

from accounts import services
from accounts.models import OrganizerRequest, User
from accounts.serializers import (
    CalendarFeedSerializer,
    MessageSerializer,
    OrganizerRequestSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RefreshTokenSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    TokenObtainPairSerializer,
    TokenPairSerializer,
    TokenRefreshSerializer,
    UserSerializer,
)
from eventhub.api_errors import error_responses
from eventhub.errors import DomainError, ErrorCode
from eventhub.net import client_address
from eventhub.permissions import IsSiteStaff
from eventhub.throttling import AuthRateThrottle


class PublicAuthEndpoint:
    """No authentication needed (a stale token must not block sign-in) and the strict "auth" rate."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (AuthRateThrottle,)
    throttle_scope = "auth"


@extend_schema(tags=["auth"], responses={201: RegisteredSerializer, **error_responses(400)})
class RegisterView(PublicAuthEndpoint, generics.CreateAPIView):
    """Create an account (attendee or organizer). When the site takes organizers on approval, choosing
    the organizer role makes an attendee account with a request awaiting staff's approval."""

    serializer_class = RegisterSerializer


@extend_schema(
    tags=["auth"],
    request=TokenObtainPairSerializer,
    responses={200: TokenPairSerializer, **error_responses(400, 401)},
)
class TokenObtainView(PublicAuthEndpoint, jwt_views.TokenObtainPairView):
    """Sign in: an access token (with role and username claims) and a refresh token."""

    serializer_class = TokenObtainPairSerializer


@extend_schema(
    tags=["auth"],
    request=RefreshTokenSerializer,
    responses={200: TokenPairSerializer, **error_responses(400, 401)},
)
class TokenRefreshView(PublicAuthEndpoint, jwt_views.TokenRefreshView):
    """Trade a refresh token for a new pair; the old refresh token stops working."""

    serializer_class = TokenRefreshSerializer


@extend_schema(
    tags=["auth"],
    request=RefreshTokenSerializer,
    responses={205: OpenApiResponse(description="Signed out."), **error_responses(400, 401)},
)
class LogoutView(jwt_views.TokenBlacklistView):
    """Sign out: the refresh token is blacklisted. Holding it is the credential, so no sign-in is needed."""

    def post(self, request, *args, **kwargs):
        super().post(request, *args, **kwargs)
        return Response(status=status.HTTP_205_RESET_CONTENT)


@extend_schema(tags=["auth"], responses={202: MessageSerializer, **error_responses(400)})
class PasswordResetView(PublicAuthEndpoint, generics.GenericAPIView):
    """Email a link to choose a new password. The answer is the same whether or not an account uses
    the address (and nothing is sent once the address was asked for too often)."""

    serializer_class = PasswordResetSerializer

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        services.request_password_reset(email=email, address=client_address(request))
        return Response({"detail": services.RESET_LINK_SENT}, status=status.HTTP_202_ACCEPTED)


@extend_schema(tags=["auth"], responses={204: None, **error_responses(400)})
class PasswordResetConfirmView(PublicAuthEndpoint, generics.GenericAPIView):
    """Choose a new password with the emailed link's uid and token (400 invalid_token once it was used,
    expired or the password changed). Signs the account out of every API client."""

    serializer_class = PasswordResetConfirmSerializer

    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", help_text="Part of the username or email address (any case)."
    )

    class Meta:
        model = User
        fields = ["search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(Q(username__icontains=value) | Q(email__icontains=value))


@extend_schema_view(
    list=extend_schema(
        summary="List accounts (site staff)",
        responses={200: UserSerializer, **error_responses(400, 401, 403, 404)},
    ),
    retrieve=extend_schema(responses={200: UserSerializer, **error_responses(401, 404)}),
    partial_update=extend_schema(responses={200: UserSerializer, **error_responses(400, 401, 404)}),
    destroy=extend_schema(
        description="Delete an account: its bookings are cancelled first so the seats go back. "
        "Organizers who run events get 409 has_events.",
        responses={204: None, **error_responses(401, 404, 409)},
    ),
)
class UserViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Accounts: each person sees and changes their own; site staff see everyone. Others get 404."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    permission_classes = (IsAuthenticated,)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return User.objects.visible_to(self.request.user).order_by("username")

    def get_permissions(self):
        if self.action == "list":
            return [IsAuthenticated(), IsSiteStaff()]
        return super().get_permissions()

    def get_object(self):
        if self.action in ("me", "password"):
            return self.request.user
        return super().get_object()

    def perform_destroy(self, instance):
        services.delete_account(user=instance, by=self.request.user)

    @extend_schema(methods=["GET"], responses={200: UserSerializer, **error_responses(401)})
    @extend_schema(methods=["PATCH"], responses={200: UserSerializer, **error_responses(400, 401)})
    @action(detail=False, methods=["get", "patch"])
    def me(self, request):
        """Your own profile."""
        if request.method == "PATCH":
            return self.partial_update(request)
        return self.retrieve(request)

    @extend_schema(responses={204: None, **error_responses(400, 401)})
    @action(detail=False, methods=["post"], url_path="me/password", serializer_class=PasswordChangeSerializer)
    def password(self, request):
        """Change your password; a browser session stays signed in."""
        user = self.get_object()
        serializer = self.get_serializer(user, data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        if isinstance(request.successful_authenticator, SessionAuthentication):
            update_session_auth_hash(request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={202: MessageSerializer, **error_responses(401, 409)})
    @action(detail=False, methods=["post"], url_path="me/verify-email")
    def verify_email(self, request):
        """Email another link to confirm your address (a few an hour; 409 already_verified once it is)."""
        services.resend_email_verification(user=request.user, address=client_address(request))
        message = f"We sent a new link to {request.user.email}."
        return Response({"detail": message}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={200: CalendarFeedSerializer, **error_responses(401)})
    @action(detail=False, methods=["post"], url_path="me/calendar-feed")
    def calendar_feed(self, request):
        """Make (or remake) the secret address of your calendar feed; an old one stops working at once."""
        user = services.reset_calendar_token(user=request.user)
        return Response({"calendar_feed_url": request.build_absolute_uri(user.calendar_feed_path)})

    @extend_schema(methods=["GET"], responses={200: OrganizerRequestSerializer, **error_responses(401, 404)})
    @extend_schema(
        methods=["POST"], responses={201: OrganizerRequestSerializer, **error_responses(400, 401, 404, 409)}
    )
    @action(
        detail=False,
        methods=["get", "post"],
        url_path="me/organizer-request",
        serializer_class=OrganizerRequestSerializer,
    )
    def organizer_request(self, request):
        """Your latest request to become an organizer (GET), or a new one (POST, with an optional
        ``note``). Only when the site takes organizers on approval (otherwise 404). One request awaits
        approval at a time (409 already_requested); after a decline, ask again from ``ask_again_at``
        (409 declined_recently); organizers have nothing to ask (409 already_organizer)."""
        if request.method == "POST":
            serializer = self.get_serializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            serializer.save()
            return Response(serializer.data, status=status.HTTP_201_CREATED)
        return Response(self.get_serializer(self._latest_organizer_request()).data)

    def _latest_organizer_request(self) -> OrganizerRequest:
        latest = services.organizer_approval_on() and OrganizerRequest.objects.latest_of(self.request.user)
        if not latest:
            raise DomainError(ErrorCode.NOT_FOUND, "You have not asked to become an organizer.")
        return latest
