"""Background work of the accounts app (Celery): the emails about one's own account."""

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from accounts.models import OrganizerRequest, User
from eventhub.emails import RETRYING, absolute, build_email


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


@shared_task(**RETRYING)
def send_organizer_decision(request_id: int) -> bool:
    """Email the person staff's decision about their request to become an organizer: whether it was sent.

    The request is claimed (``notified_at``) before the email goes, so a task run twice
    sends it once; if sending fails, the claim is given back and the retry sends it.
    """
    decided = OrganizerRequest.objects.exclude(status=OrganizerRequest.Status.PENDING)
    organizer_request = decided.select_related("user").filter(pk=request_id, user__is_active=True).first()
    if organizer_request is None:
        return False
    claim = decided.filter(pk=request_id, notified_at__isnull=True)
    if not claim.update(notified_at=timezone.now()):
        return False
    try:
        _decision_email(organizer_request).send()
    except BaseException:
        OrganizerRequest.objects.filter(pk=request_id).update(notified_at=None)
        raise
    return True


def _decision_email(organizer_request: OrganizerRequest):
    context = {
        "organizer_request": organizer_request,
        "console_url": absolute(reverse("admin:index")),
        "profile_url": absolute(reverse("accounts:profile")),
    }
    template = f"organizer_request_{organizer_request.status}"
    return build_email(template=template, to=organizer_request.user, context=context)
