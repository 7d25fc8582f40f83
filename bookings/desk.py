"""The check-in desk: a phone-first page where an event's organizer and staff let people in.

A ticket's QR code is scanned with the device's camera (static/js/check-in.js), its code
typed, or its holder found by name; the booking service answers, and the page shows that
answer big. Every form posts to the page itself, which answers with the whole page, or with
only its live part (the count and the answer) when the page's script asks for it: the page
works without JavaScript, and with it never reloads.
"""

from dataclasses import dataclass

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.text import capfirst
from django.views import View

from bookings import services
from bookings.models import Booking
from eventhub.errors import DomainError
from events.filters import MAX_ID
from events.models import Event

# Search asks for this much of a name, so a desk never lists the whole guest list at once.
SEARCH_MIN_CHARS = 3
SEARCH_MAX_CHARS = 100
SEARCH_LIMIT = 20
# The header the page's script sends to get only the live part back.
FRAGMENT_HEADER = "X-Desk-Fragment"


@dataclass(frozen=True)
class Answer:
    """What the desk says after a scan or a tap: the outcome (a refusal's code), in big words and small."""

    outcome: str
    headline: str
    detail: str = ""
    undo: Booking | None = None  # the check-in just made, which this device may take back

    @property
    def tone(self) -> str:
        """Green for in, amber for a second scan of a ticket already in, red for turned away."""
        return {"checked_in": "ok", "undone": "info", "already_checked_in": "warn"}.get(self.outcome, "bad")

    @classmethod
    def refused(cls, refusal: DomainError) -> "Answer":
        # The service's messages read "Answer: a sentence", e.g. "Awaiting payment: Ada's ticket...".
        headline, _, detail = refusal.message.partition(": ")
        return cls(str(refusal.code), headline, capfirst(detail))


class BookingChoice(forms.Form):
    booking = forms.IntegerField(min_value=1, max_value=MAX_ID)


class NameSearch(forms.Form):
    q = forms.CharField(
        label="Find by name",
        required=False,
        min_length=SEARCH_MIN_CHARS,
        max_length=SEARCH_MAX_CHARS,
        error_messages={
            "min_length": f"Type at least {SEARCH_MIN_CHARS} letters to find a name.",
            "max_length": f"Type at most {SEARCH_MAX_CHARS} letters of a name.",
        },
    )


class CheckInDeskView(LoginRequiredMixin, View):
    """GET: the desk, with the bookings whose holder's name matches ``q`` when one is searched.
    POST, as its field ``do`` says: check in a ticket by its ``code`` ("code") or a ``booking``
    found by name ("booking"), or undo the check-in of a ``booking`` just made ("undo"). (The field
    is not called "action": an input of that name hides a form's own action from scripts.)
    """

    http_method_names = ["get", "post"]

    def get(self, request, event_id):
        return self._page(self._event(), search=NameSearch(request.GET))

    def post(self, request, event_id):
        event = self._event()
        try:
            answer = self._act(event, request.POST.get("do"))
        except DomainError as refusal:
            answer = Answer.refused(refusal)
        if answer is None:
            return self._page(event, status=400)
        # A code the desk did not know stays in its box, to correct a typo.
        code = request.POST.get("code", "") if answer.outcome == "unknown_ticket" else ""
        # A check-in from the search's list shows the list again, as it now stands.
        return self._page(event, answer=answer, code=code, search=NameSearch(request.POST))

    def _act(self, event: Event, do: str | None) -> Answer | None:
        """Do what the form asks and say how it went; None when the form makes no sense."""
        by = self.request.user
        if do == "code":
            code_text = self.request.POST.get("code", "")
            return _checked_in(services.check_in_by_code(event=event, code_text=code_text, by=by))
        choice = BookingChoice(self.request.POST)
        if do not in ("booking", "undo") or not choice.is_valid():
            return None
        booking = Booking(pk=choice.cleaned_data["booking"], event_id=event.pk)
        if do == "booking":
            return _checked_in(services.check_in(booking=booking, by=by))
        undone = services.undo_check_in(booking=booking, by=by)
        return Answer("undone", "Check-in undone", undone.user.name)

    def _event(self) -> Event:
        """The event, for those who run it; for anyone else it does not exist."""
        return get_object_or_404(Event.objects.managed_by(self.request.user), pk=self.kwargs["event_id"])

    def _page(self, event: Event, *, answer=None, code="", search: NameSearch | None = None, status=200):
        context = {"event": event, "answer": answer, "count": services.check_in_count(event=event)}
        if self.request.headers.get(FRAGMENT_HEADER) == "live":
            response = render(self.request, "bookings/desk_live.html", context, status=status)
            # Tells the script this is the desk's answer, not a sign-in page a redirect led to.
            response[FRAGMENT_HEADER] = answer.outcome if answer else "none"
            return response
        search = search or NameSearch()
        query = search.cleaned_data["q"] if search.is_valid() else ""
        found, more = _named(event, query) if query else (None, False)
        context |= {
            "code": code,
            "search": search,
            "query": query,
            "found": found,
            "more": more,
            "search_min_chars": SEARCH_MIN_CHARS,
            "search_limit": SEARCH_LIMIT,
        }
        return render(self.request, "bookings/desk.html", context, status=status)


def _checked_in(booking: Booking) -> Answer:
    """ "Checked in", with who, their ticket type and seat, and a way to take it back."""
    parts = [booking.user.name, booking.ticket_type.name]
    if booking.seat is not None:
        parts.append(booking.seat.label)
    return Answer("checked_in", "Checked in", " · ".join(parts), undo=booking)


def _named(event: Event, query: str) -> tuple[list[Booking], bool]:
    """The event's bookings whose holder's name or username holds every word typed, and whether more match.

    One query, however many bookings match: the first SEARCH_LIMIT, by name.
    """
    bookings = event.bookings.select_related(*services.CHECK_IN_RELATIONS)
    for word in query.split():
        bookings = bookings.filter(
            Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
            | Q(user__username__icontains=word)
        )
    found = list(
        bookings.order_by("user__last_name", "user__first_name", "user__username")[: SEARCH_LIMIT + 1]
    )
    return found[:SEARCH_LIMIT], len(found) > SEARCH_LIMIT
