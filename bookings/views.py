from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.views import View
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from accounts.views import safe_next
from bookings import selectors, services, tickets
from bookings.forms import AnswersForm, TicketChoiceForm
from bookings.models import Booking
from community.selectors import friends_seats
from eventhub.errors import DomainError, ErrorCode
from eventhub.money import format_money
from events.calendars import events_calendar
from events.models import Event, Seat, TicketType
from events.seat_grid import shared_grid
from events.selectors import map_seats, questions_for, questions_of
from events.views import event_page_context
from payments.models import Invoice, Payment, Refund
from payments.services import cancellation_refusal, kept_payment


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
    """POST: book a place of the chosen ticket type, or join its waitlist when the form asks for it, with
    the answers to the questions that type is asked.

    A seated type chosen without a seat goes to its seat map first, where the seat is picked; the
    answers given go along.
    """

    http_method_names = ["post"]

    def return_to(self) -> str:
        return reverse("events:detail", kwargs={"pk": self.kwargs["event_id"]})

    def post(self, request, event_id):
        event = get_object_or_404(Event.objects.visible_to(request.user), pk=event_id)
        choice = _posted_choice(request)
        if choice is None:
            messages.error(request, TicketChoiceForm.NOT_ON_OFFER)
            return redirect(event)
        form = _posted_answers(request, event.pk, choice["ticket_type"])

        def event_page():
            chosen = choice["ticket_type"]
            context = event_page_context(request, event, answers=request.POST, chosen_type_id=chosen)
            return render(request, "events/event_detail.html", context)

        if not form.is_valid():
            messages.error(request, AnswersForm.CHECK_ANSWERS)
            return event_page()
        if not choice["waitlist"] and _needs_seat_map(event, choice):
            _keep_answers(request, event.pk, form.answers)
            return redirect(seat_map_url(event.pk, choice["ticket_type"]))
        return _book(request, event, choice, form.answers, reshow=event_page)


class SeatMapView(View):
    """GET: a seated ticket type's hall, seat by seat, stage first, and the questions its buyers answer.
    POST: book the chosen seat (or the best available one) or its waitlist, or move my confirmed booking
    to the seat.

    Anyone who may see the event may look; choosing needs signing in.
    """

    http_method_names = ["get", "post"]

    def get(self, request, event_id, ticket_type_id):
        event, ticket_type = self._seated_type()
        given = AnswersForm.initial_from(request.session.get(_answers_key(event.pk), {}))
        return self._page(event, ticket_type, initial=given)

    def post(self, request, event_id, ticket_type_id):
        if not request.user.is_authenticated:
            return redirect_to_login(request.path)
        event, ticket_type = self._seated_type()
        choice = _posted_choice(request)
        if choice is None:
            messages.error(request, TicketChoiceForm.NOT_ON_OFFER)
            return redirect(request.path)
        choice["ticket_type"] = ticket_type.pk
        booking = selectors.booking_of(user=request.user, event=event)
        if booking is not None and booking.status == Booking.Status.CONFIRMED:
            return _move(request, booking, choice)
        form = _posted_answers(request, event.pk, ticket_type.pk)

        def seat_map_page():
            return self._page(event, ticket_type, chosen=choice.get("seat"), data=request.POST)

        if not form.is_valid():
            messages.error(request, AnswersForm.CHECK_ANSWERS)
            return seat_map_page()
        return _book(request, event, choice, form.answers, reshow=seat_map_page)

    def _page(self, event: Event, ticket_type: TicketType, chosen: int | None = None, **answers):
        """The map, ``chosen`` seat ticked; ``answers`` (the form's ``data`` or ``initial``) fill in the
        questions again, so a page shown again after a refusal keeps what the buyer picked and typed."""
        request = self.request
        booking = selectors.booking_of(user=request.user, event=event)
        choice = selectors.ticket_choice(ticket_type, event)
        action = selectors.booking_action(user=request.user, event=event, booking=booking)
        action = selectors.sale_action(action, [choice])
        moving = action.kind == "cancel" and booking.status == Booking.Status.CONFIRMED
        # Someone moving within the type keeps their seat unless they pick one: no "best" to offer.
        offers_best = action.kind == "book" or (moving and booking.ticket_type_id != ticket_type.pk)
        grid = shared_grid(ticket_type)
        friend_seats = friends_seats(request.user, ticket_type_id=ticket_type.pk)
        mine = booking.seat_id if booking else None
        context = {
            "event": event,
            "ticket_type": ticket_type,
            "choice": choice,
            "action": action,
            "booking": booking,
            "moving": moving,
            "mine": mine,
            "grid": grid.html,
            "viewer_seats": map_seats(ticket_type, {mine, chosen, *friend_seats} - {None}),
            "friend_seats": friend_seats,
            "best": grid.best if offers_best else None,
            "offers_best": offers_best,
            "chosen": chosen,
        }
        if action.offers_booking:
            questions = questions_of(event, ticket_type_id=ticket_type.pk)
            context["answers_form"] = AnswersForm(questions=questions, **answers)
        return render(request, "bookings/seat_map.html", context)

    def _seated_type(self) -> tuple[Event, TicketType]:
        """The event (as the viewer may see it) and its seated type; anything else does not exist."""
        ticket_type = (
            TicketType.objects.select_related("event")
            .filter(pk=self.kwargs["ticket_type_id"], event_id=self.kwargs["event_id"], seated=True)
            .first()
        )
        if ticket_type is None or not ticket_type.event.is_visible_to(self.request.user):
            raise Http404("No such seated ticket type.")
        return ticket_type.event, ticket_type


