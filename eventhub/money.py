"""Money: Decimal amounts beside ISO 4217 codes, formatted for people by Babel, never by hand."""

from decimal import Decimal

from babel.numbers import format_currency, list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, to_locale

CURRENCIES = frozenset(list_currencies())


def validate_currency(code: str) -> None:
    if code not in CURRENCIES:
        raise ValidationError(f"“{code}” is not an ISO 4217 currency code such as EUR or USD.")


def default_currency() -> str:
    return settings.DEFAULT_CURRENCY


def format_money(amount: Decimal, currency: str) -> str:
    """``amount`` as people read it in the active language: "€25.00", "US$9.50"; "Free" for nothing."""
    if not amount:
        return "Free"
    return format_currency(amount, currency, locale=to_locale(get_language() or settings.LANGUAGE_CODE))
