"""Money in the organizer console: payments, refunds to send, invoices and the organizer's invoice details.

Payments and refunds are records: they change only through payments.services, by
the lists' actions (a bank transfer received, a refund, a refund sent by hand).
Invoices are immutable; each downloads as its PDF. An organizer sees only the rows
of the events they run and their own invoice details; site staff see everything.
"""

from decimal import Decimal

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe

from accounts.models import User
from eventhub.admin_tools import (
    ConsoleAdminMixin,
    OrganizerScopedMixin,
    ask_then_report_each,
    event_time,
    report_each,
)
from eventhub.errors import DomainError
from eventhub.money import format_money
from payments import selectors, services
from payments.admin_csv import invoices_csv_response
from payments.invoicing import pdf_of
from payments.models import Invoice, InvoiceProfile, Payment, Refund
from payments.providers import provider


def provider_label(name: str) -> str:
    """A way to pay as people read it ("Bank transfer"); its name when the site no longer takes it."""
    try:
        return provider(name).label
    except DomainError:
        return name


def _link(url_name: str, obj, text) -> str:
    return format_html('<a href="{}">{}</a>', reverse(url_name, args=[obj.pk]), text)


def _unbroken(text) -> str:
    """Kept on one line: a reference or an amount never breaks at its hyphen or minus sign."""
    return format_html('<span class="nowrap">{}</span>', text)


def _email(address: str) -> str:
    # May break before the "@", so a narrow list wraps the address rather than clipping columns.
    name, at, domain = address.rpartition("@")
    return format_html("{}<wbr>{}{}", name, at, domain) if at else address


class ScopedRowsMixin(OrganizerScopedMixin):
    """OrganizerScopedMixin for models whose managers do not scope themselves: ``scope`` says what is seen.

    A row outside the scope does not exist for the user (404), in lists, pages,
    filters and downloads alike.
    """

    def get_queryset(self, request):
        # Past OrganizerScopedMixin's own, which asks the model's manager to scope.
        return self.scope(super(OrganizerScopedMixin, self).get_queryset(request), request.user)

    def scope(self, rows, user):
        raise NotImplementedError


class EventRowsMixin(ScopedRowsMixin):
    """Rows that belong to an event through ``event_path``: an organizer's own events' rows; all for staff."""

    event_path = ""

    def scope(self, rows, user):
        return selectors.managed_by(rows, user, event_path=self.event_path)


class ProviderFilter(admin.SimpleListFilter):
    """The ways to pay the listed payments used, by the names people read."""

    title = "paid by"
    parameter_name = "provider"

    def lookups(self, request, model_admin):
        used = model_admin.get_queryset(request).order_by("provider").values_list("provider", flat=True)
        return [(name, provider_label(name)) for name in used.distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(provider=self.value()) if self.value() else queryset


class ReadOnlyRecordMixin:
    """Rows nobody adds, edits or deletes here: each one's page is read-only.

    Change permission is kept for the list alone, where the actions (which
    write through payments.services) need it.
    """

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request)


class PaymentColumns:
    """Columns of a payment, shared by the payment and refund lists (``payment_of`` finds it in a row)."""

    @staticmethod
    def payment_of(row) -> Payment:
        return row

    @admin.display(description="booking")
    def booking_shown(self, row):
        booking = self.payment_of(row).booking
        text = f"{booking.user.username}: {booking.ticket_type.name}"
        return _link("admin:bookings_booking_change", booking, text)

    @admin.display(description="event")
    def event_shown(self, row):
        event = self.payment_of(row).booking.event
        return _link("admin:events_event_change", event, event.title)

    @admin.display(description="event and booking")
    def event_and_booking(self, row):
        # One column, the booking under its event, so the list fits beside its filters on a narrow screen.
        return format_html("{}<br>{}", self.event_shown(row), self.booking_shown(row))

    @admin.display(description="buyer")
    def buyer_shown(self, row):
        """The name the invoice is made out to (and the company), then the booking account's email."""
        payment = self.payment_of(row)
        name = " · ".join(filter(None, (payment.buyer.get("name"), payment.buyer.get("company"))))
        return format_html("{}<br>{}", name or "—", _email(payment.booking.user.email))

    @admin.display(description="paid by", ordering="provider")
    def provider_shown(self, row):
        return provider_label(self.payment_of(row).provider)


