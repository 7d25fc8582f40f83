"""The organizers' console: their events, checked by the services' rules and saved through the services.

An organizer sees and runs only their own events; site staff see them all.
"""

from datetime import timedelta
from zoneinfo import ZoneInfo

from csp.constants import NONE, UNSAFE_INLINE
from csp.decorators import csp
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Max, Min, Prefetch, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext

from accounts.admin import TimezoneSelectMixin
from bookings.admin import BookingInline
from bookings.admin_csv import (
    attendees_workbook_response,
    bookings_csv_response,
    local_iso,
    rows_csv_response,
    rows_workbook_response,
)
from bookings.models import Booking
from bookings.selectors import held_by_ticket_type
from eventhub.admin_tools import (
    ConsoleAdminMixin,
    OrganizerScopedMixin,
    ask_then_report_each,
    event_time,
    report_each,
)
from eventhub.errors import DomainError
from eventhub.money import format_money
from events import images, series, services
from events.dashboard import CHART_SPANS, bookings_chart, sales_of
from events.forms import (
    LISTING_FIELDS,
    PAYMENT_FIELDS,
    PLACE_FIELDS,
    QUESTION_FIELDS,
    TICKET_TYPE_FIELDS,
    TIME_FIELDS,
    EventAdminForm,
    OccurrenceAdminForm,
    QuestionForm,
    QuestionFormSet,
    RefusedOnSave,
    RepeatSeriesForm,
    SeatBlockingForm,
    SeatLayoutForm,
    TicketTypeForm,
    TicketTypeFormSet,
    add_refusal,
)
from events.models import Category, Event, Question, Seat, Series, Tag, TicketType, row_label
from payments import services as payment_services
from payments.providers import provider
from payments.selectors import revenue_by_ticket_type

SEAT_ROWS_PER_PAGE = 20
# A chart is an SVG document shown as an image: its own styles apply, nothing else loads or runs.
CHART_POLICY = {"default-src": [NONE], "style-src": [UNSAFE_INLINE]}


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


def sold_by_type(event: Event) -> str:
    """Each type's booked tickets against its capacity, "VIP 3/10 · General admission 40/50"."""
    return " · ".join(f"{kind.name} {kind.booked_seats}/{kind.capacity}" for kind in event.ticket_types.all())


class TypeSales:
    """Each ticket type's unpaid holds and money kept (paid less refunded), read once for the event page."""

    def __init__(self, event: Event):
        self.currency = event.currency
        self.held = held_by_ticket_type(event.pk)
        self.revenue = revenue_by_ticket_type(event)

    def held_of(self, ticket_type: TicketType) -> int:
        return self.held.get(ticket_type.pk, 0)

    def revenue_of(self, ticket_type: TicketType) -> str:
        return self.amount(self.revenue.get(ticket_type.pk))

    def total(self) -> str:
        return self.amount(sum(self.revenue.values()))

    def amount(self, value) -> str:
        # format_money says "Free" for nothing, which is a price, not money taken.
        return format_money(value, self.currency) if value else "none"


def type_sales(event: Event) -> TypeSales:
    """The event page's TypeSales, kept on the event it shows (the page's rows and fields share it)."""
    if getattr(event, "_type_sales", None) is None:
        event._type_sales = TypeSales(event)
    return event._type_sales


def payment_provider_labels() -> dict[str, str]:
    """The ways to pay this site takes, named as people read them ("Bank transfer")."""
    return {name: provider(name).label for name in settings.PAYMENT_PROVIDERS}


def seat_pages(ticket_type: TicketType) -> str:
    """Links to a type's seat layout and, once it sells numbered seats, to blocking them."""
    if ticket_type.pk is None:
        return "Save the type first, then lay out its seats."
    args = [ticket_type.event_id, ticket_type.pk]
    layout = reverse("admin:events_event_seat_layout", args=args)
    if not ticket_type.seated:
        return format_html('Not numbered. <a href="{}">Lay out seats</a>', layout)
    return format_html(
        'Numbered; its capacity follows the layout. <a href="{}">Change the layout</a> · '
        '<a href="{}">Block or unblock seats</a>',
        layout,
        reverse("admin:events_event_seats", args=args),
    )


