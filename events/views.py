from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.templatetags.static import static
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_safe
from django.views.generic import DetailView
from django_filters.views import FilterView

from bookings import selectors
from bookings.forms import AnswersForm
from events.calendars import event_calendar
from events.filters import SEARCH_MAX_LENGTH, EventFilter
from events.models import Event
from events.selectors import questions_for, with_price_range

# The list page offers three of the filter's orderings.
SORT_CHOICES = [("starts_at", "Soonest"), ("-created_at", "Newest"), ("title", "Title")]


class EventListView(FilterView):
    """Upcoming published events: search, filters, sorting, 12 a page."""

    filterset_class = EventFilter
    template_name = "events/event_list.html"
    paginate_by = 12
    strict = False  # a bad filter value is reported and ignored, not an empty page

    def get_queryset(self):
        events = Event.objects.published_upcoming().select_related("organizer").order_by("starts_at", "pk")
        return with_price_range(events)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = context["object_list"]
        statuses = selectors.active_event_ids(user=self.request.user, events=events)
        for event in events:
            event.my_status = statuses.get(event.pk)
        context["sort_choices"] = SORT_CHOICES
        context["search_max_length"] = SEARCH_MAX_LENGTH
        return context

    def paginate_queryset(self, queryset, page_size):
        """Any page address shows a page: past the end, the last; not a number or below 1, the first."""
        paginator = self.get_paginator(queryset, page_size, orphans=self.get_paginate_orphans())
        page = paginator.page(_page_number(self.request.GET.get(self.page_kwarg), paginator.num_pages))
        return paginator, page, page.object_list, page.has_other_pages()


def _page_number(requested: str | None, last: int) -> int:
    if requested == "last":
        return last
    try:
        number = int(requested)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), last)


class EventDetailView(DetailView):
    """Everything about one event, and the one button that fits the viewer."""

    template_name = "events/event_detail.html"
    context_object_name = "event"

    def get_queryset(self):
        return Event.objects.visible_to(self.request.user).select_related("organizer")

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
    }
    if action.offers_booking:
        context["answers_form"] = _answers_form(event, choices, data=answers, chosen_type_id=chosen_type_id)
    if booking is not None and booking.status == booking.Status.WAITLISTED:
        context["waitlist_position"] = selectors.waitlist_position(booking)
    return context


def _answers_form(event: Event, choices, **form_options) -> AnswersForm:
    """The booking form's questions: the event's own and those of each type on sale, named after their
    type when the buyer picks among several."""
    on_sale = {choice.ticket_type.pk: choice.ticket_type.name for choice in choices if choice.on_sale}
    questions = [
        question
        for question in questions_for(event_id=event.pk, ticket_type_id=None)
        if question.ticket_type_id is None or question.ticket_type_id in on_sale
    ]
    return AnswersForm(questions=questions, type_names=on_sale if len(choices) > 1 else None, **form_options)


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links: send them to the static icon."""
    return redirect(static("img/favicon.ico"))