class ChangeTicketView(SignInThenReturnMixin, View):
    """POST: move my confirmed booking to another ticket type (a seated one by way of its seat map)."""

    http_method_names = ["post"]

    def return_to(self) -> str:
        return reverse("bookings:mine")

    def post(self, request, pk):
        booking = get_object_or_404(
            Booking.objects.select_related("event", "ticket_type", "seat"), pk=pk, user=request.user
        )
        choice = _posted_choice(request)
        if choice is None or choice["ticket_type"] is None:
            messages.error(request, TicketChoiceForm.NOT_ON_OFFER)
            return redirect(booking.event)
        if _needs_seat_map(booking.event, choice):
            return redirect(seat_map_url(booking.event_id, choice["ticket_type"]))
        return _move(request, booking, choice)


def seat_map_url(event_id: int, ticket_type_id: int) -> str:
    return reverse("bookings:seats", kwargs={"event_id": event_id, "ticket_type_id": ticket_type_id})


def _posted_choice(request) -> dict | None:
    form = TicketChoiceForm(request.POST)
    return form.cleaned_data if form.is_valid() else None


def _posted_answers(request, event_id: int, ticket_type_id: int | None) -> AnswersForm:
    """The posted answers to the questions the chosen type is asked; those of other types are left out."""
    questions = questions_for(event_id=event_id, ticket_type_id=ticket_type_id)
    return AnswersForm(request.POST, questions=questions)


def _answers_key(event_id: int) -> str:
    return f"booking-answers-{event_id}"


def _keep_answers(request, event_id: int, answers: dict) -> None:
    """Answers given on the event page wait in the session while the buyer picks a seat on the map."""
    if answers:
        request.session[_answers_key(event_id)] = answers


def _needs_seat_map(event: Event, choice: dict) -> bool:
    """A seated type chosen without a seat: the buyer picks it on the map first."""
    if choice["ticket_type"] is None or choice["seat"] is not None:
        return False
    return TicketType.objects.filter(pk=choice["ticket_type"], event=event, seated=True).exists()


def _rows(choice: dict) -> dict:
    """The service reads the rows under the event's lock: it takes them by id alone."""
    return {
        "ticket_type": TicketType(pk=choice["ticket_type"]) if choice["ticket_type"] else None,
        "seat": Seat(pk=choice["seat"]) if choice["seat"] else None,
    }


def _book(request, event: Event, choice: dict, answers: dict, *, reshow):
    """Book, then say how it went; refused answers show the page again (``reshow``) as it was posted."""
    try:
        booking = services.book(
            user=request.user, event=event, waitlist=choice["waitlist"], answers=answers, **_rows(choice)
        )
    except DomainError as refusal:
        if refusal.code == ErrorCode.INVALID_ANSWERS:
            messages.error(request, refusal.message)
            return reshow()
        return _refused(request, refusal, event, choice)
    request.session.pop(_answers_key(event.pk), None)
    if booking.status == Booking.Status.PENDING:  # a priced ticket, held while its buyer pays
        return redirect("payments:checkout", booking_id=booking.pk)
    if booking.status == Booking.Status.CONFIRMED:
        words = _ticket_words(booking, named=choice["ticket_type"] is not None)
        details = f" ({words})" if words else ""
        messages.success(request, f"You're booked for “{event.title}”{details}. See you there!")
    else:
        position = selectors.waitlist_position(booking)
        messages.info(
            request,
            f"You're on the waitlist for “{event.title}” (number {position}). "
            "We'll email you if a seat opens up.",
        )
    return redirect(event)


