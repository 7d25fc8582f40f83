"""Reading the emails the site sent: who got what, and the link in it."""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core import mail


def sent_to(address: str) -> list:
    return [message for message in mail.outbox if message.to == [address]]


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


# The links that do something: not the site's home or profile in every email's footer.
ACTION_LINK = r"(/accounts/(?:password-reset|verify|email)/\S+)"


def link_in(message) -> str:
    """The path of the one link that acts in the text part, which the HTML part carries as well."""
    links = set(re.findall(re.escape(settings.SITE_URL) + ACTION_LINK, message.body))
    assert len(links) == 1, message.body
    [path] = links
    assert f'href="{settings.SITE_URL}{path}"' in html_of(message)
    return urlsplit(path).path
