"""What the accounts app announces, for the apps above it to act on in the same transaction."""

from django.dispatch import Signal

# An account is about to be deleted (``user``, deleted by ``by``): records that protect it must go first.
account_deleting = Signal()