def _move(request, booking: Booking, choice: dict):
    event, before = booking.event, (booking.ticket_type_id, booking.seat_id)
    try:
        moved = services.change_ticket_type(booking=booking, by=request.user, **_rows(choice))
    except DomainError as refusal:
        return _refused(request, refusal, event, choice)
    if (moved.ticket_type_id, moved.seat_id) == before:
        messages.info(request, "Your ticket is unchanged: that is the place you already hold.")
    else:
        messages.success(
            request, f"Your ticket for “{event.title}” is now {_ticket_words(moved, named=True)}."
        )
    return redirect(event)


def _refused(request, refusal: DomainError, event: Event, choice: dict):
    """Show the service's refusal; one about the seat goes back to the seat map to choose another."""
    messages.error(request, refusal.message)
    if refusal.field == "seat" and choice["ticket_type"]:
        return redirect(seat_map_url(event.pk, choice["ticket_type"]))
    return redirect(event)


def _ticket_words(booking: Booking, *, named: bool) -> str:
    """ "VIP, Row C, seat 12": the type when the buyer chose among several, and the seat if any."""
    parts = [booking.ticket_type.name] if named else []
    if booking.seat is not None:
        parts.append(booking.seat.label)
    return ", ".join(parts)


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
            "paid": kept_payment(booking),
            "refunds_closed": cancellation_refusal(booking=booking, by=request.user),
            "seat_goes_to_waitlist": confirmed and selectors.has_waitlist(event),
            "back": _safe_next(request, event.get_absolute_url()),
        }
        return render(request, "bookings/booking_cancel.html", context)

    def post(self, request, pk):
        booking = self._my_booking(pk)
        paid = kept_payment(booking)
        try:
            services.cancel_booking(booking=booking, by=request.user)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            refund = paid.refunds.order_by("-pk").first() if paid else None
            money = _refund_words(refund, paid.currency) if refund else ""
            messages.success(request, f"Your booking for “{booking.event.title}” is cancelled.{money}")
        return redirect(_safe_next(request, "bookings:mine"))

    def _my_booking(self, pk) -> Booking:
        return get_object_or_404(Booking.objects.select_related("event"), pk=pk, user=self.request.user)


def _refund_words(refund: Refund, currency: str) -> str:
    """What happens to the money of a cancelled paid booking, in a sentence."""
    amount = format_money(refund.amount, currency)
    if refund.state == Refund.State.DONE:
        return f" {amount} has been refunded to you."
    if refund.state == Refund.State.PENDING:
        return f" A refund of {amount} will follow."
    return f" A refund of {amount} will follow: the organizer sends it to you."


class MyBookingsView(LoginRequiredMixin, TemplateView):
    """My bookings, upcoming first, then past ones."""

    template_name = "bookings/booking_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = _with_payments(selectors.bookings_with_answers_of(user=user))
        bookings = sorted(rows, key=lambda b: b.event.starts_at)
        for booking in bookings:
            booking.action = selectors.booking_action(user=user, event=booking.event, booking=booking)
            booking.answers_open = booking.asks_questions and answers_open(booking, self.request.user)
            payments = booking.payments.all()
            booking.settled_payments = [p for p in payments if p.state in Payment.SETTLED_STATES]
            booking.invoices = [invoice for p in payments for invoice in p.invoices.all()]
            booking.has_ticket = tickets.has_ticket(booking)
        context["upcoming"] = [b for b in bookings if not b.event.has_started]
        context["past"] = [b for b in reversed(bookings) if b.event.has_started]
        return context


def _with_payments(bookings):
    """Each booking's payments (newest first) with their refunds and invoices: three queries in all."""
    invoices = Invoice.objects.only("pk", "payment_id", "kind", "number").order_by("issued_at", "pk")
    payments = Payment.objects.prefetch_related(
        Prefetch("refunds", queryset=Refund.objects.order_by("created_at", "pk")),
        Prefetch("invoices", queryset=invoices),
    )
    return bookings.prefetch_related(Prefetch("payments", queryset=payments))


