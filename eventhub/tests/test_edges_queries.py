"""Junk in the address or query string is a 400 or an empty answer, never a 500 (on PostgreSQL too)."""

import logging

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# (address, who asks) for every list: the API's, the event list page and an admin list.
LISTS = [
    ("/api/events/", None),
    ("/api/bookings/", "attendee"),
    ("/api/users/", "staff"),
    ("/api/events/{event}/bookings/", "organizer"),
    ("/", None),
    ("/bookings/", "attendee"),
    ("/admin/events/event/", "staff"),
    ("/admin/bookings/booking/", "staff"),
]

JUNK_QUERIES = [
    "search=%00",
    "status=%00",
    "page=%00",
    "q=%00",
    "status__exact=%00",
    "%00=1",
    "search=%ff%fe",
    "page=99999999999999999999999",
    "page_size=99999999999999999999999",
    "event=99999999999999999999999",
    "organizer=-99999999999999999999999",
    "starts_after=99999-99-99",
    "ordering=-%00",
    "search=" + "x" * 10_000,
    "title__regex=%5E",
    "_to_field=password",
]


def caller_client(request, caller):
    client = Client(raise_request_exception=False)
    if caller:  # the "organizer" fixture is published_event's organizer
        client.force_login(request.getfixturevalue(caller))
    return client


@pytest.mark.parametrize(("path", "caller"), LISTS)
@pytest.mark.parametrize("query", JUNK_QUERIES)
def test_junk_in_a_list_query_is_never_a_server_error_nor_an_error_line(
    request, path, caller, query, published_event, caplog
):
    client = caller_client(request, caller)
    response = client.get(f"{path.format(event=published_event.pk)}?{query}")
    assert response.status_code < 500
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(("path", "caller"), LISTS)
def test_a_nul_byte_in_the_query_string_is_refused_with_400(request, path, caller, published_event):
    client = caller_client(request, caller)
    response = client.get(f"{path.format(event=published_event.pk)}?status=%00")
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json() == {"detail": "The address contains a NUL character.", "code": "bad_request"}
    else:
        assert "didn't make sense" in response.text
        assert "Content-Security-Policy" in response


@pytest.mark.parametrize("path", ["/api/events/%00/", "/events/%00/", "/admin/events/event/%00/change/"])
def test_a_nul_byte_in_the_path_is_refused_with_400(admin_client, path):
    assert admin_client.get(path).status_code == 400


@pytest.mark.postgres
def test_an_admin_filter_with_a_nul_byte_is_refused_on_postgresql(client, staff):
    """PostgreSQL refuses a NUL in a query: the admin's status filter once answered 500."""
    client.force_login(staff)
    assert client.get("/admin/events/event/?status__exact=%00").status_code == 400
