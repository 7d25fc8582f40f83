"""The admin index's "at a glance": upcoming events with how full they are."""

from django import template

from events.admin import fill_bar, local_start
from events.models import Event

register = template.Library()

GLANCE_SIZE = 12


@register.inclusion_tag("admin/events/at_a_glance.html", takes_context=True)
def events_at_a_glance(context):
    """The next upcoming events the signed-in user runs (all of them for site staff), in one query."""
    user = context["request"].user
    if not user.has_perm("events.view_event"):
        return {"rows": None}
    events = Event.objects.managed_by(user).upcoming().exclude(status=Event.Status.CANCELLED)
    rows = [
        {"event": event, "start": local_start(event), "fill": fill_bar(event)}
        for event in events.order_by("starts_at", "pk")[:GLANCE_SIZE]
    ]
    return {"rows": rows, "more": len(rows) == GLANCE_SIZE}
