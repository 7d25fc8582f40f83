from django import forms
from django.contrib.auth.forms import UserCreationForm

from accounts.models import User, timezone_choices


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
