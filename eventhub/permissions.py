"""API permissions: who may knock on which door. Business rules stay in the services."""

from rest_framework.permissions import BasePermission


class IsOrganizer(BasePermission):
    message = "Only organizers can do this: they create and run events."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.is_organizer


class IsSiteStaff(BasePermission):
    message = "Only site staff can do this."

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.is_site_staff


class ManagesEvent(BasePermission):
    """The event's organizer and site staff run it; everyone else who can see it gets 403."""

    message = "Only the event's organizer or staff can do this."

    def has_object_permission(self, request, view, obj):
        return obj.is_managed_by(request.user)
