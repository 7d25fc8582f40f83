"""API shapes for accounts: sign-up, tokens, the profile, the password change and reset."""

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts import services
from accounts.models import EMAIL_TAKEN, USERNAME_TAKEN, OrganizerRequest, User
from eventhub.net import client_address


def _password_errors(password: str, user: User) -> list[str]:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), as a list of messages."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []


# Named apart from the events API's "Organizer", whose request body would be "OrganizerRequest" too.
@extend_schema_serializer(component_name="OrganizerApplication")
class OrganizerRequestSerializer(serializers.ModelSerializer):
    """A request to become an organizer, and what became of it."""

    ask_again_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When a declined person may ask again (null otherwise)."
    )

    class Meta:
        model = OrganizerRequest
        fields = ["id", "status", "note", "created_at", "decided_at", "ask_again_at"]
        read_only_fields = ["status", "created_at", "decided_at"]

    def create(self, validated_data):
        return services.request_organizer_role(user=self.context["request"].user, **validated_data)


class RegisterSerializer(serializers.ModelSerializer):
    """A new account. The password is checked by Django's validators and never echoed back.

    When new organizers need approval, choosing the organizer role makes an attendee
    account with a request to become one: the answer then carries ``organizer_request``
    and a ``detail`` saying so.
    """

    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=User.Role.choices)
    organizer_note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=services.NOTE_MAX_LENGTH,
        help_text="What you organise, for the staff who approve new organizers (read only when the "
        "site takes organizers on approval and the role is organizer).",
    )

    class Meta:
        model = User
        fields = ["id", "username", "email", "password", "role", "organizer_note"]

    def validate_username(self, value):
        value = User.normalize_username(value)
        if User.objects.is_taken("username", value):
            raise serializers.ValidationError(USERNAME_TAKEN)
        return value

    def validate_email(self, value):
        value = User.objects.normalize_email(value)
        if User.objects.is_taken("email", value):
            raise serializers.ValidationError(EMAIL_TAKEN)
        return value

    def validate(self, attrs):
        candidate = User(username=attrs["username"], email=attrs["email"], role=attrs["role"])
        errors = _password_errors(attrs["password"], candidate)
        if errors:
            raise serializers.ValidationError({"password": errors})
        return attrs

    made_request: OrganizerRequest | None = None

    def create(self, validated_data):
        user = services.register_account(**validated_data)
        if validated_data["role"] == User.Role.ORGANIZER and not user.is_organizer:
            self.made_request = OrganizerRequest.objects.pending().get(user=user)
        return user

    def to_representation(self, user):
        data = super().to_representation(user)
        if self.made_request is not None:
            data["organizer_request"] = OrganizerRequestSerializer(self.made_request).data
            data["detail"] = services.AWAITS_APPROVAL
        return data


