"""Uploaded files as the site serves them from MEDIA_ROOT: the event pictures, and nothing else there.

Each picture's name is made from its content (events.images), so an address never serves other bytes:
browsers and proxies may keep it for a year without asking again. With another STORAGES "default"
backend (object storage), pictures are linked at that storage's own addresses and this view is unused.
"""

import posixpath

from django.conf import settings
from django.http import Http404
from django.views.decorators.http import require_safe
from django.views.static import serve

# The only folder of MEDIA_ROOT the site serves.
SERVED_FOLDER = "events/"
FOREVER = "public, max-age=31536000, immutable"


@require_safe
def media(request, path: str):
    """A file under MEDIA_ROOT/events/; anything else, directories included, is not found."""
    if not posixpath.normpath(path).startswith(SERVED_FOLDER):
        raise Http404("No such file.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = FOREVER
    response["X-Content-Type-Options"] = "nosniff"
    return response
