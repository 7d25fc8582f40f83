"""Bookings in the admin: read-only records that change only through the booking service's actions.

A booking shows what its ticket cost and, for a priced one, how its payment stands
(read from payments.selectors: the admin is a door, so it may ask the app above).
"""

from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from bookings import services
from bookings.admin_csv import BOOKING_RELATIONS, bookings_csv_response
from bookings.models import Booking, prefetch_answers
from eventhub.admin_tools import (
    ConsoleAdminMixin,
    OrganizerScopedMixin,
    ask_then_report_each,
    event_time,
    report_each,
)
from eventhub.money import format_money
from events.models import TicketType
from payments.models import Payment
from payments.selectors import with_payment_state

LATEST_BOOKINGS_SHOWN = 50
ANSWER_CHARS_IN_A_ROW = 60  # on the event page's rows; the booking's own page shows them whole


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
        # May break before the "@", so a narrow list wraps the address rather than clipping columns.
        name, at, domain = booking.user.email.rpartition("@")
        return format_html("{}<wbr>{}{}", name, at, domain) if at else booking.user.email

    @admin.display(description="ticket type", ordering="ticket_type__name")
    def ticket_type_shown(self, booking):
        return booking.ticket_type.name

    @admin.display(description="price", ordering="price")
    def price_shown(self, booking):
        """What this ticket costs its buyer: the type's price when the place was taken."""
        return format_money(booking.price, booking.event.currency)

    @admin.display(description="seat")
    def seat_shown(self, booking):
        return booking.seat.label if booking.seat else self.get_empty_value_display()

    @admin.display(description="ticket")
    def ticket(self, booking):
        """The type, the seat if any and the price: "VIP · Row C, seat 12 · €25.00"."""
        seat = booking.seat.label if booking.seat else None
        return " · ".join(filter(None, (booking.ticket_type.name, seat, self.price_shown(booking))))

    @admin.display(description="answers")
    def answers_in_short(self, booking):
        """The answers on one line cut short, so the event page's rows stay narrow; whole when hovered."""
        whole = " · ".join(answer_texts(booking))
        if not whole:
            return self.get_empty_value_display()
        return format_html('<span title="{}">{}</span>', whole, Truncator(whole).chars(ANSWER_CHARS_IN_A_ROW))

    @admin.display(description="answers")
    def answers_in_full(self, booking):
        texts = answer_texts(booking)
        if not texts:
            return self.get_empty_value_display()
        return format_html_join(mark_safe("<br>"), "{}", ((text,) for text in texts))

    @admin.display(description="status", ordering="status")
    def status_shown(self, booking):
        return booking.status_label

    booked_at = _event_time_column("created_at", "booked at")
    held_until = _event_time_column("hold_expires_at", "held unpaid until")
    waitlisted = _event_time_column("waitlisted_at", "on the waitlist since")
    cancelled = _event_time_column("cancelled_at", "cancelled at")

    @admin.display(description="checked in", ordering="checked_in_at")
    def checked_in(self, booking):
        """When, on the event's clock, and by whom: "Sat 5 Dec 2026, 19:02 by olivia"."""
        if booking.checked_in_at is None:
            return self.get_empty_value_display()
        when = event_time(booking.checked_in_at, booking.event)
        return f"{when} by {booking.checked_in_by.username}" if booking.checked_in_by else when


def answer_texts(booking) -> list[str]:
    """Each answer given as "Label: answer", in the order the event asks."""
    return [f"{answer.question.label}: {answer.display}" for answer in booking.answers.all()]


class CheckedInFilter(admin.SimpleListFilter):
    title = "checked in"
    parameter_name = "checked_in"

    def lookups(self, request, model_admin):
        return (("yes", "Yes"), ("no", "No"))

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(checked_in_at__isnull=self.value() == "no")
        return queryset


class TicketTypeListFilter(admin.RelatedOnlyFieldListFilter):
    """The ticket types of the listed bookings, each named with its event ("Jazz night: VIP")."""

    def field_choices(self, field, request, model_admin):
        booked = model_admin.get_queryset(request).values("ticket_type")
        types = TicketType.objects.filter(pk__in=booked).select_related("event")
        ordered = types.order_by("event__starts_at", "event__pk", "position", "pk")
        return [(kind.pk, f"{kind.event.title}: {kind.name}") for kind in ordered]


