"""Who is being served, for log lines written anywhere below the request: its id and the client's address."""

from contextvars import ContextVar

request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
client_address_var: ContextVar[str] = ContextVar("client_address", default="-")
