"""Content negotiation for API endpoints that answer with a file (a PDF, an iCalendar entry)."""

from rest_framework.negotiation import BaseContentNegotiation


class IgnoreAccept(BaseContentNegotiation):
    """The file is sent whatever the client accepts; errors are rendered by the first renderer (JSON)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type

    def select_parser(self, request, parsers):
        return parsers[0]
