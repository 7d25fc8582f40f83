"""The organizers' console: their events, saved and moved through the services.

An organizer sees and runs only their own events; site staff see them all.
"""

from zoneinfo import ZoneInfo

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from accounts.admin import TimezoneSelectMixin
from bookings import services as booking_services
from bookings.admin import BookingInline, OrganizerScopedMixin, event_time, report_each
from bookings.admin_csv import bookings_csv_response
from bookings.models import Booking
from eventhub.errors import DomainError
from events import services
from events.models import Event

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


class EventAdminForm(forms.ModelForm):
    """Saves through events.services while it validates.

    The services are the judges of their own rules, some of which are decided
    under the event's row lock (capacity against booked seats), so asking them
    is the only way to turn every refusal into an error beside its field. The
    admin runs the whole page in one transaction, so nothing half-done stays.
    Times are typed and shown in the event's own zone.
    """

    user = None  # the signed-in user, set by EventAdmin.get_form

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
                choice for choice in Event.Status.choices if choice[0] != Event.Status.CANCELLED
            ]
        else:
            zone = ZoneInfo(self.instance.timezone)
            for name in TIME_FIELDS:
                self.initial[name] = timezone.make_naive(getattr(self.instance, name), zone)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("timezone"):
            zone = ZoneInfo(cleaned["timezone"])
            for name in TIME_FIELDS:
                if cleaned.get(name):
                    cleaned[name] = timezone.make_aware(timezone.make_naive(cleaned[name]), zone)
        return cleaned

    def _post_clean(self):
        if self.errors:
            return
        try:
            self.instance = self._save_through_service()
        except DomainError as refusal:
            self._add_service_errors(ValidationError({refusal.field or NON_FIELD_ERRORS: refusal.message}))
        except ValidationError as error:
            self._add_service_errors(error)

    def _save_through_service(self) -> Event:
        fields = {name: value for name, value in self.cleaned_data.items() if name != "organizer"}
        if self.instance.pk is None:
            organizer = self.cleaned_data.get("organizer", self.user)
            return services.create_event(organizer=organizer, **fields)
        return services.update_event(event=self.instance, by=self.user, **fields)

    def _add_service_errors(self, error: ValidationError) -> None:
        by_field = error.error_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.error_list}
        for name, errors in by_field.items():
            self.add_error(name if name in self.fields else None, errors)


class WhenFilter(admin.SimpleListFilter):
    title = "when"
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("upcoming", "Upcoming"), ("past", "Started or over")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "upcoming":
            return queryset.filter(starts_at__gt=now)
        if self.value() == "past":
            return queryset.filter(starts_at__lte=now)
        return queryset


@admin.register(Event)
class EventAdmin(OrganizerScopedMixin, TimezoneSelectMixin, admin.ModelAdmin):
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
        return form

    def get_changeform_initial_data(self, request):
        return {"timezone": request.user.timezone, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        """Nothing left to do: the form saved through the services while validating."""

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
        report_each(
            self,
            request,
            queryset,
            lambda event: booking_services.cancel_event(event=event, by=request.user),
            done=("Cancelled %(count)d event.", "Cancelled %(count)d events."),
        )

    @admin.action(description="Export the attendees of the selected events as CSV", permissions=["view"])
    def export_attendees(self, request, queryset):
        bookings = Booking.objects.active().filter(event__in=queryset.values("pk"))
        return bookings_csv_response(
            bookings.order_by("event__starts_at", "pk"), name="attendees", with_event=True
        )