@admin.register(Payment)
class PaymentAdmin(EventRowsMixin, ReadOnlyRecordMixin, ConsoleAdminMixin, PaymentColumns, admin.ModelAdmin):
    event_path = "booking__event"
    list_display = (
        "reference_shown",
        "event_and_booking",
        "buyer_shown",
        "provider_shown",
        "amount_and_state",
        "paid_at_shown",
    )
    list_filter = ("state", ProviderFilter, ("booking__event", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reference", "booking__user__username")
    list_select_related = ("booking__user", "booking__event", "booking__ticket_type")
    fields = (
        "reference",
        "booking_shown",
        "event_shown",
        "buyer_details",
        "provider_shown",
        "provider_reference",
        "amount_shown",
        "state_shown",
        "failure_reason",
        "created_at_shown",
        "paid_at_shown",
        "refunds_shown",
        "invoices_shown",
    )
    readonly_fields = fields
    actions = ("mark_paid_selected", "refund_selected")

    @admin.display(description="reference", ordering="reference")
    def reference_shown(self, payment):
        return _unbroken(payment.reference)

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, payment):
        amount = _unbroken(format_money(payment.amount, payment.currency))
        if payment.refunded_amount:
            refunded = _unbroken(format_money(payment.refunded_amount, payment.currency))
            return format_html("{} ({} refunded)", amount, refunded)
        return amount

    @admin.display(description="state", ordering="state")
    def state_shown(self, payment):
        return payment.get_state_display()

    @admin.display(description="amount and state", ordering="state")
    def amount_and_state(self, payment):
        return format_html("{}<br>{}", self.amount_shown(payment), self.state_shown(payment))

    @admin.display(description="paid at", ordering="paid_at")
    def paid_at_shown(self, payment):
        return event_time(payment.paid_at, payment.booking.event) if payment.paid_at else "—"

    @admin.display(description="started at")
    def created_at_shown(self, payment):
        return event_time(payment.created_at, payment.booking.event)

    @admin.display(description="buyer's details (on the invoice)")
    def buyer_details(self, payment):
        labels = (("name", "Name"), ("company", "Company"), ("address", "Address"), ("vat_id", "VAT id"))
        given = [(label, payment.buyer[key]) for key, label in labels if payment.buyer.get(key)]
        return format_html_join(mark_safe("<br>"), "{}: {}", given) if given else "—"

    @admin.display(description="refunds")
    def refunds_shown(self, payment):
        refunds = payment.refunds.order_by("created_at", "pk")
        if not refunds:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{} ({}): {}",
            (
                (format_money(r.amount, payment.currency), r.get_state_display().lower(), r.reason)
                for r in refunds
            ),
        )

    @admin.display(description="invoices")
    def invoices_shown(self, payment):
        invoices = payment.invoices.defer("pdf").order_by("issued_at", "pk")
        if not invoices:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            '<a href="{}">{}</a> (<a href="{}">PDF</a>)',
            (
                (
                    reverse("admin:payments_invoice_change", args=[invoice.pk]),
                    invoice,
                    reverse("admin:payments_invoice_pdf", args=[invoice.pk]),
                )
                for invoice in invoices
            ),
        )

    @admin.action(description="Mark paid (bank transfer received)", permissions=["change"])
    def mark_paid_selected(self, request, queryset):
        return ask_then_report_each(
            self,
            request,
            queryset,
            lambda payment: services.mark_paid(payment=payment, by=request.user),
            done=("Marked %(count)d payment paid.", "Marked %(count)d payments paid."),
            action="mark_paid_selected",
            question="Mark these payments paid?",
            consequence=(
                "Do this once the money is in your account. Each ticket is confirmed and its invoice "
                "issued; an invoice cannot be taken back, only corrected by a refund's credit note."
            ),
            describe=self.describe,
        )

    @admin.action(description="Refund (in full)", permissions=["change"])
    def refund_selected(self, request, queryset):
        return ask_then_report_each(
            self,
            request,
            queryset,
            lambda payment: services.refund_payment(payment=payment, by=request.user),
            done=("Refunded %(count)d payment.", "Refunded %(count)d payments."),
            action="refund_selected",
            question="Refund these payments in full?",
            consequence=(
                "What is left of each payment goes back to its buyer, with a credit note: at once for card "
                "payments, while bank transfers are listed under Refunds, to send by hand. The tickets "
                "stay booked: cancel a booking to give its place back."
            ),
            describe=self.describe,
        )

    def describe(self, payment) -> str:
        booking = payment.booking
        return (
            f"{payment.reference}: {format_money(payment.amount, payment.currency)} by "
            f"{provider_label(payment.provider)} from {booking.user.username} for {booking.event.title} "
            f"({payment.get_state_display().lower()})"
        )


class RefundStateFilter(admin.SimpleListFilter):
    """The refunds still to send by hand unless another state is asked for: the organizer's to-do list."""

    title = "state"
    parameter_name = "state"
    EVERY = "all"

    def lookups(self, request, model_admin):
        return [*Refund.State.choices, (self.EVERY, "All")]

    def value(self):
        return super().value() or Refund.State.TO_DO

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }

    def queryset(self, request, queryset):
        return queryset if self.value() == self.EVERY else queryset.filter(state=self.value())


