"""The forms of the feed and post pages. They check shapes only; community.posts decides the rest."""

from django import forms

from community.models import COMMENT_MAX_LENGTH, POST_MAX_LENGTH, Post
from eventhub.errors import DomainError


class PostForm(forms.Form):
    # Not required here: the service knows when words may be left out (a share, a post about an event).
    body = forms.CharField(
        label="Write a post",
        max_length=POST_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    visibility = forms.ChoiceField(
        label="Who sees it", choices=Post.Visibility.choices, initial=Post.Visibility.PUBLIC
    )


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Write a comment", max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The comment a reply answers; empty for a comment on the post itself.
    reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)


def write_with(form: forms.Form, write):
    """Call ``write`` with the form's cleaned data when it is valid; what it wrote, or None.

    A refusal of the service shows on the form, beside the field it is about.
    """
    if not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except DomainError as refusal:
        form.add_error(refusal.field if refusal.field in form.fields else None, refusal.message)
        return None
