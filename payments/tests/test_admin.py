"""Money in the organizer console: payments, refunds, invoices and invoice details, each organizer's own."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.models import Booking
from bookings.tests.factories import make_booking
from events.models import Event
from events.services import cancel_event
from events.tests.factories import EventFactory, TicketTypeFactory
from payments.models import Invoice, InvoiceProfile, Payment, Refund
from payments.selectors import revenue_by_ticket_type
from payments.services import mark_paid, refund_payment
from payments.tests.factories import hold, pay, start

pytestmark = pytest.mark.django_db

PAYMENTS = reverse("admin:payments_payment_changelist")
REFUNDS = reverse("admin:payments_refund_changelist")
INVOICES = reverse("admin:payments_invoice_changelist")
PROFILES = reverse("admin:payments_invoiceprofile_changelist")
EVENTS = reverse("admin:events_event_changelist")


@pytest.fixture
def organizer_client(client, organizer):
    client.force_login(organizer)
    return client


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def jazz(organizer):
    return EventFactory(organizer=organizer, title="Jazz night", capacity=40)


@pytest.fixture
def vip(jazz):
    return TicketTypeFactory(
        event=jazz, name="VIP", price=Decimal("25.00"), tax_rate=Decimal("20.00"), capacity=20, position=1
    )


@pytest.fixture
def rival_vip(other_organizer):
    event = EventFactory(organizer=other_organizer, title="Rival gala", capacity=20)
    return TicketTypeFactory(event=event, name="Rival VIP", price=Decimal("40.00"), capacity=10)


def buyer(name="Ann Buyer", **details):
    return {"name": name, **details}


def paid(ticket_type, *, name="Ann Buyer", **details) -> Payment:
    """A new attendee holds a ticket of ``ticket_type`` and pays by card."""
    booking = hold(user=UserFactory(), event=ticket_type.event, ticket_type=ticket_type)
    return pay(booking, buyer=buyer(name, **details))


def awaiting_transfer(ticket_type) -> Payment:
    """A new attendee holds a ticket and chose to pay by bank transfer: the payment waits for the money."""
    booking = hold(user=UserFactory(), event=ticket_type.event, ticket_type=ticket_type)
    return start(booking, provider="bank_transfer", buyer=buyer())


def run_action(client, changelist, action, rows, **extra):
    data = {"action": action, "_selected_action": [row.pk for row in rows], **extra}
    return client.post(changelist, data, follow=True)


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_url(obj):
    return reverse(f"admin:payments_{obj._meta.model_name}_change", args=[obj.pk])


def pdf_url(invoice):
    return reverse("admin:payments_invoice_pdf", args=[invoice.pk])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def csv_rows(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# Payments --------------------------------------------------------------------------


def test_organizer_payment_list_shows_only_their_events_payments(organizer_client, vip, rival_vip):
    mine, theirs = paid(vip), paid(rival_vip)
    page = organizer_client.get(PAYMENTS).content.decode()
    assert mine.reference in page
    assert theirs.reference not in page


def test_payment_list_shows_booking_event_buyer_provider_amount_and_state(organizer_client, vip):
    payment = paid(vip, name="Ann Buyer", company="Acme Ltd")
    page = organizer_client.get(PAYMENTS).content.decode()
    for shown in (payment.booking.user.username, "Jazz night", "Ann Buyer · Acme Ltd", "Card (test mode)"):
        assert shown in page
    assert "€25.00" in page and ">Paid<" in page


def test_staff_see_every_payment(staff_client, vip, rival_vip):
    mine, theirs = paid(vip), paid(rival_vip)
    page = staff_client.get(PAYMENTS).content.decode()
    assert mine.reference in page and theirs.reference in page


def test_another_organizers_payment_page_is_not_found(organizer_client, rival_vip):
    assert organizer_client.get(change_url(paid(rival_vip))).status_code == 404


def test_payment_page_is_read_only(organizer_client, vip):
    payment = paid(vip)
    response = organizer_client.get(change_url(payment))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert organizer_client.post(change_url(payment), {"amount": "1.00"}).status_code == 403
    assert organizer_client.get(reverse("admin:payments_payment_add")).status_code == 403
    delete = reverse("admin:payments_payment_delete", args=[payment.pk])
    assert organizer_client.post(delete, {"post": "yes"}).status_code == 403
    payment.refresh_from_db()
    assert (payment.amount, payment.state) == (Decimal("25.00"), Payment.State.PAID)


def test_payment_list_is_searched_by_reference_and_username(organizer_client, vip):
    first, second = paid(vip), paid(vip)
    by_reference = organizer_client.get(PAYMENTS, {"q": first.reference}).content.decode()
    assert first.reference in by_reference and second.reference not in by_reference
    by_username = organizer_client.get(PAYMENTS, {"q": second.booking.user.username}).content.decode()
    assert second.reference in by_username and first.reference not in by_username


def test_payment_filters_offer_the_organizers_events_and_providers_by_name(
    organizer_client, organizer, vip, rival_vip
):
    second = EventFactory(organizer=organizer, title="Second show")
    paid(vip), awaiting_transfer(vip), paid(rival_vip)
    paid(TicketTypeFactory(event=second, name="Seat", price=Decimal("10.00")))
    EventFactory(organizer=organizer, title="Nobody paid yet")
    filters = {f.title: f for f in organizer_client.get(PAYMENTS).context["cl"].filter_specs}
    assert sorted(title for _, title in filters["event"].lookup_choices) == ["Jazz night", "Second show"]
    assert filters["paid by"].lookup_choices == [
        ("bank_transfer", "Bank transfer"),
        ("test_card", "Card (test mode)"),
    ]
    transfers = organizer_client.get(PAYMENTS, {"provider": "bank_transfer"}).context["cl"].result_list
    assert [payment.provider for payment in transfers] == ["bank_transfer"]


def test_payment_list_runs_the_same_queries_for_3_or_15_payments(
    organizer_client, vip, django_assert_max_num_queries
):
    for _ in range(3):
        paid(vip)
    few = count_queries(organizer_client, PAYMENTS)
    for _ in range(12):
        paid(vip)
    with django_assert_max_num_queries(few):
        organizer_client.get(PAYMENTS)


def test_mark_paid_asks_first_and_changes_nothing(organizer_client, vip):
    payment = awaiting_transfer(vip)
    response = run_action(organizer_client, PAYMENTS, "mark_paid_selected", [payment])
    page = response.content.decode()
    assert "Mark these payments paid?" in page
    assert "Do this once the money is in your account." in page
    assert f"{payment.reference}: €25.00 by Bank transfer" in page
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


def test_mark_paid_confirms_the_ticket_and_issues_its_invoice(organizer_client, vip):
    payment = awaiting_transfer(vip)
    response = run_action(organizer_client, PAYMENTS, "mark_paid_selected", [payment], confirmed="yes")
    assert messages_of(response) == ["Marked 1 payment paid."]
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID
    assert Booking.objects.get(pk=payment.booking_id).status == Booking.Status.CONFIRMED
    assert Invoice.objects.filter(payment=payment, kind=Invoice.Kind.INVOICE).count() == 1


def test_refund_refunds_in_full_with_a_credit_note(organizer_client, vip, django_capture_on_commit_callbacks):
    payment = paid(vip)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(organizer_client, PAYMENTS, "refund_selected", [payment], confirmed="yes")
    assert messages_of(response) == ["Refunded 1 payment."]
    payment.refresh_from_db()
    assert (payment.state, payment.refunded_amount) == (Payment.State.REFUNDED, Decimal("25.00"))
    refund = Refund.objects.get(payment=payment)
    assert (refund.amount, refund.state) == (Decimal("25.00"), Refund.State.DONE)
    assert Invoice.objects.get(refund=refund).gross == Decimal("-25.00")


def test_refund_reports_each_refusal_in_plain_words(organizer_client, vip):
    unpaid, done = awaiting_transfer(vip), paid(vip)
    response = run_action(organizer_client, PAYMENTS, "refund_selected", [unpaid, done], confirmed="yes")
    assert messages_of(response) == [
        f"{unpaid}: Only a paid payment can be refunded.",
        "Refunded 1 payment.",
    ]
    assert not Refund.objects.filter(payment=unpaid).exists()


def test_actions_ignore_another_organizers_payments(organizer_client, rival_vip):
    payment = awaiting_transfer(rival_vip)
    run_action(organizer_client, PAYMENTS, "mark_paid_selected", [payment], confirmed="yes")
    payment.refresh_from_db()
    assert payment.state == Payment.State.PENDING


# Refunds ---------------------------------------------------------------------------


@pytest.fixture
def transfer_refund(vip, organizer) -> Refund:
    """A bank transfer received, then refunded: the organizer sends the money back by hand."""
    payment = mark_paid(payment=awaiting_transfer(vip), by=organizer)
    return refund_payment(payment=payment, by=organizer)


def test_refunds_to_do_list_only_the_refunds_to_send_by_hand(
    organizer_client, vip, organizer, transfer_refund, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        by_card = refund_payment(payment=paid(vip), by=organizer)
    response = organizer_client.get(REFUNDS)
    assert response.context["title"] == "Refunds to do"
    assert list(response.context["cl"].result_list) == [transfer_refund]
    every = organizer_client.get(REFUNDS, {"state": "all"}).context["cl"].result_list
    assert set(every) == {transfer_refund, by_card}


def test_mark_refund_sent_records_it_done(organizer_client, transfer_refund):
    response = run_action(organizer_client, REFUNDS, "mark_sent_selected", [transfer_refund])
    assert messages_of(response) == ["Marked 1 refund sent."]
    transfer_refund.refresh_from_db()
    assert transfer_refund.state == Refund.State.DONE and transfer_refund.done_at is not None
    assert list(organizer_client.get(REFUNDS).context["cl"].result_list) == []


def test_another_organizers_refunds_are_not_seen(client, other_organizer, transfer_refund):
    client.force_login(other_organizer)
    assert list(client.get(REFUNDS, {"state": "all"}).context["cl"].result_list) == []
    assert client.get(change_url(transfer_refund)).status_code == 404
    run_action(client, REFUNDS, "mark_sent_selected", [transfer_refund])
    transfer_refund.refresh_from_db()
    assert transfer_refund.state == Refund.State.TO_DO


def test_refund_list_runs_the_same_queries_for_2_or_10_refunds(
    organizer_client, vip, organizer, django_assert_max_num_queries
):
    def refund_two():
        for _ in range(2):
            refund_payment(payment=mark_paid(payment=awaiting_transfer(vip), by=organizer), by=organizer)

    refund_two()
    few = count_queries(organizer_client, REFUNDS)
    for _ in range(4):
        refund_two()
    with django_assert_max_num_queries(few):
        organizer_client.get(REFUNDS)


# Invoices --------------------------------------------------------------------------


def test_invoice_list_shows_number_kind_event_buyer_gross_and_date(organizer_client, vip, organizer):
    payment = paid(vip, name="Ann Buyer", company="Acme Ltd")
    refund_payment(payment=payment, by=organizer)
    invoice, note = Invoice.objects.order_by("sequence")
    page = organizer_client.get(INVOICES).content.decode()
    for shown in (invoice.number, note.number, "Credit note", "Jazz night", "Ann Buyer · Acme Ltd", "EUR"):
        assert shown in page
    assert "€25.00" in page and "-€25.00" in page
    assert f'href="{pdf_url(invoice)}"' in page and f'href="{pdf_url(note)}"' in page


def test_organizer_sees_only_their_events_invoices(organizer_client, vip, rival_vip):
    paid(vip), paid(rival_vip)
    listed = organizer_client.get(INVOICES).context["cl"].result_list
    assert [invoice.organizer for invoice in listed] == [vip.event.organizer]


def test_invoice_pdf_downloads_for_its_organizer(organizer_client, vip):
    paid(vip)
    invoice = Invoice.objects.get()
    response = organizer_client.get(pdf_url(invoice))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{invoice.filename}"'
    assert response.content.startswith(b"%PDF")


def test_invoice_page_is_read_only_with_a_pdf_button(organizer_client, vip):
    paid(vip)
    invoice = Invoice.objects.get()
    response = organizer_client.get(change_url(invoice))
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert response.content.decode().count(f'href="{pdf_url(invoice)}"') == 2  # the button and the field
    assert organizer_client.post(change_url(invoice), {"gross": "1.00"}).status_code == 403
    assert organizer_client.get(reverse("admin:payments_invoice_add")).status_code == 403
    delete = reverse("admin:payments_invoice_delete", args=[invoice.pk])
    assert organizer_client.post(delete, {"post": "yes"}).status_code == 403
    assert Invoice.objects.get().gross == Decimal("25.00")


def test_another_organizers_invoices_and_their_pdfs_are_not_found(organizer_client, rival_vip):
    paid(rival_vip)
    invoice = Invoice.objects.get()
    assert organizer_client.get(change_url(invoice)).status_code == 404
    assert organizer_client.get(pdf_url(invoice)).status_code == 404


def test_invoice_pdfs_need_permission_to_see_invoices(client, vip):
    paid(vip)
    invoice = Invoice.objects.get()
    without_permissions = UserFactory(role="organizer")
    without_permissions.groups.clear()  # in the console, but allowed nothing there
    client.force_login(without_permissions)
    assert client.get(pdf_url(invoice)).status_code == 403
    client.force_login(invoice.payment.booking.user)  # the buyer: not a console user at all
    assert client.get(pdf_url(invoice)).status_code == 302


def test_invoices_are_filtered_by_kind_date_and_event(organizer_client, vip, organizer):
    refund_payment(payment=paid(vip), by=organizer)
    other_event = EventFactory(organizer=organizer, title="Second show")
    paid(TicketTypeFactory(event=other_event, name="Seat", price=Decimal("10.00")))

    def listed(**params):
        return {
            invoice.number for invoice in organizer_client.get(INVOICES, params).context["cl"].result_list
        }

    invoice, note, second = Invoice.objects.order_by("sequence")
    assert listed(kind__exact="credit_note") == {note.number}
    assert listed(payment__booking__event__id__exact=str(other_event.pk)) == {second.number}
    today = invoice.issued_on
    assert listed(issued_on__gte=str(today), issued_on__lt="2999-01-01") == {
        invoice.number,
        note.number,
        second.number,
    }
    assert listed(issued_on__lt=str(today)) == set()


def test_invoice_list_runs_the_same_queries_for_2_or_10_invoices(
    organizer_client, vip, django_assert_max_num_queries
):
    for _ in range(2):
        paid(vip)
    few = count_queries(organizer_client, INVOICES)
    for _ in range(8):
        paid(vip)
    with django_assert_max_num_queries(few):
        organizer_client.get(INVOICES)


def test_accountant_csv_holds_each_document_as_issued(organizer_client, vip, organizer):
    payment = paid(vip, name="=HYPERLINK()", company="Acme Ltd", vat_id="FR123")
    refund_payment(payment=payment, by=organizer)
    Event.objects.filter(pk=vip.event_id).update(title="Renamed later")  # the documents keep their words
    invoice, note = Invoice.objects.order_by("sequence")

    response = run_action(organizer_client, INVOICES, "export_csv", [invoice, note])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="invoices-')
    first, second = csv_rows(response)
    assert first == {
        "number": invoice.number,
        "kind": "Invoice",
        "issued on": invoice.issued_on.isoformat(),
        "buyer": "'=HYPERLINK()",
        "company": "Acme Ltd",
        "VAT id": "FR123",
        "event": "Jazz night",
        "ticket type": "VIP",
        "seat": "",
        "net": "20.83",
        "tax rate": "20.00",
        "tax": "4.17",
        "gross": "25.00",
        "currency": "EUR",
        "refers to": "",
    }
    assert (second["kind"], second["net"], second["tax"], second["gross"]) == (
        "Credit note",
        "-20.83",
        "-4.17",
        "-25.00",
    )
    assert second["refers to"] == invoice.number


def test_accountant_csv_reads_in_the_same_queries_for_2_or_12_invoices(
    organizer_client, vip, django_assert_max_num_queries
):
    def export():
        with CaptureQueriesContext(connection) as queries:
            response = run_action(organizer_client, INVOICES, "export_csv", Invoice.objects.all())
        return response, len(queries)

    for _ in range(2):
        paid(vip)
    response, few = export()
    assert len(csv_rows(response)) == 2
    for _ in range(10):
        paid(vip)
    response, many = export()
    assert len(csv_rows(response)) == 12
    assert many == few


# Invoice details -------------------------------------------------------------------


PROFILE = {
    "name": "Jazz Nights Ltd",
    "address": "1 Main Street",
    "vat_id": "GB123",
    "bank_details": "IBAN GB00 0000",
    "footer": "Thank you.",
}


def test_organizer_writes_their_own_invoice_details_once(organizer_client, organizer):
    add = reverse("admin:payments_invoiceprofile_add")
    form = organizer_client.get(add).context["adminform"].form
    assert "organizer" not in form.fields
    assert organizer_client.post(add, {**PROFILE, "organizer": "999"}).status_code == 302
    profile = InvoiceProfile.objects.get()
    assert (profile.organizer, profile.name, profile.bank_details) == (
        organizer,
        "Jazz Nights Ltd",
        "IBAN GB00 0000",
    )
    assert organizer_client.get(add).status_code == 403
    response = organizer_client.post(change_url(profile), {**PROFILE, "vat_id": "GB456"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.vat_id == "GB456"


def test_organizers_never_see_each_others_invoice_details(client, organizer, other_organizer):
    theirs = InvoiceProfile.objects.create(organizer=other_organizer, **PROFILE)
    client.force_login(organizer)
    assert list(client.get(PROFILES).context["cl"].result_list) == []
    assert client.get(change_url(theirs)).status_code == 404
    assert client.post(change_url(theirs), {**PROFILE, "name": "Mine now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Jazz Nights Ltd"


def test_staff_see_every_organizers_invoice_details(staff_client, organizer, other_organizer):
    profiles = {
        InvoiceProfile.objects.create(organizer=user, **PROFILE) for user in (organizer, other_organizer)
    }
    assert set(staff_client.get(PROFILES).context["cl"].result_list) == profiles


# The event page and its actions ----------------------------------------------------


def revenue_cells(page: str) -> list[str]:
    """The revenue of each ticket type row, then of the whole event, as the event page shows them
    (the blank rows for adding a type show none)."""
    rows = [cell for cell in re.findall(r'<td class="field-revenue">\s*<p>(.*?)</p>', page) if cell != "—"]
    total = re.findall(r'field-revenue">.*?<div class="readonly">(.*?)</div>', page, re.S)
    return [*rows, *total]


def test_event_page_shows_money_kept_per_type_and_in_all(organizer_client, jazz, vip, organizer):
    first, _ = paid(vip), paid(vip)
    refund_payment(payment=first, by=organizer)

    assert revenue_by_ticket_type(jazz) == {vip.pk: Decimal("25.00")}
    page = organizer_client.get(reverse("admin:events_event_change", args=[jazz.pk])).content.decode()
    assert revenue_cells(page) == ["none", "€25.00", "€25.00"]  # General admission, VIP, the event


def test_event_page_shows_each_types_tickets_awaiting_payment(organizer_client, jazz, vip):
    paid(vip)
    hold(user=UserFactory(), event=jazz, ticket_type=vip)
    page = organizer_client.get(reverse("admin:events_event_change", args=[jazz.pk])).content.decode()
    assert "2 / 20, 18 left (1 of them awaiting payment)" in page


def test_event_page_runs_the_same_queries_for_2_or_10_payments(
    organizer_client, jazz, vip, django_assert_max_num_queries
):
    url = reverse("admin:events_event_change", args=[jazz.pk])
    for _ in range(2):
        paid(vip)
    few = count_queries(organizer_client, url)
    for _ in range(8):
        paid(vip)
    with django_assert_max_num_queries(few):
        organizer_client.get(url)


def test_refunding_a_cancelled_event_refunds_everyone_who_paid_and_says_so(
    organizer_client, jazz, vip, organizer
):
    first, second = paid(vip), paid(vip)
    held = hold(user=UserFactory(), event=jazz, ticket_type=vip)
    free = make_booking(
        user=UserFactory(), event=jazz, ticket_type=jazz.ticket_types.get(name="General admission")
    )
    cancel_event(event=jazz, by=organizer)  # the refunds that follow on commit never ran: the action resumes

    response = run_action(organizer_client, EVENTS, "refund_cancelled", [jazz], confirmed="yes")

    assert messages_of(response) == [
        "Jazz night: 3 paid or held bookings cancelled, €50.00 refunded in all.",
        "Refunds done for 1 cancelled event.",
    ]
    for payment in (first, second):
        payment.refresh_from_db()
        assert payment.state == Payment.State.REFUNDED
    statuses = dict(Booking.objects.filter(event=jazz).values_list("pk", "status"))
    assert statuses[held.pk] == Booking.Status.CANCELLED
    assert statuses[free.pk] == Booking.Status.CONFIRMED


def test_refunding_everyone_asks_first(organizer_client, jazz, vip, organizer):
    payment = paid(vip)
    cancel_event(event=jazz, by=organizer)
    page = run_action(organizer_client, EVENTS, "refund_cancelled", [jazz]).content.decode()
    assert "Refund everyone who paid for these events?" in page
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID


def test_refunding_everyone_is_refused_for_an_event_not_cancelled(organizer_client, jazz, vip):
    payment = paid(vip)
    response = run_action(organizer_client, EVENTS, "refund_cancelled", [jazz], confirmed="yes")
    assert messages_of(response) == [
        "Jazz night: This event is not cancelled, so its tickets stay sold. Cancel the event first to "
        "refund everyone who paid."
    ]
    payment.refresh_from_db()
    assert payment.state == Payment.State.PAID


# The event form's payment settings ----------------------------------------------------


def event_post(event, **overrides):
    from events.tests.test_admin import change_data

    return change_data(event, **overrides)


def test_event_form_saves_how_the_event_takes_money(organizer_client, jazz):
    data = event_post(jazz, hold_minutes="30", payment_providers=["bank_transfer"], refund_cutoff_hours="48")
    response = organizer_client.post(reverse("admin:events_event_change", args=[jazz.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    jazz.refresh_from_db()
    assert (jazz.hold_minutes, jazz.payment_providers, jazz.refund_cutoff_hours) == (
        30,
        ["bank_transfer"],
        48,
    )


def test_event_form_offers_the_sites_ways_to_pay_by_name_and_refuses_others(organizer_client, jazz):
    url = reverse("admin:events_event_change", args=[jazz.pk])
    form = organizer_client.get(url).context["adminform"].form
    assert form.fields["payment_providers"].choices == [
        ("bank_transfer", "Bank transfer"),
        ("test_card", "Card (test mode)"),
    ]
    response = organizer_client.post(url, event_post(jazz, payment_providers=["cash"]))
    assert "payment_providers" in response.context["adminform"].form.errors


def test_event_form_keeps_the_settings_a_post_leaves_out(organizer_client, jazz):
    Event.objects.filter(pk=jazz.pk).update(hold_minutes=45)
    response = organizer_client.post(reverse("admin:events_event_change", args=[jazz.pk]), event_post(jazz))
    assert response.status_code == 302
    jazz.refresh_from_db()
    assert jazz.hold_minutes == 45


def test_ticket_type_row_saves_its_tax_rate(organizer_client, jazz, vip):
    from events.tests.test_admin import ticket_types_data

    rows = ticket_types_data(jazz, row1={"tax_rate": "7.50"})
    response = organizer_client.post(
        reverse("admin:events_event_change", args=[jazz.pk]), event_post(jazz, **rows)
    )
    assert response.status_code == 302
    vip.refresh_from_db()
    assert vip.tax_rate == Decimal("7.50")


# The booking pages -----------------------------------------------------------------


def test_booking_page_shows_the_price_paid_the_hold_and_each_payment(organizer_client, jazz, vip):
    booking = hold(user=UserFactory(), event=jazz, ticket_type=vip)
    payment = start(booking, provider="bank_transfer")
    vip.price = Decimal("99.00")  # a later price change leaves what this ticket costs
    vip.save()
    page = organizer_client.get(reverse("admin:bookings_booking_change", args=[booking.pk])).content.decode()
    assert "€25.00" in page and "€99.00" not in page
    assert "Held unpaid until:" in page
    assert f"{payment.reference}</a>: €25.00, pending" in page


def test_booking_list_shows_the_hold_and_the_payment_state(organizer_client, jazz, vip):
    booking = hold(user=UserFactory(), event=jazz, ticket_type=vip)
    start(booking, provider="bank_transfer")
    paid(vip)
    page = organizer_client.get(reverse("admin:bookings_booking_changelist")).content.decode()
    assert "Awaiting payment<br>until " in page
    assert "Payment: pending" in page
    assert "Confirmed<br>Payment: paid" in page


def test_booking_list_runs_the_same_queries_with_3_or_12_payments(
    organizer_client, vip, django_assert_max_num_queries
):
    url = reverse("admin:bookings_booking_changelist")
    for _ in range(3):
        paid(vip)
    few = count_queries(organizer_client, url)
    for _ in range(9):
        paid(vip)
    with django_assert_max_num_queries(few):
        organizer_client.get(url)
