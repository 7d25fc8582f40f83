from django.core.management.base import BaseCommand

from bookings.services import POPULARITY_DAYS, refresh_popularity


class Command(BaseCommand):
    help = (
        f"Count each event's places booked in the last {POPULARITY_DAYS} days, what sorting events by "
        "popularity reads. Run it every ten minutes (cron or the background scheduler)."
    )

    def handle(self, *args, **options):
        changed = refresh_popularity()
        self.stdout.write(f"Updated the popularity of {changed} event{'s' if changed != 1 else ''}.")