class AnswersView(SignInThenReturnMixin, View):
    """GET: my answers to the questions of one of my bookings, ready to change until the event starts
    (shown as they are after that, or once the booking is cancelled). POST: save the changed answers."""

    http_method_names = ["get", "post"]

    def get(self, request, pk):
        booking = self._my_booking(pk)
        given = AnswersForm.initial_from({a.question_id: a.value for a in booking.answers.all()})
        return self._page(booking, AnswersForm(questions=self._questions(booking), initial=given))

    def post(self, request, pk):
        booking = self._my_booking(pk)
        if not answers_open(booking, request.user):
            return redirect(request.path)  # the page says why the answers stay as they are
        form = AnswersForm(request.POST, questions=self._questions(booking))
        if not form.is_valid():
            messages.error(request, AnswersForm.CHECK_ANSWERS)
            return self._page(booking, form)
        try:
            services.update_answers(booking=booking, answers=form.answers, by=request.user)
        except DomainError as refusal:
            messages.error(request, refusal.message)
            return self._page(booking, form)
        messages.success(request, f"Your answers for “{booking.event.title}” are saved.")
        return redirect("bookings:mine")

    def _my_booking(self, pk) -> Booking:
        bookings = Booking.objects.select_related("event", "ticket_type").with_answers()
        return get_object_or_404(bookings, pk=pk, user=self.request.user)

    @staticmethod
    def _questions(booking: Booking):
        return questions_for(event_id=booking.event_id, ticket_type_id=booking.ticket_type_id)

    def _page(self, booking: Booking, form: AnswersForm):
        context = {
            "booking": booking,
            "event": booking.event,
            "form": form,
            "open": answers_open(booking, self.request.user),
        }
        return render(self.request, "bookings/booking_answers.html", context)


def answers_open(booking: Booking, user) -> bool:
    """Whether ``user`` may still change the booking's answers (the service's rule)."""
    return services.answers_refusal(booking=booking, by=user) is None


@require_safe
def calendar_feed(request, token: str):
    """A person's tickets as a calendar feed, read by its secret address: calendar apps cannot sign in.

    Confirmed tickets and those held for payment; a cancelled booking leaves the feed.
    """
    user = get_object_or_404(get_user_model(), calendar_token=token, is_active=True)
    events = Event.objects.filter(bookings__user=user, bookings__status__in=Booking.HOLDING_STATUSES)
    feed = events_calendar(events.order_by("starts_at", "pk"), name=f"{user.username} on eventhub")
    response = HttpResponse(feed, content_type="text/calendar; charset=utf-8")
    patch_cache_control(response, private=True, no_cache=True)
    return response


def _my_booking_with_ticket(request, pk: int) -> Booking:
    """One of my bookings with all its ticket shows; anyone else's does not exist (404, as an unknown id)."""
    bookings = Booking.objects.select_related("event", "ticket_type", "seat", "user")
    return get_object_or_404(bookings, pk=pk, user=request.user)


@login_required
@require_safe
@cache_control(private=True)  # it carries the ticket's code: no shared cache may keep it
def ticket(request, pk: int):
    """My ticket to show at the door: its QR code and its code, or why the booking has none (yet)."""
    booking = _my_booking_with_ticket(request, pk)
    # segno's markup: the QR code is drawn from the payload as path data, no text of it is echoed.
    qr_svg = mark_safe(tickets.qr_svg(booking)) if tickets.has_ticket(booking) else None
    return render(
        request, "bookings/ticket.html", {"booking": booking, "event": booking.event, "qr_svg": qr_svg}
    )


@login_required
@require_safe
@cache_control(private=True)
def ticket_pdf(request, pk: int):
    """My ticket as a one-page PDF to print; a booking without a ticket goes to its page, which says why."""
    booking = _my_booking_with_ticket(request, pk)
    if not tickets.has_ticket(booking):
        return redirect("bookings:ticket", pk=booking.pk)
    response = HttpResponse(tickets.ticket_pdf(booking), content_type="application/pdf")
    filename = f"ticket-{booking.event.slug or 'event'}-{booking.pk}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
