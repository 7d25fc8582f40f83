"""The OpenAPI schema generates cleanly and describes every endpoint; Swagger UI is served locally."""

import re

import pytest
import yaml
from django.core.management import call_command

EXPECTED_PATHS = {
    "/api/auth/register/",
    "/api/auth/token/",
    "/api/auth/token/refresh/",
    "/api/auth/logout/",
    "/api/auth/password-reset/",
    "/api/auth/password-reset/confirm/",
    "/api/users/",
    "/api/users/{id}/",
    "/api/users/me/",
    "/api/users/me/password/",
    "/api/users/me/verify-email/",
    "/api/users/me/calendar-feed/",
    "/api/users/me/organizer-request/",
    "/api/events/",
    "/api/events/{id}/",
    "/api/categories/",
    "/api/categories/{slug}/",
    "/api/events/{event_id}/bookings/",
    "/api/events/{event_id}/check-ins/",
    "/api/events/{event_id}/check-ins/{booking_id}/",
    "/api/events/{event_id}/ticket-types/",
    "/api/events/{event_id}/ticket-types/{id}/",
    "/api/events/{event_id}/questions/",
    "/api/events/{event_id}/questions/{id}/",
    "/api/events/{id}/seats/",
    "/api/events/{id}/calendar.ics/",
    "/api/events/{id}/image/",
    "/api/series/",
    "/api/series/{id}/",
    "/api/series/{id}/cancel/",
    "/api/bookings/",
    "/api/bookings/{id}/",
    "/api/bookings/{id}/cancel/",
    "/api/bookings/{id}/change/",
    "/api/bookings/{id}/answers/",
    "/api/bookings/{id}/pay/",
    "/api/bookings/{id}/qr/",
    "/api/payments/",
    "/api/payments/{id}/",
    "/api/payments/{id}/mark-paid/",
    "/api/payments/{id}/refund/",
    "/api/refunds/",
    "/api/refunds/{id}/",
    "/api/refunds/{id}/done/",
    "/api/invoices/",
    "/api/invoices/{id}/",
    "/api/invoices/{id}/pdf/",
    "/api/friends/",
    "/api/friends/{user_id}/",
    "/api/friends/requests/",
    "/api/friends/requests/{id}/",
    "/api/friends/requests/{id}/accept/",
    "/api/friends/requests/{id}/decline/",
    "/api/blocks/",
    "/api/blocks/{user_id}/",
    "/api/posts/",
    "/api/posts/{id}/",
    "/api/posts/{id}/like/",
    "/api/posts/{id}/share/",
    "/api/posts/{id}/hide/",
    "/api/posts/{id}/unhide/",
    "/api/posts/{post_id}/comments/",
    "/api/comments/{id}/",
    "/api/comments/{id}/like/",
    "/api/comments/{id}/hide/",
    "/api/comments/{id}/unhide/",
    "/api/feed/",
    "/api/conversations/",
    "/api/conversations/{conversation_id}/messages/",
    "/api/reports/",
}


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    """drf-spectacular's own generation with validation, failing on any warning."""
    path = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    return yaml.safe_load(path.read_text())


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_schema_is_openapi_3_with_every_endpoint(schema):
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) == EXPECTED_PATHS


def test_every_operation_documents_its_errors(schema):
    for name, operation in operations(schema):
        statuses = set(operation["responses"])
        assert "429" in statuses, name
        assert any(status.startswith("4") and status != "429" for status in statuses), name


def test_list_operations_document_their_filters(schema):
    events = {p["name"] for p in schema["paths"]["/api/events/"]["get"]["parameters"]}
    bookings = {p["name"] for p in schema["paths"]["/api/bookings/"]["get"]["parameters"]}

    assert events == {
        "search",
        "location",
        "category",
        "tag",
        "city",
        "attendance",
        "starts_after",
        "starts_before",
        "organizer",
        "series",
        "has_seats",
        "status",
        "when",
        "ordering",
        "page",
        "page_size",
    }
    assert bookings == {"event", "status", "page", "page_size"}


def test_money_lists_document_their_filters(schema):
    def filters(path):
        return {p["name"] for p in schema["paths"][path]["get"]["parameters"]}

    assert filters("/api/payments/") == {"event", "booking", "state", "page", "page_size"}
    assert filters("/api/refunds/") == {"event", "state", "page", "page_size"}
    assert filters("/api/invoices/") == {
        "event",
        "kind",
        "issued_after",
        "issued_before",
        "page",
        "page_size",
    }


def test_booking_and_paying_document_the_idempotency_key(schema):
    for path in ("/api/bookings/", "/api/bookings/{id}/pay/"):
        operation = schema["paths"][path]["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        assert headers == {"Idempotency-Key"}, path
        assert {"400", "409", "422"} <= set(operation["responses"]), path


def test_paying_documents_its_refusals(schema):
    operation = schema["paths"]["/api/bookings/{id}/pay/"]["post"]

    assert {"201", "400", "402", "404", "409"} <= set(operation["responses"])
    for code in ("hold_expired", "already_paid", "not_payable", "invalid_provider", "invalid_buyer"):
        assert code in operation["description"], code
    assert "/payments/webhooks/" in operation["description"]


def test_an_invoice_pdf_is_documented_as_a_pdf(schema):
    ok = schema["paths"]["/api/invoices/{id}/pdf/"]["get"]["responses"]["200"]

    assert set(ok["content"]) == {"application/pdf"}


def test_money_is_documented_as_decimal_strings(schema):
    components = schema["components"]["schemas"]
    fields = [
        ("Booking", "price"),
        ("Payment", "amount"),
        ("Payment", "refunded_amount"),
        ("Refund", "amount"),
        ("Invoice", "gross"),
        ("Invoice", "tax_rate"),
    ]
    for component, field in fields:
        prop = components[component]["properties"][field]
        assert (prop["type"], prop["format"]) == ("string", "decimal"), (component, field)


@pytest.mark.django_db
def test_schema_endpoint_serves_the_schema(client):
    response = client.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert set(response.json()["paths"]) == EXPECTED_PATHS


@pytest.mark.django_db
def test_docs_load_swagger_ui_from_local_files_without_inline_script(client):
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script src="([^"]+)"', page)

    assert all(src.startswith("/") for src in sources)
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in sources
    assert "<script>" not in page  # the start-up script is a file too: the site's CSP allows no inline code
    start_up = client.get(sources[-1].replace("&amp;", "&"))
    assert start_up["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in start_up.content.decode()


def test_every_operation_that_reads_a_body_documents_415(schema):
    for name, operation in operations(schema):
        if "requestBody" in operation:
            assert "415" in operation["responses"], name


def test_a_body_without_a_content_type_is_the_documented_415(api_client, attendee):
    api_client.force_authenticate(attendee)
    response = api_client.generic("POST", "/api/posts/", b"--x\r\n\xf3\xac--x--\r\n", content_type="")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
