"""Prices for people: ``{{ ticket_type.price|money:event.currency }}`` gives "Free" or "€25.00"."""

from decimal import Decimal

from django import template

from eventhub.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """An amount in ``currency`` as eventhub.money writes it; nothing at all for a missing amount."""
    if amount is None:
        return ""
    return format_money(amount, currency)


@register.filter
def price_range(event) -> str:
    """What an event's tickets cost, from its ``min_price`` and ``max_price`` annotations:
    "Free", "€15.00", "From €15.00" or "Free to €40.00"; nothing when it sells nothing now."""
    low, high = event.min_price, event.max_price
    if low is None:
        return ""
    if low == high:
        return format_money(low, event.currency)
    if not low:
        return f"Free to {format_money(high, event.currency)}"
    return f"From {format_money(low, event.currency)}"
