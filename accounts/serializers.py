"""API shapes for accounts: sign-up, tokens, the profile and the password change."""

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import serializers as jwt_serializers

from accounts.models import EMAIL_TAKEN, USERNAME_TAKEN, User
from accounts.services import (
    clear_failed_logins,
    ensure_login_allowed,
    record_failed_login,
    revoke_refresh_tokens,
)


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
        return User.objects.create_user(**validated_data)


class TokenObtainPairSerializer(jwt_serializers.TokenObtainPairSerializer):
    """simplejwt's sign-in, with the role and username in the token so clients need not ask."""

    @classmethod
    def get_token(cls, user):
        token = super().get_token(user)
        token["role"] = user.role
        token["username"] = user.username
        return token

    def validate(self, attrs):
        """The same lockout as the sign-in page: repeated failures lock a username or address out."""
        username = attrs.get(self.username_field, "")
        address = self.context["request"].META.get("REMOTE_ADDR", "")
        ensure_login_allowed(username=username, address=address)
        try:
            data = super().validate(attrs)
        except AuthenticationFailed:
            record_failed_login(username=username, address=address)
            raise
        clear_failed_logins(username=username)
        return data


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
        if not self.instance.check_password(value):
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
        revoke_refresh_tokens(user=instance)
        return instance
