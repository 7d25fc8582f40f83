"""What the payments app announces, for the apps above it (notifications) to act on.

Sent inside the payment service's transaction, while it holds the event's, the
booking's and the payment's row locks (and the organizer's invoice counter): a
receiver never locks or writes, it only enqueues work to run once the payment commits.
"""

from django.dispatch import Signal

# A payment's money arrived and paid for its ticket (``payment``: saved as paid, its invoice
# issued, its booking confirmed). Not sent for money that came too late for its place (it is
# refunded at once), nor again for a confirmation delivered twice.
payment_confirmed = Signal()
