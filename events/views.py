from zoneinfo import ZoneInfo

from django.core.paginator import Page, Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe
from django.views.generic import DetailView
from django_filters.views import FilterView

from bookings import selectors
from bookings.forms import AnswersForm
from eventhub.emails import absolute
from events import browse_cache, discovery
from events.calendars import event_calendar
from events.filters import PAST, SEARCH_MAX_LENGTH, UPCOMING, EventFilter
from events.models import Category, Event
from events.selectors import one_per_series, other_dates_of, questions_of, with_price_range

# The list page offers these of the filter's orderings; the first names each tab's own order.
SORT_CHOICES = {
    UPCOMING: [
        ("starts_at", "Soonest"),
        ("-popularity", "Most popular"),
        ("-created_at", "Newest"),
        ("title", "Title"),
    ],
    PAST: [("-starts_at", "Most recent"), ("title", "Title")],
}
EVENTS_PER_PAGE = 12


def _when(request) -> str:
    """The tab a page shows: past events when asked for, else upcoming ones."""
    return PAST if request.GET.get("when") == PAST else UPCOMING


class CachedForVisitorsMixin:
    """The page a visitor who is not signed in gets, rendered once for all of them (events.browse_cache)."""

    def dispatch(self, request, *args, **kwargs):
        render = super().dispatch
        if request.method not in ("GET", "HEAD") or not browse_cache.is_anonymous_visit(request):
            return render(request, *args, **kwargs)
        return browse_cache.served(request, lambda: render(request, *args, **kwargs))


class EventListView(CachedForVisitorsMixin, FilterView):
    """Published events, upcoming ones or past ones: search, filters, sorting, 12 a page."""

    filterset_class = EventFilter
    template_name = "events/event_list.html"
    paginate_by = EVENTS_PER_PAGE
    strict = False  # a bad filter value is reported and ignored, not an empty page

    def get_queryset(self):
        events = Event.objects.published().select_related("organizer", "category")
        return with_price_range(events.order_by(*discovery.TAB_ORDER[_when(self.request)]))

    def get_filterset_kwargs(self, filterset_class):
        """The page always shows one tab, so ``when`` is never left out (nor junk) here as the API allows."""
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = self.request.GET.copy()
        kwargs["data"]["when"] = _when(self.request)
        return kwargs

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = context["object_list"]
        statuses = selectors.active_event_ids(user=self.request.user, events=events)
        for event in events:
            event.my_status = statuses.get(event.pk)
        when = _when(self.request)
        context.update(when=when, past=when == PAST, sort_choices=SORT_CHOICES[when])
        # Whether anything narrows the tab: moving between pages or tabs, or sorting, does not.
        context["searched"] = bool(set(self.request.GET) - {"when", "page", "ordering"})
        context["tab_url"] = reverse("events:list") + ("?when=past" if when == PAST else "")
        context["search_max_length"] = SEARCH_MAX_LENGTH
        context["categories"] = list(Category.objects.all())
        context["attendance_choices"] = Event.Attendance.choices
        return context

    def paginate_queryset(self, queryset, page_size):
        # A series is one entry: its next date (its latest, among past events) and how many more it has.
        entries = one_per_series(queryset, order=discovery.TAB_ORDER[_when(self.request)])
        page = _page_of(self.request, entries, page_size)
        return page.paginator, page, page.object_list, page.has_other_pages()


def _page_of(request, items, per_page: int) -> Page:
    """Any page address shows a page: past the end, the last; not a number or below 1, the first."""
    paginator = Paginator(items, per_page)
    return paginator.page(_page_number(request.GET.get("page"), paginator.num_pages))


def _page_number(requested: str | None, last: int) -> int:
    if requested == "last":
        return last
    try:
        number = int(requested)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), last)


class EventDetailView(CachedForVisitorsMixin, DetailView):
    """Everything about one event, and the one button that fits the viewer."""

    template_name = "events/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user).select_related("organizer", "category")

    def get(self, request, *args, **kwargs):
        self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        if kwargs.get("slug") != self.object.slug:
            return redirect(self.object, permanent=True)
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(event_page_context(self.request, self.object))
        return context