@admin.register(Refund)
class RefundAdmin(EventRowsMixin, ReadOnlyRecordMixin, ConsoleAdminMixin, PaymentColumns, admin.ModelAdmin):
    event_path = "payment__booking__event"
    list_display = (
        "reference_shown",
        "event_and_booking",
        "buyer_shown",
        "amount_and_state",
        "reason",
        "created_at_shown",
    )
    list_filter = (RefundStateFilter, ("payment__booking__event", admin.RelatedOnlyFieldListFilter))
    search_fields = ("payment__reference", "payment__booking__user__username")
    list_select_related = (
        "payment__booking__user",
        "payment__booking__event",
        "payment__booking__ticket_type",
    )
    fields = (
        "payment_shown",
        "booking_shown",
        "event_shown",
        "buyer_shown",
        "provider_shown",
        "amount_shown",
        "state_shown",
        "reason",
        "created_at_shown",
        "done_at_shown",
    )
    readonly_fields = fields
    actions = ("mark_sent_selected",)

    @staticmethod
    def payment_of(refund) -> Payment:
        return refund.payment

    def changelist_view(self, request, extra_context=None):
        to_do = request.GET.get(RefundStateFilter.parameter_name, Refund.State.TO_DO) == Refund.State.TO_DO
        extra_context = {"title": "Refunds to do" if to_do else "Refunds", **(extra_context or {})}
        return super().changelist_view(request, extra_context)

    @admin.display(description="payment", ordering="payment__reference")
    def reference_shown(self, refund):
        return _unbroken(refund.payment.reference)

    @admin.display(description="payment")
    def payment_shown(self, refund):
        return _link("admin:payments_payment_change", refund.payment, _unbroken(refund.payment.reference))

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, refund):
        return _unbroken(format_money(refund.amount, refund.payment.currency))

    @admin.display(description="state", ordering="state")
    def state_shown(self, refund):
        return refund.get_state_display()

    @admin.display(description="amount and state", ordering="state")
    def amount_and_state(self, refund):
        return format_html("{}<br>{}", self.amount_shown(refund), self.state_shown(refund))

    @admin.display(description="asked at", ordering="created_at")
    def created_at_shown(self, refund):
        return event_time(refund.created_at, refund.payment.booking.event)

    @admin.display(description="sent at")
    def done_at_shown(self, refund):
        return event_time(refund.done_at, refund.payment.booking.event) if refund.done_at else "—"

    @admin.action(description="Mark refund sent", permissions=["change"])
    def mark_sent_selected(self, request, queryset):
        report_each(
            self,
            request,
            queryset,
            lambda refund: services.mark_refund_done(refund=refund, by=request.user),
            done=("Marked %(count)d refund sent.", "Marked %(count)d refunds sent."),
        )


