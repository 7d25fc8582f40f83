"""The API's body parsers: DRF's, bounded so that no body, however hostile, becomes a crash.

A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused with 413, as Django refuses one for a
page (DRF reads JSON straight from the socket, past that limit). JSON nested deeper than Python
can recurse is a 400 parse error. Too many form fields raise Django's TooManyFieldsSent, which
the API's exception handler answers with 400.
"""

import io

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def read_bounded(stream) -> io.BytesIO:
    """The whole body, refused with RequestDataTooBig past the upload limit without reading on."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = stream.read() if limit is None else stream.read(limit + 1)
    if limit is not None and len(body) > limit:
        raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
    return io.BytesIO(body)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(read_bounded(stream), media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        return super().parse(read_bounded(stream), media_type, parser_context)
