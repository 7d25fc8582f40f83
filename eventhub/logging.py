"""Structured log lines: one JSON object per line in production, readable text in development."""

import json
import logging
from datetime import UTC, datetime

from eventhub.request_context import request_id_var


class RequestIdFilter(logging.Filter):
    """Stamp every record with the id of the request being served ("-" outside a request)."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the record's fields."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            **getattr(record, "event_data", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    """The same fields as JSON, as key=value pairs after the message."""

    def format(self, record):
        text = super().format(record)
        fields = getattr(record, "event_data", {})
        pairs = " ".join(f"{key}={value}" for key, value in fields.items())
        return f"{text} request_id={getattr(record, 'request_id', '-')} {pairs}".rstrip()
