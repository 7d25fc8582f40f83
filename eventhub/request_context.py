"""The id of the request being served, for log lines written anywhere below it."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
