"""Attendee messages in the organizers' console: write to an event's attendees, check, send, follow.

An organizer writes to and sees the messages of the events they run; site staff,
all of them. Writing is a page of its own: the message, then its preview (the
email as its first recipient gets it, and how many get it), then Send. The rules
are notifications.messages'; its refusals show on the form. A sent message is a
record: its page only shows it, with how far sending got.
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import ngettext

from eventhub.admin_tools import ConsoleAdminMixin, event_time
from eventhub.errors import DomainError
from events.admin import local_start
from events.forms import add_refusal
from events.models import Event
from notifications.messages import Preview, preview_organizer_message, send_organizer_message
from notifications.models import OrganizerMessage
from payments.admin import EventRowsMixin

WRITTEN_FIELDS = ("event", "audience", "subject", "body")
# The compose page's buttons: Preview shows the email, Send sends it, Change goes back to the text.
SEND, CHANGE = "_send", "_change"


def people(count: int) -> str:
    return ngettext("%(count)d person", "%(count)d people", count) % {"count": count}


class MessageForm(forms.ModelForm):
    """What the organizer writes, to one of the events they run."""

    class Meta:
        model = OrganizerMessage
        fields = WRITTEN_FIELDS
        widgets = {
            "subject": forms.TextInput(attrs={"class": "vTextField"}),
            "body": forms.Textarea(attrs={"class": "vLargeTextField", "rows": 12}),
        }
        help_texts = {
            "audience": "People who turned organizers' messages off in their profile are left out.",
            "body": "Plain text: it is sent as you write it, line breaks kept.",
        }

    def __init__(self, *args, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = events.order_by("-starts_at", "pk")
        self.fields["event"].label_from_instance = lambda event: f"{event.title}, {local_start(event)}"

    def service_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in WRITTEN_FIELDS}


@admin.register(OrganizerMessage)
class OrganizerMessageAdmin(EventRowsMixin, ConsoleAdminMixin, admin.ModelAdmin):
    event_path = "event"
    list_display = ("subject", "event", "audience", "sender", "written", "progress")
    list_filter = ("audience", ("event", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("event", "sent_by")
    search_fields = ("subject",)
    # Every message on record has been sent: its page shows it and how far sending got.
    fields = (*WRITTEN_FIELDS, "sender", "written", "progress")
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="sent by")
    def sender(self, message):
        # Named, not linked: an organizer may not open the accounts of staff who wrote for them.
        return message.sent_by or self.get_empty_value_display()

    @admin.display(description="written", ordering="created_at")
    def written(self, message):
        return event_time(message.created_at, message.event)

    @admin.display(description="sent")
    def progress(self, message):
        sent = f"{message.sent_count} of {people(message.recipients)}"
        if message.finished_at is None:
            return f"Sending: {sent} so far"
        return f"Sent to {sent}; done {event_time(message.finished_at, message.event)}"

    def add_view(self, request, form_url="", extra_context=None):
        """Write, preview, send: nothing goes before the preview page's Send button is pressed."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        events = Event.objects.managed_by(request.user)
        if request.method != "POST":
            initial = self.get_changeform_initial_data(request)  # ?event=<id> from the event's page
            return self.compose_page(request, MessageForm(initial=initial, events=events))
        form = MessageForm(request.POST, events=events)
        if not form.is_valid() or CHANGE in request.POST:
            return self.compose_page(request, form)
        try:
            if SEND in request.POST:
                return self.sending(request, send_organizer_message(**form.service_fields(), by=request.user))
            preview = preview_organizer_message(**form.service_fields(), by=request.user)
        except DomainError as refusal:
            add_refusal(form, refusal)
            preview = None
        return self.compose_page(request, form, preview)

    def compose_page(self, request, form: MessageForm, preview: Preview | None = None):
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Check and send" if preview else "Email attendees",
            "form": form,
            "preview": preview,
            "per_day": settings.ORGANIZER_MESSAGES_PER_DAY,
        }
        return TemplateResponse(request, "admin/notifications/organizermessage/compose.html", context)

    def sending(self, request, message: OrganizerMessage):
        self.log_addition(request, message, [{"added": {}}])
        self.message_user(
            request,
            f"Sending “{message.subject}” to {people(message.recipients)}. This page shows how far it got.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:notifications_organizermessage_change", args=[message.pk]))
