from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from accounts.models import User, timezone_choices
from accounts.services import clear_failed_logins, ensure_login_allowed, record_failed_login
from eventhub.errors import DomainError


class SignUpForm(UserCreationForm):
    """Username, email, password twice and a role; the model's rules give the errors."""

    role = forms.ChoiceField(
        choices=User.Role.choices,
        initial=User.Role.ATTENDEE,
        widget=forms.RadioSelect,
        help_text="Attendees book seats. Organizers run events from the organizer console.",
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["username"].widget.attrs.update(autocomplete="username")
        self.fields["email"].widget.attrs.update(autocomplete="email")


class ProfileForm(forms.ModelForm):
    timezone = forms.TypedChoiceField(
        choices=timezone_choices,
        help_text="Event times are also shown in this zone.",
    )

    class Meta:
        model = User
        fields = ("email", "timezone")


class LoginForm(AuthenticationForm):
    """Django's sign-in form, locked for a while after repeated failures for one username or address."""

    def clean(self):
        username = self.data.get("username", "")
        address = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        try:
            ensure_login_allowed(username=username, address=address)
        except DomainError as refusal:
            raise forms.ValidationError(refusal.message, code=refusal.code) from None
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            record_failed_login(username=username, address=address)
            raise
        clear_failed_logins(username=username)
        return cleaned
