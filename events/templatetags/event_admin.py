"""The admin index's "at a glance": upcoming events with how they sell (events.dashboard)."""

from django import template

from eventhub.money import format_money
from events.admin import fill_bar, local_start
from events.dashboard import upcoming_sales

register = template.Library()

GLANCE_SIZE = 12


@register.inclusion_tag("admin/events/at_a_glance.html", takes_context=True)
def events_at_a_glance(context):
    """The next upcoming events the signed-in user runs (all of them for site staff), in four queries."""
    user = context["request"].user
    if not user.has_perm("events.view_event"):
        return {"rows": None}
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
    return {"rows": rows, "more": len(rows) == GLANCE_SIZE}
