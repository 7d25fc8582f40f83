"""Background work of the bookings app (Celery); each task calls the booking service."""

from celery import shared_task

from bookings import services


@shared_task
def release_expired_holds() -> int:
    """Celery beat, every minute: unpaid holds whose time ran out give their places back."""
    return services.release_expired_holds()


@shared_task
def refresh_popularity() -> int:
    """Celery beat, every ten minutes: the "most popular" order's counts of last week's bookings."""
    return services.refresh_popularity()
