"""What the bookings app announces, for the apps above it to act on in the same transaction.

Sent while the event's row lock is held: a receiver works on the rows it is given
and never locks the event again. A receiver may refuse by raising a DomainError,
which undoes the change.
"""

from django.dispatch import Signal

# A booking was cancelled (``booking``: saved as cancelled; ``event``: the locked row;
# ``by``: who cancelled; ``was``: its status before).
booking_cancelled = Signal()

# A booking's status changed other than by cancelling (``booking``: saved; ``event``: the locked
# row; ``was``: its status before, None for a new booking). Sent when a booking is made (confirmed,
# held for payment or put on the waitlist), promoted from the waitlist, paid for, or its unpaid
# hold expired.
booking_status_changed = Signal()
