from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from accounts.views import safe_next
from bookings import selectors, services
from bookings.models import Booking
from eventhub.errors import DomainError
from events.models import Event


def _safe_next(request, fallback: str) -> str:
    """Where the form or link said to go back to, if that is on this site; else ``fallback``."""
    return safe_next(request) or resolve_url(fallback)


class SignInThenReturnMixin(LoginRequiredMixin):
    """Signed out (a session that expired, say): sign in, then come back to a page, never to a POST-only URL.

    The default would send people back to this view's URL with a GET, a dead end.
    """

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            return super().handle_no_permission()
        return redirect_to_login(self.return_to())

    def return_to(self) -> str:
        """Where to land after signing in: this page, unless the view knows a better one."""
        return self.request.get_full_path()


class BookView(SignInThenReturnMixin, View):
    """POST: book a seat, or join the waitlist when the form asks for it."""

    http_method_names = ["post"]

    def return_to(self) -> str:
        return reverse("events:detail", kwargs={"pk": self.kwargs["event_id"]})

    def post(self, request, event_id):
        event = get_object_or_404(Event.objects.visible_to(request.user), pk=event_id)
        try:
            booking = services.book(
                user=request.user, event=event, waitlist=request.POST.get("waitlist") == "1"
            )
        except DomainError as refusal:
            messages.error(request, refusal.message)
            return redirect(event)
        if booking.status == Booking.Status.CONFIRMED:
            messages.success(request, f"You're booked for “{event.title}”. See you there!")
        else:
            position = selectors.waitlist_position(booking)
            messages.info(
                request,
                f"You're on the waitlist for “{event.title}” (number {position}). "
                "We'll email you if a seat opens up.",
            )
        return redirect(event)


class CancelView(SignInThenReturnMixin, View):
    """GET: ask first, saying what cancelling will do; POST (the confirmation): cancel one of my bookings."""

    http_method_names = ["get", "post"]

    def return_to(self) -> str:
        if self.request.method == "POST":
            return _safe_next(self.request, "bookings:mine")
        return super().return_to()

    def get(self, request, pk):
        booking = self._my_booking(pk)
        event = booking.event
        action = selectors.booking_action(user=request.user, event=event, booking=booking)
        if action.kind != "cancel":
            return redirect(event)  # nothing to confirm: the event page says where the booking stands
        confirmed = booking.status == Booking.Status.CONFIRMED
        context = {
            "booking": booking,
            "event": event,
            "seat_goes_to_waitlist": confirmed and selectors.has_waitlist(event),
            "back": _safe_next(request, event.get_absolute_url()),
        }
        return render(request, "bookings/booking_cancel.html", context)

    def post(self, request, pk):
        booking = self._my_booking(pk)
        try:
            services.cancel_booking(booking=booking, by=request.user)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"Your booking for “{booking.event.title}” is cancelled.")
        return redirect(_safe_next(request, "bookings:mine"))

    def _my_booking(self, pk) -> Booking:
        return get_object_or_404(Booking.objects.select_related("event"), pk=pk, user=self.request.user)


class MyBookingsView(LoginRequiredMixin, TemplateView):
    """My bookings, upcoming first, then past ones."""

    template_name = "bookings/booking_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        bookings = sorted(selectors.bookings_of(user=user), key=lambda b: b.event.starts_at)
        for booking in bookings:
            booking.action = selectors.booking_action(user=user, event=booking.event, booking=booking)
        context["upcoming"] = [b for b in bookings if not b.event.has_started]
        context["past"] = [b for b in reversed(bookings) if b.event.has_started]
        return context
