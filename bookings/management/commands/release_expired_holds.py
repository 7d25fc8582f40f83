from django.core.management.base import BaseCommand

from bookings.services import release_expired_holds


class Command(BaseCommand):
    help = (
        "Give back the places of unpaid holds whose time ran out, event by event under each event's "
        "lock, and offer them to the waitlist. Run it every minute (cron or the background scheduler); "
        "booking an event also releases its expired holds as it goes."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--events", type=int, default=1000, help="At most this many events per run (default 1000)."
        )

    def handle(self, *args, events, **options):
        released = release_expired_holds(events=events)
        self.stdout.write(f"Released {released} expired hold{'s' if released != 1 else ''}.")