class LatestBookingsFormSet(BaseInlineFormSet):
    """Only the latest bookings on the event page, however big the event: the booking list has all."""

    def get_queryset(self):
        if not hasattr(self, "_latest"):
            self._latest = super().get_queryset()[:LATEST_BOOKINGS_SHOWN]
        return self._latest


class BookingInline(OrganizerScopedMixin, BookingColumns, admin.TabularInline):
    model = Booking
    formset = LatestBookingsFormSet
    verbose_name_plural = f"latest bookings (up to {LATEST_BOOKINGS_SHOWN})"
    fields = (
        "attendee",
        "email",
        "ticket_type_shown",
        "seat_shown",
        "answers_in_short",
        "status_shown",
        "booked_at",
        "checked_in",
    )
    readonly_fields = fields
    extra = 0
    show_change_link = True

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related(*BOOKING_RELATIONS, "checked_in_by").with_answers()
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Booking)
class BookingAdmin(OrganizerScopedMixin, ConsoleAdminMixin, BookingColumns, admin.ModelAdmin):
    list_display = (
        "attendee",
        "email",
        "event_and_ticket",
        "status_and_payment",
        "booked_at",
        "checked_in",
    )
    list_filter = (
        "status",
        ("event", admin.RelatedOnlyFieldListFilter),
        ("ticket_type", TicketTypeListFilter),
        CheckedInFilter,
    )
    search_fields = ("user__username", "user__email", "event__title")
    list_select_related = (*BOOKING_RELATIONS, "checked_in_by")
    fields = (
        "attendee",
        "email",
        "event",
        "ticket_type_shown",
        "price_shown",
        "seat_shown",
        "status_shown",
        "held_until",
        "payments_shown",
        "booked_at",
        "waitlisted",
        "cancelled",
        "checked_in",
        "answers_in_full",
    )
    readonly_fields = fields
    actions = ("cancel_selected", "check_in_selected", "export_csv")

    @admin.display(description="event and ticket", ordering="event__starts_at")
    def event_and_ticket(self, booking):
        # The ticket goes under its event rather than in columns of its own: the list must
        # still fit beside its filters on a 1280-pixel screen.
        url = reverse("admin:events_event_change", args=[booking.event_id])
        return format_html('<a href="{}">{}</a><br>{}', url, booking.event.title, self.ticket(booking))

    @admin.display(description="status", ordering="status")
    def status_and_payment(self, booking):
        """The status, until when an unpaid hold lasts, and how the payment stands, one per line."""
        lines = [booking.status_label]
        if booking.is_pending:
            lines.append(f"until {event_time(booking.hold_expires_at, booking.event)}")
        if booking.payment_state:
            lines.append(f"Payment: {Payment.State(booking.payment_state).label.lower()}")
        return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))

    @admin.display(description="payments")
    def payments_shown(self, booking):
        """Every attempt to pay for the booking, newest first, each linked to its page."""
        payments = booking.payments.order_by("-created_at", "-pk")
        if not payments:
            return "None (nothing to pay, or not started)"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a>: {}, {}',
            (
                (
                    reverse("admin:payments_payment_change", args=[payment.pk]),
                    payment.reference,
                    format_money(payment.amount, payment.currency),
                    payment.get_state_display().lower(),
                )
                for payment in payments
            ),
        )

    def get_queryset(self, request):
        return with_payment_state(super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        booking = super().get_object(request, object_id, from_field)
        prefetch_answers([booking])  # its page shows them, with their questions
        return booking

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
        bookings = queryset.select_related("user", "event")
        return ask_then_report_each(
            self,
            request,
            bookings,
            lambda booking: services.cancel_booking(booking=booking, by=request.user),
            done=("Cancelled %(count)d booking.", "Cancelled %(count)d bookings."),
            action="cancel_selected",
            question="Cancel these bookings?",
            consequence=(
                "Each freed seat goes to the next person on the waitlist, who is told by email. "
                "The cancelled bookings stay on record."
            ),
            describe=lambda booking: (
                f"{booking.user.username} ({booking.user.email}) at {booking.event.title}, "
                f"{event_time(booking.event.starts_at, booking.event)}: {booking.status_label}"
            ),
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
