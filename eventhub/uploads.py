"""Files sent to the site are bounded while they arrive, so no upload fills the disk or the memory.

Django bounds the form fields of a body (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files: those it
streams to a temporary file whatever their size. First among FILE_UPLOAD_HANDLERS, this handler
counts each chunk before Django's own handlers keep it, and refuses the request with
RequestDataTooBig (answered 413, as for any body too large) once its files add up to more than
EVENT_IMAGE_MAX_BYTES: the site takes files only as event pictures.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class BoundedUploadHandler(FileUploadHandler):
    """Counts the bytes of every file of one request (a handler is made afresh for each request)."""

    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.EVENT_IMAGE_MAX_BYTES:
            raise RequestDataTooBig("The files of the request exceeded settings.EVENT_IMAGE_MAX_BYTES.")
        return raw_data

    def file_complete(self, file_size):
        return None  # the handlers after this one keep the file
