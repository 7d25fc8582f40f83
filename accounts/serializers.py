"""API shapes for accounts: sign-up, tokens, the profile and the password change."""

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts import services
from accounts.models import EMAIL_TAKEN, USERNAME_TAKEN, User


def _password_errors(password: str, user: User) -> list[str]:
    """Django's password validators (AUTH_PASSWORD_VALIDATORS), as a list of messages."""
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        return list(exc.messages)
    return []


class RegisterSerializer(serializers.ModelSerializer):
    """A new account. The password is checked by Django's validators and never echoed back."""

    username = serializers.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style={"input_type": "password"})
    role = serializers.ChoiceField(choices=User.Role.choices)

    class Meta:
        model = User
        fields = ["id", "username", "email", "password", "role"]

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

    def create(self, validated_data):
        return services.register_account(**validated_data)


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
    """A profile. Username, email and role are fixed here; the time zone must be a known IANA name."""

    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "first_name", "last_name", "timezone", "date_joined"]
        read_only_fields = ["username", "email", "role", "date_joined"]


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
