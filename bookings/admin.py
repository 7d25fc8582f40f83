"""Bookings in the admin: read-only records that change only through the booking service's actions.

Also the pieces the event admin shares: organizer scoping, times on the
event's own clock, and reporting a service call over a selection.
"""

from zoneinfo import ZoneInfo

from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import ngettext

from bookings import services
from bookings.admin_csv import bookings_csv_response
from bookings.models import Booking
from eventhub.errors import DomainError

LATEST_BOOKINGS_SHOWN = 50


def event_time(moment, event) -> str:
    """A moment as the event's own clock shows it: "Sat 5 Dec 2026, 19:00"."""
    local = timezone.localtime(moment, ZoneInfo(event.timezone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def scope_to_organizer(queryset, user, lookup: str = "organizer"):
    """Site staff see everything; an organizer sees only what belongs to their own events."""
    return queryset if user.is_site_staff else queryset.filter(**{lookup: user})


class OrganizerScopedMixin:
    """Scope every list, page, filter and autocomplete of a model admin or inline to the organizer.

    An object outside the scope does not exist for them: its change, delete and
    history pages answer 404, exactly as for an object that was never there.
    """

    organizer_lookup = "organizer"

    def get_queryset(self, request):
        return scope_to_organizer(super().get_queryset(request), request.user, self.organizer_lookup)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Django's admin would redirect to its index instead; a 404 says plainly "not yours".
            raise Http404(f"No {self.opts.verbose_name} with id {object_id} here.")
        return obj


def report_each(modeladmin, request, objects, service, *, done: tuple[str, str]) -> None:
    """Call ``service`` on each object; report how many succeeded and each refusal in plain words.

    ``done`` is the (singular, plural) success message, with ``%(count)d``.
    """
    count = 0
    for obj in objects:
        try:
            service(obj)
        except DomainError as refusal:
            modeladmin.message_user(request, f"{obj}: {refusal.message}", messages.WARNING)
        else:
            count += 1
    if count:
        modeladmin.message_user(request, ngettext(*done, count) % {"count": count}, messages.SUCCESS)


def _event_time_column(field: str, description: str):
    @admin.display(description=description, ordering=field)
    def column(self, booking):
        moment = getattr(booking, field)
        return event_time(moment, booking.event) if moment else self.get_empty_value_display()

    return column


class BookingColumns:
    """Columns shared by the booking list and pages and the bookings inline on the event page."""

    @admin.display(description="attendee", ordering="user__username")
    def attendee(self, booking):
        return booking.user.username

    @admin.display(description="email", ordering="user__email")
    def email(self, booking):
        return booking.user.email

    booked_at = _event_time_column("created_at", "booked at")
    checked_in = _event_time_column("checked_in_at", "checked in at")
    waitlisted = _event_time_column("waitlisted_at", "on the waitlist since")
    cancelled = _event_time_column("cancelled_at", "cancelled at")


class LatestBookingsFormSet(BaseInlineFormSet):
    """Only the latest bookings on the event page, however big the event: the booking list has all."""

    def get_queryset(self):
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset()[:LATEST_BOOKINGS_SHOWN]
        return self._latest


class BookingInline(OrganizerScopedMixin, BookingColumns, admin.TabularInline):
    model = Booking
    organizer_lookup = "event__organizer"
    formset = LatestBookingsFormSet
    verbose_name_plural = f"latest bookings (up to {LATEST_BOOKINGS_SHOWN})"
    fields = ("attendee", "email", "status", "booked_at", "checked_in")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user", "event")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(OrganizerScopedMixin, BookingColumns, admin.ModelAdmin):
    organizer_lookup = "event__organizer"
    list_display = ("attendee", "email", "event_link", "status", "booked_at", "checked_in")
    list_filter = ("status", ("event", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__email", "event__title")
    list_select_related = ("user", "event")
    fields = (
        "attendee",
        "email",
        "event",
        "status",
        "booked_at",
        "waitlisted",
        "cancelled",
        "checked_in",
    )
    readonly_fields = fields
    actions = ("cancel_selected", "check_in_selected", "export_csv")

    @admin.display(description="event", ordering="event__starts_at")
    def event_link(self, booking):
        url = reverse("admin:events_event_change", args=[booking.event_id])
        return format_html('<a href="{}">{}</a>', url, booking.event.title)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's actions need the permission; a booking's own page is read-only,
        # since its status changes only through the booking service.
        return obj is None and super().has_change_permission(request)

    @admin.action(description="Cancel the selected bookings (the waitlist moves up)", permissions=["change"])
    def cancel_selected(self, request, queryset):
        report_each(
            self,
            request,
            queryset.select_related("user", "event"),
            lambda booking: services.cancel_booking(booking=booking, by=request.user),
            done=("Cancelled %(count)d booking.", "Cancelled %(count)d bookings."),
        )

    @admin.action(description="Check in the selected attendees", permissions=["change"])
    def check_in_selected(self, request, queryset):
        report_each(
            self,
            request,
            queryset.select_related("user", "event"),
            lambda booking: services.check_in(booking=booking, by=request.user),
            done=("Checked in %(count)d attendee.", "Checked in %(count)d attendees."),
        )

    @admin.action(description="Export the selected bookings as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        return bookings_csv_response(queryset, name="bookings")
