"""Junk in the console's addresses: a 400 or Django's "invalid lookup" page, never a 500 or a 503.

Every changelist of the project's apps is tried, as an organizer and as staff,
on SQLite and on PostgreSQL.
"""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from accounts.tests.factories import UserFactory
from bookings.tests.factories import make_booking
from eventhub.admin_tools import INVALID_ADDRESS, ConsoleAdminMixin
from events.models import Event
from events.tests.factories import EventFactory, TicketTypeFactory
from payments.services import confirm_payment, refund_payment, start_payment

OUR_APPS = ("accounts", "events", "bookings", "payments")
OUR_MODELS = sorted(
    (model for model in admin.site._registry if model._meta.app_label in OUR_APPS),
    key=lambda model: model._meta.label,
)
# Accounts, categories and tags are kept by staff alone.
ORGANIZER_MODELS = [
    model
    for model in OUR_MODELS
    if model._meta.app_label != "accounts" and model._meta.label not in {"events.Category", "events.Tag"}
]
# An organizer's invoice details offer no actions: a post there is a plain visit of the list.
ACTION_MODELS = [model for model in ORGANIZER_MODELS if model._meta.model_name != "invoiceprofile"]

JUNK = [
    "starts_at__year=999999999999999999999999",
    "starts_at__year=9999",
    "starts_at__year=9999&starts_at__month=12&starts_at__day=31",
    "starts_at__year=2031&starts_at__month=13",
    "starts_at__year=2031&starts_at__month=2&starts_at__day=30",
    "status__exact=%00",
    "q=%00",
    "title__regex=(",
    "status__regex=(",
    "username__regex=(",
    "event__title__regex=(",
    "pk__in=1,2",
    "id__gt=99999999999999999999999",
    "event__id__exact=abc",
    "organizer__id__exact=abc",
    "is_staff__exact=maybe",
    "organizer__password__startswith=pbkdf2",
]


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def is_refused_plainly(response) -> bool:
    """A 400, or Django's redirect to the list's "invalid lookup" page."""
    redirected = response.status_code == 302 and response["Location"].endswith("?e=1")
    return response.status_code == 400 or redirected


@pytest.fixture
def rows(published_event, attendee, other_organizer):
    """Rows in every list (so the database evaluates what it is given) and a choice in every filter."""
    make_booking(user=attendee, event=EventFactory(organizer=other_organizer))
    make_booking(user=attendee, event=EventFactory(organizer=published_event.organizer))
    booking = make_booking(user=attendee, event=published_event)
    paid = TicketTypeFactory(event=published_event, name="Paid", price=Decimal("10.00"), capacity=5)
    buyer = UserFactory(role="attendee")
    checkout = start_payment(
        booking=make_booking(user=buyer, event=published_event, ticket_type=paid),
        provider_name="test_card",
        buyer={"name": "Ann"},
        by=buyer,
    )
    refund_payment(payment=confirm_payment(payment=checkout.payment), by=published_event.organizer)
    return booking


def test_every_model_admin_of_the_project_guards_its_changelist():
    assert {model._meta.app_label for model in OUR_MODELS} == set(OUR_APPS)
    assert all(isinstance(admin.site._registry[model], ConsoleAdminMixin) for model in OUR_MODELS)


@pytest.mark.parametrize("junk", JUNK)
@pytest.mark.parametrize("model", OUR_MODELS, ids=lambda model: model._meta.label)
def test_junk_in_a_changelist_address_is_refused_plainly_for_staff(client, staff, rows, model, junk):
    client.force_login(staff)
    assert is_refused_plainly(client.get(f"{changelist(model)}?{junk}"))


@pytest.mark.parametrize("junk", JUNK)
@pytest.mark.parametrize("model", ORGANIZER_MODELS, ids=lambda model: model._meta.label)
def test_junk_in_a_changelist_address_is_refused_plainly_for_organizers(client, organizer, rows, model, junk):
    client.force_login(organizer)
    assert is_refused_plainly(client.get(f"{changelist(model)}?{junk}"))


@pytest.mark.parametrize(
    ("model_name", "query"),
    [
        ("events.Event", "status__exact=published"),
        ("events.Event", "when=upcoming"),
        ("events.Event", "starts_at__year=2031&starts_at__month=12&starts_at__day=31"),
        ("events.Event", "starts_at__year=1&starts_at__month=1&starts_at__day=1"),
        ("events.Event", "q=Event&o=2&p=1"),
        ("events.Event", "organizer__id__exact=99999999999999999999999"),
        ("bookings.Booking", "status__exact=confirmed&event__id__exact=1"),
        ("bookings.Booking", "event__id__exact=99999999999999999999999"),
        ("bookings.Booking", "q=someone&p=abc&o=99"),
        ("accounts.User", "role__exact=organizer&is_staff__exact=1&is_superuser__exact=0&is_active__exact=1"),
    ],
)
def test_the_filters_a_list_offers_still_work(client, staff, rows, model_name, query):
    client.force_login(staff)
    model = next(model for model in OUR_MODELS if model._meta.label == model_name)
    assert client.get(f"{changelist(model)}?{query}").status_code == 200


def test_a_filter_the_page_does_not_offer_is_refused_even_on_a_listed_field(client, organizer, rows):
    client.force_login(organizer)
    url = changelist(rows.event.__class__)
    assert client.get(f"{url}?status__exact=published").status_code == 200
    assert client.get(f"{url}?status__in=draft,published").status_code == 400
    assert client.get(f"{url}?organizer__id__exact={organizer.pk}").status_code == 400


def test_a_refused_address_lands_on_the_whole_list_saying_why(client, organizer, rows):
    client.force_login(organizer)
    response = client.get(f"{changelist(rows.event.__class__)}?starts_at__year=9999", follow=True)
    assert response.redirect_chain[-1][0].endswith("?e=1")
    assert INVALID_ADDRESS in response.content.decode()
    assert set(response.context["cl"].result_list) == set(Event.objects.filter(organizer=organizer))


def test_the_invalid_lookup_page_says_plainly_what_happened(client, organizer, rows):
    client.force_login(organizer)
    url = changelist(rows.event.__class__)
    response = client.get(f"{url}?e=1&starts_at__year=9999")
    page = response.content.decode()
    assert response.status_code == 200
    assert "This list cannot be shown that way" in page
    assert "database installation" not in page
    assert 'href="./"' in page


@pytest.mark.parametrize("selected", ["abc", "1.5", ""])
@pytest.mark.parametrize("model", ACTION_MODELS, ids=lambda model: model._meta.label)
def test_an_action_on_ids_that_are_no_ids_is_a_400(client, organizer, rows, model, selected):
    client.force_login(organizer)
    response = client.post(changelist(model), {"action": "cancel_selected", "_selected_action": [selected]})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "address",
    [
        "/admin/auth/group/?name__regex=(",
        "/admin/token_blacklist/outstandingtoken/?jti__regex=(",
        "/admin/token_blacklist/outstandingtoken/?created_at__year=999999999999999999999999",
        "/admin/token_blacklist/blacklistedtoken/?blacklisted_at__year=999999999999999999999999",
    ],
)
def test_the_admins_that_come_with_django_and_simplejwt_refuse_junk_too(client, staff, address):
    client.force_login(staff)

    response = client.get(address)

    assert response.status_code < 500
