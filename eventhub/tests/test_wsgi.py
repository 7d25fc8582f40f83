"""The WSGI entry point refuses what Django would crash on while building the request."""

import json

import pytest
from django.test.client import RequestFactory

from eventhub.wsgi import application

# Django's request_started signal closes stale database connections, which counts as database access.
pytestmark = pytest.mark.django_db


def call(**environ):
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    body = b"".join(application(RequestFactory()._base_environ(**environ), start_response))
    return answer["status"], answer["headers"], body


def test_a_charset_that_is_no_text_encoding_is_a_400_even_with_a_query_string():
    status, headers, body = call(
        PATH_INFO="/api/events/", QUERY_STRING="page=2", CONTENT_TYPE="text/plain; charset=rot13"
    )
    assert status == "400 Bad Request"
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "bad_request"


def test_an_ordinary_request_passes_through():
    status, headers, _ = call(
        PATH_INFO="/favicon.ico", QUERY_STRING="v=1", CONTENT_TYPE="text/plain; charset=utf-8"
    )
    assert status.startswith("30")
    assert headers["Location"].endswith("favicon.ico")
