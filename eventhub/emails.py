"""Emails in the site's look: one template name gives the subject, the plain text and the HTML.

``emails/<name>.subject.txt``, ``emails/<name>.txt`` and ``emails/<name>.html``
(which extends ``emails/base.html``) are rendered with the recipient in
``recipient``, the site's address in ``site_url``, and times in the recipient's
own zone. Building a message never sends it: the tasks that send do, on a
worker, after the transaction that caused them has committed.
"""

from dataclasses import dataclass
from smtplib import SMTPException
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone

# Mail servers fail in these ways for a while (down, refusing, timing out): a task that sends
# mail tries again later, waiting longer each time, up to EMAIL_MAX_RETRIES times.
RETRYING = {
    "autoretry_for": (SMTPException, OSError),
    "retry_backoff": 2,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": settings.EMAIL_MAX_RETRIES,
}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


def build_email(
    *, template: str, to, context: dict, attachments: tuple[Attachment, ...] = (), to_address: str = ""
) -> EmailMultiAlternatives:
    """The message ``template`` makes for the account ``to`` (sent to ``to_address`` when given).

    Times render in the recipient's zone (their profile's), as on the site.
    """
    context = {**context, "recipient": to, "site_url": settings.SITE_URL}
    with timezone.override(ZoneInfo(to.timezone)):
        subject = render_to_string(f"emails/{template}.subject.txt", context)
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),  # one line, whatever the template's layout
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to_address or to.email],
    )
    message.attach_alternative(html, "text/html")
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    return message


def absolute(path: str) -> str:
    """A site path as a link that works from an inbox."""
    return f"{settings.SITE_URL}{path}"
