"""The admin index's "at a glance": upcoming events with how they sell (events.dashboard)."""

from django import template
from django.template.loader import render_to_string

from eventhub.money import format_money
from events.admin import fill_bar, local_start
from events.browse_cache import kept_fresh
from events.dashboard import upcoming_sales

register = template.Library()

GLANCE_SIZE = 12


@register.simple_tag(takes_context=True)
def events_at_a_glance(context):
    """The next upcoming events the signed-in user runs (all of them for site staff), in two queries,
    and the charts of their bookings over time.

    Kept per user for under a second from when it was read (events.browse_cache.kept_fresh), like the
    seat map's grid: a console left open on several screens, or reloaded quickly, reads the events and
    their bookings (and the user's permissions) about once a second, and a booking shows within that
    second.
    """
    user = context["request"].user
    return kept_fresh(f"console-glance:{user.pk}", lambda: _drawn(user))


def _drawn(user) -> str:
    if not user.has_perm("events.view_event"):
        return ""
    rows = [
        {
            "sales": sales,
            "event": sales.event,
            "start": local_start(sales.event),
            "fill": fill_bar(sales.event),
            "revenue": format_money(sales.revenue, sales.event.currency)
            if sales.revenue is not None
            else None,
        }
        for sales in upcoming_sales(user, limit=GLANCE_SIZE)
    ]
    glance = render_to_string(
        "admin/events/at_a_glance.html", {"rows": rows, "more": len(rows) == GLANCE_SIZE}
    )
    return glance + render_to_string("admin/events/bookings_charts.html")
