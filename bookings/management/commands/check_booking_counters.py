from django.core.management.base import BaseCommand, CommandError

from bookings.services import counter_mismatches


class Command(BaseCommand):
    help = "Compare every event's booked_seats with its confirmed bookings; exit non-zero on any mismatch."

    def handle(self, *args, **options):
        mismatches = counter_mismatches()
        for event, confirmed in mismatches:
            self.stderr.write(
                f"Event {event.pk} “{event.title}”: booked_seats={event.booked_seats}, "
                f"confirmed bookings={confirmed}"
            )
        if mismatches:
            raise CommandError(f"{len(mismatches)} event(s) have a booked_seats counter that drifted.")
        self.stdout.write(self.style.SUCCESS("All booking counters match their confirmed bookings."))
