"""What the events app announces, for the apps above it to act on in the same transaction.

Sent while the event's row lock is held: a receiver works on the locked row it is
given and never locks the event again.
"""

from django.dispatch import Signal

# An event's capacity changed (``event``: the locked row, with its new capacity).
capacity_changed = Signal()

# An event was cancelled (``event``: the locked row, now cancelled; ``by``: who cancelled it).
event_cancelled = Signal()

# A published event's time or place changed (``event``: the locked row, as saved; ``changes``:
# field name -> (old value, new value) for starts_at, ends_at, location and timezone; ``by``).
event_changed = Signal()
