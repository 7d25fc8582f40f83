"""What the checkout pages post: the buyer's details, the way to pay and a test card number, parsed here.

Whether the details will do and the way to pay is offered is the payment
service's decision (clean_buyer, start_payment); its refusals come back as
errors on these forms.
"""

from django import forms

from eventhub.errors import DomainError
from payments.services import BUYER_FIELDS


def _text(label: str, key: str, *, autocomplete: str = "", help_text: str = "", **attrs) -> forms.CharField:
    """An optional text field; its length is a hint for the browser, the service has the last word."""
    widget = forms.Textarea(attrs={"rows": 3}) if key == "address" else forms.TextInput()
    widget.attrs.update({"maxlength": BUYER_FIELDS[key], **attrs})
    if autocomplete:
        widget.attrs["autocomplete"] = autocomplete
    return forms.CharField(label=label, required=False, widget=widget, help_text=help_text)


class CheckoutForm(forms.Form):
    """The buyer's details for the invoice and the way to pay, chosen among the event's providers."""

    name = _text("Name on the invoice", "name", autocomplete="name", required=True)
    company = _text("Company", "company", autocomplete="organization", help_text="Optional.")
    address = _text("Address", "address", autocomplete="street-address", help_text="Optional.")
    vat_id = _text("VAT id", "vat_id", help_text="Optional, for a business buyer.")
    provider = forms.CharField(
        label="How would you like to pay?",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how to pay."},
    )

    BUYER = ("name", "company", "address", "vat_id")

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].widget.choices = [(p.name, p.label) for p in providers]
        if len(providers) == 1:
            self.fields["provider"].initial = providers[0].name
        self.offers_a_way_to_pay = bool(providers)

    def buyer(self) -> dict:
        """The details as given (the service trims them and says what is missing)."""
        return {key: self.cleaned_data[key] for key in self.BUYER if self.cleaned_data.get(key)}

    def show_refusal(self, refusal: DomainError) -> bool:
        """Show a refusal about the buyer (above the form) or the way to pay (beside it); False for others."""
        if refusal.field not in ("buyer", "provider"):
            return False
        self.add_error("provider" if refusal.field == "provider" else None, refusal.message)
        return True


class CardNumberForm(forms.Form):
    """The simulated card page: a card number, and nothing else (no expiry or code to make up)."""

    number = forms.CharField(
        label="Card number",
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": "Type a card number: one of the test numbers below."},
    )
