"""Background work of the accounts app (Celery): the emails about one's own account."""

from celery import shared_task

from accounts.models import User
from eventhub.emails import RETRYING, build_email


@shared_task(**RETRYING)
def send_account_email(template: str, user_id: int, context: dict, to_address: str = "") -> bool:
    """Email an active account about itself with ``templates/emails/<template>.*``: whether it was sent.

    ``context`` holds plain strings (links, addresses), so the task crosses the broker as
    JSON; it goes to ``to_address`` when given (a new address to confirm), else to the
    account's. A mail server that fails is tried again later, like every email. Running it
    twice sends a second copy of a link, which harms nothing.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    build_email(template=template, to=user, context=context, to_address=to_address).send()
    return True
