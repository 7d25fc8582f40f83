"""Structured log lines: one JSON object per line in production, readable text in development."""

import json
import logging
from datetime import UTC, datetime

from eventhub.request_context import client_address_var, request_id_var


class RequestContextFilter(logging.Filter):
    """Stamp every record with the request's id and the client's address ("-" outside a request)."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        record.client_address = client_address_var.get()
        return True


class ClientFaultFilter(logging.Filter):
    """Log a refused malformed request (a bad Host, an oversized body) as a WARNING without a traceback.

    Django logs these on django.security.<name> as errors with a traceback, but a client
    sending junk is no fault of the site's; they are answered with a 400 or 413.
    """

    def filter(self, record):
        record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        record.exc_info = record.exc_text = None
        return True


def _context(record) -> dict:
    return {
        "request_id": getattr(record, "request_id", "-"),
        "client_address": getattr(record, "client_address", "-"),
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, client and the record's fields."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
            **getattr(record, "event_data", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """The same fields as JSON, as key=value pairs after the message."""

    def format(self, record):
        text = super().format(record)
        fields = {**_context(record), **getattr(record, "event_data", {})}
        pairs = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"{text} {pairs}".rstrip()
