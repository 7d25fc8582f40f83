"""The WSGI application that gunicorn serves (``gunicorn eventhub.wsgi``)."""

import json
import os
from email.message import Message

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eventhub.settings")

BAD_CHARSET = {"detail": "The request's charset is not a text encoding.", "code": "bad_request"}


def refuse_undecodable_charsets(app):
    """Answer 400 to a body charset that is no text encoding (rot13, zlib...).

    Django decodes the query string with that charset while it builds the request,
    before any middleware can step in, so the check has to come first.
    """
    from eventhub.middleware import is_text_encoding

    def application(environ, start_response):
        header = Message()
        header["Content-Type"] = environ.get("CONTENT_TYPE", "")
        charset = header.get_param("charset")
        if isinstance(charset, str) and not is_text_encoding(charset):
            body = json.dumps(BAD_CHARSET).encode()
            start_response(
                "400 Bad Request", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        return app(environ, start_response)

    return application


application = refuse_undecodable_charsets(get_wsgi_application())