@admin.register(Invoice)
class InvoiceAdmin(EventRowsMixin, ReadOnlyRecordMixin, ConsoleAdminMixin, admin.ModelAdmin):
    event_path = "payment__booking__event"
    list_display = (
        "number_and_kind",
        "event_shown",
        "buyer_name",
        "gross_shown",
        "currency",
        "issued_on",
        "pdf_link",
    )
    list_filter = (
        "kind",
        ("issued_on", admin.DateFieldListFilter),
        ("payment__booking__event", admin.RelatedOnlyFieldListFilter),
    )
    date_hierarchy = "issued_on"
    search_fields = ("number", "payment__reference")
    list_select_related = ("payment__booking__event",)
    fields = (
        "number",
        "kind",
        "issued_on",
        "event_shown",
        "refers_to_shown",
        "credit_notes_shown",
        "payment_shown",
        "seller_shown",
        "buyer_shown",
        "lines_shown",
        "net_shown",
        "tax_shown",
        "gross_shown",
        "pdf_link",
    )
    readonly_fields = fields
    actions = ("export_csv",)

    def get_queryset(self, request):
        # The PDFs stay in the database until one is downloaded.
        return super().get_queryset(request).defer("pdf")

    def has_change_permission(self, request, obj=None):
        return False  # issued invoices never change; a refund's credit note corrects one

    def get_urls(self):
        pdf = path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="payments_invoice_pdf")
        return [pdf, *super().get_urls()]

    def pdf_view(self, request, pk: int):
        """The invoice's PDF, to those who may see the invoice; anyone else's is not found."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        invoice = self.get_object(request, str(pk))
        return HttpResponse(
            pdf_of(invoice),
            content_type="application/pdf",
            headers={"Content-Disposition": content_disposition_header(True, invoice.filename)},
        )

    @admin.display(description="number", ordering="number")
    def number_and_kind(self, invoice):
        return format_html("{}<br>{}", _unbroken(invoice.number), invoice.get_kind_display())

    @admin.display(description="event", ordering="payment__booking__event__starts_at")
    def event_shown(self, invoice):
        event = invoice.payment.booking.event
        return _link("admin:events_event_change", event, event.title)

    @admin.display(description="buyer")
    def buyer_name(self, invoice):
        return " · ".join(filter(None, (invoice.buyer.get("name"), invoice.buyer.get("company"))))

    @admin.display(description="gross", ordering="gross")
    def gross_shown(self, invoice):
        return _unbroken(format_money(invoice.gross, invoice.currency))

    @admin.display(description="net")
    def net_shown(self, invoice):
        return _unbroken(format_money(invoice.net, invoice.currency))

    @admin.display(description="tax")
    def tax_shown(self, invoice):
        return format_html(
            "{} ({}%)", _unbroken(format_money(invoice.tax, invoice.currency)), invoice.tax_rate
        )

    @admin.display(description="PDF")
    def pdf_link(self, invoice):
        url = reverse("admin:payments_invoice_pdf", args=[invoice.pk])
        return format_html('<a href="{}" download="{}">PDF</a>', url, invoice.filename)

    @admin.display(description="corrects")
    def refers_to_shown(self, invoice):
        if invoice.refers_to_id is None:
            return "—"
        return _link("admin:payments_invoice_change", invoice.refers_to, invoice.refers_to.number)

    @admin.display(description="corrected by")
    def credit_notes_shown(self, invoice):
        notes = invoice.credit_notes.defer("pdf").order_by("issued_at", "pk")
        if not notes:
            return "—"
        return format_html_join(
            mark_safe(", "),
            '<a href="{}">{}</a>',
            ((reverse("admin:payments_invoice_change", args=[note.pk]), note.number) for note in notes),
        )

    @admin.display(description="payment")
    def payment_shown(self, invoice):
        return _link("admin:payments_payment_change", invoice.payment, invoice.payment.reference)

    @admin.display(description="seller")
    def seller_shown(self, invoice):
        return _party(invoice.seller, ("name", "address", "vat_id"))

    @admin.display(description="buyer")
    def buyer_shown(self, invoice):
        return _party(invoice.buyer, ("company", "name", "address", "vat_id", "email"))

    @admin.display(description="lines")
    def lines_shown(self, invoice):
        return format_html_join(
            mark_safe("<br>"),
            "{}: {}",
            (
                (line["description"], format_money(Decimal(line["amount"]), invoice.currency))
                for line in invoice.lines
            ),
        )

    @admin.action(description="Export CSV for the accountant", permissions=["view"])
    def export_csv(self, request, queryset):
        return invoices_csv_response(queryset)


def _party(details: dict, keys: tuple[str, ...]):
    lines = [
        f"VAT id {details[key]}" if key == "vat_id" else details[key] for key in keys if details.get(key)
    ]
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines)) if lines else "—"


@admin.register(InvoiceProfile)
class InvoiceProfileAdmin(ScopedRowsMixin, ConsoleAdminMixin, admin.ModelAdmin):
    """An organizer's own invoice details (seller, address, VAT id, bank details, footer); staff see all."""

    list_display = ("name", "vat_id")
    search_fields = ("name", "organizer__username")
    list_select_related = ("organizer",)

    def scope(self, rows, user):
        return rows if user.is_site_staff else rows.filter(organizer=user)

    def get_list_display(self, request):
        return ("organizer", *self.list_display) if request.user.is_site_staff else self.list_display

    def get_fields(self, request, obj=None):
        own = ("name", "address", "vat_id", "bank_details", "footer")
        return ("organizer", *own) if request.user.is_site_staff else own

    def get_readonly_fields(self, request, obj=None):
        # The details stay with the organizer they were written for.
        return ("organizer",) if obj is not None and request.user.is_site_staff else ()

    def has_add_permission(self, request):
        if not super().has_add_permission(request):
            return False
        # One set of details per organizer: once written, they are changed, not added again.
        return (
            request.user.is_site_staff or not InvoiceProfile.objects.filter(organizer=request.user).exists()
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organizer":
            kwargs["queryset"] = User.objects.filter(role=User.Role.ORGANIZER).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change and not request.user.is_site_staff:
            obj.organizer = request.user
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:  # the same new details sent twice at once: the first were saved
            self.message_user(request, "Your invoice details were saved already.", messages.WARNING)
            return HttpResponseRedirect(reverse("admin:payments_invoiceprofile_changelist"))