def current_layout(ticket_type: TicketType) -> dict:
    """The layout form filled in from a type's seats, so redrawing starts from what is there."""
    seats = Seat.objects.filter(ticket_type=ticket_type)
    shape = seats.aggregate(last_row=Max("row_index"), widest=Max("number"))
    if shape["last_row"] is None:
        return {}
    first_row = set(seats.filter(row_index=0).values_list("number", flat=True))
    gaps = [number for number in range(1, shape["widest"] + 1) if number not in first_row]
    return {
        "rows": shape["last_row"] + 1,
        "seats_per_row": shape["widest"],
        "gaps": ", ".join(map(str, gaps)),
    }


SEAT_STATES = {"free": ("on sale", "○"), "held": ("booked", "●"), "blocked": ("blocked", "✕")}


def seat_cell(seat: Seat | None) -> tuple[Seat, str, str] | None:
    """A grid cell: the seat with its state in words and as a mark; None where a gap leaves no seat."""
    if seat is None:
        return None
    return (seat, *SEAT_STATES["held" if seat.held else "blocked" if seat.blocked else "free"])


def seat_grid(ticket_type: TicketType, row_indexes: range, widest: int) -> list[tuple[str, list]]:
    """Rows of (row label, one cell per seat number): (seat, state, mark), or None for a gap."""
    seats = Seat.objects.filter(
        ticket_type=ticket_type, row_index__gte=row_indexes.start, row_index__lt=row_indexes.stop
    )
    rows: dict[tuple[int, str], dict[int, Seat]] = {}
    for seat in seats:
        rows.setdefault((seat.row_index, seat.row), {})[seat.number] = seat
    numbers = range(1, widest + 1)
    return [
        (label, [seat_cell(cells.get(number)) for number in numbers])
        for (_, label), cells in sorted(rows.items())
    ]


def _leave_to_the_service(form) -> None:
    """Whether a type may go is delete_ticket_type's to decide, under the event's lock.

    Django's admin would look for protected rows first and list every booking of
    the type (all of them, and every seat with them) in its message.
    """


