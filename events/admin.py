"""The organizers' console: their events, checked by the services' rules and saved through the services.

An organizer sees and runs only their own events; site staff see them all.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin import TimezoneSelectMixin
from bookings.admin import BookingInline
from bookings.admin_csv import bookings_csv_response
from bookings.models import Booking
from eventhub.admin_tools import (
    ConsoleAdminMixin,
    OrganizerScopedMixin,
    ask_then_report_each,
    event_time,
    report_each,
)
from eventhub.errors import DomainError
from events import services
from events.models import CAPACITY_RANGE_MESSAGE, MAX_CAPACITY, MIN_CAPACITY, Event

admin.site.site_header = "eventhub admin"
admin.site.site_title = "eventhub"
admin.site.index_title = "Run your events"
admin.site.empty_value_display = "—"

TIME_FIELDS = ("starts_at", "ends_at")


def local_start(event: Event) -> str:
    """The start in the event's own zone: "Sat 5 Dec 2026, 19:00 (Europe/Paris)"."""
    return f"{event_time(event.starts_at, event)} ({event.timezone})"


def fill_bar(event: Event) -> str:
    """A native <meter>: no inline style, so it passes the site's content security policy."""
    return format_html(
        '<meter min="0" max="{}" value="{}" title="{}% full">{}%</meter> {}&nbsp;/&nbsp;{}',
        event.capacity,
        event.booked_seats,
        event.fill_percent,
        event.fill_percent,
        event.booked_seats,
        event.capacity,
    )


def instant_in_zone(wall: datetime, zone: ZoneInfo) -> datetime:
    """The one instant a wall-clock time names in ``zone``.

    Where the clocks go back, an hour's times happen twice; where they go
    forward, an hour's times never happen. Either is refused, saying why,
    rather than silently picking an instant the organizer may not have meant.
    """
    earlier, later = wall.replace(tzinfo=zone, fold=0), wall.replace(tzinfo=zone, fold=1)
    if earlier.utcoffset() == later.utcoffset():
        return earlier
    when = f"{wall:%a} {wall.day} {wall:%b %Y, %H:%M}"
    if earlier.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall:
        raise ValidationError(
            f"{when} happens twice in {zone.key}, as the clocks go back: it could mean "
            f"{_instant(earlier)} or {_instant(later)}. Choose a time the clocks show only once."
        )
    raise ValidationError(
        f"{when} does not exist in {zone.key}: the clocks skip it as they go forward. Choose another time."
    )


def _instant(moment: datetime) -> str:
    return f"{moment:%H:%M %Z} ({moment.astimezone(UTC):%H:%M} UTC)"


class RefusedOnSave(Exception):
    """A service refused at save time what the form's check allowed (someone else changed the event)."""

    def __init__(self, refusal: DomainError | ValidationError):
        super().__init__(str(refusal))
        self.refusal = refusal


class EventAdminForm(forms.ModelForm):
    """Only validates: whatever the services would refuse shows beside its field, all at once.

    The services judge their own rules; the form asks them through
    events.services' ``*_refusals`` checks, which write nothing, and
    EventAdmin.save_model writes through the services once the whole page is
    valid. Times are typed and shown in the event's own zone.
    """

    user = None  # the signed-in user, set by EventAdmin.get_form
    refused_on_save = None  # what the services refused when this page last tried to save

    capacity = forms.IntegerField(
        min_value=MIN_CAPACITY,
        max_value=MAX_CAPACITY,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"), CAPACITY_RANGE_MESSAGE
        ),
        help_text=Event._meta.get_field("capacity").help_text,
        widget=widgets.AdminIntegerFieldWidget,
    )

    class Meta:
        model = Event
        fields = (
            "organizer",
            "title",
            "description",
            "location",
            "status",
            "capacity",
            "timezone",
            *TIME_FIELDS,
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["status"].choices = [
                choice for choice in Event.Status.choices if choice[0] in services.NEW_EVENT_STATUSES
            ]
        else:
            zone = ZoneInfo(self.instance.timezone)
            for name in TIME_FIELDS:
                self.initial[name] = timezone.make_naive(getattr(self.instance, name), zone)

    def clean(self):
        cleaned = super().clean()
        self._read_times_in_event_zone(cleaned)
        # After a refusal at save time the check had passed: the refusal is the news.
        refusals = [self.refused_on_save] if self.refused_on_save else self._service_refusals()
        for refusal in refusals:
            self._add_refusal(refusal)
        return cleaned

    def service_fields(self) -> dict:
        """The cleaned fields as the services take them (the organizer is whom the event is for)."""
        return {name: value for name, value in self.cleaned_data.items() if name != "organizer"}

    def new_event_organizer(self):
        return self.cleaned_data.get("organizer") or self.user

    def _read_times_in_event_zone(self, cleaned: dict) -> None:
        """Times are typed in the event's zone; a time left as it was keeps its stored instant."""
        if not cleaned.get("timezone"):
            return
        zone = ZoneInfo(cleaned["timezone"])
        for name in TIME_FIELDS:
            if cleaned.get(name) is None:
                continue
            if self._unchanged(name):
                cleaned[name] = getattr(self.instance, name)
                continue
            try:
                cleaned[name] = instant_in_zone(timezone.make_naive(cleaned[name]), zone)
            except ValidationError as error:
                self.add_error(name, error)

    def _unchanged(self, name: str) -> bool:
        # The shown wall time may name two instants (the hour the clocks go back): keep the stored one.
        return self.instance.pk is not None and not {name, "timezone"} & set(self.changed_data)

    def _service_refusals(self) -> list:
        if self.instance.pk is None:
            return services.new_event_refusals(organizer=self.new_event_organizer(), **self.service_fields())
        return services.event_change_refusals(event=self.instance, by=self.user, **self.service_fields())

    def _add_refusal(self, refusal: DomainError | ValidationError) -> None:
        if isinstance(refusal, DomainError):
            self.add_error(refusal.field if refusal.field in self.fields else None, refusal.message)
            return
        by_field = refusal.error_dict if hasattr(refusal, "error_dict") else {NON_FIELD_ERRORS: refusal}
        for name, errors in by_field.items():
            self.add_error(name if name in self.fields else None, errors)


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("past", "Started or over")]

    def queryset(self, request, queryset):
        if self.value() == "upcoming":
            return queryset.upcoming()
        if self.value() == "past":
            return queryset.past()
        return queryset


