from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from bookings import selectors, services
from bookings.models import Booking
from eventhub.errors import DomainError
from events.models import Event


def _next_or(request, fallback):
    """Go back where the form said, if that is on this site."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


class BookView(LoginRequiredMixin, View):
    """POST: book a seat, or join the waitlist when the form asks for it."""

    http_method_names = ["post"]

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


class CancelView(LoginRequiredMixin, View):
    """POST: cancel one of my bookings."""

    http_method_names = ["post"]

    def post(self, request, pk):
        booking = get_object_or_404(Booking.objects.select_related("event"), pk=pk, user=request.user)
        try:
            services.cancel_booking(booking=booking, by=request.user)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, f"Your booking for “{booking.event.title}” is cancelled.")
        return _next_or(request, "bookings:mine")


class MyBookingsView(LoginRequiredMixin, TemplateView):
    """My bookings, upcoming first, then past ones."""

    template_name = "bookings/booking_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        bookings = selectors.bookings_of(user=self.request.user)
        context["upcoming"] = sorted(
            (b for b in bookings if b.event.starts_at > now), key=lambda b: b.event.starts_at
        )
        context["past"] = sorted(
            (b for b in bookings if b.event.starts_at <= now), key=lambda b: b.event.starts_at, reverse=True
        )
        return context