class EventPartInline(admin.TabularInline):
    """Rows that are part of their event: whoever may change events manages them, on the pages of the
    events they run (the only ones the console opens for them), and lists only those events' rows."""

    def get_queryset(self, request):
        return super().get_queryset(request).managed_by(request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("events.view_event")

    def _may_change_event(self, request, obj=None):
        return request.user.has_perm("events.change_event")

    has_add_permission = has_change_permission = has_delete_permission = _may_change_event


class TicketTypeInline(EventPartInline):
    """The event's ticket types, edited in place and written through events.services."""

    model = TicketType
    form = TicketTypeForm
    formset = TicketTypeFormSet
    fields = (*TICKET_TYPE_FIELDS, "sold", "revenue", "seating")
    readonly_fields = ("sold", "revenue", "seating")
    extra = 1  # a blank row to add a type, with or without JavaScript
    event = None  # the event whose page this is (an inline is made afresh for each page)

    def get_formset(self, request, obj=None, **kwargs):
        self.event = obj
        formset = super().get_formset(request, obj, **kwargs)
        formset.form = type("TicketTypeForm", (formset.form,), {"hand_clean_DELETE": _leave_to_the_service})
        formset.refused_on_save = getattr(request, "refused_on_save", None)
        return formset

    @admin.display(description="booked")
    def sold(self, ticket_type):
        if ticket_type.pk is None:
            return self.get_empty_value_display()
        booked = f"{ticket_type.booked_seats} / {ticket_type.capacity}, {ticket_type.seats_left} left"
        held = type_sales(self.event).held_of(ticket_type)
        return f"{booked} ({held} of them awaiting payment)" if held else booked

    @admin.display(description="revenue")
    def revenue(self, ticket_type):
        if ticket_type.pk is None:
            return self.get_empty_value_display()
        return type_sales(self.event).revenue_of(ticket_type)

    @admin.display(description="seats")
    def seating(self, ticket_type):
        return seat_pages(ticket_type)


class QuestionInline(EventPartInline):
    """What booking asks: saved as typed once Question.clean and its constraints pass, row by row."""

    model = Question
    form = QuestionForm
    formset = QuestionFormSet
    fields = QUESTION_FIELDS
    extra = 1  # a blank row to add a question, with or without JavaScript
    verbose_name = "question asked at booking"
    verbose_name_plural = "questions asked at booking"


def series_fieldsets(event: Event | None) -> tuple:
    """An event of a series says so first, and asks which of its dates a change applies to."""
    if event is None or not event.series_id:
        return ()
    link = format_html(
        'One date of the series <a href="{}">{}</a>.',
        reverse("admin:events_series_change", args=[event.series_id]),
        event.series,
    )
    return (("Series", {"fields": ("apply_to",), "description": link}),)


class CopyEventForm(forms.Form):
    days = forms.IntegerField(
        label="Days later",
        min_value=1,
        max_value=3650,
        initial=7,
        help_text="The copy starts this many days after the event; its ticket sales move with it.",
    )


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
    list_display = ("title", "start", "status", "fill", "tickets", "waitlist")
    list_filter = ("status", WhenFilter)
    list_select_related = ("organizer",)
    search_fields = ("title", "location")
    date_hierarchy = "starts_at"
    ordering = ("starts_at", "pk")
    inlines = (TicketTypeInline, QuestionInline, BookingInline)
    actions = ("publish_selected", "cancel_selected", "refund_cancelled", "export_attendees")

    def get_queryset(self, request):
        waitlisted = Q(bookings__status=Booking.Status.WAITLISTED)
        types = Prefetch("ticket_types", queryset=TicketType.objects.order_by("position", "pk"))
        return (
            super()
            .get_queryset(request)
            .annotate(waitlist_size=Count("bookings", filter=waitlisted))
            .prefetch_related(types)
        )

    def get_inlines(self, request, obj):
        # A new event gets its general admission from create_event; more types, and the questions that
        # may name them, are added once it exists.
        return self.inlines if obj else (BookingInline,)

    def get_list_display(self, request):
        extra = ("organizer",) if request.user.is_site_staff else ()
        return (*self.list_display, *extra)

    def get_list_filter(self, request):
        extra = (("organizer", admin.RelatedOnlyFieldListFilter),) if request.user.is_site_staff else ()
        return (*self.list_filter, *extra)

    def get_fieldsets(self, request, obj=None):
        who = ("organizer",) if request.user.is_site_staff else ()
        seats = ("capacity", "seats") if obj else ("capacity",)
        money = ("currency", "revenue") if obj else ("currency",)
        picture = ("picture", "image", "remove_image", "image_alt") if obj else ("image", "image_alt")
        return (
            *series_fieldsets(obj),
            (None, {"fields": (*who, "title", "description", "status")}),
            ("Where", {"fields": PLACE_FIELDS}),
            ("Listing", {"fields": LISTING_FIELDS, "description": "How people find it on the site."}),
            ("When", {"fields": ("timezone", *TIME_FIELDS), "description": "Times are in the event's zone."}),
            ("Seats and prices", {"fields": (*seats, *money)}),
            ("Payment", {"fields": PAYMENT_FIELDS}),
            ("Picture", {"fields": picture}),
        )

    def get_readonly_fields(self, request, obj=None):
        # An event stays with the organizer who created it.
        return ("organizer", "seats", "revenue", "picture") if obj else ()

    def get_form(self, request, obj=None, **kwargs):
        if obj is not None and obj.series_id:
            kwargs["form"] = OccurrenceAdminForm
        form = super().get_form(request, obj, **kwargs)
        form.user = request.user
        form.payment_provider_labels = payment_provider_labels()
        refused = getattr(request, "refused_on_save", None)
        form.refused_on_save = refused.refusal if refused and refused.prefix is None else None
        return form

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RefusedOnSave as refused:
            # The page's transaction has been rolled back: nothing was written. Show the
            # same page again, with the refusal beside its field (or its ticket type row).
            request.refused_on_save = refused
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        return {"timezone": request.user.timezone, **super().get_changeform_initial_data(request)}

    def save_model(self, request, obj, form, change):
        """Write through the services, which decide once more under the event's lock."""
        try:
            if change and getattr(form, "applies_to_later_dates", False):
                saved = series.update_series(
                    event=obj, by=request.user, scope=series.Scope.FUTURE, **form.changed_service_fields()
                )
            elif change:
                saved = services.update_event(event=obj, by=request.user, **form.service_fields())
            else:
                saved = services.create_event(organizer=form.new_event_organizer(), **form.service_fields())
        except (DomainError, ValidationError) as refusal:
            raise RefusedOnSave(refusal) from refusal
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request, form, formsets, change):
        """The inlines, then the picture: save_model's services have written the event's tags with its
        fields, so the form itself saves nothing more."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        self._save_picture(request, form)

    def _save_picture(self, request, form) -> None:
        """The picture goes through its services last, once the event and its rows are saved, so a
        refusal of theirs never leaves a picture's new files behind."""
        data, event = form.cleaned_data, form.instance
        try:
            if data.get("remove_image"):
                services.remove_event_image(event=event, by=request.user)
            elif data.get("image") or "image_alt" in form.changed_data:
                services.set_event_image(
                    event=event, by=request.user, upload=data.get("image"), alt=data.get("image_alt", "")
                )
        except (DomainError, ValidationError) as refusal:
            raise RefusedOnSave(refusal) from refusal

    def save_formset(self, request, form, formset, change):
        if isinstance(formset, TicketTypeFormSet):
            formset.save_through_services(by=request.user)
            if getattr(form, "applies_to_later_dates", False):
                self._prices_to_later_dates(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    def _prices_to_later_dates(self, request, event: Event, formset: TicketTypeFormSet) -> None:
        prices = formset.changed_prices()
        if not prices:
            return
        try:
            series.update_series(event=event, by=request.user, scope=series.Scope.FUTURE, prices=prices)
        except (DomainError, ValidationError) as refusal:
            raise RefusedOnSave(refusal) from refusal

    # A ticket type's seats ---------------------------------------------------------

    def get_urls(self):
        wrap, ticket_type = self.admin_site.admin_view, "<int:event_id>/ticket-types/<int:type_id>"
        return [
            path(f"{ticket_type}/layout/", wrap(self.seat_layout_view), name="events_event_seat_layout"),
            path(f"{ticket_type}/seats/", wrap(self.seat_blocking_view), name="events_event_seats"),
            path("chart/<str:span>.svg", wrap(self.chart_view), name="events_event_chart_all"),
            path("<int:event_id>/chart/<str:span>.svg", wrap(self.chart_view), name="events_event_chart"),
            path("<int:event_id>/copy/", wrap(self.copy_view), name="events_event_copy"),
            path("<int:event_id>/repeat/", wrap(self.repeat_view), name="events_event_repeat"),
            path(
                "<int:event_id>/attendees.<str:kind>",
                wrap(self.attendees_view),
                name="events_event_attendees",
            ),
            *super().get_urls(),
        ]

    def managed_event(self, request, event_id: int, *, change: bool = False) -> Event:
        """An event the user runs; any other is not found, as for an id never used."""
        allowed = self.has_change_permission(request) if change else self.has_view_permission(request)
        if not allowed:
            raise PermissionDenied
        return get_object_or_404(Event.objects.managed_by(request.user), pk=event_id)

    @csp(CHART_POLICY)
    def chart_view(self, request, span: str, event_id: int | None = None):
        """Bookings per day or per hour as an SVG image: of one event on its clock, else of all the user
        runs on theirs."""
        if span not in CHART_SPANS:
            raise Http404("No such chart.")
        if event_id is None:
            if not self.has_view_permission(request):
                raise PermissionDenied
            events, zone = Event.objects.managed_by(request.user), ZoneInfo(request.user.timezone)
        else:
            event = self.managed_event(request, event_id)
            events, zone = Event.objects.filter(pk=event.pk), ZoneInfo(event.timezone)
        return HttpResponse(bookings_chart(events, span=span, zone=zone), content_type="image/svg+xml")

    def copy_view(self, request, event_id: int):
        event = self.managed_event(request, event_id, change=True)
        form = CopyEventForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                draft = services.copy_event(
                    event=event, by=request.user, offset=timedelta(days=form.cleaned_data["days"])
                )
            except (DomainError, ValidationError) as refusal:
                add_refusal(form, refusal)
            else:
                self.message_user(
                    request,
                    f"Copied as a draft starting {local_start(draft)}: check it, then publish.",
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:events_event_change", args=[draft.pk]))
        title = f"Copy {event.title}"
        return self._event_form_page(request, event, "copy_event.html", title=title, form=form)

    def repeat_view(self, request, event_id: int):
        """Repeat an event as a series: the choices, a preview of the dates, then the series."""
        event = self.managed_event(request, event_id, change=True)
        if refusal := series.repeat_refusal(event):
            self.message_user(request, refusal.message, messages.WARNING)
            return HttpResponseRedirect(reverse("admin:events_event_change", args=[event.pk]))
        form = RepeatSeriesForm(request.POST or None, event=event)
        starts = []
        if request.method == "POST" and form.is_valid():
            try:
                if "create" in request.POST:
                    return self._create_series(request, event, form)
                starts = series.series_starts(event=event, repeat=form.repeat())
            except DomainError as refusal:
                add_refusal(form, refusal)
        dates = [event_time(start, event) for start in starts]
        return self._event_form_page(
            request, event, "repeat_event.html", title=f"Repeat {event.title}", form=form, dates=dates
        )

    def _event_form_page(self, request, event: Event, template: str, **context) -> TemplateResponse:
        """One of the console's own pages about an event (copy, repeat): its form under the event's start."""
        request.current_app = self.admin_site.name
        context |= {**self.admin_site.each_context(request), "opts": self.opts}
        context |= {"event": event, "start": local_start(event)}
        return TemplateResponse(request, f"admin/events/{template}", context)

    def _create_series(self, request, event: Event, form: RepeatSeriesForm):
        made = series.create_series(event=event, by=request.user, repeat=form.repeat())
        repeats = series.describe(made.rule)
        self.message_user(request, f"{made.title} now repeats: {repeats}.", messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:events_series_change", args=[made.pk]))

    def attendees_view(self, request, event_id: int, kind: str):
        """The event's attendees (booked, awaiting payment, waitlisted) as CSV or as an Excel workbook."""
        event = self.managed_event(request, event_id)
        bookings = Booking.objects.active().filter(event=event).order_by("pk")
        if kind == "csv":
            return bookings_csv_response(bookings, name=f"attendees-{event.pk}")
        if kind == "xlsx":
            return attendees_workbook_response(event, bookings)
        raise Http404("No such export.")

    def managed_ticket_type(self, request, event_id: int, type_id: int) -> TicketType:
        """A type of an event the user runs; any other is not found, as for an id never used."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        types = TicketType.objects.managed_by(request.user).select_related("event")
        return get_object_or_404(types, pk=type_id, event_id=event_id)

    def seat_layout_view(self, request, event_id: int, type_id: int):
        ticket_type = self.managed_ticket_type(request, event_id, type_id)
        if request.method != "POST":
            form = SeatLayoutForm(initial=current_layout(ticket_type))
        else:
            form = SeatLayoutForm(request.POST)
            if form.is_valid() and self._lay_out(request, ticket_type, form):
                return HttpResponseRedirect(reverse("admin:events_event_seats", args=[event_id, type_id]))
        title = f"Seat layout of {ticket_type.name}"
        return self._ticket_type_page(request, ticket_type, "admin/events/seat_layout.html", title, form=form)

    def _lay_out(self, request, ticket_type: TicketType, form: SeatLayoutForm) -> bool:
        layout = form.layout()
        try:
            ticket_type = services.lay_out_seats(ticket_type=ticket_type, layout=layout, by=request.user)
        except DomainError as refusal:
            add_refusal(form, refusal)
            return False
        rows = "row A" if layout.rows == 1 else f"rows A to {row_label(layout.rows - 1)}"
        self.message_user(
            request, f"{ticket_type.name} now sells {ticket_type.capacity} seats in {rows}.", messages.SUCCESS
        )
        return True

    def seat_blocking_view(self, request, event_id: int, type_id: int):
        ticket_type = self.managed_ticket_type(request, event_id, type_id)
        if request.method == "POST":
            self._block_ticked_seats(request, ticket_type)
            return HttpResponseRedirect(request.get_full_path())
        counts = Seat.objects.filter(ticket_type=ticket_type).aggregate(
            total=Count("pk"),
            held=Count("pk", filter=Q(held=True)),
            blocked=Count("pk", filter=Q(blocked=True)),
            last_row=Max("row_index"),
            widest=Max("number"),
        )
        row_count = 0 if counts["last_row"] is None else counts["last_row"] + 1
        page = Paginator(range(row_count), SEAT_ROWS_PER_PAGE).get_page(request.GET.get("page"))
        context = {
            "counts": counts,
            "page": page,
            "numbers": range(1, (counts["widest"] or 0) + 1),
            "rows": seat_grid(ticket_type, page.object_list, counts["widest"] or 0),
            "legend": SEAT_STATES.values(),
        }
        template, title = "admin/events/seat_blocking.html", f"Seats of {ticket_type.name}"
        return self._ticket_type_page(request, ticket_type, template, title, **context)

    def _block_ticked_seats(self, request, ticket_type: TicketType) -> None:
        form = SeatBlockingForm(request.POST)
        if not form.is_valid():
            for message in (error for errors in form.errors.values() for error in errors):
                self.message_user(request, message, messages.ERROR)
            return
        seat_ids, block = form.cleaned_data["seats"], form.cleaned_data["block"]
        try:
            count = services.set_seats_blocked(
                ticket_type=ticket_type, seat_ids=seat_ids, blocked=block, by=request.user
            )
        except DomainError as refusal:
            self.message_user(request, refusal.message, messages.ERROR)
            return
        done = (
            ("Blocked %(count)d seat.", "Blocked %(count)d seats.")
            if block
            else ("Put %(count)d seat back on sale.", "Put %(count)d seats back on sale.")
        )
        self.message_user(request, ngettext(*done, count) % {"count": count}, messages.SUCCESS)

    def _ticket_type_page(self, request, ticket_type: TicketType, template: str, title: str, **context):
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "ticket_type": ticket_type,
            "event": ticket_type.event,
            "price": format_money(ticket_type.price, ticket_type.event.currency),
            **context,
        }
        return TemplateResponse(request, template, context)

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

    @admin.display(description="tickets by type")
    def tickets(self, event):
        return sold_by_type(event)

    @admin.display(description="waitlist", ordering="waitlist_size")
    def waitlist(self, event):
        return event.waitlist_size

    @admin.display(description="revenue (paid less refunded)")
    def revenue(self, event):
        """Money kept over the event's types: paid less refunded; each type's share is in its row below."""
        return type_sales(event).total()

    @admin.display(description="current picture")
    def picture(self, event):
        """The card as lists show it, at half size."""
        if not event.image_card:
            return "None yet."
        return format_html(
            '<img src="{}" alt="{}" width="{}" height="{}">',
            event.image_card.url,
            event.image_alt,
            images.CARD.width // 2,
            images.CARD.height // 2,
        )

    @admin.display(description="seats")
    def seats(self, event):
        url = reverse("admin:bookings_booking_changelist") + f"?event__id__exact={event.pk}"
        write = reverse("admin:notifications_organizermessage_add") + f"?event={event.pk}"
        return format_html(
            '{} · {} waiting · <a href="{}">all bookings</a> · <a href="{}">email attendees</a>',
            fill_bar(event),
            event.waitlist_size,
            url,
            write,
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
            consequence=(
                "Booking closes for good. Paid and held tickets are cancelled and refunded; free "
                "bookings stay on record as they are."
            ),
            describe=lambda event: (
                f"{event.title}, {local_start(event)}: {event.booked_seats} booked, "
                f"{event.waitlist_size} on the waitlist"
            ),
        )

    @admin.action(description="Refund everyone who paid (cancelled events)", permissions=["change"])
    def refund_cancelled(self, request, queryset):
        return ask_then_report_each(
            self,
            request,
            queryset,
            lambda event: self._refund_everyone(request, event),
            done=(
                "Refunds done for %(count)d cancelled event.",
                "Refunds done for %(count)d cancelled events.",
            ),
            action="refund_cancelled",
            question="Refund everyone who paid for these events?",
            consequence=(
                "Each paid or held booking of a cancelled event is cancelled and its money sent back: at "
                "once for card payments; bank transfers are listed under Refunds, to send by hand. "
                "Free bookings stay as they are."
            ),
            describe=lambda event: f"{event.title}, {local_start(event)}: {event.get_status_display()}",
        )

    def _refund_everyone(self, request, event: Event) -> None:
        summary = payment_services.refund_cancelled_event(event=event, by=request.user)
        level = messages.WARNING if summary.failed else messages.SUCCESS
        self.message_user(request, f"{event}: {summary}", level)

    @admin.action(description="Export the attendees of the selected events as CSV", permissions=["view"])
    def export_attendees(self, request, queryset):
        bookings = Booking.objects.active().filter(event__in=queryset.values("pk"))
        return bookings_csv_response(
            bookings.order_by("event__starts_at", "pk"), name="attendees", with_event=True
        )


class CountsEventsMixin:
    """A list of things events are filed under, each with how many events it holds."""

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(event_count=Count("events"))

    @admin.display(description="Events", ordering="event_count")
    def events(self, filed_under) -> int:
        return filed_under.event_count


@admin.register(Category)
class CategoryAdmin(CountsEventsMixin, ConsoleAdminMixin, admin.ModelAdmin):
    """The site's categories, kept by staff; organizers pick from them on their events."""

    list_display = ("name", "slug", "position", "events")
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(Tag)
class TagAdmin(CountsEventsMixin, ConsoleAdminMixin, admin.ModelAdmin):
    """Tags come from what organizers type; staff correct a spelling or remove one here."""

    list_display = ("name", "slug", "events")
    search_fields = ("name", "slug")
    readonly_fields = ("slug",)


# Series ----------------------------------------------------------------------------------------

# The series summary's columns: one row per date, counted by events.dashboard like the console's home.
SUMMARY_COLUMNS = ["date", "status", "sold", "capacity", "waitlist", "revenue", "currency", "checked in"]


SERIES_TABLE_COLUMNS = ("date", "status", "booked", "waitlist", "revenue", "checked in", "")


def series_summary_rows(of: Series) -> list[list]:
    """One row per date of the series, soonest first: the export's rows (four queries)."""
    return [
        [
            local_iso(sales.event.starts_at, sales.event),
            sales.event.get_status_display(),
            sales.event.booked_seats,
            sales.event.capacity,
            sales.waitlisted,
            sales.revenue if sales.revenue is not None else "",
            sales.event.currency,
            sales.checked_in,
        ]
        for sales in sales_of(of.occurrences.order_by("starts_at", "pk"))
    ]


def _to_come() -> Q:
    return Q(occurrences__starts_at__gt=timezone.now()) & ~Q(occurrences__status=Event.Status.CANCELLED)


@admin.register(Series)
class SeriesAdmin(OrganizerScopedMixin, ConsoleAdminMixin, admin.ModelAdmin):
    """Series are made from an event ("Repeat as a series") and changed through their dates; here they
    are listed, summed up, exported, and their remaining dates cancelled together."""

    list_display = ("title", "repeats", "next_date", "dates")
    search_fields = ("title",)
    fields = ("title", "repeats", "timezone", "dates_table")
    readonly_fields = fields
    actions = ("cancel_remaining",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                date_count=Count("occurrences"),
                to_come=Count("occurrences", filter=_to_come()),
                next_start=Min("occurrences__starts_at", filter=_to_come()),
            )
        )

    # Whoever runs events runs their series; a series is only read here, its dates are changed as events.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("events.view_event")

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("events.change_event")  # the list's action

    def has_add_permission(self, request):
        return False  # a series starts from its first event: "Repeat as a series" on the event's page

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("<int:series_id>/cancel/", wrap(self.cancel_view), name="events_series_cancel"),
            path("<int:series_id>/summary.<str:kind>", wrap(self.summary_view), name="events_series_summary"),
            *super().get_urls(),
        ]

    def managed_series(self, request, series_id: int) -> Series:
        """A series the user runs; any other is not found, as for an id never used."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=series_id)

    @admin.display(description="repeats")
    def repeats(self, of: Series) -> str:
        return series.describe(of.rule)

    @admin.display(description="next date", ordering="next_start")
    def next_date(self, of: Series) -> str:
        if of.next_start is None:
            return "none to come"
        return f"{event_time(of.next_start, of)} ({of.timezone})"

    @admin.display(description="dates")
    def dates(self, of: Series) -> str:
        return f"{of.to_come} of {of.date_count} to come"

    @admin.display(description="dates")
    def dates_table(self, of: Series) -> str:
        """Each date with what it sold, linked to its page in the console and on the site."""
        rows = format_html_join(
            "",
            '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
            '<td><a href="{}">on the site</a></td></tr>',
            (
                (
                    reverse("admin:events_event_change", args=[sales.event.pk]),
                    local_start(sales.event),
                    sales.event.get_status_display(),
                    fill_bar(sales.event),
                    sales.waitlisted,
                    format_money(sales.revenue, sales.event.currency) if sales.revenue else "none",
                    sales.checked_in,
                    sales.event.get_absolute_url(),
                )
                for sales in sales_of(of.occurrences.order_by("starts_at", "pk"))
            ),
        )
        header = format_html_join("", "<th>{}</th>", ((name,) for name in SERIES_TABLE_COLUMNS))
        return format_html(
            '<table class="series-dates"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>', header, rows
        )

    def cancel_view(self, request, series_id: int):
        """The page's "Cancel the remaining dates": asks first, as the list's action does."""
        of = self.managed_series(request, series_id)
        if not self.has_change_permission(request):
            raise PermissionDenied
        asked = self.cancel_remaining(request, [of])
        return asked or HttpResponseRedirect(reverse("admin:events_series_change", args=[of.pk]))

    @admin.action(description="Cancel the remaining dates of the selected series", permissions=["change"])
    def cancel_remaining(self, request, queryset):
        return ask_then_report_each(
            self,
            request,
            queryset,
            lambda of: series.cancel_series(series=of, by=request.user),
            done=("Cancelled the remaining dates of %(count)d series.",) * 2,
            action="cancel_remaining",
            question="Cancel the remaining dates?",
            consequence=(
                "Every date that has not started is cancelled: booking closes for good, paid and held "
                "tickets are cancelled and refunded, free bookings stay on record. Dates that have "
                "started stay as they are."
            ),
            describe=lambda of: f"{of.title}: {series.describe(of.rule)}",
        )

    def summary_view(self, request, series_id: int, kind: str):
        """One row per date (sold, capacity, waitlist, revenue, checked in) as CSV or as an Excel workbook."""
        of = self.managed_series(request, series_id)
        rows = [SUMMARY_COLUMNS, *series_summary_rows(of)]
        if kind == "csv":
            return rows_csv_response(rows, name=f"series-{of.pk}")
        if kind == "xlsx":
            return rows_workbook_response(rows, name=f"series-{of.pk}", title=of.title)
        raise Http404("No such export.")
