"""What the booking pages post: ids and a wish, parsed here; whether they fit the event is the
booking service's decision, whose refusals the pages show."""

from django import forms

# The largest id a bigint key holds: a bigger number is junk, not a lookup for the database to refuse.
MAX_ID = 2**63 - 1


class TicketChoiceForm(forms.Form):
    ticket_type = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    # Left empty on the seat map: the best available seat.
    seat = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    waitlist = forms.BooleanField(required=False)

    NOT_ON_OFFER = "That choice is not on offer. Please choose again from the list."
