from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    SetPasswordForm,
    UserCreationForm,
)

from accounts import services
from accounts.models import EMAIL_TAKEN, OrganizerRequest, User, timezone_choices
from eventhub.errors import DomainError

NOTE = OrganizerRequest._meta.get_field("note")


class SignUpForm(UserCreationForm):
    """Username, email, password twice and a role; the model's rules give the errors.

    When new organizers need approval, the page says so beside the role and asks what
    they organise (``organizer_note``); otherwise that field is not there.
    """

    role = forms.ChoiceField(
        choices=User.Role.choices,
        initial=User.Role.ATTENDEE,
        widget=forms.RadioSelect,
        help_text="Attendees book seats. Organizers run events from the organizer console.",
    )
    organizer_note = forms.CharField(
        label="What you organise (organizers only)",
        max_length=NOTE.max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=NOTE.help_text,
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "role")

    field_order = ("username", "email", "role", "organizer_note")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["email"].widget.attrs.update(autocomplete="email")
        if services.organizer_approval_on():
            self.fields["role"].help_text = (
                "Attendees book seats. Organizers run events from the organizer console: on this site "
                "the staff approve each new organizer, so you start as an attendee and your request "
                "awaits their approval."
            )
        else:
            del self.fields["organizer_note"]

    def clean_username(self):
        return self.cleaned_data.get("username")  # the model's clean() says when it is taken

    def validate_password_for_user(self, user, **kwargs):
        # A weak password is the first field's fault, not the confirmation's.
        super().validate_password_for_user(user, password_field_name="password1")


class ProfileForm(forms.ModelForm):
    """The profile. A new email address is not saved here: it changes once the link sent to it is
    opened (accounts.services.request_email_change), so the form only tells it (``new_email``)."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="A new address takes the place of this one once you open the link we email to it.",
    )
    timezone = forms.TypedChoiceField(
        choices=timezone_choices,
        help_text="Event times are also shown in this zone.",
    )

    class Meta:
        model = User
        fields = (
            "timezone",
            "email_reminders",
            "email_announcements",
            "display_name",
            "bio",
            "friends_see_my_events",
            "searchable",
        )

    field_order = ("email", "timezone", "email_reminders", "email_announcements")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].initial = self.instance.email
        self.fields["email"].widget.attrs.update(autocomplete="email")

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.is_taken("email", email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(EMAIL_TAKEN, code="email_taken")  # beside the other fields' errors
        return email

    @property
    def new_email(self) -> str | None:
        """The address asked for, when it is not the account's current one."""
        email = self.cleaned_data["email"]
        return email if email != self.instance.email else None


class OrganizerRequestForm(forms.ModelForm):
    """An attendee's request to become an organizer, from the profile (accounts.services checks it)."""

    class Meta:
        model = OrganizerRequest
        fields = ("note",)
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}


class LockoutMixin:
    """Authentication forms whose every check goes through the sign-in lockout (accounts.services.sign_in).

    ``refusal`` keeps the service's refusal, so the view can answer a cache outage with a 503.
    """

    refusal: DomainError | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.sign_in(request=self.request, username=username, password=password)
            except DomainError as refusal:
                self.refusal = refusal
                raise forms.ValidationError(refusal.message, code=refusal.code) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginForm(LockoutMixin, AuthenticationForm):
    """The site's sign-in form."""


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    """The admin's sign-in form: the same lockout as every other way in."""


class ResetPasswordForm(SetPasswordForm):
    """Django's choose-a-new-password form (opened from a reset link), saved by the accounts service."""

    def save(self, commit=True):
        return services.reset_password(user=self.user, password=self.cleaned_data["new_password1"])


class LockedPasswordChangeForm(PasswordChangeForm):
    """Django's password change, with the current-password check counted like a sign-in."""

    def __init__(self, user, *args, request=None, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self):
        old_password = self.cleaned_data["old_password"]
        try:
            correct = services.check_current_password(
                request=self.request, user=self.user, password=old_password
            )
        except DomainError as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from None
        if not correct:
            raise forms.ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        return old_password