class RegisteredSerializer(RegisterSerializer):
    """What sign-up answers (for the schema): the account, and the request it made, if any."""

    organizer_request = OrganizerRequestSerializer(
        required=False, help_text="With organizer sign-up on approval: the request awaiting it."
    )
    detail = serializers.CharField(required=False, help_text="That the request awaits approval.")

    class Meta(RegisterSerializer.Meta):
        fields = [*RegisterSerializer.Meta.fields, "organizer_request", "detail"]


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    """simplejwt's sign-in, with the role and username in the token so clients need not ask."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["role"] = user.role
        token["username"] = user.username
        return token

    def validate(self, attrs):
        """Sign in through the one lockout that every way in shares (accounts.services.sign_in)."""
        self.user = services.sign_in(
            request=self.context["request"],
            username=attrs[self.username_field],
            password=attrs["password"],
        )
        if self.user is None or not jwt_settings.USER_AUTHENTICATION_RULE(self.user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        refresh = self.get_token(self.user)
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class TokenRefreshSerializer(jwt_serializers.TokenRefreshSerializer):
    """A new pair for a refresh token, which is redeemed at most once however many requests race."""

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])  # signature, expiry and blacklist
        user_id = refresh.payload.get(jwt_settings.USER_ID_CLAIM)
        user = User.objects.filter(pk=user_id).first()
        if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(self.error_messages["no_active_account"], "no_active_account")
        access = str(refresh.access_token)
        services.rotate_refresh_token(token=refresh)
        return {"access": access, "refresh": str(refresh)}


class TokenPairSerializer(serializers.Serializer):
    """The answer of sign-in and refresh: a short-lived access token and a single-use refresh token."""

    access = serializers.CharField(read_only=True)
    refresh = serializers.CharField(read_only=True)


class RefreshTokenSerializer(serializers.Serializer):
    refresh = serializers.CharField()


class UserSerializer(serializers.ModelSerializer):
    """A profile. Username and role are fixed here; the time zone must be a known IANA name."""

    email = serializers.EmailField(
        max_length=254,
        help_text="The account's address. Setting another one changes nothing yet: it emails a link to "
        "the new address (and a notice to this one), and the address changes when the link is opened.",
    )
    email_verified = serializers.BooleanField(
        read_only=True,
        help_text="Whether the address was confirmed by opening the link emailed to it. "
        "Organizers publish only once it is.",
    )
    calendar_feed_url = serializers.SerializerMethodField(
        help_text="The secret address of your calendar feed of tickets, if you made one "
        "(POST me/calendar-feed/); shown to its owner only."
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "email_verified",
            "role",
            "first_name",
            "last_name",
            "timezone",
            "email_reminders",
            "email_announcements",
            "display_name",
            "bio",
            "friends_see_my_events",
            "searchable",
            "calendar_feed_url",
            "date_joined",
        ]
        read_only_fields = ["username", "role", "date_joined"]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_calendar_feed_url(self, user) -> str | None:
        request = self.context["request"]
        if user != request.user or not user.calendar_feed_path:
            return None
        return request.build_absolute_uri(user.calendar_feed_path)

    def validate_email(self, value):
        return User.objects.normalize_email(value)

    def update(self, instance, validated_data):
        new_email = validated_data.pop("email", instance.email)
        if new_email != instance.email:
            request = self.context["request"]
            services.request_email_change(user=instance, new_email=new_email, address=client_address(request))
        return super().update(instance, validated_data)


class MessageSerializer(serializers.Serializer):
    """What was done, in plain words."""

    detail = serializers.CharField(read_only=True)


class CalendarFeedSerializer(serializers.Serializer):
    calendar_feed_url = serializers.URLField(
        read_only=True, help_text="Your calendar feed's new secret address."
    )


class PasswordResetSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254, help_text="The address of the account.")


class PasswordResetConfirmSerializer(serializers.Serializer):
    """The new password, with the two parts of the emailed link: /accounts/password-reset/<uid>/<token>/."""

    uid = serializers.CharField(
        max_length=64, help_text="The part of the emailed link after /password-reset/."
    )
    token = serializers.CharField(max_length=128, help_text="The last part of the emailed link.")
    new_password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs):
        user = services.password_reset_user(uid=attrs["uid"], token=attrs["token"])  # or invalid_token
        errors = _password_errors(attrs["new_password"], user)
        if errors:
            raise serializers.ValidationError({"new_password": errors})
        return {**attrs, "user": user}

    def create(self, validated_data):
        return services.reset_password(user=validated_data["user"], password=validated_data["new_password"])


class PasswordChangeSerializer(serializers.Serializer):
    """Changing a password needs the current one; the new one passes Django's validators."""

    old_password = serializers.CharField(write_only=True, trim_whitespace=False)
    new_password = serializers.CharField(write_only=True, trim_whitespace=False)

    def validate_old_password(self, value):
        request = self.context["request"]
        if not services.check_current_password(request=request, user=self.instance, password=value):
            raise serializers.ValidationError("Your current password is not correct.")
        return value

    def validate_new_password(self, value):
        errors = _password_errors(value, self.instance)
        if errors:
            raise serializers.ValidationError(errors)
        return value

    def update(self, instance, validated_data):
        instance.set_password(validated_data["new_password"])
        instance.save(update_fields=["password"])
        services.revoke_refresh_tokens(user=instance)
        return instance