@admin.register(Event)
class EventAdmin(OrganizerScopedMixin, ConsoleAdminMixin, TimezoneSelectMixin, admin.ModelAdmin):
    form = EventAdminForm
    list_display = ("title", "start", "status", "fill", "waitlist")
    list_filter = ("status", WhenFilter)
    list_select_related = ("organizer",)
    search_fields = ("title", "location")
    date_hierarchy = "starts_at"
    ordering = ("starts_at", "pk")
    inlines = (BookingInline,)
    actions = ("publish_selected", "cancel_selected", "export_attendees")

    def get_queryset(self, request):
        waitlisted = Q(bookings__status=Booking.Status.WAITLISTED)
        return super().get_queryset(request).annotate(waitlist_size=Count("bookings", filter=waitlisted))

    def get_list_display(self, request):
        extra = ("organizer",) if request.user.is_site_staff else ()
        return (*self.list_display, *extra)

    def get_list_filter(self, request):
        extra = (("organizer", admin.RelatedOnlyFieldListFilter),) if request.user.is_site_staff else ()
        return (*self.list_filter, *extra)

    def get_fieldsets(self, request, obj=None):
        who = ("organizer",) if request.user.is_site_staff else ()
        seats = ("capacity", "seats") if obj else ("capacity",)
        return (
            (None, {"fields": (*who, "title", "description", "location", "status")}),
            ("When", {"fields": ("timezone", *TIME_FIELDS), "description": "Times are in the event's zone."}),
            ("Seats", {"fields": seats}),
        )

    def get_readonly_fields(self, request, obj=None):
        # An event stays with the organizer who created it.
        return ("organizer", "seats") if obj else ()

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        form.refused_on_save = getattr(request, "event_refused_on_save", None)
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RefusedOnSave as refused:
            # The page's transaction has been rolled back: nothing was written. Show the
            # same page again, with the refusal beside its field.
            request.event_refused_on_save = refused.refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        return {"timezone": request.user.timezone, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        """Write through the services, which decide once more under the event's lock."""
        try:
            if change:
                saved = services.update_event(event=obj, by=request.user, **form.service_fields())
            else:
                saved = services.create_event(organizer=form.new_event_organizer(), **form.service_fields())
        except (DomainError, ValidationError) as refusal:
            raise RefusedOnSave(refusal) from refusal
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as refusal:  # a booking arrived after the page checked: keep the event
            self.message_user(request, refusal.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:events_event_change", args=[object_id]))

    def delete_model(self, request, obj):
        """Delete through the event service, which decides under the event's lock."""
        services.delete_event(event=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for event in queryset:
            try:
                services.delete_event(event=event, by=request.user)
            except DomainError as refusal:
                self.message_user(request, f"{event}: {refusal.message}", messages.WARNING)

    @admin.display(description="starts", ordering="starts_at")
    def start(self, event):
        return local_start(event)

    @admin.display(description="booked", ordering="booked_seats")
    def fill(self, event):
        return fill_bar(event)

    @admin.display(description="waitlist", ordering="waitlist_size")
    def waitlist(self, event):
        return event.waitlist_size

    @admin.display(description="seats")
    def seats(self, event):
        url = reverse("admin:bookings_booking_changelist") + f"?event__id__exact={event.pk}"
        return format_html(
            '{} · {} waiting · <a href="{}">all bookings</a>', fill_bar(event), event.waitlist_size, url
        )

    @admin.action(description="Publish the selected events", permissions=["change"])
    def publish_selected(self, request, queryset):
        report_each(
            self,
            request,
            queryset,
            lambda event: services.publish_event(event=event, by=request.user),
            done=("Published %(count)d event.", "Published %(count)d events."),
        )

    @admin.action(description="Cancel the selected events (bookings stay on record)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        return ask_then_report_each(
            self,
            request,
            queryset,
            lambda event: services.cancel_event(event=event, by=request.user),
            done=("Cancelled %(count)d event.", "Cancelled %(count)d events."),
            action="cancel_selected",
            question="Cancel these events?",
            consequence="Booking closes for good; every booking stays on record.",
            describe=lambda event: (
                f"{event.title}, {local_start(event)}: {event.booked_seats} booked, "
                f"{event.waitlist_size} on the waitlist"
            ),
        )

    @admin.action(description="Export the attendees of the selected events as CSV", permissions=["view"])
    def export_attendees(self, request, queryset):
        bookings = Booking.objects.active().filter(event__in=queryset.values("pk"))
        return bookings_csv_response(
            bookings.order_by("event__starts_at", "pk"), name="attendees", with_event=True
        )