@require_safe
def event_calendar_file(request, pk: int):
    """The event as an .ics file for "Add to calendar": anyone who may see the event may take it."""
    event = get_object_or_404(Event.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(event_calendar(event), content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{event.slug or 'event'}.ics"
    )
    return response


def event_page_context(request, event: Event, *, answers=None, chosen_type_id: int | None = None) -> dict:
    """What the event page shows its viewer: their booking, the ticket types and the one action that fits.

    A booking sent back (an answer missing, say) passes what was posted as
    ``answers`` and the type chosen, so the page shows them again as they were.
    """
    user = request.user
    booking = selectors.booking_of(user=user, event=event)
    choices = selectors.ticket_choices(event)
    action = selectors.sale_action(selectors.booking_action(user=user, event=event, booking=booking), choices)
    chosen = next((choice for choice in choices if choice.ticket_type.pk == chosen_type_id), None)
    context = {
        "event": event,
        "booking": booking,
        "choices": choices,
        "default_choice": chosen or selectors.default_choice(choices),
        "action": action,
        "waitlist_open": any(choice.on_sale and choice.sold_out for choice in choices),
        "has_ended": event.ends_at <= timezone.now(),
        "page_url": absolute(event.get_absolute_url()),
        "organizer_url": _organizer_url(event.organizer),
        "tags": list(event.tags.all()),
        "show_joining_link": bool(event.online_url) and _holds_a_seat_or_runs(user, event, booking),
        "other_dates": other_dates_of(event),
    }
    if action.offers_booking:
        context["answers_form"] = _answers_form(event, choices, data=answers, chosen_type_id=chosen_type_id)
    if booking is not None and booking.status == booking.Status.WAITLISTED:
        context["waitlist_position"] = selectors.waitlist_position(booking)
    return context


def _holds_a_seat_or_runs(user, event: Event, booking) -> bool:
    """Who an online event's joining link is for: those with a confirmed ticket, and who run the event."""
    confirmed = booking is not None and booking.status == booking.Status.CONFIRMED
    return confirmed or event.is_managed_by(user)


def _organizer_url(user) -> str | None:
    return reverse("events:organizer", args=[user.username]) if discovery.has_public_page(user) else None


def _answers_form(event: Event, choices, **form_options) -> AnswersForm:
    """The booking form's questions: the event's own and those of each type on sale, named after their
    type when the buyer picks among several."""
    on_sale = {choice.ticket_type.pk: choice.ticket_type.name for choice in choices if choice.on_sale}
    questions = [
        question
        for question in questions_of(event, ticket_type_id=None)
        if question.ticket_type_id is None or question.ticket_type_id in on_sale
    ]
    return AnswersForm(questions=questions, type_names=on_sale if len(choices) > 1 else None, **form_options)


@require_safe
def organizer_page(request, username: str):
    """An organizer's public page: who they are, their upcoming or past events, how many they have run."""
    organizer = discovery.public_organizer(username)
    if organizer is None:
        raise Http404("No organizer goes by that name.")
    if username != organizer.username:
        return redirect("events:organizer", organizer.username, permanent=True)
    when = _when(request)
    series_once = one_per_series(discovery.organizer_events(organizer, when), order=discovery.TAB_ORDER[when])
    events = with_price_range(series_once)
    context = {
        "organizer": organizer,
        "events_run": discovery.events_run_by(organizer),
        "when": when,
        "past": when == PAST,
        "page_obj": _page_of(request, events, EVENTS_PER_PAGE),
    }
    return render(request, "events/organizer.html", context)


@require_safe
def calendar_month(request):
    """A month of published events as a table of weeks, each event on the day it starts where it happens.

    The list's filters (search, location...) narrow it too; a month that cannot be
    read shows the current one.
    """
    today = _today_of(request.user)
    month = discovery.Month.parse(request.GET.get("month"), default=today)
    filtered = EventFilter(request.GET, queryset=Event.objects.published(), request=request)
    weeks = discovery.month_calendar(filtered.qs, month, today=today)
    context = {
        "month": month,
        "today": today,
        "weeks": weeks,
        "days_with_events": [day for week in weeks for day in week if day.events],
        "filter": filtered,
        "search_max_length": SEARCH_MAX_LENGTH,
    }
    return render(request, "events/calendar_month.html", context)


def _today_of(user):
    """Today where the viewer is: their own zone when signed in, else the site's."""
    zone = ZoneInfo(user.timezone) if user.is_authenticated else None
    return timezone.localdate(timezone=zone)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links: send them to the static icon."""
    return redirect(static("img/favicon.ico"))
