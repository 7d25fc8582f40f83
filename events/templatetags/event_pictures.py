"""An event's picture in a page: ``{% picture_of event "card" as picture %}`` (events.images.shown)."""

from django import template

from events.images import Shown, shown

register = template.Library()


@register.simple_tag
def picture_of(event, kind: str) -> Shown | None:
    """The event's ``card`` or ``banner`` with its address, description and size; None without a picture."""
    return shown(event, kind)
