"""The events API: everyone browses; organizers create; an event's organizer and staff run it."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import AllowAny, IsAuthenticated

from eventhub.api_errors import error_responses
from eventhub.permissions import IsOrganizer, ManagesEvent
from events import services
from events.filters import EventFilter
from events.models import Event
from events.selectors import UpcomingThenPast
from events.serializers import EventSerializer

WRITE_ERRORS = error_responses(400, 401, 403, 404)


@extend_schema_view(
    list=extend_schema(
        description="Events you can see: published and cancelled ones, plus your own drafts "
        "(site staff see every draft). Upcoming events come first unless ordering says otherwise.",
        responses={200: EventSerializer, **error_responses(400, 404)},
    ),
    retrieve=extend_schema(responses={200: EventSerializer, **error_responses(404)}),
    create=extend_schema(
        description="Organizers only; you become the event's organizer.",
        responses={201: EventSerializer, **error_responses(400, 401, 403)},
    ),
    update=extend_schema(responses={200: EventSerializer, **WRITE_ERRORS}),
    partial_update=extend_schema(
        description="Capacity cannot go below the seats already booked; raising it confirms "
        "waitlisted bookings in order. status=cancelled cancels the event.",
        responses={200: EventSerializer, **WRITE_ERRORS},
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
        return Event.objects.visible_to(self.request.user).select_related("organizer")

    def paginate_queryset(self, queryset):
        if "ordering" not in self.request.query_params:
            queryset = UpcomingThenPast(queryset)  # the default order
        return super().paginate_queryset(queryset)

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
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
