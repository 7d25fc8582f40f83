"""The events API: everyone browses; organizers create; an event's organizer and staff run it."""

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from eventhub.api_errors import error_responses
from eventhub.negotiation import IgnoreAccept
from eventhub.permissions import IsOrganizer, ManagesEvent
from events import browse_cache, series, services
from events.calendars import event_calendar
from events.filters import EventFilter
from events.models import Category, Event, Series, runs_any
from events.selectors import UpcomingThenPast
from events.serializers import (
    CategorySerializer,
    EventDetailSerializer,
    EventImageSerializer,
    EventImageUploadSerializer,
    EventSerializer,
    QuestionSerializer,
    SeatMapQuerySerializer,
    SeatSerializer,
    SeriesCreateSerializer,
    SeriesSerializer,
    TicketTypeCreateSerializer,
    TicketTypeSerializer,
)

WRITE_ERRORS = error_responses(400, 401, 403, 404)
READ_ACTIONS = ("list", "retrieve")
DETAIL_ACTIONS = ("retrieve", "create", "update", "partial_update")  # they answer with one event's page


@extend_schema_view(
    list=extend_schema(
        description="Events you can see: published and cancelled ones, plus your own drafts "
        "(site staff see every draft). Upcoming events come first unless ordering says otherwise.",
        responses={200: EventSerializer, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(responses={200: EventDetailSerializer, **error_responses(404)}),
    create=extend_schema(
        description="Organizers only; you become the event's organizer.",
        responses={201: EventDetailSerializer, **error_responses(400, 401, 403)},
    ),
    update=extend_schema(responses={200: EventDetailSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(
        description="Capacity cannot go below the seats already booked; raising it confirms "
        "waitlisted bookings in order. status=cancelled cancels the event.",
        responses={200: EventDetailSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        description="Only an event without bookings can be deleted; otherwise cancel it (409 has_bookings).",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    ),
)
class EventViewSet(viewsets.ModelViewSet):
    serializer_class = EventSerializer
    filterset_class = EventFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        events = (
            Event.objects.visible_to(self.request.user)
            .select_related("organizer", "category")
            .prefetch_related("ticket_types")
        )
        # One event's page shows its questions; lists leave them out; the seat map reads only types.
        if self.action in DETAIL_ACTIONS:
            return events.prefetch_related("tags", "questions")
        return events.prefetch_related("tags") if self.action == "list" else events

    def get_serializer_class(self):
        return EventDetailSerializer if self.action in DETAIL_ACTIONS else EventSerializer

    def list(self, request, *args, **kwargs):
        """A page of events as JSON, kept (events.browse_cache) for everyone who sees the catalogue
        as a visitor does: not signed in, or signed in without running events (it shows no booking)."""
        render = super().list
        if runs_any(request.user) or request.accepted_renderer.format != "json":
            return render(request, *args, **kwargs)
        return browse_cache.served(request, lambda: render(request, *args, **kwargs), variant="json")

    def paginate_queryset(self, queryset):
        if "ordering" not in self.request.query_params:
            queryset = UpcomingThenPast(queryset)  # the default order
        return super().paginate_queryset(queryset)

    def get_permissions(self):
        if self.action in (*READ_ACTIONS, "seats", "calendar"):
            return [AllowAny()]
        if self.action == "create":
            return [IsOrganizer()]
        return [IsAuthenticated(), ManagesEvent()]

    def perform_create(self, serializer):
        serializer.save(organizer=self.request.user)

    def perform_update(self, serializer):
        serializer.save(by=self.request.user)

    def perform_destroy(self, instance):
        services.delete_event(event=instance, by=self.request.user)

    @extend_schema(
        parameters=[SeatMapQuerySerializer],
        responses={200: SeatSerializer(many=True), **error_responses(400, 404)},
    )
    @action(detail=True, filterset_class=None, pagination_class=None)
    def seats(self, request, pk=None):
        """The seat map of one seated ticket type, row by row, whole (not paginated).

        A seat is available when nobody holds it and the organizer has not kept it out of sale.
        A ticket type of another event is 400 (invalid_ticket_type); a type without seats has none.
        """
        query = SeatMapQuerySerializer(data=request.query_params, context={"event": self.get_object()})
        query.is_valid(raise_exception=True)
        seats = query.validated_data["ticket_type"].seats.all()
        return Response(SeatSerializer(seats, many=True).data)

    @extend_schema(
        operation_id="events_calendar",
        description="The event as an iCalendar file (text/calendar), as its page's Add to calendar gives "
        "it: in the event's own time zone, with one UID across every change and a SEQUENCE raised when "
        "its title, description, place or times change or it is cancelled.",
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.STR, description="The .ics file."),
            **error_responses(404),
        },
    )
    @action(
        detail=True,
        url_path="calendar.ics",
        filterset_class=None,
        pagination_class=None,
        content_negotiation_class=IgnoreAccept,
    )
    def calendar(self, request, pk=None):
        """Add an event to a calendar."""
        event = self.get_object()
        response = HttpResponse(event_calendar(event), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = content_disposition_header(True, f"{event.slug or 'event'}.ics")
        return response

    @extend_schema(
        operation_id="events_image_update",
        description="Give the event a picture (its organizer and staff): multipart/form-data with the file "
        "in image and what it shows in alt. It is cut to a card and a banner, its metadata removed; the "
        "picture it replaces is deleted. A file that is no JPEG, PNG or WebP, too small, too many pixels or "
        "too large is 400 invalid_image on image; an empty alt is 400 on alt; a body over the upload limit "
        "is 413.",
        request={"multipart/form-data": EventImageUploadSerializer},
        responses={200: EventImageSerializer, **error_responses(400, 401, 403, 404, 413)},
    )
    @action(detail=True, methods=["put"], url_path="image")
    def image(self, request, pk=None):
        """Set the event's picture."""
        event = self.get_object()  # who may, before the body is read
        upload = EventImageUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        event = upload.save(event=event, by=request.user)
        return Response(EventImageSerializer(event, context=self.get_serializer_context()).data)

    @extend_schema(
        operation_id="events_image_destroy",
        description="Take the event's picture away (its organizer and staff); its files are deleted.",
        responses={204: None, **error_responses(401, 403, 404)},
    )
    @image.mapping.delete
    def remove_image(self, request, pk=None):
        """Remove the event's picture."""
        services.remove_event_image(event=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        description="The categories events are filed under, in the site's order.",
        responses={200: CategorySerializer(many=True), **error_responses()},
    ),
    retrieve=extend_schema(responses={200: CategorySerializer, **error_responses(404)}),
)
class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The site's fixed list of categories (kept by staff in the admin); filter events with ?category=."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    permission_classes = [AllowAny]
    lookup_field = "slug"
    pagination_class = None
    filterset_class = None


EVENT_ID = OpenApiParameter("event_id", int, OpenApiParameter.PATH, description="The event's id.")
TYPE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The ticket type's id.")
QUESTION_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The question's id.")
PART_WRITE_ERRORS = error_responses(400, 401, 403, 404)


class EventPartViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Rows that belong to one event, named on it by ``related_name``: whoever sees the event reads
    them; its organizer and staff write them."""

    related_name = ""
    pagination_class = None  # a handful per event, read whole as the event shows them
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action in READ_ACTIONS:
            return [AllowAny()]
        return [IsAuthenticated(), ManagesEvent()]

    def initial(self, request, *args, **kwargs):
        """Every action is about one event: one you cannot see is 404, one you do not run 403 to write."""
        super().initial(request, *args, **kwargs)
        self.event = generics.get_object_or_404(
            Event.objects.visible_to(request.user), pk=self.kwargs["event_id"]
        )
        self.check_object_permissions(request, self.event)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.serializer_class.Meta.model.objects.none()
        return getattr(self.event, self.related_name).all()

    def check_object_permissions(self, request, obj):
        """A part of an event is run by whoever runs its event."""
        super().check_object_permissions(request, obj if isinstance(obj, Event) else obj.event)


@extend_schema_view(
    list=extend_schema(
        parameters=[EVENT_ID],
        description="The ticket types of an event you can see, in display order (not paginated).",
        responses={200: TicketTypeSerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        parameters=[EVENT_ID, TYPE_ID], responses={200: TicketTypeSerializer, **error_responses(404)}
    ),
    create=extend_schema(
        parameters=[EVENT_ID],
        description="The event's organizer and staff only. An unseated type needs a capacity; a seated "
        "one (seated: true) needs a layout instead, whose seats are its capacity (400 invalid_layout "
        "for a hall out of bounds).",
        responses={201: TicketTypeSerializer, **PART_WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        parameters=[EVENT_ID, TYPE_ID],
        description="Capacity cannot go below the tickets of this type booked (capacity_below_booked), "
        "nor change on a seated type; raising it confirms its waitlist in order.",
        responses={200: TicketTypeSerializer, **PART_WRITE_ERRORS},
    ),
    destroy=extend_schema(
        parameters=[EVENT_ID, TYPE_ID],
        description="Only a type nobody has booked (409 has_bookings: end its sales instead), and "
        "never the event's last one (409 last_ticket_type).",
        responses={204: None, **error_responses(401, 403, 404, 409)},
    ),
)
class TicketTypeViewSet(EventPartViewSet):
    """An event's ticket types, written through events.services."""

    related_name = "ticket_types"
    serializer_class = TicketTypeSerializer

    def get_serializer_class(self):
        return TicketTypeCreateSerializer if self.action == "create" else TicketTypeSerializer

    def perform_create(self, serializer):
        serializer.save(event=self.event, by=self.request.user)

    def perform_update(self, serializer):
        serializer.save(by=self.request.user)

    def perform_destroy(self, instance):
        services.delete_ticket_type(ticket_type=instance, by=self.request.user)


QUESTION_RULES = (
    "Checked by the question's own rules, as field errors: choice and choices need options (non-blank "
    "text), the other kinds take none; ticket_type must be one of this event's types; a label is asked "
    "once per event."
)


@extend_schema_view(
    list=extend_schema(
        parameters=[EVENT_ID],
        description="The questions booking asks at an event you can see, in display order (not paginated).",
        responses={200: QuestionSerializer(many=True), **error_responses(404)},
    ),
    retrieve=extend_schema(
        parameters=[EVENT_ID, QUESTION_ID], responses={200: QuestionSerializer, **error_responses(404)}
    ),
    create=extend_schema(
        parameters=[EVENT_ID],
        description=f"The event's organizer and staff only. {QUESTION_RULES}",
        responses={201: QuestionSerializer, **PART_WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        parameters=[EVENT_ID, QUESTION_ID],
        description=f"{QUESTION_RULES} Answers already given stay as they were.",
        responses={200: QuestionSerializer, **PART_WRITE_ERRORS},
    ),
    destroy=extend_schema(
        parameters=[EVENT_ID, QUESTION_ID],
        description="Deleting a question deletes the answers given to it.",
        responses={204: None, **error_responses(401, 403, 404)},
    ),
)
class QuestionViewSet(EventPartViewSet):
    """An event's booking questions, saved after the model's own checks."""

    related_name = "questions"
    serializer_class = QuestionSerializer

    def perform_create(self, serializer):
        serializer.save(event=self.event)


@extend_schema_view(
    list=extend_schema(
        description="Series you can see: those with a published or cancelled date, plus your own. Each "
        "lists its upcoming dates; /api/events/?series={id} lists every date as an event.",
        responses={200: SeriesSerializer, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(responses={200: SeriesSerializer, **error_responses(404)}),
    create=extend_schema(
        request=SeriesCreateSerializer,
        description="Organizers only, on an event they run (403 not_allowed for someone else's) that has "
        "not started, is not cancelled (not_repeatable) and is in no series yet (409 already_in_series). "
        "Weekly on one or more weekdays, or monthly on the nth weekday (nth 1 to 4, or -1 for the last), "
        "every interval weeks (1 to 52) or months (1 to 12), ending on until or after count dates. The "
        "event must fall on the rule, and the rule gives 2 to 104 dates within two years "
        "(invalid_recurrence, too_many_dates). Each later date is a copy of the event (ticket types, "
        "seats, questions), published when the event is.",
        responses={201: SeriesSerializer, **error_responses(400, 401, 403, 409)},
    ),
)
class SeriesViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Series of events: browsed by everyone; made from an event, and cancelled, by its organizer."""

    serializer_class = SeriesSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        user = self.request.user
        dates = Event.objects.visible_to(user).upcoming().order_by("starts_at", "pk")
        return (
            Series.objects.visible_to(user)
            .select_related("organizer")
            .prefetch_related(Prefetch("occurrences", queryset=dates, to_attr="upcoming_occurrences"))
            .order_by("-created_at", "-pk")
        )

    def get_permissions(self):
        if self.action in READ_ACTIONS:
            return [AllowAny()]
        if self.action == "create":
            return [IsOrganizer()]
        return [IsAuthenticated(), ManagesEvent()]

    def create(self, request, *args, **kwargs):
        made = SeriesCreateSerializer(data=request.data, context=self.get_serializer_context())
        made.is_valid(raise_exception=True)
        created = made.save(by=request.user)
        return Response(self._shown(created), status=201)

    @extend_schema(
        request=None,
        description="Cancel every date of the series that has not started (each as cancelling the event "
        "does: paid tickets are refunded); dates that have started stay. 409 already_cancelled when none "
        "is left.",
        responses={200: SeriesSerializer, **error_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the remaining dates of a series."""
        series.cancel_series(series=self.get_object(), by=request.user)
        return Response(self._shown(self.get_object()))

    def _shown(self, of: Series) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=of.pk)).data
